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
    /// The members, when there are one or two: then `memchr`'s unrolled
    /// searches, which compare bytes directly, beat the nibble lookups (with
    /// three, `:-.` in prose, the cost per hit outweighs that).
    few: Option<Few>,
    kernel: Kernel,
}

/// A set of one or two bytes.
#[derive(Clone, Copy, Debug)]
enum Few {
    One(u8),
    Two(u8, u8),
}

impl Few {
    fn of(table: &[bool; 256]) -> Option<Few> {
        let mut members = (0..=255u8).filter(|&b| table[usize::from(b)]);
        match [members.next(), members.next(), members.next()] {
            [Some(a), None, _] => Some(Few::One(a)),
            [Some(a), Some(b), None] => Some(Few::Two(a, b)),
            _ => None,
        }
    }

    fn find(self, haystack: &[u8]) -> Option<usize> {
        match self {
            Few::One(a) => memchr::memchr(a, haystack),
            Few::Two(a, b) => memchr::memchr2(a, b, haystack),
        }
    }

    fn iter(self, haystack: &[u8]) -> FewIter<'_> {
        match self {
            Few::One(a) => FewIter::One(memchr::memchr_iter(a, haystack)),
            Few::Two(a, b) => FewIter::Two(memchr::memchr2_iter(a, b, haystack)),
        }
    }
}

