//! Property tests: the fuzz targets of `fuzz/` on stable Rust, with
//! proptest's inputs instead of libFuzzer's, so CI checks the same
//! invariants (`fuzz/src/checks.rs`, shared with the targets) in a few
//! seconds: the knowledge loader never panics and says where each problem
//! is, the matcher gives sound confidences on any Unicode, custom ids
//! round-trip, and the dialogue survives any sequence of events.
//!
//! Inputs the fuzzers found that once failed are kept below as plain tests.

#[path = "../../fuzz/src/checks.rs"]
mod checks;

use helpdesk::store::{AnswerId, SessionId};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use checks::{Choice, Event};
use helpdesk::discord::custom_id::Action;
use helpdesk::knowledge::{Dialogue, Knowledge, SourceFile};
use helpdesk::matcher::Matcher;
use proptest::prelude::*;

static SHIPPED: LazyLock<Knowledge> =
    LazyLock::new(|| Knowledge::builtin().expect("the built-in knowledge loads"));

static MATCHER: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(&SHIPPED));

static SHIPPED_FILES: LazyLock<Vec<SourceFile>> = LazyLock::new(|| {
    let files = checks::knowledge_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"));
    assert!(!files.is_empty());
    files
});

fn shipped_dialogue() -> &'static Dialogue {
    SHIPPED
        .dialogue(checks::SHIPPED_DIALOGUE)
        .expect("the shipped dialogue")
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Shrinking a slow case can take minutes; the first failure is
        // reported with its input either way.
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

/// Any string of up to `max` characters, control characters included
/// (`any::<String>()` leaves them out).
fn any_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..=max).prop_map(String::from_iter)
}

// ------------------------------------------------------------ knowledge

/// Pieces that make a knowledge file valid, almost valid, or broken.
fn toml_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "\n", "+++", "+++\n", "\"", "'", "[", "]", "{", "}", "=", " = ", "\\", ",",
            "#", "(", ")", "\u{feff}", "\r\n", "[[questions]]\n", "[[rules]]\n",
            "[outcomes.x]\n", "id = \"x\"\n", "title = \"\"\n", "tags = []\n",
            "keywords = [\"a\", \"b\", \"c\"]\n", "phrases = [\"(\"]\n",
            "phrases = ['ok [then] !of']\n", "phrases = ['{thing} ok']\n",
            "thing = [\"x\", \"{thing}\"]\n", "patterns = ['\\bok\\b']\n", "related = [\"nowhere\"]\n",
            "dialogue = \"which-protocol\"\n", "dialogue = \"none\"\n", "extra = 1\n",
            "examples = [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\"]\n",
            "value = \"unsure\"\n", "weight = -1\n", "weight = 4294967296\n",
        ])
        .prop_map(str::to_owned),
        1 => any_text(12),
        1 => "[a-z =\"\\[\\]\n]{0,16}",
    ]
}

fn toml_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(toml_piece(), 0..24).prop_map(|pieces| pieces.concat())
}

fn file_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any_text(200),
        toml_text(),
        (
            toml_text(),
            prop_oneof![any_text(40), Just("x".repeat(5000))]
        )
            .prop_map(|(front, body)| format!("+++\n{front}\n+++\n{body}")),
    ]
}

fn file_path() -> impl Strategy<Value = PathBuf> {
    let stem = prop_oneof![
        "[a-z0-9-]{1,12}",
        any_text(8),
        Just("which-protocol".to_owned())
    ]
    .prop_map(|stem| {
        let stem: String = stem
            .chars()
            .filter(|&c| c != '/' && c != '\\' && c != '\0')
            .collect();
        if stem.is_empty() {
            "x".to_owned()
        } else {
            stem
        }
    });
    (0..6u8, stem).prop_map(|(place, stem)| match place {
        0 => PathBuf::from(format!("{stem}.md")),
        1 => Path::new("dialogues").join(format!("{stem}.toml")),
        2 => PathBuf::from("out-of-scope.toml"),
        3 => PathBuf::from("vocabulary.toml"),
        4 => PathBuf::from("README.md"),
        _ => Path::new("notes").join(format!("{stem}.md")),
    })
}

