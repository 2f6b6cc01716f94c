//! Hyperscan (or Vectorscan) as a second match engine behind palisade's
//! rules, for `palisade bench scan --backend palisade,hyperscan`.
//!
//! Every pattern of a [`Scanner`] is translated from its parsed syntax tree
//! to Hyperscan's PCRE dialect and compiled into one block-mode database.
//! Hyperscan reports every end of every match; with start-of-match mode
//! (`SOM_LEFTMOST`) each end comes with its leftmost start, and
//! [`HyperscanMatcher`] folds those into the leftmost, longest,
//! non-overlapping matches the scanner expects. Validators, context words
//! and overlap resolution stay palisade's, so both backends do the same work
//! after matching.

use hyperscan::prelude::*;
use hyperscan::{Block, CompileFlags, Matching};
use palisade_engine::{MatchTarget, Matcher, Scanner};

use crate::Rejected;
use regex_syntax::hir::{Class, Hir, HirKind, Look};
use std::fmt::Write;

/// A scanner's patterns compiled into one Hyperscan database.
///
/// ```no_run
/// use palisade_benches::hyperscan::HyperscanBackend;
/// use palisade_engine::{Scanner, ScanOptions};
///
/// let scanner = Scanner::builtin();
/// let backend = HyperscanBackend::compile(&scanner).unwrap();
/// for rejected in backend.rejected() {
///     println!("{}: {}", rejected.recognizer, rejected.reason);
/// }
/// let mut matcher = backend.matcher().unwrap();
/// let (mut scratch, mut found) = (scanner.scratch(), Vec::new());
/// let text = "SSN 536-22-1234";
/// scanner.scan_with_matcher(text, &ScanOptions::default(), &mut scratch, &mut matcher, &mut found);
/// assert_eq!(found, scanner.scan(text));
/// ```
pub struct HyperscanBackend {
    database: BlockDatabase,
    /// Per Hyperscan pattern id, the scanner's target number.
    targets: Vec<usize>,
    rejected: Vec<Rejected>,
}

impl HyperscanBackend {
    /// Translates and compiles every match target of `scanner`. Patterns
    /// that Hyperscan cannot take are left out and listed in
    /// [`HyperscanBackend::rejected`]; the error is for a database that
    /// fails as a whole.
    pub fn compile(scanner: &Scanner) -> Result<HyperscanBackend, hyperscan::Error> {
        let mut patterns = Vec::new();
        let mut targets = Vec::new();
        let mut rejected = Vec::new();
        for (target, (recognizer, match_target)) in scanner.match_targets().enumerate() {
            let compiled = translate(match_target).and_then(|(expression, flags)| {
                let pattern = Pattern {
                    id: Some(patterns.len()),
                    ..Pattern::with_flags(expression, flags).map_err(|e| e.to_string())?
                };
                // Compiled alone first, so that one bad pattern is named
                // instead of failing the whole database.
                pattern
                    .build::<Block>()
                    .map_err(|e| e.to_string())
                    .map(|_| pattern)
            });
            match compiled {
                Ok(pattern) => {
                    patterns.push(pattern);
                    targets.push(target);
                }
                Err(reason) => rejected.push(Rejected {
                    recognizer: recognizer.to_string(),
                    pattern: match match_target {
                        MatchTarget::Pattern(source) => source.to_string(),
                        MatchTarget::Keyword { text, .. } => text.to_string(),
                    },
                    reason,
                }),
            }
        }
        Ok(HyperscanBackend {
            database: Patterns(patterns).build()?,
            targets,
            rejected,
        })
    }

    /// The patterns left out of the database.
    pub fn rejected(&self) -> &[Rejected] {
        &self.rejected
    }

    /// A matcher with its own scratch space: one per thread.
    pub fn matcher(&self) -> Result<HyperscanMatcher<'_>, hyperscan::Error> {
        Ok(HyperscanMatcher {
            backend: self,
            scratch: self.database.alloc_scratch()?,
            open: vec![Open::default(); self.targets.len()],
        })
    }
}

/// The match of one pattern still being extended, between Hyperscan events.
#[derive(Clone, Copy, Debug, Default)]
struct Open {
    current: Option<(usize, usize)>,
    /// Where the last reported match ended: later ones may not start before.
    floor: usize,
}

/// Runs a [`HyperscanBackend`] for [`Scanner::scan_with_matcher`].
pub struct HyperscanMatcher<'b> {
    backend: &'b HyperscanBackend,
    scratch: Scratch,
    open: Vec<Open>,
}