/// `memchr`'s iterator for a [`Few`].
#[derive(Clone, Debug)]
enum FewIter<'h> {
    One(memchr::Memchr<'h>),
    Two(memchr::Memchr2<'h>),
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
            few: Few::of(&table),
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
        if let Some(few) = self.few() {
            return few.find(&haystack[at..]).map(|i| i + at);
        }
        #[cfg(target_arch = "x86_64")]
        if self.uses_avx2() {
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

    /// Iterates over the positions of members in `haystack`, in order.
    ///
    /// Each 32-byte chunk is classified once and its members are read off a
    /// bit mask, so dense members (the digits of numbers) cost a few
    /// instructions each rather than a search apiece.
    ///
    /// ```
    /// use palisade_kernels::ByteSet;
    ///
    /// let digits = ByteSet::new(b"0123456789");
    /// let found: Vec<usize> = digits.find_iter(b"a1b22c").collect();
    /// assert_eq!(found, [1, 3, 4]);
    /// ```
    pub fn find_iter<'s, 'h>(&'s self, haystack: &'h [u8]) -> FindIter<'s, 'h> {
        FindIter {
            few: self.few().map(|few| few.iter(haystack)),
            set: self,
            beside: None,
            haystack,
            base: 0,
            mask: 0,
            next_chunk: 0,
            simd: self.uses_avx2(),
        }
    }

    /// Like [`ByteSet::find_iter`], but only the members whose neighbors
    /// `beside` accepts. The SIMD path tests the neighbors of a whole chunk
    /// at once, so members that fail (the period that ends each sentence,
    /// when a member must sit between letters) cost nothing apiece.
    ///
    /// ```
    /// use palisade_kernels::{Beside, ByteSet};
    ///
    /// let hex = ByteSet::new(b"0123456789abcdef");
    /// let between_hex = Beside { set: hex, before: true, after: true };
    /// let found: Vec<usize> = ByteSet::new(b":.")
    ///     .find_iter_beside(b"Note: see 0a:1b. Done.", &between_hex)
    ///     .collect();
    /// assert_eq!(found, [12]);
    /// ```
    pub fn find_iter_beside<'s, 'h>(
        &'s self,
        haystack: &'h [u8],
        beside: &'s Beside,
    ) -> FindIter<'s, 'h> {
        FindIter {
            beside: Some(beside),
            ..self.find_iter(haystack)
        }
    }

    fn few(&self) -> Option<Few> {
        self.few.filter(|_| self.kernel == Kernel::Auto)
    }

    pub(crate) fn uses_avx2(&self) -> bool {
        cfg!(target_arch = "x86_64") && self.kernel == Kernel::Auto && self.ascii_only && has_avx2()
    }

    /// Returns the start of the first run of at least `LEN` members that
    /// starts at or after `from`, where `LEN` is 1 to 32. Long runs (base64,
    /// hex) are found from the member masks of 32 bytes at a time, with the
    /// runs read off by shifting and masking, without a byte-by-byte loop;
    /// words of ordinary prose, shorter than `LEN`, are skipped as fast.
    ///
    /// ```
    /// use palisade_kernels::ByteSet;
    ///
    /// let hex = ByteSet::new(b"0123456789abcdef");
    /// let hay = b"id: 0x1f, hash 9f86d081884c7d659a2feaa0c55ad015";
    /// assert_eq!(hex.find_run::<16>(hay, 0), Some(15));
    /// assert_eq!(hex.find_run::<16>(hay, 16), Some(16));
    /// assert_eq!(hex.find_run::<16>(hay, 33), None);
    /// ```
    ///
    /// A `LEN` of 0 or over 32 does not compile.
    #[inline]
    pub fn find_run<const LEN: usize>(&self, haystack: &[u8], from: usize) -> Option<usize> {
        const { assert!(LEN >= 1 && LEN <= 32, "a run length is 1 to 32") };
        #[cfg(target_arch = "x86_64")]
        if self.uses_avx2() {
            // SAFETY: AVX2 support was just checked.
            return unsafe { self.find_run_avx2::<LEN>(haystack, from) };
        }
        self.find_run_scalar(haystack, from, LEN)
    }

    fn find_run_scalar(&self, haystack: &[u8], from: usize, len: usize) -> Option<usize> {
        let mut run = 0;
        for (i, &b) in haystack.iter().enumerate().skip(from) {
            run = if self.contains(b) { run + 1 } else { 0 };
            if run == len {
                return Some(i + 1 - len);
            }
        }
        None
    }

    /// Classifies the 32-byte chunks from `at` until `hit` accepts one's
    /// member mask (bit `i` for byte `i`), returning what it made of it; at
    /// the end, `Err` with where the tail shorter than a chunk starts.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn chunks_avx2<R>(
        &self,
        haystack: &[u8],
        at: usize,
        mut hit: impl FnMut(usize, u32) -> Option<R>,
    ) -> Result<R, usize> {
        let classifier = Avx2Classifier::new(&self.low_nibbles);
        let mut i = at;
        while i + 32 <= haystack.len() {
            // SAFETY: `i + 32 <= haystack.len()`.
            if let Some(found) = hit(i, classifier.members(haystack.as_ptr().add(i))) {
                return Ok(found);
            }
            i += 32;
        }
        Err(i)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn find_avx2(&self, haystack: &[u8], at: usize) -> Option<usize> {
        let found = self.chunks_avx2(haystack, at, |i, members| {
            (members != 0).then(|| i + members.trailing_zeros() as usize)
        });
        found.map_or_else(|tail| self.find_scalar(haystack, tail), Some)
    }

    /// The first 32-byte chunk from `at` holding a member, with its member
    /// mask; at the end, where the last whole chunk ended and an empty mask
    /// (the shorter tail is left to the scalar path). Needs a whole chunk
    /// at `at`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn next_members_avx2(
        &self,
        haystack: &[u8],
        at: usize,
        beside: Option<&Beside>,
    ) -> (usize, u32) {
        let neighbors = beside
            .filter(|beside| beside.set.ascii_only)
            .map(|beside| Avx2Classifier::new(&beside.set.low_nibbles));
        // Whether the byte before the next chunk is a neighbor, carried over
        // from chunk to chunk.
        let mut before = u32::from(beside.is_some_and(|b| b.holds(haystack, at.checked_sub(1))));
        self.chunks_avx2(haystack, at, |i, members| {
            let members = match (beside, &neighbors) {
                // Classified whether or not the chunk has members: in prose,
                // where half the chunks hold a `.` or `-`, a branch on the
                // members would mispredict often, and this leaves one
                // well-predicted branch per chunk.
                (Some(beside), Some(neighbors)) => {
                    // SAFETY: `chunks_avx2` hands out chunks of 32 readable bytes.
                    let held = neighbors.members(haystack.as_ptr().add(i));
                    let accepted = beside.accepts(haystack, held, before, i + 32);
                    before = held >> 31;
                    members & accepted
                }
                (Some(beside), None) if members != 0 => beside.filter(haystack, i, members),
                _ => members,
            };
            (members != 0).then_some((i, members))
        })
        .unwrap_or_else(|tail| (tail - 32, 0))
    }

    /// The member bits of the first 32 bytes of `haystack`, and the bits of
    /// those beyond ASCII. Needs 32 bytes, an ASCII set and AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn members_and_wide_avx2(&self, haystack: &[u8]) -> (u32, u32) {
        use std::arch::x86_64::*;

        debug_assert!(haystack.len() >= 32 && self.ascii_only);
        let chunk = haystack.as_ptr();
        let members = Avx2Classifier::new(&self.low_nibbles).members(chunk);
        // SAFETY: 32 bytes are readable from `chunk`.
        let wide = _mm256_movemask_epi8(_mm256_loadu_si256(chunk.cast())) as u32;
        (members, wide)
    }

    /// Each step sees the member bits of the previous chunk and this one, so
    /// a run that starts in the previous chunk is judged whole: bit `k` of
    /// `runs` is set when the `len` bits from `k` are all set.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn find_run_avx2<const LEN: usize>(
        &self,
        haystack: &[u8],
        from: usize,
    ) -> Option<usize> {
        let mut previous = 0u64;
        let found = self.chunks_avx2(haystack, from, |i, members| {
            let both = previous | u64::from(members) << 32;
            previous = u64::from(members);
            let (mut runs, mut have) = (both, 1);
            while have < LEN {
                let step = have.min(LEN - have);
                runs &= runs >> step;
                have += step;
            }
            let starts = runs & 0xFFFF_FFFF;
            (starts != 0).then(|| i - 32 + starts.trailing_zeros() as usize)
        });
        // The last whole chunk's runs were not judged: the scalar path
        // finishes from there.
        found.map_or_else(
            |tail| self.find_run_scalar(haystack, tail.saturating_sub(32).max(from), LEN),
            Some,
        )
    }
}

