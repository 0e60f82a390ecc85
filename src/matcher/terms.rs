//! From normalised words to index terms: stop words dropped, words stemmed.

use rust_stemmers::{Algorithm, Stemmer};

/// Words that say nothing about which answer is wanted: English function
/// words plus the greetings, fillers and chat abbreviations of a support
/// channel.
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "anyone",
    "anybody", "are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below",
    "between", "both", "but", "by", "can", "can't", "cant", "could", "couldn't", "did", "didn't",
    "do", "does", "doesn't", "doing", "don't", "dont", "down", "during", "each", "eh", "else",
    "etc", "even", "ever", "every", "few", "for", "from", "further", "get", "gets", "getting",
    "got", "guys", "had", "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "hello",
    "help", "her", "here", "hers", "hey", "hi", "him", "his", "how", "i", "i'd", "i'll", "i'm",
    "i've", "idk", "if", "im", "in", "into", "is", "isn't", "it", "it's", "its", "ive", "just",
    "kinda", "know", "let", "like", "lol", "me", "might", "more", "most", "much", "must", "my",
    "myself", "need", "no", "nor", "not", "now", "of", "off", "ok", "okay", "on", "once", "one's",
    "only", "or", "other", "our", "ours", "out", "over", "own", "people", "please", "pls", "plz",
    "pretty", "question", "quick", "really", "rn", "same", "says", "she", "should", "so", "some",
    "someone", "something", "still", "such", "sure", "team", "tbh", "than", "thank", "thanks",
    "that", "that's", "thats", "the", "their", "them", "then", "there", "these", "they", "thing",
    "things", "this", "those", "through", "thx", "to", "too", "u", "ugh", "under", "until", "up",
    "ur", "us", "very", "wanna", "want", "was", "wasn't", "we", "were", "what", "what's", "whats",
    "when", "where", "which", "while", "who", "why", "will", "with", "won't", "would", "y'all",
    "yall", "yeah", "yes", "yet", "you", "you're", "your", "yours", "yo",
];

/// Turns normalised text into stemmed index terms.
pub struct Terms {
    stemmer: Stemmer,
}

impl Default for Terms {
    fn default() -> Self {
        Self {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }
}

impl Terms {
    /// The terms of normalised text, in order, repeats kept.
    pub fn of(&self, normalized: &str) -> Vec<String> {
        normalized
            .split(' ')
            .filter(|word| !word.is_empty() && !is_stop_word(word))
            .map(|word| word.replace('\'', ""))
            .filter(|word| word.chars().count() >= 2)
            .map(|word| self.stemmer.stem(&word).into_owned())
            .collect()
    }
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn drops_stop_words_and_stems() {
        let terms = Terms::default();
        assert_eq!(
            terms.of("hey my emails are disappearing from my phone"),
            ["email", "disappear", "phone"]
        );
    }
}
