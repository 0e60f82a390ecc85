use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::phrase::Phrase;

/// The answer every dialogue question also accepts.
pub const UNSURE: &str = "unsure";

/// One knowledge entry: a question people ask and its answer.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub tags: Vec<String>,
    /// Phrases that, found in a question, mean this entry answers it.
    pub phrases: Vec<Phrase>,
    pub keywords: Vec<String>,
    pub examples: Vec<String>,
    pub dialogue: Option<String>,
    pub related: Vec<String>,
    /// The answer, in Discord markdown.
    pub body: String,
    pub source: PathBuf,
    /// The file's text, kept to point errors found after parsing at a line.
    pub(super) text: String,
}

impl Entry {
    /// The 1-based line of the first occurrence of `needle` in the file.
    pub fn line_of(&self, needle: &str) -> Option<usize> {
        super::parse::line_of(&self.text, needle)
    }

    /// The 1-based line of `needle` in the value of the field `key`.
    pub fn line_of_value(&self, key: &str, needle: &str) -> Option<usize> {
        super::parse::line_of_value(&self.text, key, needle)
    }
}

/// A topic that people bring to this help desk but that its knowledge
/// deliberately does not answer. The matcher ranks them like entries; a
/// question closest to one of them gets an honest "no entry".
#[derive(Debug, Clone)]
pub struct OutOfScopeTopic {
    pub id: String,
    pub keywords: Vec<String>,
    /// Phrases that, found in a question, mean it is about this topic.
    pub phrases: Vec<Phrase>,
    pub examples: Vec<String>,
}

/// A recommendation dialogue: questions, and rules that turn their answers
/// into an outcome with reasons.
#[derive(Debug, Clone)]
pub struct Dialogue {
    pub id: String,
    pub title: String,
    pub intro: String,
    /// The outcome when no rule applies or the weights tie.
    pub default: String,
    pub warnings: Vec<String>,
    pub outcomes: BTreeMap<String, Outcome>,
    pub questions: Vec<Question>,
    pub rules: Vec<Rule>,
    /// Said beside a recommendation when it goes against something the
    /// person asked for, so every stated need gets an answer.
    pub notes: Vec<Note>,
    pub source: PathBuf,
}

impl Dialogue {
    pub fn question(&self, slot: &str) -> Option<&Question> {
        self.questions.iter().find(|question| question.slot == slot)
    }

    pub fn outcome_label<'a>(&'a self, outcome: &'a str) -> &'a str {
        self.outcomes
            .get(outcome)
            .map_or(outcome, |o| o.label.as_str())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub label: String,
    pub summary: String,
    /// What to watch out for with this outcome, said with every
    /// recommendation of it.
    #[serde(default)]
    pub caveats: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub slot: String,
    pub prompt: String,
    pub options: Vec<AnswerOption>,
}

impl Question {
    /// Whether `value` answers this question (an option or "unsure").
    pub fn accepts(&self, value: &str) -> bool {
        value == UNSURE || self.options.iter().any(|option| option.value == value)
    }

    /// The accepted values, "unsure" last.
    pub fn values(&self) -> Vec<&str> {
        self.options
            .iter()
            .map(|option| option.value.as_str())
            .chain([UNSURE])
            .collect()
    }

    pub fn label_of<'a>(&'a self, value: &'a str) -> &'a str {
        self.options
            .iter()
            .find(|option| option.value == value)
            .map_or(if value == UNSURE { "Not sure" } else { value }, |o| {
                o.label.as_str()
            })
    }
}

#[derive(Debug, Clone)]
pub struct AnswerOption {
    pub value: String,
    pub label: String,
    /// Phrases that, found in a question, state this answer.
    pub phrases: Vec<Phrase>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Every condition must hold: slot = value.
    pub when: BTreeMap<String, String>,
    pub outcome: String,
    pub weight: u32,
    pub reason: String,
}

/// A remark for a recommendation of `outcome` given these answers: how the
/// recommended outcome still meets a need that pointed elsewhere.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// Every condition must hold: slot = value.
    pub when: BTreeMap<String, String>,
    pub outcome: String,
    pub text: String,
}