/// Which neighbors a member must have, for [`ByteSet::find_iter_beside`].
#[derive(Clone, Debug)]
pub struct Beside {
    /// The bytes a required neighbor must be.
    pub set: ByteSet,
    /// Whether the byte before a member must be in `set`.
    pub before: bool,
    /// Whether the byte after a member must be in `set`.
    pub after: bool,
}

impl Beside {
    /// Whether the byte at `i` exists and is in `set`.
    #[inline]
    fn holds(&self, haystack: &[u8], i: Option<usize>) -> bool {
        i.and_then(|i| haystack.get(i))
            .is_some_and(|&b| self.set.contains(b))
    }

    /// Whether the byte at `at` has the neighbors asked for: what
    /// [`ByteSet::find_iter_beside`] checks, for positions found otherwise.
    ///
    /// ```
    /// use palisade_kernels::{Beside, ByteSet};
    ///
    /// let word = Beside { set: ByteSet::new(b"abcdefghijklmnopqrstuvwxyz"), before: true, after: true };
    /// assert!(word.admits(b"bob@example", 3));
    /// assert!(!word.admits(b"bob @ example", 4));
    /// assert!(!word.admits(b"@example", 0), "nothing before the first byte");
    /// ```
    #[inline]
    pub fn admits(&self, haystack: &[u8], at: usize) -> bool {
        (!self.before || self.holds(haystack, at.checked_sub(1)))
            && (!self.after || self.holds(haystack, Some(at + 1)))
    }

    /// The bits of a chunk's bytes whose neighbors qualify, given `held`,
    /// the bits of its bytes in `set`, `before`, the bit of the byte before
    /// it, and `next`, where the byte after it is.
    #[inline]
    fn accepts(&self, haystack: &[u8], held: u32, before: u32, next: usize) -> u32 {
        let mut accepted = u32::MAX;
        if self.before {
            accepted &= held << 1 | before;
        }
        if self.after {
            accepted &= held >> 1 | u32::from(self.holds(haystack, Some(next))) << 31;
        }
        accepted
    }

    /// `mask` (members from `base`) without those whose neighbors fail.
    fn filter(&self, haystack: &[u8], base: usize, mask: u32) -> u32 {
        let mut kept = mask;
        let mut rest = mask;
        while rest != 0 {
            let bit = rest.trailing_zeros();
            rest &= rest - 1;
            if !self.admits(haystack, base + bit as usize) {
                kept &= !(1 << bit);
            }
        }
        kept
    }
}

