//! The phrase language: what each form matches on normalised text, and
//! what each mistake says.

use super::*;

fn vocabulary(classes: &[(&str, &[&str])]) -> Vocabulary {
    let (vocabulary, errors) = Vocabulary::new(classes.iter().map(|(name, values)| {
        (
            (*name).to_owned(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        )
    }));
    assert!(errors.is_empty(), "{errors:#?}");
    vocabulary
}

fn devices() -> Vocabulary {
    vocabulary(&[
        ("device", &["phone", "laptop", "{computer}", "work pc"]),
        ("computer", &["computer", "pc", "mac*"]),
    ])
}

fn phrase(source: &str) -> Phrase {
    Phrase::new(source, &devices()).unwrap_or_else(|e| panic!("{source}: {e}"))
}

/// Whether `source` fires on `text` (already normalised).
fn fires(source: &str, text: &str) -> bool {
    PhraseSet::new([&phrase(source)]).unwrap().is_match(text)
}

fn error(source: &str) -> String {
    match Phrase::new(source, &devices()) {
        Ok(_) => panic!("`{source}` compiled"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn words_match_whole_words_in_order_anywhere() {
    assert!(fires("mailbox full", "my mailbox full again"));
    assert!(fires("mailbox full", "mailbox full"));
    assert!(!fires("mailbox full", "full mailbox"));
    assert!(!fires("mailbox full", "mailbox fullness"));
    assert!(!fires("mailbox full", "the mailbox is full"));
    assert!(!fires("box full", "mailbox full"));
    assert!(!fires("don", "i don't know"));
    assert!(fires("don't", "i don't know"));
}

#[test]
fn words_are_folded_as_questions_are() {
    assert!(fires("Don’t", "i don't know"));
    assert!(fires("E-Mail", "my e mail is gone"));
    assert!(fires("Café", "the cafe wifi"));
    assert!(fires("'quoted'", "a quoted word"));
}

#[test]
fn a_star_stands_for_the_rest_of_a_word() {
    assert!(fires("travel*", "i travel a lot"));
    assert!(fires("travel*", "when travelling"));
    assert!(!fires("travel*", "travail"));
    assert!(!fires("travel*", "untravelled"));
    assert!(fires("dis*pear*", "mails dissapeared"));
    assert!(fires("dis*pear*", "they disappear"));
    assert!(!fires("dis*pear*", "dispatch"));
    assert!(fires("read * mail", "read my mail"));
    assert!(!fires("read * mail", "read mail"));
}

#[test]
fn a_hash_stands_for_a_number() {
    assert!(fires("# of my quota", "at 80 of my quota"));
    assert!(!fires("# of my quota", "all of my quota"));
    assert!(fires("#tb", "a 2tb drive"));
    assert!(!fires("#tb", "a tb drive"));
    assert!(!fires("#tb", "a x2tb drive"));
    assert!(fires("small (# gb | #gb) phone", "a small 64gb phone"));
    assert!(fires("small (# gb | #gb) phone", "a small 64 gb phone"));
}

#[test]
fn round_brackets_take_one_alternative() {
    let source = "(phone | laptop | work pc) only";
    assert!(fires(source, "my phone only"));
    assert!(fires(source, "the work pc only"));
    assert!(!fires(source, "the pc only"));
    assert!(!fires(source, "only phone"));
    // Nested, and an alternative may start with an optional word.
    assert!(fires("(a (b|c) | [the] d) e", "x a c e"));
    assert!(fires("(a (b|c) | [the] d) e", "the d e"));
    assert!(fires("(a (b|c) | [the] d) e", "d e"));
    assert!(!fires("(a (b|c) | [the] d) e", "a e"));
}

#[test]
fn square_brackets_are_optional() {
    let source = "read [my | the] mail";
    assert!(fires(source, "read mail"));
    assert!(fires(source, "read my mail"));
    assert!(fires(source, "read the mail"));
    assert!(!fires(source, "read your mail"));
    assert!(fires("[just] only", "only"));
    assert!(fires("[just] only", "just only"));
    assert!(!fires("[just] only", "justonly"));
}

#[test]
fn classes_come_from_the_vocabulary_and_may_use_classes() {
    assert!(fires("on my {device}", "on my phone"));
    assert!(fires("on my {device}", "on my work pc"));
    assert!(fires("on my {device}", "on my macbook"));
    assert!(fires("on my {device}", "on my pc"));
    assert!(!fires("on my {device}", "on my tablet"));
}

#[test]
fn a_gap_skips_up_to_three_words() {
    let source = "read .. offline";
    assert!(fires(source, "read offline"));
    assert!(fires(source, "read my mail offline"));
    assert!(fires(source, "read all my mail offline"));
    assert!(!fires(source, "read all of my mail offline"));
    assert!(fires("read .. .. offline", "read all of my mail offline"));
}

#[test]
fn a_bang_says_which_word_may_not_come_next() {
    let source = "inbox [is] full !of";
    assert!(fires(source, "my inbox is full"));
    assert!(fires(source, "inbox full again"));
    assert!(fires(source, "inbox full o"));
    assert!(fires(source, "inbox full off"));
    assert!(fires(source, "inbox full offline"));
    assert!(fires(source, "inbox full oops"));
    assert!(!fires(source, "my inbox is full of spam"));
    let source = "inbox full !(of | with)";
    assert!(fires(source, "inbox full now"));
    assert!(fires(source, "inbox full wit it"));
    assert!(!fires(source, "inbox full with it"));
    assert!(!fires(source, "inbox full of it"));
    // A class may be excluded too: the first excluded word "o" ends early.
    assert!(!fires("full !(o | of)", "full o"));
    assert!(fires("full !(o | of)", "full oh"));
}

#[test]
fn anchors_hold_the_question_s_ends() {
    assert!(fires("^ hello", "hello there"));
    assert!(!fires("^ hello", "oh hello there"));
    assert!(fires("thanks $", "ok thanks"));
    assert!(!fires("thanks $", "thanks a lot"));
    assert!(fires("^ (hi | hello) [all] $", "hi all"));
    assert!(!fires("^ (hi | hello) [all] $", "hi all good"));
    assert!(fires("imap (please | $)", "what is imap"));
    assert!(fires("imap (please | $)", "what is imap please help"));
    assert!(!fires("imap (please | $)", "what is imap mail"));
}

#[test]
fn a_set_reports_every_phrase_that_fires_even_when_they_overlap() {
    let phrases: Vec<Phrase> = ["pop", "imap", "pop or imap", "smtp"]
        .into_iter()
        .map(phrase)
        .collect();
    let set = PhraseSet::new(&phrases).unwrap();
    assert_eq!(set.len(), 4);
    assert_eq!(set.fired("should i use pop or imap"), vec![0, 1, 2]);
    assert_eq!(set.fired("imap please"), vec![1]);
    assert!(set.fired("popcorn").is_empty());
    assert!(set.fired("").is_empty());
}

#[test]
fn non_ascii_text_is_matched_word_by_word() {
    assert!(fires("mail", "мой mail ünïcode"));
    assert!(fires("ünïcode", "мой mail unicode"));
    assert!(!fires("mail", "mailмой"));
    // Folded as the normaliser folds the question: "й" loses its breve.
    assert!(fires("мой", "это мои mail"));
}

#[test]
fn a_finder_gives_each_match_s_words() {
    let text = "never work offline and work offline";
    let spans = phrase("work offline").finder().unwrap().spans(text);
    let words: Vec<&str> = spans.iter().map(|&(s, e)| &text[s..e]).collect();
    assert_eq!(words, ["work offline", "work offline"]);
    // Two matches side by side share the space between them.
    let text = "a a a";
    let spans = phrase("a").finder().unwrap().spans(text);
    assert_eq!(spans, [(0, 1), (2, 3), (4, 5)]);
    assert!(phrase("b").finder().unwrap().spans(text).is_empty());
}

#[test]
fn mistakes_are_described() {
    for (source, expected) in [
        ("", "no words"),
        ("  ", "no words"),
        ("(a b", "`(` at character 1 is never closed"),
        (
            "a b)",
            "`)` at character 4 closes a bracket that was never opened",
        ),
        ("[a b)", "`)` at character 5 closes the `[` at character 1"),
        ("{device", "`{` at character 1 is never closed"),
        ("device}", "`}` at character 7 closes a class"),
        ("{dev ice}", "class name"),
        ("{}", "names no class"),
        ("(a|)", "empty alternative"),
        ("(|a)", "empty alternative"),
        ("[]", "empty alternative"),
        ("( )", "empty alternative"),
        ("a | b", "write two phrases"),
        ("e(mail|mails)", "`e` and `(` touch"),
        ("(a|b)c", "`)` and `c` touch"),
        ("on {device}s", "`{device}` and `s` touch"),
        ("a ... b", "`...`"),
        ("{gadget}", "unknown class `{gadget}`"),
        ("..", "without any of its own words"),
        ("*", "without any of its own words"),
        ("# *", "without any of its own words"),
        ("[a] [b]", "without any of its own words"),
        ("(a | ..)", "without any of its own words"),
        ("- ?", "no words"),
        ("full !", "says which word may not come next"),
        ("full !of*", "says which word may not come next"),
        ("full !(of | [with])", "says which word may not come next"),
        ("full !{device}", "says which word may not come next"),
        ("!of", "without any of its own words"),
        ("full !of now", "`!` at character 6 ends a phrase"),
        ("(full !of) now", "`!` at character 7 ends a phrase"),
        ("full !(of | with) now", "ends a phrase"),
    ] {
        let message = error(source);
        assert!(
            message.contains(expected),
            "`{source}`: {message:?} does not say {expected:?}"
        );
    }
}

#[test]
fn an_unknown_class_names_the_known_ones() {
    let message = error("{devise}");
    assert!(message.contains("`{device}`"), "{message}");
    assert!(message.contains("`{computer}`"), "{message}");
    let message = Phrase::new("{device}", &Vocabulary::empty())
        .unwrap_err()
        .to_string();
    assert!(message.contains("defines no classes"), "{message}");
}

#[test]
fn vocabulary_mistakes_are_described_per_class() {
    let classes = |list: &[(&str, &[&str])]| {
        let (vocabulary, errors) = Vocabulary::new(list.iter().map(|(name, values)| {
            (
                (*name).to_owned(),
                values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>(),
            )
        }));
        (vocabulary, errors)
    };
    let (vocabulary, errors) = classes(&[
        ("a", &["x {b}"]),
        ("b", &["y {a}"]),
        ("c", &["(unclosed"]),
        ("d", &[]),
        ("Bad Name", &["z"]),
        ("e", &["{nowhere}"]),
        ("f", &["[maybe]"]),
        ("fine", &["ok", "{c}"]),
    ]);
    let said = |class: &str, words: &str| {
        errors
            .iter()
            .any(|e| e.class == class && e.to_string().contains(words))
    };
    assert!(said("b", "uses itself: {b} → {a} → {b}"), "{errors:#?}");
    assert!(said("c", "never closed"), "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.class == "c" && e.value.as_deref() == Some("(unclosed")),
        "{errors:#?}"
    );
    assert!(said("d", "no values"), "{errors:#?}");
    assert!(said("Bad Name", "class name"), "{errors:#?}");
    assert!(said("e", "unknown class `{nowhere}`"), "{errors:#?}");
    assert!(said("f", "without any of its own words"), "{errors:#?}");
    assert_eq!(errors.len(), 6, "{errors:#?}");
    // A phrase that uses a class with errors is not blamed for it, and
    // what the class could not hold matches nothing.
    let uses_broken = Phrase::new("{fine}", &vocabulary).unwrap();
    let set = PhraseSet::new([&uses_broken]).unwrap();
    assert!(set.is_match("ok"));
    assert!(!set.is_match("unclosed"));
    assert!(Phrase::new("{a} {b} {c}", &vocabulary).is_ok());
}

#[test]
fn a_phrase_keeps_its_source_and_compares_by_it() {
    let a = phrase("read [my] mail");
    assert_eq!(a.source(), "read [my] mail");
    assert_eq!(a.to_string(), "read [my] mail");
    assert_eq!(a, a.clone());
    assert_ne!(a, phrase("read mail"));
    assert_eq!(format!("{a:?}"), "Phrase(\"read [my] mail\")");
}

/// Phrases of every form, for the set's anchored search to be checked
/// against one unanchored search.
const EVERY_FORM: &[&str] = &[
    "pop",
    "pop or imap",
    "^ hello",
    "thanks $",
    "^ (hi | hello) [all] $",
    "imap (please | $)",
    "read [my] mail",
    "travel* abroad",
    "dis*pear*",
    "# gb",
    "#gb",
    "mailbox .. full",
    "mailbox .. .. full !of",
    "inbox full !(of | with)",
    "{device} sync*",
    "same mail on {device} and {device}",
    "* mail",
    "mail *",
];

/// Text in normalised form (words and single spaces) from words the
/// phrases use and some they do not.
fn normalised_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let words = prop::sample::select(vec![
        "pop",
        "or",
        "imap",
        "hello",
        "hi",
        "all",
        "thanks",
        "please",
        "read",
        "my",
        "mail",
        "travels",
        "abroad",
        "disappear",
        "64gb",
        "64",
        "gb",
        "mailbox",
        "is",
        "full",
        "of",
        "inbox",
        "with",
        "phone",
        "mac",
        "work",
        "pc",
        "syncing",
        "same",
        "on",
        "and",
        "ünï",
        "мой",
        "a",
    ]);
    prop::collection::vec(words, 0..14).prop_map(|words| words.join(" "))
}

proptest::proptest! {
    #[test]
    fn anchored_at_each_word_a_set_fires_as_one_unanchored_search(text in normalised_text()) {
        let phrases: Vec<Phrase> = EVERY_FORM.iter().map(|source| phrase(source)).collect();
        let set = PhraseSet::new(&phrases).unwrap();
        proptest::prop_assert_eq!(set.fired(&text), set.fired_unanchored(&text), "{}", text);
    }
}

#[test]
fn every_form_fires_where_it_should_with_the_anchored_search() {
    let phrases: Vec<Phrase> = EVERY_FORM.iter().map(|source| phrase(source)).collect();
    let set = PhraseSet::new(&phrases).unwrap();
    let fired =
        |text: &str| -> Vec<&str> { set.fired(text).into_iter().map(|i| EVERY_FORM[i]).collect() };
    assert_eq!(
        fired("hello my mailbox is full"),
        ["^ hello", "mailbox .. full", "mailbox .. .. full !of"]
    );
    assert_eq!(fired("ok thanks"), ["thanks $"]);
    assert_eq!(fired("my inbox full of spam"), Vec::<&str>::new());
    assert_eq!(
        fired("same mail on phone and mac syncing"),
        [
            "{device} sync*",
            "same mail on {device} and {device}",
            "* mail",
            "mail *"
        ]
    );
    assert_eq!(fired("i want 64 gb"), ["# gb"]);
    assert!(fired("").is_empty());
}

/// Every phrase of the shipped knowledge (entries, out-of-scope topics and
/// dialogue answers, in each language) against every real and team-written
/// question: the search anchored at each word fires exactly what one
/// unanchored search fires.
#[test]
fn the_shipped_phrases_fire_alike_on_every_corpus_question() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let knowledge = crate::knowledge::Knowledge::load_dir(&root.join("knowledge")).unwrap();
    let mut questions = Vec::new();
    for (file, field) in [
        ("tests/data/real/questions.jsonl", "text"),
        ("tests/data/heldout.jsonl", "question"),
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            questions.push(crate::matcher::normalize(row[field].as_str().unwrap()));
        }
    }
    for language in knowledge.languages() {
        let own = knowledge.in_language(language);
        let phrases: Vec<&Phrase> = own
            .entries()
            .iter()
            .flat_map(|entry| &entry.phrases)
            .chain(own.out_of_scope().iter().flat_map(|topic| &topic.phrases))
            .chain(
                own.dialogues()
                    .iter()
                    .flat_map(|d| &d.questions)
                    .flat_map(|q| &q.options)
                    .flat_map(|o| &o.phrases),
            )
            .collect();
        let set = PhraseSet::new(phrases.iter().copied()).unwrap();
        let mut fired = 0;
        for question in &questions {
            let anchored = set.fired(question);
            assert_eq!(anchored, set.fired_unanchored(question), "{question}");
            fired += anchored.len();
        }
        assert!(fired > 0, "no phrase fired in {language:?}");
    }
}
