//! Reading a phrase: its words, brackets and classes, into a [`Node`].

use std::sync::Arc;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A phrase, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    /// One word of the question: text, and `*` standing for any letters.
    Word(Vec<Piece>),
    /// `..`: up to [`GAP_WORDS`](super::GAP_WORDS) words, any.
    Gap,
    /// `^`: the question's start.
    Start,
    /// `$`: the question's end.
    End,
    /// Words one after the other.
    Seq(Vec<Node>),
    /// `( | )`: one of the alternatives.
    OneOf(Vec<Node>),
    /// `[ | ]`: one of the alternatives, or nothing.
    Optional(Vec<Node>),
    /// `!word`, `!(word | word)`: the next word, if there is one, is none
    /// of these.
    NotNext(Vec<String>),
    /// `{name}`, before the vocabulary replaces it with its values.
    Class(String),
    /// A class's values, resolved: shared by every phrase that uses the
    /// class rather than copied into each.
    Shared(Arc<Node>),
    /// A class that has errors of its own: it matches nothing, and the
    /// phrases that use it are not blamed for it.
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Text(String),
    /// `*`: any letters, digits and apostrophes, or none.
    Any,
    /// `#`: one or more digits.
    Digits,
}

impl Node {
    /// Whether the node can match without taking up a word.
    pub(super) fn may_be_empty(&self) -> bool {
        match self {
            Node::Word(_) | Node::Class(_) | Node::Never => false,
            Node::Gap | Node::Start | Node::End | Node::Optional(_) | Node::NotNext(_) => true,
            Node::Seq(items) => items.iter().all(Node::may_be_empty),
            Node::OneOf(alternatives) => alternatives.iter().any(Node::may_be_empty),
            Node::Shared(values) => values.may_be_empty(),
        }
    }

    /// Whether every match holds at least one word the author wrote, not
    /// just `*`, `#` or `..`: a phrase without one would fire on almost
    /// every question.
    pub(super) fn needs_a_word(&self) -> bool {
        match self {
            Node::Word(pieces) => pieces.iter().any(|p| matches!(p, Piece::Text(_))),
            Node::Class(_) | Node::Never => true,
            Node::Gap | Node::Start | Node::End | Node::Optional(_) | Node::NotNext(_) => false,
            Node::Seq(items) => items.iter().any(Node::needs_a_word),
            Node::OneOf(alternatives) => alternatives.iter().all(Node::needs_a_word),
            Node::Shared(values) => values.needs_a_word(),
        }
    }

    /// Replaces every class by what `lookup` gives for it; the error is
    /// the first class it gave nothing for.
    pub(super) fn resolve(
        &mut self,
        lookup: &mut impl FnMut(&str) -> Result<Node, String>,
    ) -> Result<(), String> {
        match self {
            Node::Class(name) => {
                *self = lookup(name)?;
                Ok(())
            }
            Node::Seq(items) | Node::OneOf(items) | Node::Optional(items) => {
                items.iter_mut().try_for_each(|item| item.resolve(lookup))
            }
            Node::Word(_)
            | Node::Gap
            | Node::Start
            | Node::End
            | Node::NotNext(_)
            | Node::Shared(_)
            | Node::Never => Ok(()),
        }
    }

    /// The names of the classes used, in order, repeats included.
    pub(super) fn classes<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Node::Class(name) => out.push(name),
            Node::Seq(items) | Node::OneOf(items) | Node::Optional(items) => {
                items.iter().for_each(|item| item.classes(out));
            }
            Node::Word(_)
            | Node::Gap
            | Node::Start
            | Node::End
            | Node::NotNext(_)
            | Node::Shared(_)
            | Node::Never => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bracket {
    Round,
    Square,
}

impl Bracket {
    fn open(self) -> char {
        match self {
            Bracket::Round => '(',
            Bracket::Square => '[',
        }
    }