/// The positions of a [`ByteSet`]'s members in a haystack, from
/// [`ByteSet::find_iter`] and [`ByteSet::find_iter_beside`].
#[derive(Clone, Debug)]
pub struct FindIter<'s, 'h> {
    /// The search for a set of at most three bytes.
    few: Option<FewIter<'h>>,
    set: &'s ByteSet,
    beside: Option<&'s Beside>,
    haystack: &'h [u8],
    /// The offset of bit 0 of `mask`.
    base: usize,
    /// Members from `base` not yet returned, one bit per byte.
    mask: u32,
    /// Where the next chunk starts.
    next_chunk: usize,
    simd: bool,
}

impl Iterator for FindIter<'_, '_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if let Some(few) = &mut self.few {
            let (haystack, beside) = (self.haystack, self.beside);
            let mut found = || match few {
                FewIter::One(it) => it.next(),
                FewIter::Two(it) => it.next(),
            };
            return match beside {
                None => found(),
                Some(beside) => std::iter::from_fn(found).find(|&at| beside.admits(haystack, at)),
            };
        }
        while self.mask == 0 {
            if self.next_chunk >= self.haystack.len() {
                return None;
            }
            self.refill();
        }
        let bit = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.base + bit)
    }
}

impl FindIter<'_, '_> {
    /// Moves to the next chunk holding a member, or to the end.
    fn refill(&mut self) {
        let (haystack, at) = (self.haystack, self.next_chunk);
        #[cfg(target_arch = "x86_64")]
        if self.simd && at + 32 <= haystack.len() {
            // SAFETY: `simd` is set only when the CPU has AVX2.
            let (base, mask) = unsafe { self.set.next_members_avx2(haystack, at, self.beside) };
            (self.base, self.mask, self.next_chunk) = (base, mask, base + 32);
            return;
        }
        let end = (at + 32).min(haystack.len());
        self.mask = haystack[at..end]
            .iter()
            .enumerate()
            .filter(|&(_, &b)| self.set.contains(b))
            .fold(0, |mask, (i, _)| mask | 1 << i);
        if let Some(beside) = self.beside {
            self.mask = beside.filter(haystack, at, self.mask);
        }
        (self.base, self.next_chunk) = (at, end);
    }
}

/// Classifies 32 bytes at once with two nibble lookups: byte `hi << 4 | lo`
/// is a member when bit `hi` of `low_nibbles[lo]` is set.
#[cfg(target_arch = "x86_64")]
struct Avx2Classifier {
    low_table: std::arch::x86_64::__m256i,
    high_table: std::arch::x86_64::__m256i,
}

#[cfg(target_arch = "x86_64")]
impl Avx2Classifier {
    #[target_feature(enable = "avx2")]
    unsafe fn new(low_nibbles: &[u8; 16]) -> Avx2Classifier {
        use std::arch::x86_64::*;

        // Bit `hi` for the high nibbles of ASCII; bytes from 0x80 match nothing.
        let high_bits: [u8; 16] = std::array::from_fn(|hi| if hi < 8 { 1 << hi } else { 0 });
        // SAFETY: both tables are 16 readable bytes.
        Avx2Classifier {
            low_table: _mm256_broadcastsi128_si256(_mm_loadu_si128(low_nibbles.as_ptr().cast())),
            high_table: _mm256_broadcastsi128_si256(_mm_loadu_si128(high_bits.as_ptr().cast())),
        }
    }

    /// Bit `i` of the result is set when byte `i` from `at` is a member.
    ///
    /// Safety: 32 bytes are readable from `at`.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn members(&self, at: *const u8) -> u32 {
        use std::arch::x86_64::*;

