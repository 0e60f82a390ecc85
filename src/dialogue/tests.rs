//! The shipped `which-protocol` dialogue, checked over every combination
//! of answers, and the state machine that asks it.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::*;
use crate::knowledge::Knowledge;

const SLOTS: [(&str, [&str; 3]); 5] = [
    ("devices", ["one", "several", UNSURE]),
    ("offline", ["yes", "no", UNSURE]),
    ("quota", ["yes", "no", UNSURE]),
    ("storage", ["yes", "no", UNSURE]),
    ("backups", ["yes", "no", UNSURE]),
];

/// The shipped dialogue, loaded once: validating the knowledge compiles
/// every phrase, once is enough.
fn shipped() -> &'static Dialogue {
    static SHIPPED: OnceLock<Dialogue> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        Knowledge::builtin()
            .unwrap()
            .dialogue("which-protocol")
            .expect("the shipped knowledge has the which-protocol dialogue")
            .clone()
    })
}

/// Every combination of full answers: 3^5 = 243 of them.
fn combinations() -> Vec<BTreeMap<String, String>> {
    let mut all = vec![BTreeMap::new()];
    for (slot, values) in SLOTS {
        all = all
            .into_iter()
            .flat_map(|partial| {
                values.iter().map(move |value| {
                    let mut next = partial.clone();
                    next.insert(slot.to_owned(), (*value).to_owned());
                    next
                })
            })
            .collect();
    }
    all
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(slot, value)| ((*slot).to_owned(), (*value).to_owned()))
        .collect()
}

fn is(answers: &BTreeMap<String, String>, slot: &str, value: &str) -> bool {
    answers.get(slot).map(String::as_str) == Some(value)
}

fn asked_slot<'a>(step: &Step<'a>) -> Option<&'a str> {
    match step {
        Step::Ask(question) => Some(question.slot.as_str()),
        Step::Done(_) => None,
    }
}

/// Drives the dialogue from `state`, answering each question from
/// `answers`; returns the slots asked, in order, and the recommendation.
fn drive(
    dialogue: &Dialogue,
    mut state: DialogueState,
    answers: &BTreeMap<String, String>,
) -> (Vec<String>, Recommendation) {
    let mut asked: Vec<String> = Vec::new();
    loop {
        match next_step(dialogue, &state) {
            Step::Ask(question) => {
                assert!(
                    state.value(&question.slot).is_none(),
                    "`{}` asked again after {:?}",
                    question.slot,
                    state.answers
                );
                assert!(
                    asked.len() < MAX_STEPS,
                    "more than {MAX_STEPS} questions for {answers:?}"
                );
                let value = &answers[&question.slot];
                state = answer(dialogue, &state, &question.slot, value).unwrap();
                asked.push(question.slot.clone());
            }
            Step::Done(recommendation) => return (asked, recommendation),
        }
    }
}

const MAX_STEPS: usize = 5;

#[test]
fn slots_and_values_are_exactly_the_documented_ones() {
    let dialogue = shipped();
    let slots: BTreeSet<&str> = dialogue.questions.iter().map(|q| q.slot.as_str()).collect();
    let expected: BTreeSet<&str> = SLOTS.iter().map(|(slot, _)| *slot).collect();
    assert_eq!(slots, expected);
    assert_eq!(
        dialogue.questions.len(),
        SLOTS.len(),
        "a slot is asked twice"
    );
    for (slot, values) in SLOTS {
        let question = dialogue.question(slot).unwrap();
        assert_eq!(question.values(), values, "values of `{slot}`");
        for value in values {
            assert!(question.accepts(value), "`{slot}` refuses `{value}`");
        }
        assert!(!question.accepts("maybe"));
    }
    let mut outcomes: Vec<&str> = dialogue.outcomes.keys().map(String::as_str).collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["imap", "pop"]);
}

/// The seed article's table, written out independently of the dialogue's
/// rules: IMAP for several devices, tight local storage or unreliable
/// backups; POP for one device when offline access or quotas matter. A
/// "not sure" never counts towards POP, so POP needs every one of its
/// conditions stated.
fn seed_table(answers: &BTreeMap<String, String>) -> &'static str {
    let pop = is(answers, "devices", "one")
        && (is(answers, "offline", "yes") || is(answers, "quota", "yes"))
        && is(answers, "storage", "no")
        && is(answers, "backups", "yes");
    if pop {
        "pop"
    } else {
        "imap"
    }
}

/// Answers that state a need one outcome meets better than the other.
const NEEDS: [(&str, &str); 6] = [
    ("devices", "one"),
    ("devices", "several"),
    ("offline", "yes"),
    ("quota", "yes"),
    ("storage", "yes"),
    ("backups", "no"),
];