    fn close(self) -> char {
        match self {
            Bracket::Round => ')',
            Bracket::Square => ']',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(Vec<Piece>),
    Gap,
    Start,
    End,
    Open(Bracket),
    Close(Bracket),
    Bar,
    Class(String),
    Not,
}

impl Token {
    /// Whether the token ends with a word or bracket that a word or an
    /// opening bracket must not touch.
    fn ends_solid(&self) -> bool {
        matches!(self, Token::Word(_) | Token::Close(_) | Token::Class(_))
    }

    fn starts_solid(&self) -> bool {
        matches!(self, Token::Word(_) | Token::Open(_) | Token::Class(_))
    }
}

/// A token and the character (1-based) where it starts.
type Located = (Token, usize);

const BAR_OUTSIDE_BRACKETS: &str = "`|` separates alternatives inside `( )` or `[ ]`; to match either of two phrases, write two phrases";

/// Reads `source` into its top-level sequence.
pub(super) fn parse(source: &str) -> Result<Node, String> {
    let mut tokens = tokens(source)?;
    if tokens.is_empty() {
        return Err("the phrase has no words".to_owned());
    }
    // The parser moves each word's text into its node: the tokens' kinds
    // and columns, which the checks below read, stay.
    let mut parser = Parser {
        tokens: &mut tokens,
        at: 0,
    };
    let alternatives = parser.alternatives(None)?;
    // `!` looks at the word after the phrase; a word of the phrase after it
    // would have to be that word too.
    let not_last = tokens
        .iter()
        .take(tokens.len().saturating_sub(1))
        .position(|(token, _)| *token == Token::Not)
        .filter(|&at| !ends_with_exclusion(&tokens[at..]));
    if let Some(at) = not_last {
        return Err(format!(
            "`!` at character {} ends a phrase: it says which word may not follow the phrase",
            tokens[at].1
        ));
    }
    match <[Node; 1]>::try_from(alternatives) {
        Ok([only]) => Ok(only),
        Err(_) => Err(BAR_OUTSIDE_BRACKETS.to_owned()),
    }
}

struct Parser<'t> {
    tokens: &'t mut [Located],
    at: usize,
}

impl Parser<'_> {
    /// Alternatives separated by `|`, up to the closing bracket of `inside`
    /// (not consumed) or the end.
    fn alternatives(&mut self, inside: Option<(Bracket, usize)>) -> Result<Vec<Node>, String> {
        let mut alternatives = Vec::new();
        let mut current = Vec::new();
        loop {
            let Some((token, column)) = self.tokens.get_mut(self.at) else {
                if let Some((bracket, column)) = inside {
                    return Err(format!(
                        "`{}` at character {column} is never closed",
                        bracket.open()
                    ));
                }
                break;
            };
            let column = *column;
            match token {
                Token::Close(found) => {
                    match inside {
                        Some((bracket, _)) if bracket == *found => {}
                        Some((bracket, opened)) => {
                            return Err(format!(
                                "`{}` at character {column} closes the `{}` at character {opened}; close it with `{}`",
                                found.close(),
                                bracket.open(),
                                bracket.close()
                            ))
                        }
                        None => {
                            return Err(format!(
                                "`{}` at character {column} closes a bracket that was never opened",
                                found.close()
                            ))
                        }
                    }
                    break;
                }
                Token::Not => {
                    self.at += 1;
                    current.push(Node::NotNext(self.excluded(column)?));
                }
                Token::Bar => {
                    if inside.is_none() {
                        return Err(BAR_OUTSIDE_BRACKETS.to_owned());
                    }
                    alternatives.push(finish(std::mem::take(&mut current), column, inside)?);
                    self.at += 1;
                }
                Token::Open(bracket) => {
                    let bracket = *bracket;
                    self.at += 1;
                    let inner = self.alternatives(Some((bracket, column)))?;
                    self.at += 1;
                    current.push(match bracket {
                        Bracket::Round => {
                            if inner.len() == 1 {
                                inner.into_iter().next().unwrap_or(Node::Never)
                            } else {
                                Node::OneOf(inner)
                            }
                        }
                        Bracket::Square => Node::Optional(inner),
                    });
                }
                Token::Word(pieces) => {
                    current.push(Node::Word(std::mem::take(pieces)));
                    self.at += 1;
                }
                Token::Gap => {
                    current.push(Node::Gap);
                    self.at += 1;
                }
                Token::Start => {
                    current.push(Node::Start);
                    self.at += 1;
                }
                Token::End => {
                    current.push(Node::End);
                    self.at += 1;
                }
                Token::Class(name) => {
                    current.push(Node::Class(std::mem::take(name)));
                    self.at += 1;
                }
            }
        }
        let end = self
            .tokens
            .get(self.at)
            .map_or(usize::MAX, |&(_, column)| column);
        alternatives.push(finish(current, end, inside)?);
        Ok(alternatives)
    }

