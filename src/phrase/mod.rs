//! Phrases: what a support editor writes to say "a question with these
//! words is about this" (an entry, an out-of-scope topic, a dialogue
//! answer), compiled once into what the matcher runs.
//!
//! # The phrase language
//!
//! A phrase is matched against the question as the matcher normalises it:
//! lowercase, accents dropped, curly apostrophes straightened, and every
//! character other than a letter, a digit or an apostrophe inside a word
//! turned into a space. A phrase's own words are folded the same way, so
//! `E-mail` in a phrase is the two words `e mail`, as in a question.
//!
//! | syntax | matches |
//! |---|---|
//! | `mailbox full` | the whole words `mailbox` then `full`, in that order (any spacing or punctuation between them in the question) |
//! | `travel*` | a word that starts with `travel`: travel, travels, travelling; `*` inside a word (`dis*pear*`) also stands for any letters; a lone `*` is any one word |
//! | `#`, `#gb` | a number (digits): `#` is a word of digits, `#gb` "64gb" |
//! | `(phone \| laptop \| work pc)` | one of the alternatives; each alternative is itself a phrase |
//! | `[my \| the]` | one of the alternatives, or nothing: `read [my] mail` matches "read mail" and "read my mail" |
//! | `{device}` | any value of the class `device` of the vocabulary (`knowledge/vocabulary.toml`) |
//! | `..` | a gap of up to three words, any (`.. ..` for up to six) |
//! | `!of`, `!(of \| with)` | at the end of a phrase: the word after it, if any, is not one of these (`inbox full !of` leaves out "inbox full of spam") |
//! | `^` / `$` | the start / the end of the question |
//!
//! A phrase fires when its words appear anywhere in the question: `imap vs
//! pop` fires on "imap vs pop which one". Only which phrases fire matters,
//! never how often.
//!
//! The vocabulary names lists that many phrases share, once:
//!
//! ```toml
//! device = ["phone", "iphone", "laptop", "work pc", "{computer}"]
//! computer = ["computer", "pc", "desktop", "mac"]
//! ```
//!
//! Each value is a phrase, so a class may use other classes, but never
//! itself, directly or through others.
//!
//! Errors say what is wrong in a line: an unknown class, an unbalanced
//! bracket, an empty alternative (`(a|)`; write `[a]`), a `|` outside
//! brackets (write two phrases), a word touching a bracket (`e(mail)`),
//! or a phrase with no word of its own (`..`, `*`), which would fire on
//! every question. The loader adds the file and line.
//!
//! # What the matcher runs
//!
//! [`Phrase::new`] reads and validates a phrase and resolves its classes;
//! the phrase is kept in that form. When the matcher builds its sets, each
//! phrase becomes a regular expression over normalised text
//! ([`regex_syntax::hir::Hir`], never parsed from text): [`PhraseSet`]
//! runs many at once as one forward lazy DFA, anchored at each word, that
//! reports which fired, and
//! [`Finder`] finds where one phrase matches. Nobody writes or reads the
//! regular expressions.

mod compile;
mod set;
mod syntax;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use regex_syntax::hir::Hir;

pub use set::{Finder, PhraseSet};
use syntax::Node;
pub(crate) use syntax::{is_apostrophe, is_invisible};

/// The most words `..` skips.
pub const GAP_WORDS: u32 = 3;

/// What is wrong with a phrase, in a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PhraseError(String);

/// A validated phrase, read and with its classes resolved: ready to run.
/// It is kept in this form, a few hundred bytes, and turned into a
/// regular expression only when a set is built; the expressions of the
/// shipped knowledge would take 1.5 MB for as long as it is loaded.
/// Cloning a phrase is cheap.
#[derive(Clone)]
pub struct Phrase(Arc<Compiled>);

struct Compiled {
    source: String,
    node: Node,
}

impl Phrase {
    /// Reads and validates `source`, its classes taken from `vocabulary`.
    pub fn new(source: &str, vocabulary: &Vocabulary) -> Result<Self, PhraseError> {
        let mut node = syntax::parse(source).map_err(PhraseError)?;
        node.resolve(&mut |name| vocabulary.class(name))
            .map_err(PhraseError)?;
        if !node.needs_a_word() {
            return Err(PhraseError(
                "the phrase can match without any of its own words, so it would fire on almost every question: `*`, `#`, `..` and `[ ]` need a word beside them".to_owned(),
            ));
        }
        Ok(Self(Arc::new(Compiled {
            source: source.to_owned(),
            node,
        })))
    }

    /// The phrase as its author wrote it.
    pub fn source(&self) -> &str {
        &self.0.source
    }

    /// The phrase as a regular expression over normalised text.
    pub fn hir(&self) -> Hir {
        compile::hir(&self.0.node)
    }

    /// Builds what finds where this phrase matches.
    pub fn finder(&self) -> Result<Finder, String> {
        Finder::new(self)
    }
}

impl fmt::Debug for Phrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phrase").field(&self.source()).finish()
    }
}

impl fmt::Display for Phrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.source())
    }
}

impl PartialEq for Phrase {
    fn eq(&self, other: &Self) -> bool {
        self.source() == other.source()
    }
}

impl Eq for Phrase {}

/// A problem with one class of a vocabulary: the class, the value at
/// fault if one is, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabularyError {
    pub class: String,
    pub value: Option<String>,
    pub problem: String,
}

