//! Typo tolerance: finding the known term closest to an unknown one.
//!
//! A symmetric-delete index (as in SymSpell): every known term is stored
//! under itself and each string made by deleting one of its characters. An
//! unknown term's own one-character deletions are looked up, and candidates
//! are confirmed with a Damerau-Levenshtein distance, so "iamp" finds "imap"
//! and "disapear" finds "disappear" without scanning the vocabulary.

use rustc_hash::FxHashMap;

/// Terms shorter than this are never corrected: too many short words are
/// one edit apart.
const MIN_LEN: usize = 4;

#[derive(Debug, Default)]
pub struct FuzzyIndex {
    by_variant: FxHashMap<String, Vec<u32>>,
}

impl FuzzyIndex {
    pub fn insert(&mut self, term: &str, id: u32) {
        if term.chars().count() < MIN_LEN {
            return;
        }
        for variant in variants(term) {
            let ids = self.by_variant.entry(variant).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }

    /// The closest known term within the edit budget for the term's length,
    /// preferring the smaller distance, then the lower id (ids are handed
    /// out in order of first appearance, so the more common spelling tends
    /// to win ties).
    pub fn closest(&self, term: &str, names: &[String]) -> Option<u32> {
        let len = term.chars().count();
        if len < MIN_LEN || !term.chars().all(char::is_alphabetic) {
            return None;
        }
        let budget = if len >= 8 { 2 } else { 1 };
        let mut best: Option<(usize, u32)> = None;
        // The term and its deletions, built in one buffer: a question's
        // unknown words are looked up without an allocation each.
        let chars: Vec<char> = term.chars().collect();
        let mut variant = String::with_capacity(term.len());
        for skip in 0..=chars.len() {
            variant.clear();
            variant.extend(
                chars
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != skip)
                    .map(|(_, c)| c),
            );
            for &id in self.by_variant.get(variant.as_str()).into_iter().flatten() {
                let distance = strsim::damerau_levenshtein(term, &names[id as usize]);
                if distance <= budget && best.is_none_or(|b| (distance, id) < b) {
                    best = Some((distance, id));
                }
            }
        }
        best.map(|(_, id)| id)
    }
}

/// The term itself and every string made by deleting one character.
fn variants(term: &str) -> Vec<String> {
    let chars: Vec<char> = term.chars().collect();
    let mut out = Vec::with_capacity(chars.len() + 1);
    out.push(term.to_owned());
    for skip in 0..chars.len() {
        out.push(
            chars
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != skip)
                .map(|(_, c)| c)
                .collect(),
        );
    }
    out
}
