//! How well the matcher does on questions it was not built from
//! (`tests/data/heldout.jsonl` and `tests/data/heldout-fresh.jsonl`), and
//! how well it picks dialogue answers out of questions
//! (`tests/data/slots.jsonl`).
//!
//! `cargo test --test matcher_quality -- --nocapture` prints the figures
//! and every miss.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use helpdesk::assistant::Brain;
use helpdesk::evaluation::{self, RealQuestion, Split, Tally};
use helpdesk::knowledge::Knowledge;
use helpdesk::language::{Detector, Language};
use helpdesk::matcher::{Match, Matcher, DEFAULT_THRESHOLD};
use serde::Deserialize;

use common::Heldout;

/// Each held-out set must meet these: top-1 accuracy on the questions the
/// knowledge answers, and "no entry" on those it does not.
/// The team-written sets' in-scope floors are at the measured figures. They
/// were 0.915 and 0.906 before the four entries that split their topics
/// (switch-protocol, leave-on-server, pop-folders, export-mail) and the
/// answers' rewrite; the real corpus below is now the measure that counts.
const TARGET_ACCURACY: [(&str, f64); 2] = [("heldout.jsonl", 0.85), ("heldout-fresh.jsonl", 0.80)];
const TARGET_ABSTENTION: f64 = 0.90;
/// Each slot set must have this share of its lines exactly right.
const TARGET_SLOT_LINES: f64 = 0.85;
const MAX_WRONG_SLOTS: f64 = 0.05;

fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(|| Knowledge::load_dir(&common::knowledge_dir()).unwrap())
}

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| Matcher::new(knowledge()))
}

fn key(question: &str) -> String {
    question.trim().to_lowercase()
}

fn rate(hits: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        hits as f64 / total as f64
    }
}

/// Every held-out question, from all sets.
fn all_heldout() -> Vec<Heldout> {
    common::HELDOUT_SETS
        .iter()
        .flat_map(|name| common::read_jsonl::<Heldout>(&common::data_file(name)))
        .collect()
}

#[test]
fn heldout_data_has_the_required_shape() {
    let first = common::heldout();
    let out_of_scope = first.iter().filter(|q| q.entry.is_none()).count();
    let chat = first.iter().filter(|q| q.style == "chat").count();
    assert!(first.len() >= 200, "{} questions", first.len());
    assert!(out_of_scope >= 50, "{out_of_scope} out of scope");
    assert!(chat >= 30, "{chat} in chat style");
    let questions = all_heldout();
    for question in &questions {
        assert!(
            ["plain", "chat"].contains(&question.style.as_str()),
            "style {:?} of {:?}",
            question.style,
            question.question
        );
        assert!(!question.question.trim().is_empty());
        if let Some(entry) = &question.entry {
            assert!(
                knowledge().entry(entry).is_some(),
                "{:?} expects unknown entry `{entry}`",
                question.question
            );
        }
    }
    let mut seen = BTreeSet::new();
    let repeated: Vec<_> = questions
        .iter()
        .filter(|q| !seen.insert(key(&q.question)))
        .map(|q| q.question.as_str())
        .collect();
    assert!(repeated.is_empty(), "asked twice: {repeated:#?}");
}

#[test]
fn heldout_questions_are_not_entry_examples() {
    let examples: BTreeMap<String, &str> = knowledge()
        .entries()
        .iter()
        .flat_map(|entry| entry.examples.iter().map(|e| (key(e), entry.id.as_str())))
        .collect();
    let leaked: Vec<String> = all_heldout()
        .iter()
        .filter_map(|q| {
            examples
                .get(&key(&q.question))
                .map(|entry| format!("{:?} is an example of `{entry}`", q.question))
        })
        .collect();
    assert!(
        leaked.is_empty(),
        "held-out questions that are examples: {leaked:#?}"
    );
}

#[test]
fn heldout_questions_are_not_out_of_scope_examples() {
    let examples: BTreeMap<String, &str> = knowledge()
        .out_of_scope()
        .iter()
        .flat_map(|topic| topic.examples.iter().map(|e| (key(e), topic.id.as_str())))
        .collect();
    let leaked: Vec<String> = all_heldout()
        .iter()
        .filter_map(|q| {
            examples
                .get(&key(&q.question))
                .map(|topic| format!("{:?} is an example of out-of-scope `{topic}`", q.question))
        })
        .collect();
    assert!(
        leaked.is_empty(),
        "held-out questions that are examples: {leaked:#?}"
    );
}

