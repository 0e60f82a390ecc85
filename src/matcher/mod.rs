//! Matching a question to a knowledge entry.
//!
//! [`Matcher`] is built once from the knowledge and answers
//! `&str -> Match` with no I/O. A question is normalised ([`normalize`]),
//! cut into stemmed terms, typo-corrected against the knowledge's own
//! vocabulary, and ranked with BM25F over each entry's title, keywords,
//! examples and answer. Phrases written by the knowledge's authors
//! ([`crate::phrase`], compiled when the knowledge was loaded) add strong
//! evidence: the matcher only runs them, as sets that say which fired. Out-of-scope topics (questions
//! this help desk knows it does not answer) are ranked like entries: a
//! question closest to one of them gets "no entry", as does any question
//! whose confidence stays under the threshold.

mod flat;
mod focus;
mod fuzzy;
mod lexicon;
mod normalize;
mod scratch;
mod slots;
mod terms;

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxHashMap;

use serde::Serialize;

use crate::knowledge::{Entry, Knowledge};
use crate::language::Language;
use crate::phrase::{Phrase, PhraseSet};
use flat::Flat;
use fuzzy::FuzzyIndex;
pub use normalize::normalize;
use scratch::{with_scratch, Scratch};
use slots::SlotExtractor;
use terms::Terms;

/// Confidence under which the matcher says "no entry".
pub const DEFAULT_THRESHOLD: f32 = 0.35;
/// How much the asking part of a long post counts against the whole post.
const FOCUS_SHARE: f32 = 0.5;
/// Runners-up under this confidence are not worth offering.
const MIN_ALTERNATIVE: f32 = 0.15;
const MAX_ALTERNATIVES: usize = 3;

/// The indexed fields of an entry, in this order: title, keywords,
/// examples, answer.
const FIELDS: usize = 4;
const EXAMPLES_FIELD: usize = 2;
/// How much a term found in each field counts (BM25F field weights).
const FIELD_WEIGHT: [f32; FIELDS] = [2.0, 3.0, 1.0, 0.4];
/// Length normalisation per field.
const FIELD_B: [f32; FIELDS] = [0.3, 0.3, 0.75, 0.75];
const K1: f32 = 1.2;
/// A corrected typo counts for a little less than the word itself.
const TYPO_FACTOR: f32 = 0.8;
/// A word the knowledge has never seen still dilutes the evidence, but less
/// than a rare known word: out-of-scope topics carry the vocabulary that
/// must count fully against an entry.
const UNKNOWN_WORD_FACTOR: f32 = 0.5;
/// The BM25 score at which evidence is about 63% (1 - 1/e) saturated.
const EVIDENCE_SCALE: f32 = 4.0;
/// An author's phrase firing lifts confidence at least to this.
const PHRASE_FLOOR: f32 = 0.75;
/// How much the nearest example counts against the whole-entry ranking.
const NEAREST_SHARE: f32 = 0.5;
/// How many of an entry's nearest examples count, and how much each (the
/// nearest first): an entry that several examples come close to is a safer
/// bet than one with a single lucky neighbour.
const NEAREST_K: usize = 3;
const NEAREST_WEIGHTS: [f32; NEAREST_K] = [1.0, 0.5, 0.25];
/// A term in more documents than this, and in more than one in
/// `COMMON_TERM_SHARE` of them, is common: it only adds to documents that a
/// rarer term of the question found. In a large knowledge base, walking
/// every document that holds "mail" costs more than the rest of a
/// question; a small one (under `COMMON_TERM_MIN_DOCS` documents) never has
/// common terms and ranks every document.
const COMMON_TERM_MIN_DOCS: usize = 64;
const COMMON_TERM_SHARE: usize = 32;
/// How many of the documents rare terms found get their common terms
/// counted too.
const REFINED_CANDIDATES: usize = 64;
/// Above this many phrases a single set gets too large; phrases are then
/// tried only for the best-ranked candidates.
const MAX_PHRASE_SET: usize = 512;
const PHRASE_CANDIDATES: usize = 16;

