//! A per-person question budget: at most N questions per window, with one
//! polite notice when someone runs over.

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

#[derive(Debug)]
pub struct Cooldown {
    limit: usize,
    window: Duration,
    recent: Mutex<HashMap<u64, (VecDeque<Instant>, bool)>>,
}

impl Cooldown {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1) as usize,
            window,
            recent: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a question by `user` at `now`.
    pub fn check(&self, user: u64, now: Instant) -> Verdict {
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
        let (times, notified) = recent.entry(user).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() < self.limit {
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
        assert_eq!(cooldown.check(1, start), Verdict::Allowed);
        assert_eq!(cooldown.check(1, start), Verdict::Allowed);
        assert_eq!(cooldown.check(1, start), Verdict::Notify);
        assert_eq!(cooldown.check(1, start), Verdict::Quiet);
        assert_eq!(
            cooldown.check(2, start),
            Verdict::Allowed,
            "others are not affected"
        );
        let later = start + Duration::from_secs(61);
        assert_eq!(cooldown.check(1, later), Verdict::Allowed);
    }
}