/// Scores one held-out set, prints its figures and misses, and returns
/// what falls short of the targets.
fn score_set(name: &str) -> Vec<String> {
    let matcher = matcher();
    let questions: Vec<Heldout> = common::read_jsonl(&common::data_file(name));
    let mut in_scope = Tally::default();
    let mut abstained = Tally::default();
    let mut chat_in_scope = Tally::default();
    let mut chat_out_of_scope = Tally::default();
    let mut misses = Vec::new();
    for question in &questions {
        let found = matcher.find(&question.question);
        let hit = found.entry == question.entry;
        match &question.entry {
            Some(_) => in_scope.add(hit),
            None => abstained.add(hit),
        }
        if question.style == "chat" {
            match &question.entry {
                Some(_) => chat_in_scope.add(hit),
                None => chat_out_of_scope.add(hit),
            }
        }
        if !hit {
            misses.push(format!(
                "  expected {:<17} got {:<17} ({:.3}) [{}] {:?}",
                question.entry.as_deref().unwrap_or("no entry"),
                found.entry.as_deref().unwrap_or("no entry"),
                found.confidence,
                question.style,
                question.question
            ));
        }
    }
    println!("{name}: {} questions", questions.len());
    println!("  in scope, top-1 accuracy:      {in_scope}");
    println!("  out of scope, \"no entry\" rate: {abstained}");
    println!("  chat style, in scope:          {chat_in_scope}");
    println!("  chat style, out of scope:      {chat_out_of_scope}");
    println!("  misses ({}):", misses.len());
    for miss in &misses {
        println!("  {miss}");
    }
    let mut failures = Vec::new();
    for (what, score, target) in [
        (
            "in-scope top-1 accuracy",
            &in_scope,
            TARGET_ACCURACY
                .iter()
                .find(|(set, _)| *set == name)
                .map_or(0.90, |(_, floor)| *floor),
        ),
        (
            "out-of-scope \"no entry\" rate",
            &abstained,
            TARGET_ABSTENTION,
        ),
    ] {
        let verdict = if score.rate() >= target {
            "meets"
        } else {
            failures.push(format!("{name}: {what} {score} < {target}"));
            "BELOW"
        };
        println!("  {what} {:.3} {verdict} the target {target}", score.rate());
    }
    failures
}

#[test]
fn matcher_answers_heldout_questions() {
    let failures: Vec<String> = common::HELDOUT_SETS
        .iter()
        .flat_map(|name| score_set(name))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("; "));
}

/// One line of `tests/data/slots.jsonl`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotCase {
    question: String,
    slots: BTreeMap<String, String>,
}

/// The slot sets: `slots.jsonl`, the first, and `slots-fresh.jsonl`,
/// written later without reading the knowledge or the first set. The
/// dialogue's phrases (regular expressions then) were revised after
/// reading the misses of both, so neither is unseen any more.
const SLOT_SETS: [&str; 2] = ["slots.jsonl", "slots-fresh.jsonl"];

#[test]
fn matcher_extracts_the_slots_stated_in_questions() {
    let failures: Vec<String> = SLOT_SETS
        .iter()
        .flat_map(|name| score_slots(name))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("; "));
}