impl Matcher for HyperscanMatcher<'_> {
    fn find(&mut self, text: &str, report: &mut dyn FnMut(usize, usize, usize)) {
        assert!(
            u32::try_from(text.len()).is_ok(),
            "Hyperscan scans at most 4 GiB at once"
        );
        let HyperscanMatcher {
            backend,
            scratch,
            open,
        } = self;
        open.fill(Open::default());
        let targets = &backend.targets;
        backend
            .database
            .scan(text, scratch, |id, from, to, _flags| {
                let (id, from, to) = (id as usize, from as usize, to as usize);
                let slot = &mut open[id];
                match slot.current {
                    // A longer match from the same start, or one from further left.
                    Some((start, _)) if from == start || (from < start && from >= slot.floor) => {
                        slot.current = Some((from, to));
                    }
                    Some((start, end)) if from >= end => {
                        report(targets[id], start, end);
                        slot.floor = end;
                        slot.current = Some((from, to));
                    }
                    // Overlaps the match being extended: leftmost wins.
                    Some(_) => {}
                    None if from >= slot.floor => slot.current = Some((from, to)),
                    None => {}
                }
                Matching::Continue
            })
            .expect("scanning with a scratch made for this database");
        for (slot, &target) in open.iter().zip(targets) {
            if let Some((start, end)) = slot.current {
                report(target, start, end);
            }
        }
    }
}

/// A match target as a Hyperscan expression and its flags.
fn translate(target: MatchTarget<'_>) -> Result<(String, CompileFlags), String> {
    let mut flags = CompileFlags::SOM_LEFTMOST;
    let hir = match target {
        MatchTarget::Pattern(source) => regex_syntax::ParserBuilder::new()
            .nest_limit(100)
            .build()
            .parse(source)
            .map_err(|e| e.to_string())?,
        MatchTarget::Keyword {
            text,
            case_sensitive,
        } => {
            if !case_sensitive {
                flags |= CompileFlags::CASELESS;
            }
            Hir::literal(text.as_bytes())
        }
    };
    let mut printer = Printer {
        out: String::new(),
        utf8: needs_utf8(&hir),
        ucp: false,
    };
    printer.hir(&hir)?;
    if printer.utf8 {
        flags |= CompileFlags::UTF8;
    }
    if printer.ucp {
        flags |= CompileFlags::UCP;
    }
    Ok((printer.out, flags))
}

/// Whether `hir` has a class beyond ASCII: then the expression must be
/// compiled in UTF-8 mode, so that a class matches whole characters.
fn needs_utf8(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => class.ranges().iter().any(|r| r.end() > '\x7f'),
        HirKind::Repetition(rep) => needs_utf8(&rep.sub),
        HirKind::Capture(cap) => needs_utf8(&cap.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().any(needs_utf8),
        _ => false,
    }
}

/// Writes a syntax tree in Hyperscan's dialect. Every literal and class
/// member is written as an escape, so no character is ever read as syntax.
struct Printer {
    out: String,
    /// Characters are code points (UTF-8 mode), not bytes.
    utf8: bool,
    /// A Unicode word boundary was written: Hyperscan needs its UCP flag.
    ucp: bool,
}

impl Printer {
    fn hir(&mut self, hir: &Hir) -> Result<(), String> {
        match hir.kind() {
            HirKind::Empty => {}
            HirKind::Literal(literal) => {
                if self.utf8 {
                    let text = std::str::from_utf8(&literal.0).map_err(|e| e.to_string())?;
                    text.chars().for_each(|c| self.code_point(c as u32));
                } else {
                    literal.0.iter().for_each(|&b| self.byte(b));
                }
            }
            HirKind::Class(class) => self.class(class)?,
            HirKind::Look(look) => {
                let written = match look {
                    Look::Start => r"\A",
                    Look::End => r"\z",
                    Look::WordAscii => r"\b",
                    Look::WordAsciiNegate => r"\B",
                    Look::WordUnicode | Look::WordUnicodeNegate => {
                        self.ucp = true;
                        if *look == Look::WordUnicode {
                            r"\b"
                        } else {
                            r"\B"
                        }
                    }
                    other => return Err(format!("Hyperscan has no {other:?} assertion")),
                };
                self.out.push_str(written);
            }
            HirKind::Repetition(rep) => {
                self.group(&rep.sub)?;
                match rep.max {
                    Some(max) => write!(self.out, "{{{},{max}}}", rep.min),
                    None => write!(self.out, "{{{},}}", rep.min),
                }
                .expect("writing to a String");
            }
            HirKind::Capture(cap) => self.group(&cap.sub)?,
            HirKind::Concat(subs) => {
                for sub in subs {
                    self.hir(sub)?;
                }
            }
            HirKind::Alternation(subs) => {
                self.out.push_str("(?:");
                for (i, sub) in subs.iter().enumerate() {
                    if i > 0 {
                        self.out.push('|');
                    }
                    self.hir(sub)?;
                }
                self.out.push(')');
            }
        }
        Ok(())
    }

    fn group(&mut self, hir: &Hir) -> Result<(), String> {
        self.out.push_str("(?:");
        self.hir(hir)?;
        self.out.push(')');
        Ok(())
    }

