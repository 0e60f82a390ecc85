use super::*;
use crate::knowledge::Knowledge;

fn shipped() -> Knowledge {
    Knowledge::load_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/knowledge"
    )))
    .expect("the shipped knowledge loads")
}

/// One left-out example: whose it is (an entry, or `None` for an
/// out-of-scope topic) and where to find it.
struct Case {
    expected: Option<String>,
    label: String,
    in_scope: bool,
    index: usize,
    example: usize,
}

/// Takes one example out of the knowledge and matches it against the rest.
fn run_case(knowledge: &Knowledge, case: &Case) -> (bool, Option<String>) {
    let mut reduced = knowledge.clone();
    let (entries, topics) = reduced.parts_mut();
    let example = if case.in_scope {
        entries[case.index].examples.remove(case.example)
    } else {
        topics[case.index].examples.remove(case.example)
    };
    let found = Matcher::new(&reduced).find(&example);
    let hit = found.entry == case.expected;
    let miss = (!hit).then(|| {
        format!(
            "{} -> {:?} {:.2}: {example}",
            case.label, found.entry, found.confidence
        )
    });
    (hit, miss)
}

/// Leave-one-out over the knowledge's own examples: each example is taken
/// out of the index and matched against the rest. In-scope examples must
/// find their entry, out-of-scope examples must find none. This is the set
/// the matcher's constants are tuned on, so the held-out questions in
/// `tests/data/` stay unseen. Cases are spread over the available cores.
fn leave_one_out(knowledge: &Knowledge) -> (f32, f32, Vec<String>) {
    let mut cases = Vec::new();
    for (index, entry) in knowledge.entries().iter().enumerate() {
        for example in 0..entry.examples.len() {
            cases.push(Case {
                expected: Some(entry.id.clone()),
                label: entry.id.clone(),
                in_scope: true,
                index,
                example,
            });
        }
    }
    for (index, topic) in knowledge.out_of_scope().iter().enumerate() {
        for example in 0..topic.examples.len() {
            cases.push(Case {
                expected: None,
                label: format!("(out of scope {})", topic.id),
                in_scope: false,
                index,
                example,
            });
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = cases.len().div_ceil(threads).max(1);
    let results: Vec<(bool, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|case| run_case(knowledge, case))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a leave-one-out thread panicked"))
            .collect()
    });
    let rate = |in_scope: bool| {
        let (hits, total) = cases
            .iter()
            .zip(&results)
            .filter(|(case, _)| case.in_scope == in_scope)
            .fold((0, 0), |(h, t), (_, (hit, _))| {
                (h + usize::from(*hit), t + 1)
            });
        hits as f32 / total.max(1) as f32
    };
    let misses = results.iter().filter_map(|(_, m)| m.clone()).collect();
    (rate(true), rate(false), misses)
}

#[test]
fn leave_one_out_on_the_shipped_examples() {
    let (in_scope, out_of_scope, misses) = leave_one_out(&shipped());
    for miss in &misses {
        println!("{miss}");
    }
    println!(
        "leave-one-out: in-scope top-1 {in_scope:.3}, out-of-scope abstention {out_of_scope:.3}"
    );
    // Floors at the measured figures (0.643, 0.855). They fell from 0.81 and
    // 0.94 when the real dev split's posts became examples: a long bug
    // report left out of its entry rarely has a twin among the rest.
    assert!(
        in_scope >= 0.64,
        "in-scope leave-one-out accuracy {in_scope:.3}"
    );
    assert!(
        out_of_scope >= 0.85,
        "out-of-scope leave-one-out abstention {out_of_scope:.3}"
    );
}

/// The same in each translation: its examples left out one at a time and
/// matched with its own matcher. What the languages' matchers are tuned
/// on, so the held-out sets in `tests/data/lang/` stay unseen.
#[test]
fn leave_one_out_in_each_language() {
    use crate::language::Language;
    let knowledge = shipped();
    for (language, in_scope_floor, out_of_scope_floor) in
        // Floors at the measured figures.
        [
            (Language::German, 0.58, 0.95),
            (Language::Spanish, 0.66, 0.92),
        ]
    {
        let (in_scope, out_of_scope, misses) = leave_one_out(knowledge.in_language(language));
        for miss in &misses {
            println!("{language}: {miss}");
        }
        println!(
            "{language} leave-one-out: in-scope top-1 {in_scope:.3}, out-of-scope abstention {out_of_scope:.3}"
        );
        assert!(in_scope >= in_scope_floor, "{language}: {in_scope:.3}");
        assert!(
            out_of_scope >= out_of_scope_floor,
            "{language}: {out_of_scope:.3}"
        );
    }
}

#[test]
fn confidence_is_in_the_unit_interval_and_garbage_gets_no_entry() {
    let matcher = Matcher::new(&shipped());
    for question in [
        "",
        "   ",
        "!!!",
        "hello",
        "thanks a lot",
        "asdf qwerty zxcv",
    ] {
        let found = matcher.find(question);
        assert_eq!(found.entry, None, "{question:?}");
        assert!((0.0..=1.0).contains(&found.confidence));
    }
    let found = matcher.find("should i use imap or pop?");
    assert_eq!(found.entry.as_deref(), Some("which-protocol"));
    assert!((0.0..=1.0).contains(&found.confidence));
}

