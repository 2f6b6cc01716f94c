//! Decode-then-scan: encoded segments of a text (base64, hex, percent
//! encoding, `\uXXXX` escapes, quoted-printable) are decoded and scanned
//! too, so that a base64 blob holding an AWS key is found.
//!
//! Work stays linear: segments do not overlap, no decoding makes a segment
//! longer than its encoded form, nesting is limited by
//! [`ScanOptions::decode_depth`](crate::ScanOptions::decode_depth), and all
//! decoded bytes of one scan are capped by
//! [`ScanOptions::decode_budget`](crate::ScanOptions::decode_budget).

use std::ops::Range;
use std::sync::LazyLock;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use palisade_kernels::ByteSet;
use serde::ser::SerializeSeq;
use serde::Serialize;

/// An encoding palisade sees through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// RFC 4648 base64 (`+/`), padded or not.
    Base64,
    /// RFC 4648 base64url (`-_`), padded or not.
    Base64Url,
    /// Hexadecimal bytes.
    Hex,
    /// `%XX` (URL) encoding.
    Percent,
    /// `\uXXXX` escapes (JSON, JavaScript), surrogate pairs included.
    UnicodeEscape,
    /// MIME quoted-printable (`=XX`, soft line breaks).
    QuotedPrintable,
}

impl Encoding {
    /// The name used in findings (`decoded_from`).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Base64Url => "base64url",
            Encoding::Hex => "hex",
            Encoding::Percent => "percent",
            Encoding::UnicodeEscape => "unicode_escape",
            Encoding::QuotedPrintable => "quoted_printable",
        }
    }
}

/// The encodings a finding was found under, outermost first; empty for a
/// finding in the text as written. Plain data, so findings stay `Copy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DecodeChain {
    steps: [Option<Encoding>; MAX_DEPTH],
}

/// The deepest nesting a chain records.
pub const MAX_DEPTH: usize = 4;

impl DecodeChain {
    /// Whether the finding is in the text as written.
    pub fn is_empty(&self) -> bool {
        self.steps[0].is_none()
    }

    /// The encodings, outermost first.
    pub fn iter(&self) -> impl Iterator<Item = Encoding> + '_ {
        self.steps.iter().map_while(|s| *s)
    }

    /// This chain found inside a segment encoded with `outer`.
    pub(crate) fn inside(self, outer: Encoding) -> DecodeChain {
        let mut steps = [None; MAX_DEPTH];
        steps[0] = Some(outer);
        steps[1..].copy_from_slice(&self.steps[..MAX_DEPTH - 1]);
        DecodeChain { steps }
    }
}

impl Serialize for DecodeChain {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for step in self.iter() {
            seq.serialize_element(step.name())?;
        }
        seq.end()
    }
}

/// Shortest base64 or hex run worth decoding (12 decoded bytes of base64).
pub(crate) const MIN_RUN: usize = 16;

/// The base64 alphabet, standard and URL-safe, which hex is part of.
static ALPHABET: LazyLock<ByteSet> = LazyLock::new(|| {
    let alphabet: Vec<u8> = (0..=127u8).filter(|&b| is_base64(b)).collect();
    ByteSet::new(&alphabet)
});

/// The maximal runs of at least [`MIN_RUN`] base64-alphabet bytes in
/// `text`, in order: where encoded segments, and tokens such as API keys,
/// may be. A SIMD search finds them; prose words, shorter than a run, cost
/// nothing apiece.
pub(crate) fn base64_runs(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = ALPHABET.find_run::<MIN_RUN>(bytes, at)?;
        let rest = &bytes[start + MIN_RUN..];
        at = start + MIN_RUN + rest.iter().take_while(|&&b| is_base64(b)).count();
        Some(start..at)
    })
}

/// Calls `each` with every encoded-looking segment of `text`, left to right,
/// without overlaps: whitespace-separated tokens holding `%XX`, `\uXXXX` or
/// quoted-printable escapes, and runs of at least 16 base64 or hex characters.
pub(crate) fn segments(text: &str, each: impl FnMut(Range<usize>, Encoding)) {
    // Markers are rare in text, so `memchr3`, fastest between hits, fits.
    let markers = memchr::memchr3_iter(MARKERS[0], MARKERS[1], MARKERS[2], text.as_bytes());
    segments_around(text, base64_runs(text), markers, each);
}

