//! The `helpdesk` binary, driven as a person or a script would: in an
//! empty folder (so the built-in knowledge is used) with its database in
//! that folder.

use crate::common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use helpdesk::language::Language;
use serde_json::Value;
use tempfile::TempDir;

struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_helpdesk"));
        command
            .args(args)
            .current_dir(self.path())
            .env("HELPDESK_DATABASE_URL", self.path().join("helpdesk.db"))
            .env("USER", "tester")
            .env_remove("HELPDESK_KNOWLEDGE")
            .env_remove("HELPDESK_THRESHOLD")
            .env_remove("HELPDESK_LANGUAGES")
            .env_remove("HELPDESK_DEFAULT_LANGUAGE")
            .env_remove("RUST_LOG");
        command
    }

    /// Starts the binary with all three standard streams piped.
    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Runs the binary with `stdin` as its standard input.
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self.spawn(args);
        let mut input = child.stdin.take().unwrap();
        let stdin = stdin.to_owned();
        // Written from a thread so a full stdout pipe cannot deadlock us.
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(stdin.as_bytes());
        });
        let output = child.wait_with_output().unwrap();
        writer.join().unwrap();
        output
    }

    /// Runs the binary and expects success.
    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let output = self.run(args, stdin);
        assert!(
            output.status.success(),
            "`helpdesk {}` failed: {}\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs the binary and expects failure; returns stdout and stderr.
    fn fails(&self, args: &[&str]) -> (String, String) {
        let output = self.run(args, "");
        assert!(
            !output.status.success(),
            "`helpdesk {}` succeeded:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout)
        );
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(items: &[&'a str]) -> BTreeSet<&'a str> {
    items.iter().copied().collect()
}

/// Checks one line of `ask --json` against the documented shape.
fn assert_ask_line(line: &Value, question: &str) {
    assert_eq!(
        keys(line),
        set(&[
            "question",
            "language",
            "entry",
            "confidence",
            "alternatives",
            "slots"
        ]),
        "{line}"
    );
    assert_eq!(line["question"], question);
    assert!(
        ["en", "de", "es"].contains(&line["language"].as_str().unwrap()),
        "{line}"
    );
    assert!(
        line["entry"].is_string() || line["entry"].is_null(),
        "{line}"
    );
    let confidence = line["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence), "{line}");
    for alternative in line["alternatives"].as_array().unwrap() {
        assert_eq!(keys(alternative), set(&["entry", "confidence"]), "{line}");
        assert!(alternative["entry"].is_string());
        assert!(
            alternative["confidence"].as_f64().unwrap() <= confidence,
            "{line}"
        );
        assert_ne!(alternative["entry"], line["entry"], "{line}");
    }
    for value in line["slots"].as_object().unwrap().values() {
        assert!(value.is_string(), "{line}");
    }
}

const ENTRY_EXAMPLE: &str = "should i use imap or pop3 for my new account";
const SEVERAL_DEVICES: &str = "I read mail on my phone and laptop, pop or imap?";
const NONSENSE: &str = "what hydration should my sourdough starter have";

#[test]
fn ask_json_answers_arguments() {
    let sandbox = Sandbox::new();
    let stdout = sandbox.ok(
        &["ask", "--json", ENTRY_EXAMPLE, SEVERAL_DEVICES, NONSENSE],
        "",
    );
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 3, "{stdout}");
    for (line, question) in lines.iter().zip([ENTRY_EXAMPLE, SEVERAL_DEVICES, NONSENSE]) {
        assert_ask_line(line, question);
    }
    assert_eq!(lines[0]["entry"], "which-protocol");
    assert_eq!(lines[1]["slots"]["devices"], "several", "{}", lines[1]);
    assert!(lines[2]["entry"].is_null(), "{}", lines[2]);
    assert!(lines[2]["slots"].as_object().unwrap().is_empty());
    // `ask` needs no database.
    assert!(!sandbox.path().join("helpdesk.db").exists());
}

#[test]
fn ask_json_says_which_language_each_question_was_matched_in() {
    let sandbox = Sandbox::new();
    let german = "Soll ich für meine E-Mails POP oder IMAP verwenden? Ich lese sie auf dem Handy und dem Laptop.";
    let spanish = "Mi buzón está lleno y los correos que me mandan rebotan, ¿qué hago?";
    let stdout = sandbox.ok(&["ask", "--json", german, spanish, ENTRY_EXAMPLE], "");
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 3, "{stdout}");
    for (line, question) in lines.iter().zip([german, spanish, ENTRY_EXAMPLE]) {
        assert_ask_line(line, question);
    }
    assert_eq!(lines[0]["language"], "de", "{}", lines[0]);
    assert_eq!(lines[0]["entry"], "which-protocol", "{}", lines[0]);
    assert_eq!(lines[1]["language"], "es", "{}", lines[1]);
    assert_eq!(lines[1]["entry"], "mailbox-quota", "{}", lines[1]);
    assert_eq!(lines[2]["language"], "en", "{}", lines[2]);

    // `--lang` matches every question in that language.
    let stdout = sandbox.ok(&["ask", "--json", "--lang", "es", ENTRY_EXAMPLE], "");
    assert_eq!(json_lines(&stdout)[0]["language"], "es", "{stdout}");
    let (_, stderr) = sandbox.fails(&["ask", "--lang", "fr", ENTRY_EXAMPLE]);
    assert!(stderr.contains("unknown language \"fr\""), "{stderr}");
}

#[test]
fn ask_json_reads_questions_from_stdin() {
    let sandbox = Sandbox::new();
    let stdin = format!("{ENTRY_EXAMPLE}\n\n   \n{NONSENSE}\n{SEVERAL_DEVICES}");
    let stdout = sandbox.ok(&["ask", "--json"], &stdin);
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 3, "blank lines are skipped: {stdout}");
    for (line, question) in lines.iter().zip([ENTRY_EXAMPLE, NONSENSE, SEVERAL_DEVICES]) {
        assert_ask_line(line, question);
    }
}

#[test]
fn ask_without_json_prints_one_line_per_question() {
    let sandbox = Sandbox::new();
    let stdout = sandbox.ok(&["ask", ENTRY_EXAMPLE, NONSENSE], "");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("which-protocol\t"), "{stdout}");
    assert!(lines[0].ends_with(ENTRY_EXAMPLE));
    assert!(lines[1].starts_with("-\t"), "{stdout}");
}

#[test]
fn ask_streams_20000_questions() {
    let sandbox = Sandbox::new();
    let pool: Vec<String> = common::heldout()
        .into_iter()
        .map(|q| q.question.replace(['\n', '\r'], " "))
        .filter(|q| !q.trim().is_empty())
        .collect();
    let questions: Vec<&str> = pool
        .iter()
        .map(String::as_str)
        .cycle()
        .take(20_000)
        .collect();
    let stdout = sandbox.ok(&["ask", "--json"], &(questions.join("\n") + "\n"));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 20_000);
    for (index, (line, question)) in lines.iter().zip(&questions).enumerate() {
        // Parsing every line is slow in a debug build; a sample shows the
        // order and shape are kept.
        if index % 97 == 0 || index == 19_999 {
            let line: Value = serde_json::from_str(line).unwrap();
            assert_ask_line(&line, question);
        }
    }
}

