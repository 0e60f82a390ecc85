//! The code's shape as the module map in `src/lib.rs` promises it, checked
//! on the sources: the front ends reach the store only through the
//! assistant, the knowledge knows nothing of the matcher, no function of
//! the Discord front end runs past 60 lines, and `tests/` holds folders.

use std::path::{Path, PathBuf};

const LONGEST_DISCORD_FUNCTION: usize = 60;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir` (or `dir` itself, if it is a file).
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_owned()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// `(file, line number, line)` for each line of the files under `dir`
/// that contains one of `needles`, outside comments.
fn code_lines_with(dir: &str, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(&root().join(dir)) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if needles.iter().any(|needle| code.contains(needle)) {
                found.push(format!("{}:{}: {line}", file.display(), number + 1));
            }
        }
    }
    found
}

/// The functions of a rustfmt-formatted file with their length in lines,
/// from the `fn` line to the closing brace at the same indentation.
fn function_lengths(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut lengths = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let after_qualifiers = ["pub(crate) ", "pub(super) ", "pub ", "async ", "const "]
            .iter()
            .fold(trimmed, |rest, qualifier| {
                rest.strip_prefix(qualifier).unwrap_or(rest)
            });
        let Some(signature) = after_qualifiers.strip_prefix("fn ") else {
            continue;
        };
        let name: String = signature
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if line.trim_end().ends_with(';') || line.trim_end().ends_with('}') {
            continue; // a declaration, or a function on one line
        }
        let closing = format!("{}}}", &line[..line.len() - trimmed.len()]);
        let end = lines[start..]
            .iter()
            .position(|l| *l == closing)
            .unwrap_or_else(|| panic!("no end found for fn {name}"));
        lengths.push((name, end + 1));
    }
    lengths
}

#[test]
fn no_function_in_the_discord_front_end_is_over_60_lines() {
    let mut long = Vec::new();
    for file in rust_files(&root().join("src/discord")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (name, length) in function_lengths(&text) {
            if length > LONGEST_DISCORD_FUNCTION {
                long.push(format!("{}: fn {name}: {length} lines", file.display()));
            }
        }
    }
    assert!(long.is_empty(), "{long:#?}");
}

#[test]
fn the_length_check_measures_functions() {
    let text = "fn one() {\n    body();\n}\n\nimpl X {\n    pub async fn two(\n        a: u8,\n    ) -> u8 {\n        a\n    }\n}\n";
    assert_eq!(
        function_lengths(text),
        [("one".to_owned(), 3), ("two".to_owned(), 5)]
    );
}

#[test]
fn the_front_ends_reach_the_store_only_through_the_assistant() {
    // Without the `Store` trait in scope no store method can be called;
    // opening one is the binary's start-up, not a front end's.
    let the_trait = ["store::Store", "Store,", "Store}", "dyn Store"];
    let opening = ["store::open", "SqliteStore", "PgStore"];
    for front_end in ["src/discord", "src/terminal.rs"] {
        let found = code_lines_with(front_end, &[&the_trait[..], &opening].concat());
        assert!(found.is_empty(), "{found:#?}");
    }
    // The endpoints and the upkeep's schedule; its unit tests open a store
    // to build an assistant.
    let found = code_lines_with("src/operations.rs", &the_trait);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_knowledge_does_not_know_the_matcher() {
    let found = code_lines_with("src/knowledge", &["matcher::", "crate::matcher"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn tests_holds_at_most_three_files_of_its_own() {
    let files: Vec<_> = std::fs::read_dir(root().join("tests"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    assert!(files.len() <= 3, "{files:#?}");
}

#[test]
fn the_module_map_names_every_module() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(module) = line.strip_prefix("pub mod ") {
            let module = module.trim_end_matches(';');
            assert!(
                lib.contains(&format!("[`{module}`]")),
                "the map in src/lib.rs does not name `{module}`"
            );
        }
    }
}

/// The message ids the code asks for with `text!(language, "id", …)`, which
/// rustfmt may spread over lines.
fn message_ids_asked_for() -> std::collections::BTreeSet<String> {
    let mut ids = std::collections::BTreeSet::new();
    for file in rust_files(&root().join("src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (start, _) in text.match_indices("text!(") {
            let call = &text[start..];
            // The id is the first string literal of the call.
            let Some(open) = call.find('"') else { continue };
            let rest = &call[open + 1..];
            let Some(close) = rest.find('"') else {
                continue;
            };
            let id = &rest[..close];
            if !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                ids.insert(id.to_owned());
            }
        }
    }
    ids
}

#[test]
fn every_message_the_code_asks_for_is_in_english_and_every_english_one_is_asked_for() {
    use helpdesk::language::Language;
    let english: std::collections::BTreeSet<String> = helpdesk::i18n::translations()
        .ids(Language::English)
        .map(str::to_owned)
        .collect();
    let asked = message_ids_asked_for();
    assert!(asked.len() > 50, "the scan found only {asked:?}");
    let missing: Vec<_> = asked.difference(&english).collect();
    assert!(
        missing.is_empty(),
        "asked for but not in English: {missing:?}"
    );
    // The slash commands' names and descriptions are looked up by the
    // command's own name (`cmd-<name>`, `cmd-<name>-description`), which
    // `discord::locale`'s tests check against the registered commands.
    let unused: Vec<_> = english
        .difference(&asked)
        .filter(|id| !id.starts_with("cmd-"))
        .collect();
    assert!(
        unused.is_empty(),
        "in English but never asked for: {unused:?}"
    );
}