impl fmt::Display for VocabularyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "class `{}`, `{value}`: {}", self.class, self.problem),
            None => write!(f, "class `{}`: {}", self.class, self.problem),
        }
    }
}

/// Named lists of phrases that phrases use as `{name}`.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Each class, its own classes replaced by their values.
    classes: HashMap<String, Arc<Node>>,
    /// Stands in for a vocabulary that could not be read at all.
    unread: bool,
}

impl Vocabulary {
    /// Reads every class. A class with a problem is reported and kept as
    /// one that matches nothing, so phrases that use it are not reported
    /// again.
    pub fn new<I>(classes: I) -> (Self, Vec<VocabularyError>)
    where
        I: IntoIterator<Item = (String, Vec<String>)>,
    {
        let mut errors = Vec::new();
        let mut read: BTreeMap<String, Option<Node>> = BTreeMap::new();
        for (class, values) in classes {
            let problem = |value: Option<&str>, problem: String| VocabularyError {
                class: class.clone(),
                value: value.map(str::to_owned),
                problem,
            };
            let valid_name = !class.is_empty()
                && class
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !valid_name {
                errors.push(problem(
                    None,
                    "a class name is lowercase letters, digits, `-` and `_`".to_owned(),
                ));
            }
            if values.is_empty() {
                errors.push(problem(None, "the class has no values".to_owned()));
            }
            let mut alternatives = Vec::with_capacity(values.len());
            let mut broken = !valid_name || values.is_empty();
            for value in &values {
                match syntax::parse(value) {
                    Ok(node) if node.needs_a_word() => alternatives.push(node),
                    Ok(_) => {
                        broken = true;
                        errors.push(problem(
                            Some(value),
                            "the value can match without any of its own words".to_owned(),
                        ));
                    }
                    Err(message) => {
                        broken = true;
                        errors.push(problem(Some(value), message));
                    }
                }
            }
            let node = (!broken).then_some(Node::OneOf(alternatives));
            read.insert(class, node);
        }
        let mut resolved: HashMap<String, Arc<Node>> = HashMap::new();
        let names: Vec<String> = read.keys().cloned().collect();
        for name in &names {
            let mut path = Vec::new();
            resolve_class(name, &read, &mut resolved, &mut path, &mut errors);
        }
        let vocabulary = Self {
            classes: resolved,
            unread: false,
        };
        (vocabulary, errors)
    }

    /// The vocabulary of no classes.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Stands in for a vocabulary that could not be read (its error is
    /// reported already): every class matches nothing, and no phrase is
    /// blamed for using one.
    pub fn unread() -> Self {
        Self {
            classes: HashMap::new(),
            unread: true,
        }
    }

    /// The names of the classes, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.classes.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    fn class(&self, name: &str) -> Result<Node, String> {
        match self.classes.get(name) {
            Some(node) => Ok(Node::Shared(Arc::clone(node))),
            None if self.unread => Ok(Node::Never),
            None => {
                let names = self.names();
                Err(if names.is_empty() {
                    format!("unknown class `{{{name}}}`: the vocabulary defines no classes")
                } else {
                    format!(
                        "unknown class `{{{name}}}` (the vocabulary has {})",
                        names
                            .iter()
                            .map(|n| format!("`{{{n}}}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
            }
        }
    }
}

/// Resolves class `name` (and first the classes it uses) into `resolved`;
/// `path` is the chain of classes being resolved, to find cycles.
fn resolve_class(
    name: &str,
    read: &BTreeMap<String, Option<Node>>,
    resolved: &mut HashMap<String, Arc<Node>>,
    path: &mut Vec<String>,
    errors: &mut Vec<VocabularyError>,
) {
    if resolved.contains_key(name) {
        return;
    }
    let Some(node) = read.get(name) else {
        return;
    };
    let Some(node) = node else {
        resolved.insert(name.to_owned(), Arc::new(Node::Never));
        return;
    };
    path.push(name.to_owned());
    let mut used = Vec::new();
    node.classes(&mut used);
    let mut broken = false;
    for class in used {
        if let Some(at) = path.iter().position(|p| p == class) {
            // From this class round to itself again.
            let cycle: Vec<String> = std::iter::once(name)
                .chain(path[at..path.len() - 1].iter().map(String::as_str))
                .chain(std::iter::once(name))
                .map(|c| format!("{{{c}}}"))
                .collect();
            errors.push(VocabularyError {
                class: name.to_owned(),
                value: None,
                problem: format!("the class uses itself: {}", cycle.join(" → ")),
            });
            broken = true;
        } else if !read.contains_key(class) {
            errors.push(VocabularyError {
                class: name.to_owned(),
                value: None,
                problem: format!("unknown class `{{{class}}}`"),
            });
            broken = true;
        } else {
            resolve_class(class, read, resolved, path, errors);
        }
    }
    path.pop();
    let mut node = node.clone();
    let outcome = if broken {
        Err(String::new())
    } else {
        node.resolve(&mut |class| {
            resolved
                .get(class)
                .map(|n| Node::Shared(Arc::clone(n)))
                .ok_or_else(String::new)
        })
    };
    let node = if outcome.is_ok() { node } else { Node::Never };
    resolved.insert(name.to_owned(), Arc::new(node));
}

#[cfg(test)]
mod tests;