/// Scores one slot set, prints its figures and misses, and returns what
/// falls under the floors.
fn score_slots(name: &str) -> Vec<String> {
    let matcher = matcher();
    let cases: Vec<SlotCase> = common::read_jsonl(&common::data_file(name));
    assert!(cases.len() >= 30, "{name}: {} slot cases", cases.len());
    let dialogue = knowledge().dialogue("which-protocol").unwrap();
    for case in &cases {
        for (slot, value) in &case.slots {
            let question = dialogue
                .question(slot)
                .unwrap_or_else(|| panic!("{:?} expects unknown slot `{slot}`", case.question));
            assert!(
                question.accepts(value),
                "{:?}: {slot}={value}",
                case.question
            );
        }
    }

    let mut exact = 0;
    let mut mentions = 0;
    let mut wrong = 0;
    let mut missed = 0;
    let mut misses = Vec::new();
    for case in &cases {
        let found = matcher.slots(&case.question);
        mentions += case.slots.len();
        missed += case
            .slots
            .keys()
            .filter(|slot| !found.contains_key(*slot))
            .count();
        // A value other than the stated one, or one for a slot not
        // mentioned at all: either way the dialogue would skip a question
        // with the wrong answer.
        wrong += found
            .iter()
            .filter(|(slot, value)| case.slots.get(*slot) != Some(*value))
            .count();
        if found == case.slots {
            exact += 1;
        } else {
            misses.push(format!(
                "  expected {:?} got {:?}: {:?}",
                case.slots, found, case.question
            ));
        }
    }
    let line_rate = rate(exact, cases.len());
    let wrong_rate = rate(wrong, mentions);
    println!(
        "{name}: slot lines exactly right: {line_rate:.3} ({exact}/{})",
        cases.len()
    );
    println!(
        "  slot mentions: {mentions}, missed {missed}, wrong values {wrong} ({wrong_rate:.3})"
    );
    println!("  misses ({}):", misses.len());
    for miss in &misses {
        println!("  {miss}");
    }
    let verdict = if line_rate >= TARGET_SLOT_LINES {
        "meets"
    } else {
        "BELOW"
    };
    println!("  slot lines {line_rate:.3} {verdict} the target {TARGET_SLOT_LINES}");
    let mut failures = Vec::new();
    if wrong_rate > MAX_WRONG_SLOTS {
        failures.push(format!(
            "{name}: wrong values for {wrong} of {mentions} slot mentions"
        ));
    }
    if line_rate < TARGET_SLOT_LINES {
        failures.push(format!(
            "{name}: slots exactly right on {exact} of {} lines ({line_rate:.3} < {TARGET_SLOT_LINES})",
            cases.len()
        ));
    }
    failures
}

// ------------------------------------------------------- real questions

/// The real-question corpus: questions people wrote in public places
/// (`tests/data/real/README.md`).
fn real_questions() -> Vec<RealQuestion> {
    evaluation::read_corpus(&common::data_file("real/questions.jsonl")).unwrap()
}

/// Floors on the real `test` split, at the measured figures: a change that
/// answers real people worse fails here. The split is never read to tune.
const REAL_TEST_IN_SCOPE: f64 = 0.54;
const REAL_TEST_NO_ENTRY: f64 = 0.72;

#[test]
fn the_real_corpus_has_the_required_shape() {
    let questions = real_questions();
    assert!(questions.len() >= 400, "{} questions", questions.len());
    let outside = questions.iter().filter(|q| q.expected().is_none()).count();
    assert!(
        outside * 4 >= questions.len(),
        "{outside} of {} out of scope",
        questions.len()
    );
    let test = questions.iter().filter(|q| q.split == Split::Test).count();
    assert!(test >= 150, "{test} in the test split");
    let places = ["issue-tracker", "forum", "qa-site", "mailing-list", "other"];
    let mut ids = BTreeSet::new();
    let mut texts = BTreeSet::new();
    for question in &questions {
        assert!(ids.insert(question.id.clone()), "id {} twice", question.id);
        assert!(
            texts.insert(key(&question.text)),
            "asked twice: {:?}",
            question.id
        );
        assert!(!question.text.trim().is_empty(), "{}", question.id);
        assert!(
            question.url.starts_with("http"),
            "{}: {}",
            question.id,
            question.url
        );
        assert!(
            places.contains(&question.place.as_str()),
            "{}: {}",
            question.id,
            question.place
        );
        if let Some(entry) = question.expected() {
            assert!(
                knowledge().entry(entry).is_some(),
                "{} expects unknown entry `{entry}`",
                question.id
            );
        }
    }
}

#[test]
fn no_real_test_question_nearly_repeats_a_knowledge_example() {
    let examples: Vec<&str> = knowledge()
        .entries()
        .iter()
        .flat_map(|entry| entry.examples.iter().map(String::as_str))
        .chain(
            knowledge()
                .out_of_scope()
                .iter()
                .flat_map(|topic| topic.examples.iter().map(String::as_str)),
        )
        .collect();
    // Only ids are printed: the test split's text is not for reading.
    let questions = real_questions();
    let leaked: Vec<&str> = questions
        .iter()
        .filter(|q| q.split == Split::Test)
        .filter(|q| {
            examples
                .iter()
                .any(|e| evaluation::nearly_repeats(&q.text, e))
        })
        .map(|q| q.id.as_str())
        .collect();
    assert!(
        leaked.is_empty(),
        "test questions that nearly repeat an example: {leaked:?}"
    );
}