/// (file, at, cut, insert): bytes `at..at + cut` of a shipped file
/// replaced.
fn edit() -> impl Strategy<Value = (usize, usize, usize, String)> {
    (
        any::<usize>(),
        0..6000usize,
        prop_oneof![Just(0usize), 0..64usize, 0..6000usize],
        prop_oneof![toml_piece(), any_text(16)],
    )
}

fn edited(file: &SourceFile, (_, at, cut, insert): &(usize, usize, usize, String)) -> String {
    checks::splice(&file.text, *at, *cut, insert)
}

proptest! {
    #![proptest_config(config(96))]

    /// One file, anywhere in the folder, with any text.
    #[test]
    fn loading_any_file_never_panics_and_locates_errors(
        path in file_path(),
        text in file_text(),
    ) {
        checks::knowledge(vec![SourceFile { path, text }]);
    }

    /// One shipped file, edited, on its own under its own name.
    #[test]
    fn loading_an_edited_shipped_file_locates_errors(edit in edit()) {
        let file = &SHIPPED_FILES[edit.0 % SHIPPED_FILES.len()];
        let text = edited(file, &edit);
        checks::knowledge(vec![SourceFile { path: file.path.clone(), text }]);
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// The whole shipped folder, edited, plus more files: ids, `related`
    /// and `dialogue` are checked across files.
    #[test]
    fn loading_the_edited_shipped_folder_locates_errors(
        edits in proptest::collection::vec(edit(), 0..3),
        extra in proptest::collection::vec((file_path(), file_text()), 0..2),
    ) {
        let mut files = SHIPPED_FILES.clone();
        for edit in &edits {
            let index = edit.0 % files.len();
            files[index].text = edited(&files[index], edit);
        }
        files.extend(extra.into_iter().map(|(path, text)| SourceFile { path, text }));
        checks::knowledge(files);
    }
}

#[test]
fn the_shipped_folder_loads_and_passes_the_checks() {
    assert!(checks::knowledge(SHIPPED_FILES.clone()));
}

#[test]
fn a_minimal_entry_loads_and_is_matched() {
    let text = "+++\nid = \"x\"\ntitle = \"X\"\ntags = []\nkeywords = [\"a\", \"b\", \"c\"]\n\
                examples = [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\"]\n\
                phrases = ['ok [then]']\n+++\nbody\n";
    let file = SourceFile {
        path: PathBuf::from("x.md"),
        text: text.to_owned(),
    };
    assert!(checks::knowledge(vec![file]));
}

/// Found by the `knowledge_loader` fuzz target: a key with no value at the
/// very end of a TOML file gave an error with an empty message
/// (`dialogues/x.toml:1: `); the parser describes nothing there.
#[test]
fn a_value_missing_at_the_end_of_a_file_is_described() {
    for (path, text) in [
        ("dialogues/x.toml", "ue ="),
        ("dialogues/x.toml", "id = \"x\"\ntitle = "),
        ("out-of-scope.toml", "topics ="),
        ("x.md", "+++\nid ="),
    ] {
        let file = SourceFile {
            path: PathBuf::from(path),
            text: text.to_owned(),
        };
        assert!(!checks::knowledge(vec![file.clone()]));
        let errors = Knowledge::from_files(Path::new("k"), vec![file]).unwrap_err();
        for error in &errors.0 {
            assert!(!error.message.trim().is_empty(), "{path}: {error:?}");
        }
    }
}

// ------------------------------------------------------------ matcher

/// Characters that normalisation drops or folds: zero-width, bidi
/// controls, combining marks, variation selectors, tags, compatibility
/// forms, odd spaces and apostrophes.
const TRICKY: &str = concat!(
    "\u{200b}\u{200c}\u{200d}\u{200e}\u{200f}\u{2060}\u{feff}\u{00ad}\u{034f}\u{061c}",
    "\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}",
    "\u{0300}\u{0301}\u{0336}\u{0489}\u{20dd}\u{fe0f}\u{e0041}\u{3000}\u{00a0}",
    "\u{2019}\u{02bc}'ﬁⅫ㎯ǅİßΣ\u{1f4e7}\r\t\u{0}\u{85}\u{1d400}Ｉ",
);

/// Mail words, typos and Discord markup, one space apart.
const WORDS: &str = concat!(
    "imap pop pop3 mail emails mailbox full quota phone laptop several devices offline ",
    "backup backups disappeared vanished server smtp outlook thunderbird storage never ",
    "without internet don't iamp disapear www.example.com https://x.y/z <@123> <:e:1> ",
    "@everyone <t:1:R> </kb:1> ``` ** || ＩＭＡＰ Café",
);

fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(TRICKY.chars().collect::<Vec<_>>()),
        2 => proptest::char::range('\u{0300}', '\u{036f}'),
        1 => proptest::char::range('\u{1ab0}', '\u{1aff}'),
        1 => any::<char>(),
    ]
}

