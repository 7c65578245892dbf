//! Randomness, injectable: retry jitter and generated `external_task_id`s come from an
//! [`Entropy`] source, so tests can make both deterministic with [`SeededEntropy`].

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// A source of random 64-bit numbers.
pub trait Entropy: Send + Sync + fmt::Debug + 'static {
    /// The next random number.
    fn next_u64(&self) -> u64;

    /// A number uniformly distributed in `[0, 1]`.
    fn next_unit(&self) -> f64 {
        // 53 significant bits, the precision of an f64.
        (self.next_u64() >> 11) as f64 / ((1u64 << 53) - 1) as f64
    }
}

/// Operating-system seeded randomness (the `rand` crate's thread-local generator). The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn next_u64(&self) -> u64 {
        rand::random()
    }
}

/// A deterministic generator (SplitMix64) for tests: the same seed gives the same sequence.
#[derive(Debug)]
pub struct SeededEntropy {
    state: AtomicU64,
}

impl SeededEntropy {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }
}

impl Entropy for SeededEntropy {
    fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A fresh `external_task_id` as the client generates one: `nrk-` and 32 hex digits (128
/// random bits from `entropy`). Public so that a caller can make the id itself, for example
/// to record or print it before the create is sent.
///
/// ```
/// use nicerouter_kling::entropy::{OsEntropy, external_task_id};
///
/// let id = external_task_id(&OsEntropy);
/// assert!(id.starts_with("nrk-") && id.len() == 36);
/// ```
pub fn external_task_id(entropy: &dyn Entropy) -> String {
    format!("nrk-{:016x}{:016x}", entropy.next_u64(), entropy.next_u64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_entropy_is_deterministic_and_unit_is_in_range() {
        let a = SeededEntropy::new(7);
        let b = SeededEntropy::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert!(xs.windows(2).all(|w| w[0] != w[1]));
        for _ in 0..1000 {
            let u = a.next_unit();
            assert!((0.0..=1.0).contains(&u), "{u}");
        }
    }

    #[test]
    fn external_ids_are_prefixed_and_unique() {
        let e = OsEntropy;
        let a = external_task_id(&e);
        let b = external_task_id(&e);
        assert!(a.starts_with("nrk-") && a.len() == 36, "{a}");
        assert_ne!(a, b);
    }
}