fn print_score(name: &str, score: &evaluation::Score) {
    println!("{name}:");
    println!("  in scope, top-1 accuracy:      {}", score.in_scope);
    println!("  out of scope, \"no entry\" rate: {}", score.no_entry);
    for (place, (in_scope, no_entry)) in &score.by_place {
        println!("    {place:<14} in scope {in_scope}, no entry {no_entry}");
    }
}

/// Fails unless `score` is at its floors: in-scope top-1 and "no entry".
fn assert_floors(name: &str, score: &evaluation::Score, in_scope: f64, no_entry: f64) {
    assert!(
        score.in_scope.rate() >= in_scope,
        "{name}, in scope: {} < {in_scope}",
        score.in_scope
    );
    assert!(
        score.no_entry.rate() >= no_entry,
        "{name}, no entry: {} < {no_entry}",
        score.no_entry
    );
}

#[test]
fn matcher_answers_real_questions() {
    let questions = real_questions();
    let split = |wanted: Split| questions.iter().filter(move |q| q.split == wanted);
    print_score("real dev", &evaluation::score(matcher(), split(Split::Dev)));
    let test = evaluation::score(matcher(), split(Split::Test));
    print_score("real test", &test);
    assert_floors(
        "real test split",
        &test,
        REAL_TEST_IN_SCOPE,
        REAL_TEST_NO_ENTRY,
    );
}

/// The shipped knowledge's files with every entry's and out-of-scope
/// topic's `phrases` taken out (dialogue answers keep theirs: they pick
/// answers, not entries).
fn knowledge_without_phrases() -> Knowledge {
    let root = common::knowledge_dir();
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for item in std::fs::read_dir(&dir).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let relative = path.strip_prefix(&root).unwrap().to_path_buf();
            let text = if relative.parent() == Some(std::path::Path::new("")) {
                without_phrase_lists(&text)
            } else {
                text
            };
            files.push(helpdesk::knowledge::SourceFile {
                path: relative,
                text,
            });
        }
    }
    Knowledge::from_files(&root, files).unwrap()
}

/// `text` without its `phrases = [ … ]` lists, one line or several.
fn without_phrase_lists(text: &str) -> String {
    let mut kept = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if inside {
            inside = line.trim_end() != "]";
            continue;
        }
        if let Some(list) = line.strip_prefix("phrases = [") {
            inside = !list.trim_end().ends_with(']');
            continue;
        }
        kept.push(line);
    }
    kept.join("\n") + "\n"
}

#[test]
fn the_phrase_lists_are_removed_whole() {
    let text = "id = \"a\"\nphrases = ['x', 'y']\nkeywords = [\"k\"]\nphrases = [\n  'p',\n  'q',\n]\nexamples = []\n";
    assert_eq!(
        without_phrase_lists(text),
        "id = \"a\"\nkeywords = [\"k\"]\nexamples = []\n"
    );
    let plain = knowledge_without_phrases();
    assert!(plain.entries().iter().all(|e| e.phrases.is_empty()));
    assert!(plain.out_of_scope().iter().all(|t| t.phrases.is_empty()));
    assert_eq!(plain.entries().len(), knowledge().entries().len());
}

/// Floors for the knowledge without phrases, at the measured figures: the
/// same in scope as with them (0.542), 6.4 points lower on "no entry"
/// (0.656 against 0.720). The out-of-scope topics' phrases are what keeps
/// look-alikes away; the aim of "within five points" is missed on that side.
const REAL_TEST_NO_PHRASES_IN_SCOPE: f64 = 0.54;
const REAL_TEST_NO_PHRASES_NO_ENTRY: f64 = 0.65;