/// Mail words drowned in invisible characters and marks.
fn flooded_question() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (
            prop::sample::select(WORDS.split(' ').collect::<Vec<_>>()),
            proptest::collection::vec(tricky_char(), 0..40),
        ),
        0..40,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .map(|(word, flood)| {
                let flood: String = flood.into_iter().collect();
                format!("{word}{flood} ")
            })
            .collect()
    })
}

/// Exactly `len` characters, mostly the tricky ones.
fn long_flood(len: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(tricky_char(), len..=len).prop_map(String::from_iter)
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn the_matcher_is_sound_on_any_unicode(question in any_text(300)) {
        checks::matcher_result(&MATCHER, &SHIPPED, &question);
    }

    #[test]
    fn the_matcher_is_sound_on_flooded_questions(question in flooded_question()) {
        checks::matcher_result(&MATCHER, &SHIPPED, &question);
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn the_matcher_is_sound_on_2000_characters(
        question in prop_oneof![any_text(2000), long_flood(2000)],
    ) {
        checks::matcher_result(&MATCHER, &SHIPPED, &question);
    }
}

#[test]
fn the_matcher_is_sound_on_floods_and_the_empty_question() {
    let floods = [
        String::new(),
        " ".repeat(2000),
        "\u{200b}".repeat(2000),
        "\u{202e}\u{2066}".repeat(1000),
        format!("e{}", "\u{0301}".repeat(1999)),
        "imap\u{0336}".repeat(400),
        "pop ".repeat(500),
        "é".repeat(10_000),
        "'".repeat(2000),
        "<@1>".repeat(500),
    ];
    for question in floods {
        checks::matcher_result(&MATCHER, &SHIPPED, &question);
    }
}

// ------------------------------------------------------------ custom ids

fn number() -> impl Strategy<Value = i64> {
    prop_oneof![
        1..100_000i64,
        any::<i64>(),
        Just(0),
        Just(i64::MAX),
        Just(i64::MIN)
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[a-z0-9_-]{1,12}", 1 => any_text(10), 1 => Just(String::new())]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (number(), any::<bool>()).prop_map(|(answer, helpful)| Action::Vote {
            answer: AnswerId(answer),
            helpful
        }),
        number().prop_map(|answer| Action::Choose {
            answer: AnswerId(answer)
        }),
        number().prop_map(|answer| Action::Human {
            answer: AnswerId(answer)
        }),
        number().prop_map(|answer| Action::Alternative {
            answer: AnswerId(answer)
        }),
        number().prop_map(|answer| Action::Improve {
            answer: AnswerId(answer)
        }),
        (number(), key(), key()).prop_map(|(session, slot, value)| Action::DialogueAnswer {
            session: SessionId(session),
            slot,
            value
        }),
        number().prop_map(|session| Action::DialogueBack {
            session: SessionId(session)
        }),
        number().prop_map(|session| Action::DialogueRestart {
            session: SessionId(session)
        }),
    ]
}

