//! Turning Discord message text into plain lowercase words.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::char::decompose_compatible;
use unicode_normalization::char::is_combining_mark;

use crate::phrase::{is_apostrophe, is_invisible};

/// Longer input is cut here: a Discord message holds at most 4000
/// characters, and the question is in its first lines anyway.
const MAX_INPUT_CHARS: usize = 4000;

/// Mentions, channel links, custom emoji, timestamps, slash-command links,
/// `@everyone`/`@here` and URLs: none of them says what the question is about.
static DISCORD_MARKUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        <a?:[A-Za-z0-9_~]+:\d+>        # custom emoji
      | <[@\#][!&]?\d+>                # user, role and channel mentions
      | </[^<>:]+:\d+>                 # slash-command mentions
      | <t:-?\d+(?::[A-Za-z])?>        # timestamps
      | @(?:everyone|here)\b
      | <?(?:https?|ftp)://[^\s>]+>?   # links, bare or in <>
      | \bwww\.[^\s]+
      ",
    )
    .expect("the markup pattern is a valid regex")
});

/// Normalises `text` into lowercase words separated by single spaces:
/// Discord markup removed, Unicode compatibility forms folded, accents and
/// combining marks dropped, invisible characters removed, and every
/// character other than letters, digits and in-word apostrophes turned into
/// a space. Code blocks keep their text: pasted error messages are evidence.
pub fn normalize(text: &str) -> String {
    let text = truncate(text, MAX_INPUT_CHARS);
    let text = if may_hold_markup(text) {
        DISCORD_MARKUP.replace_all(text, " ")
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    fold(&text)
}

/// [`normalize`] after the markup is gone: words, folded.
fn fold(text: &str) -> String {
    let out = words_of(text);
    // Apostrophes only survive inside words ("don't"), not as quotes.
    if !out.contains('\'') {
        return out;
    }
    let mut trimmed = String::with_capacity(out.len());
    for word in out.split(' ').map(|word| word.trim_matches('\'')) {
        if !word.is_empty() {
            if !trimmed.is_empty() {
                trimmed.push(' ');
            }
            trimmed.push_str(word);
        }
    }
    trimmed
}

/// The letters, digits and apostrophes of `text`, lowercase, in words
/// separated by single spaces, compatibility forms folded (NFKD) and
/// combining marks dropped.
///
/// Each character is decomposed on its own: NFKD would also put combining
/// marks in canonical order, but they are all dropped, so the words are the
/// same, and ASCII (most of any question) skips the tables altogether.
fn words_of(text: &str) -> String {
    let mut words = Words {
        out: String::with_capacity(text.len()),
        pending_space: false,
    };
    for c in text.chars() {
        if c.is_ascii() {
            words.push_ascii(c);
        } else {
            decompose_compatible(c, |part| words.push(part));
        }
    }
    words.out
}

/// Words being written out: the text so far, and whether a space is owed
/// before the next letter.
struct Words {
    out: String,
    pending_space: bool,
}

impl Words {
    fn push(&mut self, c: char) {
        if c.is_whitespace() {
            self.pending_space = true;
            return;
        }
        if is_combining_mark(c) || is_invisible(c) {
            return;
        }
        let c = if is_apostrophe(c) { '\'' } else { c };
        if c.is_alphanumeric() || c == '\'' {
            self.start_or_continue_word();
            self.out.extend(c.to_lowercase());
        } else {
            self.pending_space = true;
        }
    }

    /// [`Self::push`] for an ASCII character, which needs no tables.
    fn push_ascii(&mut self, c: char) {
        if c.is_ascii_alphanumeric() || c == '\'' {
            self.start_or_continue_word();
            self.out.push(c.to_ascii_lowercase());
        } else if c.is_whitespace() || !c.is_ascii_control() {
            self.pending_space = true;
        }
    }

    fn start_or_continue_word(&mut self) {
        if self.pending_space && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.pending_space = false;
    }
}

/// Whether `text` has what every piece of [`DISCORD_MARKUP`] starts with or
/// holds: most text has none, and this check is far cheaper than the search.
fn may_hold_markup(text: &str) -> bool {
    text.contains(['<', '@']) || text.contains("://") || text.contains("www.")
}

fn truncate(text: &str, max_chars: usize) -> &str {
    // A character is at least a byte: short text needs no counting.
    if text.len() <= max_chars {
        return text;
    }
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn removes_discord_markup_and_keeps_words() {
        let text = "<@123456789012345678> hey <:sadcat:987654321098765432> my **mail** is gone, see https://example.com/x?y=1 <#42> @everyone";
        assert_eq!(normalize(text), "hey my mail is gone see");
    }

    #[test]
    fn keeps_the_text_of_code_blocks() {
        let text = "thunderbird says\n```\n552 5.2.2 Mailbox full\n```";
        assert_eq!(normalize(text), "thunderbird says 552 5 2 2 mailbox full");
    }

    #[test]
    fn folds_case_accents_compatibility_forms_and_invisible_characters() {
        assert_eq!(normalize("ＩＭＡＰ Café"), "imap cafe");
        assert_eq!(normalize("po\u{200b}p\u{202e} ma\u{0301}il"), "pop mail");
        assert_eq!(normalize("i\u{0336}m\u{0336}a\u{0336}p"), "imap");
    }

    #[test]
    fn keeps_apostrophes_inside_words_only() {
        assert_eq!(
            normalize("I don’t get 'why' it's gone"),
            "i don't get why it's gone"
        );
    }

    /// The reference: NFKD over the whole text, then the same rules.
    fn reference(text: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        let mut words = super::Words {
            out: String::new(),
            pending_space: false,
        };
        text.nfkd().for_each(|c| words.push(c));
        let words: Vec<&str> = words
            .out
            .split(' ')
            .map(|word| word.trim_matches('\''))
            .filter(|word| !word.is_empty())
            .collect();
        words.join(" ")
    }

    /// Every Unicode character, between letters and between combining
    /// marks (which NFKD would reorder around it), folds as NFKD over the
    /// whole text folds it.
    #[test]
    fn folding_character_by_character_matches_nfkd_of_the_whole_text() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            for text in [
                format!("a{c}b"),
                format!("{c}\u{0301}\u{0316}x"),
                format!("x\u{0301}{c}\u{0316}"),
            ] {
                assert_eq!(super::fold(&text), reference(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn long_input_is_cut_without_splitting_a_character() {
        let text = "é".repeat(10_000);
        assert_eq!(normalize(&text).chars().count(), 4000);
    }
}
