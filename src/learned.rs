//! Writing taught questions into a knowledge folder (`helpdesk learned
//! --write`), so they can be reviewed in git like any other change: each
//! goes to the end of its entry's `examples` in the entry's front matter;
//! "not in scope" ones to the examples of the topic
//! [`TAUGHT_OUT_OF_SCOPE`] in `out-of-scope.toml`. The rest of every file is
//! left as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::knowledge::{Knowledge, LoadErrors};
use crate::matcher::{normalize, Taught, TAUGHT_OUT_OF_SCOPE};

/// The out-of-scope topics' file in a knowledge folder.
pub const OUT_OF_SCOPE_FILE: &str = "out-of-scope.toml";

/// What [`merge_taught`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Merged {
    /// Examples written, per file.
    pub written: BTreeMap<PathBuf, usize>,
    /// Already there (the same text once normalised).
    pub present: usize,
    /// Taught for an entry the folder does not have.
    pub unknown_entries: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("the knowledge in {0} does not load:\n{1}")]
    Invalid(PathBuf, LoadErrors),
    #[error("{0}: no `examples = [` list in the front matter to add to")]
    NoExamples(PathBuf),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// Adds the taught questions to the knowledge in `dir`.
pub fn merge_taught(dir: &Path, taught: &[Taught]) -> Result<Merged, MergeError> {
    let knowledge =
        Knowledge::load_dir(dir).map_err(|errors| MergeError::Invalid(dir.to_owned(), errors))?;
    let mut merged = Merged::default();
    let mut per_file: BTreeMap<PathBuf, Vec<&str>> = BTreeMap::new();
    let mut out_of_scope: Vec<&str> = Vec::new();
    for lesson in taught {
        let normalized = normalize(&lesson.text);
        let stands = |examples: &[String]| examples.iter().any(|e| normalize(e) == normalized);
        match &lesson.entry {
            Some(id) => match knowledge.entry(id) {
                Some(entry) if stands(&entry.examples) => merged.present += 1,
                Some(entry) => per_file
                    .entry(entry.source.clone())
                    .or_default()
                    .push(&lesson.text),
                None => merged.unknown_entries.push(id.clone()),
            },
            None => {
                let known = knowledge
                    .out_of_scope()
                    .iter()
                    .any(|topic| stands(&topic.examples));
                if known {
                    merged.present += 1;
                } else {
                    out_of_scope.push(&lesson.text);
                }
            }
        }
    }
    for (path, examples) in per_file {
        let text = read(&path)?;
        let changed = add_to_front_matter(&text, &examples)
            .ok_or_else(|| MergeError::NoExamples(path.clone()))?;
        write(&path, &changed)?;
        merged.written.insert(path, examples.len());
    }
    if !out_of_scope.is_empty() {
        let path = dir.join(OUT_OF_SCOPE_FILE);
        let text = if path.exists() {
            read(&path)?
        } else {
            String::new()
        };
        write(&path, &add_out_of_scope(&text, &out_of_scope))?;
        merged.written.insert(path, out_of_scope.len());
    }
    Ok(merged)
}

fn read(path: &Path) -> Result<String, MergeError> {
    std::fs::read_to_string(path).map_err(|e| MergeError::Io(path.to_owned(), e))
}

fn write(path: &Path, text: &str) -> Result<(), MergeError> {
    std::fs::write(path, text).map_err(|e| MergeError::Io(path.to_owned(), e))
}

