//! Finding the part of a long post that asks.
//!
//! Real support posts run to several sentences: the mail app, an error,
//! what was tried, and somewhere the question. Every word of the story
//! dilutes the evidence for the answer; the title and the sentences that
//! ask carry it. This picks those out so the matcher can weigh them.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::lexicon::Lexicon;

/// Posts shorter than this many words are all question.
const MIN_WORDS: usize = 25;

/// The title (a post's first line, when it is short) and the sentences
/// that ask, joined; `None` when the post is short, or when nothing in it
/// reads as a question (then the whole post is the question).
pub fn asking_part(text: &str, lexicon: &Lexicon) -> Option<String> {
    if text.split_whitespace().count() < MIN_WORDS {
        return None;
    }
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let first = lines.next()?;
    let mut parts: Vec<&str> = Vec::new();
    let rest_start = if first.split_whitespace().count() <= 15 {
        parts.push(first.trim());
        first.len()
    } else {
        0
    };
    let rest = text.trim_start().get(rest_start..).unwrap_or_default();
    let asking: Vec<&str> = sentences(rest).filter(|s| asks(s, lexicon)).collect();
    if asking.is_empty() {
        return None;
    }
    parts.extend(asking);
    Some(parts.join(". "))
}

/// The sentences of `text`: split after `.`, `!` and `?` (and at line
/// breaks), keeping the mark.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut cuts = Vec::new();
    for (index, &byte) in bytes.iter().enumerate() {
        let ends = match byte {
            b'\n' => true,
            b'?' | b'!' => true,
            // A full stop ends a sentence before a space, not in "v1.2".
            b'.' => bytes
                .get(index + 1)
                .is_none_or(|next| next.is_ascii_whitespace()),
            _ => false,
        };
        if ends {
            cuts.push((start, index + 1));
            start = index + 1;
        }
    }
    cuts.push((start, text.len()));
    cuts.into_iter()
        .map(move |(from, to)| text[from..to].trim())
        .filter(|sentence| !sentence.is_empty())
}

fn asks(sentence: &str, lexicon: &Lexicon) -> bool {
    if sentence.ends_with('?') {
        return true;
    }
    // Lowercase without accents, as the lexicon writes its words (ASCII,
    // most posts, has none to drop).
    let lower: String = if sentence.is_ascii() {
        sentence.to_ascii_lowercase()
    } else {
        sentence
            .to_lowercase()
            .nfkd()
            .filter(|&c| !is_combining_mark(c))
            .collect()
    };
    let first_word = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .find(|word| !word.is_empty())
        .unwrap_or_default();
    lexicon.question_openers.contains(&first_word)
        || lexicon
            .request_phrases
            .iter()
            .any(|phrase| lower.contains(phrase))
}

#[cfg(test)]
mod tests {
    use super::asking_part as asking_part_in;
    use crate::language::Language;
    use crate::matcher::lexicon;

    fn asking_part(text: &str) -> Option<String> {
        asking_part_in(text, lexicon::of(Language::English))
    }

    #[test]
    fn short_posts_are_all_question() {
        assert_eq!(asking_part("should I use pop or imap on my phone?"), None);
    }

    #[test]
    fn a_long_post_keeps_its_title_and_the_sentences_that_ask() {
        let post = "Mail vanished from webmail\n\
            I have Outlook 2019 on Windows 11 and an old laptop. Yesterday I installed \
            the updates and restarted everything twice. The log says nothing useful. \
            Why would my messages disappear from webmail after Outlook downloads them? \
            Thanks in advance.";
        let focus = asking_part(post).unwrap();
        assert!(focus.starts_with("Mail vanished from webmail"), "{focus}");
        assert!(focus.contains("Why would my messages disappear"), "{focus}");
        assert!(!focus.contains("installed"), "{focus}");
        assert!(!focus.contains("Thanks"), "{focus}");
    }

    #[test]
    fn a_request_without_a_question_mark_still_asks() {
        let post = "Backups\nI run Thunderbird on two machines at home and one at work, all \
            of them on Linux with the same account and lots of folders. I want to move all \
            my mail to the new laptop without losing the folders";
        let focus = asking_part(post).unwrap();
        assert!(focus.contains("I want to move all my mail"), "{focus}");
    }

    #[test]
    fn a_long_story_with_no_question_is_left_whole() {
        let post = "Thunderbird on Windows 10 with an account from my provider, set up \
            years ago by my son, and it has worked fine all that time until this week. \
            Since Monday the inbox is empty every morning and the folders too.";
        assert_eq!(asking_part(post), None);
    }

    #[test]
    fn version_numbers_do_not_end_a_sentence() {
        let post = "Upgrade trouble\nAfter going from version 1.2.3 to 1.2.4 on my phone and \
            my tablet and my laptop, all at once last night, something changed for the worse. \
            Is there a way to keep all mail on the server with 1.2.4 too";
        let focus = asking_part(post).unwrap();
        assert!(
            focus.contains("Is there a way to keep all mail on the server with 1.2.4 too"),
            "{focus}"
        );
    }
}
