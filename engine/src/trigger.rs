//! What a recognizer's `trigger` bytes promise about its matches, read off
//! the pattern's syntax tree.
//!
//! A trigger lets the scan look only near bytes such as digits or `@`. Four
//! facts make that both correct and cheap: every match contains at least
//! `min_count` trigger bytes (so a region with fewer is skipped without
//! running a regex), at most `lead` bytes precede a match's first trigger
//! byte and at most `trail` bytes follow its last (so a window hugs the
//! triggers it holds), and consecutive trigger bytes of a match are at most
//! `gap` bytes apart (so triggers farther apart never share a match and
//! their windows stay separate). A trigger that does not occur in every
//! match is a rule error, caught at load instead of as missed findings.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// A set of byte values: the bytes a trigger names, or those a match may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ByteTable([bool; 256]);

impl ByteTable {
    pub(crate) fn new(bytes: &[u8]) -> ByteTable {
        let mut set = [false; 256];
        for &b in bytes {
            set[usize::from(b)] = true;
        }
        ByteTable(set)
    }

    pub(crate) fn contains(&self, byte: u8) -> bool {
        self.0[usize::from(byte)]
    }

    /// The bytes in the set, in order.
    pub(crate) fn bytes(&self) -> Vec<u8> {
        (0..=255u8).filter(|&b| self.contains(b)).collect()
    }

    /// Whether the two sets share a byte.
    pub(crate) fn meets(&self, other: &ByteTable) -> bool {
        self.0
            .iter()
            .zip(other.0)
            .any(|(&mine, theirs)| mine && theirs)
    }

    pub(crate) fn union(mut self, other: &ByteTable) -> ByteTable {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine |= theirs;
        }
        self
    }
}

/// Every byte some match of `hir` may hold. A character beyond ASCII counts
/// as all of 0x80-0xFF, the bytes UTF-8 spells such characters with.
pub(crate) fn held_bytes(hir: &Hir) -> ByteTable {
    fn mark(hir: &Hir, set: &mut [bool; 256]) {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(literal) => literal.0.iter().for_each(|&b| set[usize::from(b)] = true),
            HirKind::Class(Class::Bytes(bytes)) => {
                for r in bytes.ranges() {
                    set[usize::from(r.start())..=usize::from(r.end())].fill(true);
                }
            }
            HirKind::Class(Class::Unicode(unicode)) => {
                for r in unicode.ranges() {
                    let (start, end) = (r.start() as usize, r.end() as usize);
                    if start <= 0x7F {
                        set[start..=end.min(0x7F)].fill(true);
                    }
                    if end > 0x7F {
                        set[0x80..].fill(true);
                    }
                }
            }
            HirKind::Repetition(repetition) if repetition.max == Some(0) => {}
            HirKind::Repetition(repetition) => mark(&repetition.sub, set),
            HirKind::Capture(capture) => mark(&capture.sub, set),
            HirKind::Concat(items) | HirKind::Alternation(items) => {
                items.iter().for_each(|item| mark(item, set))
            }
        }
    }
    let mut set = [false; 256];
    mark(hir, &mut set);
    ByteTable(set)
}

/// Which side of a trigger byte always holds another byte of the match.
///
/// A pattern whose matches never start with a trigger byte has, before each
/// of its trigger bytes, a byte it holds (a MAC address's `:` sits between
/// hex digits). A trigger byte without one (the `.` ending a sentence) lies
/// in no match and can be dropped before windows are built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flanks {
    /// No match starts with a trigger byte.
    pub before: bool,
    /// No match ends with a trigger byte.
    pub after: bool,
}

impl Flanks {
    /// The flanks of `hir`'s matches around `trigger` bytes. A side counts
    /// only when the bytes matches may start (or end) with are few enough to
    /// list and none of them is a trigger byte.
    pub(crate) fn of(hir: &Hir, trigger: &ByteTable) -> Flanks {
        let clear = |kind| edge_bytes(hir, kind).is_some_and(|edge| !edge.meets(trigger));
        Flanks {
            before: clear(ExtractKind::Prefix),
            after: clear(ExtractKind::Suffix),
        }
    }