    /// The words after a `!` at `column`: one word, or `( | )` of words.
    fn excluded(&mut self, column: usize) -> Result<Vec<String>, String> {
        let problem = || {
            format!(
                "`!` at character {column} says which word may not come next: write `!of`, or `!(of | with)` for several"
            )
        };
        let plain_word = |pieces: &[Piece]| match pieces {
            [Piece::Text(text)] => Some(text.clone()),
            _ => None,
        };
        let plain = |node: &Node| match node {
            Node::Word(pieces) => plain_word(pieces),
            _ => None,
        };
        match self.tokens.get(self.at) {
            Some((Token::Word(pieces), _)) => {
                let word = plain_word(pieces).ok_or_else(problem)?;
                self.at += 1;
                Ok(vec![word])
            }
            Some((Token::Open(Bracket::Round), opened)) => {
                let opened = *opened;
                self.at += 1;
                let alternatives = self.alternatives(Some((Bracket::Round, opened)))?;
                self.at += 1;
                alternatives
                    .iter()
                    .map(|a| plain(a).ok_or_else(problem))
                    .collect()
            }
            _ => Err(problem()),
        }
    }
}

/// Whether `tokens`, which start with `!`, are just the `!` and its words.
fn ends_with_exclusion(tokens: &[Located]) -> bool {
    match tokens {
        [_, (Token::Word(_), _)] => true,
        [_, (Token::Open(Bracket::Round), _), rest @ ..] => rest
            .iter()
            .position(|(token, _)| *token == Token::Close(Bracket::Round))
            .is_some_and(|close| close == rest.len() - 1),
        _ => false,
    }
}

/// One alternative's items as a node; an empty alternative is an error.
fn finish(
    items: Vec<Node>,
    column: usize,
    inside: Option<(Bracket, usize)>,
) -> Result<Node, String> {
    if items.is_empty() {
        return Err(match inside {
            Some((bracket, opened)) => format!(
                "empty alternative in the `{}` at character {opened}{}",
                bracket.open(),
                if column == usize::MAX {
                    String::new()
                } else {
                    format!(" (before character {column})")
                }
            ),
            None => "the phrase has no words".to_owned(),
        });
    }
    Ok(if items.len() == 1 {
        items.into_iter().next().unwrap_or(Node::Never)
    } else {
        Node::Seq(items)
    })
}

/// An apostrophe, straight or curly: questions and phrases straighten them
/// alike.
pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{02bc}')
}

/// Characters dropped without a trace, from questions and phrases alike.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{e0000}'..='\u{e0fff}')
        || c.is_control()
}

/// A word being read: its pieces so far.
#[derive(Default)]
struct WordBuf {
    pieces: Vec<Piece>,
    started_at: usize,
}

impl WordBuf {
    fn push_char(&mut self, c: char) {
        match self.pieces.last_mut() {
            Some(Piece::Text(text)) => text.push(c),
            _ => self.pieces.push(Piece::Text(c.to_string())),
        }
    }

    fn push_any(&mut self) {
        if self.pieces.last() != Some(&Piece::Any) {
            self.pieces.push(Piece::Any);
        }
    }

    fn push_digits(&mut self) {
        if self.pieces.last() != Some(&Piece::Digits) {
            self.pieces.push(Piece::Digits);
        }
    }

    /// The word, as the normaliser would leave it: apostrophes only inside.
    fn take(&mut self) -> Option<(Token, usize)> {
        let mut pieces = std::mem::take(&mut self.pieces);
        if let Some(Piece::Text(text)) = pieces.first_mut() {
            let quotes = text.len() - text.trim_start_matches('\'').len();
            text.drain(..quotes);
        }
        if let Some(Piece::Text(text)) = pieces.last_mut() {
            text.truncate(text.trim_end_matches('\'').len());
        }
        pieces.retain(|piece| !matches!(piece, Piece::Text(text) if text.is_empty()));
        pieces.dedup();
        (!pieces.is_empty()).then_some((Token::Word(pieces), self.started_at))
    }
}

