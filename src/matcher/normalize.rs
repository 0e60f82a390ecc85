//! Turning Discord message text into plain lowercase words.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

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
    // ASCII text has no compatibility forms or combining marks to fold.
    let mut out = if text.is_ascii() {
        words_of(text.chars(), text.len())
    } else {
        words_of(text.nfkd(), text.len())
    };
    // Apostrophes only survive inside words ("don't"), not as quotes.
    if out.contains('\'') {
        out = out
            .split(' ')
            .map(|word| word.trim_matches('\''))
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
    }
    out
}

/// The letters, digits and apostrophes of `chars`, lowercase, in words
/// separated by single spaces.
fn words_of(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if is_combining_mark(c) || is_invisible(c) {
            continue;
        }
        let c = if is_apostrophe(c) { '\'' } else { c };
        if c.is_alphanumeric() || c == '\'' {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Whether `text` has what every piece of [`DISCORD_MARKUP`] starts with or
/// holds: most text has none, and this check is far cheaper than the search.
fn may_hold_markup(text: &str) -> bool {
    text.contains(['<', '@']) || text.contains("://") || text.contains("www.")
}

fn truncate(text: &str, max_chars: usize) -> &str {
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

    #[test]
    fn long_input_is_cut_without_splitting_a_character() {
        let text = "é".repeat(10_000);
        assert_eq!(normalize(&text).chars().count(), 4000);
    }
}
