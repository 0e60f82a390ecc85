//! Coverage gaps: the questions nobody had an answer for, grouped by
//! similarity, biggest group first. Each group is what to write next: how
//! many asked it, two of their questions, and the entry that came nearest.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::matcher::{Candidate, Matcher};

/// Two questions share a group when this much of their terms is shared
/// (terms in both over terms in either).
const SAME_GAP: f64 = 0.4;

/// Questions shown per group.
const SAMPLES: usize = 2;

/// One group of similar unanswered questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// How many questions are in it.
    pub count: usize,
    /// The first of them (newest first), at most two.
    pub samples: Vec<String>,
    /// The entry that came nearest to its first question, if any.
    pub nearest: Option<Candidate>,
}

/// Groups `questions` (newest first): each joins the most similar group
/// whose first question shares at least 40% of its terms, or
/// starts one. Biggest groups first; among equals, the newest first.
pub fn group(matcher: &Matcher, questions: &[String]) -> Vec<Gap> {
    let mut groups: Vec<(BTreeSet<String>, Vec<&String>)> = Vec::new();
    for question in questions {
        let terms = matcher.terms_of(question);
        if terms.is_empty() {
            continue;
        }
        let best = groups
            .iter()
            .enumerate()
            .map(|(index, (seed, _))| (index, overlap(seed, &terms)))
            .filter(|(_, share)| *share >= SAME_GAP)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((index, _)) => groups[index].1.push(question),
            None => groups.push((terms, vec![question])),
        }
    }
    // Stable: groups of one size keep the order of their newest question.
    groups.sort_by_key(|(_, members)| std::cmp::Reverse(members.len()));
    groups
        .into_iter()
        .map(|(_, members)| Gap {
            count: members.len(),
            samples: members.iter().take(SAMPLES).map(|q| (*q).clone()).collect(),
            nearest: matcher.nearest(members[0]),
        })
        .collect()
}

fn overlap(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let shared = a.intersection(b).count();
    let either = a.union(b).count();
    if either == 0 {
        0.0
    } else {
        shared as f64 / either as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Knowledge;

    fn matcher() -> Matcher {
        Matcher::new(&Knowledge::builtin().unwrap())
    }

    fn questions(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn similar_questions_share_a_group_biggest_first() {
        let asked = questions(&[
            "how do I set up DKIM signing for my domain",
            "my calendar does not sync to my phone",
            "DKIM signing for my domain fails, how do I set it up?",
            "calendar does not sync with my phone anymore",
            "set up DKIM signing on my own domain",
            "what is the weather tomorrow",
        ]);
        let gaps = group(&matcher(), &asked);
        let counts: Vec<usize> = gaps.iter().map(|g| g.count).collect();
        assert_eq!(counts, [3, 2, 1], "{gaps:#?}");
        assert_eq!(
            gaps[0].samples,
            [asked[0].clone(), asked[2].clone()],
            "the newest two, newest first"
        );
        assert!(gaps[1].samples[0].contains("calendar"));
        assert_eq!(gaps[2].samples, [asked[5].clone()]);
    }

    #[test]
    fn nothing_asked_is_no_gap_and_words_without_terms_are_skipped() {
        assert!(group(&matcher(), &[]).is_empty());
        assert!(group(&matcher(), &questions(&["?!", "the and of"])).is_empty());
    }

    #[test]
    fn the_nearest_entry_is_named_even_below_the_threshold() {
        let gaps = group(
            &matcher().with_threshold(0.99),
            &questions(&["my mailbox is full and mail bounces"]),
        );
        let nearest = gaps[0].nearest.as_ref().expect("an entry comes near");
        assert_eq!(nearest.entry, "mailbox-quota");
    }
}
