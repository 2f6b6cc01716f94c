//! Hot-path byte kernels for palisade.
//!
//! Three loops dominate a scan outside the regex engines: finding the bytes
//! that could be part of a candidate (digits, an `@`, ...), finding long runs
//! of base64 or hex for decode-then-scan, and converting byte offsets to
//! Unicode code point offsets for the findings that survive. They live here
//! so that the engine stays free of `unsafe`, and every kernel has a scalar
//! twin that tests compare against.
//!
//! # Overview
//!
//! * [`ByteSet`] classifies 32 bytes at a time with AVX2 where the CPU has
//!   it (else a 256-entry table): [`ByteSet::find`] returns the next member,
//!   [`ByteSet::find_iter`] every member, read off one bit mask per 32 bytes,
//!   and [`ByteSet::find_run`] the next run of members of a given length.
//! * [`count_chars`] counts code points in UTF-8, the conversion from byte
//!   offsets to the code point offsets Presidio clients expect, and
//!   [`find_non_ascii`] finds the next character beyond ASCII, the only
//!   ones normalization can change.
//! * [`word_starts`] finds where words may start near a match, for the
//!   context words that raise its score.
//!
//! # Example
//!
//! ```
//! use palisade_kernels::{count_chars, ByteSet};
//!
//! let digits = ByteSet::new(b"0123456789");
//! let text = "call me at 555-0100, café ☕";
//! assert_eq!(digits.find(text.as_bytes(), 0), Some(11));
//! assert_eq!(digits.find_iter(text.as_bytes()).count(), 7);
//! assert_eq!(count_chars("café ☕".as_bytes()), 6);
//! ```
#![deny(missing_docs)]

mod byteset;
mod chars;
mod words;

pub use byteset::{Beside, ByteSet, FindIter, Kernel};
pub use chars::{count_chars, find_non_ascii};
pub use words::{word_starts, WordStarts};

/// The SIMD level the kernels use on this CPU, for benchmark reports.
///
/// ```
/// assert!(["avx2", "scalar"].contains(&palisade_kernels::simd_level()));
/// ```
pub fn simd_level() -> &'static str {
    if byteset::has_avx2() {
        "avx2"
    } else {
        "scalar"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernels are shared between threads by the engine.
    #[test]
    fn public_types_are_send_sync() {
        fn assert_send_sync<T: Send + Sync + std::panic::UnwindSafe>() {}
        assert_send_sync::<ByteSet>();
    }
}
