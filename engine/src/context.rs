//! Context words: a rule's words that raise a match's score when one stands
//! near it, as a whole word, in any ASCII case.
//!
//! Every finding looks at about 100 bytes around it. An automaton would walk
//! each of them; here a SIMD pass finds where words start and only those
//! starts are compared with the rule's words that begin with their byte.

use palisade_kernels::word_starts;

use crate::scanner::word_boundary;

/// One rule's context words, ready to be looked for.
#[derive(Debug)]
pub(crate) struct ContextWords {
    /// The words, ASCII-lowercased, with their index in the rule's list.
    words: Vec<(Box<[u8]>, u16)>,
    /// For each byte, the words (indices into `words`, longest first) that
    /// start with it in either ASCII case.
    by_first: Vec<Vec<u16>>,
    /// Whether a word starts with an ASCII byte that is neither a letter nor
    /// a digit (`#tag`): then every byte is a possible start.
    odd_start: bool,
}

impl ContextWords {
    /// The rule's `words`; `None` when there are none. Empty words (which
    /// rule loading rejects) are left out: they have no first byte.
    pub(crate) fn new(words: &[String]) -> Option<ContextWords> {
        let words: Vec<(Box<[u8]>, u16)> = words
            .iter()
            .enumerate()
            .filter(|(_, w)| !w.is_empty())
            .map(|(i, w)| (w.to_ascii_lowercase().into_bytes().into(), i as u16))
            .collect();
        if words.is_empty() {
            return None;
        }
        let mut longest_first: Vec<u16> = (0..words.len() as u16).collect();
        longest_first.sort_by_key(|&w| std::cmp::Reverse(words[usize::from(w)].0.len()));
        let mut by_first = vec![Vec::new(); 256];
        for w in longest_first {
            let first = words[usize::from(w)].0[0];
            by_first[usize::from(first)].push(w);
            if first.is_ascii_lowercase() {
                by_first[usize::from(first.to_ascii_uppercase())].push(w);
            }
        }
        let odd_start = words
            .iter()
            .any(|(w, _)| w[0].is_ascii() && !w[0].is_ascii_alphanumeric());
        Some(ContextWords {
            words,
            by_first,
            odd_start,
        })
    }

    /// The first of the words lying whole in `text[from..to]` (both char
    /// boundaries), as its index in the rule's list: the one that starts
    /// first, and at one start the longest.
    pub(crate) fn find(&self, text: &str, from: usize, to: usize) -> Option<u16> {
        let bytes = text.as_bytes();
        let starts_one = |&at: &usize| !self.by_first[usize::from(bytes[at])].is_empty();
        if self.odd_start {
            return (from..to)
                .filter(starts_one)
                .find_map(|at| self.word_at(text, at, to));
        }
        word_starts(bytes, from, to)
            .filter(starts_one)
            .find_map(|at| self.word_at(text, at, to))
    }

    /// The longest of the words that lies whole at `at`, ending by `to`.
    fn word_at(&self, text: &str, at: usize, to: usize) -> Option<u16> {
        let bytes = text.as_bytes();
        // Most starts (`the` for `tel`) fail on the second byte.
        let second = bytes.get(at + 1).map(u8::to_ascii_lowercase);
        self.by_first[usize::from(bytes[at])]
            .iter()
            .map(|&w| &self.words[usize::from(w)])
            .find(|(word, _)| {
                let end = at + word.len();
                // A word that matches starts with a whole character, so `at`
                // and `end` are char boundaries.
                word.get(1).is_none_or(|&b| Some(b) == second)
                    && end <= to
                    && bytes[at..end].eq_ignore_ascii_case(word)
                    && word_boundary(text, at)
                    && word_boundary(text, end)
            })
            .map(|&(_, index)| index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'w>(words: &[&'w str], text: &str) -> Option<&'w str> {
        let owned: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let found = ContextWords::new(&owned)?.find(text, 0, text.len())?;
        Some(words[usize::from(found)])
    }

    #[test]
    fn whole_words_in_any_ascii_case() {
        let words = ["tel", "telephone", "phone", "social security"];
        assert_eq!(find(&words, "call my TELEPHONE now"), Some("telephone"));
        assert_eq!(find(&words, "Tel: 555"), Some("tel"));
        assert_eq!(find(&words, "a telex, a smartphone, telephones"), None);
        assert_eq!(
            find(&words, "your Social Security number"),
            Some("social security")
        );
        assert_eq!(find(&words, "phone"), Some("phone"), "the whole text");
    }

    #[test]
    fn the_first_word_wins_and_the_longest_at_one_start() {
        let words = ["ssn", "ssn#", "number"];
        assert_eq!(find(&words, "number ssn# 1"), Some("number"));
        assert_eq!(find(&words, "ssn# 1"), Some("ssn#"));
        assert_eq!(find(&words, "ssn 1"), Some("ssn"));
    }

    #[test]
    fn letters_beyond_ascii_bound_words_too() {
        let words = ["téléphone", "電話", "tel"];
        assert_eq!(find(&words, "son téléphone: 01"), Some("téléphone"));
        assert_eq!(find(&words, "電話 03"), Some("電話"));
        assert_eq!(find(&words, "携帯電話 03"), None, "inside a CJK word");
        assert_eq!(find(&words, "étel 1"), None, "after a letter beyond ASCII");
        assert_eq!(find(&words, "«tel» 1"), Some("tel"));
        assert_eq!(find(&words, "TÉLÉPHONE"), None, "only ASCII letters fold");
    }

    #[test]
    fn words_that_start_with_punctuation() {
        assert_eq!(find(&["#ssn"], "see #SSN: 1"), Some("#ssn"));
        assert_eq!(find(&["#ssn"], "see a#ssn"), Some("#ssn"), "# is no letter");
    }

    #[test]
    fn the_span_bounds_the_search() {
        let context = ContextWords::new(&["card".to_string()]).unwrap();
        let text = "card 4111 card";
        assert_eq!(context.find(text, 0, 4), Some(0));
        assert_eq!(context.find(text, 0, 3), None);
        assert_eq!(context.find(text, 1, 9), None);
        assert_eq!(context.find(text, 5, text.len()), Some(0));
        assert!(ContextWords::new(&[String::new()]).is_none());
    }
}
