//! A phrase as a regular expression over normalised text (as `regex-syntax`
//! HIR): the form the matcher runs it in. Nobody writes or reads this form.
//!
//! Normalised text is words separated by single spaces, so a word of a
//! phrase is its text preceded by a space, or by the start of the text
//! when nothing can come before it, and the phrase as a whole is followed
//! by a space or the end. That is what "whole words" means here; nothing
//! needs a word-boundary assertion, which the lazy DFA could not run on
//! non-ASCII text.
//!
//! The letters of a word are any bytes but a space: on valid UTF-8, a run
//! of them always stops at a space, the end or an ASCII letter of the
//! phrase, so never inside a character, and a byte class is one state
//! where a Unicode class is a dozen.

use std::collections::BTreeMap;

use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Hir, Look, Repetition};

use super::syntax::{Node, Piece};
use super::GAP_WORDS;

/// The expression that matches `phrase`'s words anywhere in normalised text.
pub(super) fn hir(phrase: &Node) -> Hir {
    Hir::concat(vec![
        node(phrase, Before::SpaceOrStart),
        Hir::alternation(vec![space(), Hir::look(Look::End)]),
    ])
}

/// What comes before a node's first word.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Before {
    /// A space: something of the phrase came before.
    Space,
    /// A space, or the start of the text: nothing of the phrase may have
    /// come before.
    SpaceOrStart,
    /// Nothing more: the node's caller matched the separator, once for
    /// all its alternatives.
    Matched,
}

/// `node`, each of its words with the separator before it.
fn node(node: &Node, before: Before) -> Hir {
    match node {
        Node::Word(pieces) => separated(before, word(pieces)),
        Node::Gap => Hir::repetition(Repetition {
            min: 0,
            max: Some(GAP_WORDS),
            greedy: true,
            sub: Box::new(separated(before, any_word())),
        }),
        Node::NotNext(words) => Hir::alternation(vec![
            Hir::look(Look::End),
            separated(before, other_word(words)),
        ]),
        Node::Start => Hir::look(Look::Start),
        Node::End => Hir::look(Look::End),
        Node::Seq(items) => {
            let mut before = before;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(self::node(item, before));
                if !(before == Before::SpaceOrStart && item.may_be_empty()) {
                    before = Before::Space;
                }
            }
            Hir::concat(out)
        }
        Node::OneOf(alternatives) => one_of(alternatives, before),
        Node::Shared(values) => self::node(values, before),
        Node::Optional(alternatives) => Hir::repetition(Repetition {
            min: 0,
            max: Some(1),
            greedy: true,
            sub: Box::new(one_of(alternatives, before)),
        }),
        // Classes are resolved before compiling; an unresolved one (a
        // class with errors) matches nothing.
        Node::Class(_) | Node::Never => Hir::fail(),
    }
}

/// One of `alternatives`; when each starts with a word, the separator is
/// matched once before them all (`(?: (?:phone|laptop))`, not
/// `(?: phone| laptop)`): far fewer states for a class of many words.
fn one_of(alternatives: &[Node], before: Before) -> Hir {
    if before != Before::Matched && alternatives.iter().all(starts_with_word) {
        let inner = alternatives
            .iter()
            .map(|alternative| node(alternative, Before::Matched))
            .collect();
        return separated(before, Hir::alternation(inner));
    }
    Hir::alternation(
        alternatives
            .iter()
            .map(|alternative| node(alternative, before))
            .collect(),
    )
}

/// Whether every match of `node` starts with a word, with its separator.
fn starts_with_word(node: &Node) -> bool {
    match node {
        Node::Word(_) => true,
        Node::Seq(items) => items.first().is_some_and(starts_with_word),
        Node::OneOf(alternatives) => alternatives.iter().all(starts_with_word),
        Node::Shared(values) => starts_with_word(values),
        Node::Gap
        | Node::NotNext(_)
        | Node::Start
        | Node::End
        | Node::Optional(_)
        | Node::Class(_)
        | Node::Never => false,
    }
}

/// `hir` with the separator `before` calls for.
fn separated(before: Before, hir: Hir) -> Hir {
    match before {
        Before::Matched => hir,
        Before::Space => Hir::concat(vec![space(), hir]),
        Before::SpaceOrStart => Hir::concat(vec![
            Hir::alternation(vec![Hir::look(Look::Start), space()]),
            hir,
        ]),
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
                    sub: Box::new(bytes(&[(b'0', b'9')])),
                }),
            })
            .collect(),
    )
}

/// Any word but `words`: they are spelled out as a tree of their bytes,
/// and at each byte, the word may leave the tree (and then go on any way),
/// or end where no excluded word ends.
fn other_word(words: &[String]) -> Hir {
    #[derive(Default)]
    struct Letters {
        ends_a_word: bool,
        next: BTreeMap<u8, Letters>,
    }
    fn rest(letters: &Letters, at_start: bool) -> Hir {
        let mut alternatives = Vec::new();
        if !at_start && !letters.ends_a_word {
            alternatives.push(Hir::empty());
        }
        for (&byte, after) in &letters.next {
            alternatives.push(Hir::concat(vec![Hir::literal([byte]), rest(after, false)]));
        }
        let mut elsewhere = letter_class();
        elsewhere.difference(&ClassBytes::new(
            letters
                .next
                .keys()
                .map(|&byte| ClassBytesRange::new(byte, byte)),
        ));
        alternatives.push(Hir::concat(vec![
            Hir::class(Class::Bytes(elsewhere)),
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
        for &byte in word.as_bytes() {
            at = at.next.entry(byte).or_default();
        }
        at.ends_a_word = true;
    }
    rest(&tree, true)
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

/// A byte of a word: anything but a space.
fn letter() -> Hir {
    Hir::class(Class::Bytes(letter_class()))
}

fn letter_class() -> ClassBytes {
    ClassBytes::new([
        ClassBytesRange::new(0, b' ' - 1),
        ClassBytesRange::new(b' ' + 1, u8::MAX),
    ])
}

fn bytes(ranges: &[(u8, u8)]) -> Hir {
    Hir::class(Class::Bytes(ClassBytes::new(
        ranges.iter().map(|&(a, b)| ClassBytesRange::new(a, b)),
    )))
}
