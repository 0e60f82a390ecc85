//! From normalised words to index terms: compounds joined, stop words
//! dropped, words stemmed, and the mail vocabulary's synonyms folded onto
//! one term ("laptop", "pc" and "desktop" are all a computer here).

use rustc_hash::FxHashMap;

use rust_stemmers::{Algorithm, Stemmer};

/// Words that say nothing about which answer is wanted: English function
/// words plus the greetings, fillers and chat abbreviations of a support
/// channel (with and without their apostrophes). Sorted at first use.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "actually",
    "advance",
    "after",
    "again",
    "ah",
    "all",
    "already",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anybody",
    "anyone",
    "anyway",
    "anyways",
    "appreciate",
    "appreciated",
    "are",
    "aren't",
    "arent",
    "as",
    "asap",
    "at",
    "basically",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "bit",
    "both",
    "btw",
    "but",
    "by",
    "can",
    "can't",
    "cant",
    "cheers",
    "could",
    "couldn't",
    "couldnt",
    "curious",
    "dear",
    "did",
    "didn't",
    "didnt",
    "do",
    "does",
    "doesn't",
    "doesnt",
    "doing",
    "don't",
    "dont",
    "down",
    "during",
    "each",
    "eh",
    "else",
    "etc",
    "even",
    "ever",
    "every",
    "everybody",
    "everyone",
    "few",
    "folks",
    "for",
    "from",
    "further",
    "fyi",
    "get",
    "gets",
    "getting",
    "gonna",
    "got",
    "gotta",
    "guys",
    "had",
    "hadn't",
    "hadnt",
    "has",
    "hasn't",
    "hasnt",
    "have",
    "haven't",
    "havent",
    "having",
    "he",
    "hello",
    "help",
    "her",
    "here",
    "here's",
    "heres",
    "hers",
    "hey",
    "hi",
    "him",
    "his",
    "hiya",
    "hmm",
    "honestly",
    "how",
    "how's",
    "hows",
    "howdy",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "idk",
    "if",
    "im",
    "in",
    "into",
    "is",
    "isn't",
    "isnt",
    "it",
    "it's",
    "its",
    "ive",
    "just",
    "kinda",
    "know",
    "let",
    "let's",
    "lets",
    "like",
    "literally",
    "lmao",
    "lol",
    "lot",
    "lots",
    "maybe",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "need",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "oh",
    "ok",
    "okay",
    "omg",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "people",
    "please",
    "pls",
    "plz",
    "pretty",
    "probably",
    "question",
    "quick",
    "really",
    "regards",
    "rn",
    "same",
    "says",
    "seriously",
    "she",
    "should",
    "shouldn't",
    "shouldnt",
    "so",
    "some",
    "someone",
    "something",
    "sorry",
    "still",
    "stuff",
    "such",
    "sure",
    "tbh",
    "team",
    "than",
    "thank",
    "thanks",
    "that",
    "that's",
    "thats",
    "the",
    "their",
    "them",
    "then",
    "there",
    "there's",
    "theres",
    "these",
    "they",
    "they're",
    "theyre",
    "thing",
    "things",
    "this",
    "those",
    "tho",
    "though",
    "through",
    "thx",
    "to",
    "too",
    "ty",
    "tysm",
    "u",
    "ugh",
    "uh",
    "um",
    "under",
    "until",
    "up",
    "ur",
    "us",
    "very",
    "wanna",
    "want",
    "was",
    "wasn't",
    "wasnt",
    "we",
    "were",
    "what",
    "what's",
    "whats",
    "when",
    "where",
    "which",
    "while",
    "who",
    "who's",
    "whos",
    "why",
    "will",
    "with",
    "wonder",
    "wondering",
    "won't",
    "would",
    "wouldn't",
    "wouldnt",
    "wtf",
    "y'all",
    "yall",
    "yeah",
    "yes",
    "yet",
    "yo",
    "you",
    "you're",
    "youre",
    "your",
    "yours",
];

/// Two words people write apart that mean one ("e mail", "in box",
/// "back up"): joined before anything else.
const COMPOUNDS: &[(&str, &str, &str)] = &[
    ("air", "plane", "airplane"),
    ("back", "up", "backup"),
    ("backed", "up", "backup"),
    ("backing", "up", "backup"),
    ("backs", "up", "backup"),
    ("e", "mail", "email"),
    ("e", "mails", "emails"),
    ("in", "box", "inbox"),
    ("k", "9", "k9"),
    ("log", "in", "login"),
    ("mail", "box", "mailbox"),
    ("off", "line", "offline"),
    ("pop", "3", "pop3"),
    ("sign", "in", "login"),
    ("web", "mail", "webmail"),
    ("wi", "fi", "wifi"),
];

