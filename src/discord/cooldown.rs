//! The one per-person budget every path spends from: messages, slash
//! commands, buttons, selects and modals. At most N questions per window
//! (a message, `/ask`, `/recommend`, "Help me choose", "Did you mean…",
//! "Talk to a human"), and [`CLICKS_PER_QUESTION`] times as many other
//! clicks (votes, dialogue steps, comments), with one polite notice when
//! someone runs over.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the budget: tell them once.
    Notify,
    /// Over the budget and already told.
    Quiet,
}

/// A dialogue's five steps and a vote fit the click budget of one question.
pub const CLICKS_PER_QUESTION: usize = 8;

/// What an event spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spend {
    /// Anything that asks something of the bot or its staff.
    Question,
    /// A vote, a dialogue step, a comment.
    Click,
}

/// One person's recent spending of one kind, and whether they were told
/// they ran over.
type Spent = (VecDeque<Instant>, bool);

#[derive(Debug)]
pub struct Cooldown {
    limit: usize,
    window: Duration,
    recent: Mutex<HashMap<(u64, Spend), Spent>>,
}

impl Cooldown {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1) as usize,
            window,
            recent: Mutex::new(HashMap::new()),
        }
    }

    /// Counts what `user` spends at `now`.
    pub fn check(&self, user: u64, spend: Spend, now: Instant) -> Verdict {
        let mut recent = match self.recent.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Forget people whose window has passed, so the map stays small.
        if recent.len() > 10_000 {
            recent.retain(|_, (times, _)| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let limit = match spend {
            Spend::Question => self.limit,
            Spend::Click => self.limit.saturating_mul(CLICKS_PER_QUESTION),
        };
        let (times, notified) = recent.entry((user, spend)).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() < limit {
            times.push_back(now);
            *notified = false;
            Verdict::Allowed
        } else if *notified {
            Verdict::Quiet
        } else {
            *notified = true;
            Verdict::Notify
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_budget_then_notifies_once_then_recovers() {
        let cooldown = Cooldown::new(2, Duration::from_secs(60));
        let start = Instant::now();
        let ask = |user, at| cooldown.check(user, Spend::Question, at);
        assert_eq!(ask(1, start), Verdict::Allowed);
        assert_eq!(ask(1, start), Verdict::Allowed);
        assert_eq!(ask(1, start), Verdict::Notify);
        assert_eq!(ask(1, start), Verdict::Quiet);
        assert_eq!(ask(2, start), Verdict::Allowed, "others are not affected");
        let later = start + Duration::from_secs(61);
        assert_eq!(ask(1, later), Verdict::Allowed);
    }

    #[test]
    fn clicks_have_a_larger_budget_of_their_own() {
        let cooldown = Cooldown::new(2, Duration::from_secs(60));
        let start = Instant::now();
        for click in 0..2 * CLICKS_PER_QUESTION {
            assert_eq!(
                cooldown.check(1, Spend::Click, start),
                Verdict::Allowed,
                "click {click}"
            );
        }
        assert_eq!(cooldown.check(1, Spend::Click, start), Verdict::Notify);
        assert_eq!(
            cooldown.check(1, Spend::Question, start),
            Verdict::Allowed,
            "clicking does not use up questions"
        );
    }
}
