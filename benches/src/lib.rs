//! Benchmarks and generated test data for palisade.
//!
//! [`corpus`] generates text with planted PII and secrets at exact, known
//! spans: the labeled corpus behind the engine's precision/recall test
//! (`testdata/corpus/`, written by the `gen-corpus` binary) and the prose
//! that the criterion benches scan.
#![deny(missing_docs)]

pub mod corpus;
#[cfg(feature = "hyperscan")]
pub mod hyperscan;

/// A pattern that another match engine could not take, and why (see
/// `hyperscan::HyperscanBackend::rejected`, with the `hyperscan` feature).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    /// The recognizer the pattern belongs to.
    pub recognizer: String,
    /// The pattern as written in its rule.
    pub pattern: String,
    /// Why: the translation's or the engine's compile error.
    pub reason: String,
}

/// Parses a size such as `1048576`, `64K`, `512M` or `1G` (binary units).
///
/// ```
/// assert_eq!(palisade_benches::parse_size("64K"), Some(65536));
/// assert_eq!(palisade_benches::parse_size("1G"), Some(1 << 30));
/// assert_eq!(palisade_benches::parse_size("lots"), None);
/// ```
pub fn parse_size(size: &str) -> Option<u64> {
    let (digits, shift) = match size.as_bytes().last()? {
        b'K' | b'k' => (&size[..size.len() - 1], 10),
        b'M' | b'm' => (&size[..size.len() - 1], 20),
        b'G' | b'g' => (&size[..size.len() - 1], 30),
        _ => (size, 0),
    };
    digits.parse::<u64>().ok()?.checked_mul(1 << shift)
}
