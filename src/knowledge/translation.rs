//! What a language's folder must agree on with the English knowledge: it
//! says the same things in other words. Its entries are English entries'
//! ids; its dialogues ask the same questions with the same options and
//! decide by the same rules. It may lack an entry (the answer is then shown
//! in English, with a note).

use super::{Dialogue, Knowledge, KnowledgeError};

/// Every way `translation` departs from `primary`'s structure.
pub(super) fn differences(primary: &Knowledge, translation: &Knowledge) -> Vec<KnowledgeError> {
    let mut errors = Vec::new();
    let language = translation.language();
    for entry in translation.entries() {
        let Some(original) = primary.entry(&entry.id) else {
            errors.push(KnowledgeError::new(
                &entry.source,
                entry.line_of_value("id", &entry.id),
                format!(
                    "no English entry has the id `{}`: a translation uses its entry's id",
                    entry.id
                ),
            ));
            continue;
        };
        for related in entry
            .related
            .iter()
            .filter(|id| primary.entry(id).is_none())
        {
            errors.push(KnowledgeError::new(
                &entry.source,
                entry.line_of_value("related", related),
                format!("`related` names unknown entry `{related}`"),
            ));
        }
        if entry.dialogue != original.dialogue {
            errors.push(KnowledgeError::new(
                &entry.source,
                entry.line_of("dialogue"),
                format!(
                    "`dialogue` must be the English entry's ({})",
                    original.dialogue.as_deref().unwrap_or("none")
                ),
            ));
        }
    }
    for dialogue in translation.dialogues() {
        match primary.dialogue(&dialogue.id) {
            None => errors.push(KnowledgeError::new(
                &dialogue.source,
                None,
                format!("no English dialogue has the id `{}`", dialogue.id),
            )),
            Some(original) => {
                if let Some(problem) = structure_differs(original, dialogue) {
                    errors.push(KnowledgeError::new(
                        &dialogue.source,
                        None,
                        format!("the {language} dialogue must match the English one: {problem}"),
                    ));
                }
            }
        }
    }
    errors
}

/// The first way a translated dialogue's questions, options, outcomes or
/// rules differ from the original's, if any.
fn structure_differs(original: &Dialogue, translated: &Dialogue) -> Option<String> {
    let slots = |d: &Dialogue| {
        d.questions
            .iter()
            .map(|q| q.slot.clone())
            .collect::<Vec<_>>()
    };
    if slots(original) != slots(translated) {
        return Some(format!(
            "questions {:?}, expected {:?}",
            slots(translated),
            slots(original)
        ));
    }
    for (a, b) in original.questions.iter().zip(&translated.questions) {
        if a.values() != b.values() {
            return Some(format!(
                "the options of `{}` are {:?}, expected {:?}",
                a.slot,
                b.values(),
                a.values()
            ));
        }
    }
    let outcomes = |d: &Dialogue| d.outcomes.keys().cloned().collect::<Vec<_>>();
    if outcomes(original) != outcomes(translated) || original.default != translated.default {
        return Some("its outcomes or its default differ".to_owned());
    }
    let rules = |d: &Dialogue| {
        d.rules
            .iter()
            .map(|r| (r.when.clone(), r.outcome.clone(), r.weight))
            .collect::<Vec<_>>()
    };
    if rules(original) != rules(translated) {
        return Some(
            "its rules decide differently (`when`, `outcome` and `weight` must match, in order)"
                .to_owned(),
        );
    }
    let notes = |d: &Dialogue| d.notes.iter().map(|n| n.when.clone()).collect::<Vec<_>>();
    if notes(original) != notes(translated) {
        return Some("its notes apply in different cases".to_owned());
    }
    None
}
