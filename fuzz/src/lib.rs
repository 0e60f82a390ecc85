//! The fuzz targets' inputs and bodies. Each target in `fuzz_targets/` is
//! one line calling a function here; the invariants themselves are in
//! [`checks`], which `tests/it/properties.rs` shares.

pub mod checks;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use arbitrary::{Arbitrary, Unstructured};
use helpdesk::discord::custom_id::{Action, TriageAct};
use helpdesk::knowledge::{Dialogue, Knowledge, SourceFile};
use helpdesk::matcher::Matcher;
use helpdesk::store::{AnswerId, SessionId};

/// The shipped knowledge folder's files, lightened: the loader's templates.
static SHIPPED_FILES: LazyLock<Vec<SourceFile>> = LazyLock::new(|| {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../knowledge");
    let mut files = checks::knowledge_files(&dir);
    assert!(!files.is_empty(), "no knowledge in {}", dir.display());
    for file in &mut files {
        file.text = lighten(&file.text);
    }
    files
});

/// `text` with only the first phrase of each phrase array written one per
/// line (in single quotes). Instrumented, every line of a loaded file
/// costs; a lightened file keeps its structure, and a phrase of each array
/// to mutate.
fn lighten(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_phrases = false;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('\'') {
            if in_phrases {
                continue;
            }
            in_phrases = true;
        } else {
            in_phrases = false;
        }
        out.push_str(line);
    }
    out
}

static SHIPPED: LazyLock<Knowledge> =
    LazyLock::new(|| Knowledge::builtin().expect("the built-in knowledge loads"));

static MATCHER: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(&SHIPPED));

// ------------------------------------------------------------ knowledge

/// A knowledge folder: any files, each arbitrary text or a shipped file
/// edited. Several shipped files together exercise the checks across
/// files (duplicate ids, `related`, `dialogue`). The whole shipped folder
/// is not offered: instrumented, loading it takes ~200 ms even lightened,
/// so inputs holding it would take all the fuzzing time
/// (`tests/it/properties.rs` loads it, edited, instead).
#[derive(Debug, Arbitrary)]
pub struct LoaderInput {
    files: Vec<FuzzFile>,
}

/// Bytes `at..at + cut` of one file replaced by `insert`.
#[derive(Debug, Arbitrary)]
pub struct Edit {
    file: u8,
    at: u16,
    cut: u8,
    insert: String,
}

#[derive(Debug, Arbitrary)]
pub struct FuzzFile {
    place: Place,
    /// The file name without extension; by default the template's, if
    /// the text comes from one.
    name: Option<String>,
    text: Text,
}

#[derive(Debug, Arbitrary)]
pub enum Place {
    Entry,
    Dialogue,
    OutOfScope,
    Vocabulary,
    Readme,
    Elsewhere,
}

#[derive(Debug, Arbitrary)]
pub enum Text {
    Raw(String),
    /// `+++`, the front matter, `+++`, the body.
    FrontMatter {
        front: String,
        body: String,
    },
    /// A shipped file, edited.
    Shipped {
        edit: Edit,
    },
}

fn shipped_file(index: u8) -> &'static SourceFile {
    &SHIPPED_FILES[usize::from(index) % SHIPPED_FILES.len()]
}

impl Edit {
    fn apply(&self, text: &str) -> String {
        checks::splice(text, self.at.into(), self.cut.into(), &self.insert)
    }
}

impl FuzzFile {
    fn into_source(self) -> SourceFile {
        let (text, template) = match self.text {
            Text::Raw(text) => (text, None),
            Text::FrontMatter { front, body } => (format!("+++\n{front}\n+++\n{body}"), None),
            Text::Shipped { edit } => {
                let template = shipped_file(edit.file);
                (edit.apply(&template.text), Some(&template.path))
            }
        };
        let path = match (self.name, template) {
            (None, Some(path)) => path.clone(),
            (name, _) => {
                let stem: String = name
                    .unwrap_or_default()
                    .chars()
                    .filter(|&c| c != '/' && c != '\\' && c != '\0')
                    .collect();
                let stem = if stem.is_empty() { "x" } else { &stem };
                match self.place {
                    Place::Entry => PathBuf::from(format!("{stem}.md")),
                    Place::Dialogue => Path::new("dialogues").join(format!("{stem}.toml")),
                    Place::OutOfScope => PathBuf::from("out-of-scope.toml"),
                    Place::Vocabulary => PathBuf::from("vocabulary.toml"),
                    Place::Readme => PathBuf::from("README.md"),
                    Place::Elsewhere => Path::new("notes").join(format!("{stem}.md")),
                }
            }
        };
        SourceFile { path, text }
    }
}

