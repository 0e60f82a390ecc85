//! What this process is handling right now, or handled a moment ago: the
//! questions being answered, and the dialogue clicks being handled and
//! acknowledged. One of each per process, in the bot's [`super::Data`].

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::store::SessionId;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The questions this process is answering or has answered lately: a
/// gateway resume replays events to the same process, and a replayed
/// question found here is left before any request (no second thread, no
/// second answer). The store tells the rest: a question read back after a
/// restart. Bounded, oldest forgotten first.
#[derive(Debug, Default)]
pub struct Questions(Mutex<VecDeque<u64>>);

/// Far more than a resume replays.
const QUESTIONS_KEPT: usize = 4096;

impl Questions {
    /// False if the question is in hand already.
    pub fn take(&self, question: u64) -> bool {
        let mut questions = lock(&self.0);
        if questions.contains(&question) {
            return false;
        }
        if questions.len() >= QUESTIONS_KEPT {
            questions.pop_front();
        }
        questions.push_back(question);
        true
    }

    /// The question got no answer: a replay may try again.
    pub fn release(&self, question: u64) {
        lock(&self.0).retain(|q| *q != question);
    }
}

/// The dialogue clicks this process is handling, and the answers it
/// acknowledged lately: a click again on an answered step is a replay of
/// an unacknowledged click only if this process did not acknowledge it
/// (a double click) and is not handling it right now.
#[derive(Debug, Default)]
pub struct Steps(Mutex<StepsInner>);

#[derive(Debug, Default)]
struct StepsInner {
    in_flight: BTreeSet<SessionId>,
    /// (session, slot, value), at most one per session, newest last.
    acknowledged: VecDeque<(SessionId, String, String)>,
}

/// Enough for the seconds a double click takes, at any load.
const ACKNOWLEDGED_KEPT: usize = 1024;

impl Steps {
    /// Marks a click of `session` as being handled, until the guard is
    /// dropped; `None` if a click of that session is being handled already.
    pub fn enter(&self, session: SessionId) -> Option<StepInFlight<'_>> {
        let inserted = lock(&self.0).in_flight.insert(session);
        // Not `then_some`: a guard built and dropped here would unmark the
        // click in flight.
        inserted.then(|| StepInFlight {
            steps: self,
            session,
        })
    }
}

/// A session's click being handled.
pub struct StepInFlight<'a> {
    steps: &'a Steps,
    session: SessionId,
}

impl StepInFlight<'_> {
    /// Remembers that the click answering `slot` was acknowledged.
    pub fn acknowledge(&self, slot: &str, value: &str) {
        self.forget();
        let mut steps = lock(&self.steps.0);
        if steps.acknowledged.len() >= ACKNOWLEDGED_KEPT {
            steps.acknowledged.pop_front();
        }
        steps
            .acknowledged
            .push_back((self.session, slot.to_owned(), value.to_owned()));
    }

    /// Forgets the session's acknowledged answer: it has moved on.
    pub fn forget(&self) {
        lock(&self.steps.0)
            .acknowledged
            .retain(|(session, _, _)| *session != self.session);
    }

    pub fn acknowledged(&self, slot: &str, value: &str) -> bool {
        lock(&self.steps.0)
            .acknowledged
            .iter()
            .any(|(session, s, v)| *session == self.session && s == slot && v == value)
    }
}

impl Drop for StepInFlight<'_> {
    fn drop(&mut self) {
        lock(&self.steps.0).in_flight.remove(&self.session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_is_taken_once_until_released() {
        let questions = Questions::default();
        assert!(questions.take(7));
        assert!(!questions.take(7), "a replay while in hand");
        questions.release(7);
        assert!(questions.take(7), "released: a replay may try again");
    }

    #[test]
    fn one_click_per_session_at_a_time_and_acknowledgements_are_remembered() {
        let steps = Steps::default();
        let first = steps.enter(SessionId(1)).expect("free");
        assert!(steps.enter(SessionId(1)).is_none(), "a double click waits");
        assert!(
            steps.enter(SessionId(2)).is_some(),
            "other sessions are free"
        );
        first.acknowledge("devices", "one");
        assert!(first.acknowledged("devices", "one"));
        assert!(!first.acknowledged("devices", "several"));
        drop(first);
        let again = steps.enter(SessionId(1)).expect("released on drop");
        assert!(again.acknowledged("devices", "one"), "kept after the click");
        again.forget();
        assert!(!again.acknowledged("devices", "one"));
    }
}