#[test]
fn recommend_json_gives_pop_for_one_offline_device_with_backups() {
    let sandbox = Sandbox::new();
    let stdout = sandbox.ok(
        &[
            "recommend",
            "--json",
            "devices=one",
            "offline=yes",
            "quota=no",
            "storage=no",
            "backups=yes",
        ],
        "",
    );
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 1, "{stdout}");
    let result = &lines[0];
    assert_eq!(
        keys(result),
        set(&[
            "recommendation",
            "reasons",
            "notes",
            "caveats",
            "warnings",
            "unanswered"
        ])
    );
    assert_eq!(result["recommendation"], "pop");
    // POP's own caveats come with it: the device holds the only copy.
    let caveats = result["caveats"].to_string().to_lowercase();
    assert!(caveats.contains("back it up"), "{caveats}");
    let reasons = result["reasons"].as_array().unwrap();
    assert!(!reasons.is_empty());
    assert!(reasons
        .iter()
        .all(|r| r.as_str().is_some_and(|r| !r.is_empty())));
    assert!(!result["warnings"].as_array().unwrap().is_empty());
    assert_eq!(result["unanswered"], serde_json::json!([]));
}

#[test]
fn recommend_json_lists_the_slots_it_did_not_need() {
    let sandbox = Sandbox::new();
    let stdout = sandbox.ok(&["recommend", "devices=several", "--json"], "");
    let result = &json_lines(&stdout)[0];
    assert_eq!(result["recommendation"], "imap");
    let unanswered: BTreeSet<&str> = result["unanswered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| slot.as_str().unwrap())
        .collect();
    assert_eq!(unanswered, set(&["offline", "quota", "storage", "backups"]));
}

#[test]
fn recommend_prints_a_readable_result() {
    let sandbox = Sandbox::new();
    let stdout = sandbox.ok(&["recommend", "devices=several"], "");
    assert!(stdout.starts_with("Recommendation: IMAP"), "{stdout}");
    assert!(
        stdout.contains("not needed: offline, quota, storage, backups"),
        "{stdout}"
    );
}

#[test]
fn recommend_refuses_bad_answers_listing_the_choices() {
    let sandbox = Sandbox::new();
    let (_, stderr) = sandbox.fails(&["recommend", "--json", "colour=red"]);
    assert!(stderr.contains("colour"), "{stderr}");
    for slot in ["devices", "offline", "quota", "storage", "backups"] {
        assert!(stderr.contains(slot), "`{slot}` missing from: {stderr}");
    }

    let (stdout, stderr) = sandbox.fails(&["recommend", "--json", "devices=three"]);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("three"), "{stderr}");
    assert!(stderr.contains("one, several, unsure"), "{stderr}");

    let (_, stderr) = sandbox.fails(&["recommend", "devices"]);
    assert!(stderr.contains("devices=one|several|unsure"), "{stderr}");

    let (_, stderr) = sandbox.fails(&["recommend", "--dialogue", "nope", "devices=one"]);
    assert!(stderr.contains("nope"), "{stderr}");
}

