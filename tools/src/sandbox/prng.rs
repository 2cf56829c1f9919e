//! A tiny seeded PRNG (SplitMix64) for the synthetic brand.
//!
//! Self-written rather than `rand`'s so the brand stays identical across `rand`
//! upgrades: evals and demo transcripts quote its numbers.

/// SplitMix64: fast, well mixed, and one `u64` of state.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent stream per label ("meta", "google_ads"…), so adding a platform
    /// to the generator never changes the numbers of the platforms already there.
    pub fn for_stream(seed: u64, label: &str) -> Self {
        // FNV-1a of the label, then mixed with the seed.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in label.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let mut mixer = Self::new(seed ^ hash);
        Self::new(mixer.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// A multiplicative noise factor in [1 - spread, 1 + spread).
    pub fn noise(&mut self, spread: f64) -> f64 {
        self.uniform(1.0 - spread, 1.0 + spread)
    }

    /// Rounds to an integer, up with probability equal to the fraction, so small
    /// expected counts (0.3 purchases a day) still produce the right long-run total.
    pub fn round_count(&mut self, expected: f64) -> u64 {
        if expected <= 0.0 || !expected.is_finite() {
            return 0;
        }
        let floor = expected.floor();
        let up = self.next_f64() < expected - floor;
        floor as u64 + u64::from(up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_streams_differ() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
        let mut meta = SplitMix64::for_stream(7, "meta");
        let mut google = SplitMix64::for_stream(7, "google_ads");
        assert_ne!(meta.next_u64(), google.next_u64());
    }

    #[test]
    fn floats_stay_in_range_and_counts_average_out() {
        let mut rng = SplitMix64::new(1);
        for _ in 0..1000 {
            let x = rng.next_f64();
            assert!((0.0..1.0).contains(&x));
        }
        let total: u64 = (0..10_000).map(|_| rng.round_count(0.3)).sum();
        assert!((2_700..3_300).contains(&total), "got {total}");
    }
}
