//! A phrase as a regular expression over normalised text (as `regex-syntax`
//! HIR): the form the matcher runs it in. Nobody writes or reads this form.
//!
//! Normalised text is words separated by single spaces, so a word of a
//! phrase is its text preceded by a space, or by the start of the text
//! when nothing can come before it, and the phrase as a whole is followed
//! by a space or the end. That is what "whole words" means here; nothing
//! needs a word-boundary assertion, which the lazy DFA could not run on
//! non-ASCII text.

use std::collections::BTreeMap;

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, Look, Repetition};

use super::syntax::{Node, Piece};
use super::GAP_WORDS;

/// The expression that matches `phrase`'s words anywhere in normalised text.
pub(super) fn hir(phrase: &Node) -> Hir {
    Hir::concat(vec![
        node(phrase, true),
        Hir::alternation(vec![space(), Hir::look(Look::End)]),
    ])
}

/// `node`, each of its words with the separator before it. `may_start`:
/// whether nothing of the phrase may have come before, so the first word
/// may also be the text's first.
fn node(node: &Node, may_start: bool) -> Hir {
    match node {
        Node::Word(pieces) => Hir::concat(vec![separator(may_start), word(pieces)]),
        Node::Gap => Hir::repetition(Repetition {
            min: 0,
            max: Some(GAP_WORDS),
            greedy: true,
            sub: Box::new(Hir::concat(vec![separator(may_start), any_word()])),
        }),
        Node::NotNext(words) => Hir::alternation(vec![
            Hir::look(Look::End),
            Hir::concat(vec![separator(may_start), other_word(words)]),
        ]),
        Node::Start => Hir::look(Look::Start),
        Node::End => Hir::look(Look::End),
        Node::Seq(items) => {
            let mut may_start = may_start;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(self::node(item, may_start));
                may_start = may_start && item.may_be_empty();
            }
            Hir::concat(out)
        }
        Node::OneOf(alternatives) => Hir::alternation(
            alternatives
                .iter()
                .map(|alternative| self::node(alternative, may_start))
                .collect(),
        ),
        Node::Optional(alternatives) => Hir::repetition(Repetition {
            min: 0,
            max: Some(1),
            greedy: true,
            sub: Box::new(Hir::alternation(
                alternatives
                    .iter()
                    .map(|alternative| self::node(alternative, may_start))
                    .collect(),
            )),
        }),
        // Classes are resolved before compiling; an unresolved one (a
        // class with errors) matches nothing.
        Node::Class(_) | Node::Never => Hir::fail(),
    }
}

fn word(pieces: &[Piece]) -> Hir {
    if pieces.iter().all(|piece| *piece == Piece::Any) {
        return any_word();
    }
    Hir::concat(
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => Hir::literal(text.as_bytes()),
                Piece::Any => Hir::repetition(Repetition {
                    min: 0,
                    max: None,
                    greedy: true,
                    sub: Box::new(letter()),
                }),
                Piece::Digits => Hir::repetition(Repetition {
                    min: 1,
                    max: None,
                    greedy: true,
                    sub: Box::new(Hir::class(Class::Unicode(ClassUnicode::new([
                        ClassUnicodeRange::new('0', '9'),
                    ])))),
                }),
            })
            .collect(),
    )
}

/// Any word but `words`: they are spelled out as a tree of their letters,
/// and at each letter, the word may leave the tree (and then go on any
/// way), or end where no excluded word ends.
fn other_word(words: &[String]) -> Hir {
    #[derive(Default)]
    struct Letters {
        ends_a_word: bool,
        next: BTreeMap<char, Letters>,
    }
    fn rest(letters: &Letters, at_start: bool) -> Hir {
        let mut alternatives = Vec::new();
        if !at_start && !letters.ends_a_word {
            alternatives.push(Hir::empty());
        }
        for (c, after) in &letters.next {
            alternatives.push(Hir::concat(vec![
                Hir::literal(c.to_string().into_bytes()),
                rest(after, false),
            ]));
        }
        let mut elsewhere = letter_class();
        elsewhere.difference(&ClassUnicode::new(
            letters.next.keys().map(|&c| ClassUnicodeRange::new(c, c)),
        ));
        alternatives.push(Hir::concat(vec![
            Hir::class(Class::Unicode(elsewhere)),
            Hir::repetition(Repetition {
                min: 0,
                max: None,
                greedy: true,
                sub: Box::new(letter()),
            }),
        ]));
        Hir::alternation(alternatives)
    }
    let mut tree = Letters::default();
    for word in words {
        let mut at = &mut tree;
        for c in word.chars() {
            at = at.next.entry(c).or_default();
        }
        at.ends_a_word = true;
    }
    rest(&tree, true)
}

/// What comes before a word: a space, or also the start of the text.
fn separator(may_start: bool) -> Hir {
    if may_start {
        Hir::alternation(vec![Hir::look(Look::Start), space()])
    } else {
        space()
    }
}

fn space() -> Hir {
    Hir::literal(*b" ")
}

fn any_word() -> Hir {
    Hir::repetition(Repetition {
        min: 1,
        max: None,
        greedy: true,
        sub: Box::new(letter()),
    })
}

/// Anything but a space: in normalised text, a letter, digit or
/// apostrophe of a word.
fn letter() -> Hir {
    Hir::class(Class::Unicode(letter_class()))
}

fn letter_class() -> ClassUnicode {
    ClassUnicode::new([
        ClassUnicodeRange::new('\0', '\x1f'),
        ClassUnicodeRange::new('!', char::MAX),
    ])
}