/// A TOML string holding `text` exactly.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// `text` (an entry file) with `examples` added at the end of the front
/// matter's `examples` list, one a line; `None` if it has no such list.
fn add_to_front_matter(text: &str, examples: &[&str]) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let front_end = lines
        .iter()
        .skip(1)
        .position(|line| line.trim_end() == "+++")?
        + 1;
    let start = (1..front_end).find(|&i| {
        let line = lines[i].trim_start();
        line.starts_with("examples") && line["examples".len()..].trim_start().starts_with('=')
    })?;
    let added: String = examples
        .iter()
        .map(|example| format!("  {},\n", quoted(example)))
        .collect();
    let opening = lines[start].trim_end();
    let mut out: String = lines[..start].concat();
    if opening.ends_with(']') {
        // A list on one line: written out again, one example a line.
        let value: toml::Value = toml::from_str(opening).ok()?;
        let existing = value.get("examples")?.as_array()?;
        out.push_str("examples = [\n");
        for example in existing {
            out.push_str(&format!("  {},\n", quoted(example.as_str()?)));
        }
        out.push_str(&added);
        out.push_str("]\n");
        out.push_str(&lines[start + 1..].concat());
        return Some(out);
    }
    let close = (start + 1..front_end).find(|&i| lines[i].trim() == "]")?;
    out.push_str(&lines[start..close].concat());
    if let Some(last) = out.strip_suffix('\n') {
        // The list's last item may lack a trailing comma.
        let last_line = last.rsplit('\n').next().unwrap_or_default().trim_end();
        if !last_line.ends_with(',') && !last_line.ends_with('[') && !last_line.is_empty() {
            out = format!("{last},\n");
        }
    }
    out.push_str(&added);
    out.push_str(&lines[close..].concat());
    Some(out)
}

/// `text` (out-of-scope.toml) with `examples` added to the taught topic,
/// which is appended at the end the first time.
fn add_out_of_scope(text: &str, examples: &[&str]) -> String {
    let added: String = examples
        .iter()
        .map(|example| format!("  {},\n", quoted(example)))
        .collect();
    let marker = format!("id = \"{TAUGHT_OUT_OF_SCOPE}\"");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let topic = lines.iter().position(|line| line.trim() == marker);
    let close = topic.and_then(|topic| {
        let examples =
            (topic..lines.len()).find(|&i| lines[i].trim_start().starts_with("examples"))?;
        (examples..lines.len()).find(|&i| lines[i].trim() == "]")
    });
    match close {
        Some(close) => format!(
            "{}{added}{}",
            lines[..close].concat(),
            lines[close..].concat()
        ),
        None => {
            let mut out = text.to_owned();
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
            }
            out.push_str(&format!(
                "# Questions the support team marked \"not in scope\" from the triage channel.\n\
                 [[topics]]\n{marker}\nexamples = [\n{added}]\n"
            ));
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_go_at_the_end_of_the_list_and_the_rest_stays() {
        let entry =
            "+++\nid = \"a\"\nexamples = [\n  \"one\",\n  \"two\"\n]\nrelated = []\n+++\nBody\n";
        let changed = add_to_front_matter(entry, &["say \"three\""]).unwrap();
        assert_eq!(
            changed,
            "+++\nid = \"a\"\nexamples = [\n  \"one\",\n  \"two\",\n  'say \"three\"',\n]\nrelated = []\n+++\nBody\n"
        );
        let one_line = "+++\nid = \"a\"\nexamples = [\"one\", \"two\"]\n+++\nBody\n";
        let changed = add_to_front_matter(one_line, &["three"]).unwrap();
        assert_eq!(
            changed,
            "+++\nid = \"a\"\nexamples = [\n  \"one\",\n  \"two\",\n  \"three\",\n]\n+++\nBody\n"
        );
        assert!(add_to_front_matter("+++\nid = \"a\"\n+++\nexamples = [\n]\n", &["x"]).is_none());
    }

    #[test]
    fn not_in_scope_questions_gather_in_one_topic() {
        let first = add_out_of_scope("[[topics]]\nid = \"x\"\n", &["pizza?"]);
        let second = add_out_of_scope(&first, &["tacos?"]);
        let parsed: toml::Value = toml::from_str(&second).unwrap();
        let topics = parsed["topics"].as_array().unwrap();
        assert_eq!(topics.len(), 2);
        assert_eq!(topics[1]["id"].as_str(), Some(TAUGHT_OUT_OF_SCOPE));
        assert_eq!(
            topics[1]["examples"],
            toml::Value::Array(vec!["pizza?".into(), "tacos?".into()])
        );
    }
}
