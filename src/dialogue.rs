//! The recommendation dialogue as a pure state machine.
//!
//! A [`DialogueState`] is the answers given so far. [`next_step`] asks the
//! first unanswered question whose answer could still change the outcome,
//! or returns the [`Recommendation`] once none could. Answers found in the
//! opening question are recorded as `prefilled` and never asked. Every
//! function here is pure, so a front end stores the state between clicks
//! and a restarted bot carries on from it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::knowledge::{Dialogue, Question, UNSURE};

/// One answer, as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub slot: String,
    pub value: String,
    /// Found in the opening question rather than asked.
    #[serde(default)]
    pub prefilled: bool,
}

/// The answers so far, in the order they were given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialogueState {
    pub answers: Vec<Answer>,
}

impl DialogueState {
    /// A state holding the answers of `prefilled` that `dialogue` knows.
    pub fn start(dialogue: &Dialogue, prefilled: &BTreeMap<String, String>) -> Self {
        let answers = dialogue
            .questions
            .iter()
            .filter_map(|question| {
                let value = prefilled.get(&question.slot)?;
                question.accepts(value).then(|| Answer {
                    slot: question.slot.clone(),
                    value: value.clone(),
                    prefilled: true,
                })
            })
            .collect();
        Self { answers }
    }

    pub fn value(&self, slot: &str) -> Option<&str> {
        self.answers
            .iter()
            .find(|answer| answer.slot == slot)
            .map(|answer| answer.value.as_str())
    }

    pub fn as_map(&self) -> BTreeMap<String, String> {
        self.answers
            .iter()
            .map(|answer| (answer.slot.clone(), answer.value.clone()))
            .collect()
    }

    /// How many questions were asked (not prefilled) so far.
    pub fn asked(&self) -> usize {
        self.answers.iter().filter(|a| !a.prefilled).count()
    }
}

/// What a dialogue does next.
#[derive(Debug, Clone)]
pub enum Step<'a> {
    Ask(&'a Question),
    Done(Recommendation),
}

/// An outcome with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// The outcome id, e.g. `imap`.
    pub outcome: String,
    pub label: String,
    pub reasons: Vec<Reason>,
    /// How the outcome still meets needs that pointed the other way.
    pub notes: Vec<Reason>,
    /// What to watch out for with this outcome.
    pub caveats: Vec<String>,
    pub warnings: Vec<String>,
    /// Slots never answered, because no answer could have changed the outcome.
    pub unanswered: Vec<String>,
}

/// One reason, and the answers it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub text: String,
    pub because: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialogueError {
    #[error("unknown question `{slot}` (valid: {valid})")]
    UnknownSlot { slot: String, valid: String },
    #[error("`{value}` does not answer `{slot}` (valid: {valid})")]
    UnknownValue {
        slot: String,
        value: String,
        valid: String,
    },
}

/// The next question, or the recommendation when no remaining answer could
/// change the outcome.
pub fn next_step<'a>(dialogue: &'a Dialogue, state: &DialogueState) -> Step<'a> {
    let answers = state.as_map();
    if !is_settled(dialogue, &answers) {
        if let Some(question) = dialogue
            .questions
            .iter()
            .find(|question| !answers.contains_key(&question.slot))
        {
            return Step::Ask(question);
        }
    }
    Step::Done(recommend(dialogue, &answers))
}

/// Records an answer; answering a slot again replaces the earlier answer.
pub fn answer(
    dialogue: &Dialogue,
    state: &DialogueState,
    slot: &str,
    value: &str,
) -> Result<DialogueState, DialogueError> {
    check_answer(dialogue, slot, value)?;
    let mut next = state.clone();
    next.answers.retain(|answer| answer.slot != slot);
    next.answers.push(Answer {
        slot: slot.to_owned(),
        value: value.to_owned(),
        prefilled: false,
    });
    Ok(next)
}

/// Takes back the last asked answer; prefilled answers stay.
pub fn back(state: &DialogueState) -> DialogueState {
    let mut next = state.clone();
    if let Some(last) = next.answers.iter().rposition(|answer| !answer.prefilled) {
        next.answers.remove(last);
    }
    next
}

/// Starts over, asking every question.
pub fn restart() -> DialogueState {
    DialogueState::default()
}

