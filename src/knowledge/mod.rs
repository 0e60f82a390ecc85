//! Loading and validating the knowledge base: entries (`*.md` with TOML
//! front matter), dialogues (`dialogues/*.toml`), out-of-scope topics
//! (`out-of-scope.toml`) and the vocabulary their phrases share
//! (`vocabulary.toml`). Every phrase is compiled here, once (see
//! [`crate::phrase`]): what the matcher gets is ready to run.
//!
//! Loading never stops at the first problem: every error is collected with
//! the file, the line where it can be found, and what is wrong, so an author
//! fixes a whole folder in one pass (`helpdesk check`).

mod error;
mod model;
mod parse;
mod translation;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::language::Language;
use crate::phrase::Vocabulary;
pub use error::{KnowledgeError, LoadErrors};
pub use model::{
    AnswerOption, Dialogue, Entry, Note, OutOfScopeTopic, Outcome, Question, Rule, UNSURE,
};

/// The knowledge shipped with helpdesk, compiled into the binary so it works
/// from any directory.
static BUILTIN: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/knowledge");

/// The knowledge format's own limits, so one entry reads the same in every
/// front end: each front end checks that it can show them (the Discord
/// front end at compile time, against Discord's limits in its `render`).
///
/// An answer's length.
pub const MAX_BODY_CHARS: usize = 4096;
/// A title's length.
pub const MAX_TITLE_CHARS: usize = 256;
/// A dialogue option's label.
pub const MAX_LABEL_CHARS: usize = 80;
/// A dialogue asks at most this many questions.
pub const MAX_QUESTIONS: usize = 5;
/// Options per question, leaving room for "Not sure" in a row of 5 buttons.
pub const MAX_OPTIONS: usize = 4;

/// One file of a knowledge folder, by its path relative to the folder.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// The vocabulary's file, in the knowledge folder.
pub const VOCABULARY_FILE: &str = "vocabulary.toml";

/// A validated knowledge base.
/// How a help desk introduces itself (`about.toml`): its knowledge's own
/// words, so the engine names no topic of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About {
    /// The first thing a conversation (the terminal chat) says.
    pub greeting: String,
    /// What it can help with, told with an honest "no answer".
    pub scope: Option<String>,
}

impl Default for About {
    fn default() -> Self {
        Self {
            greeting: "Hi! Ask me a question.".to_owned(),
            scope: None,
        }
    }
}

/// The help desk's introduction's file, in the knowledge folder.
pub const ABOUT_FILE: &str = "about.toml";
/// The longest greeting and scope line.
pub const MAX_ABOUT_CHARS: usize = 300;

#[derive(Debug, Clone)]
pub struct Knowledge {
    /// The language it is written in: the top folder's is English, each
    /// `<code>/` subfolder's its own.
    language: Language,
    /// The other languages' knowledge (`knowledge/de/`, `knowledge/es/`):
    /// the same entry and dialogue ids in those words. Empty in a
    /// translation itself.
    translations: BTreeMap<Language, Knowledge>,
    about: About,
    entries: Vec<Entry>,
    dialogues: Vec<Dialogue>,
    out_of_scope: Vec<OutOfScopeTopic>,
    index: HashMap<String, usize>,
}

impl Knowledge {
    /// The knowledge compiled into the binary.
    pub fn builtin() -> Result<Self, LoadErrors> {
        let mut files = Vec::new();
        collect_builtin(&BUILTIN, &mut files);
        Self::from_files(Path::new("<builtin>/knowledge"), files)
    }

    /// The knowledge a command runs with: the named folder, else
    /// `./knowledge` if it exists, else the built-in set.
    pub fn load_default(dir: Option<&Path>) -> Result<Self, LoadErrors> {
        let local = Path::new("knowledge");
        match dir {
            Some(dir) => Self::load_dir(dir),
            None if local.is_dir() => Self::load_dir(local),
            None => Self::builtin(),
        }
    }

    /// Reads every `*.md` and `dialogues/*.toml` file of a folder.
    pub fn load_dir(dir: &Path) -> Result<Self, LoadErrors> {
        let files = read_folder(dir)
            .map_err(|error| LoadErrors(vec![KnowledgeError::new(dir, None, error.to_string())]))?;
        Self::from_files(dir, files)
    }

