//! Matcher benches: per-question latency on the shipped knowledge, loading
//! it (read and validated alone, and with the matcher built), and
//! per-question latency on a generated knowledge base of 10,000 entries.
//!
//! `cargo bench --bench matcher`. The matcher for the generated knowledge
//! is built once, outside the measurements, and its build time printed.

use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use helpdesk::assistant::Brain;
use helpdesk::knowledge::{Knowledge, SourceFile};
use helpdesk::language::Detector;
use helpdesk::matcher::{Matcher, DEFAULT_THRESHOLD};
use helpdesk_standin::rng::Rng;

fn manifest_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// About 50 held-out questions, spread over the file: long and short,
/// plain and chat style, answerable and not.
fn question_mix() -> Vec<String> {
    let text = std::fs::read_to_string(manifest_path("tests/data/heldout.jsonl")).unwrap();
    let all: Vec<String> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["question"].as_str().unwrap().to_owned()
        })
        .collect();
    let step = (all.len() / 50).max(1);
    all.into_iter().step_by(step).take(50).collect()
}

/// Every real question of the corpus (`tests/data/real/questions.jsonl`):
/// long, noisy posts, the kind the bot meets. Timing reads them all; it
/// tunes nothing.
fn real_questions() -> Vec<String> {
    texts_of("tests/data/real/questions.jsonl")
}

