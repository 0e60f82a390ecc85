//! Typo tolerance: finding the known term closest to an unknown one.
//!
//! A symmetric-delete index (as in SymSpell): every known term is stored
//! under itself and each string made by deleting one of its characters. An
//! unknown term's own one-character deletions are looked up, and candidates
//! are confirmed with a Damerau-Levenshtein distance, so "iamp" finds "imap"
//! and "disapear" finds "disappear" without scanning the vocabulary.

use std::hash::Hasher;

use rustc_hash::FxHasher;

/// Terms shorter than this are never corrected: too many short words are
/// one edit apart.
const MIN_LEN: usize = 4;

/// The index keeps a 64-bit hash of each variant, not its text: a term and
/// its deletions would otherwise be a string and a list each (about 1.8 MB
/// for the shipped English knowledge). Two variants sharing a hash only
/// add a candidate, which the edit distance then confirms or rejects.
#[derive(Debug, Default)]
pub struct FuzzyIndex {
    /// (variant hash, term id), sorted: the terms of one variant are a run.
    by_variant: Vec<(u64, u32)>,
}

impl FuzzyIndex {
    /// The index of `terms` (each with its id).
    pub fn new<'t>(terms: impl IntoIterator<Item = (&'t str, u32)>) -> Self {
        let mut by_variant = Vec::new();
        let mut chars = Vec::new();
        for (term, id) in terms {
            chars.clear();
            chars.extend(term.chars());
            if chars.len() < MIN_LEN {
                continue;
            }
            by_variant.push((variant_hash(&chars, None), id));
            by_variant.extend((0..chars.len()).map(|skip| (variant_hash(&chars, Some(skip)), id)));
        }
        by_variant.sort_unstable();
        by_variant.dedup();
        by_variant.shrink_to_fit();
        Self { by_variant }
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
        let chars: Vec<char> = term.chars().collect();
        // The term and its deletions (`skip == len` deletes nothing).
        for skip in 0..=chars.len() {
            let hash = variant_hash(&chars, (skip < chars.len()).then_some(skip));
            let from = self.by_variant.partition_point(|&(key, _)| key < hash);
            let run = self.by_variant[from..]
                .iter()
                .take_while(|&&(key, _)| key == hash);
            for &(_, id) in run {
                let distance = strsim::damerau_levenshtein(term, &names[id as usize]);
                if distance <= budget && best.is_none_or(|b| (distance, id) < b) {
                    best = Some((distance, id));
                }
            }
        }
        best.map(|(_, id)| id)
    }
}

/// The hash of `chars` without the one at `skip`, if any.
fn variant_hash(chars: &[char], skip: Option<usize>) -> u64 {
    let mut hasher = FxHasher::default();
    for (i, &c) in chars.iter().enumerate() {
        if Some(i) != skip {
            hasher.write_u32(u32::from(c));
        }
    }
    hasher.write_usize(chars.len() - usize::from(skip.is_some()));
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    fn names(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    fn index(names: &[String]) -> FuzzyIndex {
        FuzzyIndex::new(names.iter().zip(0..).map(|(n, id)| (n.as_str(), id)))
    }

    #[test]
    fn typos_find_their_term_and_short_or_far_words_find_none() {
        let names = names(&["imap", "disappear", "thunderbird", "pop", "outlook"]);
        let index = index(&names);
        let found = |term: &str| {
            index
                .closest(term, &names)
                .map(|id| names[id as usize].as_str())
        };
        assert_eq!(found("iamp"), Some("imap"));
        assert_eq!(found("disapear"), Some("disappear"));
        assert_eq!(found("thunderbrd"), Some("thunderbird"));
        assert_eq!(found("outlok"), Some("outlook"));
        assert_eq!(found("pp"), None, "too short to correct");
        assert_eq!(found("smtp"), None, "no term within one edit");
        assert_eq!(found("imap4"), None, "not a word");
    }

    /// The index as it was, keyed by each variant's text.
    fn by_text(names: &[String], term: &str) -> Option<u32> {
        let mut by_variant: HashMap<String, Vec<u32>> = HashMap::new();
        let deletions = |word: &str| {
            let chars: Vec<char> = word.chars().collect();
            let mut out = vec![word.to_owned()];
            out.extend((0..chars.len()).map(|skip| {
                let mut v = chars.clone();
                v.remove(skip);
                v.into_iter().collect::<String>()
            }));
            out
        };
        for (name, id) in names.iter().zip(0u32..) {
            if name.chars().count() >= MIN_LEN {
                for variant in deletions(name) {
                    by_variant.entry(variant).or_default().push(id);
                }
            }
        }
        let len = term.chars().count();
        if len < MIN_LEN || !term.chars().all(char::is_alphabetic) {
            return None;
        }
        let budget = if len >= 8 { 2 } else { 1 };
        deletions(term)
            .iter()
            .flat_map(|variant| by_variant.get(variant).into_iter().flatten())
            .map(|&id| (strsim::damerau_levenshtein(term, &names[id as usize]), id))
            .filter(|&(distance, _)| distance <= budget)
            .min()
            .map(|(_, id)| id)
    }

    proptest! {
        #[test]
        fn hashed_variants_find_what_the_variants_text_finds(
            words in proptest::collection::vec("[a-eé]{2,9}", 1..40),
            term in "[a-eé]{2,10}",
        ) {
            let names: Vec<String> = words;
            let index = index(&names);
            prop_assert_eq!(index.closest(&term, &names), by_text(&names, &term));
        }
    }
}