/// The bytes that start an escape: `%XX`, `\uXXXX`, quoted-printable `=XX`.
pub(crate) const MARKERS: [u8; 3] = [b'%', b'\\', b'='];

/// [`segments`], given `runs`, the [`base64_runs`] of `text`, and
/// `markers`, the positions of its [`MARKERS`] in order, when the caller has
/// them already.
pub(crate) fn segments_around(
    text: &str,
    mut runs: impl Iterator<Item = Range<usize>>,
    mut markers: impl Iterator<Item = usize>,
    mut each: impl FnMut(Range<usize>, Encoding),
) {
    // Only tokens holding an escape marker or a long base64-alphabet run are
    // looked at. A token ends at whitespace, which no run holds, so the next
    // run after a token starts past it.
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut marker = markers.next();
    let mut run = runs.next().map(|r| r.start);
    while let Some(hit) = match (marker, run) {
        (Some(m), Some(r)) => Some(m.min(r)),
        (m, r) => m.or(r),
    } {
        let mut start = hit;
        while start > at && !bytes[start - 1].is_ascii_whitespace() {
            start -= 1;
        }
        let mut end = hit;
        loop {
            while end < bytes.len() && !bytes[end].is_ascii_whitespace() {
                end += 1;
            }
            // A quoted-printable soft line break (`=` at a line end) continues the token.
            let soft = if end > start && bytes[end - 1] == b'=' {
                match bytes.get(end..end + 2) {
                    Some([b'\r', b'\n']) => 2,
                    _ if bytes.get(end) == Some(&b'\n') => 1,
                    _ => 0,
                }
            } else {
                0
            };
            if soft == 0 {
                break;
            }
            end += soft;
        }
        // The next marker is known: a token before it holds no escapes.
        let escaped = marker.is_some_and(|m| m < end);
        token(&bytes[start..end], start, escaped, &mut each);
        at = end;
        if marker.is_some_and(|m| m < at) {
            marker = markers.find(|&m| m >= at);
        }
        if run.is_some_and(|r| r < at) {
            run = runs.find(|r| r.start >= at).map(|r| r.start);
        }
    }
}

pub(crate) fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

fn token(
    token: &[u8],
    offset: usize,
    escaped: bool,
    each: &mut impl FnMut(Range<usize>, Encoding),
) {
    let escapes = |marker: u8, upper_only: bool| {
        token
            .windows(3)
            .filter(|w| {
                w[0] == marker
                    && w[1..].iter().all(|b| {
                        b.is_ascii_digit()
                            || (b'A'..=b'F').contains(b)
                            || (!upper_only && (b'a'..=b'f').contains(b))
                    })
            })
            .count()
    };
    // Escaped tokens are reported without the quotes and brackets around them.
    let edge = |b: &u8| {
        matches!(
            b,
            b'"' | b'\'' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b',' | b';'
        )
    };
    if escaped {
        let lead = token.iter().take_while(|b| edge(b)).count();
        let trail = token[lead..].iter().rev().take_while(|b| edge(b)).count();
        let whole = offset + lead..offset + token.len() - trail;
        if escapes(b'%', false) >= 1 {
            return each(whole, Encoding::Percent);
        }
        if token
            .windows(6)
            .any(|w| w[0] == b'\\' && w[1] == b'u' && w[2..].iter().all(u8::is_ascii_hexdigit))
        {
            return each(whole, Encoding::UnicodeEscape);
        }
        if escapes(b'=', true) >= 2 {
            return each(whole, Encoding::QuotedPrintable);
        }
    }
    let mut at = 0;
    while at < token.len() {
        if !is_base64(token[at]) {
            at += 1;
            continue;
        }
        let mut end = at;
        while end < token.len() && is_base64(token[end]) {
            end += 1;
        }
        let mut padded = end;
        while padded < token.len() && padded < end + 2 && token[padded] == b'=' {
            padded += 1;
        }
        let run = &token[at..end];
        if run.len() >= MIN_RUN {
            let encoding = if run.len().is_multiple_of(2) && run.iter().all(u8::is_ascii_hexdigit) {
                Encoding::Hex
            } else if run.iter().any(|&b| b == b'-' || b == b'_') {
                Encoding::Base64Url
            } else {
                Encoding::Base64
            };
            each(offset + at..offset + padded, encoding);
        }
        at = padded;
    }
}

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const BASE64: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const BASE64_URL: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Decodes `segment` into `out` (cleared first); `true` when it decoded to
/// text worth scanning: valid UTF-8, at least four characters, no control
/// characters but tabs and line breaks.
pub(crate) fn decode(segment: &str, encoding: Encoding, out: &mut Vec<u8>) -> bool {
    out.clear();
    let bytes = segment.as_bytes();
    if !plausible_start(bytes, encoding) {
        return false;
    }
    let decoded = match encoding {
        Encoding::Base64 => BASE64.decode_vec(bytes, out).is_ok(),
        Encoding::Base64Url => BASE64_URL.decode_vec(bytes, out).is_ok(),
        Encoding::Hex => {
            out.resize(bytes.len() / 2, 0);
            hex::decode_to_slice(bytes, out).is_ok()
        }
        Encoding::Percent => unescape(bytes, b'%', false, out),
        Encoding::QuotedPrintable => unescape(bytes, b'=', true, out),
        Encoding::UnicodeEscape => unicode_unescape(segment, out),
    };
    decoded
        && out.len() >= 4
        && std::str::from_utf8(out).is_ok_and(|text| {
            text.chars()
                .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        })
}