    /// What holds for both `self`'s and `other`'s matches.
    pub(crate) fn and(self, other: Flanks) -> Flanks {
        Flanks {
            before: self.before && other.before,
            after: self.after && other.after,
        }
    }
}

/// The bytes a match of `hir` may start with, when every match starts at a
/// word boundary (`\b`) with an ASCII word byte (`\bAKIA`): then a match
/// never starts right after another word byte.
pub(crate) fn word_start_bytes(hir: &Hir) -> Option<ByteTable> {
    let looks = hir.properties().look_set_prefix();
    if !looks.contains(Look::WordAscii) && !looks.contains(Look::WordUnicode) {
        return None;
    }
    let first = edge_bytes(hir, ExtractKind::Prefix)?;
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    first.bytes().into_iter().all(word).then_some(first)
}

/// The bytes a match of `hir` may start with (`Prefix`) or end with
/// (`Suffix`), or `None` when the list is too long or a match may be empty.
fn edge_bytes(hir: &Hir, kind: ExtractKind) -> Option<ByteTable> {
    let seq = Extractor::new()
        .kind(kind)
        .limit_literal_len(1)
        .limit_class(256)
        .extract(hir);
    let literals = seq.literals()?;
    let edges: Option<Vec<u8>> = literals
        .iter()
        .map(|literal| literal.as_bytes().first().copied())
        .collect();
    Some(ByteTable::new(&edges?))
}

/// How a pattern's matches relate to its trigger bytes. Every bound is an
/// upper bound (`None` when unbounded) and `min_count` a lower bound, so
/// windows built from them never miss a match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Profile {
    /// The fewest trigger bytes in any match.
    pub min_count: usize,
    /// The most bytes before the first trigger byte of a match.
    pub lead: Option<usize>,
    /// The most bytes after the last trigger byte of a match.
    pub trail: Option<usize>,
    /// The most bytes between two consecutive trigger bytes of a match.
    pub gap: Option<usize>,
    /// The sides on which a trigger byte of a match always has a neighbor
    /// in the match.
    pub flanks: Flanks,
}

/// Analyzes `hir` for `trigger`.
pub(crate) fn profile(hir: &Hir, trigger: &ByteTable) -> Profile {
    let shape = Shape::of(hir, trigger);
    Profile {
        min_count: shape.min_count,
        lead: shape.lead,
        trail: shape.trail,
        gap: shape.gap,
        flanks: Flanks::of(hir, trigger),
    }
}

/// A [`Profile`] of a sub-expression, with what combining it needs: `lead`,
/// `trail` and `gap` describe its matches that hold a trigger byte, `bare`
/// the length of those that hold none.
#[derive(Clone, Copy, Debug)]
struct Shape {
    min_count: usize,
    /// Whether some match may hold a trigger byte.
    has: bool,
    /// The longest match without a trigger byte (when `min_count` is 0).
    bare: Option<usize>,
    lead: Option<usize>,
    trail: Option<usize>,
    gap: Option<usize>,
}

fn add(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    a.zip(b).map(|(a, b)| a.saturating_add(b))
}

fn max(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    a.zip(b).map(|(a, b)| a.max(b))
}

/// `len` times `count`, where `count` is `None` for an unbounded repeat.
fn times(len: Option<usize>, count: Option<u32>) -> Option<usize> {
    match (len, count) {
        (Some(0), _) => Some(0),
        (Some(len), Some(count)) => Some(len.saturating_mul(count as usize)),
        _ => None,
    }
}

/// A bound over two kinds of match: those of `a` when `a_has`, those of `b`
/// when `b_has`.
fn either(a_has: bool, a: Option<usize>, b_has: bool, b: Option<usize>) -> Option<usize> {
    match (a_has, b_has) {
        (true, true) => max(a, b),
        (true, false) => a,
        (false, true) => b,
        (false, false) => Some(0),
    }
}

impl Shape {
    /// An item none of whose matches holds a trigger byte.
    fn without_trigger(len: Option<usize>) -> Shape {
        Shape {
            min_count: 0,
            has: false,
            bare: len,
            lead: Some(0),
            trail: Some(0),
            gap: Some(0),
        }
    }