/// Phrases sharpen the matcher; they must not carry it.
#[test]
fn without_phrases_the_real_test_split_stays_near_the_floors() {
    let matcher = Matcher::new(&knowledge_without_phrases());
    let questions = real_questions();
    let test = evaluation::score(
        &matcher,
        questions.iter().filter(|q| q.split == Split::Test),
    );
    print_score("real test, no phrases", &test);
    assert_floors(
        "real test split, without phrases",
        &test,
        REAL_TEST_NO_PHRASES_IN_SCOPE,
        REAL_TEST_NO_PHRASES_NO_ENTRY,
    );
}

// ------------------------------------------------------- plain knowledge

/// A help desk's own plain knowledge (`tests/data/plain`, written from the
/// shipped knowledge by `benches/plain_knowledge.py`): titles, keywords,
/// answers and ten team-written examples an entry; no phrases, no
/// out-of-scope topics, no real questions.
fn plain_knowledge() -> Knowledge {
    Knowledge::load_dir(&common::data_file("plain")).unwrap()
}

/// Floors for the plain knowledge on the real `test` split at the default
/// threshold, at the measured figures.
const PLAIN_TEST_IN_SCOPE: f64 = 0.25;
const PLAIN_TEST_NO_ENTRY: f64 = 0.87;

#[test]
fn plain_knowledge_routes_real_questions() {
    let plain = plain_knowledge();
    assert_eq!(plain.entries().len(), knowledge().entries().len());
    assert!(plain.out_of_scope().is_empty());
    for entry in plain.entries() {
        // Written from the shipped entry, and still in step with it.
        let shipped = knowledge().entry(&entry.id).unwrap();
        assert_eq!(
            (&entry.title, &entry.keywords, entry.body.trim()),
            (&shipped.title, &shipped.keywords, shipped.body.trim()),
            "{}: run benches/plain_knowledge.py again",
            entry.id
        );
        assert_eq!(entry.examples, shipped.examples[..10], "{}", entry.id);
        assert!(entry.phrases.is_empty() && entry.tags.is_empty() && entry.dialogue.is_none());
    }

    let questions = real_questions();
    let matcher = Matcher::new(&plain);
    let split = |wanted: Split| questions.iter().filter(move |q| q.split == wanted);
    print_score(
        "plain knowledge, real dev",
        &evaluation::score(&matcher, split(Split::Dev)),
    );
    let test = evaluation::score(&matcher, split(Split::Test));
    print_score("plain knowledge, real test", &test);

    // The baselines' protocol (`benches/baselines.py`): the threshold
    // that maximises in-scope + "no entry" on dev, then test at it. Each
    // question is matched once, with no threshold, and scored at each.
    let open = Matcher::new(&plain).with_threshold(0.0);
    let found: HashMap<&str, Match> = questions
        .iter()
        .map(|q| (q.text.as_str(), open.find(&q.text)))
        .collect();
    let at = |threshold: f32, wanted: Split| {
        let answered = |text: &str| {
            let mut found = found[text].clone();
            found.entry = found.entry.filter(|_| found.confidence >= threshold);
            found
        };
        evaluation::score_with(answered, split(wanted))
    };
    let sum = |threshold: f32| {
        let dev = at(threshold, Split::Dev);
        dev.in_scope.rate() + dev.no_entry.rate()
    };
    let chosen = (0..100u8)
        .map(|step| f32::from(step) / 100.0)
        .fold(0.0, |best, t| if sum(t) > sum(best) { t } else { best });
    println!("plain knowledge, threshold chosen on dev: {chosen:.2}");
    for (name, wanted) in [("dev", Split::Dev), ("test", Split::Test)] {
        let score = at(chosen, wanted);
        println!(
            "  {name}: in scope {}, no entry {}",
            score.in_scope, score.no_entry
        );
    }
    // Routing alone: every question answered with its best entry.
    println!(
        "  no threshold: dev in scope {}, test in scope {}",
        at(0.0, Split::Dev).in_scope,
        at(0.0, Split::Test).in_scope
    );

    assert_floors(
        "plain knowledge, real test split",
        &test,
        PLAIN_TEST_IN_SCOPE,
        PLAIN_TEST_NO_ENTRY,
    );
}

// ---------------------------------------------------------------- languages