    /// Parses and validates a set of files; `root` only prefixes the paths
    /// named in errors. Files under a folder named by a language code
    /// (`de/pop.md`) are that language's translation.
    pub fn from_files(root: &Path, files: Vec<SourceFile>) -> Result<Self, LoadErrors> {
        let mut own = Vec::new();
        let mut translated: BTreeMap<Language, Vec<SourceFile>> = BTreeMap::new();
        for file in files {
            match translation_of(&file.path) {
                Some((language, path)) => {
                    translated.entry(language).or_default().push(SourceFile {
                        path,
                        text: file.text,
                    })
                }
                None => own.push(file),
            }
        }
        let mut errors = Vec::new();
        let mut knowledge = match Self::from_language_files(root, own, Language::PRIMARY) {
            Ok(knowledge) => Some(knowledge),
            Err(LoadErrors(mut found)) => {
                errors.append(&mut found);
                None
            }
        };
        for (language, files) in translated {
            let folder = root.join(language.code());
            match Self::from_language_files(&folder, files, language) {
                Ok(translation) => {
                    if let Some(primary) = &mut knowledge {
                        errors.extend(translation::differences(primary, &translation));
                        primary.translations.insert(language, translation);
                    }
                }
                Err(LoadErrors(mut found)) => errors.append(&mut found),
            }
        }
        match knowledge {
            Some(knowledge) if errors.is_empty() => Ok(knowledge),
            _ => Err(LoadErrors(errors)),
        }
    }

    /// The folder of one language.
    fn from_language_files(
        root: &Path,
        files: Vec<SourceFile>,
        language: Language,
    ) -> Result<Self, LoadErrors> {
        let mut errors = Vec::new();
        let mut entries = Vec::new();
        let mut dialogues = Vec::new();
        let mut out_of_scope = Vec::new();
        let mut about = About::default();
        let mut files = files;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        // Phrases use the vocabulary's classes: it is read first, and its
        // errors reported in its place among the files.
        let vocabulary_file = files
            .iter()
            .position(|file| matches!(FileKind::of(&file.path), FileKind::Vocabulary));
        let (vocabulary, vocabulary_errors) = match vocabulary_file {
            Some(i) => parse::vocabulary(&root.join(&files[i].path), &files[i].text),
            None => (Vocabulary::empty(), Vec::new()),
        };
        let mut parsed = parse_files(root, &files, &vocabulary);
        if let Some(i) = vocabulary_file.filter(|_| !vocabulary_errors.is_empty()) {
            parsed[i] = Err(vocabulary_errors);
        }
        for parsed in parsed {
            match parsed {
                Ok(Parsed::Entry(entry)) => entries.push(entry),
                Ok(Parsed::Dialogue(dialogue)) => dialogues.push(dialogue),
                Ok(Parsed::OutOfScope(topics)) => out_of_scope.extend(topics),
                Ok(Parsed::About(read)) => about = read,
                Ok(Parsed::Nothing) => {}
                Err(mut file_errors) => errors.append(&mut file_errors),
            }
        }
        if entries.is_empty() && errors.is_empty() {
            errors.push(KnowledgeError::new(root, None, "no entries (*.md) found"));
        }
        let mut knowledge = Self::assemble(language, entries, dialogues, out_of_scope, &mut errors);
        knowledge.about = about;
        knowledge.language = language;
        if errors.is_empty() {
            Ok(knowledge)
        } else {
            Err(LoadErrors(errors))
        }
    }

