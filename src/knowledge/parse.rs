//! Turning file text into entries and dialogues, with errors that point at
//! a line.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;

use serde::de::IgnoredAny;
use serde::Deserialize;
use toml::Spanned;

use super::model::{
    AnswerOption, Dialogue, Entry, Note, OutOfScopeTopic, Outcome, Question, Rule, UNSURE,
};
use super::{
    About, KnowledgeError, MAX_ABOUT_CHARS, MAX_BODY_CHARS, MAX_LABEL_CHARS, MAX_OPTIONS,
    MAX_QUESTIONS, MAX_TITLE_CHARS,
};
use crate::phrase::{Phrase, Vocabulary};

/// Entries must carry at least this many sample questions.
const MIN_EXAMPLES: usize = 8;
const FRONT_MATTER_FENCE: &str = "+++";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    title: String,
    /// Forum tags to set on a post this entry answers; optional.
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    phrases: Vec<Spanned<String>>,
    /// What phrases were called when they were regexes: reported, not read.
    #[serde(default)]
    patterns: Option<Spanned<IgnoredAny>>,
    keywords: Vec<String>,
    examples: Vec<String>,
    dialogue: Option<String>,
    #[serde(default)]
    related: Vec<String>,
}

pub(super) fn entry(
    path: &Path,
    text: &str,
    vocabulary: &Vocabulary,
) -> Result<Entry, Vec<KnowledgeError>> {
    let error = |line: Option<usize>, message: String| KnowledgeError::new(path, line, message);
    let (front, front_first_line, body) = split_front_matter(text).ok_or_else(|| {
        vec![error(
            Some(1),
            format!("an entry starts with a `{FRONT_MATTER_FENCE}` line, then TOML front matter closed by another `{FRONT_MATTER_FENCE}` line"),
        )]
    })?;
    let matter: FrontMatter = toml::from_str(front).map_err(|e| {
        let line = e
            .span()
            .map(|span| front_first_line + line_at(front, span.start) - 1);
        vec![error(line, toml_message(&e))]
    })?;
    let body = body.trim().to_owned();
    let line_of_span = |span: Range<usize>| front_first_line + line_at(front, span.start) - 1;
    let mut errors = Vec::new();
    if let Some(old) = &matter.patterns {
        errors.push(error(Some(line_of_span(old.span())), OLD_KEY.to_owned()));
    }
    let phrases = compile_phrases(
        path,
        &matter.phrases,
        &line_of_span,
        vocabulary,
        &mut errors,
    );
    let entry = Entry {
        id: matter.id,
        title: matter.title,
        tags: matter.tags,
        phrases,
        keywords: matter.keywords,
        examples: matter.examples,
        dialogue: matter.dialogue,
        related: matter.related,
        body,
        source: path.to_path_buf(),
        text: text.to_owned(),
    };
    let mut check = |ok: bool, line: Option<usize>, message: String| {
        if !ok {
            errors.push(error(line, message));
        }
    };
    check(
        is_valid_id(&entry.id),
        line_of_value(text, "id", &entry.id),
        format!(
            "id `{}` must be lowercase letters, digits and dashes",
            entry.id
        ),
    );
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    check(
        stem == entry.id,
        line_of_value(text, "id", &entry.id),
        format!("id `{}` must match the file name `{stem}.md`", entry.id),
    );
    check(
        !entry.title.trim().is_empty() && entry.title.chars().count() <= MAX_TITLE_CHARS,
        line_of_value(text, "title", "title"),
        format!("title must be 1 to {MAX_TITLE_CHARS} characters"),
    );
    check(
        entry.keywords.len() >= 3,
        line_of_value(text, "keywords", "keywords"),
        "keywords needs at least 3 words or phrases".to_owned(),
    );
    check(
        entry.examples.len() >= MIN_EXAMPLES,
        line_of_value(text, "examples", "examples"),
        format!(
            "examples needs at least {MIN_EXAMPLES} sample questions, found {}",
            entry.examples.len()
        ),
    );
    let body_chars = entry.body.chars().count();
    check(
        body_chars > 0,
        None,
        "the answer (the text after the front matter) is empty".to_owned(),
    );
    check(
        body_chars <= MAX_BODY_CHARS,
        None,
        format!("the answer is {body_chars} characters; one embed holds at most {MAX_BODY_CHARS}"),
    );
    if errors.is_empty() {
        Ok(entry)
    } else {
        Err(errors)
    }
}