/// The `text` of every row of a corpus file.
fn texts_of(relative: &str) -> Vec<String> {
    let text = std::fs::read_to_string(manifest_path(relative)).unwrap();
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["text"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// Times one question per iteration, cycling through `questions`.
fn bench_questions(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    matcher: &Matcher,
    questions: &[String],
) {
    let mut next = 0;
    group.bench_function(name, |b| {
        b.iter(|| {
            let question = &questions[next % questions.len()];
            next += 1;
            black_box(matcher.find(black_box(question)))
        })
    });
}

/// Criterion's figure for a set of questions is their mean; a few very
/// long posts pull it up. This prints how the questions themselves spread:
/// every question is timed once a pass, in turn as criterion cycles them,
/// over 41 passes; each question's time is its median pass, and the
/// median, mean, 90th percentile and slowest of those are printed.
fn print_spread(name: &str, matcher: &Matcher, questions: &[String]) {
    const PASSES: usize = 41;
    let mut runs = vec![Vec::with_capacity(PASSES); questions.len()];
    for _ in 0..PASSES {
        for (question, runs) in questions.iter().zip(&mut runs) {
            let start = Instant::now();
            black_box(matcher.find(black_box(question)));
            runs.push(start.elapsed());
        }
    }
    let mut per_question: Vec<Duration> = runs
        .into_iter()
        .map(|mut runs| {
            runs.sort_unstable();
            runs[PASSES / 2]
        })
        .collect();
    per_question.sort_unstable();
    let mean = per_question.iter().sum::<Duration>() / per_question.len() as u32;
    let at = |share: f64| per_question[((per_question.len() - 1) as f64 * share) as usize];
    println!(
        "{name}: {} questions, each question's time: median {:.1?}, mean {:.1?}, 90th percentile {:.1?}, slowest {:.1?}",
        per_question.len(),
        at(0.5),
        mean,
        at(0.9),
        at(1.0)
    );
}

fn shipped(c: &mut Criterion) {
    let knowledge = Knowledge::load_dir(&manifest_path("knowledge")).unwrap();
    let matcher = Matcher::new(&knowledge);
    let questions = question_mix();
    let real = real_questions();
    print_spread("real questions", &matcher, &real);
    let mut group = c.benchmark_group("shipped");
    bench_questions(&mut group, "find_heldout_mix", &matcher, &questions);
    bench_questions(&mut group, "find_real_questions", &matcher, &real);
    // A German and a Spanish question: the language told from the text,
    // then that language's matcher (what `serve` does per message).
    let brain = Brain::new(knowledge.clone(), DEFAULT_THRESHOLD);
    let detector = Detector::new(brain.languages());
    let mut others: Vec<String> = ["de", "es"]
        .iter()
        .flat_map(|code| language_questions(code))
        .collect();
    others.sort();
    let mut next = 0;
    group.bench_function("detect_and_find_german_spanish", |b| {
        b.iter(|| {
            let question = &others[next % others.len()];
            next += 1;
            let language = detector.choose(black_box(question), &[]);
            black_box(brain.find(question, language))
        })
    });
    group.finish();
}

/// The held-out questions of one language (`tests/data/lang/`).
fn language_questions(code: &str) -> Vec<String> {
    texts_of(&format!("tests/data/lang/{code}.jsonl"))
}

fn loading(c: &mut Criterion) {
    let dir = manifest_path("knowledge");
    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    // What was built is dropped outside the timing: a server builds its
    // knowledge and keeps it.
    group.bench_function("load_dir", |b| {
        b.iter_with_large_drop(|| Knowledge::load_dir(black_box(&dir)).unwrap())
    });
    group.bench_function("load_dir_and_matcher", |b| {
        b.iter_with_large_drop(|| {
            let knowledge = Knowledge::load_dir(black_box(&dir)).unwrap();
            let matcher = Matcher::new(&knowledge);
            black_box((knowledge, matcher))
        })
    });
    // What `serve` builds at start: every language's knowledge, and the
    // English matcher (the others are built on their first question).
    group.bench_function("load_dir_and_brain", |b| {
        b.iter_with_large_drop(|| {
            let knowledge = Knowledge::load_dir(black_box(&dir)).unwrap();
            black_box(Brain::new(knowledge, DEFAULT_THRESHOLD))
        })
    });
    group.bench_function("load_dir_and_brain_three_languages", |b| {
        b.iter_with_large_drop(|| {
            let knowledge = Knowledge::load_dir(black_box(&dir)).unwrap();
            black_box(Brain::new(knowledge, DEFAULT_THRESHOLD).built())
        })
    });
    group.bench_function("builtin_and_matcher", |b| {
        b.iter_with_large_drop(|| {
            let knowledge = Knowledge::builtin().unwrap();
            let matcher = Matcher::new(&knowledge);
            black_box((knowledge, matcher))
        })
    });
    group.finish();
}

// ------------------------------------------------ generated knowledge

const ENGLISH: &str = "the a an and or but if of to in on at for with from by about my your \
    our their this that these those how what why when where which who can could should would \
    will do does did is are was were be been have has had not no yes i we you it they me us \
    them email mail inbox message messages folder folders account accounts server client phone \
    laptop computer desktop tablet device devices setting settings password login sync send \
    sent receive received delete deleted missing lost full space storage backup backups \
    attachment attachments spam filter rule rules signature address contact contacts calendar \
    work home office week day today yesterday always never sometimes again still already new \
    old help problem issue error fix set setup change move copy open read write reply forward \
    search find show shows stop stops start starts keep keeps get gets got make made need want \
    use used using try tried work works working broken slow fast big small large quick easy";

const ONSETS: [&str; 18] = [
    "b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr",
];
const VOWELS: [&str; 7] = ["a", "e", "i", "o", "u", "ai", "ou"];
const CODAS: [&str; 6] = ["", "", "n", "r", "s", "l"];

/// About 20,000 distinct pseudo-words of 2 to 4 syllables, then the
/// English words.
fn vocabulary(rng: &mut Rng) -> Vec<String> {
    let mut words = BTreeSet::new();
    while words.len() < 20_000 {
        let syllables = 2 + rng.below(3);
        let mut word = String::new();
        for _ in 0..syllables {
            word.push_str(ONSETS[rng.below(ONSETS.len())]);
            word.push_str(VOWELS[rng.below(VOWELS.len())]);
            word.push_str(CODAS[rng.below(CODAS.len())]);
        }
        words.insert(word);
    }
    let mut words: Vec<String> = words.into_iter().collect();
    // Shuffle, so an entry's words are not neighbours in sorted order.
    for i in (1..words.len()).rev() {
        words.swap(i, rng.below(i + 1));
    }
    words
}

struct Generated {
    files: Vec<SourceFile>,
    /// (question with typos, the entry it came from)
    questions: Vec<(String, String)>,
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("\"{item}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A sentence of `len` words: the entry's own words mixed with English.
fn sentence(rng: &mut Rng, own: &[String], english: &[String], len: usize) -> String {
    (0..len)
        .map(|_| {
            if rng.below(5) < 2 {
                rng.pick(own).to_owned()
            } else {
                rng.pick(english).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One typo in a word: a swap, a deletion or a substitution.
fn typo(rng: &mut Rng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let at = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => chars.swap(at, at + 1),
        1 => {
            chars.remove(at);
        }
        _ => chars[at] = char::from(b'a' + rng.below(26) as u8),
    }
    chars.into_iter().collect()
}

fn generate(entries: usize, questions: usize) -> Generated {
    let mut rng = Rng::new(0x5EED);
    let vocabulary = vocabulary(&mut rng);
    let english: Vec<String> = ENGLISH.split_whitespace().map(str::to_owned).collect();
    let mut files = Vec::with_capacity(entries);
    let mut examples_of = Vec::with_capacity(entries);
    for index in 0..entries {
        let id = format!("entry-{index:05}");
        let own: Vec<String> = (0..6).map(|_| rng.pick(&vocabulary).to_owned()).collect();
        let title = sentence(&mut rng, &own, &english, 5);
        let keywords: Vec<String> = (0..5).map(|_| rng.pick(&own).to_owned()).collect();
        let examples: Vec<String> = (0..8)
            .map(|_| {
                let len = 6 + rng.below(5);
                sentence(&mut rng, &own, &english, len)
            })
            .collect();
        let body: Vec<String> = (0..60)
            .map(|_| match rng.below(4) {
                0 => rng.pick(&own).to_owned(),
                1 => rng.pick(&vocabulary).to_owned(),
                _ => rng.pick(&english).to_owned(),
            })
            .collect();
        let text = format!(
            "+++\nid = \"{id}\"\ntitle = \"{title}\"\ntags = []\nphrases = ['{} {}']\n\
             keywords = [{}]\nexamples = [{}]\n+++\n{}\n",
            own[0],
            own[1],
            quoted(&keywords),
            quoted(&examples),
            body.join(" ")
        );
        files.push(SourceFile {
            path: PathBuf::from(format!("{id}.md")),
            text,
        });
        examples_of.push((id, examples));
    }
    let questions = (0..questions)
        .map(|_| {
            let (id, examples) = &examples_of[rng.below(examples_of.len())];
            let example = &examples[rng.below(examples.len())];
            let mut typos = 1 + rng.below(2);
            let words: Vec<String> = example
                .split_whitespace()
                .map(|word| {
                    if typos > 0 && word.len() >= 5 && rng.below(2) == 0 {
                        typos -= 1;
                        typo(&mut rng, word)
                    } else {
                        word.to_owned()
                    }
                })
                .collect();
            (words.join(" "), id.clone())
        })
        .collect();
    Generated { files, questions }
}

fn generated(c: &mut Criterion) {
    let generated = generate(10_000, 500);
    let started = Instant::now();
    let knowledge = Knowledge::from_files(Path::new("generated"), generated.files).unwrap();
    let loaded = started.elapsed();
    let matcher = Matcher::new(&knowledge);
    let built = started.elapsed() - loaded;
    let right = generated
        .questions
        .iter()
        .filter(|(question, id)| matcher.find(question).entry.as_deref() == Some(id.as_str()))
        .count();
    println!(
        "generated knowledge: {} entries, loaded in {loaded:.2?}, matcher built in {built:.2?}; \
         {right}/{} typo questions find their entry",
        knowledge.entries().len(),
        generated.questions.len()
    );
    let questions: Vec<String> = generated.questions.into_iter().map(|(q, _)| q).collect();
    let mut group = c.benchmark_group("generated-10k");
    group.sample_size(20);
    bench_questions(&mut group, "find_examples_with_typos", &matcher, &questions);
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(50);
    targets = shipped, loading, generated
}
criterion_main!(benches);
