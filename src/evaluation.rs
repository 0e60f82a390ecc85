//! Measuring the matcher on real people's questions: the corpus format
//! (`tests/data/real/questions.jsonl`), its scores, and the check that a
//! measured question is not, nearly word for word, one the knowledge was
//! written from.
//!
//! The corpus has two splits. `dev` questions may be read while writing
//! knowledge; `test` questions are for measuring only, and nothing here
//! prints them one by one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::matcher::{normalize, Match, Matcher};

/// The label of a question the knowledge deliberately does not answer.
pub const OUT_OF_SCOPE: &str = "none";

/// One question, as its author wrote it, with where it came from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealQuestion {
    pub id: String,
    pub text: String,
    pub url: String,
    /// The kind of place: `forum`, `qa-site`, `issue-tracker`, ...
    pub place: String,
    /// The entry that answers it, or [`OUT_OF_SCOPE`].
    pub label: String,
    pub split: Split,
}

impl RealQuestion {
    /// The entry that should answer, `None` for an out-of-scope question.
    pub fn expected(&self) -> Option<&str> {
        (self.label != OUT_OF_SCOPE).then_some(self.label.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Dev,
    Test,
}

/// Reads a corpus file; a bad line is an error naming its number.
pub fn read_corpus(path: &Path) -> anyhow::Result<Vec<RealQuestion>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a corpus row", path.display(), index + 1))
        })
        .collect()
}

/// Hits and totals of one group of questions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub hits: usize,
    pub total: usize,
}

impl Tally {
    pub fn rate(self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.hits as f64 / self.total as f64
        }
    }

    pub fn add(&mut self, hit: bool) {
        self.total += 1;
        self.hits += usize::from(hit);
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3} ({}/{})", self.rate(), self.hits, self.total)
    }
}

/// In-scope top-1 accuracy and out-of-scope "no entry", overall and per
/// kind of place.
#[derive(Debug, Clone, Default)]
pub struct Score {
    pub in_scope: Tally,
    pub no_entry: Tally,
    pub by_place: BTreeMap<String, (Tally, Tally)>,
}

/// Scores `matcher` on `questions`.
pub fn score<'a>(
    matcher: &Matcher,
    questions: impl IntoIterator<Item = &'a RealQuestion>,
) -> Score {
    score_with(|question| matcher.find(question), questions)
}

/// Scores any way of matching (a language's matcher with its English
/// fallback, say) on `questions`.
pub fn score_with<'a>(
    find: impl Fn(&str) -> Match,
    questions: impl IntoIterator<Item = &'a RealQuestion>,
) -> Score {
    let mut score = Score::default();
    for question in questions {
        let found = find(&question.text);
        let place = score.by_place.entry(question.place.clone()).or_default();
        match question.expected() {
            Some(expected) => {
                let hit = found.entry.as_deref() == Some(expected);
                score.in_scope.add(hit);
                place.0.add(hit);
            }
            None => {
                let hit = found.entry.is_none();
                score.no_entry.add(hit);
                place.1.add(hit);
            }
        }
    }
    score
}

/// The content words of a text, for comparing two texts' wording.
fn words(text: &str) -> BTreeSet<String> {
    normalize(text)
        .split_whitespace()
        .filter(|word| word.len() > 2)
        .map(str::to_owned)
        .collect()
}

/// Whether two texts share nearly all their words: one was written from
/// the other, give or take a few words. Short texts need an exact match of
/// their words, since a handful of words is no evidence of copying.
pub fn nearly_repeats(a: &str, b: &str) -> bool {
    let (a, b) = (words(a), words(b));
    let (small, large) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if small.is_empty() {
        return false;
    }
    let shared = small.intersection(large).count();
    if small.len() < 5 {
        return shared == small.len() && small.len() == large.len();
    }
    // Most of the shorter text's words appear in the longer one, and the
    // longer one is not much more than that.
    shared as f64 / small.len() as f64 >= 0.8 && shared as f64 / large.len() as f64 >= 0.6
}

#[cfg(test)]
mod tests {
    use super::nearly_repeats;

    #[test]
    fn a_copy_with_small_edits_nearly_repeats() {
        assert!(nearly_repeats(
            "My emails vanish from my phone after Outlook downloads them on the PC",
            "my emails vanish from the phone after outlook downloads them on my pc!!"
        ));
        assert!(nearly_repeats(
            "Why did Thunderbird delete all the mail from the server after it downloaded it",
            "why did thunderbird delete all mail from the server after it downloaded it yesterday"
        ));
    }

    #[test]
    fn questions_on_the_same_topic_in_other_words_do_not() {
        assert!(!nearly_repeats(
            "Should I use POP or IMAP for my phone and laptop?",
            "IMAP or POP3 - which one keeps mail in sync between an iPhone and a Mac?"
        ));
        assert!(!nearly_repeats("pop or imap", "imap or pop please"));
        assert!(!nearly_repeats("", "anything"));
    }
}