    /// A translation's `related` and `dialogue` may name what only the
    /// English knowledge has: they are checked against it
    /// ([`translation::differences`]).
    fn assemble(
        language: Language,
        entries: Vec<Entry>,
        dialogues: Vec<Dialogue>,
        out_of_scope: Vec<OutOfScopeTopic>,
        errors: &mut Vec<KnowledgeError>,
    ) -> Self {
        let mut index = HashMap::new();
        for (position, entry) in entries.iter().enumerate() {
            if let Some(&first) = index.get(&entry.id) {
                let first: &Entry = &entries[first];
                errors.push(KnowledgeError::new(
                    &entry.source,
                    entry.line_of_value("id", &entry.id),
                    format!(
                        "duplicate id `{}` (also in {})",
                        entry.id,
                        first.source.display()
                    ),
                ));
            } else {
                index.insert(entry.id.clone(), position);
            }
        }
        let dialogue_ids: BTreeSet<&str> = dialogues.iter().map(|d| d.id.as_str()).collect();
        let translation = language != Language::PRIMARY;
        for entry in entries.iter().filter(|_| !translation) {
            for related in &entry.related {
                if !index.contains_key(related) {
                    errors.push(KnowledgeError::new(
                        &entry.source,
                        entry.line_of_value("related", related),
                        format!("`related` names unknown entry `{related}`"),
                    ));
                }
            }
            if let Some(dialogue) = &entry.dialogue {
                if !dialogue_ids.contains(dialogue.as_str()) {
                    errors.push(KnowledgeError::new(
                        &entry.source,
                        entry.line_of_value("dialogue", dialogue),
                        format!("`dialogue` names unknown dialogue `{dialogue}`"),
                    ));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for dialogue in &dialogues {
            if !seen.insert(dialogue.id.as_str()) {
                errors.push(KnowledgeError::new(
                    &dialogue.source,
                    None,
                    format!("duplicate dialogue id `{}`", dialogue.id),
                ));
            }
        }
        Self {
            language: Language::PRIMARY,
            translations: BTreeMap::new(),
            about: About::default(),
            entries,
            dialogues,
            out_of_scope,
            index,
        }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// The knowledge in `language`: its translation if there is one, else
    /// this (English) knowledge.
    pub fn in_language(&self, language: Language) -> &Knowledge {
        self.translations.get(&language).unwrap_or(self)
    }

    /// The languages this knowledge is written in, its own first.
    pub fn languages(&self) -> Vec<Language> {
        std::iter::once(self.language)
            .chain(self.translations.keys().copied())
            .collect()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// For tests that take knowledge apart (leave-one-out evaluation).
    #[cfg(test)]
    pub(crate) fn parts_mut(&mut self) -> (&mut Vec<Entry>, &mut Vec<OutOfScopeTopic>) {
        (&mut self.entries, &mut self.out_of_scope)
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.index.get(id).map(|&position| &self.entries[position])
    }

    /// How this help desk introduces itself.
    pub fn about(&self) -> &About {
        &self.about
    }

    pub fn dialogues(&self) -> &[Dialogue] {
        &self.dialogues
    }

    pub fn dialogue(&self, id: &str) -> Option<&Dialogue> {
        self.dialogues.iter().find(|dialogue| dialogue.id == id)
    }

    /// Topics people bring that this knowledge deliberately does not answer.
    pub fn out_of_scope(&self) -> &[OutOfScopeTopic] {
        &self.out_of_scope
    }
}

/// What one file holds once parsed.
enum Parsed {
    Entry(Entry),
    Dialogue(Dialogue),
    OutOfScope(Vec<OutOfScopeTopic>),
    About(About),
    Nothing,
}

type FileResult = Result<Parsed, Vec<KnowledgeError>>;

/// Parses every file, in order, on two threads: compiling the authors'
/// phrases and reading the TOML is the work of loading, and a knowledge
/// folder's phrases sit in a few large files. The files are shared out by
/// size.
fn parse_files(root: &Path, files: &[SourceFile], vocabulary: &Vocabulary) -> Vec<FileResult> {
    let mut largest_first: Vec<usize> = (0..files.len()).collect();
    largest_first.sort_by_key(|&i| std::cmp::Reverse(files[i].text.len()));
    let mut shares: [Vec<usize>; 2] = Default::default();
    let mut bytes = [0usize; 2];
    for i in largest_first {
        let lighter = usize::from(bytes[1] < bytes[0]);
        shares[lighter].push(i);
        bytes[lighter] += files[i].text.len();
    }
    let parse_share = |share: &[usize]| -> Vec<(usize, FileResult)> {
        share
            .iter()
            .map(|&i| (i, parse_file(root, &files[i], vocabulary)))
            .collect()
    };
    let (mut results, other_results) = std::thread::scope(|scope| {
        let other = scope.spawn(|| parse_share(&shares[1]));
        let mine = parse_share(&shares[0]);
        let other = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (mine, other)
    });
    results.extend(other_results);
    results.sort_unstable_by_key(|&(i, _)| i);
    results.into_iter().map(|(_, result)| result).collect()
}

fn parse_file(root: &Path, file: &SourceFile, vocabulary: &Vocabulary) -> FileResult {
    let shown = root.join(&file.path);
    match FileKind::of(&file.path) {
        FileKind::Entry => parse::entry(&shown, &file.text, vocabulary).map(Parsed::Entry),
        FileKind::Dialogue => parse::dialogue(&shown, &file.text, vocabulary).map(Parsed::Dialogue),
        FileKind::OutOfScope => {
            parse::out_of_scope(&shown, &file.text, vocabulary).map(Parsed::OutOfScope)
        }
        FileKind::About => parse::about(&shown, &file.text).map(Parsed::About),
        // Read before the other files.
        FileKind::Vocabulary | FileKind::Other => Ok(Parsed::Nothing),
    }
}

enum FileKind {
    Entry,
    Dialogue,
    OutOfScope,
    Vocabulary,
    About,
    Other,
}

impl FileKind {
    fn of(path: &Path) -> Self {
        let extension = path.extension().and_then(|e| e.to_str());
        let in_dialogues = path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|name| name == "dialogues");
        // `map_or`, not `is_none_or`: that is Rust 1.82 and the MSRV is 1.80.
        let top_level = path.parent().is_none_or(|p| p.as_os_str().is_empty());
        match extension {
            Some("md") if top_level && !is_readme(path) => Self::Entry,
            Some("toml") if in_dialogues => Self::Dialogue,
            Some("toml") if top_level && path.file_stem().is_some_and(|s| s == "out-of-scope") => {
                Self::OutOfScope
            }
            Some("toml") if top_level && path.file_name().is_some_and(|s| s == VOCABULARY_FILE) => {
                Self::Vocabulary
            }
            Some("toml") if top_level && path.file_name().is_some_and(|s| s == ABOUT_FILE) => {
                Self::About
            }
            _ => Self::Other,
        }
    }
}

/// A file under a language's folder (`de/pop.md`, `es/dialogues/x.toml`),
/// and its path inside that folder.
fn translation_of(path: &Path) -> Option<(Language, PathBuf)> {
    let mut parts = path.components();
    let first = parts.next()?.as_os_str().to_str()?;
    let language: Language = first.parse().ok()?;
    let rest = parts.as_path();
    (!rest.as_os_str().is_empty()).then(|| (language, rest.to_path_buf()))
}

fn is_readme(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s.eq_ignore_ascii_case("readme"))
}

fn collect_builtin(dir: &include_dir::Dir<'static>, files: &mut Vec<SourceFile>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            files.push(SourceFile {
                path: file.path().to_path_buf(),
                text: text.to_owned(),
            });
        }
    }
    for sub in dir.dirs() {
        collect_builtin(sub, files);
    }
}

fn read_folder(dir: &Path) -> std::io::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    for (relative, path) in list(dir, Path::new(""))? {
        let text = std::fs::read_to_string(&path)?;
        files.push(SourceFile {
            path: relative,
            text,
        });
    }
    Ok(files)
}

/// Files of `dir`, of its `dialogues/` subfolder and of its language
/// folders (`de/`, `de/dialogues/`), as (relative, full) paths.
fn list(dir: &Path, relative: &Path) -> std::io::Result<Vec<(PathBuf, PathBuf)>> {
    let mut found = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        let name = item.file_name();
        let path = item.path();
        if item.file_type()?.is_dir() {
            let top = relative.as_os_str().is_empty();
            let language_folder = top
                && name
                    .to_str()
                    .is_some_and(|name| name.parse::<Language>().is_ok());
            if name == "dialogues" || language_folder {
                found.extend(list(&path, &relative.join(&name))?);
            }
        } else {
            found.push((relative.join(&name), path));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests;
