//! Another match engine behind the same rules.
//!
//! A scan has two halves: finding candidate matches (palisade's prefilters
//! and DFAs), then checking them (validators, allow-lists, context words,
//! the score threshold, overlap resolution, normalized and decoded views).
//! [`Matcher`] replaces the first half only, so that an engine such as
//! Hyperscan can be measured on exactly the same rules and checks.

/// One thing a scan searches for; [`Scanner::match_targets`](crate::Scanner::match_targets)
/// lists them, and a [`Matcher`] reports matches by their index in that list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchTarget<'a> {
    /// A regex in the syntax of the `regex` crate, matched leftmost-first.
    Pattern(&'a str),
    /// A deny-list keyword. The scanner checks that a match is a whole word.
    Keyword {
        /// The keyword as written in its rule.
        text: &'a str,
        /// When false, ASCII letters match in either case.
        case_sensitive: bool,
    },
}

/// Finds a scanner's [`MatchTarget`]s in a text, for
/// [`Scanner::scan_with_matcher`](crate::Scanner::scan_with_matcher).
///
/// This one runs each pattern through `regex-automata` and gives the same
/// findings as the built-in search, only slower:
///
/// ```
/// use palisade_engine::{MatchTarget, Matcher, Scanner, ScanOptions};
/// use regex_automata::meta::Regex;
///
/// struct OneByOne(Vec<Regex>);
///
/// impl Matcher for OneByOne {
///     fn find(&mut self, text: &str, report: &mut dyn FnMut(usize, usize, usize)) {
///         for (target, regex) in self.0.iter().enumerate() {
///             for m in regex.find_iter(text) {
///                 report(target, m.start(), m.end());
///             }
///         }
///     }
/// }
///
/// let scanner = Scanner::builtin();
/// let regexes = scanner
///     .match_targets()
///     .map(|(_recognizer, target)| match target {
///         MatchTarget::Pattern(source) => Regex::new(source).unwrap(),
///         MatchTarget::Keyword { .. } => unreachable!("the built-in rules have none"),
///     })
///     .collect();
/// let text = "card 4111 1111 1111 1111, mail ana@example.org";
/// let (mut scratch, mut found) = (scanner.scratch(), Vec::new());
/// let options = ScanOptions::default();
/// scanner.scan_with_matcher(text, &options, &mut scratch, &mut OneByOne(regexes), &mut found);
/// assert_eq!(found, scanner.scan(text));
/// ```
pub trait Matcher {
    /// Calls `report(target, start, end)` for the leftmost-first,
    /// non-overlapping matches of each target in `text`, as byte offsets on
    /// char boundaries, in any order.
    fn find(&mut self, text: &str, report: &mut dyn FnMut(usize, usize, usize));
}
