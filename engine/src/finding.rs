//! Findings: what a scan reports.

use serde::Serialize;

use crate::decode::DecodeChain;
use crate::entity::EntityId;
use crate::normalize::WideRuns;

/// Index of a recognizer in a [`Scanner`](crate::Scanner).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecognizerId(pub(crate) u32);

impl RecognizerId {
    /// The index, for tables keyed by recognizer.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One detected item. Plain data: it borrows nothing from the scanner or the
/// text, so findings can be collected, sent between threads and kept.
///
/// Names are looked up on the scanner ([`Scanner::entity_name`](crate::Scanner::entity_name),
/// [`Scanner::recognizer_name`](crate::Scanner::recognizer_name)), which keeps
/// a finding small and its creation free of allocation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Finding {
    /// The entity type.
    pub entity: EntityId,
    /// The recognizer that found it.
    pub recognizer: RecognizerId,
    /// Start, in Unicode code points (Presidio's convention).
    pub start: usize,
    /// End (exclusive), in Unicode code points.
    pub end: usize,
    /// Start, in bytes of the UTF-8 text.
    pub byte_start: usize,
    /// End (exclusive), in bytes.
    pub byte_end: usize,
    /// Confidence in [0, 1].
    pub score: f32,
    /// Which of the recognizer's patterns matched; `None` for a keyword (deny-list) match.
    pub pattern: Option<u16>,
    /// Which of the recognizer's keywords matched, for a keyword match.
    pub keyword: Option<u16>,
    /// Whether a validator or entropy check ran and passed.
    pub validated: bool,
    /// Which of the recognizer's context words was found near the match.
    pub context_word: Option<u16>,
    /// The encodings the value was found under (outermost first); empty when
    /// it is in the text as written. The span is then the encoded segment's.
    pub decoded: DecodeChain,
}

/// Why a finding was reported, for `return_explanation` and debugging rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation<'s> {
    /// The recognizer's id.
    pub recognizer: &'s str,
    /// The pattern that matched, if it was a pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'s str>,
    /// The keyword that matched, if it was a keyword.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<&'s str>,
    /// The validator that accepted the value, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validator: Option<&'s str>,
    /// Whether a validator or entropy check ran and passed.
    pub validated: bool,
    /// The recognizer's score before context.
    pub base_score: f32,
    /// The context word that raised the score, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_word: Option<&'s str>,
    /// The final score.
    pub score: f32,
}

/// A finding with its names resolved, in the wire shape that `palisade scan`
/// and the HTTP API both emit.
///
/// ```
/// let scanner = palisade_engine::Scanner::builtin();
/// let found = scanner.scan("mail ana@example.org");
/// let json = serde_json::to_string(&found[0].view(&scanner, false)).unwrap();
/// assert_eq!(
///     json,
///     r#"{"entity_type":"EMAIL_ADDRESS","start":5,"end":20,"byte_start":5,"byte_end":20,"score":1.0,"recognizer":"email"}"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingView<'s> {
    /// The entity type's name.
    pub entity_type: &'s str,
    /// Start, in code points.
    pub start: usize,
    /// End (exclusive), in code points.
    pub end: usize,
    /// Start, in bytes.
    pub byte_start: usize,
    /// End (exclusive), in bytes.
    pub byte_end: usize,
    /// Confidence in [0, 1].
    pub score: f32,
    /// The recognizer's id.
    pub recognizer: &'s str,
    /// The outermost encoding, for a finding inside an encoded segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded_from: Option<&'static str>,
    /// Every encoding, outermost first (`["base64", "hex"]`), when decoded.
    #[serde(skip_serializing_if = "DecodeChain::is_empty")]
    pub decode_chain: DecodeChain,
    /// Why it was reported, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation<'s>>,
}

impl Finding {
    /// This finding's span and entity name, for the [`Redactor`](crate::Redactor).
    pub fn span<'s>(&self, scanner: &'s crate::Scanner) -> crate::Span<'s> {
        crate::Span {
            entity: scanner.entity_name(self.entity),
            byte_start: self.byte_start,
            byte_end: self.byte_end,
        }
    }

    /// This finding with the names from `scanner` (the one that found it),
    /// and its explanation when `explain` is set.
    pub fn view<'s>(&self, scanner: &'s crate::Scanner, explain: bool) -> FindingView<'s> {
        FindingView {
            entity_type: scanner.entity_name(self.entity),
            start: self.start,
            end: self.end,
            byte_start: self.byte_start,
            byte_end: self.byte_end,
            score: self.score,
            recognizer: scanner.recognizer_name(self.recognizer),
            decoded_from: self.decoded.iter().next().map(|e| e.name()),
            decode_chain: self.decoded,
            explanation: explain.then(|| scanner.explain(self)),
        }
    }
}

