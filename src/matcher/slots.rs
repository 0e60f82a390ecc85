//! Finding dialogue answers already stated in a question, so the dialogue
//! does not ask them again.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::{Regex, RegexSet};

use crate::knowledge::Knowledge;

#[derive(Debug)]
pub struct SlotExtractor {
    set: Option<RegexSet>,
    /// The set's patterns, compiled one by one (to find where a hit lies)
    /// the first time two of them disagree.
    regexes: OnceLock<Vec<Option<Regex>>>,
    /// `answers[i]` is the (slot, value) pattern i stands for.
    answers: Vec<(String, String)>,
}

/// One pattern's hit: the value it stands for and where it lies.
struct Hit<'a> {
    value: &'a str,
    start: usize,
    end: usize,
}

impl SlotExtractor {
    pub fn new(knowledge: &Knowledge) -> Self {
        let mut sources = Vec::new();
        let mut answers = Vec::new();
        for question in knowledge.dialogues().iter().flat_map(|d| &d.questions) {
            for option in &question.options {
                for pattern in &option.patterns {
                    sources.push(super::normalize::ascii_classes(pattern));
                    answers.push((question.slot.clone(), option.value.clone()));
                }
            }
        }
        // The knowledge was validated, so every pattern compiles; if one
        // somehow does not, the set is left out rather than half-trusted.
        Self {
            // A generous lazy-DFA cache keeps the set off the slow PikeVM.
            set: regex::RegexSetBuilder::new(&sources)
                .dfa_size_limit(super::PATTERN_DFA_CACHE)
                .build()
                .ok(),
            regexes: OnceLock::new(),
            answers,
        }
    }

    fn regex(&self, index: usize) -> Option<&Regex> {
        self.regexes
            .get_or_init(|| {
                let Some(set) = &self.set else {
                    return Vec::new();
                };
                set.patterns().iter().map(|p| Regex::new(p).ok()).collect()
            })
            .get(index)?
            .as_ref()
    }

    /// The answers stated in normalised text. When a slot's patterns point
    /// at different values, the longest hit wins if it covers every other
    /// hit ("never without internet" over "without internet"); otherwise
    /// the slot is left out and the dialogue will ask.
    pub fn extract(&self, normalized: &str) -> BTreeMap<String, String> {
        let Some(set) = &self.set else {
            return BTreeMap::new();
        };
        let matches = set.matches(normalized);
        let mut values: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
        for index in matches.iter() {
            let (slot, value) = &self.answers[index];
            values.entry(slot).or_default().push((index, value));
        }
        let mut hits: BTreeMap<&str, Vec<Hit<'_>>> = BTreeMap::new();
        for (slot, found) in values {
            if found.iter().all(|&(_, value)| value == found[0].1) {
                // One value: no need to know where it was stated.
                hits.insert(
                    slot,
                    vec![Hit {
                        value: found[0].1,
                        start: 0,
                        end: 0,
                    }],
                );
                continue;
            }
            let slot_hits = hits.entry(slot).or_default();
            for (index, value) in found {
                let Some(regex) = self.regex(index) else {
                    continue;
                };
                for m in regex.find_iter(normalized) {
                    slot_hits.push(Hit {
                        value,
                        start: m.start(),
                        end: m.end(),
                    });
                }
            }
        }
        hits.into_iter()
            .filter_map(|(slot, hits)| {
                let longest = hits.iter().max_by_key(|h| h.end - h.start)?;
                hits.iter()
                    .all(|h| {
                        h.value == longest.value
                            || (h.start >= longest.start && h.end <= longest.end)
                    })
                    .then(|| (slot.to_owned(), longest.value.to_owned()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::knowledge::Knowledge;
    use crate::matcher::normalize;

    use super::SlotExtractor;

    fn extract(question: &str) -> Vec<(String, String)> {
        let knowledge = Knowledge::load_dir(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/knowledge"
        )))
        .unwrap();
        SlotExtractor::new(&knowledge)
            .extract(&normalize(question))
            .into_iter()
            .collect()
    }

    fn pair(slot: &str, value: &str) -> (String, String) {
        (slot.to_owned(), value.to_owned())
    }

    #[test]
    fn a_longer_statement_overrides_the_one_it_contains() {
        assert_eq!(
            extract("I'm never without internet"),
            [pair("offline", "no")]
        );
        assert_eq!(
            extract("on my phone and my laptop, and i'm often working offline"),
            [pair("devices", "several"), pair("offline", "yes")]
        );
    }

    #[test]
    fn questions_about_the_topic_state_no_answer() {
        assert!(extract("how do i back up my emails").is_empty());
        assert!(extract("what is imap").is_empty());
    }
}