        let nibble_mask = _mm256_set1_epi8(0x0F);
        let chunk = _mm256_loadu_si256(at.cast());
        let lo = _mm256_and_si256(chunk, nibble_mask);
        let hi = _mm256_and_si256(_mm256_srli_epi16(chunk, 4), nibble_mask);
        let hits = _mm256_and_si256(
            _mm256_shuffle_epi8(self.low_table, lo),
            _mm256_shuffle_epi8(self.high_table, hi),
        );
        !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hits, _mm256_setzero_si256())) as u32)
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
        for set_bytes in [
            &b"0123456789"[..],
            b"@",
            b"=:",
            b"\xE2",
            b"\x00\x7f:-",
            b"AZaz09",
        ] {
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
            for (from, set) in [(0, &auto), (0, &scalar), (4000, &auto), (4090, &scalar)] {
                let tail: Vec<usize> = set.find_iter(&hay[from..]).map(|i| i + from).collect();
                let want: Vec<usize> = expected.iter().copied().filter(|&i| i >= from).collect();
                assert_eq!(tail, want, "{set_bytes:?} from {from}");
            }
        }
    }

    #[test]
    fn runs_agree_between_paths() {
        // Runs of every length from 0 to about 40, at every alignment.
        let hay: Vec<u8> = (0..4096u32)
            .map(|i| match (i.wrapping_mul(2654435761) >> 20) % 23 {
                0 => b' ',
                _ => b"a1Z/"[(i % 4) as usize],
            })
            .collect();
        let set_bytes = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/";
        let auto = ByteSet::new(set_bytes);
        let scalar = ByteSet::new(set_bytes).kernel(Kernel::Scalar);
        fn check<const LEN: usize>(hay: &[u8], set_bytes: &[u8], auto: &ByteSet, scalar: &ByteSet) {
            let mut found = 0;
            for from in 0..hay.len() {
                let expected = (from..(hay.len() + 1).saturating_sub(LEN))
                    .find(|&s| hay[s..s + LEN].iter().all(|c| set_bytes.contains(c)));
                assert_eq!(
                    auto.find_run::<LEN>(hay, from),
                    expected,
                    "len {LEN} from {from}"
                );
                assert_eq!(
                    scalar.find_run::<LEN>(hay, from),
                    expected,
                    "len {LEN} from {from}"
                );
                found += usize::from(expected == Some(from));
            }
            assert!(found > 10, "the text holds runs of {LEN}");
        }
        check::<1>(&hay, set_bytes, &auto, &scalar);
        check::<2>(&hay, set_bytes, &auto, &scalar);
        check::<7>(&hay, set_bytes, &auto, &scalar);
        check::<16>(&hay, set_bytes, &auto, &scalar);
        check::<31>(&hay, set_bytes, &auto, &scalar);
        check::<32>(&hay, set_bytes, &auto, &scalar);
    }

    #[test]
    fn members_beside_agree_between_paths() {
        // Members next to each other, at chunk edges and at both ends.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let hay: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                b"a.:b .1\xE2-x"[(state % 10) as usize]
            })
            .collect();
        for (members, neighbors) in [
            (&b".:-"[..], &b"ab1:"[..]),
            (b".", b"ab1"),
            (b".:", b"\xE2b"),
            (b"\xE2", b"-x"),
        ] {
            for (before, after) in [(true, false), (false, true), (true, true)] {
                let expected: Vec<usize> = (0..hay.len())
                    .filter(|&i| members.contains(&hay[i]))
                    .filter(|&i| !before || i > 0 && neighbors.contains(&hay[i - 1]))
                    .filter(|&i| !after || hay.get(i + 1).is_some_and(|b| neighbors.contains(b)))
                    .collect();
                assert!(expected.len() > 10, "{members:?} {before} {after}");
                for kernel in [Kernel::Auto, Kernel::Scalar] {
                    let beside = Beside {
                        set: ByteSet::new(neighbors).kernel(kernel),
                        before,
                        after,
                    };
                    let set = ByteSet::new(members).kernel(kernel);
                    for from in [0, 1, 31, 32, 4063, 4095] {
                        let found: Vec<usize> = set
                            .find_iter_beside(&hay[from..], &beside)
                            .map(|i| i + from)
                            .collect();
                        // Seen from `from`, the byte before it does not exist.
                        let want: Vec<usize> = expected
                            .iter()
                            .copied()
                            .filter(|&i| i >= from && !(before && i == from))
                            .collect();
                        assert_eq!(
                            found, want,
                            "{members:?} {kernel:?} {before} {after} {from}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn non_ascii_sets_use_the_table() {
        let set = ByteSet::new(&[0xE2, b'x']);
        let hay = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa–x".as_bytes();
        assert_eq!(set.find(hay, 0), Some(38));
        assert_eq!(set.find_iter(hay).collect::<Vec<_>>(), [38, 41]);
    }

    #[test]
    fn start_past_end_is_none() {
        let set = ByteSet::new(b"a");
        assert_eq!(set.find(b"a", 1), None);
        assert_eq!(set.find(b"", 0), None);
    }
}