/// The matcher's verdict on one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The entry that answers the question, or `None` when none does.
    pub entry: Option<String>,
    /// How sure the matcher is of the best entry, in [0, 1].
    #[serde(serialize_with = "three_places")]
    pub confidence: f32,
    /// The next best entries, best first.
    pub alternatives: Vec<Candidate>,
    /// Dialogue answers already stated in the question (slot -> value),
    /// looked for only when the entry found offers a dialogue: most
    /// questions' answers offer none. [`Matcher::slots`] finds them in
    /// any question.
    pub slots: BTreeMap<String, String>,
    /// Staff taught that this very question is not in scope: there is no
    /// entry, and nobody needs to be asked about it again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub taught_out_of_scope: bool,
}

/// A question staff answered from the triage channel: an example of the
/// entry they chose, or (`entry: None`) of what this help desk does not
/// answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taught {
    pub text: String,
    pub entry: Option<String>,
}

/// The out-of-scope topic that taught "not in scope" questions form.
pub const TAUGHT_OUT_OF_SCOPE: &str = "taught-not-in-scope";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub entry: String,
    #[serde(serialize_with = "three_places")]
    pub confidence: f32,
}

/// A ranked document: an entry, or an out-of-scope topic.
#[derive(Debug)]
struct Doc {
    id: String,
    in_scope: bool,
    offers_dialogue: bool,
    field_len: [f32; FIELDS],
}

#[derive(Debug, Clone, Copy, Default)]
struct Posting {
    doc: u32,
    tf: [f32; FIELDS],
}

enum PhraseSets {
    /// Every phrase in one set; `owner[i]` is phrase i's document.
    All(Box<PhraseSet>, Vec<u32>),
    /// Per document, tried for the best candidates only.
    PerDoc(Vec<Option<PhraseSet>>),
}

pub struct Matcher {
    terms: Terms,
    docs: Vec<Doc>,
    /// Every term the knowledge holds, by its text.
    vocab: FxHashMap<String, u32>,
    /// Every pair of adjacent terms the knowledge holds, by its two terms
    /// (the lower id first: "imap or pop" and "pop or imap" meet).
    pairs: FxHashMap<(u32, u32), u32>,
    /// Each term's text, by id; empty for a pair, which is only ever found
    /// by its two terms.
    names: Vec<String>,
    /// Every word the knowledge holds, with its term (`None` for a stop
    /// word): a question's known words skip stemming.
    word_terms: FxHashMap<String, Option<u32>>,
    idf: Vec<f32>,
    postings: Flat<Posting>,
    /// Per term, the examples (and out-of-scope examples) that contain it.
    example_postings: Flat<u32>,
    /// Per example: one over the length of its idf vector.
    inverse_norms: Vec<f32>,
    /// Every example's terms, sorted (examples are read document by
    /// document, so they lie together).
    example_terms: Flat<u32>,
    /// Per document: its examples (they are numbered document by document).
    doc_examples: Vec<std::ops::Range<u32>>,
    /// Terms with more postings than this are common (see
    /// `COMMON_TERM_MIN_DOCS`).
    common_postings: usize,
    avg_len: [f32; FIELDS],
    unknown_weight: f32,
    fuzzy: FuzzyIndex,
    phrases: PhraseSets,
    slots: SlotExtractor,
    threshold: f32,
    /// Taught questions by their normalised text: that very question gets
    /// the entry staff chose (or "no entry") whatever the ranking says.
    taught: HashMap<String, Option<String>>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("docs", &self.docs.len())
            .field("terms", &self.names.len())
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

/// The text of one document, by field, before indexing.
struct DocText<'a> {
    id: &'a str,
    in_scope: bool,
    offers_dialogue: bool,
    fields: [Vec<&'a str>; FIELDS],
    phrases: &'a [Phrase],
}

impl Matcher {
    /// Builds the index, and the sets of the phrases the knowledge compiled.
    pub fn new(knowledge: &Knowledge) -> Self {
        Self::with_taught(knowledge, &[])
    }

    /// [`Self::new`], with the questions staff taught as more examples of
    /// their entries (taught "not in scope" ones as the examples of one
    /// more out-of-scope topic, [`TAUGHT_OUT_OF_SCOPE`]). A taught entry the
    /// knowledge no longer has is left out.
    pub fn with_taught(knowledge: &Knowledge, taught: &[Taught]) -> Self {
        Self::with_borrowed(knowledge, &[], taught)
    }

