//! Loading and validation: every problem is reported with its file, its
//! line and what is wrong, all of a folder's problems at once.

use super::*;

const ROOT: &str = "kb";

/// The front matter of a valid entry, one field per line, so a test can
/// replace or drop a line and know where the problem is.
fn front_matter(id: &str) -> Vec<String> {
    vec![
        format!("id = \"{id}\""),
        format!("title = \"All about {id}\""),
        "tags = [\"test\"]".to_owned(),
        format!("keywords = [\"{id}\", \"widgets\", \"gadgets\"]"),
        "examples = [".to_owned(),
        format!("  \"what is {id}\","),
        format!("  \"how does {id} work\","),
        format!("  \"explain {id} to me\","),
        format!("  \"is {id} any good\","),
        format!("  \"tell me about {id}\","),
        format!("  \"why would i use {id}\","),
        format!("  \"{id} help please\","),
        format!("  \"where do i find {id}\","),
        "]".to_owned(),
    ]
}

fn assemble_entry(front: &[String], body: &str) -> String {
    format!("+++\n{}\n+++\n{body}\n", front.join("\n"))
}

fn entry_text(id: &str) -> String {
    assemble_entry(&front_matter(id), &format!("{id} is a fine thing."))
}

/// An entry whose front matter gains `extra` lines after `id`.
fn entry_with(id: &str, extra: &[&str]) -> String {
    let mut front = front_matter(id);
    for (offset, line) in extra.iter().enumerate() {
        front.insert(1 + offset, (*line).to_owned());
    }
    assemble_entry(&front, &format!("{id} is a fine thing."))
}

fn file(path: &str, text: impl Into<String>) -> SourceFile {
    SourceFile {
        path: PathBuf::from(path),
        text: text.into(),
    }
}

fn load(files: Vec<SourceFile>) -> Result<Knowledge, LoadErrors> {
    Knowledge::from_files(Path::new(ROOT), files)
}

/// The errors of a set of files that must not load.
fn errors_of(files: Vec<SourceFile>) -> Vec<KnowledgeError> {
    match load(files) {
        Ok(knowledge) => panic!(
            "expected errors, loaded {:?}",
            knowledge
                .entries()
                .iter()
                .map(|e| &e.id)
                .collect::<Vec<_>>()
        ),
        Err(LoadErrors(errors)) => errors,
    }
}

