//! Search for the next byte that belongs to a small set.

/// Which implementation a [`ByteSet`] search runs.
///
/// [`Kernel::Auto`] picks the fastest one the CPU supports; the others exist
/// so that tests and benchmarks can compare paths on the same input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// AVX2 when the CPU has it and the set is ASCII, else scalar.
    Auto,
    /// The 256-entry table loop, available everywhere.
    Scalar,
}

/// A set of bytes with a fast "find the next member" search.
///
/// The SIMD path classifies 32 bytes at once with two nibble lookups (the
/// trick behind Hyperscan's and aho-corasick's Teddy), so a text with rare
/// members is skipped at memchr-like speed whatever the set's size.
///
/// ```
/// use palisade_kernels::ByteSet;
///
/// let set = ByteSet::new(b"@:");
/// let hay = b"mail bob@example.com at 10:30";
/// assert_eq!(set.find(hay, 0), Some(8));
/// assert_eq!(set.find(hay, 9), Some(26));
/// assert_eq!(set.find(hay, 27), None);
/// ```
#[derive(Clone, Debug)]
pub struct ByteSet {
    table: [bool; 256],
    /// Bit `hi` of `low_nibbles[lo]` is set when byte `hi << 4 | lo` is a member.
    low_nibbles: [u8; 16],
    ascii_only: bool,
    kernel: Kernel,
}

impl ByteSet {
    /// Builds the set of the given bytes.
    pub fn new(bytes: &[u8]) -> ByteSet {
        let mut table = [false; 256];
        let mut low_nibbles = [0u8; 16];
        for &b in bytes {
            table[usize::from(b)] = true;
            if b < 0x80 {
                low_nibbles[usize::from(b & 0x0F)] |= 1 << (b >> 4);
            }
        }
        ByteSet {
            table,
            low_nibbles,
            ascii_only: bytes.iter().all(|b| b.is_ascii()),
            kernel: Kernel::Auto,
        }
    }

    /// Forces one implementation; the default is [`Kernel::Auto`].
    ///
    /// ```
    /// use palisade_kernels::{ByteSet, Kernel};
    ///
    /// let set = ByteSet::new(b"0123456789").kernel(Kernel::Scalar);
    /// assert_eq!(set.find(b"abc7", 0), Some(3));
    /// ```
    pub fn kernel(mut self, kernel: Kernel) -> ByteSet {
        self.kernel = kernel;
        self
    }

    /// Whether `byte` is a member.
    #[inline]
    pub fn contains(&self, byte: u8) -> bool {
        self.table[usize::from(byte)]
    }

    /// Returns the position of the first member in `haystack[at..]`, as an
    /// offset into `haystack`.
    #[inline]
    pub fn find(&self, haystack: &[u8], at: usize) -> Option<usize> {
        if at >= haystack.len() {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        if self.kernel == Kernel::Auto && self.ascii_only && has_avx2() {
            // SAFETY: AVX2 support was just checked.
            return unsafe { self.find_avx2(haystack, at) };
        }
        self.find_scalar(haystack, at)
    }

    fn find_scalar(&self, haystack: &[u8], at: usize) -> Option<usize> {
        haystack[at..]
            .iter()
            .position(|&b| self.contains(b))
            .map(|i| i + at)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn find_avx2(&self, haystack: &[u8], at: usize) -> Option<usize> {
        use std::arch::x86_64::*;

        let mut high_bits = [0u8; 16];
        for (hi, bit) in high_bits.iter_mut().enumerate().take(8) {
            *bit = 1 << hi;
        }
        // SAFETY (whole block): loads are unaligned and stay inside
        // `haystack`; the tail shorter than 32 bytes goes to the scalar loop.
        let low_table =
            _mm256_broadcastsi128_si256(_mm_loadu_si128(self.low_nibbles.as_ptr().cast()));
        let high_table = _mm256_broadcastsi128_si256(_mm_loadu_si128(high_bits.as_ptr().cast()));
        let nibble_mask = _mm256_set1_epi8(0x0F);
        let zero = _mm256_setzero_si256();
        let mut i = at;
        while i + 32 <= haystack.len() {
            let chunk = _mm256_loadu_si256(haystack.as_ptr().add(i).cast());
            let lo = _mm256_and_si256(chunk, nibble_mask);
            let hi = _mm256_and_si256(_mm256_srli_epi16(chunk, 4), nibble_mask);
            let hits = _mm256_and_si256(
                _mm256_shuffle_epi8(low_table, lo),
                _mm256_shuffle_epi8(high_table, hi),
            );
            let misses = _mm256_movemask_epi8(_mm256_cmpeq_epi8(hits, zero)) as u32;
            if misses != u32::MAX {
                return Some(i + (!misses).trailing_zeros() as usize);
            }
            i += 32;
        }
        self.find_scalar(haystack, i)
    }
}

/// Whether this CPU runs the AVX2 kernels.
pub(crate) fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_positions(set: &ByteSet, hay: &[u8]) -> Vec<usize> {
        let mut out = vec![];
        let mut at = 0;
        while let Some(i) = set.find(hay, at) {
            out.push(i);
            at = i + 1;
        }
        out
    }

    #[test]
    fn simd_and_scalar_agree_on_every_byte_value() {
        let hay: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        for set_bytes in [&b"0123456789"[..], b"@", b"\x00\x7f:-", b"AZaz09"] {
            let auto = ByteSet::new(set_bytes);
            let scalar = ByteSet::new(set_bytes).kernel(Kernel::Scalar);
            let expected: Vec<usize> = hay
                .iter()
                .enumerate()
                .filter(|(_, b)| set_bytes.contains(b))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(all_positions(&auto, &hay), expected, "{set_bytes:?}");
            assert_eq!(all_positions(&scalar, &hay), expected, "{set_bytes:?}");
        }
    }

    #[test]
    fn non_ascii_sets_use_the_table() {
        let set = ByteSet::new(&[0xE2, b'x']);
        let hay = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa–x".as_bytes();
        assert_eq!(set.find(hay, 0), Some(38));
    }

    #[test]
    fn start_past_end_is_none() {
        let set = ByteSet::new(b"a");
        assert_eq!(set.find(b"a", 1), None);
        assert_eq!(set.find(b"", 0), None);
    }
}