/// Texts shaped like ids: the right words, numbers canonical or not.
fn id_like() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        prop::sample::select(vec![
            "vote", "up", "down", "choose", "human", "alt", "improve", "dlg", "set", "back",
            "restart", "0", "07", "+7", "-7", "1", "", " 1", "devices", "several",
        ])
        .prop_map(str::to_owned),
        "[0-9]{1,20}",
        "[a-z_-]{0,8}",
        any_text(4),
    ];
    (
        prop_oneof![Just("hd1"), Just("hd0"), Just("HD1"), Just("")],
        proptest::collection::vec(part, 0..7),
    )
        .prop_map(|(prefix, parts)| {
            let mut id = prefix.to_owned();
            for part in parts {
                id.push(':');
                id.push_str(&part);
            }
            id
        })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn any_text_parses_or_is_refused_and_parsed_ids_are_canonical(
        id in prop_oneof![any_text(120), id_like()],
    ) {
        checks::custom_id_text(&id);
    }

    #[test]
    fn every_valid_action_round_trips_and_no_other_is_misread(action in action()) {
        checks::custom_id_action(&action);
    }
}

// ------------------------------------------------------------ dialogue

fn choice() -> impl Strategy<Value = Choice> {
    prop_oneof![
        3 => (0..16usize).prop_map(Choice::Known),
        1 => prop_oneof![
            Just("unsure".to_owned()),
            Just("Devices".to_owned()),
            Just("devices ".to_owned()),
            "[a-z]{0,8}",
            any_text(8),
        ]
        .prop_map(Choice::Text),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => (choice(), choice()).prop_map(|(slot, value)| Event::Answer { slot, value }),
        4 => (0..8usize).prop_map(Event::AnswerAsked),
        2 => Just(Event::Back),
        1 => Just(Event::Restart),
        1 => proptest::collection::vec((choice(), choice()), 0..6).prop_map(Event::Start),
    ]
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn the_dialogue_survives_any_sequence_of_events(
        events in proptest::collection::vec(event(), 0..24),
        finish in proptest::collection::vec(0..8usize, 0..6),
    ) {
        checks::dialogue_events(shipped_dialogue(), &events, &finish);
    }
}

#[test]
fn every_shipped_dialogue_can_be_answered_every_way() {
    for dialogue in SHIPPED.dialogues() {
        let mut outcomes = std::collections::BTreeSet::new();
        // Every way of answering with the first three values (all of
        // them, for the shipped dialogue), by value index per question asked.
        for code in 0..3usize.pow(5) {
            let finish: Vec<usize> = (0..5).map(|i| code / 3usize.pow(i) % 3).collect();
            outcomes.insert(checks::dialogue_events(dialogue, &[], &finish));
        }
        assert!(
            outcomes.len() > 1,
            "`{}` always says {outcomes:?}",
            dialogue.id
        );
    }
}

#[test]
fn stale_and_invalid_events_leave_the_dialogue_sound() {
    let events = [
        Event::Back,
        Event::Answer {
            slot: Choice::Text("devices".into()),
            value: Choice::Text("three".into()),
        },
        Event::Answer {
            slot: Choice::Text("colour".into()),
            value: Choice::Text("unsure".into()),
        },
        Event::Start(vec![
            (Choice::Text("devices".into()), Choice::Text("one".into())),
            (Choice::Text("quota".into()), Choice::Text("maybe".into())),
        ]),
        Event::Back,
        Event::AnswerAsked(0),
        Event::AnswerAsked(2),
        Event::Back,
        Event::Back,
        Event::Restart,
        Event::Answer {
            slot: Choice::Text("devices".into()),
            value: Choice::Text("several".into()),
        },
        Event::AnswerAsked(0),
    ];
    let outcome = checks::dialogue_events(shipped_dialogue(), &events, &[]);
    assert_eq!(outcome, "imap");
}