/// The 1-based line of the first line of `text` containing `needle`,
/// counted here independently of the parser.
fn line_in(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` is not in the text"))
        + 1
}

/// The one error of a single broken entry `path`, alongside a valid one.
fn single_error(path: &str, text: &str) -> KnowledgeError {
    let errors = errors_of(vec![file("good.md", entry_text("good")), file(path, text)]);
    assert_eq!(
        errors.len(),
        1,
        "expected exactly one error, got {errors:#?}"
    );
    let error = errors.into_iter().next().unwrap();
    assert_eq!(error.file, Path::new(ROOT).join(path), "{error}");
    error
}

fn assert_mentions(error: &KnowledgeError, words: &[&str]) {
    for word in words {
        assert!(
            error.message.contains(word),
            "error `{error}` does not mention `{word}`"
        );
    }
}

#[test]
fn valid_files_load() {
    let knowledge = load(vec![
        file("alpha.md", entry_text("alpha")),
        file("beta.md", entry_text("beta")),
        file("README.md", "not an entry"),
        file("notes.txt", "ignored"),
    ])
    .unwrap();
    let ids: Vec<_> = knowledge.entries().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["alpha", "beta"]);
    let alpha = knowledge.entry("alpha").unwrap();
    assert_eq!(alpha.title, "All about alpha");
    assert_eq!(alpha.examples.len(), 8);
    assert_eq!(alpha.body, "alpha is a fine thing.");
    assert!(knowledge.entry("gamma").is_none());
}

#[test]
fn missing_opening_fence_is_reported_on_line_1() {
    let text = entry_text("broken").replacen("+++\n", "", 1);
    let error = single_error("broken.md", &text);
    assert_eq!(error.line, Some(1));
    assert_mentions(&error, &["+++"]);
}

#[test]
fn missing_closing_fence_is_reported() {
    let text = entry_text("broken");
    let cut = text.rfind("+++").unwrap();
    let text = format!("{}{}", &text[..cut], &text[cut + 4..]);
    assert_eq!(text.matches("+++").count(), 1);
    let error = single_error("broken.md", &text);
    assert_eq!(error.line, Some(1));
    assert_mentions(&error, &["+++"]);
}

#[test]
fn unknown_field_is_named_on_its_line() {
    let text = entry_with("broken", &["colour = \"red\""]);
    let error = single_error("broken.md", &text);
    assert_mentions(&error, &["colour"]);
    assert_eq!(error.line, Some(line_in(&text, "colour")), "{error}");
}

#[test]
fn missing_field_is_named() {
    let mut front = front_matter("broken");
    front.retain(|line| !line.starts_with("title"));
    let text = assemble_entry(&front, "Body.");
    let error = single_error("broken.md", &text);
    assert_mentions(&error, &["title"]);
    let line = error
        .line
        .expect("a missing field points at the front matter");
    let closing_fence = text.lines().skip(1).position(|l| l == "+++").unwrap() + 2;
    assert!((1..=closing_fence).contains(&line), "{error}");
}

#[test]
fn bad_toml_is_reported_on_its_line() {
    let mut front = front_matter("broken");
    front[3] = "keywords = [\"never closed\", ".to_owned() + "= oops";
    let text = assemble_entry(&front, "Body.");
    let error = single_error("broken.md", &text);
    assert_eq!(error.line, Some(line_in(&text, "never closed")), "{error}");
    assert!(!error.message.is_empty());
}

#[test]
fn duplicate_ids_across_two_files_are_reported() {
    // Folder paths are unique, so only two files given the same path can
    // carry the same id without a file-name error.
    let errors = errors_of(vec![
        file("dup.md", entry_text("dup")),
        file("dup.md", entry_text("dup")),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_mentions(&errors[0], &["duplicate id `dup`"]);
    assert_eq!(errors[0].line, Some(2));
}

#[test]
fn id_must_match_the_file_name() {
    let text = entry_text("other-name");
    let error = single_error("entry.md", &text);
    assert_mentions(&error, &["other-name", "entry.md"]);
    assert_eq!(error.line, Some(line_in(&text, "id = ")), "{error}");
}

#[test]
fn invalid_id_characters_are_reported() {
    let text = entry_text("Bad_Id");
    let errors = errors_of(vec![file("Bad_Id.md", text)]);
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("lowercase letters, digits and dashes")),
        "{errors:#?}"
    );
}

#[test]
fn phrase_that_does_not_compile_is_reported_on_its_line() {
    let text = entry_with(
        "broken",
        &[
            "phrases = [",
            "  'fine words',",
            "  '(unclosed group',",
            "]",
        ],
    );
    let error = single_error("broken.md", &text);
    assert_eq!(error.line, Some(line_in(&text, "(unclosed")), "{error}");
    assert_mentions(&error, &["phrase `(unclosed group`", "never closed"]);
}

#[test]
fn phrase_with_an_unknown_class_is_reported_on_its_line() {
    // The same words appear earlier, in the keywords: the line is the
    // phrase's own.
    let text = entry_with(
        "broken",
        &[
            "keywords = [\"{gadget} help\", \"b\", \"c\"]",
            "phrases = ['fine', '{widget} help',",
            "  '{gadget} help']",
        ],
    )
    .replacen("keywords = [\"broken\", \"widgets\", \"gadgets\"]\n", "", 1);
    let vocabulary = "widget = [\"widget\", \"gizmo\"]\n";
    let errors = errors_of(vec![
        file("broken.md", text.clone()),
        file("vocabulary.toml", vocabulary),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = &errors[0];
    assert_eq!(error.file, Path::new(ROOT).join("broken.md"));
    assert_eq!(
        error.line,
        Some(line_in(&text, "  '{gadget} help']")),
        "{error}"
    );
    assert_mentions(error, &["unknown class `{gadget}`", "`{widget}`"]);
}

#[test]
fn phrases_use_the_vocabulary_s_classes() {
    let text = entry_with("gizmos", &["phrases = ['broken {widget}']"]);
    let vocabulary = "widget = [\"widget\", \"gizmo*\", \"{thing}\"]\nthing = [\"doohickey\"]\n";
    let knowledge = load(vec![
        file("gizmos.md", text),
        file("vocabulary.toml", vocabulary),
    ])
    .unwrap();
    let phrases = &knowledge.entry("gizmos").unwrap().phrases;
    assert_eq!(phrases.len(), 1);
    assert_eq!(phrases[0].source(), "broken {widget}");
    let set = crate::phrase::PhraseSet::new(phrases).unwrap();
    assert!(set.is_match("my broken gizmos"));
    assert!(set.is_match("a broken doohickey"));
    assert!(!set.is_match("a broken thing"));
}

#[test]
fn vocabulary_problems_are_reported_on_their_lines() {
    let vocabulary = "# Shared words.\nwidget = [\"widget\", \"{thing}\"]\n\
                      thing = [\"thing\",\n  \"(unclosed\",\n]\n\
                      loop-a = [\"a {loop-b}\"]\nloop-b = [\"b {loop-a}\"]\nempty = []\n";
    let text = entry_with(
        "gizmos",
        &["phrases = ['broken {widget}', 'a {thing}', 'x {loop-a}']"],
    );
    let errors = errors_of(vec![
        file("gizmos.md", text),
        file("vocabulary.toml", vocabulary),
    ]);
    // The classes' own problems, and nothing about the phrases using them.
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let on = |words: &str| {
        errors
            .iter()
            .find(|e| e.message.contains(words))
            .unwrap_or_else(|| panic!("no error says {words:?}: {errors:#?}"))
    };
    let unclosed = on("never closed");
    assert_eq!(unclosed.file, Path::new(ROOT).join("vocabulary.toml"));
    assert_eq!(unclosed.line, Some(line_in(vocabulary, "\"(unclosed")));
    assert_mentions(unclosed, &["class `thing`", "`(unclosed`"]);
    let cycle = on("uses itself");
    assert_mentions(cycle, &["{loop-b} → {loop-a} → {loop-b}"]);
    assert_eq!(cycle.line, Some(line_in(vocabulary, "loop-b = ")));
    assert_eq!(on("no values").line, Some(line_in(vocabulary, "empty = ")));
}

#[test]
fn a_vocabulary_that_is_not_toml_is_reported_once() {
    let text = entry_with("gizmos", &["phrases = ['broken {widget}']"]);
    let errors = errors_of(vec![
        file("gizmos.md", text),
        file("vocabulary.toml", "widget = \"widget\"\n"),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, Path::new(ROOT).join("vocabulary.toml"));
    assert_eq!(errors[0].line, Some(1));
}

#[test]
fn a_leftover_patterns_key_says_it_is_now_phrases() {
    let text = entry_with("old", &["patterns = ['\\bold\\b']"]);
    let error = single_error("old.md", &text);
    assert_eq!(error.line, Some(line_in(&text, "patterns = ")), "{error}");
    assert_mentions(&error, &["`patterns`", "now `phrases`"]);

    let dialogue = DIALOGUE.replace("phrases = ['small']", "patterns = ['\\bsmall\\b']");
    let error = single_dialogue_error(&dialogue);
    assert_eq!(
        error.line,
        Some(line_in(&dialogue, "patterns = ")),
        "{error}"
    );
    assert_mentions(&error, &["now `phrases`"]);

    let topics = "[[topics]]\nid = \"smtp\"\nkeywords = [\"smtp\"]\npatterns = ['\\bsmtp\\b']\n";
    let errors = errors_of(vec![
        file("ok.md", entry_text("ok")),
        file("out-of-scope.toml", topics),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].line, Some(4), "{}", errors[0]);
    assert_mentions(&errors[0], &["now `phrases`"]);
}

#[test]
fn out_of_scope_phrase_that_does_not_compile_is_reported_on_its_line() {
    let topics = "[[topics]]\nid = \"smtp\"\nkeywords = [\"smtp\"]\n\
                  phrases = ['smtp', 'relay (denied|)']\nexamples = [\"smtp help\"]\n";
    let errors = errors_of(vec![
        file("ok.md", entry_text("ok")),
        file("out-of-scope.toml", topics),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, Path::new(ROOT).join("out-of-scope.toml"));
    assert_eq!(errors[0].line, Some(4), "{}", errors[0]);
    assert_mentions(&errors[0], &["relay (denied|)", "empty alternative"]);
}

#[test]
fn dangling_related_is_reported_on_its_line() {
    let text = entry_with("broken", &["related = [\"good\", \"nowhere\"]"]);
    let error = single_error("broken.md", &text);
    assert_mentions(&error, &["nowhere"]);
    assert_eq!(error.line, Some(line_in(&text, "related")), "{error}");
}

#[test]
fn dangling_dialogue_is_reported_on_its_line() {
    let text = entry_with("broken", &["dialogue = \"ghost\""]);
    let error = single_error("broken.md", &text);
    assert_mentions(&error, &["ghost"]);
    assert_eq!(error.line, Some(line_in(&text, "dialogue")), "{error}");
}

#[test]
fn body_may_hold_4096_characters_not_more() {
    // Characters, not bytes: `é` is two bytes.
    let front = front_matter("long");
    let fits = assemble_entry(&front, &"é".repeat(MAX_BODY_CHARS));
    assert!(load(vec![file("long.md", fits)]).is_ok());

    let too_long = assemble_entry(&front, &"é".repeat(MAX_BODY_CHARS + 1));
    let error = single_error("long.md", &too_long);
    assert_mentions(&error, &["4097", "4096"]);
}

#[test]
fn empty_body_is_reported() {
    let text = assemble_entry(&front_matter("empty"), "   \n");
    let error = single_error("empty.md", &text);
    assert_mentions(&error, &["empty"]);
}

#[test]
fn fewer_than_8_examples_is_reported_on_the_examples_line() {
    let mut front = front_matter("short");
    front.remove(6);
    let text = assemble_entry(&front, "Body.");
    let error = single_error("short.md", &text);
    assert_mentions(&error, &["at least 8", "found 7"]);
    assert_eq!(error.line, Some(line_in(&text, "examples")), "{error}");
}

#[test]
fn fewer_than_3_keywords_is_reported() {
    let mut front = front_matter("few");
    front[3] = "keywords = [\"one\", \"two\"]".to_owned();
    let text = assemble_entry(&front, "Body.");
    let error = single_error("few.md", &text);
    assert_mentions(&error, &["keywords"]);
    assert_eq!(error.line, Some(line_in(&text, "keywords")), "{error}");
}

#[test]
fn every_problem_of_one_entry_is_reported() {
    let mut front = front_matter("other");
    front.remove(6);
    front.insert(1, "phrases = ['(broken']".to_owned());
    let text = assemble_entry(&front, "Body.");
    let errors = errors_of(vec![file("entry.md", text)]);
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

// ------------------------------------------------------------ dialogues

const DIALOGUE: &str = r#"id = "pick"
title = "Pick one"
intro = "Two questions."
default = "small-box"
warnings = ["Measure twice."]

[outcomes.small-box]
label = "Small box"
summary = "A small box will do."

[outcomes.big-box]
label = "Big box"
summary = "You need a big box."

[[questions]]
slot = "size"
prompt = "How big is it?"

[[questions.options]]
value = "small"
label = "Small"
phrases = ['small']

[[questions.options]]
value = "large"
label = "Large"

[[questions]]
slot = "fragile"
prompt = "Is it fragile?"

[[questions.options]]
value = "yes"
label = "Yes"

[[questions.options]]
value = "no"
label = "No"

[[rules]]
when = { size = "large" }
outcome = "big-box"
weight = 5
reason = "Large things need a big box."

[[rules]]
when = { fragile = "yes" }
outcome = "big-box"
weight = 1
reason = "Fragile things need padding."
"#;

fn with_dialogue(dialogue: &str) -> Vec<SourceFile> {
    vec![
        file("good.md", entry_with("good", &["dialogue = \"pick\""])),
        file("dialogues/pick.toml", dialogue),
    ]
}

/// The one error of a broken dialogue. No entry names the dialogue: one
/// that does also gets an error, as the dialogue does not load.
fn single_dialogue_error(dialogue: &str) -> KnowledgeError {
    let errors = errors_of(vec![
        file("good.md", entry_text("good")),
        file("dialogues/pick.toml", dialogue),
    ]);
    assert_eq!(
        errors.len(),
        1,
        "expected exactly one error, got {errors:#?}"
    );
    let error = errors.into_iter().next().unwrap();
    assert_eq!(error.file, Path::new(ROOT).join("dialogues/pick.toml"));
    error
}

#[test]
fn valid_dialogue_loads() {
    let knowledge = load(with_dialogue(DIALOGUE)).unwrap();
    let dialogue = knowledge.dialogue("pick").unwrap();
    assert_eq!(dialogue.questions.len(), 2);
    assert_eq!(
        dialogue.question("size").unwrap().values(),
        ["small", "large", UNSURE]
    );
    assert_eq!(
        knowledge.entry("good").unwrap().dialogue.as_deref(),
        Some("pick")
    );
}

#[test]
fn rule_with_unknown_slot_is_reported_on_its_reason() {
    let text = DIALOGUE.replace(
        "when = { fragile = \"yes\" }",
        "when = { colour = \"red\" }",
    );
    let error = single_dialogue_error(&text);
    assert_mentions(&error, &["unknown slot `colour`"]);
    assert_eq!(
        error.line,
        Some(line_in(&text, "Fragile things")),
        "{error}"
    );
}

#[test]
fn rule_with_unknown_value_is_reported_with_the_valid_ones() {
    let text = DIALOGUE.replace("when = { size = \"large\" }", "when = { size = \"huge\" }");
    let error = single_dialogue_error(&text);
    assert_mentions(&error, &["huge", "small, large, unsure"]);
    assert_eq!(error.line, Some(line_in(&text, "Large things")), "{error}");
}

#[test]
fn rule_with_unknown_outcome_is_reported() {
    let text = DIALOGUE.replace(
        "outcome = \"big-box\"\nweight = 1",
        "outcome = \"crate\"\nweight = 1",
    );
    assert_ne!(text, DIALOGUE);
    let error = single_dialogue_error(&text);
    assert_mentions(&error, &["unknown outcome `crate`"]);
    assert_eq!(
        error.line,
        Some(line_in(&text, "Fragile things")),
        "{error}"
    );
}

#[test]
fn notes_and_caveats_load_and_a_bad_note_is_reported_on_its_text() {
    let with_notes = format!(
        "{}\n[[notes]]\nwhen = {{ fragile = \"yes\" }}\noutcome = \"small-box\"\ntext = \"Wrap it well.\"\n",
        DIALOGUE.replace(
            "summary = \"A small box will do.\"",
            "summary = \"A small box will do.\"\ncaveats = [\"Check the lid.\"]"
        )
    );
    let knowledge = load(with_dialogue(&with_notes)).unwrap();
    let dialogue = knowledge.dialogue("pick").unwrap();
    assert_eq!(dialogue.notes.len(), 1);
    assert_eq!(dialogue.outcomes["small-box"].caveats, ["Check the lid."]);

    let broken = with_notes.replace("outcome = \"small-box\"\ntext", "outcome = \"bag\"\ntext");
    let error = single_dialogue_error(&broken);
    assert_mentions(&error, &["note names unknown outcome `bag`"]);
    assert_eq!(
        error.line,
        Some(line_in(&broken, "Wrap it well")),
        "{error}"
    );
}

#[test]
fn unknown_default_outcome_is_reported() {
    let text = DIALOGUE.replace("default = \"small-box\"", "default = \"bag\"");
    let error = single_dialogue_error(&text);
    assert_mentions(&error, &["bag"]);
    assert_eq!(error.line, Some(line_in(&text, "default")));
}

#[test]
fn option_label_may_hold_80_characters_not_more() {
    let fits = DIALOGUE.replace(
        "label = \"Small\"",
        &format!("label = \"{}\"", "s".repeat(80)),
    );
    assert_ne!(fits, DIALOGUE);
    assert!(load(with_dialogue(&fits)).is_ok());

    let label = "L".repeat(MAX_LABEL_CHARS + 1);
    let text = DIALOGUE.replace("label = \"Large\"", &format!("label = \"{label}\""));
    let error = single_dialogue_error(&text);
    assert_mentions(&error, &["80"]);
    assert_eq!(error.line, Some(line_in(&text, &label)), "{error}");
}

#[test]
fn dialogue_phrase_that_does_not_compile_is_reported_on_its_line() {
    let text = DIALOGUE.replace(
        "phrases = ['small']",
        "phrases = [\n  'tiny',\n  'small [',\n]",
    );
    let error = single_dialogue_error(&text);
    assert_mentions(&error, &["phrase `small [`", "never closed"]);
    assert_eq!(error.line, Some(line_in(&text, "'small [',")), "{error}");
}

#[test]
fn reserved_or_repeated_option_values_are_reported() {
    let reserved = DIALOGUE.replace("value = \"no\"", "value = \"unsure\"");
    assert_mentions(&single_dialogue_error(&reserved), &["`unsure`", "reserved"]);
    let repeated = DIALOGUE.replace("value = \"no\"", "value = \"yes\"");
    assert_mentions(&single_dialogue_error(&repeated), &["`yes`", "repeated"]);
}

#[test]
fn dialogue_id_must_match_the_file_name() {
    let errors = errors_of(vec![
        file("good.md", entry_text("good")),
        file("dialogues/other.toml", DIALOGUE),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_mentions(&errors[0], &["other.toml"]);
    assert_eq!(errors[0].line, Some(1));
}

#[test]
fn unknown_dialogue_field_is_reported_on_its_line() {
    let text = DIALOGUE.replace("intro = ", "colour = \"red\"\nintro = ");
    let error = single_dialogue_error(&text);
    assert_mentions(&error, &["colour"]);
    assert_eq!(error.line, Some(line_in(&text, "colour")), "{error}");
}

// ------------------------------------------------------------- folders

#[test]
fn every_error_of_a_folder_is_reported_at_once() {
    let errors = errors_of(vec![
        file("good.md", entry_text("good")),
        file(
            "no-fence.md",
            entry_text("no-fence").replacen("+++\n", "", 1),
        ),
        file("unknown.md", entry_with("unknown", &["colour = \"red\""])),
        file(
            "dangling.md",
            entry_with("dangling", &["related = [\"nowhere\"]"]),
        ),
        file(
            "dialogues/pick.toml",
            DIALOGUE.replace("size = \"large\"", "size = \"huge\""),
        ),
    ]);
    let files: BTreeSet<_> = errors.iter().map(|e| e.file.clone()).collect();
    for name in [
        "no-fence.md",
        "unknown.md",
        "dangling.md",
        "dialogues/pick.toml",
    ] {
        assert!(
            files.contains(&Path::new(ROOT).join(name)),
            "no error names {name}: {errors:#?}"
        );
    }
    assert!(errors.len() >= 4, "{errors:#?}");
}

#[test]
fn folder_errors_name_the_file_and_line_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dialogues")).unwrap();
    let unknown = entry_with("unknown", &["colour = \"red\""]);
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("good.md", &entry_text("good"));
    write(
        "no-fence.md",
        &entry_text("no-fence").replacen("+++\n", "", 1),
    );
    write("unknown.md", &unknown);
    write("misnamed.md", &entry_text("something-else"));
    write(
        "dialogues/pick.toml",
        &DIALOGUE.replace("size = \"large\"", "size = \"huge\""),
    );

    let LoadErrors(errors) = Knowledge::load_dir(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let expected = format!(
        "{}:{}: ",
        dir.path().join("unknown.md").display(),
        line_in(&unknown, "colour")
    );
    assert!(
        shown
            .iter()
            .any(|line| line.starts_with(&expected) && line.contains("colour")),
        "no `{expected}…colour` in {shown:#?}"
    );
    for name in ["no-fence.md", "misnamed.md", "dialogues/pick.toml"] {
        let path = dir.path().join(name).display().to_string();
        assert!(
            shown.iter().any(|line| line.starts_with(&path)),
            "no error names {path}: {shown:#?}"
        );
    }
    let report = LoadErrors(errors).to_string();
    assert!(
        report.starts_with("the knowledge has 4 errors:"),
        "{report}"
    );
}

#[test]
fn missing_folder_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let LoadErrors(errors) = Knowledge::load_dir(&missing).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].file, missing);
}

#[test]
fn folder_without_entries_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let LoadErrors(errors) = Knowledge::load_dir(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.contains("no entries"), "{}", errors[0]);
}

// --------------------------------------------------- shipped knowledge

const REQUIRED: [&str; 9] = [
    "imap",
    "pop",
    "which-protocol",
    "multiple-devices",
    "offline-access",
    "mailbox-quota",
    "mixing-protocols",
    "missing-email",
    "backups",
];

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

#[test]
fn builtin_knowledge_equals_the_shipped_folder() {
    let builtin = Knowledge::builtin().unwrap();
    let folder = Knowledge::load_dir(&shipped_dir()).unwrap();
    let ids = |k: &Knowledge| k.entries().iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&builtin), ids(&folder));
    let dialogue_ids = |k: &Knowledge| {
        k.dialogues()
            .iter()
            .map(|d| d.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(dialogue_ids(&builtin), dialogue_ids(&folder));
    assert_eq!(builtin.out_of_scope().len(), folder.out_of_scope().len());
    for entry in folder.entries() {
        let built = builtin.entry(&entry.id).unwrap();
        assert_eq!(built.examples, entry.examples, "{}", entry.id);
        assert_eq!(built.body, entry.body, "{}", entry.id);
    }
}

#[test]
fn shipped_knowledge_has_the_required_entries() {
    let knowledge = Knowledge::builtin().unwrap();
    for id in REQUIRED {
        let entry = knowledge
            .entry(id)
            .unwrap_or_else(|| panic!("the shipped knowledge has no `{id}` entry"));
        assert!(
            entry.examples.len() >= 8,
            "{id}: {} examples",
            entry.examples.len()
        );
        let chars = entry.body.chars().count();
        assert!(
            (1..=MAX_BODY_CHARS).contains(&chars),
            "{id}: {chars} characters"
        );
        assert!(!entry.title.trim().is_empty(), "{id}");
    }
    let offering: Vec<_> = knowledge
        .entries()
        .iter()
        .filter(|e| e.dialogue.as_deref() == Some("which-protocol"))
        .map(|e| e.id.as_str())
        .collect();
    assert!(offering.contains(&"which-protocol"), "{offering:?}");
    assert!(knowledge.dialogue("which-protocol").is_some());
}

#[test]
fn dangling_names_are_reported_on_the_line_that_names_them() {
    // `ghost` first appears in the keywords: the error still points at the
    // `related` and `dialogue` lines.
    let text = entry_with(
        "haunted",
        &[
            "keywords = [\"ghost\", \"spooky\", \"boo\"]",
            "related = [",
            "  \"ghost\",",
            "]",
            "dialogue = \"ghost\"",
        ],
    )
    .replacen(
        "keywords = [\"haunted\", \"widgets\", \"gadgets\"]\n",
        "",
        1,
    );
    let errors = errors_of(vec![file("haunted.md", text.clone())]);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let related = errors
        .iter()
        .find(|e| e.message.contains("related"))
        .unwrap();
    assert_eq!(
        related.line,
        Some(line_in(&text, "  \"ghost\",")),
        "{related}"
    );
    let dialogue = errors
        .iter()
        .find(|e| e.message.contains("dialogue"))
        .unwrap();
    assert_eq!(
        dialogue.line,
        Some(line_in(&text, "dialogue = ")),
        "{dialogue}"
    );
}

#[test]
fn id_problems_are_reported_on_the_id_line() {
    // The id also appears in the title, which comes first.
    let mut front = front_matter("other");
    front.swap(0, 1);
    front[0] = "title = \"other things\"".to_owned();
    let text = assemble_entry(&front, "Body.");
    let error = single_error("entry.md", &text);
    assert_mentions(&error, &["must match the file name"]);
    assert_eq!(error.line, Some(line_in(&text, "id = ")), "{error}");
}

#[test]
fn errors_come_in_file_order_whichever_thread_parsed_the_file() {
    // Sizes differ widely so the files are shared out between both
    // parsing threads, not in path order.
    let padded = |id: &str, padding: usize| {
        entry_with(id, &["colour = \"red\""]).replace(
            "is a fine thing.",
            &format!("is a fine thing.{}", " Really.".repeat(padding)),
        )
    };
    let files = vec![
        file("a.md", padded("a", 400)),
        file("b.md", padded("b", 0)),
        file("c.md", padded("c", 200)),
        file("d.md", padded("d", 10)),
        file("e.md", padded("e", 300)),
    ];
    let named: Vec<PathBuf> = errors_of(files).into_iter().map(|e| e.file).collect();
    let expected: Vec<PathBuf> = ["a.md", "b.md", "c.md", "d.md", "e.md"]
        .iter()
        .map(|name| Path::new(ROOT).join(name))
        .collect();
    assert_eq!(named, expected);
}

#[test]
fn every_shipped_phrase_loads_and_runs() {
    let knowledge = Knowledge::load_dir(&shipped_dir()).unwrap();
    let entries = knowledge.entries().iter().flat_map(|e| &e.phrases);
    let topics = knowledge.out_of_scope().iter().flat_map(|t| &t.phrases);
    let options = knowledge
        .dialogues()
        .iter()
        .flat_map(|d| &d.questions)
        .flat_map(|q| &q.options)
        .flat_map(|o| &o.phrases);
    let phrases: Vec<_> = entries.chain(topics).chain(options).collect();
    assert!(phrases.len() > 100, "only {} phrases", phrases.len());
    assert!(crate::phrase::PhraseSet::new(phrases).is_ok());
}

/// The regular-expression tokens a knowledge file may still hold: phrases
/// replaced every regex, and none should creep back.
const REGEX_TOKENS: [&str; 4] = ["(?:", "(?i)", "\\s", "\\b"];

#[test]
fn the_shipped_knowledge_holds_no_regular_expressions() {
    let mut found = Vec::new();
    for file in read_folder(&shipped_dir()).unwrap() {
        for (number, line) in file.text.lines().enumerate() {
            for token in REGEX_TOKENS {
                let count = line.matches(token).count();
                if count > 0 {
                    found.push(format!(
                        "{}:{}: {count} × `{token}`",
                        file.path.display(),
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "regex tokens in the knowledge:\n{}",
        found.join("\n")
    );
}

#[test]
fn an_entry_without_tags_loads_with_none() {
    // A help desk's own plain knowledge has titles, bodies, keywords and
    // examples; forum tags are an extra, not a requirement.
    let front: Vec<String> = front_matter("plain")
        .into_iter()
        .filter(|line| !line.starts_with("tags"))
        .collect();
    let knowledge = load(vec![file("plain.md", assemble_entry(&front, "Body."))]).unwrap();
    assert!(knowledge.entry("plain").unwrap().tags.is_empty());
}

#[test]
fn about_gives_the_greeting_and_scope_and_defaults_to_naming_no_topic() {
    let about =
        "greeting = \"Hello! Ask me about printers.\"\nscope = \"I know printers and toner.\"\n";
    let knowledge = load(vec![file("a.md", entry_text("a")), file(ABOUT_FILE, about)]).unwrap();
    assert_eq!(knowledge.about().greeting, "Hello! Ask me about printers.");
    assert_eq!(
        knowledge.about().scope.as_deref(),
        Some("I know printers and toner.")
    );

    let without = load(vec![file("a.md", entry_text("a"))]).unwrap();
    assert_eq!(without.about(), &About::default());
    assert_eq!(without.about().scope, None, "no topic the engine made up");
    let shipped = Knowledge::builtin().unwrap();
    assert!(shipped.about().scope.as_deref().unwrap().contains("IMAP"));
}

#[test]
fn a_bad_about_file_names_its_line_and_problem() {
    let text = "greeting = \"Hi!\"\nscope = \"\"\n";
    let errors = errors_of(vec![file("a.md", entry_text("a")), file(ABOUT_FILE, text)]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].file.ends_with(ABOUT_FILE));
    assert_eq!(errors[0].line, Some(line_in(text, "scope")));
    assert!(
        errors[0].message.contains("`scope`"),
        "{}",
        errors[0].message
    );

    let text = "greeting = \"Hi!\"\ntopics = \"mail\"\n";
    let errors = errors_of(vec![file("a.md", entry_text("a")), file(ABOUT_FILE, text)]);
    assert_eq!(errors[0].line, Some(line_in(text, "topics")));
    assert!(
        errors[0].message.contains("topics"),
        "{}",
        errors[0].message
    );

    let text = "scope = \"mail\"\n";
    let errors = errors_of(vec![file("a.md", entry_text("a")), file(ABOUT_FILE, text)]);
    assert!(
        errors[0].message.contains("greeting"),
        "{}",
        errors[0].message
    );
}

// ------------------------------------------------------------ translations

/// English knowledge with a dialogue, and its German translation of
/// `alpha` and the dialogue (`beta` left untranslated).
fn with_german(german_dialogue: &str) -> Vec<SourceFile> {
    vec![
        file("alpha.md", entry_with("alpha", &["dialogue = \"pick\""])),
        file("beta.md", entry_text("beta")),
        file("dialogues/pick.toml", DIALOGUE),
        file(
            "de/alpha.md",
            entry_with("alpha", &["dialogue = \"pick\""]).replace("All about", "Alles über"),
        ),
        file("de/dialogues/pick.toml", german_dialogue),
        file("de/about.toml", "greeting = \"Hallo!\"\n"),
    ]
}

#[test]
fn a_language_folder_is_that_language_s_translation() {
    let knowledge = load(with_german(
        &DIALOGUE.replace("How big is it?", "Wie groß ist es?"),
    ))
    .unwrap();
    assert_eq!(knowledge.language(), Language::English);
    assert_eq!(knowledge.languages(), [Language::English, Language::German]);
    let german = knowledge.in_language(Language::German);
    assert_eq!(german.language(), Language::German);
    assert_eq!(german.entry("alpha").unwrap().title, "Alles über alpha");
    assert!(german.entry("beta").is_none(), "beta was not translated");
    assert_eq!(german.about().greeting, "Hallo!");
    let prompt = &german.dialogue("pick").unwrap().questions[0].prompt;
    assert_eq!(prompt, "Wie groß ist es?");
    // A language without a folder is the English knowledge.
    let spanish = knowledge.in_language(Language::Spanish);
    assert_eq!(spanish.language(), Language::English);
    assert_eq!(
        knowledge.entries().len(),
        2,
        "translations are not entries of their own"
    );
}

#[test]
fn a_translated_entry_must_have_an_english_id() {
    let mut files = with_german(DIALOGUE);
    files.push(file("de/gamma.md", entry_text("gamma")));
    let errors = errors_of(files);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, Path::new(ROOT).join("de/gamma.md"));
    assert_eq!(errors[0].line, Some(2), "{}", errors[0]);
    assert_mentions(&errors[0], &["gamma", "English"]);
}

#[test]
fn a_translated_dialogue_must_decide_as_the_english_one_does() {
    let cases = [
        (
            DIALOGUE
                .replace("value = \"large\"", "value = \"huge\"")
                .replace("size = \"large\"", "size = \"huge\""),
            "options of `size`",
        ),
        (DIALOGUE.replace("weight = 5", "weight = 4"), "rules"),
        (
            DIALOGUE
                .replace("slot = \"fragile\"", "slot = \"heavy\"")
                .replace("fragile = \"yes\"", "heavy = \"yes\""),
            "questions",
        ),
    ];
    for (german, problem) in cases {
        let errors = errors_of(with_german(&german));
        assert_eq!(errors.len(), 1, "{problem}: {errors:#?}");
        assert_eq!(
            errors[0].file,
            Path::new(ROOT).join("de/dialogues/pick.toml")
        );
        assert_mentions(&errors[0], &["de", problem]);
    }
}

#[test]
fn an_error_in_a_translation_names_its_file_and_line() {
    let mut files = with_german(DIALOGUE);
    files.push(file(
        "de/beta.md",
        entry_with("beta", &["colour = \"blue\""]),
    ));
    let errors = errors_of(files);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, Path::new(ROOT).join("de/beta.md"));
    assert_eq!(errors[0].line, Some(3));
    assert_mentions(&errors[0], &["colour"]);
}

#[test]
fn the_shipped_translations_cover_every_entry_and_the_dialogue() {
    let knowledge = Knowledge::builtin().unwrap();
    for language in [Language::German, Language::Spanish] {
        let translation = knowledge.in_language(language);
        assert_eq!(translation.language(), language);
        for entry in knowledge.entries() {
            let translated = translation.entry(&entry.id);
            assert!(translated.is_some(), "{language}: no {}", entry.id);
            assert_ne!(
                translated.unwrap().body,
                entry.body,
                "{language}: {}",
                entry.id
            );
        }
        assert_eq!(translation.dialogues().len(), knowledge.dialogues().len());
    }
}

#[test]
fn a_translation_may_relate_to_an_entry_only_english_has() {
    let mut files = with_german(DIALOGUE);
    let german_alpha = entry_with("alpha", &["dialogue = \"pick\"", "related = [\"beta\"]"]);
    files[3] = file("de/alpha.md", german_alpha);
    let knowledge = load(files.clone()).unwrap();
    let german = knowledge.in_language(Language::German);
    assert_eq!(german.entry("alpha").unwrap().related, ["beta"]);

    files[3] = file(
        "de/alpha.md",
        entry_with("alpha", &["dialogue = \"pick\"", "related = [\"nope\"]"]),
    );
    let errors = errors_of(files);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, Path::new(ROOT).join("de/alpha.md"));
    assert_eq!(errors[0].line, Some(4));
    assert_mentions(&errors[0], &["nope"]);
}
