//! Phrases as sets that say which of them fire, and where one phrase
//! matches when that matters.
//!
//! A question only needs to know *which* phrases fire, never where, so a
//! set is one forward lazy DFA over all its phrases: no reverse automaton,
//! no prefilter, no capture states, which is most of what a general
//! `RegexSet` builds. Phrases arrive read and resolved, so nothing is
//! parsed here.

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson::pikevm::PikeVM;
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::pool::Pool;
use regex_automata::{Anchored, Input, MatchKind, PatternSet as Fired};

use super::Phrase;

/// The lazy DFA's cache. The cache fills lazily, so memory grows only as
/// questions need it.
const DFA_CACHE_BYTES: usize = 64 << 20;

type CachePool = Pool<Cache, Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>>;

/// Phrases, numbered in order, run together over normalised text.
pub struct PhraseSet {
    dfa: DFA,
    caches: CachePool,
}

impl PhraseSet {
    /// One set of every phrase, numbered in order.
    pub fn new<'p>(phrases: impl IntoIterator<Item = &'p Phrase>) -> Result<Self, String> {
        let hirs: Vec<_> = phrases.into_iter().map(Phrase::hir).collect();
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .which_captures(WhichCaptures::None)
                    .shrink(false),
            )
            .build_many_from_hir(&hirs)
            .map_err(|e| e.to_string())?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(DFA_CACHE_BYTES),
            )
            .build_from_nfa(nfa)
            .map_err(|e| e.to_string())?;
        let for_caches = dfa.clone();
        Ok(Self {
            dfa,
            caches: Pool::new(Box::new(move || for_caches.create_cache())),
        })
    }

    pub fn len(&self) -> usize {
        self.dfa.pattern_len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The indexes of the phrases that match somewhere in normalised
    /// `text`, in order.
    ///
    /// Every phrase starts at the text's start, at a space before a word,
    /// or (a phrase that may match nothing before the end) at the end
    /// ([`super::compile`]), so the set is run anchored at each of those
    /// places rather than once unanchored. The answer is the same; the
    /// states the lazy DFA builds are not: unanchored, every state holds
    /// every phrase's start and a new text keeps building new ones (about
    /// 200 µs for a question the cache has not seen); anchored at a word,
    /// the states follow the phrases' own words, few and shared by every
    /// text, so the cache stays small and warm.
    pub fn fired(&self, text: &str) -> Vec<usize> {
        let mut fired = Fired::new(self.len());
        let mut cache = self.caches.get();
        // Words are short: a plain scan finds the next space sooner than
        // a vectorised search would set itself up.
        let spaces = text
            .bytes()
            .enumerate()
            .filter(|&(_, byte)| byte == b' ')
            .map(|(at, _)| at);
        let starts = std::iter::once(0)
            .chain(spaces)
            .chain(std::iter::once(text.len()));
        for start in starts {
            let input = Input::new(text).range(start..).anchored(Anchored::Yes);
            self.search(&mut cache, &input, &mut fired);
            if fired.is_full() {
                break;
            }
        }
        fired.iter().map(|id| id.as_usize()).collect()
    }

    /// [`Self::fired`] by one unanchored search: what the anchored
    /// searches must agree with.
    #[cfg(test)]
    pub(super) fn fired_unanchored(&self, text: &str) -> Vec<usize> {
        let mut fired = Fired::new(self.len());
        let mut cache = self.caches.get();
        self.search(&mut cache, &Input::new(text), &mut fired);
        fired.iter().map(|id| id.as_usize()).collect()
    }

    /// Adds the phrases that match in `input` to `fired`.
    fn search(&self, cache: &mut Cache, input: &Input<'_>, fired: &mut Fired) {
        // Phrases hold no word-boundary assertion, so the lazy DFA has no
        // byte to quit on, and with no minimum cache clear count it never
        // gives up: the search cannot fail.
        let searched = self.dfa.try_which_overlapping_matches(cache, input, fired);
        debug_assert!(searched.is_ok(), "{searched:?}");
    }

    pub fn is_match(&self, text: &str) -> bool {
        !self.fired(text).is_empty()
    }
}

impl fmt::Debug for PhraseSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhraseSet")
            .field("phrases", &self.len())
            .finish_non_exhaustive()
    }
}

/// Where one phrase matches: slower than a set, built only when two
/// phrases disagree and their places settle it.
pub struct Finder {
    vm: PikeVM,
}

impl Finder {
    pub(super) fn new(phrase: &Phrase) -> Result<Self, String> {
        let nfa = thompson::Compiler::new()
            .build_from_hir(&phrase.hir())
            .map_err(|e| e.to_string())?;
        let vm = PikeVM::new_from_nfa(nfa).map_err(|e| e.to_string())?;
        Ok(Self { vm })
    }

    /// The byte ranges of normalised `text` that the phrase's matches
    /// cover, first to last, without the spaces around them. Matches do
    /// not overlap, but two may share the space between them.
    pub fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut cache = self.vm.create_cache();
        let mut spans = Vec::new();
        let mut at = 0;
        while at <= text.len() {
            let input = Input::new(text).range(at..);
            let Some(found) = self.vm.find(&mut cache, input) else {
                break;
            };
            let (start, end) = (found.start(), found.end());
            let bytes = text.as_bytes();
            let trimmed_start = start + usize::from(bytes.get(start) == Some(&b' '));
            let ends_with_space = end > start && bytes.get(end - 1) == Some(&b' ');
            let trimmed_end = end - usize::from(ends_with_space);
            spans.push((trimmed_start, trimmed_end.max(trimmed_start)));
            // The space a match ends with may start the next one.
            let next = if ends_with_space { end - 1 } else { end };
            at = if next > at { next } else { at + 1 };
        }
        spans
    }
}

impl fmt::Debug for Finder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finder").finish_non_exhaustive()
    }
}
