//! Code point counting in UTF-8, and the search for characters beyond ASCII.

/// Counts the Unicode code points in `bytes`, which must be valid UTF-8 (any
/// byte slice of a `str` cut at char boundaries).
///
/// Every code point has exactly one byte that is not a continuation byte
/// (`0b10xx_xxxx`), so this counts those: 32 bytes per step with AVX2, else
/// in 64-byte blocks whose byte-wide sums LLVM vectorizes.
///
/// ```
/// assert_eq!(palisade_kernels::count_chars("añ𝄞".as_bytes()), 3);
/// ```
#[inline]
pub fn count_chars(bytes: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= 64 && crate::byteset::has_avx2() {
        // SAFETY: AVX2 support was just checked.
        return unsafe { count_avx2(bytes) };
    }
    count_portable(bytes)
}

/// Returns the position of the first byte from `from` that is not ASCII
/// (0x80 or above), which in UTF-8 starts or continues a wider character.
///
/// Text that is mostly ASCII with a few accents or symbols is skipped 64
/// bytes per step with AVX2, where the top bits of the bytes are the answer.
///
/// ```
/// use palisade_kernels::find_non_ascii;
///
/// let text = "plain words, then café and ☕".as_bytes();
/// assert_eq!(find_non_ascii(text, 0), Some(21));
/// assert_eq!(find_non_ascii(text, 23), Some(28));
/// assert_eq!(find_non_ascii(b"ascii only", 0), None);
/// ```
#[inline]
pub fn find_non_ascii(bytes: &[u8], from: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if crate::byteset::has_avx2() {
        // SAFETY: AVX2 support was just checked.
        return unsafe { find_non_ascii_avx2(bytes, from) };
    }
    find_non_ascii_portable(bytes, from)
}

fn find_non_ascii_portable(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(word) = bytes.get(i..i + 8) {
        let high = u64::from_le_bytes(word.try_into().expect("8 bytes")) & 0x8080_8080_8080_8080;
        if high != 0 {
            return Some(i + high.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    (i..bytes.len()).find(|&i| !bytes[i].is_ascii())
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn find_non_ascii_avx2(bytes: &[u8], from: usize) -> Option<usize> {
    use std::arch::x86_64::*;

    let mut i = from;
    while i + 64 <= bytes.len() {
        // SAFETY: `i + 64 <= bytes.len()`.
        let low = _mm256_loadu_si256(bytes.as_ptr().add(i).cast());
        let high = _mm256_loadu_si256(bytes.as_ptr().add(i + 32).cast());
        if _mm256_movemask_epi8(_mm256_or_si256(low, high)) != 0 {
            let low = _mm256_movemask_epi8(low) as u32 as u64;
            let high = _mm256_movemask_epi8(high) as u32 as u64;
            return Some(i + (low | high << 32).trailing_zeros() as usize);
        }
        i += 64;
    }
    find_non_ascii_portable(bytes, i)
}

fn is_char_start(b: u8) -> bool {
    (b as i8) >= -0x40
}

fn count_portable(bytes: &[u8]) -> usize {
    let blocks = bytes.chunks_exact(64);
    let tail = blocks.remainder();
    // A block's count fits in a byte, which keeps the vector lanes narrow.
    let whole: usize = blocks
        .map(|block| {
            block
                .iter()
                .map(|&b| u8::from(is_char_start(b)))
                .fold(0u8, u8::wrapping_add) as usize
        })
        .sum();
    whole + tail.iter().filter(|&&b| is_char_start(b)).count()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn count_avx2(bytes: &[u8]) -> usize {
    use std::arch::x86_64::*;

    // Continuation bytes are -128..=-65 as i8: a byte counts when it is
    // greater than -65. Each lane of `starts` gains one per counted byte (the
    // comparison gives -1, subtracted), at most 255 steps before the lanes
    // are summed into 64-bit totals.
    let threshold = _mm256_set1_epi8(-65);
    let zero = _mm256_setzero_si256();
    let mut totals = _mm256_setzero_si256();
    let mut i = 0;
    while i + 32 <= bytes.len() {
        let steps = ((bytes.len() - i) / 32).min(255);
        let mut starts = _mm256_setzero_si256();
        for _ in 0..steps {
            // SAFETY: `i + 32 <= bytes.len()` for each of the `steps` loads.
            let chunk = _mm256_loadu_si256(bytes.as_ptr().add(i).cast());
            starts = _mm256_sub_epi8(starts, _mm256_cmpgt_epi8(chunk, threshold));
            i += 32;
        }
        totals = _mm256_add_epi64(totals, _mm256_sad_epu8(starts, zero));
    }
    let mut lanes = [0u64; 4];
    _mm256_storeu_si256(lanes.as_mut_ptr().cast(), totals);
    lanes.iter().sum::<u64>() as usize + count_portable(&bytes[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_chars_matches_std() {
        for s in [
            "",
            "ascii",
            "ünïcödé",
            "日本語テキスト",
            "👩‍👩‍👧 e\u{301}",
            "\u{feff}\u{200b}x",
        ] {
            assert_eq!(count_chars(s.as_bytes()), s.chars().count(), "{s:?}");
        }
    }

    /// Every start against a plain search, on mixed text whose wide
    /// characters sit at every offset within the 8- and 64-byte steps.
    #[test]
    fn find_non_ascii_agrees_with_a_plain_search() {
        let mut text = String::new();
        for gap in 0..150 {
            text.push_str(&"a".repeat(gap));
            text.push(['é', '日', '🙂'][gap % 3]);
        }
        let bytes = text.as_bytes();
        for from in 0..=bytes.len() {
            let expected = (from..bytes.len()).find(|&i| bytes[i] >= 0x80);
            assert_eq!(find_non_ascii(bytes, from), expected, "from {from}");
            assert_eq!(
                find_non_ascii_portable(bytes, from),
                expected,
                "from {from}"
            );
        }
    }

    /// Lengths around the 32-byte steps, the 64-byte blocks and the 255-step
    /// flush, cut at every char boundary of mixed-width text.
    #[test]
    fn both_paths_agree_with_std_at_every_length() {
        let unit = "aé日𝄞 x\u{301}ß€🙂0123456789";
        let text = unit.repeat(9000 / unit.len() + 1);
        let mut ends: Vec<usize> = (0..text.len())
            .filter(|&i| text.is_char_boundary(i))
            .step_by(7)
            .collect();
        ends.extend([text.len(), 255 * 32 + 3, 255 * 32 * 2 + 40]);
        for end in ends {
            let end = (0..=end).rev().find(|&i| text.is_char_boundary(i)).unwrap();
            let slice = &text[..end];
            let expected = slice.chars().count();
            assert_eq!(count_chars(slice.as_bytes()), expected, "length {end}");
            assert_eq!(count_portable(slice.as_bytes()), expected, "length {end}");
        }
    }
}
