//! Regex compilation with size limits, and prefix literal extraction.
//!
//! User rules are untrusted input: `\w{500}{500}` is a short pattern with a
//! huge automaton. Every pattern is compiled with an NFA size limit and
//! fails at load, naming its recognizer, when it exceeds it.

use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_automata::MatchKind;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::Hir;

use crate::error::ErrorKind;
use crate::trigger::{held_bytes, profile, word_start_bytes, ByteTable, Profile};

/// NFA size limit for one pattern, in bytes.
pub(crate) const PATTERN_SIZE_LIMIT: usize = 4 << 20;
/// NFA size limit for a combined set of patterns, in bytes.
const SET_SIZE_LIMIT: usize = 64 << 20;
/// Lazy DFA cache per regex and thread. Large Unicode classes (the email
/// local part) need many states; with the default 2 MiB the DFA gives up
/// and the meta regex falls back to the PikeVM, 20x slower. The cache grows
/// only as states are built, so small patterns never use it all.
const DFA_CACHE_CAPACITY: usize = 32 << 20;

/// Settings shared by every compiled regex. The scan already prefilters
/// (literals, trigger bytes) and searches short windows, where a second,
/// regex-internal prefilter only adds start-up cost.
fn meta_config(size_limit: usize) -> meta::Config {
    meta::Config::new()
        .nfa_size_limit(Some(size_limit))
        .hybrid_cache_capacity(DFA_CACHE_CAPACITY)
        .auto_prefilter(false)
}

/// What the scan needs to know about one pattern to pick its strategy.
pub(crate) struct PatternInfo {
    pub regex: Regex,
    /// Capture group index of the `value` group, if the pattern has one.
    pub value_group: Option<usize>,
    /// The longest match in bytes, when bounded.
    pub max_len: Option<usize>,
    /// The shortest match in bytes.
    pub min_len: usize,
    /// Prefix literals that every match starts with, when a short list of at
    /// least two bytes each exists.
    pub prefixes: Option<Prefixes>,
    /// How matches relate to the recognizer's trigger bytes, when it has some.
    pub trigger: Option<Profile>,
    /// Every byte a match may hold.
    pub held: ByteTable,
    /// The bytes a match may start with, when every match starts at a word
    /// boundary with a word byte.
    pub word_start: Option<ByteTable>,
}

fn syntax_config() -> syntax::Config {
    syntax::Config::new().nest_limit(100)
}

fn map_build_error(err: meta::BuildError) -> ErrorKind {
    match (err.size_limit(), err.syntax_error()) {
        (Some(limit), _) => ErrorKind::TooLarge { limit },
        (_, Some(syntax)) => ErrorKind::Regex(syntax.to_string()),
        _ => ErrorKind::Regex(err.to_string()),
    }
}

/// Compiles one pattern for leftmost-first search.
pub(crate) fn compile_pattern(
    pattern: &str,
    trigger: Option<&ByteTable>,
) -> Result<PatternInfo, ErrorKind> {
    let regex = Regex::builder()
        .syntax(syntax_config())
        .configure(meta_config(PATTERN_SIZE_LIMIT))
        .build(pattern)
        .map_err(map_build_error)?;
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(100)
        .build()
        .parse(pattern)
        .map_err(|e| ErrorKind::Regex(e.to_string()))?;
    let value_group = regex
        .group_info()
        .to_index(regex_automata::PatternID::ZERO, "value");
    Ok(PatternInfo {
        value_group,
        max_len: hir.properties().maximum_len(),
        min_len: hir.properties().minimum_len().unwrap_or(0),
        prefixes: prefix_literals(&hir),
        trigger: trigger.map(|t| profile(&hir, t)),
        held: held_bytes(&hir),
        word_start: word_start_bytes(&hir),
        regex,
    })
}

/// Compiles patterns into one automaton that reports which of them match.
pub(crate) fn compile_set(patterns: &[&str]) -> Result<Regex, ErrorKind> {
    Regex::builder()
        .syntax(syntax_config())
        .configure(
            meta_config(SET_SIZE_LIMIT)
                .match_kind(MatchKind::All)
                .which_captures(regex_automata::nfa::thompson::WhichCaptures::None),
        )
        .build_many(patterns)
        .map_err(map_build_error)
}