/// Stems that mean the same thing in questions about reading mail, folded
/// onto the first stem of their group. General mail and device vocabulary
/// only: synonyms specific to one entry belong in that entry's keywords.
const SYNONYMS: &[&[&str]] = &[
    // devices
    &[
        "comput", "pc", "pcs", "laptop", "desktop", "macbook", "imac", "mac", "notebook",
    ],
    &[
        "phone",
        "iphon",
        "android",
        "mobil",
        "smartphon",
        "cellphon",
        "cell",
    ],
    &["tablet", "ipad"],
    // what is read
    &["mail", "email", "messag", "msg", "msgs"],
    &["mailbox", "inbox"],
    // the programs reading it
    &[
        "app",
        "client",
        "program",
        "softwar",
        "outlook",
        "thunderbird",
        "tbird",
        "k9",
    ],
    // protocols
    &["pop", "pop3", "pop3s"],
    &["imap", "imap4", "imaps"],
    // what happens to mail
    &["delet", "remov", "eras", "wipe"],
    &["disappear", "vanish", "miss"],
    &["sync", "synch", "synchron", "synchronis", "synchroniz"],
    // connections and travel
    &["internet", "wifi", "signal", "recept"],
    &["flight", "plane", "airplan", "aeroplan", "fli"],
    // choosing
    &["multipl", "sever"],
    &["choos", "pick", "select", "decid"],
    &["vs", "versus", "compar"],
    &["better", "best"],
];

/// Turns normalised text into stemmed index terms.
pub struct Terms {
    stemmer: Stemmer,
    stop_words: Vec<&'static str>,
    synonyms: Vec<(&'static str, &'static str)>,
}

impl Default for Terms {
    fn default() -> Self {
        let mut stop_words = STOP_WORDS.to_vec();
        stop_words.sort_unstable();
        let mut synonyms: Vec<(&str, &str)> = SYNONYMS
            .iter()
            .flat_map(|group| group.iter().map(|&stem| (stem, group[0])))
            .collect();
        synonyms.sort_unstable();
        Self {
            stemmer: Stemmer::create(Algorithm::English),
            stop_words,
            synonyms,
        }
    }
}

impl Terms {
    /// The terms of normalised text, in order, repeats kept.
    pub fn of(&self, normalized: &str) -> Vec<String> {
        self.collect(normalized, |word| self.term(word))
    }

    /// As [`Terms::of`], remembering each word's term in `known`: indexing
    /// meets the same few thousand words over and over, and stemming is
    /// most of what a word costs.
    pub fn of_remembered(
        &self,
        normalized: &str,
        known: &mut FxHashMap<String, Option<String>>,
    ) -> Vec<String> {
        self.collect(normalized, |word| {
            if let Some(term) = known.get(word) {
                return term.clone();
            }
            let term = self.term(word);
            known.insert(word.to_owned(), term.clone());
            term
        })
    }

    /// As [`Terms::of`], taking known words' terms from `known` (the
    /// knowledge's own words, remembered when it was indexed).
    pub fn of_known(
        &self,
        normalized: &str,
        known: &FxHashMap<String, Option<String>>,
    ) -> Vec<String> {
        self.collect(normalized, |word| match known.get(word) {
            Some(term) => term.clone(),
            None => self.term(word),
        })
    }

    fn collect(
        &self,
        normalized: &str,
        mut term_of: impl FnMut(&str) -> Option<String>,
    ) -> Vec<String> {
        let words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
        let mut out = Vec::with_capacity(words.len());
        let mut i = 0;
        while i < words.len() {
            let mut word = words[i];
            i += 1;
            if let Some(&next) = words.get(i) {
                if let Some(&(_, _, joined)) =
                    COMPOUNDS.iter().find(|&&(a, b, _)| a == word && b == next)
                {
                    word = joined;
                    i += 1;
                }
            }
            out.extend(term_of(word));
        }
        out
    }

    /// One word's term: `None` for stop words and single letters.
    fn term(&self, word: &str) -> Option<String> {
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