#[test]
fn email_questions_the_knowledge_does_not_answer_get_no_entry() {
    let matcher = Matcher::new(&shipped());
    for question in [
        "what smtp port should outlook use",
        "how do i reset my email password",
        "what mx records do i need for my domain",
        "how do i sync my calendar with my phone",
        "too much spam in my inbox",
    ] {
        assert_eq!(matcher.find(question).entry, None, "{question:?}");
    }
}

/// A knowledge base large enough for common terms: `entries` entries, each
/// with two words of its own and the same handful of shared words.
fn large_knowledge(entries: usize) -> Knowledge {
    let shared = ["mail", "account", "phone", "server", "folder", "setting"];
    let files = (0..entries)
        .map(|i| {
            let own = [format!("zorb{i}"), format!("quil{i}")];
            let examples: Vec<String> = (0..8)
                .map(|k| {
                    format!(
                        "\"my {} {} and the {} {}\"",
                        own[k % 2],
                        shared[(i + k) % shared.len()],
                        shared[(i + k + 1) % shared.len()],
                        own[(k + 1) % 2]
                    )
                })
                .collect();
            crate::knowledge::SourceFile {
                path: format!("entry-{i}.md").into(),
                text: format!(
                    "+++\nid = \"entry-{i}\"\ntitle = \"{} {}\"\ntags = []\nphrases = []\n\
                     keywords = [\"{}\", \"{} {}\", \"{}\"]\nexamples = [{}]\n+++\nThe {} answer about {}.\n",
                    own[0],
                    shared[i % shared.len()],
                    own[1],
                    own[0],
                    shared[(i + 3) % shared.len()],
                    shared[(i + 4) % shared.len()],
                    examples.join(", "),
                    own[0],
                    shared[(i + 2) % shared.len()],
                ),
            }
        })
        .collect();
    Knowledge::from_files(std::path::Path::new("generated"), files).expect("generated knowledge")
}

#[test]
fn common_terms_only_refine_what_rare_terms_found() {
    let knowledge = large_knowledge(2_500);
    let matcher = Matcher::new(&knowledge);
    assert!(
        matcher.common_postings < knowledge.entries().len() / 6,
        "the shared words must count as common here"
    );
    let mut exhaustive = Matcher::new(&knowledge);
    exhaustive.common_postings = usize::MAX;
    for i in (0..2_500).step_by(97) {
        for question in [
            format!("how do i fix the zorb{i} on my phone and the server"),
            format!("quil{i} folder setting question"),
        ] {
            let pruned = matcher.find(&question);
            assert_eq!(pruned.entry.as_deref(), Some(format!("entry-{i}").as_str()));
            assert_eq!(pruned.entry, exhaustive.find(&question).entry, "{question}");
        }
    }
    // Nothing rare at all: every document is ranked, as in a small base.
    let found = matcher.find("mail account phone server");
    assert_eq!(
        found.entry,
        exhaustive.find("mail account phone server").entry
    );
    assert!((0.0..=1.0).contains(&found.confidence));
}

#[test]
fn phrases_and_slots_fire_on_held_out_questions() {
    let knowledge = shipped();
    let matcher = Matcher::new(&knowledge);
    // Built from a clone, which shares the compiled phrases.
    let again = Matcher::new(&knowledge.clone());
    let heldout = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/heldout.jsonl"
    ))
    .expect("the held-out set");
    let mut with_slots = 0;
    let mut with_phrases = 0;
    for line in heldout.lines().filter(|line| !line.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let question = case["question"].as_str().expect("a question");
        let found = matcher.find(question);
        with_slots += usize::from(!matcher.slots(question).is_empty());
        let ranked = matcher.rank(&normalize(question));
        with_phrases += usize::from(
            !matcher
                .phrase_hits(&normalize(question), &ranked)
                .is_empty(),
        );
        assert_eq!(found, again.find(question), "{question}");
    }
    assert!(
        with_slots > 10,
        "only {with_slots} questions stated an answer"
    );
    assert!(
        with_phrases > 50,
        "phrases fired on only {with_phrases} questions"
    );
}

proptest::proptest! {
    /// A document's nearest examples are the largest cosines it met, in
    /// any order, largest first.
    #[test]
    fn keep_nearest_keeps_the_largest_cosines_largest_first(
        cosines in proptest::collection::vec(0.0f32..=1.0, 0..12)
    ) {
        let mut best = [0.0; NEAREST_K];
        for &cosine in &cosines {
            keep_nearest(&mut best, cosine);
        }
        let mut expected = cosines.clone();
        expected.extend([0.0; NEAREST_K]);
        expected.sort_unstable_by(|a, b| b.total_cmp(a));
        proptest::prop_assert_eq!(&best[..], &expected[..NEAREST_K]);
    }
}

#[test]
fn answers_stated_in_a_question_are_looked_for_where_a_dialogue_is_offered() {
    let knowledge = shipped();
    let matcher = Matcher::new(&knowledge);
    let offers_dialogue = |id: &str| knowledge.entry(id).unwrap().dialogue.is_some();
    let several = "I read mail on my phone and laptop, pop or imap?";
    let found = matcher.find(several);
    assert!(
        offers_dialogue(found.entry.as_deref().unwrap()),
        "{found:?}"
    );
    assert_eq!(found.slots, matcher.slots(several));
    assert_eq!(found.slots["devices"], "several");

    let quota = "my inbox is full and mail bounces";
    let found = matcher.find(quota);
    assert!(
        !offers_dialogue(found.entry.as_deref().unwrap()),
        "{found:?}"
    );
    assert!(found.slots.is_empty(), "{found:?}");
    assert_eq!(matcher.slots(quota)["quota"], "yes");
}