#[test]
fn check_passes_the_shipped_knowledge() {
    let sandbox = Sandbox::new();
    let dir = common::knowledge_dir();
    let stdout = sandbox.ok(&["check", dir.to_str().unwrap()], "");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("ok: "), "{stdout}");
    assert!(!stdout.contains("error:"), "{stdout}");
}

#[test]
fn check_warns_where_knowledge_names_a_front_end_control() {
    let sandbox = Sandbox::new();
    let dir = common::knowledge_dir();
    let shipped = sandbox.ok(&["check", dir.to_str().unwrap()], "");
    assert!(!shipped.contains("names the front end"), "{shipped}");

    let knowledge: PathBuf = sandbox.path().join("knowledge");
    common::copy_dir(&dir, &knowledge);
    edit(&knowledge.join("which-protocol.md"), |text| {
        format!("{}\nNot sure? Press **Help me choose**.\n", text.trim_end())
    });
    let stdout = sandbox.ok(&["check", knowledge.to_str().unwrap()], "");
    let warning = stdout
        .lines()
        .find(|line| line.contains("names the front end"))
        .unwrap_or_else(|| panic!("no warning: {stdout}"));
    assert!(warning.contains("which-protocol.md"), "{warning}");
    assert!(warning.contains("help me choose"), "{warning}");
}