/// Drops findings contained in another and orders the rest by position.
///
/// The rule, applied after the score threshold: a finding whose span lies
/// inside another finding's span is dropped (the containing span wins, for
/// any entity types); of findings with equal spans the higher score wins, then
/// the recognizer loaded first. Partially overlapping findings are both kept,
/// since neither explains the other.
pub(crate) fn resolve_overlaps(findings: &mut Vec<Finding>) {
    findings.sort_unstable_by(|a, b| {
        a.byte_start
            .cmp(&b.byte_start)
            .then(b.byte_end.cmp(&a.byte_end))
            .then(b.score.total_cmp(&a.score))
            .then(a.recognizer.cmp(&b.recognizer))
    });
    let mut kept_end = 0;
    let mut any_kept = false;
    findings.retain(|f| {
        let keep = !any_kept || f.byte_end > kept_end;
        if keep {
            kept_end = kept_end.max(f.byte_end);
            any_kept = true;
        }
        keep
    });
}

/// Fills the code point offsets; `findings` must be sorted by `byte_start`.
/// `wide` are the text's runs of characters beyond ASCII: an offset is its
/// byte offset less the bytes those runs hold beyond one per character,
/// so the ASCII between findings is not counted.
pub(crate) fn fill_char_offsets(text: &str, wide: &WideRuns, findings: &mut [Finding]) {
    let bytes = text.as_bytes();
    let count = palisade_kernels::count_chars;
    let (mut next_run, mut extra, mut byte_pos, mut char_pos) = (0, 0, 0, 0);
    for f in findings {
        f.start = if wide.complete {
            // Runs wholly before the finding, then the part of one it starts in.
            while let Some((span, chars)) = wide.runs.get(next_run) {
                if span.end > f.byte_start {
                    break;
                }
                extra += span.len() - chars;
                next_run += 1;
            }
            let inside = match wide.runs.get(next_run) {
                Some((span, _)) if span.start < f.byte_start => {
                    let part = &bytes[span.start..f.byte_start];
                    part.len() - count(part)
                }
                _ => 0,
            };
            f.byte_start - extra - inside
        } else {
            char_pos += count(&bytes[byte_pos..f.byte_start]);
            byte_pos = f.byte_start;
            char_pos
        };
        f.end = f.start + count(&bytes[f.byte_start..f.byte_end]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(recognizer: u32, span: (usize, usize), score: f32) -> Finding {
        Finding {
            entity: EntityId(0),
            recognizer: RecognizerId(recognizer),
            start: 0,
            end: 0,
            byte_start: span.0,
            byte_end: span.1,
            score,
            pattern: Some(0),
            keyword: None,
            validated: false,
            context_word: None,
            decoded: DecodeChain::default(),
        }
    }

    #[test]
    fn containing_wins_equal_spans_by_score_partial_overlaps_stay() {
        let mut v = vec![
            finding(0, (10, 20), 0.5),
            finding(1, (0, 30), 0.4),  // contains the first
            finding(2, (40, 50), 0.6), // equal span, lower score
            finding(3, (40, 50), 0.9),
            finding(4, (45, 60), 0.3), // partial overlap: kept
        ];
        resolve_overlaps(&mut v);
        let kept: Vec<u32> = v.iter().map(|f| f.recognizer.0).collect();
        assert_eq!(kept, vec![1, 3, 4]);
    }

    /// Spans starting in ASCII, at a run's start, inside a run and right
    /// after one, with the runs read whole and with the walk stopped early.
    #[test]
    fn code_point_offsets_from_the_runs_beyond_ascii() {
        let stopped = "ab 日本語テキスト cd é🙂x\u{200B}ﬁ 東京 end";
        let mut early = WideRuns::default();
        let chars = crate::normalize::classify_recording(stopped, &mut early);
        assert!(!early.complete, "the walk stops at the zero-width space");
        assert!(chars.invisible && chars.compatibility);
        let read_whole = "ab 日本語テキスト cd é🙂x 東京 end";
        let mut whole = WideRuns::default();
        crate::normalize::classify_recording(read_whole, &mut whole);
        assert!(whole.complete && whole.runs.len() == 3);
        for (text, wide) in [(stopped, &early), (read_whole, &whole)] {
            let boundaries: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            let mut found: Vec<Finding> = (0..boundaries.len() - 2)
                .step_by(2)
                .map(|i| finding(0, (boundaries[i], boundaries[i + 2]), 0.5))
                .collect();
            fill_char_offsets(text, wide, &mut found);
            for f in &found {
                let start = text[..f.byte_start].chars().count();
                let end = start + text[f.byte_start..f.byte_end].chars().count();
                assert_eq!(
                    (f.start, f.end),
                    (start, end),
                    "{:?}",
                    (f.byte_start, f.byte_end)
                );
            }
            assert!(found.len() > 10);
        }
    }
}