/// Checks that `value` answers the question `slot`.
pub fn check_answer(dialogue: &Dialogue, slot: &str, value: &str) -> Result<(), DialogueError> {
    let Some(question) = dialogue.question(slot) else {
        return Err(DialogueError::UnknownSlot {
            slot: slot.to_owned(),
            valid: dialogue
                .questions
                .iter()
                .map(|q| q.slot.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    if question.accepts(value) {
        Ok(())
    } else {
        Err(DialogueError::UnknownValue {
            slot: slot.to_owned(),
            value: value.to_owned(),
            valid: question.values().join(", "),
        })
    }
}

/// The recommendation for the given answers; unanswered slots hold no
/// condition.
pub fn recommend(dialogue: &Dialogue, answers: &BTreeMap<String, String>) -> Recommendation {
    let (outcome, mut fired) = decide(dialogue, answers);
    fired.sort_by_key(|rule| std::cmp::Reverse(rule.weight));
    let mut reasons: Vec<Reason> = fired
        .into_iter()
        .filter(|rule| rule.outcome == outcome)
        .map(|rule| Reason {
            text: rule.reason.clone(),
            because: rule.when.clone(),
        })
        .collect();
    if reasons.is_empty() {
        if let Some(described) = dialogue.outcomes.get(&outcome) {
            reasons.push(Reason {
                text: described.summary.clone(),
                because: BTreeMap::new(),
            });
        }
    }
    let notes = dialogue
        .notes
        .iter()
        .filter(|note| note.outcome == outcome && holds(&note.when, answers))
        .map(|note| Reason {
            text: note.text.clone(),
            because: note.when.clone(),
        })
        .collect();
    let caveats = dialogue
        .outcomes
        .get(&outcome)
        .map(|described| described.caveats.clone())
        .unwrap_or_default();
    Recommendation {
        label: dialogue.outcome_label(&outcome).to_owned(),
        outcome,
        reasons,
        notes,
        caveats,
        warnings: dialogue.warnings.clone(),
        unanswered: dialogue
            .questions
            .iter()
            .filter(|q| !answers.contains_key(&q.slot))
            .map(|q| q.slot.clone())
            .collect(),
    }
}

/// Whether every condition (slot = value) holds in `answers`.
fn holds(when: &BTreeMap<String, String>, answers: &BTreeMap<String, String>) -> bool {
    when.iter()
        .all(|(slot, value)| answers.get(slot) == Some(value))
}

/// The winning outcome and the rules that fired. Weights add up per
/// outcome; the default wins ties.
fn decide<'a>(
    dialogue: &'a Dialogue,
    answers: &BTreeMap<String, String>,
) -> (String, Vec<&'a crate::knowledge::Rule>) {
    let fired: Vec<_> = dialogue
        .rules
        .iter()
        .filter(|rule| holds(&rule.when, answers))
        .collect();
    let mut totals: BTreeMap<&str, u32> = BTreeMap::new();
    for rule in &fired {
        *totals.entry(rule.outcome.as_str()).or_default() += rule.weight;
    }
    let best = totals.values().copied().max().unwrap_or(0);
    let default_total = totals.get(dialogue.default.as_str()).copied().unwrap_or(0);
    let outcome = if default_total == best {
        dialogue.default.clone()
    } else {
        totals
            .iter()
            .find(|(_, &total)| total == best)
            .map_or_else(|| dialogue.default.clone(), |(o, _)| (*o).to_owned())
    };
    (outcome, fired)
}

/// Whether every way of answering the remaining questions leads to the same
/// outcome.
pub fn is_settled(dialogue: &Dialogue, answers: &BTreeMap<String, String>) -> bool {
    let open: Vec<&Question> = dialogue
        .questions
        .iter()
        .filter(|q| !answers.contains_key(&q.slot))
        .collect();
    if open.is_empty() {
        return true;
    }
    let mut outcome: Option<String> = None;
    let mut completion = answers.clone();
    every_completion(&open, &mut completion, &mut |complete| {
        let (this, _) = decide(dialogue, complete);
        match &outcome {
            None => {
                outcome = Some(this);
                true
            }
            Some(first) => *first == this,
        }
    })
}

/// Calls `visit` on each way of answering `open`; stops early, returning
/// false, as soon as `visit` does.
fn every_completion(
    open: &[&Question],
    answers: &mut BTreeMap<String, String>,
    visit: &mut dyn FnMut(&BTreeMap<String, String>) -> bool,
) -> bool {
    let Some((question, rest)) = open.split_first() else {
        return visit(answers);
    };
    for value in question.values() {
        answers.insert(question.slot.clone(), value.to_owned());
        if !every_completion(rest, answers, visit) {
            answers.remove(&question.slot);
            return false;
        }
    }
    answers.remove(&question.slot);
    true
}

/// The label a user sees for an answer.
pub fn answer_label<'a>(dialogue: &'a Dialogue, slot: &str, value: &'a str) -> &'a str {
    match dialogue.question(slot) {
        Some(question) => question.label_of(value),
        None if value == UNSURE => "Not sure",
        None => value,
    }
}

#[cfg(test)]
mod tests;