#[test]
fn every_full_combination_follows_the_seed_table() {
    let dialogue = shipped();
    let all = combinations();
    assert_eq!(all.len(), 243);
    let mut outcomes = BTreeMap::new();
    for answers in &all {
        let result = recommend(dialogue, answers);
        let outcome = result.outcome.as_str();
        *outcomes.entry(outcome.to_owned()).or_insert(0) += 1;
        assert_eq!(outcome, seed_table(answers), "{answers:?}");

        assert_eq!(result.label, dialogue.outcome_label(outcome));
        assert!(!result.reasons.is_empty(), "no reason for {answers:?}");
        for reason in result.reasons.iter().chain(&result.notes) {
            assert!(!reason.text.trim().is_empty());
            for (slot, value) in &reason.because {
                assert!(
                    is(answers, slot, value),
                    "{:?} rests on {slot}={value}, not given in {answers:?}",
                    reason.text
                );
            }
        }
        assert!(
            !result.caveats.is_empty(),
            "no caveat for {outcome}: {answers:?}"
        );
        assert!(
            result.warnings.iter().any(|w| w
                .to_lowercase()
                .contains("different protocols on different devices")),
            "no mixing warning for {answers:?}: {:?}",
            result.warnings
        );
        assert!(result.unanswered.is_empty(), "{:?}", result.unanswered);
    }
    // Both outcomes are reachable: a dialogue that always says the same
    // thing would fail the table, but say so plainly.
    assert!(outcomes.get("pop").is_some_and(|&n| n > 0), "{outcomes:?}");
    assert!(outcomes.get("imap").is_some_and(|&n| n > 0), "{outcomes:?}");
}

#[test]
fn every_stated_need_gets_a_reason_or_a_note() {
    let dialogue = shipped();
    for answers in combinations() {
        let result = recommend(dialogue, &answers);
        for (slot, value) in NEEDS {
            if !is(&answers, slot, value) {
                continue;
            }
            let answered = result
                .reasons
                .iter()
                .chain(&result.notes)
                .any(|reason| reason.because.get(slot).map(String::as_str) == Some(value));
            assert!(
                answered,
                "{slot}={value} goes unacknowledged in a {} recommendation for {answers:?}",
                result.outcome
            );
        }
    }
}

