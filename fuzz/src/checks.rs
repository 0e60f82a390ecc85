//! The invariants the fuzz targets and `tests/it/properties.rs` check, in one
//! place: the fuzz targets feed them libFuzzer's inputs, the property tests
//! proptest's. Only `std`, `helpdesk` and `serde_json` are used here, so
//! the test suite includes this file as a module (`#[path]`) without the
//! fuzz crate's dependencies.
//!
//! Every function panics, with the offending input in the message, when an
//! invariant does not hold; that is what the fuzzer and proptest report.

use helpdesk::store::{AnswerId, SessionId};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use helpdesk::dialogue::{self, DialogueState, Step};
use helpdesk::discord::custom_id::{Action, ParseError, PREFIX};
use helpdesk::knowledge::{
    Dialogue, Knowledge, LoadErrors, SourceFile, MAX_BODY_CHARS, MAX_LABEL_CHARS, MAX_OPTIONS,
    MAX_QUESTIONS, MAX_TITLE_CHARS, UNSURE,
};
use helpdesk::matcher::{normalize, Matcher};

/// The folder named in the loader's errors.
pub const ROOT: &str = "fuzz-knowledge";

/// The shipped dialogue, and the warning its every recommendation carries.
pub const SHIPPED_DIALOGUE: &str = "which-protocol";
pub const MIXING_WARNING: &str = "different protocols on different devices";

/// Discord's limit on a custom id (`custom_id::MAX_LEN`, which is private).
pub const MAX_CUSTOM_ID: usize = 100;

/// A knowledge validated this small still gets a matcher built and asked,
/// in the loader target: more phrases make each run too slow to fuzz.
const MAX_PHRASES_TO_MATCH: usize = 16;

// ------------------------------------------------------------ knowledge