/// The loader target: never panics, loads only what keeps the limits, and
/// says where each problem is.
pub fn loader(input: LoaderInput) {
    checks::knowledge(input.files.into_iter().map(FuzzFile::into_source).collect());
}

// ------------------------------------------------------------ matcher

/// The matcher target: any text (invalid UTF-8 replaced) gets a sound
/// verdict from the shipped knowledge's matcher.
pub fn matcher(data: &[u8]) {
    let question = String::from_utf8_lossy(data);
    checks::matcher_result(&MATCHER, &SHIPPED, &question);
}

// ------------------------------------------------------------ custom ids

/// The custom id target: the bytes as an id, and as an action to encode.
pub fn custom_id(data: &[u8]) {
    checks::custom_id_text(&String::from_utf8_lossy(data));
    if let Ok(action) = arbitrary_action(&mut Unstructured::new(data)) {
        checks::custom_id_action(&action);
    }
}

fn arbitrary_action(u: &mut Unstructured<'_>) -> arbitrary::Result<Action> {
    // Mostly the ids the bot posts, sometimes any number.
    let number = |u: &mut Unstructured<'_>| -> arbitrary::Result<i64> {
        if u.arbitrary()? {
            u.int_in_range(1..=100_000)
        } else {
            u.arbitrary()
        }
    };
    let id = number(u)?;
    let answer = AnswerId(id);
    let session = SessionId(id);
    let action = match u.int_in_range(0..=8u8)? {
        0 => Action::Vote {
            answer,
            helpful: u.arbitrary()?,
        },
        1 => Action::Choose { answer },
        2 => Action::Human { answer },
        3 => Action::Alternative { answer },
        4 => Action::Improve { answer },
        5 => Action::DialogueAnswer {
            session,
            slot: u.arbitrary()?,
            value: u.arbitrary()?,
        },
        6 => Action::DialogueBack { session },
        7 => Action::DialogueRestart { session },
        _ => Action::Triage {
            post: id,
            act: *u.choose(&[
                TriageAct::Answer,
                TriageAct::Search,
                TriageAct::OutOfScope,
                TriageAct::Claim,
                TriageAct::Resolve,
                TriageAct::EditEntry,
            ])?,
        },
    };
    Ok(action)
}

// ------------------------------------------------------------ dialogue

#[derive(Debug, Arbitrary)]
pub struct DialogueInput {
    dialogue: u8,
    events: Vec<FuzzEvent>,
    /// The answers to what is still asked after the events.
    finish: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
pub enum FuzzChoice {
    Known(u8),
    Text(String),
}

#[derive(Debug, Arbitrary)]
pub enum FuzzEvent {
    Answer { slot: FuzzChoice, value: FuzzChoice },
    AnswerAsked(u8),
    Back,
    Restart,
    Start(Vec<(FuzzChoice, FuzzChoice)>),
}

impl From<FuzzChoice> for checks::Choice {
    fn from(choice: FuzzChoice) -> Self {
        match choice {
            FuzzChoice::Known(i) => Self::Known(i.into()),
            FuzzChoice::Text(text) => Self::Text(text),
        }
    }
}

impl From<FuzzEvent> for checks::Event {
    fn from(event: FuzzEvent) -> Self {
        match event {
            FuzzEvent::Answer { slot, value } => Self::Answer {
                slot: slot.into(),
                value: value.into(),
            },
            FuzzEvent::AnswerAsked(n) => Self::AnswerAsked(n.into()),
            FuzzEvent::Back => Self::Back,
            FuzzEvent::Restart => Self::Restart,
            FuzzEvent::Start(pairs) => Self::Start(
                pairs
                    .into_iter()
                    .map(|(slot, value)| (slot.into(), value.into()))
                    .collect(),
            ),
        }
    }
}

/// The dialogue target: any sequence of answers (valid or not), backs,
/// restarts and fresh starts on a shipped dialogue.
pub fn dialogue(input: DialogueInput) {
    let dialogues: &[Dialogue] = SHIPPED.dialogues();
    let dialogue = &dialogues[usize::from(input.dialogue) % dialogues.len()];
    let events: Vec<checks::Event> = input.events.into_iter().map(Into::into).collect();
    let finish: Vec<usize> = input.finish.into_iter().map(usize::from).collect();
    checks::dialogue_events(dialogue, &events, &finish);
}
