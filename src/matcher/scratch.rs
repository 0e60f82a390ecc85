//! Per-thread working memory for ranking, reused from one question to the
//! next. A question touches few of a large knowledge base's documents and
//! examples; allocating and zeroing arrays the size of all of them for
//! every question would cost more than the ranking itself.

use std::cell::RefCell;

#[derive(Debug, Default)]
pub struct Scratch {
    /// Per document: its BM25F score for the question.
    pub score: Vec<f32>,
    /// Per document: the idf weight of the question's terms it holds.
    pub matched: Vec<f32>,
    /// Per example: its dot product with the question.
    pub dot: Vec<f32>,
    /// The documents with non-zero values, in order of first touch: only
    /// these are read, and only these need zeroing again.
    pub docs: Vec<u32>,
    /// The same for examples, in its first `touched_examples` places.
    /// Each add writes its example there and counts it only on the first
    /// touch: a question touches most examples of a small knowledge base
    /// in no predictable order, and a branch would be mispredicted often.
    examples: Vec<u32>,
    touched_examples: usize,
}

impl Scratch {
    /// Zeroes what the previous question touched and makes room for an
    /// index of this size. Arrays only grow, so touched indices stay valid.
    fn reset(&mut self, docs: usize, examples: usize) {
        for doc in self.docs.drain(..) {
            let doc = doc as usize;
            self.score[doc] = 0.0;
            self.matched[doc] = 0.0;
        }
        for &example in &self.examples[..self.touched_examples] {
            self.dot[example as usize] = 0.0;
        }
        self.touched_examples = 0;
        if self.score.len() < docs {
            self.score.resize(docs, 0.0);
            self.matched.resize(docs, 0.0);
        }
        if self.dot.len() < examples {
            self.dot.resize(examples, 0.0);
            // One place more than there are examples: the last add's
            // write lands there once all of them are counted.
            self.examples.resize(examples + 1, 0);
        }
    }

    /// Adds one term's evidence to a document (both values are positive).
    pub fn add_to_doc(&mut self, doc: u32, score: f32, matched: f32) {
        let index = doc as usize;
        if self.score[index] == 0.0 {
            self.docs.push(doc);
        }
        self.score[index] += score;
        self.matched[index] += matched;
    }

    /// Adds one term's share of an example's dot product (positive).
    pub fn add_to_example(&mut self, example: u32, value: f32) {
        let index = example as usize;
        let first_touch = self.dot[index] == 0.0;
        self.dot[index] += value;
        self.examples[self.touched_examples] = example;
        self.touched_examples += usize::from(first_touch);
    }

    /// The examples with a non-zero dot product, in order of first touch.
    #[cfg(test)]
    pub fn examples(&self) -> &[u32] {
        &self.examples[..self.touched_examples]
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Runs `rank` with this thread's scratch, cleared and sized for an index
/// of `docs` documents and `examples` examples.
pub fn with_scratch<R>(docs: usize, examples: usize, rank: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            scratch.reset(docs, examples);
            rank(&mut scratch)
        }
        // Ranking never calls itself; should it ever, it gets fresh memory
        // rather than a panic.
        Err(_) => {
            let mut scratch = Scratch::default();
            scratch.reset(docs, examples);
            rank(&mut scratch)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_zeroes_only_what_was_touched_and_grows() {
        let mut scratch = Scratch::default();
        scratch.reset(4, 8);
        scratch.add_to_doc(2, 1.5, 0.5);
        scratch.add_to_doc(2, 1.0, 0.5);
        scratch.add_to_example(7, 3.0);
        scratch.add_to_example(3, 1.0);
        scratch.add_to_example(7, 1.0);
        assert_eq!(scratch.docs, [2]);
        assert_eq!(scratch.examples(), [7, 3]);
        assert_eq!(scratch.dot[7], 4.0);
        assert_eq!(scratch.score[2], 2.5);
        scratch.reset(6, 8);
        assert!(scratch.docs.is_empty() && scratch.examples().is_empty());
        assert!(scratch
            .score
            .iter()
            .chain(&scratch.matched)
            .all(|&v| v == 0.0));
        assert!(scratch.dot.iter().all(|&v| v == 0.0));
        assert_eq!(scratch.score.len(), 6);
    }

    #[test]
    fn every_example_can_be_touched_and_each_is_counted_once() {
        let mut scratch = Scratch::default();
        scratch.reset(1, 5);
        for _ in 0..3 {
            for example in (0..5).rev() {
                scratch.add_to_example(example, 0.5);
            }
        }
        assert_eq!(scratch.examples(), [4, 3, 2, 1, 0]);
        assert!(scratch.dot.iter().all(|&v| v == 1.5));
        scratch.reset(1, 5);
        assert!(scratch.examples().is_empty());
        assert!(scratch.dot.iter().all(|&v| v == 0.0));
    }
}
