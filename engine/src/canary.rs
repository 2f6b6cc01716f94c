//! Canary tokens: strings a caller plants in a system prompt; if one shows
//! up in a model's output, the prompt leaked.

use aho_corasick::AhoCorasick;

use crate::decode;
use crate::injection::{fold_phrase, Folded};

/// Fewest letters a canary needs to be looked for in the folded view too.
const MIN_FOLDED: usize = 8;

/// Canaries compiled for one check.
///
/// A canary is found as written (ASCII case-insensitively), through the same
/// folding the injection rules use (spacing, punctuation, leetspeak,
/// look-alikes, invisible characters) when it has at least 8 letters, and
/// inside base64, hex, percent or `\uXXXX` segments.
///
/// ```
/// use palisade_engine::Canaries;
///
/// let canaries = Canaries::new(["CANARY-7f3a-91bc"]).unwrap();
/// assert_eq!(canaries.leaked("the secret is canary-7f3a-91bc"), Some(0));
/// assert_eq!(canaries.leaked("c a n a r y 7 f 3 a 9 1 b c"), Some(0));
/// assert_eq!(canaries.leaked("nothing to see"), None);
/// ```
#[derive(Debug)]
pub struct Canaries {
    raw: AhoCorasick,
    folded: Option<AhoCorasick>,
    folded_index: Vec<usize>,
}

impl Canaries {
    /// Compiles the canaries; an empty canary is an error.
    pub fn new<'c>(canaries: impl IntoIterator<Item = &'c str>) -> Result<Canaries, String> {
        let canaries: Vec<&str> = canaries.into_iter().collect();
        if canaries.iter().any(|c| c.trim().is_empty()) {
            return Err("a canary must not be empty".into());
        }
        let raw = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&canaries)
            .map_err(|e| e.to_string())?;
        let (mut folded, mut folded_index) = (Vec::new(), Vec::new());
        for (index, canary) in canaries.iter().enumerate() {
            let letters = fold_phrase(canary);
            if letters.len() >= MIN_FOLDED {
                folded.push(letters);
                folded_index.push(index);
            }
        }
        let folded = if folded.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&folded).map_err(|e| e.to_string())?)
        };
        Ok(Canaries {
            raw,
            folded,
            folded_index,
        })
    }

    /// The index of a canary found in `text`, if any.
    pub fn leaked(&self, text: &str) -> Option<usize> {
        let found = self.in_view(text);
        if found.is_some() {
            return found;
        }
        let mut buf = Vec::new();
        let mut hit = None;
        decode::segments(text, |range, encoding| {
            if hit.is_none() && decode::decode(&text[range], encoding, &mut buf) {
                hit = self.in_view(std::str::from_utf8(&buf).expect("decode checks UTF-8"));
            }
        });
        hit
    }

    fn in_view(&self, text: &str) -> Option<usize> {
        if let Some(m) = self.raw.find(text) {
            return Some(m.pattern().as_usize());
        }
        let folded = self.folded.as_ref()?;
        let mut view = Folded::default();
        view.fold(text);
        folded
            .find(view.letters())
            .map(|m| self.folded_index[m.pattern().as_usize()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_and_obfuscated_leaks_are_found() {
        use base64::Engine;
        let canaries = Canaries::new(["zebra-quartz-42", "X1"]).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode("leak: zebra-quartz-42 ok");
        assert_eq!(canaries.leaked(&b64), Some(0));
        assert_eq!(canaries.leaked("ZEBRA\u{200B}QUARTZ 42"), Some(0));
        assert_eq!(canaries.leaked("x1 marks it"), Some(1));
        assert_eq!(canaries.leaked("zebra crossing"), None);
        assert!(Canaries::new([" "]).is_err());
    }
}
