//! From normalised words to index terms: compounds joined, stop words
//! dropped, words stemmed, and the mail vocabulary's synonyms folded onto
//! one term ("laptop", "pc" and "desktop" are all a computer here).

use rust_stemmers::Stemmer;

use super::lexicon::{self, Lexicon};
use crate::language::Language;

/// Turns normalised text into stemmed index terms.
pub struct Terms {
    lexicon: &'static Lexicon,
    stemmer: Stemmer,
    stop_words: Vec<&'static str>,
    synonyms: Vec<(&'static str, &'static str)>,
    /// The lexicon's compounds, their two words packed (see [`packed`]):
    /// every word of a question is checked against them, and comparing
    /// two integers is far cheaper than comparing two strings.
    compounds: Vec<(u64, u64, &'static str)>,
}

impl Default for Terms {
    fn default() -> Self {
        Self::new(Language::PRIMARY)
    }
}

impl Terms {
    /// The terms of a language: its stemmer and its [`Lexicon`].
    pub fn new(language: Language) -> Self {
        let lexicon = lexicon::of(language);
        let mut stop_words = lexicon.stop_words.to_vec();
        stop_words.sort_unstable();
        let mut synonyms: Vec<(&str, &str)> = lexicon
            .synonyms
            .iter()
            .flat_map(|group| group.iter().map(|&stem| (stem, group[0])))
            .collect();
        synonyms.sort_unstable();
        let compounds = lexicon
            .compounds
            .iter()
            .map(|&(first, second, joined)| {
                let (Some(first), Some(second)) = (packed(first), packed(second)) else {
                    panic!("a compound's words are at most 8 bytes: {joined}");
                };
                (first, second, joined)
            })
            .collect();
        Self {
            lexicon,
            stemmer: Stemmer::create(language.stemmer()),
            stop_words,
            synonyms,
            compounds,
        }
    }

    pub fn lexicon(&self) -> &'static Lexicon {
        self.lexicon
    }

    /// The terms of normalised text, in order, repeats kept.
    pub fn of(&self, normalized: &str) -> Vec<String> {
        self.map_words(normalized, |word| self.term(word))
    }

    /// Each word of normalised text (compounds joined) mapped by `term_of`,
    /// in order; words it maps to `None` are left out. The matcher maps
    /// words straight to term ids, remembering the words it has met:
    /// stemming is most of what a word costs.
    pub fn map_words<T>(
        &self,
        normalized: &str,
        mut term_of: impl FnMut(&str) -> Option<T>,
    ) -> Vec<T> {
        let mut words = normalized.split(' ').filter(|w| !w.is_empty()).peekable();
        let mut out = Vec::new();
        while let Some(mut word) = words.next() {
            if let Some(joined) = words.peek().and_then(|&next| self.compound(word, next)) {
                word = joined;
                words.next();
            }
            out.extend(term_of(word));
        }
        out
    }

    /// The word that `first` and `second`, written apart, make together.
    fn compound(&self, first: &str, second: &str) -> Option<&'static str> {
        let (first, second) = (packed(first)?, packed(second)?);
        self.compounds
            .iter()
            .find(|&&(a, b, _)| a == first && b == second)
            .map(|&(_, _, joined)| joined)
    }

    /// One word's term: `None` for stop words and single letters.
    pub fn term(&self, word: &str) -> Option<String> {
        if self.stop_words.binary_search(&word).is_ok() {
            return None;
        }
        let unquoted;
        let word = if word.contains('\'') {
            unquoted = word.replace('\'', "");
            unquoted.as_str()
        } else {
            word
        };
        if word.chars().count() < 2 {
            return None;
        }
        let stem = self.stemmer.stem(word);
        Some(
            match self.synonyms.binary_search_by(|(s, _)| (*s).cmp(&stem)) {
                Ok(found) => self.synonyms[found].1.to_owned(),
                Err(_) => stem.into_owned(),
            },
        )
    }
}

/// A word of at most 8 bytes as one integer, its bytes in order and zeros
/// after (normalised words hold no zero byte, so two words pack alike only
/// if they are the same); `None` for a longer word.
fn packed(word: &str) -> Option<u64> {
    let bytes = word.as_bytes();
    if bytes.len() > 8 {
        return None;
    }
    let mut buffer = [0u8; 8];
    buffer[..bytes.len()].copy_from_slice(bytes);
    Some(u64::from_le_bytes(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_stop_words_and_stems() {
        let terms = Terms::default();
        assert_eq!(
            terms.of("hey my emails are disappearing from my phone"),
            ["mail", "disappear", "phone"]
        );
    }

    #[test]
    fn joins_compounds_and_folds_synonyms() {
        let terms = Terms::default();
        assert_eq!(
            terms.of("is my e mail backed up on the iphone and the laptop"),
            terms.of("is my email backup on the phone and the computer")
        );
        assert_eq!(terms.of("pop 3 in thunderbird"), ["pop", "app"]);
        assert_eq!(
            terms.of("vanished from my in box"),
            ["disappear", "mailbox"]
        );
    }

    #[test]
    fn compounds_join_only_their_own_two_words() {
        let terms = Terms::default();
        assert_eq!(terms.of("web mail"), terms.of("webmail"));
        assert_eq!(terms.of("backing up"), terms.of("backup"));
        // Words that share a compound's first letters, or are longer than
        // a packed word, stay apart.
        let apart = |a: &str, b: &str| [terms.of(a), terms.of(b)].concat();
        assert_eq!(terms.of("web mailbox"), apart("web", "mailbox"));
        assert_eq!(terms.of("webs mail"), apart("webs", "mail"));
        assert_eq!(terms.of("in boxes"), apart("in", "boxes"));
        assert_eq!(packed("pop"), packed("pop"));
        assert_ne!(packed("pop"), packed("pop3"));
        assert_eq!(packed("toolongword"), None);
    }

    #[test]
    fn synonyms_meet_whatever_the_word_form() {
        let terms = Terms::default();
        for group in [
            "choose choosing picked selecting decide",
            "laptops pc desktop computers macbook",
            "iphone phones android mobile",
            "synchronise synchronize syncing sync",
            "disappeared vanishing missing",
        ] {
            let found = terms.of(group);
            assert!(found.iter().all(|t| *t == found[0]), "{group}: {found:?}");
        }
    }
}