    fn of(hir: &Hir, trigger: &ByteTable) -> Shape {
        let len = hir.properties().maximum_len();
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Shape::without_trigger(Some(0)),
            HirKind::Literal(literal) => {
                let at: Vec<usize> = (0..literal.0.len())
                    .filter(|&i| trigger.contains(literal.0[i]))
                    .collect();
                match (at.first(), at.last()) {
                    (Some(&first), Some(&last)) => Shape {
                        min_count: at.len(),
                        has: true,
                        bare: Some(0),
                        lead: Some(first),
                        trail: Some(literal.0.len() - 1 - last),
                        gap: Some(at.windows(2).map(|w| w[1] - w[0] - 1).max().unwrap_or(0)),
                    },
                    _ => Shape::without_trigger(len),
                }
            }
            HirKind::Class(class) if class_meets(class, trigger) => {
                // A trigger byte may sit anywhere in a wide character.
                let inside = len.map(|l| l.saturating_sub(1));
                Shape {
                    min_count: usize::from(class_within(class, trigger)),
                    has: true,
                    bare: len,
                    lead: inside,
                    trail: inside,
                    gap: inside,
                }
            }
            HirKind::Class(_) => Shape::without_trigger(len),
            HirKind::Capture(capture) => Shape::of(&capture.sub, trigger),
            HirKind::Repetition(repetition) => {
                let sub = Shape::of(&repetition.sub, trigger);
                if repetition.max == Some(0) || !sub.has {
                    return Shape::without_trigger(len);
                }
                let min_count = sub.min_count.saturating_mul(repetition.min as usize);
                let fewer = |n: u32| repetition.max.map(|max| max.saturating_sub(n));
                // Copies without a trigger byte may come before the first
                // copy with one, after the last, or between two.
                let (bare, lead, trail, cross) = if sub.min_count >= 1 {
                    (Some(0), sub.lead, sub.trail, add(sub.trail, sub.lead))
                } else {
                    (
                        times(sub.bare, repetition.max),
                        add(times(sub.bare, fewer(1)), sub.lead),
                        add(times(sub.bare, fewer(1)), sub.trail),
                        add(add(sub.trail, times(sub.bare, fewer(2))), sub.lead),
                    )
                };
                let repeats = repetition.max.is_none_or(|max| max >= 2);
                Shape {
                    min_count,
                    has: true,
                    bare,
                    lead,
                    trail,
                    gap: if repeats {
                        max(sub.gap, cross)
                    } else {
                        sub.gap
                    },
                }
            }
            HirKind::Concat(items) => items
                .iter()
                .map(|item| Shape::of(item, trigger))
                .fold(Shape::without_trigger(Some(0)), Shape::then),
            HirKind::Alternation(alternatives) => alternatives
                .iter()
                .map(|alt| Shape::of(alt, trigger))
                .reduce(Shape::or)
                .unwrap_or(Shape::without_trigger(Some(0))),
        }
    }

    /// `self` followed by `next`.
    fn then(self, next: Shape) -> Shape {
        let (self_bare, next_bare) = (self.min_count == 0, next.min_count == 0);
        Shape {
            min_count: self.min_count.saturating_add(next.min_count),
            has: self.has || next.has,
            bare: add(self.bare, next.bare),
            // The first trigger byte is in `self`, or in `next` after a bare `self`.
            lead: either(
                self.has,
                self.lead,
                self_bare && next.has,
                add(self.bare, next.lead),
            ),
            trail: either(
                next.has,
                next.trail,
                next_bare && self.has,
                add(self.trail, next.bare),
            ),
            gap: max(
                max(self.gap, next.gap),
                either(
                    self.has && next.has,
                    add(self.trail, next.lead),
                    false,
                    None,
                ),
            ),
        }
    }

    /// `self` or `other`.
    fn or(self, other: Shape) -> Shape {
        let (self_bare, other_bare) = (self.min_count == 0, other.min_count == 0);
        Shape {
            min_count: self.min_count.min(other.min_count),
            has: self.has || other.has,
            bare: either(self_bare, self.bare, other_bare, other.bare),
            lead: either(self.has, self.lead, other.has, other.lead),
            trail: either(self.has, self.trail, other.has, other.trail),
            gap: max(self.gap, other.gap),
        }
    }
}