/// Whether the first bytes a base64 or hex run decodes to could start text
/// worth scanning. Hashes, UUIDs and keys look like both encodings and fill
/// ordinary text; most decode to bytes that fail the UTF-8 test at once, and
/// this finds that out from 16 characters rather than the whole run.
fn plausible_start(bytes: &[u8], encoding: Encoding) -> bool {
    let mut start = [0u8; 12];
    let Some(head) = bytes.get(..16) else {
        return true;
    };
    let len = match encoding {
        Encoding::Base64 => BASE64.decode_slice(head, &mut start).ok(),
        Encoding::Base64Url => BASE64_URL.decode_slice(head, &mut start).ok(),
        Encoding::Hex => hex::decode_to_slice(head, &mut start[..8]).ok().map(|()| 8),
        _ => return true,
    };
    let Some(len) = len else {
        // Let the full decode report what is wrong.
        return true;
    };
    let text = match std::str::from_utf8(&start[..len]) {
        Ok(text) => text,
        // A character cut at the end of the prefix is fine.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&start[..e.valid_up_to()]).expect("valid up to here")
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `%XX` or `=XX` escapes; with `soft_breaks`, `=` at a line end is dropped.
fn unescape(bytes: &[u8], marker: u8, soft_breaks: bool, out: &mut Vec<u8>) -> bool {
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if b == marker {
            if let (Some(hi), Some(lo)) = (
                bytes.get(at + 1).copied().and_then(hex_value),
                bytes.get(at + 2).copied().and_then(hex_value),
            ) {
                out.push(hi << 4 | lo);
                at += 3;
                continue;
            }
            if soft_breaks {
                let skip = match bytes.get(at + 1..at + 3) {
                    Some([b'\r', b'\n']) => 3,
                    _ if bytes.get(at + 1) == Some(&b'\n') => 2,
                    _ => 0,
                };
                if skip > 0 {
                    at += skip;
                    continue;
                }
            }
        }
        out.push(b);
        at += 1;
    }
    true
}

/// `\uXXXX` escapes, pairing surrogates; an unpaired surrogate fails.
fn unicode_unescape(text: &str, out: &mut Vec<u8>) -> bool {
    let bytes = text.as_bytes();
    let unit = |at: usize| -> Option<u32> {
        let digits = bytes.get(at..at + 6)?;
        if &digits[..2] != b"\\u" {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(&digits[2..]).ok()?, 16).ok()
    };
    let mut at = 0;
    while at < bytes.len() {
        let Some(first) = unit(at) else {
            out.push(bytes[at]);
            at += 1;
            continue;
        };
        let (code, used) = match first {
            0xD800..=0xDBFF => match unit(at + 6) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    (0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00), 12)
                }
                _ => return false,
            },
            0xDC00..=0xDFFF => return false,
            _ => (first, 6),
        };
        let Some(c) = char::from_u32(code) else {
            return false;
        };
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        at += used;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, Encoding)> {
        let mut out = Vec::new();
        segments(text, |range, encoding| out.push((&text[range], encoding)));
        out
    }

    fn decoded(segment: &str, encoding: Encoding) -> Option<String> {
        let mut out = Vec::new();
        decode(segment, encoding, &mut out).then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn segments_are_classified() {
        assert_eq!(
            found(
                "see QUtJQUlPU0ZPRE5ON0VYQU1QTEU= and 414b4941494f53464f444e4e374558414d504c45 ok"
            ),
            [
                ("QUtJQUlPU0ZPRE5ON0VYQU1QTEU=", Encoding::Base64),
                ("414b4941494f53464f444e4e374558414d504c45", Encoding::Hex),
            ]
        );
        assert_eq!(
            found("mailto:ana%40example.org \\u0061\\u006e\\u0061 short"),
            [
                ("mailto:ana%40example.org", Encoding::Percent),
                ("\\u0061\\u006e\\u0061", Encoding::UnicodeEscape),
            ]
        );
        assert_eq!(found("plain words only here"), []);
    }

    #[test]
    fn each_encoding_decodes() {
        assert_eq!(
            decoded("QUtJQUlPU0ZPRE5ON0VYQU1QTEU", Encoding::Base64).unwrap(),
            "AKIAIOSFODNN7EXAMPLE"
        );
        assert_eq!(
            decoded("aGk_aGk-aGk", Encoding::Base64Url).unwrap(),
            "hi?hi>hi"
        );
        assert_eq!(
            decoded("616e6140782e6f7267", Encoding::Hex).unwrap(),
            "ana@x.org"
        );
        assert_eq!(
            decoded("ana%40example.org", Encoding::Percent).unwrap(),
            "ana@example.org"
        );
        assert_eq!(
            decoded("\\u0061na\\ud83d\\ude42", Encoding::UnicodeEscape).unwrap(),
            "ana🙂"
        );
        assert_eq!(decoded("\\ud83d alone", Encoding::UnicodeEscape), None);
        assert_eq!(
            decoded("ana=40exam=\nple.org", Encoding::QuotedPrintable).unwrap(),
            "ana@example.org"
        );
        // Long words are valid base64 but decode to bytes that are not text.
        assert_eq!(decoded("internationalization", Encoding::Base64), None);
    }

    /// The early look at a run's first characters never turns away text
    /// that the whole decode accepts, even with a character cut where the
    /// look ends, and it turns away what decodes to binary.
    #[test]
    fn text_passes_the_early_look_and_binary_does_not() {
        use base64::Engine;

        for text in [
            "card 4111 1111 1111 1111",
            "aé日本語テキストのカード番号",
            "日本語日本語",
            "ab🙂cdef🙂gh",
        ] {
            let base64 = BASE64.encode(text);
            let url = BASE64_URL.encode(text);
            let hex = hex::encode(text);
            assert_eq!(decoded(&base64, Encoding::Base64).as_deref(), Some(text));
            assert_eq!(decoded(&url, Encoding::Base64Url).as_deref(), Some(text));
            assert_eq!(decoded(&hex, Encoding::Hex).as_deref(), Some(text));
        }
        let binary: Vec<u8> = (0..48u32).map(|i| (i * 97 + 200) as u8).collect();
        assert!(!plausible_start(
            BASE64.encode(&binary).as_bytes(),
            Encoding::Base64
        ));
        assert!(!plausible_start(
            hex::encode(&binary).as_bytes(),
            Encoding::Hex
        ));
    }

    #[test]
    fn chains_nest_outermost_first() {
        let chain = DecodeChain::default()
            .inside(Encoding::Hex)
            .inside(Encoding::Base64);
        assert_eq!(
            chain.iter().collect::<Vec<_>>(),
            [Encoding::Base64, Encoding::Hex]
        );
        assert_eq!(
            serde_json::to_string(&chain).unwrap(),
            r#"["base64","hex"]"#
        );
    }
}
