//! Authors' regex patterns, as sets that say which of their patterns fire.
//!
//! A question only needs to know *which* patterns fire, never where, so a
//! set is one forward lazy DFA over all its patterns: no reverse automaton,
//! no prefilter, no capture states, which is most of what a general
//! `RegexSet` builds. Patterns arrive parsed (the knowledge parses each one
//! once, while validating it), so nothing is parsed twice.

use std::borrow::Cow;
use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson::pikevm::PikeVM;
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::pool::Pool;
use regex_automata::{Input, MatchKind, PatternSet as Fired};
use regex_syntax::hir::Hir;

use super::normalize::ascii_classes;
use crate::knowledge::Knowledge;

/// The lazy DFA's cache. Authors' bounded repetitions make many states; the
/// cache fills lazily, so memory grows only as questions need it.
const DFA_CACHE_BYTES: usize = 64 << 20;

type CachePool = Pool<Cache, Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>>;

/// Parses an author's pattern in the form the matcher runs it: ASCII
/// classes over normalised text (see [`ascii_classes`]). The error is what
/// is wrong, in a line.
pub fn parse(pattern: &str) -> Result<Hir, String> {
    regex_syntax::Parser::new()
        .parse(&ascii_classes(pattern))
        .map_err(|e| {
            // The error's text draws the pattern with a caret; its last
            // line says what is wrong.
            let detail = e.to_string();
            detail.lines().last().unwrap_or_default().trim().to_owned()
        })
}

/// The parsed form of each of `sources`, as the knowledge parsed it while
/// validating. A pattern it does not hold (one added after loading, or
/// after [`Knowledge::forget_parsed_patterns`]) is parsed here; one that
/// does not parse is `None`.
pub fn parsed<'k>(knowledge: &'k Knowledge, sources: &[String]) -> Vec<Option<Cow<'k, Hir>>> {
    sources
        .iter()
        .map(|source| match knowledge.parsed_pattern(source) {
            Some(hir) => Some(Cow::Borrowed(hir)),
            None => parse(source).ok().map(Cow::Owned),
        })
        .collect()
}

pub struct PatternSet {
    dfa: DFA,
    caches: CachePool,
    /// Runs only when the lazy DFA cannot: a pattern with a Unicode word
    /// boundary on text with non-ASCII letters.
    pikevm: PikeVM,
}

impl PatternSet {
    /// One set of every pattern, numbered in order.
    pub fn new<H: std::borrow::Borrow<Hir>>(patterns: &[H]) -> Result<Self, String> {
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .which_captures(WhichCaptures::None)
                    .shrink(false),
            )
            .build_many_from_hir(patterns)
            .map_err(|e| e.to_string())?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .unicode_word_boundary(true)
                    .cache_capacity(DFA_CACHE_BYTES),
            )
            .build_from_nfa(nfa.clone())
            .map_err(|e| e.to_string())?;
        let pikevm = PikeVM::builder()
            .configure(PikeVM::config().match_kind(MatchKind::All))
            .build_from_nfa(nfa)
            .map_err(|e| e.to_string())?;
        let for_caches = dfa.clone();
        Ok(Self {
            dfa,
            caches: Pool::new(Box::new(move || for_caches.create_cache())),
            pikevm,
        })
    }

    pub fn len(&self) -> usize {
        self.dfa.pattern_len()
    }

    /// The indexes of the patterns that match somewhere in `text`, in order.
    pub fn fired(&self, text: &str) -> Vec<usize> {
        let input = Input::new(text);
        let mut fired = Fired::new(self.len());
        let searched = {
            let mut cache = self.caches.get();
            self.dfa
                .try_which_overlapping_matches(&mut cache, &input, &mut fired)
        };
        if searched.is_err() {
            // The lazy DFA quit on a Unicode word boundary; it never gives
            // up otherwise (no minimum cache clear count is set).
            fired = Fired::new(self.len());
            let mut cache = self.pikevm.create_cache();
            self.pikevm
                .which_overlapping_matches(&mut cache, &input, &mut fired);
        }
        fired.iter().map(|id| id.as_usize()).collect()
    }

    pub fn is_match(&self, text: &str) -> bool {
        !self.fired(text).is_empty()
    }
}

impl fmt::Debug for PatternSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PatternSet")
            .field("patterns", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, PatternSet};

    fn set(patterns: &[&str]) -> PatternSet {
        let hirs: Vec<_> = patterns.iter().map(|p| parse(p).unwrap()).collect();
        PatternSet::new(&hirs).unwrap()
    }

    #[test]
    fn reports_every_pattern_that_fires_even_when_they_overlap() {
        let set = set(&[r"\bpop\b", r"\bimap\b", r"pop or imap", r"\bsmtp\b"]);
        assert_eq!(set.fired("should i use pop or imap"), vec![0, 1, 2]);
        assert_eq!(set.fired("imap please"), vec![1]);
        assert!(set.fired("popcorn").is_empty());
    }

    #[test]
    fn bounded_gaps_and_ascii_word_boundaries_hold_on_normalised_text() {
        let set = set(&[r"(?i)\bread\b.{0,10}?\boffline\b"]);
        assert!(set.is_match("i read mail offline"));
        assert!(!set.is_match("i read a lot of long mail while offline"));
        assert!(set.is_match("é read mail offline"));
    }

    #[test]
    fn a_unicode_word_boundary_still_holds_on_non_ascii_text() {
        // `\B` keeps its Unicode meaning; the lazy DFA cannot run it on
        // non-ASCII text, so the set falls back to the PikeVM there.
        let set = set(&[r"\Bnïc", r"\bmail\b"]);
        assert_eq!(set.fired("my ünïcode mail"), vec![0, 1]);
        assert_eq!(set.fired("nïce mail"), vec![1]);
    }
}