/// The files of a knowledge folder (`*.*` and `dialogues/*.*`), by path
/// relative to it, sorted: the templates the loader's inputs are cut from.
pub fn knowledge_files(dir: &Path) -> Vec<SourceFile> {
    let mut files = Vec::new();
    for relative in [PathBuf::new(), PathBuf::from("dialogues")] {
        let Ok(items) = std::fs::read_dir(dir.join(&relative)) else {
            continue;
        };
        for item in items.flatten() {
            let path = item.path();
            if !path.is_file() {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(&path) {
                files.push(SourceFile {
                    path: relative.join(item.file_name()),
                    text,
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// `text` with the bytes `at..at + cut` replaced by `insert`, both ends
/// moved back to a character boundary.
pub fn splice(text: &str, at: usize, cut: usize, insert: &str) -> String {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(at);
    let end = floor(start.saturating_add(cut)).max(start);
    let mut out = String::with_capacity(text.len() + insert.len());
    out.push_str(&text[..start]);
    out.push_str(insert);
    out.push_str(&text[end..]);
    out
}

/// Loads `files` and checks the result: a knowledge that keeps every
/// documented limit, or a non-empty list of errors that each name one of
/// the files (or the folder) and, where they give a line, a line that file
/// has. Returns whether the knowledge loaded.
pub fn knowledge(files: Vec<SourceFile>) -> bool {
    let root = Path::new(ROOT);
    let texts: BTreeMap<PathBuf, Vec<String>> =
        files.iter().fold(BTreeMap::new(), |mut texts, file| {
            texts
                .entry(root.join(&file.path))
                .or_default()
                .push(file.text.clone());
            texts
        });
    match Knowledge::from_files(root, files) {
        Ok(knowledge) => {
            valid_knowledge(&knowledge);
            true
        }
        Err(errors) => {
            located_errors(&errors, root, &texts);
            false
        }
    }
}

fn valid_knowledge(knowledge: &Knowledge) {
    assert!(!knowledge.entries().is_empty(), "loaded without entries");
    for entry in knowledge.entries() {
        let found = knowledge.entry(&entry.id).map(|e| &e.source);
        assert_eq!(found, Some(&entry.source), "id `{}` not unique", entry.id);
        assert!(
            !entry.id.is_empty()
                && entry
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "invalid id {:?} loaded",
            entry.id
        );
        let title = entry.title.chars().count();
        assert!(
            !entry.title.trim().is_empty() && title <= MAX_TITLE_CHARS,
            "title of {title} characters loaded: {:?}",
            entry.title
        );
        let body = entry.body.chars().count();
        assert!(
            body > 0 && body <= MAX_BODY_CHARS,
            "body of {body} characters loaded"
        );
        assert!(entry.keywords.len() >= 3, "{:?}", entry.keywords);
        assert!(entry.examples.len() >= 8, "{:?}", entry.examples);
        for related in &entry.related {
            assert!(knowledge.entry(related).is_some(), "related `{related}`");
        }
        if let Some(id) = &entry.dialogue {
            assert!(knowledge.dialogue(id).is_some(), "dialogue `{id}`");
        }
    }
    for dialogue in knowledge.dialogues() {
        valid_dialogue(dialogue);
    }
    let phrases: usize = knowledge
        .entries()
        .iter()
        .map(|e| e.phrases.len())
        .chain(knowledge.out_of_scope().iter().map(|t| t.phrases.len()))
        .chain(
            knowledge
                .dialogues()
                .iter()
                .flat_map(|d| &d.questions)
                .flat_map(|q| &q.options)
                .map(|o| o.phrases.len()),
        )
        .sum();
    // What loads must also index and answer: the bot builds its matcher
    // from whatever `helpdesk check` accepted.
    if phrases <= MAX_PHRASES_TO_MATCH {
        let matcher = Matcher::new(knowledge);
        for entry in knowledge.entries().iter().take(2) {
            let question = entry.examples.first().map_or("", String::as_str);
            matcher_result(&matcher, knowledge, question);
        }
    }
}

fn valid_dialogue(dialogue: &Dialogue) {
    let count = dialogue.questions.len();
    assert!(
        (1..=MAX_QUESTIONS).contains(&count),
        "dialogue `{}` with {count} questions loaded",
        dialogue.id
    );
    assert!(dialogue.outcomes.contains_key(&dialogue.default));
    for question in &dialogue.questions {
        assert!((1..=MAX_OPTIONS).contains(&question.options.len()));
        for option in &question.options {
            assert_ne!(option.value, UNSURE);
            let label = option.label.chars().count();
            assert!((1..=MAX_LABEL_CHARS).contains(&label), "{:?}", option.label);
        }
    }
    for rule in &dialogue.rules {
        assert!(dialogue.outcomes.contains_key(&rule.outcome));
        assert!(!rule.when.is_empty());
        for (slot, value) in &rule.when {
            assert!(dialogue.question(slot).is_some_and(|q| q.accepts(value)));
        }
    }
}

fn located_errors(errors: &LoadErrors, root: &Path, texts: &BTreeMap<PathBuf, Vec<String>>) {
    assert!(!errors.0.is_empty(), "Err without any error");
    for error in &errors.0 {
        assert!(!error.message.trim().is_empty(), "empty message: {error:?}");
        let shown = error.to_string();
        let file = error.file.display().to_string();
        assert!(
            shown.starts_with(&format!("{file}:")),
            "`{shown}` does not start with its file"
        );
        if error.file == root {
            assert_eq!(error.line, None, "a line of the folder: {error:?}");
            continue;
        }
        let Some(candidates) = texts.get(&error.file) else {
            panic!("error names a file that was not loaded: {error:?}");
        };
        if let Some(line) = error.line {
            assert!(
                shown.starts_with(&format!("{file}:{line}: ")),
                "`{shown}` is not file:line: message"
            );
            // Two files may share a path; the line must exist in one.
            let fits = candidates
                .iter()
                .any(|text| (1..=text.matches('\n').count() + 1).contains(&line));
            assert!(fits, "line {line} is past the end of the file: {error:?}");
        }
    }
}

// ------------------------------------------------------------ matcher

/// Asks `question` and checks the verdict: confidences finite and in
/// [0, 1], alternatives below the best and distinct from it, an entry only
/// above the threshold, slots that the knowledge's dialogues accept, and
/// normalised text made of single-spaced words.
pub fn matcher_result(matcher: &Matcher, knowledge: &Knowledge, question: &str) {
    let found = matcher.find(question);
    let confidence = found.confidence;
    assert!(
        confidence.is_finite() && (0.0..=1.0).contains(&confidence),
        "confidence {confidence} for {question:?}"
    );
    if let Some(entry) = &found.entry {
        assert!(knowledge.entry(entry).is_some(), "unknown entry `{entry}`");
        assert!(
            confidence >= matcher.threshold(),
            "`{entry}` at {confidence}, under the threshold, for {question:?}"
        );
    }
    assert!(found.alternatives.len() <= 3, "{:?}", found.alternatives);
    for (i, candidate) in found.alternatives.iter().enumerate() {
        let c = candidate.confidence;
        assert!(
            c.is_finite() && (0.0..=1.0).contains(&c) && c <= confidence,
            "alternative {candidate:?} beside {confidence} for {question:?}"
        );
        assert!(knowledge.entry(&candidate.entry).is_some());
        assert_ne!(Some(&candidate.entry), found.entry.as_ref());
        assert!(
            found.alternatives[..i]
                .iter()
                .all(|other| other.entry != candidate.entry),
            "{:?} offered twice",
            candidate.entry
        );
    }
    for (slot, value) in &found.slots {
        let accepted = knowledge
            .dialogues()
            .iter()
            .any(|d| d.question(slot).is_some_and(|q| q.accepts(value)));
        assert!(accepted, "slot {slot}={value} from {question:?}");
    }
    normalized(question);
}

/// The output of `normalize`: words of letters, digits and inner
/// apostrophes, separated by single spaces.
pub fn normalized(text: &str) {
    let out = normalize(text);
    assert!(
        !out.starts_with(' ') && !out.ends_with(' ') && !out.contains("  "),
        "spacing of {out:?} from {text:?}"
    );
    for word in out.split(' ').filter(|w| !w.is_empty()) {
        assert!(
            !word.starts_with('\'') && !word.ends_with('\''),
            "quote kept in {word:?} from {text:?}"
        );
        assert!(
            word.chars().all(|c| c.is_alphanumeric() || c == '\''),
            "{word:?} from {text:?}"
        );
    }
}

// ------------------------------------------------------------ custom ids

/// Parses any text: ids from elsewhere are told apart from malformed ones,
/// and whatever parses is in canonical form (encodes back to itself).
pub fn custom_id_text(id: &str) {
    let parsed = Action::parse(id);
    if id.len() > MAX_CUSTOM_ID {
        assert_eq!(parsed, Err(ParseError::Malformed), "{id:?}");
        return;
    }
    let foreign = id.split(':').next() != Some(PREFIX);
    assert_eq!(
        foreign,
        parsed == Err(ParseError::ForeignVersion),
        "{id:?} -> {parsed:?}"
    );
    if let Ok(action) = parsed {
        assert_eq!(action.encode(), id, "{action:?} is not in canonical form");
    }
}

/// Encodes any action and parses it back: every action whose id fits and
/// whose keys are valid round-trips; any other is refused, never misread.
pub fn custom_id_action(action: &Action) {
    let id = action.encode();
    let parsed = Action::parse(&id);
    let word = |text: &str| {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let valid = id.len() <= MAX_CUSTOM_ID
        && match action {
            Action::Vote { answer, .. }
            | Action::Choose { answer }
            | Action::Human { answer }
            | Action::Alternative { answer }
            | Action::Improve { answer } => *answer > AnswerId(0),
            Action::DialogueAnswer {
                session,
                slot,
                value,
            } => *session > SessionId(0) && word(slot) && word(value),
            Action::DialogueBack { session } | Action::DialogueRestart { session } => {
                *session > SessionId(0)
            }
            Action::Triage { post, .. } => *post > 0,
        };
    if valid {
        assert_eq!(parsed.as_ref(), Ok(action), "{id:?}");
    } else {
        assert!(
            parsed.is_err(),
            "{action:?} encodes as {id:?}, which reads as {parsed:?}"
        );
    }
    custom_id_text(&id);
}

// ------------------------------------------------------------ dialogue

/// A slot or value: one the dialogue knows (by index), or any text.
#[derive(Debug, Clone)]
pub enum Choice {
    Known(usize),
    Text(String),
}

/// What a user (or a stale button) can do to a dialogue.
#[derive(Debug, Clone)]
pub enum Event {
    /// Answer `slot` with `value`, valid or not.
    Answer {
        slot: Choice,
        value: Choice,
    },
    /// Answer the question the dialogue asks now with its value `n`
    /// (counted modulo its values, "unsure" last).
    AnswerAsked(usize),
    Back,
    Restart,
    /// Start afresh with answers found in the opening question.
    Start(Vec<(Choice, Choice)>),
}

fn slot_of(dialogue: &Dialogue, choice: &Choice) -> String {
    match choice {
        Choice::Known(i) => dialogue.questions[i % dialogue.questions.len()]
            .slot
            .clone(),
        Choice::Text(text) => text.clone(),
    }
}

fn value_of(dialogue: &Dialogue, slot: &str, choice: &Choice) -> String {
    match choice {
        Choice::Known(i) => {
            let values: Vec<&str> = match dialogue.question(slot) {
                Some(question) => question.values(),
                None => dialogue.questions.iter().flat_map(|q| q.values()).collect(),
            };
            values[i % values.len()].to_owned()
        }
        Choice::Text(text) => text.clone(),
    }
}

/// Runs `events` on `dialogue` (which must have a question), checking the
/// state and the next step after each, then answers whatever is still
/// asked with `finish` (value indexes, cycled) and checks the whole run:
/// no question asked twice, at most [`MAX_QUESTIONS`], and a sound
/// recommendation at the end. Returns the recommendation's outcome.
pub fn dialogue_events(dialogue: &Dialogue, events: &[Event], finish: &[usize]) -> String {
    let mut state = DialogueState::default();
    step(dialogue, &state);
    for event in events {
        let before = state.clone();
        state = match event {
            Event::Answer { slot, value } => {
                let slot = slot_of(dialogue, slot);
                let value = value_of(dialogue, &slot, value);
                let valid = dialogue.question(&slot).is_some_and(|q| q.accepts(&value));
                match dialogue::answer(dialogue, &state, &slot, &value) {
                    Ok(next) => {
                        assert!(valid, "{slot}={value} accepted");
                        assert_eq!(next.value(&slot), Some(value.as_str()));
                        assert!(!next.answers.last().is_some_and(|a| a.prefilled));
                        next
                    }
                    Err(error) => {
                        assert!(!valid, "{slot}={value} refused: {error}");
                        assert!(!error.to_string().is_empty());
                        state
                    }
                }
            }
            Event::AnswerAsked(n) => match dialogue::next_step(dialogue, &state) {
                Step::Ask(question) => {
                    let values = question.values();
                    let value = values[n % values.len()];
                    dialogue::answer(dialogue, &state, &question.slot, value)
                        .unwrap_or_else(|e| panic!("the asked question refused {value}: {e}"))
                }
                Step::Done(_) => state,
            },
            Event::Back => {
                let next = dialogue::back(&state);
                assert_eq!(next.asked(), state.asked().saturating_sub(1));
                assert!(state
                    .answers
                    .iter()
                    .filter(|a| a.prefilled)
                    .all(|a| next.answers.contains(a)));
                next
            }
            Event::Restart => {
                let next = dialogue::restart();
                assert!(next.answers.is_empty());
                next
            }
            Event::Start(pairs) => {
                let prefilled: BTreeMap<String, String> = pairs
                    .iter()
                    .map(|(slot, value)| {
                        let slot = slot_of(dialogue, slot);
                        let value = value_of(dialogue, &slot, value);
                        (slot, value)
                    })
                    .collect();
                let next = DialogueState::start(dialogue, &prefilled);
                assert!(next.answers.iter().all(|a| a.prefilled));
                for (slot, value) in &prefilled {
                    let valid = dialogue.question(slot).is_some_and(|q| q.accepts(value));
                    assert_eq!(next.value(slot).is_some(), valid, "{slot}={value}");
                }
                next
            }
        };
        sound_state(dialogue, &state, &before);
        step(dialogue, &state);
    }
    finish_from(dialogue, state, finish)
}

/// Answers every remaining question, checking each step.
fn finish_from(dialogue: &Dialogue, mut state: DialogueState, finish: &[usize]) -> String {
    let mut asked: Vec<String> = Vec::new();
    let open = dialogue.questions.len() - state.answers.len();
    loop {
        match step(dialogue, &state) {
            Some(slot) => {
                assert!(
                    !asked.contains(&slot),
                    "`{slot}` asked twice after {asked:?}"
                );
                assert!(
                    asked.len() < open.min(MAX_QUESTIONS),
                    "more than {open} questions: {asked:?}, then `{slot}`"
                );
                let question = dialogue.question(&slot).expect("asked a known slot");
                let values = question.values();
                let n = finish.get(asked.len()).copied().unwrap_or(0);
                let value = values[n % values.len()];
                state = dialogue::answer(dialogue, &state, &slot, value)
                    .unwrap_or_else(|e| panic!("the asked question refused {value}: {e}"));
                asked.push(slot);
            }
            None => {
                let Step::Done(done) = dialogue::next_step(dialogue, &state) else {
                    unreachable!("step said done");
                };
                return done.outcome;
            }
        }
    }
}

/// The answers of a state: one per slot, each one the slot accepts.
fn sound_state(dialogue: &Dialogue, state: &DialogueState, before: &DialogueState) {
    for (i, answer) in state.answers.iter().enumerate() {
        assert!(
            dialogue::check_answer(dialogue, &answer.slot, &answer.value).is_ok(),
            "{answer:?} kept"
        );
        assert!(
            state.answers[..i].iter().all(|a| a.slot != answer.slot),
            "`{}` answered twice: {:?}",
            answer.slot,
            state.answers
        );
    }
    assert!(state.answers.len() <= dialogue.questions.len());
    assert!(state.asked() <= MAX_QUESTIONS);
    // A front end stores the state between clicks.
    let text = serde_json::to_string(state).expect("a state serialises");
    let back: DialogueState = serde_json::from_str(&text).expect("a state deserialises");
    assert_eq!(&back, state, "from {before:?}");
}

/// Checks the next step from `state`; returns the slot asked, if any.
fn step(dialogue: &Dialogue, state: &DialogueState) -> Option<String> {
    let answers = state.as_map();
    match dialogue::next_step(dialogue, state) {
        Step::Ask(question) => {
            assert!(
                state.value(&question.slot).is_none(),
                "`{}` asked again after {:?}",
                question.slot,
                state.answers
            );
            Some(question.slot.clone())
        }
        Step::Done(done) => {
            assert_eq!(done, dialogue::recommend(dialogue, &answers));
            assert!(dialogue.outcomes.contains_key(&done.outcome), "{done:?}");
            assert_eq!(done.label, dialogue.outcome_label(&done.outcome));
            assert!(!done.reasons.is_empty(), "no reason for {answers:?}");
            for reason in &done.reasons {
                assert!(!reason.text.trim().is_empty());
                for (slot, value) in &reason.because {
                    assert_eq!(
                        answers.get(slot),
                        Some(value),
                        "reason rests on {slot}={value}, not given"
                    );
                }
            }
            assert_eq!(done.warnings, dialogue.warnings);
            if dialogue.id == SHIPPED_DIALOGUE {
                assert!(
                    done.warnings
                        .iter()
                        .any(|w| w.to_lowercase().contains(MIXING_WARNING)),
                    "no mixing warning: {:?}",
                    done.warnings
                );
            }
            let unanswered: Vec<&str> = dialogue
                .questions
                .iter()
                .map(|q| q.slot.as_str())
                .filter(|slot| !answers.contains_key(*slot))
                .collect();
            assert_eq!(done.unanswered, unanswered);
            // Stopping early is sound only if no answer to what was left
            // could change the outcome: try every one.
            let mut all = vec![answers.clone()];
            for slot in &unanswered {
                let values = dialogue.question(slot).map(|q| q.values());
                all = all
                    .into_iter()
                    .flat_map(|partial| {
                        values.iter().flatten().map(move |value| {
                            let mut next = partial.clone();
                            next.insert((*slot).to_owned(), (*value).to_owned());
                            next
                        })
                    })
                    .collect();
            }
            for complete in &all {
                let outcome = dialogue::recommend(dialogue, complete).outcome;
                assert_eq!(
                    outcome, done.outcome,
                    "stopped at {answers:?}, but {complete:?} gives another outcome"
                );
            }
            None
        }
    }
}
