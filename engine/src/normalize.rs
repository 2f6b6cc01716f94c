//! The normalized view a scan matches on: invisible format characters
//! removed and compatibility forms folded (NFKC), with every byte mapped back
//! to the original text so that findings keep true offsets.
//!
//! `ana@exa\u{200B}mple.org` and fullwidth `ａｎａ＠ｅｘａｍｐｌｅ.ｏｒｇ` both read
//! as `ana@example.org` here, and the finding covers the original characters.

use std::ops::Range;
use std::sync::LazyLock;

use palisade_kernels::find_non_ascii;
use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// Whether `c` is an invisible format character (Unicode general category
/// Cf: zero-width spaces and joiners, bidi controls, tag characters, the BOM,
/// the soft hyphen...). The table is Unicode 15's Cf set.
pub fn is_invisible(c: char) -> bool {
    // Most text is below U+00AD, the first one.
    (c as u32) >= 0xAD
        && matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// A normalized copy of a text and, per byte of it, the span of original
/// bytes it came from. Reused across texts (it lives in [`Scratch`](crate::Scratch)).
///
/// ```
/// use palisade_engine::Normalized;
///
/// let original = "mail ａｎａ@exa\u{200B}mple.org now";
/// let mut view = Normalized::default();
/// assert!(view.normalize(original));
/// assert_eq!(view.text(), "mail ana@example.org now");
/// let (start, end) = view.original_span(5, 20);
/// assert_eq!(&original[start..end], "ａｎａ@exa\u{200B}mple.org");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Normalized {
    text: String,
    /// Original start of the character run each byte of `text` came from.
    starts: Vec<u32>,
    /// Original end of that run.
    ends: Vec<u32>,
}

impl Normalized {
    /// Builds the view of `original`. Returns `false`, leaving the view
    /// empty, when normalizing would change nothing (all ASCII, or no
    /// invisible or compatibility characters): the common case costs one
    /// read-only pass that skips ASCII a word at a time.
    pub fn normalize(&mut self, original: &str) -> bool {
        if classify(original).changes() {
            self.build(original);
            true
        } else {
            self.clear();
            false
        }
    }

    fn clear(&mut self) {
        self.text.clear();
        self.starts.clear();
        self.ends.clear();
    }

    /// Builds the view, whether or not it changes anything.
    pub(crate) fn build(&mut self, original: &str) {
        self.clear();
        assert!(
            u32::try_from(original.len()).is_ok(),
            "texts over 4 GiB are not normalized"
        );
        self.text.reserve(original.len());
        let mut run_start = 0;
        for (at, c) in original.char_indices() {
            if at > run_start && canonical_combining_class(c) == 0 {
                self.push_run(&original[run_start..at], run_start);
                run_start = at;
            }
        }
        self.push_run(&original[run_start..], run_start);
    }

    /// A starter and its combining marks, normalized as one.
    fn push_run(&mut self, run: &str, start: usize) {
        let before = self.text.len();
        if run.len() == 1 {
            self.text.push_str(run);
        } else {
            self.text
                .extend(run.chars().filter(|&c| !is_invisible(c)).nfkc());
        }
        let added = self.text.len() - before;
        self.starts.extend(std::iter::repeat_n(start as u32, added));
        self.ends
            .extend(std::iter::repeat_n((start + run.len()) as u32, added));
    }

    /// The normalized text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The original byte span of the normalized bytes `start..end` (`end > start`):
    /// from the start of the first character run to the end of the last.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        (self.starts[start] as usize, self.ends[end - 1] as usize)
    }
}

/// What a text's non-ASCII characters hold.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Chars {
    /// Some character is invisible.
    pub invisible: bool,
    /// Some character may change under NFKC.
    pub compatibility: bool,
}

impl Chars {
    /// Whether the normalized view differs from the text.
    pub fn changes(self) -> bool {
        self.invisible || self.compatibility
    }
}

/// Per code point of the Basic Multilingual Plane, whether it is invisible
/// and whether it may change under NFKC: two bitsets filled once, so that
/// classifying a non-ASCII character of ordinary text is a table lookup
/// rather than a search of the normalization tables.
struct BmpFlags {
    invisible: [u64; 1024],
    compatibility: [u64; 1024],
}

static BMP_FLAGS: LazyLock<Box<BmpFlags>> = LazyLock::new(|| {
    let mut flags = Box::new(BmpFlags {
        invisible: [0; 1024],
        compatibility: [0; 1024],
    });
    for c in (0x80..=0xFFFFu32).filter_map(char::from_u32) {
        let (chars, word, bit) = (char_flags(c), c as usize / 64, 1u64 << (c as u32 % 64));
        if chars.invisible {
            flags.invisible[word] |= bit;
        }
        if chars.compatibility {
            flags.compatibility[word] |= bit;
        }
    }
    flags
});