#[test]
fn being_unsure_never_tips_the_choice_to_pop() {
    // "Not sure" may give POP only where every definite answer would too:
    // otherwise it leans to IMAP, the choice that can be undone.
    let dialogue = shipped();
    for answers in combinations() {
        for (slot, values) in SLOTS {
            let with = |value: &str| {
                let mut changed = answers.clone();
                changed.insert(slot.to_owned(), value.to_owned());
                recommend(dialogue, &changed).outcome
            };
            if with(UNSURE) == "pop" {
                for value in values {
                    assert_eq!(
                        with(value),
                        "pop",
                        "{slot} \"not sure\" gives POP but {slot}={value} gives IMAP: {answers:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn decisions_for_people_the_review_described() {
    let dialogue = shipped();
    let cases: [(&[(&str, &str)], &str); 6] = [
        // One device, no offline need, quota unsure, reliable backups:
        // unsure leans to the choice that can be undone.
        (
            &[
                ("devices", "one"),
                ("offline", "no"),
                ("quota", "unsure"),
                ("storage", "no"),
                ("backups", "yes"),
            ],
            "imap",
        ),
        (
            &[
                ("devices", "one"),
                ("offline", "no"),
                ("quota", "no"),
                ("storage", "no"),
                ("backups", "yes"),
            ],
            "imap",
        ),
        (
            &[
                ("devices", "one"),
                ("offline", "yes"),
                ("quota", "unsure"),
                ("storage", "no"),
                ("backups", "yes"),
            ],
            "pop",
        ),
        // Offline matters, but backups do not exist: IMAP, and the offline
        // need is still answered.
        (
            &[
                ("devices", "one"),
                ("offline", "yes"),
                ("quota", "no"),
                ("storage", "no"),
                ("backups", "no"),
            ],
            "imap",
        ),
        (
            &[
                ("devices", "unsure"),
                ("offline", "yes"),
                ("quota", "yes"),
                ("storage", "no"),
                ("backups", "yes"),
            ],
            "imap",
        ),
        (
            &[
                ("devices", "one"),
                ("offline", "yes"),
                ("quota", "yes"),
                ("storage", "unsure"),
                ("backups", "yes"),
            ],
            "imap",
        ),
    ];
    for (answers, expected) in cases {
        let answers = map(answers);
        let result = recommend(dialogue, &answers);
        assert_eq!(result.outcome, expected, "{answers:?}");
        if is(&answers, "offline", "yes") && expected == "imap" {
            assert!(
                result.notes.iter().any(|n| n.text.contains("offline")),
                "{:?}",
                result.notes
            );
        }
    }
}

#[test]
fn each_outcome_carries_its_own_caveats() {
    let dialogue = shipped();
    let pop = recommend(
        dialogue,
        &map(&[
            ("devices", "one"),
            ("offline", "yes"),
            ("quota", "no"),
            ("storage", "no"),
            ("backups", "yes"),
        ]),
    );
    assert_eq!(pop.outcome, "pop");
    let pop_caveats = pop.caveats.join(" ").to_lowercase();
    assert!(pop_caveats.contains("back it up"), "{pop_caveats}");
    assert!(pop_caveats.contains("leave a copy"), "{pop_caveats}");
    let imap = recommend(dialogue, &map(&[("devices", "several")]));
    let imap_caveats = imap.caveats.join(" ").to_lowercase();
    assert!(imap_caveats.contains("quota"), "{imap_caveats}");
}

#[test]
fn prompts_do_not_lead() {
    // "Do you need to read your email when you have no internet?" is a yes
    // for nearly everyone; the question asks how often it really happens.
    let offline = shipped().question("offline").unwrap();
    assert!(offline.prompt.contains("often"), "{}", offline.prompt);
}

#[test]
fn reasons_of_a_pop_recommendation_name_the_answers_behind_them() {
    let dialogue = shipped();
    let answers = map(&[
        ("devices", "one"),
        ("offline", "yes"),
        ("quota", "yes"),
        ("storage", "no"),
        ("backups", "yes"),
    ]);
    let result = recommend(dialogue, &answers);
    assert_eq!(result.outcome, "pop");
    assert_eq!(result.label, "POP");
    let because: Vec<_> = result.reasons.iter().map(|r| r.because.clone()).collect();
    assert!(
        because.contains(&map(&[("devices", "one"), ("offline", "yes")])),
        "{because:?}"
    );
    assert!(
        because.contains(&map(&[("devices", "one"), ("quota", "yes")])),
        "{because:?}"
    );
}

#[test]
fn asking_never_changes_the_outcome() {
    let dialogue = shipped();
    for answers in combinations() {
        let (asked, result) = drive(dialogue, DialogueState::default(), &answers);
        let full = recommend(dialogue, &answers);
        assert!(asked.len() <= MAX_STEPS);
        assert_eq!(
            result.outcome, full.outcome,
            "stopping after {asked:?} changed the outcome for {answers:?}"
        );
        let unanswered: BTreeSet<&str> = result.unanswered.iter().map(String::as_str).collect();
        let not_asked: BTreeSet<&str> = SLOTS
            .iter()
            .map(|(slot, _)| *slot)
            .filter(|slot| !asked.iter().any(|a| a == slot))
            .collect();
        assert_eq!(unanswered, not_asked, "{answers:?}");
        if let Some(position) = asked.iter().position(|slot| slot == "devices") {
            if is(&answers, "devices", "several") {
                assert_eq!(
                    position + 1,
                    asked.len(),
                    "asked {:?} after devices=several",
                    &asked[position + 1..]
                );
            }
        }
    }
}

#[test]
fn several_devices_ends_the_dialogue_at_once() {
    let dialogue = shipped();
    let state = answer(dialogue, &DialogueState::default(), "devices", "several").unwrap();
    match next_step(dialogue, &state) {
        Step::Done(result) => {
            assert_eq!(result.outcome, "imap");
            assert_eq!(result.unanswered.len(), 4, "{:?}", result.unanswered);
        }
        Step::Ask(question) => panic!("asked `{}` after devices=several", question.slot),
    }
}

#[test]
fn the_dialogue_is_not_settled_at_the_start() {
    let dialogue = shipped();
    assert!(!is_settled(dialogue, &BTreeMap::new()));
    assert!(matches!(
        next_step(dialogue, &DialogueState::default()),
        Step::Ask(_)
    ));
    assert!(is_settled(dialogue, &map(&[("devices", "several")])));
    assert!(!is_settled(dialogue, &map(&[("devices", "one")])));
}

#[test]
fn prefilled_answers_are_never_asked() {
    let dialogue = shipped();
    let prefilled = map(&[
        ("offline", "yes"),
        ("quota", "no"),
        ("colour", "red"),
        ("storage", "maybe"),
    ]);
    let state = DialogueState::start(dialogue, &prefilled);
    // Unknown slots and values are dropped, known ones kept as prefilled.
    assert_eq!(state.as_map(), map(&[("offline", "yes"), ("quota", "no")]));
    assert!(state.answers.iter().all(|a| a.prefilled));
    assert_eq!(state.asked(), 0);

    for answers in combinations()
        .into_iter()
        .filter(|a| is(a, "offline", "yes") && is(a, "quota", "no"))
    {
        let (asked, result) = drive(dialogue, state.clone(), &answers);
        assert!(
            !asked
                .iter()
                .any(|slot| slot == "offline" || slot == "quota"),
            "asked a prefilled slot: {asked:?}"
        );
        assert_eq!(result.outcome, recommend(dialogue, &answers).outcome);
    }
}

#[test]
fn a_prefilled_decisive_answer_finishes_without_questions() {
    let dialogue = shipped();
    let state = DialogueState::start(dialogue, &map(&[("devices", "several")]));
    match next_step(dialogue, &state) {
        Step::Done(result) => assert_eq!(result.outcome, "imap"),
        Step::Ask(question) => panic!("asked `{}`", question.slot),
    }
}

#[test]
fn back_takes_back_the_last_asked_answer_only() {
    let dialogue = shipped();
    let state = DialogueState::start(dialogue, &map(&[("quota", "yes")]));
    assert_eq!(back(&state), state, "back removed a prefilled answer");

    let first = asked_slot(&next_step(dialogue, &state)).unwrap().to_owned();
    let value = dialogue.question(&first).unwrap().options[0].value.clone();
    let one = answer(dialogue, &state, &first, &value).unwrap();
    let second = asked_slot(&next_step(dialogue, &one)).unwrap().to_owned();
    assert_ne!(first, second);
    let two = answer(dialogue, &one, &second, UNSURE).unwrap();
    assert_eq!(two.asked(), 2);

    let undone = back(&two);
    assert_eq!(undone, one);
    assert_eq!(
        asked_slot(&next_step(dialogue, &undone)),
        Some(second.as_str())
    );
    let undone = back(&undone);
    assert_eq!(undone, state);
    assert_eq!(undone.value("quota"), Some("yes"));
    assert_eq!(back(&undone), state);
}

#[test]
fn answering_again_replaces_the_earlier_answer() {
    let dialogue = shipped();
    let state = answer(dialogue, &DialogueState::default(), "devices", "one").unwrap();
    let state = answer(dialogue, &state, "devices", "several").unwrap();
    assert_eq!(state.answers.len(), 1);
    assert_eq!(state.value("devices"), Some("several"));
}

#[test]
fn restart_clears_every_answer() {
    let dialogue = shipped();
    let state = DialogueState::start(dialogue, &map(&[("offline", "yes")]));
    let state = answer(dialogue, &state, "devices", "one").unwrap();
    let fresh = restart();
    assert!(fresh.answers.is_empty());
    assert_eq!(
        asked_slot(&next_step(dialogue, &fresh)),
        Some(dialogue.questions[0].slot.as_str())
    );
    assert_ne!(fresh, state);
}

#[test]
fn an_unknown_slot_is_an_error_listing_the_slots() {
    let dialogue = shipped();
    let error = answer(dialogue, &DialogueState::default(), "colour", "red").unwrap_err();
    let DialogueError::UnknownSlot { slot, valid } = &error else {
        panic!("expected UnknownSlot, got {error:?}");
    };
    assert_eq!(slot, "colour");
    for (known, _) in SLOTS {
        assert!(valid.contains(known), "`{valid}` does not list `{known}`");
    }
    assert!(error.to_string().contains("devices"), "{error}");
}

#[test]
fn an_unknown_value_is_an_error_listing_the_values() {
    let dialogue = shipped();
    let error = answer(dialogue, &DialogueState::default(), "devices", "three").unwrap_err();
    assert_eq!(
        error,
        DialogueError::UnknownValue {
            slot: "devices".to_owned(),
            value: "three".to_owned(),
            valid: "one, several, unsure".to_owned(),
        }
    );
    assert!(
        error.to_string().contains("one, several, unsure"),
        "{error}"
    );
    assert!(check_answer(dialogue, "backups", UNSURE).is_ok());
}

#[test]
fn a_state_survives_serialisation() {
    let dialogue = shipped();
    let state = DialogueState::start(dialogue, &map(&[("offline", "yes")]));
    let state = answer(dialogue, &state, "devices", "one").unwrap();
    let text = serde_json::to_string(&state).unwrap();
    let back_again: DialogueState = serde_json::from_str(&text).unwrap();
    assert_eq!(back_again, state);
}

#[test]
fn answer_labels_are_the_option_labels() {
    let dialogue = shipped();
    assert_eq!(answer_label(dialogue, "devices", "one"), "Just one");
    assert_eq!(answer_label(dialogue, "devices", UNSURE), "Not sure");
    assert_eq!(answer_label(dialogue, "colour", UNSURE), "Not sure");
}