/// Whether every character the class matches holds a trigger byte: an
/// ASCII character must be one; a wider one counts when its UTF-8 lead byte
/// is one. Lead bytes grow with the code point, so a range's characters have
/// lead bytes between those of its ends, and all of those must be triggers.
fn class_within(class: &Class, trigger: &ByteTable) -> bool {
    match class {
        Class::Bytes(bytes) => bytes
            .ranges()
            .iter()
            .all(|r| (r.start()..=r.end()).all(|b| trigger.contains(b))),
        Class::Unicode(unicode) => unicode.ranges().iter().all(|r| {
            let lead = |c: char| c.encode_utf8(&mut [0; 4]).as_bytes()[0];
            (lead(r.start())..=lead(r.end())).all(|b| trigger.contains(b))
        }),
    }
}

/// Whether some character the class matches may hold a trigger byte: an
/// ASCII one that is a trigger, or any wider one when a trigger byte is not
/// ASCII.
fn class_meets(class: &Class, trigger: &ByteTable) -> bool {
    let wide_trigger = (0x80..=0xFF).any(|b| trigger.contains(b));
    let ascii = |start: u32, end: u32| {
        (start..=end.min(0x7F)).any(|b| trigger.contains(b as u8)) || (end > 0x7F && wide_trigger)
    };
    match class {
        Class::Bytes(bytes) => bytes
            .ranges()
            .iter()
            .any(|r| (r.start()..=r.end()).any(|b| trigger.contains(b))),
        Class::Unicode(unicode) => unicode
            .ranges()
            .iter()
            .any(|r| ascii(r.start() as u32, r.end() as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(pattern: &str) -> Profile {
        let hir = regex_syntax::parse(pattern).unwrap();
        profile(&hir, &ByteTable::new(b"0123456789"))
    }

    #[test]
    fn wide_classes_count_by_their_lead_bytes() {
        let lead = |pattern: &str| {
            let hir = regex_syntax::parse(pattern).unwrap();
            profile(&hir, &ByteTable::new(&[0xE2, 0xF3])).min_count
        };
        assert_eq!(lead(r"[\x{200B}-\x{200D}]+"), 1);
        assert_eq!(lead(r"[\x{E0000}-\x{E007F}]{2}"), 2);
        // U+FEFF starts with 0xEF, not a trigger here.
        assert_eq!(lead(r"[\x{200B}\x{FEFF}]"), 0);
        assert_eq!(lead(r"[a\x{200B}]"), 0);
    }

    #[test]
    fn counts_and_leads() {
        assert_eq!(
            digits(r"[A-Z]{2}[0-9]{2}"),
            Profile {
                min_count: 2,
                lead: Some(2),
                trail: Some(0),
                gap: Some(0),
                flanks: Flanks {
                    before: true,
                    after: false
                },
            }
        );
        assert_eq!(digits(r"\+[0-9]{1,3}").lead, Some(1));
        assert_eq!(digits(r"(?:\(0\)|0)[0-9]{3}").min_count, 4);
        assert_eq!(digits(r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b").min_count, 9);
        assert_eq!(
            digits(r"(?:ab|cde)?x?[0-9]").lead,
            Some(4),
            "optional items before the first digit all count"
        );
    }

    #[test]
    fn trails_and_gaps() {
        let ssn = digits(r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b");
        assert_eq!((ssn.lead, ssn.trail, ssn.gap), (Some(0), Some(0), Some(1)));
        let phone = digits(
            r"(?:\+|\b00)[1-9][0-9]{0,2}(?:[ .\-]?(?:\(0\)[ .\-]?)?\(?[0-9]{1,5}\)?){1,6}\b",
        );
        // `) (0) (` holds the widest gap between two digits: `) (`.
        assert_eq!(
            (phone.lead, phone.trail, phone.gap),
            (Some(1), Some(1), Some(3))
        );
        let card = digits(r"\b[0-9](?:[ \-]?[0-9]){11,18}\b");
        assert_eq!((card.trail, card.gap), (Some(0), Some(1)));
        // Letters may fill the whole tail of an IBAN or a base58 address.
        assert_eq!(digits(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}").trail, Some(30));
        assert_eq!(digits(r"[13][1-9A-Za-z]{25,34}").gap, Some(33));
        // `0xabcd0`: optional parts without a digit sit between two.
        assert_eq!(digits(r"[0-9](?:x|[0-9])?(?:ab)?(?:cd)?[0-9]").gap, Some(5));
        assert_eq!(digits(r"[0-9](?:[a-z]*[0-9])?").gap, None);
        assert_eq!(digits(r"(?:[0-9]x?){2,3}").gap, Some(1));
        assert_eq!(digits(r"(?:[0-9]|y){3}").gap, Some(1));
    }

    /// Every match of these patterns, from every start in a random text
    /// built of number-like pieces, stays within the bounds the analysis
    /// gives: windows built from them cannot cut a match.
    #[test]
    fn bounds_hold_for_real_matches() {
        use regex_automata::{meta::Regex, Anchored, Input};

        let rules = include_str!("../rules/builtin.toml");
        let mut patterns: Vec<&str> = rules
            .split("[[recognizer]]")
            .filter(|r| r.contains("trigger = \"digits\""))
            .flat_map(|r| r.split('\'').skip(1).step_by(2))
            .filter(|p| p.starts_with("(?-u)"))
            .collect();
        assert!(patterns.len() >= 15, "{patterns:?}");
        patterns.extend([r"[0-9](?:x|[0-9])?(?:ab)?(?:cd)?[0-9]", r"(?:[0-9]|y){3}"]);
        let pieces = [
            "0",
            "1",
            "3",
            "7",
            "42",
            "555",
            "1234",
            "00",
            "+",
            "+1",
            "(0)",
            "(",
            ")",
            " ",
            " ",
            "-",
            ".",
            "/",
            "GB",
            "DE",
            "AB",
            "WEST",
            "x",
            "y",
            "ab",
            "cd",
            "Km",
            "9f",
            "(555) ",
            "555-",
            "555 ",
            "712 ",
            "12 ",
            "10.",
            "10.0.",
            "C",
            "GB82 WEST",
            " 1234",
            "0555",
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let text: String = (0..30_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                pieces[(state % pieces.len() as u64) as usize]
            })
            .chain(
                // One plain example per pattern, so that each finds something.
                [
                    " +44 (0) 20 7946 0958 (555) 555-1234 712 345 678 10.0.0.7 0201234567",
                    " GB82 WEST 1234 5698 7654 32 GB82WEST12345698765432 4111 1111 1111 1111",
                    " 078-05-1120 078 05 1120 912-70-1234 943 476 5919 9434765919 5551234567",
                    " 123456789 AB 12 34 56 C 020 7946 0958 1x2 y1y 07946095812",
                ],
            )
            .collect();
        let bytes = text.as_bytes();
        for pattern in patterns {
            let bound = digits(pattern);
            let within = |value: usize, limit: Option<usize>| limit.is_none_or(|l| value <= l);
            let regex = Regex::new(pattern).unwrap();
            let mut matches = 0;
            for start in 0..text.len() {
                let input = Input::new(&text).range(start..).anchored(Anchored::Yes);
                let Some(m) = regex.search(&input) else {
                    continue;
                };
                matches += 1;
                let at: Vec<usize> = (m.start()..m.end())
                    .filter(|&i| bytes[i].is_ascii_digit())
                    .collect();
                let found = &text[m.range()];
                assert!(at.len() >= bound.min_count, "{pattern} on {found:?}");
                assert!(
                    within(at[0] - m.start(), bound.lead),
                    "{pattern} on {found:?}"
                );
                let trail = m.end() - 1 - at[at.len() - 1];
                assert!(within(trail, bound.trail), "{pattern} on {found:?}");
                let gap = at.windows(2).map(|w| w[1] - w[0] - 1).max().unwrap_or(0);
                assert!(within(gap, bound.gap), "{pattern} on {found:?}");
            }
            assert!(matches > 0, "{pattern} found nothing in the test text");
        }
    }

    #[test]
    fn held_bytes_cover_every_byte_of_every_match() {
        let held = |pattern: &str| held_bytes(&regex_syntax::parse(pattern).unwrap());
        let email = held(r"[\p{L}.]{1,64}(?-u:@[a-z]+\.com)\b");
        for &b in b"az.@AZ\xC3\xA9" {
            assert!(email.contains(b), "{b:#x}");
        }
        for &b in b" ,:1" {
            assert!(!email.contains(b), "{b:#x}");
        }
        let folded = held(r"(?i)ab");
        assert!(folded.contains(b'A') && folded.contains(b'b'));
        assert!(
            !held(r"x(?:y){0}").contains(b'y'),
            "a repeat of zero holds nothing"
        );
        assert_eq!(held(r"\bab"), held(r"ab\b"), "assertions hold no byte");
    }

    #[test]
    fn non_ascii_classes_never_count_as_trigger_bytes() {
        let hir = regex_syntax::parse("[£Â][0-9]+").unwrap();
        // `£` is C2 A3 in UTF-8 and `Â` is C3 82: with `£` as the trigger,
        // "Â5" holds no trigger byte.
        assert_eq!(profile(&hir, &ByteTable::new("£".as_bytes())).min_count, 0);
        let hir = regex_syntax::parse("x[©ª]").unwrap();
        assert_eq!(profile(&hir, &ByteTable::new("éê".as_bytes())).min_count, 0);
    }

    #[test]
    fn patterns_that_may_lack_the_trigger() {
        assert_eq!(digits(r"[a-z]+[0-9]*").min_count, 0);
        assert_eq!(digits(r"[0-9]|x").min_count, 0);
        assert_eq!(digits(r"[0-9a-f]{8}").min_count, 0, "hex is not all digits");
        assert_eq!(digits(r"[a-z]*[0-9]").lead, None, "unbounded lead");
    }

    #[test]
    fn flanks_need_every_match_to_start_and_end_off_the_trigger() {
        let flanks = |pattern: &str, trigger: &[u8]| {
            let hir = regex_syntax::parse(pattern).unwrap();
            let Flanks { before, after } = Flanks::of(&hir, &ByteTable::new(trigger));
            (before, after)
        };
        let mac = r"(?-u)\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b";
        assert_eq!(flanks(mac, b":-."), (true, true));
        assert_eq!(
            flanks(r"(?-u)(?::[0-9a-f]{0,4}){2,7}\b", b":"),
            (false, false)
        );
        assert_eq!(flanks(r"[a-z]+@[a-z]+\.[a-z]{2,}", b"@"), (true, true));
        assert_eq!(
            flanks(r"[a-z]+@[a-z]*", b"@"),
            (true, false),
            "may end at the `@`"
        );
        assert_eq!(flanks(r"x?@y", b"@"), (false, true), "the `x` is optional");
        assert_eq!(
            flanks(r"\w+@\w+", b"@"),
            (false, false),
            "too many bytes to list"
        );
        assert_eq!(
            flanks(r"(?:ab)*:", b":"),
            (false, false),
            "may be the trigger alone"
        );
    }

    #[test]
    fn word_start_bytes_need_a_leading_word_boundary() {
        let first = |pattern: &str| {
            let hir = regex_syntax::parse(pattern).unwrap();
            word_start_bytes(&hir).map(|table| table.bytes())
        };
        assert_eq!(first(r"(?-u)\b(?:AKIA|x1)[A-Z]{4}"), Some(b"Ax".to_vec()));
        assert_eq!(first(r"\b0x[0-9a-f]{4}\b"), Some(b"0".to_vec()));
        assert_eq!(first(r"AKIA[A-Z]{4}"), None, "no boundary");
        assert_eq!(first(r"\b-?[0-9]{4}"), None, "may start with `-`");
        assert_eq!(first(r"\B[a-z]{4}"), None, "not a boundary");
    }
}