#[test]
fn check_reports_the_dev_questions_each_entry_wins_and_loses_never_test_ones() {
    let sandbox = Sandbox::new();
    let corpus = sandbox.path().join("questions.jsonl");
    let row = |id: &str, text: &str, label: &str, split: &str| {
        serde_json::json!({"id": id, "text": text, "url": "https://example.org/t", "place": "forum", "label": label, "split": split}).to_string()
    };
    std::fs::write(
        &corpus,
        [
            row(
                "d1",
                "my mailbox is full and people get bounces",
                "mailbox-quota",
                "dev",
            ),
            row(
                "d2",
                "my mailbox is full and people get bounces, what now",
                "pop",
                "dev",
            ),
            row(
                "t1",
                "my mailbox is full and mail bounces back",
                "mailbox-quota",
                "test",
            ),
        ]
        .join("\n"),
    )
    .unwrap();
    let dir = common::knowledge_dir();
    let stdout = sandbox.ok(
        &[
            "check",
            dir.to_str().unwrap(),
            "--questions",
            corpus.to_str().unwrap(),
        ],
        "",
    );
    let quota = stdout
        .lines()
        .skip_while(|line| !line.contains("mailbox-quota.md"))
        .take_while(|line| {
            line.starts_with("knowledge")
                || line.starts_with(' ')
                || line.contains("mailbox-quota.md")
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(quota.contains("dev questions 1/1"), "{stdout}");
    assert!(quota.contains("takes: d2 (pop)"), "{stdout}");
    let pop = stdout
        .lines()
        .skip_while(|line| !line.contains("pop.md"))
        .nth(2)
        .unwrap_or_default();
    assert!(pop.contains("loses: d2 -> mailbox-quota"), "{stdout}");
    assert!(!stdout.contains("t1"), "a test row was shown: {stdout}");
    assert!(
        stdout.contains("dev questions: in scope, top-1 0.500 (1/2)"),
        "{stdout}"
    );
}

/// An editor trying a threshold sees its effect on the dev questions: a
/// question answered at the default gets "no entry" at a stricter one.
#[test]
fn check_scores_the_dev_questions_at_the_global_threshold() {
    let sandbox = Sandbox::new();
    let corpus = sandbox.path().join("questions.jsonl");
    let row = serde_json::json!({"id": "d1", "text": "my mailbox is full and people get bounces", "url": "https://example.org/t", "place": "forum", "label": "mailbox-quota", "split": "dev"});
    std::fs::write(&corpus, row.to_string()).unwrap();
    let dir = common::knowledge_dir();
    let check = |threshold: &str| {
        sandbox.ok(
            &[
                "--threshold",
                threshold,
                "check",
                dir.to_str().unwrap(),
                "--questions",
                corpus.to_str().unwrap(),
            ],
            "",
        )
    };
    let lenient = check("0.1");
    assert!(lenient.contains("in scope, top-1 1.000 (1/1)"), "{lenient}");
    let strict = check("0.999");
    assert!(strict.contains("in scope, top-1 0.000 (0/1)"), "{strict}");
}

fn edit(path: &Path, change: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let changed = change(text.clone());
    assert_ne!(changed, text, "{} did not change", path.display());
    std::fs::write(path, changed).unwrap();
}

#[test]
fn check_reports_every_problem_of_a_broken_copy_with_file_and_line() {
    let sandbox = Sandbox::new();
    let knowledge: PathBuf = sandbox.path().join("knowledge");
    common::copy_dir(&common::knowledge_dir(), &knowledge);
    // An unknown field on line 2, and a dangling `related` further down.
    edit(&knowledge.join("pop.md"), |text| {
        text.replacen("+++\n", "+++\ncolour = \"red\"\n", 1)
    });
    edit(&knowledge.join("imap.md"), |text| {
        text.replacen("related = [", "related = [\"no-such-entry\", ", 1)
    });
    let related_line = std::fs::read_to_string(knowledge.join("imap.md"))
        .unwrap()
        .lines()
        .position(|line| line.contains("no-such-entry"))
        .unwrap()
        + 1;

    // `check` with no folder checks ./knowledge.
    let (stdout, stderr) = sandbox.fails(&["check"]);
    let all = format!("{stdout}{stderr}");
    let pop = Path::new("knowledge").join("pop.md").display().to_string();
    let imap = Path::new("knowledge").join("imap.md").display().to_string();
    assert!(all.contains(&format!("{pop}:2: ")), "{all}");
    assert!(all.contains("colour"), "{all}");
    assert!(all.contains(&format!("{imap}:{related_line}: ")), "{all}");
    assert!(all.contains("no-such-entry"), "{all}");

    // Every command refuses the broken ./knowledge rather than guessing.
    let (_, stderr) = sandbox.fails(&["ask", "what is imap"]);
    assert!(stderr.contains(&pop), "{stderr}");
}

#[test]
fn chat_talks_in_the_language_of_the_first_question_or_of_lang() {
    let knowledge = helpdesk::knowledge::Knowledge::builtin().unwrap();
    let german = knowledge.in_language(Language::German);
    let dialogue = german.dialogue("which-protocol").unwrap();
    let text = |id: &str| helpdesk::i18n::translations().text(Language::German, id, None);
    let sandbox = Sandbox::new();
    let stdin = [
        "Soll ich für meine E-Mails POP oder IMAP nehmen? Ich richte gerade Thunderbird ein.",
        "j",
        "2",
        "j",
        "",
    ]
    .join("\n")
        + "\n";
    let stdout = sandbox.ok(&["chat"], &stdin);
    let title = &german.entry("which-protocol").unwrap().title;
    for expected in [
        title.as_str(),
        text("chat-offer-dialogue").as_str(),
        dialogue.questions[0].prompt.as_str(),
        dialogue.questions[0].options[1].label.as_str(),
        text("chat-did-this-help").as_str(),
        text("chat-thanks").as_str(),
        text("chat-bye").as_str(),
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("Did this help?"), "{stdout}");

    // `--lang es` from the greeting on, whatever the question's language.
    let stdout = sandbox.ok(&["chat", "--lang", "es"], &format!("{NONSENSE}\n\n"));
    let spanish = |id: &str| helpdesk::i18n::translations().text(Language::Spanish, id, None);
    let greeting = &knowledge.in_language(Language::Spanish).about().greeting;
    assert!(stdout.starts_with(greeting.as_str()), "{stdout}");
    assert!(stdout.contains(&spanish("chat-no-answer")), "{stdout}");
}

#[test]
fn chat_answers_runs_the_dialogue_takes_a_vote_and_records_it() {
    let sandbox = Sandbox::new();
    let stdin = [
        ENTRY_EXAMPLE,
        "y",
        "2",
        "n",
        "please add screenshots",
        NONSENSE,
        "",
    ]
    .join("\n")
        + "\n";
    let stdout = sandbox.ok(&["chat"], &stdin);
    for expected in [
        "Want me to help you choose",
        "1. How many devices",
        "1) Just one",
        "2) Several",
        "3) Not sure",
        "My recommendation: IMAP",
        "Did this help?",
        "How could this answer be improved?",
        "stored that with your vote",
        "list of unanswered questions",
        "Sorry, I don't have an answer",
        "Bye!",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }

    let stats = sandbox.ok(&["stats", "--json"], "");
    let stats = &json_lines(&stats)[0];
    assert_eq!(
        keys(stats),
        set(&[
            "answers",
            "unanswered",
            "votes",
            "entries",
            "recent_unanswered"
        ]),
        "{stats}"
    );
    // The entry shown, then the recommendation voted on.
    assert_eq!(stats["answers"], 2, "{stats}");
    assert_eq!(stats["unanswered"], 1, "{stats}");
    assert_eq!(
        stats["votes"],
        serde_json::json!({"helpful": 0, "not_helpful": 1})
    );
    let entries = stats["entries"].as_array().unwrap();
    for entry in entries {
        assert_eq!(
            keys(entry),
            set(&[
                "entry",
                "shown",
                "helpful",
                "not_helpful",
                "asker_helpful",
                "asker_not_helpful"
            ]),
            "{entry}"
        );
    }
    let recommendation = entries
        .iter()
        .find(|e| e["entry"] == "which-protocol:imap")
        .unwrap_or_else(|| panic!("no recommendation in {stats}"));
    assert_eq!(recommendation["shown"], 1);
    assert_eq!(recommendation["helpful"], 0);
    assert_eq!(recommendation["not_helpful"], 1);
    let shown: u64 = entries.iter().map(|e| e["shown"].as_u64().unwrap()).sum();
    assert_eq!(shown, 2, "{stats}");
    assert_eq!(stats["recent_unanswered"], serde_json::json!([NONSENSE]));

    let text = sandbox.ok(&["stats"], "");
    assert!(
        text.starts_with("2 answers shown, 1 questions unanswered"),
        "{text}"
    );
    assert!(text.contains(NONSENSE), "{text}");
}

#[test]
fn chat_ends_cleanly_when_input_ends_mid_dialogue() {
    let sandbox = Sandbox::new();
    let stdout = sandbox.ok(&["chat"], &format!("{ENTRY_EXAMPLE}\ny\n"));
    assert!(stdout.contains("1. How many devices"), "{stdout}");
    assert!(stdout.trim_end().ends_with("Bye!"), "{stdout}");
}

#[test]
fn stats_on_a_fresh_database_are_empty() {
    let sandbox = Sandbox::new();
    let stats = sandbox.ok(&["stats", "--json"], "");
    assert_eq!(
        json_lines(&stats)[0],
        serde_json::json!({
            "answers": 0,
            "unanswered": 0,
            "votes": {"helpful": 0, "not_helpful": 0},
            "entries": [],
            "recent_unanswered": [],
        })
    );
}

#[test]
fn stats_chart_writes_a_png_and_still_prints_the_text() {
    let sandbox = Sandbox::new();
    chat_with_comment_and_question(&sandbox, "more detail please", NONSENSE);
    let chart = sandbox.path().join("stats.png");
    let text = sandbox.ok(&["stats", "--chart", chart.to_str().unwrap()], "");
    assert!(
        text.contains("answers shown, 1 questions unanswered"),
        "{text}"
    );
    let png = std::fs::read(&chart).expect("the chart is written");
    assert_eq!(
        common::png_size(&png),
        (helpdesk::chart::WIDTH, helpdesk::chart::HEIGHT)
    );

    // A place it cannot be written is an error naming it.
    let (_, stderr) = sandbox.fails(&["stats", "--chart", "/nonexistent/folder/stats.png"]);
    assert!(stderr.contains("/nonexistent/folder/stats.png"), "{stderr}");
}

#[test]
fn export_writes_votes_with_comments_and_unanswered_questions_as_json_and_csv() {
    let sandbox = Sandbox::new();
    let stdin = [
        ENTRY_EXAMPLE,
        "y",
        "2",
        "n",
        "please add screenshots",
        NONSENSE,
        "",
    ]
    .join("\n")
        + "\n";
    sandbox.ok(&["chat"], &stdin);

    let export: Value = serde_json::from_str(&sandbox.ok(&["export"], "")).unwrap();
    assert_eq!(
        keys(&export),
        set(&["entries", "votes", "unanswered"]),
        "{export}"
    );
    let votes = export["votes"].as_array().unwrap();
    assert_eq!(votes.len(), 1, "{export}");
    assert_eq!(votes[0]["entry"], "which-protocol:imap");
    assert_eq!(votes[0]["helpful"], false);
    assert_eq!(votes[0]["comment"], "please add screenshots");
    let unanswered = export["unanswered"].as_array().unwrap();
    assert_eq!(unanswered.len(), 1, "{export}");
    assert_eq!(unanswered[0]["question"], NONSENSE);
    let shown: u64 = export["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["shown"].as_u64().unwrap())
        .sum();
    assert_eq!(shown, 2, "{export}");

    let folder = sandbox.path().join("export");
    let folder_arg = folder.to_str().unwrap();
    sandbox.ok(&["export", "--format", "csv", "--output", folder_arg], "");
    let votes_csv = std::fs::read_to_string(folder.join("votes.csv")).unwrap();
    let mut lines = votes_csv.lines();
    assert_eq!(
        lines.next(),
        Some("answer_id,entry,helpful,comment,voted_at")
    );
    let row = lines.next().expect("one vote row");
    assert!(
        row.contains(",which-protocol:imap,false,please add screenshots,"),
        "{row}"
    );
    assert_eq!(lines.next(), None);
    let unanswered_csv = std::fs::read_to_string(folder.join("unanswered.csv")).unwrap();
    assert!(unanswered_csv.contains(NONSENSE), "{unanswered_csv}");
    let entries_csv = std::fs::read_to_string(folder.join("entries.csv")).unwrap();
    assert!(
        entries_csv
            .starts_with("entry,shown,helpful,not_helpful,asker_helpful,asker_not_helpful\n"),
        "{entries_csv}"
    );
    // The vote was the asker's own: counted apart from bystanders' too.
    assert!(
        entries_csv.contains("\nwhich-protocol:imap,1,0,1,0,1\n"),
        "{entries_csv}"
    );

    let (_, stderr) = sandbox.fails(&["export", "--format", "csv"]);
    assert!(stderr.contains("--output"), "{stderr}");
}

/// A question a spreadsheet would run as a formula.
const FORMULA: &str = r#"=HYPERLINK("http://x","x")"#;
/// A comment a spreadsheet would run as a formula.
const AT_COMMENT: &str = "@SUM(1+1) is what my sheet shows";

/// A chat with one vote carrying `comment` and one unanswered `question`,
/// as the user `terminal:tester`.
fn chat_with_comment_and_question(sandbox: &Sandbox, comment: &str, question: &str) {
    let stdin = [ENTRY_EXAMPLE, "y", "2", "n", comment, question, ""].join("\n") + "\n";
    sandbox.ok(&["chat"], &stdin);
}

/// The rows of a CSV file as cells, header first.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The cell of `column` in the first data row.
fn first_cell(rows: &[Vec<String>], column: &str) -> String {
    let index = rows[0]
        .iter()
        .position(|name| name == column)
        .unwrap_or_else(|| panic!("no column {column} in {:?}", rows[0]));
    rows[1][index].clone()
}

#[test]
fn csv_export_cells_never_start_a_formula() {
    let sandbox = Sandbox::new();
    chat_with_comment_and_question(&sandbox, AT_COMMENT, FORMULA);
    let folder = sandbox.path().join("export");
    sandbox.ok(
        &[
            "export",
            "--format",
            "csv",
            "--output",
            folder.to_str().unwrap(),
        ],
        "",
    );
    let unanswered = csv_rows(&folder.join("unanswered.csv"));
    assert_eq!(unanswered.len(), 2, "{unanswered:?}");
    assert_eq!(first_cell(&unanswered, "question"), format!("'{FORMULA}"));
    let votes = csv_rows(&folder.join("votes.csv"));
    assert_eq!(first_cell(&votes, "comment"), format!("'{AT_COMMENT}"));
    for file in ["entries.csv", "votes.csv", "unanswered.csv"] {
        for row in csv_rows(&folder.join(file)) {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{file}: {cell:?}"
                );
            }
        }
    }
    // JSON is no spreadsheet: the text stays as it was written.
    let export: Value = serde_json::from_str(&sandbox.ok(&["export"], "")).unwrap();
    assert_eq!(export["unanswered"][0]["question"], FORMULA);
    assert_eq!(export["votes"][0]["comment"], AT_COMMENT);
}

#[test]
fn exports_carry_user_ids_only_when_asked() {
    const USER: &str = "terminal:tester";
    let sandbox = Sandbox::new();
    chat_with_comment_and_question(&sandbox, "more screenshots please", NONSENSE);
    let csv_files = |folder: &Path| {
        ["entries.csv", "votes.csv", "unanswered.csv"]
            .map(|file| std::fs::read_to_string(folder.join(file)).unwrap())
            .join("\n")
    };

    let json = sandbox.ok(&["export"], "");
    assert!(json.contains(NONSENSE), "{json}");
    assert!(!json.contains(USER) && !json.contains("user_id"), "{json}");
    let plain = sandbox.path().join("plain");
    sandbox.ok(
        &[
            "export",
            "--format",
            "csv",
            "--output",
            plain.to_str().unwrap(),
        ],
        "",
    );
    let text = csv_files(&plain);
    assert!(text.contains(NONSENSE), "{text}");
    assert!(!text.contains(USER) && !text.contains("user_id"), "{text}");

    let export: Value =
        serde_json::from_str(&sandbox.ok(&["export", "--with-user-ids"], "")).unwrap();
    assert_eq!(export["votes"][0]["user_id"], USER, "{export}");
    assert_eq!(export["unanswered"][0]["user_id"], USER, "{export}");
    let with_ids = sandbox.path().join("with-ids");
    sandbox.ok(
        &[
            "export",
            "--format",
            "csv",
            "--with-user-ids",
            "--output",
            with_ids.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(
        first_cell(&csv_rows(&with_ids.join("votes.csv")), "user_id"),
        USER
    );
    assert_eq!(
        first_cell(&csv_rows(&with_ids.join("unanswered.csv")), "user_id"),
        USER
    );
}

#[cfg(unix)]
#[test]
fn the_database_and_export_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let sandbox = Sandbox::new();
    chat_with_comment_and_question(&sandbox, "more screenshots please", NONSENSE);
    let database = sandbox.path().join("helpdesk.db");
    assert_eq!(mode(&database), 0o600, "the database file");
    for suffix in ["-wal", "-shm"] {
        let companion = sandbox.path().join(format!("helpdesk.db{suffix}"));
        if companion.exists() {
            assert_eq!(mode(&companion), 0o600, "{}", companion.display());
        }
    }

    let json = sandbox.path().join("export.json");
    sandbox.ok(&["export", "--output", json.to_str().unwrap()], "");
    assert_eq!(mode(&json), 0o600, "a new JSON export");
    std::fs::set_permissions(&json, std::fs::Permissions::from_mode(0o644)).unwrap();
    sandbox.ok(&["export", "--output", json.to_str().unwrap()], "");
    assert_eq!(mode(&json), 0o600, "an overwritten JSON export");

    let folder = sandbox.path().join("exports/csv");
    sandbox.ok(
        &[
            "export",
            "--format",
            "csv",
            "--output",
            folder.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(mode(&folder), 0o700, "the folder it created");
    for file in ["entries.csv", "votes.csv", "unanswered.csv"] {
        assert_eq!(mode(&folder.join(file)), 0o600, "{file}");
    }
}

#[test]
fn migrate_applies_the_migrations_once() {
    let sandbox = Sandbox::new();
    let first = sandbox.ok(&["migrate"], "");
    let applied: usize = first.split_whitespace().next().unwrap().parse().unwrap();
    assert!(applied >= 1, "{first}");
    let again = sandbox.ok(&["migrate"], "");
    assert!(again.starts_with("0 migration(s) applied"), "{again}");
}

#[test]
fn healthcheck_fails_when_no_bot_answers() {
    let sandbox = Sandbox::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    sandbox.fails(&["healthcheck", "--addr", &closed]);
}

#[test]
fn a_line_that_is_not_utf8_is_reported_and_the_rest_answered() {
    let sandbox = Sandbox::new();
    let mut child = sandbox.spawn(&["ask", "--json"]);
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(b"should i use pop or imap\n\xff\xfe broken\nmy mailbox is full\n")
        .unwrap();
    drop(input);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let answered = json_lines(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(answered.len(), 2, "{answered:?}");
    assert_eq!(answered[1]["question"], "my mailbox is full");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("line 2"), "{stderr}");
}

#[test]
fn a_slot_answered_twice_is_an_error_naming_it() {
    let sandbox = Sandbox::new();
    let (_, stderr) = sandbox.fails(&["recommend", "devices=one", "devices=several"]);
    assert!(stderr.contains("`devices` is answered twice"), "{stderr}");
}

#[test]
fn each_cause_of_an_error_is_said_once() {
    let sandbox = Sandbox::new();
    let (_, stderr) = sandbox.fails(&["--database", "/nonexistent/folder/helpdesk.db", "stats"]);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    let parts: Vec<&str> = line.split(": ").collect();
    let mut seen = BTreeSet::new();
    let repeated: Vec<&&str> = parts.iter().filter(|part| !seen.insert(**part)).collect();
    assert!(repeated.is_empty(), "{line}");
    assert!(line.contains("/nonexistent/folder/helpdesk.db"), "{line}");
}

#[test]
fn a_reader_that_stops_reading_ends_the_program_quietly() {
    let sandbox = Sandbox::new();
    let mut child = sandbox.spawn(&["ask", "--json"]);
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for _ in 0..20_000 {
            if input.write_all(b"my mailbox is full\n").is_err() {
                break;
            }
        }
    });
    // Read one line, then close the pipe, as `head -1` does.
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(first.contains("mailbox-quota"), "{first}");
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `serve` with its environment complete (a database, the shipped
/// knowledge) but for a reachable Discord: it fails soon either way; the
/// error says which setting it used.
fn serve_fails(sandbox: &Sandbox, args: &[&str]) -> String {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge");
    let mut child = sandbox
        .command(args)
        .env("HELPDESK_KNOWLEDGE", shipped)
        .env("DISCORD_TOKEN", "test-token")
        .env("DISCORD_API_BASE", "http://127.0.0.1:9")
        .env("HELPDESK_HTTP_ADDR", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("`helpdesk {}` did not stop", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(50)); // polling a child
    }
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn serve_honours_the_global_flags_over_the_environment() {
    let sandbox = Sandbox::new();
    let missing = sandbox.path().join("no-such-folder").join("helpdesk.db");
    let database = format!("sqlite://{}", missing.display());
    let stderr = serve_fails(&sandbox, &["--database", &database, "serve"]);
    assert!(stderr.contains("opening the database"), "{stderr}");
    assert!(!missing.exists());

    let stderr = serve_fails(&sandbox, &["--threshold", "1.5", "serve"]);
    assert!(
        stderr.contains("HELPDESK_THRESHOLD (--threshold) is malformed: must be between 0 and 1"),
        "{stderr}"
    );

    let stderr = serve_fails(&sandbox, &["--languages", "en,fr", "serve"]);
    assert!(
        stderr.contains("HELPDESK_LANGUAGES (--languages) is malformed: unknown language \"fr\""),
        "{stderr}"
    );
    let stderr = serve_fails(
        &sandbox,
        &["--languages", "en,de", "--default-language", "es", "serve"],
    );
    assert!(
        stderr.contains("HELPDESK_DEFAULT_LANGUAGE (--default-language) is malformed: `es` is not one of HELPDESK_LANGUAGES (en,de)"),
        "{stderr}"
    );

    let knowledge = sandbox.path().join("no-knowledge-here");
    let stderr = serve_fails(
        &sandbox,
        &["--knowledge", knowledge.to_str().unwrap(), "serve"],
    );
    assert!(stderr.contains("no-knowledge-here"), "{stderr}");
}

#[test]
fn gaps_group_unanswered_questions_biggest_first() {
    let sandbox = Sandbox::new();
    assert_eq!(sandbox.ok(&["gaps"], ""), "no unanswered questions\n");
    sandbox.ok(
        &["chat"],
        "how do I set up DKIM signing for my domain\n\
         my calendar does not sync to my phone\n\
         DKIM signing for my domain fails, how do I set it up?\n",
    );
    let stdout = sandbox.ok(&["gaps", "--json"], "");
    let gaps: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let counts: Vec<u64> = gaps.iter().map(|g| g["count"].as_u64().unwrap()).collect();
    assert_eq!(counts, [2, 1], "{stdout}");
    let samples = gaps[0]["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 2);
    assert!(
        samples.iter().all(|s| s.as_str().unwrap().contains("DKIM")),
        "{stdout}"
    );
    assert!(gaps[1]["samples"][0].as_str().unwrap().contains("calendar"));
    let text = sandbox.ok(&["gaps"], "");
    assert!(text.starts_with("2 times, "), "{text}");
}
