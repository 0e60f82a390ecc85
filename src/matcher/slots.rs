//! Finding dialogue answers already stated in a question, so the dialogue
//! does not ask them again.

use std::collections::BTreeMap;

use regex::RegexSet;

use crate::knowledge::Knowledge;

#[derive(Debug)]
pub struct SlotExtractor {
    set: Option<RegexSet>,
    /// `answers[i]` is the (slot, value) pattern i stands for.
    answers: Vec<(String, String)>,
}

impl SlotExtractor {
    pub fn new(knowledge: &Knowledge) -> Self {
        let mut sources = Vec::new();
        let mut answers = Vec::new();
        for question in knowledge.dialogues().iter().flat_map(|d| &d.questions) {
            for option in &question.options {
                for pattern in &option.patterns {
                    if regex::Regex::new(pattern).is_ok() {
                        sources.push(pattern.as_str());
                        answers.push((question.slot.clone(), option.value.clone()));
                    }
                }
            }
        }
        Self {
            set: RegexSet::new(sources).ok(),
            answers,
        }
    }

    /// The answers stated in normalised text. A slot whose patterns point
    /// at two different values is left out: the dialogue will ask.
    pub fn extract(&self, normalized: &str) -> BTreeMap<String, String> {
        let mut found: BTreeMap<String, Option<String>> = BTreeMap::new();
        let Some(set) = &self.set else {
            return BTreeMap::new();
        };
        for index in set.matches(normalized).iter() {
            let (slot, value) = &self.answers[index];
            found
                .entry(slot.clone())
                .and_modify(|known| {
                    if known.as_deref() != Some(value) {
                        *known = None;
                    }
                })
                .or_insert_with(|| Some(value.clone()));
        }
        found
            .into_iter()
            .filter_map(|(slot, value)| value.map(|value| (slot, value)))
            .collect()
    }
}