/// A dialogue file as written; see [`Dialogue`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DialogueFile {
    id: String,
    title: String,
    intro: String,
    default: String,
    #[serde(default)]
    warnings: Vec<String>,
    outcomes: BTreeMap<String, Outcome>,
    questions: Vec<QuestionFile>,
    rules: Vec<Rule>,
    #[serde(default)]
    notes: Vec<Note>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    slot: String,
    prompt: String,
    options: Vec<OptionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionFile {
    value: String,
    label: String,
    #[serde(default)]
    phrases: Vec<Spanned<String>>,
    #[serde(default)]
    patterns: Option<Spanned<IgnoredAny>>,
}

pub(super) fn dialogue(
    path: &Path,
    text: &str,
    vocabulary: &Vocabulary,
) -> Result<Dialogue, Vec<KnowledgeError>> {
    let error = |needle: Option<&str>, message: String| {
        KnowledgeError::new(path, needle.and_then(|n| line_of(text, n)), message)
    };
    let file: DialogueFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| line_at(text, span.start));
        vec![KnowledgeError::new(path, line, toml_message(&e))]
    })?;
    let mut errors = Vec::new();
    let line_of_span = |span: Range<usize>| line_at(text, span.start);
    let questions = file
        .questions
        .into_iter()
        .map(|question| Question {
            slot: question.slot,
            prompt: question.prompt,
            options: question
                .options
                .into_iter()
                .map(|option| {
                    if let Some(old) = &option.patterns {
                        errors.push(KnowledgeError::new(
                            path,
                            Some(line_of_span(old.span())),
                            OLD_KEY,
                        ));
                    }
                    AnswerOption {
                        phrases: compile_phrases(
                            path,
                            &option.phrases,
                            &line_of_span,
                            vocabulary,
                            &mut errors,
                        ),
                        value: option.value,
                        label: option.label,
                    }
                })
                .collect(),
        })
        .collect();
    let dialogue = Dialogue {
        id: file.id,
        title: file.title,
        intro: file.intro,
        default: file.default,
        warnings: file.warnings,
        outcomes: file.outcomes,
        questions,
        rules: file.rules,
        notes: file.notes,
        source: path.to_path_buf(),
    };
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if dialogue.id != stem || !is_valid_id(&dialogue.id) {
        errors.push(error(
            Some(&dialogue.id),
            format!(
                "id `{}` must be lowercase letters, digits and dashes, matching the file name `{stem}.toml`",
                dialogue.id
            ),
        ));
    }
    if !dialogue.outcomes.contains_key(&dialogue.default) {
        errors.push(error(
            Some("default"),
            format!("default names unknown outcome `{}`", dialogue.default),
        ));
    }
    if dialogue.questions.is_empty() || dialogue.questions.len() > MAX_QUESTIONS {
        errors.push(error(
            Some("[[questions]]"),
            format!("a dialogue asks 1 to {MAX_QUESTIONS} questions"),
        ));
    }
    let mut slots = BTreeSet::new();
    for question in &dialogue.questions {
        if !slots.insert(question.slot.as_str()) {
            errors.push(error(
                Some(&question.slot),
                format!("slot `{}` is asked twice", question.slot),
            ));
        }
        if question.options.is_empty() || question.options.len() > MAX_OPTIONS {
            errors.push(error(
                Some(&question.prompt),
                format!(
                    "question `{}` needs 1 to {MAX_OPTIONS} options (\"Not sure\" is added)",
                    question.slot
                ),
            ));
        }
        let mut values = BTreeSet::new();
        for option in &question.options {
            if option.value == UNSURE || !values.insert(option.value.as_str()) {
                errors.push(error(
                    Some(&option.value),
                    format!(
                        "option `{}` of `{}` is repeated or reserved",
                        option.value, question.slot
                    ),
                ));
            }
            if option.label.is_empty() || option.label.chars().count() > MAX_LABEL_CHARS {
                errors.push(error(
                    Some(&option.label),
                    format!("option labels are 1 to {MAX_LABEL_CHARS} characters"),
                ));
            }
        }
    }
    for rule in &dialogue.rules {
        if rule.when.is_empty() {
            errors.push(error(
                Some(&rule.reason),
                "a rule needs at least one condition in `when`".to_owned(),
            ));
        }
        check_conditions(&dialogue, "rule", &rule.outcome, &rule.when, |message| {
            errors.push(error(Some(&rule.reason), message));
        });
    }
    for note in &dialogue.notes {
        check_conditions(&dialogue, "note", &note.outcome, &note.when, |message| {
            errors.push(error(Some(&note.text), message));
        });
    }
    if errors.is_empty() {
        Ok(dialogue)
    } else {
        Err(errors)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AboutFile {
    greeting: Spanned<String>,
    #[serde(default)]
    scope: Option<Spanned<String>>,
}

/// Reads `about.toml`: a greeting, and optionally what the help desk can
/// help with; each one line of plain text, at most [`MAX_ABOUT_CHARS`].
pub(super) fn about(path: &Path, text: &str) -> Result<About, Vec<KnowledgeError>> {
    let file: AboutFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| line_at(text, span.start));
        vec![KnowledgeError::new(path, line, toml_message(&e))]
    })?;
    let mut errors = Vec::new();
    let mut check = |key: &str, value: &Spanned<String>| {
        let line = value.get_ref().trim();
        let chars = line.chars().count();
        if chars == 0 || chars > MAX_ABOUT_CHARS || line.contains('\n') {
            errors.push(KnowledgeError::new(
                path,
                Some(line_at(text, value.span().start)),
                format!("`{key}` must be one line of 1 to {MAX_ABOUT_CHARS} characters"),
            ));
        }
    };
    check("greeting", &file.greeting);
    if let Some(scope) = &file.scope {
        check("scope", scope);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(About {
        greeting: file.greeting.into_inner().trim().to_owned(),
        scope: file.scope.map(|s| s.into_inner().trim().to_owned()),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutOfScopeFile {
    topics: Vec<TopicFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicFile {
    id: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    phrases: Vec<Spanned<String>>,
    #[serde(default)]
    patterns: Option<Spanned<IgnoredAny>>,
    #[serde(default)]
    examples: Vec<String>,
}

pub(super) fn out_of_scope(
    path: &Path,
    text: &str,
    vocabulary: &Vocabulary,
) -> Result<Vec<OutOfScopeTopic>, Vec<KnowledgeError>> {
    let file: OutOfScopeFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| line_at(text, span.start));
        vec![KnowledgeError::new(path, line, toml_message(&e))]
    })?;
    let mut errors = Vec::new();
    let line_of_span = |span: Range<usize>| line_at(text, span.start);
    let topics = file
        .topics
        .into_iter()
        .map(|topic| {
            if let Some(old) = &topic.patterns {
                errors.push(KnowledgeError::new(
                    path,
                    Some(line_of_span(old.span())),
                    OLD_KEY,
                ));
            }
            OutOfScopeTopic {
                phrases: compile_phrases(
                    path,
                    &topic.phrases,
                    &line_of_span,
                    vocabulary,
                    &mut errors,
                ),
                id: topic.id,
                keywords: topic.keywords,
                examples: topic.examples,
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(topics)
    } else {
        Err(errors)
    }
}

/// Reads the vocabulary, `name = ["value", …]`; a class with problems is
/// reported on its line and matches nothing.
pub(super) fn vocabulary(path: &Path, text: &str) -> (Vocabulary, Vec<KnowledgeError>) {
    type Classes = BTreeMap<String, Spanned<Vec<Spanned<String>>>>;
    let classes: Classes = match toml::from_str(text) {
        Ok(classes) => classes,
        Err(e) => {
            let line = e.span().map(|span| line_at(text, span.start));
            let error = KnowledgeError::new(path, line, toml_message(&e));
            return (Vocabulary::unread(), vec![error]);
        }
    };
    let (vocabulary, problems) = Vocabulary::new(classes.iter().map(|(name, values)| {
        let values = values.get_ref().iter().map(|v| v.get_ref().clone());
        (name.clone(), values.collect())
    }));
    let errors = problems
        .into_iter()
        .map(|problem| {
            let values = classes.get(&problem.class);
            let value_span = values.and_then(|values| {
                let wanted = problem.value.as_deref()?;
                values
                    .get_ref()
                    .iter()
                    .find(|value| value.get_ref() == wanted)
                    .map(Spanned::span)
            });
            let span = value_span.or_else(|| values.map(Spanned::span));
            let line = span.map(|span| line_at(text, span.start));
            KnowledgeError::new(path, line, problem.to_string())
        })
        .collect();
    (vocabulary, errors)
}

/// What is wrong, from a TOML error. The parser gives some errors no
/// description (a key with no value at the very end of a file), and an
/// error must still say something after its `file:line:`.
fn toml_message(error: &toml::de::Error) -> String {
    let message = error.message();
    if message.trim().is_empty() {
        "invalid TOML syntax".to_owned()
    } else {
        message.to_owned()
    }
}

/// The error for a `patterns` key left from before phrases.
const OLD_KEY: &str = "`patterns` (regular expressions) is now `phrases`, written as plain words: `mailbox (full | over quota)`, `read [my] mail`, `{device}`, `..` (see the README)";

/// Compiles each phrase; one that does not compile is an error on the
/// line `line_of_span` gives for it, and left out.
fn compile_phrases(
    path: &Path,
    sources: &[Spanned<String>],
    line_of_span: &dyn Fn(Range<usize>) -> usize,
    vocabulary: &Vocabulary,
    errors: &mut Vec<KnowledgeError>,
) -> Vec<Phrase> {
    let mut phrases = Vec::with_capacity(sources.len());
    for source in sources {
        match Phrase::new(source.get_ref(), vocabulary) {
            Ok(phrase) => phrases.push(phrase),
            Err(problem) => errors.push(KnowledgeError::new(
                path,
                Some(line_of_span(source.span())),
                format!("phrase `{}`: {problem}", source.get_ref()),
            )),
        }
    }
    phrases
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Splits `+++\nTOML\n+++\nbody` into (TOML, the TOML's first line, body).
fn split_front_matter(text: &str) -> Option<(&str, usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != FRONT_MATTER_FENCE {
        return None;
    }
    let start = first.len();
    let mut offset = start;
    for line in lines {
        if line.trim_end() == FRONT_MATTER_FENCE {
            return Some((&text[start..offset], 2, &text[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

/// The 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The 1-based line where `needle` first appears in the value of the
/// top-level `key` (a line `key = …`), or else anywhere in the text.
pub(super) fn line_of_value(text: &str, key: &str, needle: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let is_key = line
            .trim_start()
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if is_key {
            if let Some(found) = text[offset..].find(needle) {
                return Some(line_at(text, offset + found));
            }
            break;
        }
        offset += line.len();
    }
    line_of(text, needle)
}

/// The 1-based line where `needle` first appears.
pub(super) fn line_of(text: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    text.find(needle).map(|offset| line_at(text, offset))
}

/// Checks that a rule's or note's outcome and conditions name what the
/// dialogue has; `report` takes each problem.
fn check_conditions(
    dialogue: &Dialogue,
    what: &str,
    outcome: &str,
    when: &std::collections::BTreeMap<String, String>,
    mut report: impl FnMut(String),
) {
    if !dialogue.outcomes.contains_key(outcome) {
        report(format!("{what} names unknown outcome `{outcome}`"));
    }
    for (slot, value) in when {
        match dialogue.question(slot) {
            None => report(format!("{what} references unknown slot `{slot}`")),
            Some(question) if !question.accepts(value) => report(format!(
                "{what} references unknown value `{value}` of slot `{slot}` (valid: {})",
                question.values().join(", ")
            )),
            Some(_) => {}
        }
    }
}
