//! What a recognizer's `trigger` bytes promise about its matches, read off
//! the pattern's syntax tree.
//!
//! A trigger lets the scan look only near bytes such as digits or `@`. Two
//! facts make that both correct and cheap: every match contains at least
//! `min_count` trigger bytes (so a region with fewer is skipped without
//! running a regex), and at most `lead` bytes precede a match's first
//! trigger byte (so the search window starts just before the trigger rather
//! than a whole pattern length earlier). A trigger that does not occur in
//! every match is a rule error, caught at load instead of as missed findings.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The bytes a trigger names.
#[derive(Clone, Copy)]
pub(crate) struct TriggerBytes([bool; 256]);

impl TriggerBytes {
    pub(crate) fn new(bytes: &[u8]) -> TriggerBytes {
        let mut set = [false; 256];
        for &b in bytes {
            set[usize::from(b)] = true;
        }
        TriggerBytes(set)
    }

    fn contains(&self, byte: u8) -> bool {
        self.0[usize::from(byte)]
    }
}

/// How a pattern's matches relate to its trigger bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Profile {
    /// The fewest trigger bytes in any match.
    pub min_count: usize,
    /// The most bytes before the first trigger byte of a match; `None` when unbounded.
    pub lead: Option<usize>,
}

/// Analyzes `hir` for `trigger`; the result is an upper bound for `lead` and
/// a lower bound for `min_count`, so windows built from it never miss a match.
pub(crate) fn profile(hir: &Hir, trigger: &TriggerBytes) -> Profile {
    let max_len = hir.properties().maximum_len();
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Profile {
            min_count: 0,
            lead: Some(0),
        },
        HirKind::Literal(literal) => {
            let bytes = &literal.0;
            Profile {
                min_count: bytes.iter().filter(|&&b| trigger.contains(b)).count(),
                lead: Some(
                    bytes
                        .iter()
                        .position(|&b| trigger.contains(b))
                        .unwrap_or(bytes.len()),
                ),
            }
        }
        HirKind::Class(class) if class_within(class, trigger) => Profile {
            min_count: 1,
            lead: Some(0),
        },
        HirKind::Class(_) => Profile {
            min_count: 0,
            lead: max_len,
        },
        HirKind::Capture(capture) => profile(&capture.sub, trigger),
        HirKind::Repetition(repetition) => {
            let sub = profile(&repetition.sub, trigger);
            let min = usize::try_from(repetition.min).unwrap_or(usize::MAX);
            let always = min >= 1 && sub.min_count >= 1;
            Profile {
                min_count: sub.min_count.saturating_mul(min),
                lead: if always { sub.lead } else { max_len },
            }
        }
        HirKind::Concat(items) => {
            let mut min_count = 0usize;
            let mut lead = Some(0usize);
            let mut seen_trigger = false;
            for item in items {
                let p = profile(item, trigger);
                if !seen_trigger {
                    // Until an item that always holds a trigger, the whole of
                    // each item may come before the first trigger byte.
                    let before = if p.min_count >= 1 {
                        p.lead
                    } else {
                        item.properties().maximum_len()
                    };
                    lead = lead.zip(before).map(|(a, b)| a + b);
                    seen_trigger = p.min_count >= 1;
                }
                min_count = min_count.saturating_add(p.min_count);
            }
            Profile { min_count, lead }
        }
        HirKind::Alternation(alternatives) => {
            alternatives.iter().map(|alt| profile(alt, trigger)).fold(
                Profile {
                    min_count: usize::MAX,
                    lead: Some(0),
                },
                |acc, p| Profile {
                    min_count: acc.min_count.min(p.min_count),
                    lead: acc.lead.zip(p.lead).map(|(a, b)| a.max(b)),
                },
            )
        }
    }
}

/// Whether every character the class matches holds a trigger byte: an
/// ASCII character must be one; a wider one counts when its UTF-8 lead byte
/// is one. Lead bytes grow with the code point, so a range's characters have
/// lead bytes between those of its ends, and all of those must be triggers.
fn class_within(class: &Class, trigger: &TriggerBytes) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(pattern: &str) -> Profile {
        let hir = regex_syntax::parse(pattern).unwrap();
        profile(&hir, &TriggerBytes::new(b"0123456789"))
    }

    #[test]
    fn wide_classes_count_by_their_lead_bytes() {
        let lead = |pattern: &str| {
            let hir = regex_syntax::parse(pattern).unwrap();
            profile(&hir, &TriggerBytes::new(&[0xE2, 0xF3])).min_count
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
                lead: Some(2)
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
    fn non_ascii_classes_never_count_as_trigger_bytes() {
        let hir = regex_syntax::parse("[£Â][0-9]+").unwrap();
        // `£` is C2 A3 in UTF-8 and `Â` is C3 82: with `£` as the trigger,
        // "Â5" holds no trigger byte.
        assert_eq!(
            profile(&hir, &TriggerBytes::new("£".as_bytes())).min_count,
            0
        );
        let hir = regex_syntax::parse("x[©ª]").unwrap();
        assert_eq!(
            profile(&hir, &TriggerBytes::new("éê".as_bytes())).min_count,
            0
        );
    }

    #[test]
    fn patterns_that_may_lack_the_trigger() {
        assert_eq!(digits(r"[a-z]+[0-9]*").min_count, 0);
        assert_eq!(digits(r"[0-9]|x").min_count, 0);
        assert_eq!(digits(r"[0-9a-f]{8}").min_count, 0, "hex is not all digits");
        assert_eq!(digits(r"[a-z]*[0-9]").lead, None, "unbounded lead");
    }
}