/// Fills the character table now (a few milliseconds), so that building a
/// scanner pays for it rather than the first text with non-ASCII characters.
pub(crate) fn load_tables() {
    LazyLock::force(&BMP_FLAGS);
}

/// The flags of one character, from the Unicode tables.
fn char_flags(c: char) -> Chars {
    let invisible = is_invisible(c);
    Chars {
        invisible,
        compatibility: !invisible
            && unicode_normalization::is_nfkc_quick(std::iter::once(c))
                != unicode_normalization::IsNormalized::Yes,
    }
}

/// Reads the non-ASCII characters of `text` (ASCII cannot change, and is
/// skipped by a SIMD search), until both answers are known.
pub(crate) fn classify(text: &str) -> Chars {
    walk(text, |_, _| {}).0
}

/// The runs of characters beyond ASCII in a text, which [`classify`] reads
/// anyway: code point offsets follow from them without counting the
/// ASCII between.
#[derive(Clone, Debug, Default)]
pub(crate) struct WideRuns {
    /// Each run's byte span and how many characters it holds, in order.
    pub runs: Vec<(Range<usize>, usize)>,
    /// Whether every run was read: the walk stops once both answers are
    /// known.
    pub complete: bool,
}

/// [`classify`], recording in `wide` where the characters beyond ASCII are.
pub(crate) fn classify_recording(text: &str, wide: &mut WideRuns) -> Chars {
    wide.runs.clear();
    let (chars, complete) = walk(text, |span, count| wide.runs.push((span, count)));
    wide.complete = complete;
    chars
}

/// Classifies the characters beyond ASCII, calling `run` with each run of
/// them and its character count; `false` when it stopped early.
fn walk(text: &str, mut run: impl FnMut(Range<usize>, usize)) -> (Chars, bool) {
    let mut chars = Chars::default();
    let bmp = &**BMP_FLAGS;
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(start) = find_non_ascii(bytes, from) {
        // A run of characters beyond ASCII (a sentence of Japanese) is read
        // through without searching again.
        let (mut at, mut count) = (start, 0);
        while bytes.get(at).is_some_and(|b| !b.is_ascii()) {
            let c = text[at..].chars().next().expect("at a char boundary");
            let (word, bit) = (c as usize / 64, 1u64 << (c as u32 % 64));
            let found = match bmp.invisible.get(word) {
                Some(&invisible) => Chars {
                    invisible: invisible & bit != 0,
                    compatibility: bmp.compatibility[word] & bit != 0,
                },
                None => char_flags(c),
            };
            chars.invisible |= found.invisible;
            chars.compatibility |= found.compatibility;
            if chars.invisible && chars.compatibility {
                return (chars, false);
            }
            at += c.len_utf8();
            count += 1;
        }
        run(start..at, count);
        from = at;
    }
    (chars, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_agrees_with_the_unicode_tables() {
        let bmp = 0x80..=0xFFFFu32;
        let astral = (0x10000..=0x10FFFFu32).step_by(7);
        for c in bmp.chain(astral).filter_map(char::from_u32) {
            let (expected, got) = (char_flags(c), classify(c.encode_utf8(&mut [0; 4])));
            assert_eq!(
                (got.invisible, got.compatibility),
                (expected.invisible, expected.compatibility),
                "U+{:04X}",
                c as u32
            );
        }
        assert!(classify("x\u{200B}").invisible);
        assert!(classify("\u{E0041}").invisible, "beyond the table");
        assert!(classify("ﬁ").compatibility);
        let run = classify("東京\u{200B}ﬁ é");
        assert!(run.invisible && run.compatibility, "late in a run");
        assert!(!classify("東京 été 🙂").changes());
    }

    #[test]
    fn plain_and_already_normal_text_is_left_alone() {
        let mut view = Normalized::default();
        assert!(!view.normalize("plain ascii"));
        assert!(!view.normalize("déjà vu, 東京, emoji 🙂"));
        assert!(!classify("Écrivez à Núñez, ïle, über").changes());
        assert_eq!(view.text(), "");
    }

    #[test]
    fn fullwidth_ligatures_and_invisible_characters_fold() {
        let mut view = Normalized::default();
        let original = "\u{FEFF}ｃａｒｄ ４１１１ ﬁle\u{2063}x e\u{301}";
        assert!(view.normalize(original));
        assert_eq!(view.text(), "card 4111 filex é");
        // "fi" came from one ligature: both bytes map to its three.
        let fi = view.text().find("fi").unwrap();
        let (start, end) = view.original_span(fi, fi + 2);
        assert_eq!(&original[start..end], "ﬁ");
        // A composed é covers the letter and its combining accent.
        let e = view.text().len() - "é".len();
        let (start, end) = view.original_span(e, view.text().len());
        assert_eq!(&original[start..end], "e\u{301}");
    }
}