    /// [`Self::with_taught`] for a language's knowledge, also ranking
    /// `borrowed`: the English entries it has no translation of, so a
    /// question about one (in words the two languages share: IMAP,
    /// Thunderbird, backup) still finds it.
    pub fn with_borrowed(knowledge: &Knowledge, borrowed: &[&Entry], taught: &[Taught]) -> Self {
        let mut matcher = Self::build(knowledge, borrowed, taught);
        let known = |id: &str| knowledge.entry(id).is_some() || borrowed.iter().any(|e| e.id == id);
        matcher.taught = taught
            .iter()
            .filter(|t| t.entry.as_deref().is_none_or(known))
            .map(|t| (normalize(&t.text), t.entry.clone()))
            .filter(|(normalized, _)| !normalized.is_empty())
            .collect();
        matcher
    }

    fn build(knowledge: &Knowledge, borrowed: &[&Entry], taught: &[Taught]) -> Self {
        fn taught_for<'t>(taught: &'t [Taught], id: &'t str) -> impl Iterator<Item = &'t str> {
            taught
                .iter()
                .filter(move |t| t.entry.as_deref() == Some(id))
                .map(|t| t.text.as_str())
        }
        let mut texts: Vec<DocText<'_>> = knowledge
            .entries()
            .iter()
            .chain(borrowed.iter().copied())
            .map(|entry| DocText {
                id: &entry.id,
                in_scope: true,
                offers_dialogue: entry.dialogue.is_some(),
                fields: [
                    vec![entry.title.as_str()],
                    entry.keywords.iter().map(String::as_str).collect(),
                    entry
                        .examples
                        .iter()
                        .map(String::as_str)
                        .chain(taught_for(taught, &entry.id))
                        .collect(),
                    vec![entry.body.as_str()],
                ],
                phrases: &entry.phrases,
            })
            .collect();
        texts.extend(knowledge.out_of_scope().iter().map(|topic| DocText {
            id: &topic.id,
            in_scope: false,
            offers_dialogue: false,
            fields: [
                Vec::new(),
                topic.keywords.iter().map(String::as_str).collect(),
                topic.examples.iter().map(String::as_str).collect(),
                Vec::new(),
            ],
            phrases: &topic.phrases,
        }));
        let out_of_scope: Vec<&str> = taught
            .iter()
            .filter(|t| t.entry.is_none())
            .map(|t| t.text.as_str())
            .collect();
        if !out_of_scope.is_empty() {
            texts.push(DocText {
                id: TAUGHT_OUT_OF_SCOPE,
                in_scope: false,
                offers_dialogue: false,
                fields: [Vec::new(), Vec::new(), out_of_scope, Vec::new()],
                phrases: &[],
            });
        }
        // The phrase sets are built while the index is: neither needs the
        // other, and each is about half of the work.
        std::thread::scope(|scope| {
            let compiled = scope.spawn(|| (phrase_sets(&texts), SlotExtractor::new(knowledge)));
            Self::index(knowledge.language(), &texts, || {
                compiled
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
        })
    }

    /// Indexes `texts`; `compiled` hands over the phrase sets at the end.
    fn index(
        language: Language,
        texts: &[DocText<'_>],
        compiled: impl FnOnce() -> (PhraseSets, SlotExtractor),
    ) -> Self {
        let terms = Terms::new(language);
        let mut table = TermTable::default();
        let mut docs = Vec::with_capacity(texts.len());
        let mut total_len = [0.0f32; FIELDS];
        let mut example_terms: Vec<(u32, Vec<u32>)> = Vec::new();
        // (term, posting), documents in order: grouped by term below.
        let mut postings: Vec<(u32, Posting)> = Vec::new();
        for (doc_index, text) in texts.iter().enumerate() {
            let doc_index = u32::try_from(doc_index).unwrap_or(u32::MAX);
            let mut counts: FxHashMap<u32, [f32; FIELDS]> = FxHashMap::default();
            let mut field_len = [0.0f32; FIELDS];
            for (field, parts) in text.fields.iter().enumerate() {
                for part in parts {
                    let mut part_terms = table.terms_and_pairs(&terms, &normalize(part));
                    for &id in &part_terms {
                        counts.entry(id).or_insert([0.0; FIELDS])[field] += 1.0;
                        field_len[field] += 1.0;
                    }
                    if field == EXAMPLES_FIELD && !part_terms.is_empty() {
                        part_terms.sort_unstable();
                        part_terms.dedup();
                        example_terms.push((doc_index, part_terms));
                    }
                }
            }
            for (field, len) in field_len.iter().enumerate() {
                total_len[field] += len;
            }
            let mut counts: Vec<_> = counts.into_iter().collect();
            counts.sort_unstable_by_key(|&(id, _)| id);
            postings.extend(
                counts
                    .into_iter()
                    .map(|(id, tf)| (id, Posting { doc: doc_index, tf })),
            );
            docs.push(Doc {
                id: text.id.to_owned(),
                in_scope: text.in_scope,
                offers_dialogue: text.offers_dialogue,
                field_len,
            });
        }
        let doc_count = docs.len().max(1) as f32;
        let avg_len = total_len.map(|total| (total / doc_count).max(1.0));
        let TermTable {
            vocab,
            pairs,
            names,
            word_terms,
        } = table;
        let postings = Flat::grouped(names.len(), postings);
        let idf: Vec<f32> = (0..postings.lists())
            .map(|id| bm25_idf(doc_count, postings[id].len() as f32))
            .collect();
        let unknown_weight = UNKNOWN_WORD_FACTOR * bm25_idf(doc_count, 1.0);
        let example_postings = Flat::grouped(
            names.len(),
            example_terms
                .iter()
                .enumerate()
                .flat_map(|(index, (_, ids))| {
                    let index = u32::try_from(index).unwrap_or(u32::MAX);
                    ids.iter().map(move |&id| (id, index))
                })
                .collect(),
        );
        let inverse_norms = example_terms
            .iter()
            .map(|(_, ids)| {
                let norm: f32 = ids.iter().map(|&id| idf[id as usize].powi(2)).sum();
                // An example with no terms has a dot product of 0 with
                // every question; multiplying by the inverse spares a
                // division for each example read.
                1.0 / norm.sqrt().max(f32::EPSILON)
            })
            .collect();
        let mut doc_examples = vec![0..0; docs.len()];
        for (index, (doc, _)) in example_terms.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let range = &mut doc_examples[*doc as usize];
            if range.end == 0 {
                range.start = index;
            }
            range.end = index + 1;
        }
        let common_postings = COMMON_TERM_MIN_DOCS.max(docs.len() / COMMON_TERM_SHARE);
        // Word pairs (no text of their own) are looked up exactly, never
        // corrected.
        let fuzzy = FuzzyIndex::new(
            names
                .iter()
                .enumerate()
                .filter(|(_, name)| !name.is_empty())
                .map(|(id, name)| (name.as_str(), u32::try_from(id).unwrap_or(u32::MAX))),
        );
        let (phrases, slots) = compiled();
        Self {
            terms,
            docs,
            vocab,
            pairs,
            names,
            word_terms,
            idf,
            postings,
            example_postings,
            inverse_norms,
            example_terms: Flat::new(example_terms.into_iter().map(|(_, ids)| ids)),
            doc_examples,
            common_postings,
            avg_len,
            unknown_weight,
            fuzzy,
            phrases,
            slots,
            threshold: DEFAULT_THRESHOLD,
            taught: HashMap::new(),
        }
    }

    /// Sets the confidence under which the matcher says "no entry".
    #[must_use]
    pub fn with_threshold(mut self, threshold: f32) -> Self {
        self.threshold = threshold.clamp(0.0, 1.0);
        self
    }

    /// Every document's score for a question, best first: the whole post
    /// blended with the part that asks.
    fn ranking(&self, question: &str, normalized: &str) -> Vec<(usize, f32)> {
        let mut ranked = self.rank(normalized);
        if let Some(focus) = focus::asking_part(question, self.terms.lexicon()) {
            ranked = blend(ranked, self.rank(&normalize(&focus)), FOCUS_SHARE);
        }
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }

    /// The entry that comes nearest to a question, however far: for staff
    /// looking at what had no answer.
    pub fn nearest(&self, question: &str) -> Option<Candidate> {
        self.ranking(question, &normalize(question))
            .into_iter()
            .find(|&(doc, _)| self.docs[doc].in_scope)
            .map(|(doc, confidence)| Candidate {
                entry: self.docs[doc].id.clone(),
                confidence: round(confidence),
            })
    }

    /// Every entry the question has any evidence for, best first: what
    /// staff are offered to answer it with.
    pub fn suggestions(&self, question: &str) -> Vec<String> {
        let normalized = normalize(question);
        let taught = self.taught.get(&normalized).cloned().flatten();
        let ranked = self
            .ranking(question, &normalized)
            .into_iter()
            .filter(|&(doc, _)| self.docs[doc].in_scope)
            .map(|(doc, _)| self.docs[doc].id.clone());
        let mut suggestions: Vec<String> = taught.into_iter().chain(ranked).collect();
        let mut seen = std::collections::HashSet::new();
        suggestions.retain(|id| seen.insert(id.clone()));
        suggestions
    }

    /// The distinct index terms of a question (normalised, stemmed, stop
    /// words out): what makes two questions alike to the matcher.
    pub fn terms_of(&self, question: &str) -> std::collections::BTreeSet<String> {
        self.terms.of(&normalize(question)).into_iter().collect()
    }

    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Dialogue answers already stated in a question (slot -> value), so
    /// the dialogue does not ask them again.
    pub fn slots(&self, question: &str) -> BTreeMap<String, String> {
        self.slots.extract(&normalize(question))
    }

    /// Matches one question.
    pub fn find(&self, question: &str) -> Match {
        let normalized = normalize(question);
        let slots_if = |offers_dialogue: bool| {
            if offers_dialogue {
                self.slots.extract(&normalized)
            } else {
                BTreeMap::new()
            }
        };
        if let Some(entry) = self.taught.get(&normalized) {
            let offers_dialogue = entry.as_deref().is_some_and(|id| {
                self.docs
                    .iter()
                    .any(|doc| doc.id == id && doc.offers_dialogue)
            });
            return Match {
                entry: entry.clone(),
                confidence: if entry.is_some() { 1.0 } else { 0.0 },
                alternatives: Vec::new(),
                slots: slots_if(offers_dialogue),
                taught_out_of_scope: entry.is_none(),
            };
        }
        let ranked = self.ranking(question, &normalized);
        let best_is_in_scope = ranked
            .first()
            .is_some_and(|&(doc, _)| self.docs[doc].in_scope);
        let mut in_scope = ranked
            .iter()
            .filter(|&&(doc, _)| self.docs[doc].in_scope)
            .map(|&(doc, confidence)| {
                let candidate = Candidate {
                    entry: self.docs[doc].id.clone(),
                    confidence: round(confidence),
                };
                (candidate, self.docs[doc].offers_dialogue)
            });
        let best = in_scope.next();
        let alternatives = in_scope
            .map(|(candidate, _)| candidate)
            .filter(|candidate| candidate.confidence >= MIN_ALTERNATIVE)
            .take(MAX_ALTERNATIVES)
            .collect();
        let confidence = best.as_ref().map_or(0.0, |(b, _)| b.confidence);
        let (entry, offers_dialogue) = best
            .filter(|(b, _)| best_is_in_scope && b.confidence >= self.threshold)
            .map_or((None, false), |(b, offers)| (Some(b.entry), offers));
        Match {
            entry,
            confidence,
            alternatives,
            slots: slots_if(offers_dialogue),
            taught_out_of_scope: false,
        }
    }

    /// Every document with any evidence, with its confidence.
    fn rank(&self, normalized: &str) -> Vec<(usize, f32)> {
        let query = self.query_terms(normalized);
        let unknown = query.iter().filter(|t| t.id.is_none()).count() as f32;
        let query_weight = unknown * self.unknown_weight
            + query
                .iter()
                .filter_map(|t| t.id.map(|id| t.factor * self.idf[id as usize]))
                .sum::<f32>();
        let query_norm = (unknown * self.unknown_weight.powi(2)
            + query
                .iter()
                .filter_map(|t| t.id.map(|id| (t.factor * self.idf[id as usize]).powi(2)))
                .sum::<f32>())
        .sqrt();

        let mut ranked = with_scratch(self.docs.len(), self.inverse_norms.len(), |scratch| {
            self.score_terms(&query, scratch);
            let weight_sum: f32 = NEAREST_WEIGHTS.iter().sum();
            let inverse_query_norm = 1.0 / query_norm.max(f32::EPSILON);
            scratch
                .docs
                .iter()
                .map(|&doc| {
                    let doc = doc as usize;
                    // A document's examples are numbered together: read
                    // in order, untouched ones (a dot product of 0) and all.
                    let examples =
                        self.doc_examples[doc].start as usize..self.doc_examples[doc].end as usize;
                    let mut best = [0.0; NEAREST_K];
                    for (dot, inverse_norm) in scratch.dot[examples.clone()]
                        .iter()
                        .zip(&self.inverse_norms[examples])
                    {
                        keep_nearest(
                            &mut best,
                            (dot * inverse_norm * inverse_query_norm).min(1.0),
                        );
                    }
                    let nearest = best
                        .iter()
                        .zip(&NEAREST_WEIGHTS)
                        .map(|(cosine, weight)| cosine * weight)
                        .sum::<f32>()
                        / weight_sum;
                    let coverage = if query_weight > 0.0 {
                        (scratch.matched[doc] / query_weight).min(1.0)
                    } else {
                        0.0
                    };
                    let evidence = 1.0 - (-scratch.score[doc] / EVIDENCE_SCALE).exp();
                    let ranked = evidence * coverage.sqrt();
                    (
                        doc,
                        NEAREST_SHARE * nearest + (1.0 - NEAREST_SHARE) * ranked,
                    )
                })
                .collect::<Vec<_>>()
        });
        for doc in self.phrase_hits(normalized, &ranked) {
            match ranked.iter_mut().find(|(known, _)| *known == doc) {
                Some(entry) => entry.1 = PHRASE_FLOOR + (1.0 - PHRASE_FLOOR) * entry.1,
                None => ranked.push((doc, PHRASE_FLOOR)),
            }
        }
        ranked
    }

    /// Adds each known query term's evidence to the documents and examples
    /// that hold it: rare terms first, over all their postings; then common
    /// terms, over the best documents the rare ones found (or over all
    /// their postings when the question has no rare term at all).
    fn score_terms(&self, query: &[QueryTerm], scratch: &mut Scratch) {
        let known = query.iter().filter_map(|t| t.id.map(|id| (id, t.factor)));
        let (common, rare): (Vec<_>, Vec<_>) =
            known.partition(|&(id, _)| self.postings[id as usize].len() > self.common_postings);
        let (rare, common) = if rare.is_empty() {
            (common, Vec::new())
        } else {
            (rare, common)
        };
        for (id, factor) in rare {
            let idf = self.idf[id as usize];
            for posting in &self.postings[id as usize] {
                let (score, matched) = self.term_evidence(posting, factor, idf);
                scratch.add_to_doc(posting.doc, score, matched);
            }
            for &example in &self.example_postings[id as usize] {
                scratch.add_to_example(example, factor * idf * idf);
            }
        }
        if common.is_empty() {
            return;
        }
        // Only the documents the rare terms rank best: the rest stay behind
        // whatever common words they share with the question.
        let mut refined = scratch.docs.clone();
        if refined.len() > REFINED_CANDIDATES {
            refined.select_nth_unstable_by(REFINED_CANDIDATES, |&a, &b| {
                scratch.score[b as usize].total_cmp(&scratch.score[a as usize])
            });
            refined.truncate(REFINED_CANDIDATES);
        }
        // Both lists sorted by document: one sequential walk per term is far
        // cheaper than a binary search per document in long postings.
        refined.sort_unstable();
        for &(id, factor) in &common {
            let idf = self.idf[id as usize];
            let mut postings = self.postings[id as usize].iter().peekable();
            for &doc in &refined {
                while postings.next_if(|p| p.doc < doc).is_some() {}
                if let Some(posting) = postings.next_if(|p| p.doc == doc) {
                    let (score, matched) = self.term_evidence(posting, factor, idf);
                    scratch.add_to_doc(doc, score, matched);
                }
            }
        }
        let mut common = common;
        common.sort_unstable_by_key(|&(id, _)| id);
        for &doc in &refined {
            for example in self.doc_examples[doc as usize].clone() {
                let index = example as usize;
                let terms = &self.example_terms[index];
                let mut terms = terms.iter().peekable();
                for &(id, factor) in &common {
                    while terms.next_if(|&&t| t < id).is_some() {}
                    if terms.next_if(|&&t| t == id).is_some() {
                        let idf = self.idf[id as usize];
                        scratch.add_to_example(example, factor * idf * idf);
                    }
                }
            }
        }
    }

    /// One term's BM25F score in a document, and its idf weight.
    fn term_evidence(&self, posting: &Posting, factor: f32, idf: f32) -> (f32, f32) {
        let tf = self.weighted_tf(posting.doc as usize, &posting.tf);
        (factor * idf * tf * (K1 + 1.0) / (tf + K1), factor * idf)
    }

    /// The question's terms and word pairs, each known one with its id, a
    /// typo with the id of the word it most likely meant.
    fn query_terms(&self, normalized: &str) -> Vec<QueryTerm> {
        let found: Vec<Option<(u32, f32)>> =
            self.terms
                .map_words(normalized, |word| match self.word_terms.get(word) {
                    Some(known) => known.map(|id| Some((id, 1.0))),
                    None => self.terms.term(word).map(|term| self.resolve(&term)),
                });
        let mut query: Vec<QueryTerm> = Vec::with_capacity(found.len() * 2);
        for &term in &found {
            push_term(&mut query, term);
        }
        for words in found.windows(2) {
            if let [Some((first, _)), Some((second, _))] = *words {
                if let Some(&id) = self.pairs.get(&pair_key(first, second)) {
                    push_term(&mut query, Some((id, 1.0)));
                }
            }
        }
        query
    }

    /// A term the knowledge's words did not give: its id, or the id of the
    /// known term it most likely misspells.
    fn resolve(&self, term: &str) -> Option<(u32, f32)> {
        match self.vocab.get(term) {
            Some(&id) => Some((id, 1.0)),
            None => self
                .fuzzy
                .closest(term, &self.names)
                .map(|id| (id, TYPO_FACTOR)),
        }
    }

    fn weighted_tf(&self, doc: usize, tf: &[f32; FIELDS]) -> f32 {
        let lengths = &self.docs[doc].field_len;
        (0..FIELDS)
            .filter(|&field| tf[field] > 0.0)
            .map(|field| {
                let norm =
                    1.0 - FIELD_B[field] + FIELD_B[field] * lengths[field] / self.avg_len[field];
                FIELD_WEIGHT[field] * tf[field] / norm
            })
            .sum()
    }

    /// Documents one of whose phrases fires on the question.
    fn phrase_hits(&self, normalized: &str, ranked: &[(usize, f32)]) -> Vec<usize> {
        let mut hits: Vec<usize> = match &self.phrases {
            PhraseSets::All(set, owner) => set
                .fired(normalized)
                .into_iter()
                .map(|i| owner[i] as usize)
                .collect(),
            PhraseSets::PerDoc(per_doc) => {
                let mut best: Vec<&(usize, f32)> = ranked.iter().collect();
                if best.len() > PHRASE_CANDIDATES {
                    best.select_nth_unstable_by(PHRASE_CANDIDATES, |a, b| b.1.total_cmp(&a.1));
                    best.truncate(PHRASE_CANDIDATES);
                }
                best.into_iter()
                    .map(|&(doc, _)| doc)
                    .filter(|&doc| {
                        per_doc[doc]
                            .as_ref()
                            .is_some_and(|set| set.is_match(normalized))
                    })
                    .collect()
            }
        };
        hits.sort_unstable();
        hits.dedup();
        hits
    }
}

#[derive(Debug, Clone, Copy)]
struct QueryTerm {
    /// `None` for a word the knowledge has never seen.
    id: Option<u32>,
    factor: f32,
}

/// Each document's confidence on the whole post and on its asking part,
/// weighed together (`share` for the asking part).
fn blend(whole: Vec<(usize, f32)>, focus: Vec<(usize, f32)>, share: f32) -> Vec<(usize, f32)> {
    let mut blended: BTreeMap<usize, f32> = BTreeMap::new();
    for (doc, confidence) in whole {
        *blended.entry(doc).or_default() += (1.0 - share) * confidence;
    }
    for (doc, confidence) in focus {
        *blended.entry(doc).or_default() += share * confidence;
    }
    blended.into_iter().collect()
}

/// Puts `cosine` among a document's nearest examples' cosines (kept
/// nearest first) if it is nearer than the last of them. Without a
/// branch: whether a cosine gets in is a coin toss the processor would
/// often guess wrong.
fn keep_nearest(best: &mut [f32; NEAREST_K], cosine: f32) {
    let mut carried = cosine;
    for kept in best.iter_mut() {
        let nearer = kept.max(carried);
        carried = kept.min(carried);
        *kept = nearer;
    }
}

/// Adds a term once, keeping the strongest factor.
fn push_term(query: &mut Vec<QueryTerm>, found: Option<(u32, f32)>) {
    match found {
        Some((id, factor)) => match query.iter_mut().find(|t| t.id == Some(id)) {
            Some(existing) => existing.factor = existing.factor.max(factor),
            None => query.push(QueryTerm {
                id: Some(id),
                factor,
            }),
        },
        None => query.push(QueryTerm {
            id: None,
            factor: 1.0,
        }),
    }
}

/// The terms, pairs of adjacent terms and words met while indexing, each
/// term and pair numbered in order of first appearance.
#[derive(Default)]
struct TermTable {
    vocab: FxHashMap<String, u32>,
    pairs: FxHashMap<(u32, u32), u32>,
    names: Vec<String>,
    word_terms: FxHashMap<String, Option<u32>>,
}

impl TermTable {
    /// The ids of normalised text's terms, followed by those of its
    /// adjacent pairs: pairs carry word order's evidence ("pop imap",
    /// "phone laptop") that single words lose.
    fn terms_and_pairs(&mut self, terms: &Terms, normalized: &str) -> Vec<u32> {
        let mut ids = terms.map_words(normalized, |word| {
            if let Some(&known) = self.word_terms.get(word) {
                return known;
            }
            let id = terms.term(word).map(|term| self.term_id(term));
            self.word_terms.insert(word.to_owned(), id);
            id
        });
        let singles = ids.len();
        for i in 1..singles {
            let pair = self.pair_id(ids[i - 1], ids[i]);
            ids.push(pair);
        }
        ids
    }

    fn term_id(&mut self, term: String) -> u32 {
        if let Some(&id) = self.vocab.get(&term) {
            return id;
        }
        let id = self.next_id();
        self.vocab.insert(term.clone(), id);
        self.names.push(term);
        id
    }

    fn pair_id(&mut self, first: u32, second: u32) -> u32 {
        let key = pair_key(first, second);
        if let Some(&id) = self.pairs.get(&key) {
            return id;
        }
        let id = self.next_id();
        self.names.push(String::new());
        self.pairs.insert(key, id);
        id
    }

    fn next_id(&self) -> u32 {
        u32::try_from(self.names.len()).unwrap_or(u32::MAX)
    }
}

/// Two adjacent terms' key, whatever their order.
fn pair_key(first: u32, second: u32) -> (u32, u32) {
    (first.min(second), first.max(second))
}

fn bm25_idf(doc_count: f32, doc_freq: f32) -> f32 {
    (1.0 + (doc_count - doc_freq + 0.5) / (doc_freq + 0.5)).ln()
}

/// A confidence as JSON: three decimal places, not the binary float's
/// seventeen digits (0.428, not 0.42800000309944153).
fn three_places<S: serde::Serializer>(value: &f32, serializer: S) -> Result<S::Ok, S::Error> {
    let decimal: f64 = format!("{value:.3}").parse().unwrap_or_default();
    serializer.serialize_f64(decimal)
}

fn round(value: f32) -> f32 {
    (value * 1000.0).round() / 1000.0
}

/// The knowledge's phrases, in one set when there are few enough. A set
/// that somehow cannot be built is left out rather than taking the others
/// down with it.
fn phrase_sets(texts: &[DocText<'_>]) -> PhraseSets {
    let total: usize = texts.iter().map(|t| t.phrases.len()).sum();
    if total <= MAX_PHRASE_SET {
        let owner = texts
            .iter()
            .enumerate()
            .flat_map(|(doc, text)| {
                std::iter::repeat_n(u32::try_from(doc).unwrap_or(u32::MAX), text.phrases.len())
            })
            .collect();
        if let Ok(set) = PhraseSet::new(texts.iter().flat_map(|t| t.phrases)) {
            return PhraseSets::All(Box::new(set), owner);
        }
    }
    PhraseSets::PerDoc(
        texts
            .iter()
            .map(|text| {
                (!text.phrases.is_empty())
                    .then(|| PhraseSet::new(text.phrases).ok())
                    .flatten()
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests;
