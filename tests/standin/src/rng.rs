//! SplitMix64: a small deterministic random-number generator, so two runs
//! of a bench with the same seed generate the same data and send the same
//! load. The matcher bench's generated knowledge and the load tool's
//! questions both come from it; the matcher figures in README.md and
//! BENCHMARKS.md depend on this exact stream.

/// A SplitMix64 stream from a seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// In `0..n` (0 if `n` is 0), by the remainder: slightly uneven for
    /// large `n`, which is fine for picking words and questions.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items`, which must not be empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    /// The stream is pinned: the benches' generated data (and so their
    /// recorded figures) depend on it.
    #[test]
    fn the_stream_is_splitmix64() {
        let mut rng = Rng::new(0x5EED);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                0x09f1_fd9d_03f0_a9b4,
                0x5532_7416_1bbf_8475,
                0x5d5b_ca46_96b3_43b3
            ]
        );
        assert_eq!(Rng::new(1).below(1000), 465);
        assert_eq!(Rng::new(7).below(0), 0);
        let unit = Rng::new(3).unit();
        assert!((0.0..1.0).contains(&unit));
    }
}