/// Cuts `source` into tokens. Words are folded as the normaliser folds a
/// question (lowercase, accents dropped, curly apostrophes straightened);
/// any other punctuation separates words, as it does in a question.
fn tokens(source: &str) -> Result<Vec<Located>, String> {
    let mut out: Vec<Located> = Vec::new();
    let mut word = WordBuf::default();
    // Whether a space (or punctuation) separates the next token from the
    // previous one.
    let mut spaced = true;
    let mut chars = source.chars().enumerate().peekable();
    let push = |out: &mut Vec<Located>, token: Located, spaced: bool| -> Result<(), String> {
        if !spaced {
            if let Some((previous, _)) = out.last() {
                if previous.ends_solid() && token.0.starts_solid() {
                    return Err(format!(
                        "`{}` and `{}` touch at character {}: a word, a class and a bracket each stand for whole words, so put a space between them (`*` matches the rest of a word)",
                        shown(previous),
                        shown(&token.0),
                        token.1
                    ));
                }
            }
        }
        out.push(token);
        Ok(())
    };
    while let Some((index, c)) = chars.next() {
        let column = index + 1;
        let word_char = c.is_alphanumeric() || is_apostrophe(c) || c == '*' || c == '#';
        if word_char {
            if word.pieces.is_empty() {
                word.started_at = column;
            }
            if c == '*' {
                word.push_any();
            } else if c == '#' {
                word.push_digits();
            } else if is_apostrophe(c) {
                word.push_char('\'');
            } else if c.is_ascii() {
                word.push_char(c.to_ascii_lowercase());
            } else {
                for folded in c.nfkd().filter(|c| !is_combining_mark(*c)) {
                    for lower in folded.to_lowercase() {
                        if lower.is_alphanumeric() {
                            word.push_char(lower);
                        }
                    }
                }
            }
            continue;
        }
        if is_invisible(c) && !c.is_whitespace() {
            continue;
        }
        if let Some(token) = word.take() {
            push(&mut out, token, spaced)?;
            spaced = false;
        }
        if c.is_whitespace() {
            spaced = true;
            continue;
        }
        let token = match c {
            '(' => Token::Open(Bracket::Round),
            '[' => Token::Open(Bracket::Square),
            ')' => Token::Close(Bracket::Round),
            ']' => Token::Close(Bracket::Square),
            '|' => Token::Bar,
            '!' => Token::Not,
            '^' => Token::Start,
            '$' => Token::End,
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some((_, '}')) => break,
                        Some((_, c)) if c.is_ascii_alphanumeric() || c == '-' || c == '_' => {
                            name.push(c.to_ascii_lowercase());
                        }
                        Some((at, c)) => {
                            return Err(format!(
                                "`{c}` at character {} in the class name after the `{{` at character {column}: a class name is letters, digits, `-` and `_`, closed by `}}`",
                                at + 1
                            ))
                        }
                        None => {
                            return Err(format!("`{{` at character {column} is never closed"))
                        }
                    }
                }
                if name.is_empty() {
                    return Err(format!("`{{}}` at character {column} names no class"));
                }
                Token::Class(name)
            }
            '}' => {
                return Err(format!(
                    "`}}` at character {column} closes a class that was never opened"
                ))
            }
            '.' if chars.peek().is_some_and(|&(_, next)| next == '.') => {
                chars.next();
                if chars.peek().is_some_and(|&(_, next)| next == '.') {
                    return Err(format!(
                        "`...` at character {column}: a gap of up to {} words is `..`; write `.. ..` for a longer one",
                        super::GAP_WORDS
                    ));
                }
                Token::Gap
            }
            _ => {
                // Punctuation: a question's punctuation becomes a space.
                spaced = true;
                continue;
            }
        };
        push(&mut out, (token, column), spaced)?;
        spaced = false;
    }
    if let Some(token) = word.take() {
        push(&mut out, token, spaced)?;
    }
    Ok(out)
}

/// A token as an author wrote it, for errors.
fn shown(token: &Token) -> String {
    match token {
        Token::Word(pieces) => pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.as_str(),
                Piece::Any => "*",
                Piece::Digits => "#",
            })
            .collect(),
        Token::Gap => "..".to_owned(),
        Token::Start => "^".to_owned(),
        Token::End => "$".to_owned(),
        Token::Open(bracket) => bracket.open().to_string(),
        Token::Close(bracket) => bracket.close().to_string(),
        Token::Bar => "|".to_owned(),
        Token::Not => "!".to_owned(),
        Token::Class(name) => format!("{{{name}}}"),
    }
}
