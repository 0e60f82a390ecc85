//! Helpers shared by the black-box tests.

use std::path::{Path, PathBuf};

use helpdesk::knowledge::SourceFile;
use serde::Deserialize;

/// The shipped knowledge folder.
pub fn knowledge_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

pub fn data_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// One line of `tests/data/heldout.jsonl`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heldout {
    pub question: String,
    /// The entry that answers it, or `None` when none should.
    pub entry: Option<String>,
    /// `plain` or `chat`.
    pub style: String,
}

/// Every line of a JSON-lines file, parsed; blank lines are skipped.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), number + 1))
        })
        .collect()
}

pub fn heldout() -> Vec<Heldout> {
    read_jsonl(&data_file("heldout.jsonl"))
}

/// The held-out sets: `heldout.jsonl`, the first, which the knowledge's
/// authors have read their misses from, and `heldout-fresh.jsonl`, written
/// later without reading the knowledge or the first set.
pub const HELDOUT_SETS: [&str; 2] = ["heldout.jsonl", "heldout-fresh.jsonl"];

/// The width and height of a PNG, decoded whole (so a broken one fails).
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    let mut reader = png::Decoder::new(bytes).read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("a whole PNG image");
    (frame.width, frame.height)
}

/// A valid knowledge entry file `<id>.md`.
pub fn entry_file(
    id: &str,
    title: &str,
    keywords: &[&str],
    examples: &[&str],
    body: &str,
) -> SourceFile {
    let list = |items: &[&str]| {
        items
            .iter()
            .map(|item| format!("{item:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    SourceFile {
        path: PathBuf::from(format!("{id}.md")),
        text: format!(
            "+++\nid = \"{id}\"\ntitle = {title:?}\ntags = []\nkeywords = [{}]\nexamples = [{}]\n+++\n{body}\n",
            list(keywords),
            list(examples)
        ),
    }
}

/// Copies a folder and everything in it (a knowledge folder a test may
/// change without touching the shipped one).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for item in std::fs::read_dir(from).unwrap() {
        let item = item.unwrap();
        let target = to.join(item.file_name());
        if item.file_type().unwrap().is_dir() {
            copy_dir(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), target).unwrap();
        }
    }
}
