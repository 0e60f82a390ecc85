//! Finding dialogue answers already stated in a question, so the dialogue
//! does not ask them again.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::knowledge::Knowledge;
use crate::phrase::{Finder, Phrase, PhraseSet};

#[derive(Debug)]
pub struct SlotExtractor {
    /// Built the first time it is needed: only questions whose entry
    /// offers a dialogue look for its answers, and building the set is
    /// about a third of the work of building a matcher.
    set: OnceLock<Option<PhraseSet>>,
    /// The set's phrases, in order.
    phrases: Vec<Phrase>,
    /// What finds where each phrase matches, built the first time two of
    /// them disagree.
    finders: OnceLock<Vec<Option<Finder>>>,
    /// `answers[i]` is the (slot, value) phrase i stands for.
    answers: Vec<(String, String)>,
}

/// One phrase's hit: the value it stands for and where it lies.
struct Hit<'a> {
    value: &'a str,
    start: usize,
    end: usize,
}

impl Hit<'_> {
    /// Whether this hit says something else about a longer stretch of
    /// text that holds `other`.
    fn outweighs(&self, other: &Hit<'_>) -> bool {
        self.value != other.value
            && self.start <= other.start
            && other.end <= self.end
            && self.end - self.start > other.end - other.start
    }
}

impl SlotExtractor {
    pub fn new(knowledge: &Knowledge) -> Self {
        let mut phrases = Vec::new();
        let mut answers = Vec::new();
        for question in knowledge.dialogues().iter().flat_map(|d| &d.questions) {
            for option in &question.options {
                for phrase in &option.phrases {
                    phrases.push(phrase.clone());
                    answers.push((question.slot.clone(), option.value.clone()));
                }
            }
        }
        Self {
            set: OnceLock::new(),
            phrases,
            finders: OnceLock::new(),
            answers,
        }
    }

    fn set(&self) -> Option<&PhraseSet> {
        // If the set somehow cannot be built, it is left out rather than
        // half-trusted.
        self.set
            .get_or_init(|| PhraseSet::new(&self.phrases).ok())
            .as_ref()
    }

    fn finder(&self, index: usize) -> Option<&Finder> {
        self.finders
            .get_or_init(|| self.phrases.iter().map(|p| p.finder().ok()).collect())
            .get(index)?
            .as_ref()
    }

    /// The answers stated in normalised text. When a slot's phrases point
    /// at different values, a hit inside a longer hit of another value
    /// gives way to it ("never without internet" over "without internet");
    /// if the hits left still disagree, the slot is left out and the
    /// dialogue will ask.
    pub fn extract(&self, normalized: &str) -> BTreeMap<String, String> {
        let Some(set) = self.set() else {
            return BTreeMap::new();
        };
        let mut values: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
        for index in set.fired(normalized) {
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
                let Some(finder) = self.finder(index) else {
                    continue;
                };
                for (start, end) in finder.spans(normalized) {
                    slot_hits.push(Hit { value, start, end });
                }
            }
        }
        hits.into_iter()
            .filter_map(|(slot, hits)| {
                // A hit inside a longer one of another value is part of that
                // statement ("never work offline" holds "work offline").
                let stated: Vec<&Hit<'_>> = hits
                    .iter()
                    .filter(|hit| !hits.iter().any(|other| other.outweighs(hit)))
                    .collect();
                let first = stated.first()?;
                stated
                    .iter()
                    .all(|hit| hit.value == first.value)
                    .then(|| (slot.to_owned(), first.value.to_owned()))
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
    fn a_contained_hit_gives_way_even_beside_other_hits() {
        // "work offline" (yes) lies inside "never work offline" (no); the
        // other "no" hit, "always have internet", does not cover it.
        assert_eq!(
            extract("I always have internet and never work offline"),
            [pair("offline", "no")]
        );
        // Two statements that disagree and neither holds the other: ask.
        assert!(extract("i always have internet but i often work offline").is_empty());
        // "desktop pc" is one computer, not two devices.
        assert!(extract("setting up thunderbird on my desktop pc").is_empty());
    }

    #[test]
    fn questions_about_the_topic_state_no_answer() {
        assert!(extract("how do i back up my emails").is_empty());
        assert!(extract("what is imap").is_empty());
    }
}