/// Each language's held-out questions (`tests/data/lang/<code>.jsonl`),
/// written apart from its knowledge, and the floors they are held to: the
/// figures measured when the set was first scored (see the README).
const LANGUAGE_FLOORS: [(Language, f64, f64); 2] = [
    (Language::German, GERMAN_IN_SCOPE, GERMAN_NO_ENTRY),
    (Language::Spanish, SPANISH_IN_SCOPE, SPANISH_NO_ENTRY),
];
const GERMAN_IN_SCOPE: f64 = 0.74;
const GERMAN_NO_ENTRY: f64 = 0.88;
const SPANISH_IN_SCOPE: f64 = 0.82;
const SPANISH_NO_ENTRY: f64 = 1.0;
/// Share of each set whose language is told from the question alone (and
/// of the English sets not taken for another language).
const LANGUAGE_DETECTED: f64 = 0.98;

fn language_questions(language: Language) -> Vec<RealQuestion> {
    let path = common::data_file(&format!("lang/{}.jsonl", language.code()));
    evaluation::read_corpus(&path).unwrap()
}

fn brain() -> &'static Brain {
    static BRAIN: OnceLock<Brain> = OnceLock::new();
    BRAIN.get_or_init(|| Brain::new(knowledge().clone(), DEFAULT_THRESHOLD))
}

#[test]
fn each_language_has_its_knowledge_and_a_held_out_set() {
    for (language, _, _) in LANGUAGE_FLOORS {
        assert!(
            knowledge().languages().contains(&language),
            "no knowledge/{language}/"
        );
        let questions = language_questions(language);
        let in_scope = questions.iter().filter(|q| q.expected().is_some()).count();
        let outside = questions.len() - in_scope;
        assert!(
            questions.len() >= 40,
            "{language}: {} questions",
            questions.len()
        );
        assert!(
            outside >= 10,
            "{language}: {outside} out-of-scope look-alikes"
        );
        for question in &questions {
            assert_eq!(question.split, Split::Test, "{}", question.id);
            if let Some(entry) = question.expected() {
                assert!(
                    knowledge().entry(entry).is_some(),
                    "{}: {entry}",
                    question.id
                );
            }
        }
    }
}

#[test]
fn no_language_test_question_nearly_repeats_its_knowledge() {
    for (language, _, _) in LANGUAGE_FLOORS {
        let own = knowledge().in_language(language);
        let examples: Vec<&str> = own
            .entries()
            .iter()
            .flat_map(|entry| entry.examples.iter().map(String::as_str))
            .chain(
                own.out_of_scope()
                    .iter()
                    .flat_map(|topic| topic.examples.iter().map(String::as_str)),
            )
            .collect();
        let leaked: Vec<String> = language_questions(language)
            .into_iter()
            .filter(|q| {
                examples
                    .iter()
                    .any(|e| evaluation::nearly_repeats(&q.text, e))
            })
            .map(|q| q.id)
            .collect();
        assert!(leaked.is_empty(), "{language}: {leaked:?}");
    }
}

#[test]
fn each_language_answers_its_held_out_questions() {
    let detector = Detector::new(&Language::ALL);
    for (language, in_scope_floor, no_entry_floor) in LANGUAGE_FLOORS {
        let questions = language_questions(language);
        let score = evaluation::score_with(|q| brain().find(q, language), &questions);
        print_score(&format!("{language} held-out"), &score);
        let detected = questions
            .iter()
            .filter(|q| detector.detect(&q.text) == Some(language))
            .count();
        let detected = rate(detected, questions.len());
        println!("  language told from the question alone: {detected:.3}");
        assert_floors(
            &language.to_string(),
            &score,
            in_scope_floor,
            no_entry_floor,
        );
        assert!(
            detected >= LANGUAGE_DETECTED,
            "{language}: detected {detected:.3}"
        );
    }
}

#[test]
fn english_held_out_questions_are_told_as_english() {
    let detector = Detector::new(&Language::ALL);
    let questions = all_heldout();
    let english = questions
        .iter()
        .filter(|q| detector.detect(&q.question) != Some(Language::German))
        .filter(|q| detector.detect(&q.question) != Some(Language::Spanish))
        .count();
    let share = rate(english, questions.len());
    println!("English held-out questions not taken for German or Spanish: {share:.3}");
    assert!(share >= LANGUAGE_DETECTED, "{share:.3}");
}
