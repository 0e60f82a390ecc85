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
        Self {
            lexicon,
            stemmer: Stemmer::create(language.stemmer()),
            stop_words,
            synonyms,
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
            if let Some(&next) = words.peek() {
                if let Some(&(_, _, joined)) = self
                    .lexicon
                    .compounds
                    .iter()
                    .find(|&&(a, b, _)| a == word && b == next)
                {
                    word = joined;
                    words.next();
                }
            }
            out.extend(term_of(word));
        }
        out
    }

    /// One word's term: `None` for stop words and single letters.
    pub fn term(&self, word: &str) -> Option<String> {
        if self.stop_words.binary_search(&word).is_ok() {
            return None;
        }
        let word = word.replace('\'', "");
        if word.chars().count() < 2 {
            return None;
        }
        let stem = self.stemmer.stem(&word);
        Some(
            match self.synonyms.binary_search_by(|(s, _)| (*s).cmp(&stem)) {
                Ok(found) => self.synonyms[found].1.to_owned(),
                Err(_) => stem.into_owned(),
            },
        )
    }
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