    fn class(&mut self, class: &Class) -> Result<(), String> {
        let ranges: Vec<(u32, u32)> = match class {
            Class::Unicode(class) => class
                .ranges()
                .iter()
                .map(|r| (r.start() as u32, r.end() as u32))
                .collect(),
            Class::Bytes(class) => class
                .ranges()
                .iter()
                .map(|r| (u32::from(r.start()), u32::from(r.end())))
                .collect(),
        };
        if ranges.is_empty() {
            return Err("a class that matches nothing".into());
        }
        if self.utf8 && matches!(class, Class::Bytes(_)) && ranges.iter().any(|r| r.1 > 0x7f) {
            return Err("a byte class beyond ASCII in a UTF-8 pattern".into());
        }
        self.out.push('[');
        for (start, end) in ranges {
            self.member(start);
            if end != start {
                self.out.push('-');
                self.member(end);
            }
        }
        self.out.push(']');
        Ok(())
    }

    fn member(&mut self, c: u32) {
        if self.utf8 {
            self.code_point(c);
        } else {
            self.byte(u8::try_from(c).expect("byte-mode classes hold bytes"));
        }
    }

    fn code_point(&mut self, c: u32) {
        write!(self.out, r"\x{{{c:x}}}").expect("writing to a String");
    }

    fn byte(&mut self, b: u8) {
        write!(self.out, r"\x{b:02x}").expect("writing to a String");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_engine::ScanOptions;

    fn expression(pattern: &str) -> Result<(String, CompileFlags), String> {
        translate(MatchTarget::Pattern(pattern))
    }

    #[test]
    fn translation_escapes_everything_and_keeps_bounds() {
        let (expr, flags) = expression(r"(?-u)\bA(?:B|C\.){2,5}\d+").unwrap();
        assert_eq!(expr, r"\b\x41(?:(?:\x42|\x43\x2e)){2,5}(?:[\x30-\x39]){1,}");
        assert_eq!(flags, CompileFlags::SOM_LEFTMOST);
        let (expr, flags) = expression(r"[é\p{Greek}]x").unwrap();
        assert!(expr.starts_with(r"[\x{e9}\x{370}-\x{373}"), "{expr}");
        assert!(expr.ends_with(r"]\x{78}"), "{expr}");
        assert!(flags.contains(CompileFlags::UTF8));
        assert!(
            expression(r"(?m)^x").is_err(),
            "line anchors are not translated"
        );
    }

    #[test]
    fn matcher_folds_match_ends_into_leftmost_longest_matches() {
        let scanner = palisade_engine::ScannerBuilder::empty()
            .rules_toml(
                "test.toml",
                r#"
                entities = ["TICKET", "CODENAME"]
                [[recognizer]]
                id = "ticket"
                entity = "TICKET"
                patterns = ['(?-u)\bT-[0-9]{3,8}\b']
                score = 0.9
                [[recognizer]]
                id = "codename"
                entity = "CODENAME"
                keywords = ["bluebird"]
                score = 0.9
                "#,
            )
            .and_then(|b| b.build())
            .unwrap();
        let backend = HyperscanBackend::compile(&scanner).unwrap();
        let text = "see T-1234 and T-99887766, not T-12, ask BlueBird or bluebirds";
        let mut matcher = backend.matcher().unwrap();
        let mut found = Vec::new();
        matcher.find(text, &mut |target, start, end| {
            found.push((target, &text[start..end]))
        });
        found.sort();
        assert_eq!(
            found,
            [
                (0, "T-1234"),
                (0, "T-99887766"),
                (1, "BlueBird"),
                (1, "bluebird")
            ],
            "every end of T-99887766 folds into one match; the keyword ignores case"
        );
        let (mut scratch, mut findings) = (scanner.scratch(), Vec::new());
        let options = ScanOptions::default();
        scanner.scan_with_matcher(text, &options, &mut scratch, &mut matcher, &mut findings);
        assert_eq!(
            findings,
            scanner.scan(text),
            "the scanner drops 'bluebirds' as it is no whole word, for both"
        );
    }

    /// The built-in rules through Hyperscan find what palisade finds, on the
    /// labeled corpus, except in the patterns Hyperscan rejects.
    #[test]
    fn builtin_rules_agree_with_palisade_on_the_labeled_corpus() {
        let scanner = Scanner::builtin();
        let backend = HyperscanBackend::compile(&scanner).unwrap();
        let skipped: Vec<&str> = backend
            .rejected()
            .iter()
            .map(|r| r.recognizer.as_str())
            .collect();
        eprintln!("rejected by Hyperscan: {:?}", backend.rejected());
        let mut matcher = backend.matcher().unwrap();
        let (mut scratch, mut by_hyperscan) = (scanner.scratch(), Vec::new());
        let options = ScanOptions::default();
        let mut compared = 0;
        for doc in crate::corpus::labeled(7, 400) {
            scanner.scan_with_matcher(
                &doc.text,
                &options,
                &mut scratch,
                &mut matcher,
                &mut by_hyperscan,
            );
            let kept = |f: &&palisade_engine::Finding| {
                !skipped.contains(&scanner.recognizer_name(f.recognizer))
            };
            let by_palisade = scanner.scan(&doc.text);
            let expected: Vec<_> = by_palisade.iter().filter(kept).collect();
            let actual: Vec<_> = by_hyperscan.iter().filter(kept).collect();
            assert_eq!(actual, expected, "in {:?}", doc.text);
            compared += expected.len();
        }
        assert!(compared > 400, "only {compared} findings compared");
    }
}
