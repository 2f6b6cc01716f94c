//! Where words may start: the bytes to try when looking for whole words.

use std::sync::LazyLock;

use crate::byteset::{ByteSet, Kernel};

/// The ASCII letters and digits.
const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// [`ALNUM`] as a set, built once: a search covers a hundred bytes or so.
static ALNUM_SET: LazyLock<ByteSet> = LazyLock::new(|| ByteSet::new(ALNUM));

/// Iterates over the positions in `haystack[from..to]` where a word may
/// start: an ASCII letter or digit, or a byte beyond ASCII, with no ASCII
/// letter or digit right before it (bytes before `from` count). Every
/// Unicode word start at a char boundary is among them; bytes beyond ASCII
/// are let through whatever precedes them, so callers check the characters.
///
/// Each 32-byte chunk is classified at once with AVX2, so a search for a
/// few words near a match costs a lookup per word start, not per byte.
///
/// ```
/// use palisade_kernels::word_starts;
///
/// let text = b"call +1 (555), tel:x";
/// let found: Vec<usize> = word_starts(text, 0, text.len()).collect();
/// assert_eq!(found, [0, 6, 9, 15, 19]);
/// assert_eq!(word_starts(text, 1, 12).collect::<Vec<_>>(), [6, 9]);
/// ```
///
/// # Panics
///
/// When `from > to` or `to > haystack.len()`.
pub fn word_starts(haystack: &[u8], from: usize, to: usize) -> WordStarts<'_> {
    WordStarts::new(haystack, from, to, Kernel::Auto)
}

impl<'h> WordStarts<'h> {
    fn new(haystack: &'h [u8], from: usize, to: usize, kernel: Kernel) -> WordStarts<'h> {
        assert!(
            from <= to && to <= haystack.len(),
            "{from}..{to} out of range"
        );
        let alnum = &*ALNUM_SET;
        let before_word = from > 0 && alnum.contains(haystack[from - 1]);
        WordStarts {
            simd: kernel == Kernel::Auto && alnum.uses_avx2(),
            alnum,
            haystack,
            to,
            next_chunk: from,
            base: from,
            mask: 0,
            before_word,
        }
    }
}

/// The positions from [`word_starts`].
#[derive(Clone, Debug)]
pub struct WordStarts<'h> {
    alnum: &'static ByteSet,
    haystack: &'h [u8],
    to: usize,
    /// Where the next chunk starts.
    next_chunk: usize,
    /// The offset of bit 0 of `mask`.
    base: usize,
    /// Word starts from `base` not yet returned, one bit per byte.
    mask: u32,
    /// Whether the byte before `next_chunk` is an ASCII letter or digit.
    before_word: bool,
    simd: bool,
}

impl Iterator for WordStarts<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            if self.next_chunk >= self.to {
                return None;
            }
            self.refill();
        }
        let bit = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.base + bit)
    }
}

impl WordStarts<'_> {
    fn refill(&mut self) {
        let at = self.next_chunk;
        let len = (self.to - at).min(32);
        // Bits of the ASCII letters and digits, and of the bytes beyond ASCII.
        let (alnum, wide) = match self.chunk_masks(at) {
            Some(masks) => masks,
            None => self.haystack[at..at + len].iter().enumerate().fold(
                (0u32, 0u32),
                |(alnum, wide), (i, &b)| {
                    (
                        alnum | u32::from(self.alnum.contains(b)) << i,
                        wide | u32::from(!b.is_ascii()) << i,
                    )
                },
            ),
        };
        let inside = u32::MAX >> (32 - len);
        let (alnum, wide) = (alnum & inside, wide & inside);
        self.mask = (alnum | wide) & !(alnum << 1 | u32::from(self.before_word));
        self.before_word = alnum >> (len - 1) & 1 == 1;
        (self.base, self.next_chunk) = (at, at + len);
    }

    /// The masks of the 32 bytes from `at`, with AVX2, when it applies and
    /// they are in the haystack.
    fn chunk_masks(&self, at: usize) -> Option<(u32, u32)> {
        #[cfg(target_arch = "x86_64")]
        if self.simd && at + 32 <= self.haystack.len() {
            // SAFETY: `simd` is set only when the CPU has AVX2, and the 32
            // bytes from `at` are in the haystack.
            return Some(unsafe { self.alnum.members_and_wide_avx2(&self.haystack[at..]) });
        }
        let _ = at;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(haystack: &[u8], from: usize, to: usize) -> Vec<usize> {
        let alnum = |i: usize| ALNUM.contains(&haystack[i]);
        (from..to)
            .filter(|&i| alnum(i) || !haystack[i].is_ascii())
            .filter(|&i| i == 0 || !alnum(i - 1))
            .collect()
    }

    #[test]
    fn agrees_with_a_plain_search_at_every_span() {
        let text = "call +1 (555) 010-9999, tél:x 電話 «cell» ss#1 ".repeat(5);
        let bytes = text.as_bytes();
        for from in 0..bytes.len() {
            for to in (from..=bytes.len()).step_by(7).chain([bytes.len()]) {
                let expected = plain(bytes, from, to);
                for kernel in [Kernel::Auto, Kernel::Scalar] {
                    let found: Vec<usize> = WordStarts::new(bytes, from, to, kernel).collect();
                    assert_eq!(found, expected, "{from}..{to} {kernel:?}");
                }
            }
        }
    }
}