/// Literals that every match of a pattern starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Prefixes {
    /// Deduplicated and reduced to the shortest: a literal that extends
    /// another adds nothing to a prefilter. Cut short (see [`cut`]).
    pub literals: Vec<Vec<u8>>,
    /// The same before cutting (up to 16 bytes each).
    pub whole: Vec<Vec<u8>>,
    /// The pattern ignores ASCII case here, so the literals are lower-cased
    /// and match in any case.
    pub folded: bool,
}

/// The prefix literals of `hir`, when a short list of at least two bytes
/// each exists.
fn prefix_literals(hir: &Hir) -> Option<Prefixes> {
    let mut extractor = Extractor::new();
    extractor
        .kind(ExtractKind::Prefix)
        .limit_class(5)
        .limit_repeat(8)
        .limit_literal_len(16)
        .limit_total(1 << 16);
    let seq = extractor.extract(hir);
    let exact = minimal(
        seq.literals()?
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect(),
    );
    let lowered = minimal(exact.iter().map(|l| l.to_ascii_lowercase()).collect());
    // The exact list is complete (it spells out every case variant), but
    // `(?i)password` has 256 of them: then one folded literal is better.
    let folded = exact.len() > 64 || exact.len() > 4 * lowered.len();
    let whole = if folded { lowered } else { exact };
    let literals = cut(&whole, folded);
    let usable =
        !literals.is_empty() && literals.len() <= 64 && literals.iter().all(|l| l.len() >= 2);
    usable.then_some(Prefixes {
        literals,
        whole,
        folded,
    })
}

/// `literals` cut short for the SIMD search; the anchored search checks the
/// rest. Folded ones to three bytes: each letter doubles the case variants
/// spelled out (`https://` has 32, `htt` 8), and Teddy's buckets let fewer
/// false candidates through with fewer literals (the URL prefixes' pass
/// over 4 MiB of prose: 0.57 ms with four bytes, 0.30 with three). Exact
/// ones to the four bytes Teddy compares: `-----BEGIN RSA P` and its seven
/// siblings become one `----`, which keeps the built-in set within slim
/// Teddy's 32 literals.
pub(crate) fn cut(literals: &[Vec<u8>], folded: bool) -> Vec<Vec<u8>> {
    let len = if folded { 3 } else { 4 };
    minimal(
        literals
            .iter()
            .map(|l| l[..l.len().min(len)].to_vec())
            .collect(),
    )
}

fn minimal(mut literals: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    literals.sort();
    literals.dedup();
    let mut out: Vec<Vec<u8>> = Vec::new();
    for lit in literals {
        // Sorted order puts a prefix right before the literals it starts.
        if !out.last().is_some_and(|m| lit.starts_with(m)) {
            out.push(lit);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_minimal_and_case_folded() {
        let info = compile_pattern(r"(?i-u)(?:api_key|apikey|password|pass)\s*=", None).unwrap();
        assert_eq!(
            info.prefixes,
            Some(Prefixes {
                literals: vec![b"api".to_vec(), b"pas".to_vec()],
                whole: vec![b"api_key".to_vec(), b"apikey".to_vec(), b"pass".to_vec()],
                folded: true
            })
        );
        assert_eq!(
            compile_pattern(r"(?:AKIA|ASIA)[A-Z0-9]{16}", None)
                .unwrap()
                .prefixes,
            Some(Prefixes {
                literals: vec![b"AKIA".to_vec(), b"ASIA".to_vec()],
                whole: vec![b"AKIA".to_vec(), b"ASIA".to_vec()],
                folded: false
            }),
            "case-sensitive literals stay exact"
        );
        assert_eq!(compile_pattern(r"[0-9]+x", None).unwrap().prefixes, None);
        assert_eq!(
            compile_pattern(r"\+\w", None).unwrap().prefixes,
            None,
            "one byte is too short"
        );
    }

    #[test]
    fn size_limit_is_reported() {
        let err = compile_pattern(r"\w{300}{300}", None).err().unwrap();
        assert!(matches!(err, ErrorKind::TooLarge { .. }), "{err:?}");
    }

    #[test]
    fn value_group_and_length_bound() {
        let info = compile_pattern(r"key=(?P<value>[a-z]{4,8})", None).unwrap();
        assert_eq!(info.value_group, Some(1));
        assert_eq!(info.max_len, Some(12));
    }
}
