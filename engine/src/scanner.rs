//! The compiled scanner: build once, scan many texts from many threads.

use std::ops::Range;
use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use palisade_kernels::{Beside, ByteSet, Kernel};
use regex_automata::meta::{Cache, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input, PatternID, PatternSet};

use crate::automaton::{compile_pattern, compile_set, cut, Prefixes};
use crate::context::ContextWords;
use crate::decode::{self, DecodeChain, Encoding, MAX_DEPTH};
use crate::entity::{EntityId, EntitySet};
use crate::error::{Error, ErrorKind};
use crate::finding::{fill_char_offsets, resolve_overlaps, Explanation, Finding, RecognizerId};
use crate::literals::{LiteralSet, LiteralSetBuilder};
use crate::matcher::{MatchTarget, Matcher};
use crate::normalize::{self, Chars, Normalized, WideRuns};
use crate::rules::{RuleSet, BUILTIN_RULES, DEFAULT_CONTEXT_BOOST};
use crate::trigger::{ByteTable, Flanks};
use crate::validate::{shannon_entropy, Validator};

/// Longest match of a literal-anchored pattern: the search from each literal
/// hit stops here, so that work per hit stays bounded. An unbounded pattern
/// (a URL) is cut at this length.
const MAX_ANCHORED_LEN: usize = 64 << 10;
/// Longest match a trigger-windowed pattern may have.
const MAX_WINDOW_RADIUS: usize = 1024;
/// Bytes before and after a match searched for context words (Presidio
/// looks at the five words before a match).
const CONTEXT_BEFORE: usize = 64;
const CONTEXT_AFTER: usize = 16;

/// Builds a [`Scanner`] from the built-in rules plus user rule files.
///
/// ```
/// use palisade_engine::ScannerBuilder;
///
/// let scanner = ScannerBuilder::new()
///     .rules_toml("team.toml", r#"
///         entities = ["EMPLOYEE_ID"]
///         disable = ["url"]
///
///         [[recognizer]]
///         id = "employee_id"
///         entity = "EMPLOYEE_ID"
///         patterns = ['\bEMP-[0-9]{6}\b']
///         score = 0.8
///     "#)
///     .and_then(|b| b.build())
///     .unwrap();
/// let found = scanner.scan("badge EMP-004211, see https://intranet/x");
/// assert_eq!(found.len(), 1);
/// assert_eq!(scanner.entity_name(found[0].entity), "EMPLOYEE_ID");
/// ```
#[derive(Debug)]
pub struct ScannerBuilder {
    rules: RuleSet,
    builtin: bool,
    prefilter: bool,
    kernel: Kernel,
}

impl Default for ScannerBuilder {
    fn default() -> Self {
        ScannerBuilder::new()
    }
}

impl ScannerBuilder {
    /// A builder holding the built-in rules.
    pub fn new() -> ScannerBuilder {
        ScannerBuilder {
            rules: RuleSet::default(),
            builtin: true,
            prefilter: true,
            kernel: Kernel::Auto,
        }
    }

    /// A builder with no rules at all: only what later rule files define.
    pub fn empty() -> ScannerBuilder {
        ScannerBuilder {
            builtin: false,
            ..ScannerBuilder::new()
        }
    }

    fn ensure_builtin(&mut self) -> Result<(), Error> {
        if self.builtin {
            self.builtin = false;
            self.rules.load("built-in", BUILTIN_RULES)?;
        } else if self.rules.entities.is_empty() {
            self.rules.load("built-in", "")?;
        }
        Ok(())
    }

    /// Loads a rule file given as text; `origin` names it in errors.
    pub fn rules_toml(mut self, origin: &str, text: &str) -> Result<ScannerBuilder, Error> {
        self.ensure_builtin()?;
        self.rules.load(origin, text)?;
        Ok(self)
    }

    /// Loads a rule file from disk.
    pub fn rules_file(self, path: impl AsRef<Path>) -> Result<ScannerBuilder, Error> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(&origin, None, ErrorKind::Io(e.to_string())))?;
        self.rules_toml(&origin, &text)
    }

    /// Whether to use prefilters (default: yes). Without them every pattern
    /// runs over the whole text: same findings, much slower. For tests and
    /// for measuring what the prefilters buy.
    pub fn prefilter(mut self, yes: bool) -> ScannerBuilder {
        self.prefilter = yes;
        self
    }

    /// Which byte-search kernel the trigger prefilter uses (default: the fastest available).
    pub fn kernel(mut self, kernel: Kernel) -> ScannerBuilder {
        self.kernel = kernel;
        self
    }

    /// Compiles the rules.
    pub fn build(mut self) -> Result<Scanner, Error> {
        self.ensure_builtin()?;
        Scanner::compile(self.rules, self.prefilter, self.kernel)
    }
}

/// A compiled recognizer.
#[derive(Debug)]
struct Rule {
    id: String,
    description: String,
    entity: EntityId,
    patterns: Vec<String>,
    keywords: Vec<String>,
    validator: Option<(Validator, String)>,
    min_entropy: Option<f32>,
    score: f32,
    context_boost: f32,
    context_words: Vec<String>,
    context: Option<ContextWords>,
    allow: Vec<String>,
}

/// One pattern of one recognizer.
#[derive(Debug)]
struct Pattern {
    rule: u32,
    index: u16,
    regex: Regex,
    value_group: Option<usize>,
    /// Bytes an anchored search may look at from its start.
    max_len: usize,
}

/// What a literal of the prefilter automaton stands for.
#[derive(Clone, Copy, Debug)]
enum LiteralTarget {
    /// Run this pattern anchored where the literal starts.
    Pattern(u32),
    /// A deny-list keyword of a recognizer (an index into
    /// `Scanner::keywords`): a finding by itself.
    Keyword(u32),
}

/// A deny-list keyword of a recognizer.
#[derive(Debug)]
struct Keyword {
    rule: u32,
    index: u16,
    case_sensitive: bool,
}

/// Patterns whose every match contains a byte of `trigger`. Trigger bytes
/// closer than `merge` form a cluster, and only the window `[first - lead,
/// last + trail]` around each cluster is searched: a match's trigger bytes
/// are never more than `gap` apart, so they all fall in one cluster.
#[derive(Debug)]
struct TriggerGroup {
    trigger: ByteSet,
    /// Bytes a match may start before its first trigger byte.
    lead: usize,
    /// Bytes a match may end after its last trigger byte.
    trail: usize,
    /// The distance up to which trigger bytes share a cluster: one more than
    /// the widest gap inside a match, and at least one more than `lead +
    /// trail`, so that windows never overlap and no match is found twice.
    merge: usize,
    /// Regions with fewer trigger bytes than this cannot hold a match.
    min_triggers: usize,
    /// The bytes matches may hold.
    held: ByteTable,
    /// Whether a space is not one of the `held` bytes: then a match lies in
    /// the run of held bytes around its triggers, and the window shrinks to
    /// that run (an email address's 665-byte reach to its word). With a
    /// space, the run would be most of the text.
    trim_to_held: bool,
    /// The held bytes that every trigger byte of a match has beside it, on
    /// the sides where no match can start or end with one (a MAC address's
    /// `:` between hex digits): a trigger byte without them (the `.` ending
    /// a sentence) is in no match, and is dropped before it opens a window.
    beside: Option<Beside>,
    /// Searched only in texts holding invisible characters (`trigger = "invisible"`).
    hidden_only: bool,
    /// Whether the trigger bytes are among the view's marks (one or two
    /// bytes, rare in text) instead of found by a pass of their own.
    sparse: bool,
    /// The literals every match of the group starts with, when each pattern
    /// has some: a window holding none of them is skipped without running
    /// the DFA (an `x` with no `0x` before it, a `:` far from any `token`).
    /// A match starts at or before the window's last trigger byte, so only
    /// literals starting there are looked for.
    starts: Option<AhoCorasick>,
    set: Regex,
    patterns: Vec<u32>,
}

/// A trigger group while the scanner is being built.
struct GroupSpec {
    trigger: Vec<u8>,
    hidden_only: bool,
    lead: usize,
    trail: usize,
    gap: usize,
    min_triggers: usize,
    held: ByteTable,
    flanks: Flanks,
    /// Every pattern's prefix literals, and whether they match in any case.
    starts: Option<(Vec<Vec<u8>>, bool)>,
    patterns: Vec<u32>,
}

impl GroupSpec {
    /// Widens the group's windows so that they also suit `other`.
    fn absorb(&mut self, other: GroupSpec) {
        self.lead = self.lead.max(other.lead);
        self.trail = self.trail.max(other.trail);
        self.gap = self.gap.max(other.gap);
        self.min_triggers = self.min_triggers.min(other.min_triggers);
        self.held = self.held.union(&other.held);
        self.flanks = self.flanks.and(other.flanks);
        self.starts = self
            .starts
            .take()
            .zip(other.starts)
            .map(|((mut a, fa), (b, fb))| {
                a.extend(b);
                (a, fa || fb)
            });
        self.patterns.extend(other.patterns);
    }
}

/// Patterns whose every match is a run of at least [`decode::MIN_RUN`]
/// base64-alphabet bytes (API keys, tokens): searched only inside such runs,
/// which decode-then-scan looks for anyway, so they cost no pass of their
/// own, where their prefix literals (`AKIA`, `ghp_`...) would weigh on the
/// literal prefilter.
#[derive(Debug)]
struct RunSearch {
    /// The bytes matches start with, when every match starts at a word
    /// boundary with a word byte (`\bAKIA`): inside a run, such a match
    /// starts at the run's start or right after a `+`, `/` or `-` (the
    /// alphabet's only non-word bytes), so a run holding none of these bytes
    /// there (a hash, most UUIDs) is skipped without running the DFA.
    first: Option<ByteTable>,
    set: Regex,
    patterns: Vec<u32>,
}

/// Patterns with no usable prefilter, searched over the whole text.
#[derive(Debug)]
struct FullScan {
    set: Regex,
    patterns: Vec<u32>,
}

/// The compiled form of a rule set. Immutable, `Send + Sync`: share one
/// across threads (behind an `Arc` or a reference) and give each thread its
/// own [`Scratch`].
///
/// A scan runs four stages over the text, each linear in its length:
///
/// 1. one Aho-Corasick pass (SIMD Teddy when it applies) finds the literals
///    that patterns start with (`eyJ`, `-----BEGIN`, `https://`...) and
///    deny-list keywords; each hit runs its pattern anchored there;
/// 2. patterns whose matches are long base64-alphabet runs (API keys:
///    `AKIA...`, `ghp_...`) are searched by one multi-pattern DFA inside the
///    runs of 16 or more such bytes, which decode-then-scan finds anyway;
/// 3. for each trigger byte class (digits for most PII, `@` for email, `:`
///    for IPv6) a SIMD byte search finds the bytes (one pass collects the
///    classes of one or two bytes, rare in text, together with decoding's
///    escape markers), and one multi-pattern DFA runs over merged windows
///    around them: text with no trigger is skipped;
/// 4. patterns with none of these are matched by one multi-pattern DFA over
///    the whole text.
///
/// Candidates then go through validators, allow-lists, context scoring, the
/// score threshold and overlap resolution.
#[derive(Debug)]
pub struct Scanner {
    entities: Vec<String>,
    rules: Vec<Rule>,
    patterns: Vec<Pattern>,
    keywords: Vec<Keyword>,
    literals: LiteralSet<LiteralTarget>,
    groups: Vec<TriggerGroup>,
    /// The trigger bytes of the sparse groups and decoding's escape
    /// markers: rare in text, so one pass per view collects them all for
    /// the searches that need them, instead of a `memchr` pass each.
    marked: ByteSet,
    in_runs: Option<RunSearch>,
    full: Option<FullScan>,
}

/// What the first passes over one view of the text found, shared by the
/// searches that follow them.
#[derive(Clone, Debug, Default)]
struct ViewIndex {
    /// The view's [`decode::base64_runs`].
    runs: Vec<Range<usize>>,
    /// Where the view's [`Scanner::marked`] bytes are, in order.
    marks: Vec<usize>,
}

/// Which engine finds the candidates of a scan.
enum Search<'m> {
    /// The prefilters and DFAs compiled into the scanner.
    Own,
    /// Another engine, through [`Scanner::scan_with_matcher`].
    With(&'m mut dyn Matcher),
}

/// Per-thread scratch memory for [`Scanner::scan_with`], so that a hot loop
/// allocates nothing per text or per match once warmed up.
#[derive(Debug)]
pub struct Scratch {
    pattern_caches: Vec<Cache>,
    captures: Vec<Option<Captures>>,
    group_caches: Vec<Cache>,
    run_cache: Option<Cache>,
    full_cache: Option<Cache>,
    which: PatternSet,
    /// Per literal-anchored pattern, where its last match ended: a literal
    /// hit inside it is skipped, as a leftmost-first search would.
    resume: Vec<usize>,
    /// The literal hits of the view being scanned.
    literal_hits: Vec<(usize, LiteralTarget)>,
    /// The normalized view of the text being scanned.
    normalized: Normalized,
    /// The runs of characters beyond ASCII in the text being scanned.
    wide: WideRuns,
    /// Per decoding depth: the decoded segment and what its scan found.
    decoded: Vec<(Vec<u8>, Vec<Finding>)>,
    /// Per decoding depth, the index of the text; then that of its
    /// normalized view.
    views: Vec<ViewIndex>,
}

/// The default [`ScanOptions::score_threshold`]: recognizers for weak
/// shapes (nine bare digits, ten bare digits) score below it unless a
/// context word is near.
pub const DEFAULT_SCORE_THRESHOLD: f32 = 0.5;

/// Per-scan settings.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Report only these entity types (all when `None`).
    pub entities: Option<EntitySet>,
    /// Drop findings scoring below this (default [`DEFAULT_SCORE_THRESHOLD`]).
    pub score_threshold: f32,
    /// Values never reported, matched exactly (Presidio's `allow_list`).
    pub allow_list: Vec<String>,
    /// Match on the normalized view (invisible characters removed, NFKC), so
    /// that `ana@exa\u{200B}mple.org` or fullwidth digits are still found
    /// (default on). Offsets always refer to the original text.
    pub normalize: bool,
    /// How deep to decode encoded segments (base64, hex, percent, `\\uXXXX`,
    /// quoted-printable) and scan what they hold; 0 turns decoding off
    /// (default 2, at most 4). Findings inside are reported on the encoded
    /// span, with the encodings in [`Finding::decoded`].
    pub decode_depth: u8,
    /// Most decoded bytes per scan, all depths together (default 4 MiB).
    pub decode_budget: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            entities: None,
            score_threshold: DEFAULT_SCORE_THRESHOLD,
            allow_list: Vec::new(),
            normalize: true,
            decode_depth: 2,
            decode_budget: 4 << 20,
        }
    }
}

impl Scanner {
    /// The built-in rules, compiled.
    pub fn builtin() -> Scanner {
        ScannerBuilder::new()
            .build()
            .expect("the built-in rules compile (tested)")
    }

    /// A builder, to add rule files or change how the scan runs.
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder::new()
    }

    fn compile(rule_set: RuleSet, prefilter: bool, kernel: Kernel) -> Result<Scanner, Error> {
        normalize::load_tables();
        let mut rules = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut keywords: Vec<Keyword> = Vec::new();
        let mut literals = LiteralSetBuilder::new();
        // Patterns searched from their prefix literals, with those literals.
        let mut anchored: Vec<(u32, Prefixes)> = Vec::new();
        // Patterns sharing trigger bytes are searched together, over windows
        // wide enough for the group's longest lead, trail and gap.
        let mut groups: Vec<GroupSpec> = Vec::new();
        let mut in_runs: Vec<u32> = Vec::new();
        let mut run_first = Some(ByteTable::new(&[]));
        let mut full: Vec<u32> = Vec::new();
        let mut pattern_sources: Vec<&str> = Vec::new();

        for (rule_index, recognizer) in rule_set.recognizers.iter().enumerate() {
            let spec = &recognizer.spec;
            let fail = |kind| Error::new(&recognizer.origin, Some(&spec.id), kind);
            let rule_index = u32::try_from(rule_index).expect("fewer than 2^32 recognizers");
            let entity = rule_set
                .entities
                .iter()
                .position(|e| *e == spec.entity)
                .expect("checked at load");
            let trigger = match spec.trigger.as_deref() {
                None => None,
                Some("digits") => Some(b"0123456789".to_vec()),
                // The UTF-8 lead bytes of U+2000-2FFF, U+F000-FFFF and plane 14.
                Some("invisible") => Some(vec![0xE2, 0xEF, 0xF3]),
                Some("") => {
                    return Err(fail(ErrorKind::Invalid("trigger must not be empty".into())))
                }
                Some(bytes) => Some(bytes.as_bytes().to_vec()),
            };
            let trigger_bytes = trigger.as_deref().map(ByteTable::new);
            for (index, source) in spec.patterns.iter().enumerate() {
                let info = compile_pattern(source, trigger_bytes.as_ref()).map_err(fail)?;
                let id = u32::try_from(patterns.len()).expect("fewer than 2^32 patterns");
                if info.trigger.is_some_and(|t| t.min_count == 0) {
                    return Err(fail(ErrorKind::Invalid(format!(
                        "pattern {index} can match without any of its trigger bytes {:?}",
                        spec.trigger.as_deref().unwrap_or_default()
                    ))));
                }
                let bounded = |limit: usize| info.max_len.filter(|&len| len <= limit);
                let window = info
                    .trigger
                    .and_then(|t| Some((t, t.lead?)))
                    .zip(bounded(MAX_WINDOW_RADIUS));
                match (&trigger, window, &info.prefixes) {
                    _ if !prefilter => full.push(id),
                    (Some(trigger), Some(((profile, lead), max_len)), _) => {
                        let hidden_only = spec.trigger.as_deref() == Some("invisible");
                        let spec = GroupSpec {
                            trigger: trigger.clone(),
                            hidden_only,
                            lead,
                            // A match holds a trigger byte, so none of these
                            // exceeds its length.
                            trail: profile.trail.map_or(max_len, |t| t.min(max_len)),
                            gap: profile.gap.map_or(max_len, |g| g.min(max_len)),
                            min_triggers: profile.min_count,
                            held: info.held,
                            flanks: profile.flanks,
                            starts: info
                                .prefixes
                                .as_ref()
                                .map(|p| (p.literals.clone(), p.folded)),
                            patterns: vec![id],
                        };
                        match groups
                            .iter_mut()
                            .find(|g| g.trigger == *trigger && g.hidden_only == hidden_only)
                        {
                            Some(group) => group.absorb(spec),
                            None => groups.push(spec),
                        }
                    }
                    (None, _, _)
                        if info.min_len >= decode::MIN_RUN
                            && info.held.bytes().into_iter().all(decode::is_base64) =>
                    {
                        in_runs.push(id);
                        run_first = run_first.zip(info.word_start).map(|(a, b)| a.union(&b));
                    }
                    (_, _, Some(prefixes)) => anchored.push((id, prefixes.clone())),
                    _ => full.push(id),
                }
                patterns.push(Pattern {
                    rule: rule_index,
                    index: u16::try_from(index)
                        .map_err(|_| fail(ErrorKind::Invalid("too many patterns".into())))?,
                    regex: info.regex,
                    value_group: info.value_group,
                    max_len: info.max_len.unwrap_or(usize::MAX).min(MAX_ANCHORED_LEN),
                });
                pattern_sources.push(source);
            }
            if spec.context.iter().any(String::is_empty) {
                return Err(fail(ErrorKind::Invalid("empty context word".into())));
            }
            for (keyword_index, keyword) in spec.keywords.iter().enumerate() {
                if keyword.is_empty() {
                    return Err(fail(ErrorKind::Invalid("empty keyword".into())));
                }
                let keyword_index = u16::try_from(keyword_index)
                    .map_err(|_| fail(ErrorKind::Invalid("too many keywords".into())))?;
                let id = u32::try_from(keywords.len()).expect("fewer than 2^32 keywords");
                literals.add(
                    keyword.as_bytes(),
                    !spec.case_sensitive,
                    LiteralTarget::Keyword(id),
                );
                keywords.push(Keyword {
                    rule: rule_index,
                    index: keyword_index,
                    case_sensitive: spec.case_sensitive,
                });
            }
            rules.push(Rule {
                id: spec.id.clone(),
                description: spec.description.clone(),
                entity: EntityId(u16::try_from(entity).expect("fewer than 2^16 entity types")),
                patterns: spec.patterns.clone(),
                keywords: spec.keywords.clone(),
                validator: recognizer
                    .validator
                    .map(|v| (v, spec.validator.clone().unwrap_or_default())),
                min_entropy: spec.min_entropy,
                score: spec.score,
                context_boost: spec.context_boost.unwrap_or(DEFAULT_CONTEXT_BOOST),
                context_words: spec.context.clone(),
                context: ContextWords::new(&spec.context),
                allow: spec.allow.clone(),
            });
        }

        // A combined automaton that fails names every recognizer in it and
        // the files they come from.
        let set_error = |ids: &[u32]| {
            let mut origins: Vec<&str> = Vec::new();
            let mut names: Vec<&str> = Vec::new();
            for &id in ids {
                let rule = patterns[id as usize].rule as usize;
                let origin = rule_set.recognizers[rule].origin.as_str();
                if !origins.contains(&origin) {
                    origins.push(origin);
                }
                if !names.contains(&rules[rule].id.as_str()) {
                    names.push(&rules[rule].id);
                }
            }
            let (origins, names) = (origins.join(", "), names.join(", "));
            move |kind| Error::new(&origins, Some(&names), kind)
        };
        let is_sparse =
            |g: &GroupSpec| !g.hidden_only && g.trigger.len() <= 2 && g.trigger.is_ascii();
        let mut marked = decode::MARKERS.to_vec();
        for group in groups.iter().filter(|g| is_sparse(g)) {
            marked.extend(&group.trigger);
        }
        for (id, prefixes) in anchored {
            let target = LiteralTarget::Pattern(id);
            // A literal holding a marked byte (`https://`) is found from the
            // marks; the others by an automaton, cut short.
            let first_mark = |literal: &[u8]| {
                literal.iter().position(|b| {
                    marked.contains(b) && !(prefixes.folded && b.is_ascii_alphabetic())
                })
            };
            let mut unmarked = Vec::new();
            for literal in prefixes.whole {
                match first_mark(&literal) {
                    Some(mark) => literals.add_marked(&literal, mark, prefixes.folded, target),
                    None => unmarked.push(literal),
                }
            }
            for literal in cut(&unmarked, prefixes.folded) {
                literals.add(&literal, prefixes.folded, target);
            }
        }
        let literals = literals.build().map_err(|e| {
            let all: Vec<u32> = (0..patterns.len() as u32).collect();
            set_error(&all)(ErrorKind::Invalid(format!("literal prefilter: {e}")))
        })?;
        let sources = |ids: &[u32]| {
            ids.iter()
                .map(|&id| pattern_sources[id as usize])
                .collect::<Vec<_>>()
        };
        let groups = groups
            .into_iter()
            .map(|group| {
                Ok(TriggerGroup {
                    sparse: is_sparse(&group),
                    trigger: ByteSet::new(&group.trigger).kernel(kernel),
                    lead: group.lead,
                    trail: group.trail,
                    merge: group.gap.max(group.lead + group.trail) + 1,
                    min_triggers: group.min_triggers,
                    held: group.held,
                    trim_to_held: !group.held.contains(b' '),
                    beside: (group.flanks.before || group.flanks.after).then(|| Beside {
                        set: ByteSet::new(&group.held.bytes()).kernel(kernel),
                        before: group.flanks.before,
                        after: group.flanks.after,
                    }),
                    hidden_only: group.hidden_only,
                    starts: group
                        .starts
                        .map(|(literals, folded)| {
                            AhoCorasickBuilder::new()
                                .ascii_case_insensitive(folded)
                                .build(literals)
                        })
                        .transpose()
                        .map_err(|e| {
                            set_error(&group.patterns)(ErrorKind::Invalid(format!(
                                "window literals: {e}"
                            )))
                        })?,
                    set: compile_set(&sources(&group.patterns))
                        .map_err(set_error(&group.patterns))?,
                    patterns: group.patterns,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let in_runs = if in_runs.is_empty() {
            None
        } else {
            Some(RunSearch {
                first: run_first,
                set: compile_set(&sources(&in_runs)).map_err(set_error(&in_runs))?,
                patterns: in_runs,
            })
        };
        let full = if full.is_empty() {
            None
        } else {
            Some(FullScan {
                set: compile_set(&sources(&full)).map_err(set_error(&full))?,
                patterns: full,
            })
        };
        Ok(Scanner {
            entities: rule_set.entities,
            rules,
            patterns,
            keywords,
            literals,
            groups,
            marked: ByteSet::new(&marked).kernel(kernel),
            in_runs,
            full,
        })
    }

    /// Fresh scratch memory for this scanner.
    pub fn scratch(&self) -> Scratch {
        let largest_set = self
            .groups
            .iter()
            .map(|g| g.patterns.len())
            .chain(self.in_runs.iter().map(|r| r.patterns.len()))
            .chain(self.full.iter().map(|f| f.patterns.len()))
            .max();
        Scratch {
            pattern_caches: self
                .patterns
                .iter()
                .map(|p| p.regex.create_cache())
                .collect(),
            captures: self
                .patterns
                .iter()
                .map(|p| p.value_group.map(|_| p.regex.create_captures()))
                .collect(),
            group_caches: self.groups.iter().map(|g| g.set.create_cache()).collect(),
            run_cache: self.in_runs.as_ref().map(|r| r.set.create_cache()),
            full_cache: self.full.as_ref().map(|f| f.set.create_cache()),
            which: PatternSet::new(largest_set.unwrap_or(0)),
            resume: vec![0; self.patterns.len()],
            literal_hits: Vec::new(),
            normalized: Normalized::default(),
            wide: WideRuns::default(),
            decoded: vec![(Vec::new(), Vec::new()); MAX_DEPTH],
            views: vec![ViewIndex::default(); MAX_DEPTH + 2],
        }
    }

    /// Scans `text` with default options; convenient, but allocates scratch
    /// memory per call. Hot loops use [`Scanner::scan_with`].
    ///
    /// ```
    /// let scanner = palisade_engine::Scanner::builtin();
    /// let text = "Mail jane.doe@example.com, card 4111 1111 1111 1111.";
    /// let found = scanner.scan(text);
    /// let names: Vec<&str> = found.iter().map(|f| scanner.entity_name(f.entity)).collect();
    /// assert_eq!(names, ["EMAIL_ADDRESS", "CREDIT_CARD"]);
    /// assert_eq!(&text[found[1].byte_start..found[1].byte_end], "4111 1111 1111 1111");
    /// ```
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        self.scan_with(text, &ScanOptions::default(), &mut self.scratch(), &mut out);
        out
    }

    /// Scans `text` into `out` (cleared first), reusing `scratch`, which must
    /// come from this scanner's [`Scanner::scratch`]. Findings come sorted by
    /// position, overlaps resolved.
    ///
    /// # Panics
    ///
    /// When `scratch` was made by another scanner.
    pub fn scan_with(
        &self,
        text: &str,
        options: &ScanOptions,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) {
        self.scan_by(text, options, scratch, &mut Search::Own, out);
    }

    /// What a [`Matcher`] must find for this scanner, with the recognizer
    /// each comes from, indexed by the target numbers the matcher reports:
    /// every pattern, then every deny-list keyword.
    ///
    /// ```
    /// use palisade_engine::{MatchTarget, Scanner};
    ///
    /// let scanner = Scanner::builder()
    ///     .rules_toml("team.toml", r#"
    ///         entities = ["CODENAME"]
    ///         [[recognizer]]
    ///         id = "codenames"
    ///         entity = "CODENAME"
    ///         keywords = ["Bluebird"]
    ///         score = 0.9
    ///     "#)
    ///     .and_then(|b| b.build())
    ///     .unwrap();
    /// let (recognizer, target) = scanner.match_targets().last().unwrap();
    /// assert_eq!(recognizer, "codenames");
    /// assert_eq!(target, MatchTarget::Keyword { text: "Bluebird", case_sensitive: false });
    /// ```
    pub fn match_targets(&self) -> impl Iterator<Item = (&str, MatchTarget<'_>)> {
        let patterns = self.patterns.iter().map(|p| {
            let rule = &self.rules[p.rule as usize];
            let source = &rule.patterns[usize::from(p.index)];
            (rule.id.as_str(), MatchTarget::Pattern(source))
        });
        let keywords = self.keywords.iter().map(|k| {
            let rule = &self.rules[k.rule as usize];
            let target = MatchTarget::Keyword {
                text: &rule.keywords[usize::from(k.index)],
                case_sensitive: k.case_sensitive,
            };
            (rule.id.as_str(), target)
        });
        patterns.chain(keywords)
    }

    /// Scans `text` like [`Scanner::scan_with`], with candidates found by
    /// `matcher` instead of the scanner's own search; everything after that
    /// (validators, context, views, overlaps) is the same. See [`Matcher`].
    ///
    /// # Panics
    ///
    /// When `scratch` was made by another scanner, or `matcher` reports a
    /// target number or a span out of range.
    pub fn scan_with_matcher(
        &self,
        text: &str,
        options: &ScanOptions,
        scratch: &mut Scratch,
        matcher: &mut dyn Matcher,
        out: &mut Vec<Finding>,
    ) {
        self.scan_by(text, options, scratch, &mut Search::With(matcher), out);
    }

    fn scan_by(
        &self,
        text: &str,
        options: &ScanOptions,
        scratch: &mut Scratch,
        search: &mut Search<'_>,
        out: &mut Vec<Finding>,
    ) {
        assert_eq!(
            scratch.resume.len(),
            self.patterns.len(),
            "Scratch made by another Scanner"
        );
        out.clear();
        let depth = options.decode_depth.min(MAX_DEPTH as u8);
        let mut budget = options.decode_budget;
        let chars = normalize::classify_recording(text, &mut scratch.wide);
        self.scan_layers(
            text,
            chars,
            options,
            depth,
            &mut budget,
            search,
            scratch,
            out,
        );
        resolve_overlaps(out);
        fill_char_offsets(text, &scratch.wide, out);
    }

    /// The text as written, its normalized view, and (down to `depth`) its
    /// decoded segments: raw findings with byte offsets into `text`, whose
    /// characters beyond ASCII `chars` describes.
    #[allow(clippy::too_many_arguments)]
    fn scan_layers(
        &self,
        text: &str,
        chars: Chars,
        options: &ScanOptions,
        depth: u8,
        budget: &mut usize,
        search: &mut Search<'_>,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) {
        let decoding = depth > 0 && *budget > 0;
        let mut index = std::mem::take(&mut scratch.views[usize::from(depth)]);
        self.index_view(text, decoding, &mut index);
        self.scan_view(text, &index, options, chars.invisible, search, scratch, out);
        // Text that normalizing changes is also scanned as normalized, for
        // what invisible or compatibility characters hid; what both views
        // find lands on the same original span and is resolved as one.
        let mut normalized = std::mem::take(&mut scratch.normalized);
        if options.normalize && chars.changes() {
            normalized.build(text);
            let found_raw = out.len();
            let mut normalized_index = std::mem::take(&mut scratch.views[MAX_DEPTH + 1]);
            let view = normalized.text();
            self.index_view(view, false, &mut normalized_index);
            self.scan_view(
                view,
                &normalized_index,
                options,
                false,
                search,
                scratch,
                out,
            );
            scratch.views[MAX_DEPTH + 1] = normalized_index;
            for f in &mut out[found_raw..] {
                (f.byte_start, f.byte_end) = normalized.original_span(f.byte_start, f.byte_end);
            }
        }
        scratch.normalized = normalized;
        if decoding {
            self.scan_decoded(text, &index, options, depth, budget, search, scratch, out);
        }
        scratch.views[usize::from(depth)] = index;
    }

    /// Fills `index` with what the searches over `text` will need: the
    /// base64 runs for the patterns searched inside them and for decoding,
    /// the marks for marked literals, sparse trigger groups and decoding.
    fn index_view(&self, text: &str, decoding: bool, index: &mut ViewIndex) {
        index.runs.clear();
        index.marks.clear();
        if self.in_runs.is_some() || decoding {
            index.runs.extend(decode::base64_runs(text));
        }
        if decoding || self.literals.has_marked() || self.groups.iter().any(|g| g.sparse) {
            index.marks.extend(self.marked.find_iter(text.as_bytes()));
        }
    }

    /// Scans each encoded segment of `text`, decoded, one level down, and
    /// reports what it holds on the segment's span.
    #[allow(clippy::too_many_arguments)]
    fn scan_decoded(
        &self,
        text: &str,
        index: &ViewIndex,
        options: &ScanOptions,
        depth: u8,
        budget: &mut usize,
        search: &mut Search<'_>,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) {
        let level = usize::from(depth) - 1;
        let (mut buf, mut inner) = std::mem::take(&mut scratch.decoded[level]);
        let bytes = text.as_bytes();
        let runs = index.runs.iter().cloned();
        let markers = index
            .marks
            .iter()
            .copied()
            .filter(|&at| decode::MARKERS.contains(&bytes[at]));
        decode::segments_around(text, runs, markers, |range, encoding| {
            if *budget == 0 || !decode::decode(&text[range.clone()], encoding, &mut buf) {
                return;
            }
            *budget = budget.saturating_sub(buf.len());
            let decoded = std::str::from_utf8(&buf).expect("decode checks UTF-8");
            inner.clear();
            self.scan_layers(
                decoded,
                normalize::classify(decoded),
                options,
                depth - 1,
                budget,
                search,
                scratch,
                &mut inner,
            );
            let segment = &text[range.clone()];
            for f in inner.drain(..) {
                // Escapes leave most characters as written: what decodes to
                // itself was found in the text already.
                let as_written = matches!(
                    encoding,
                    Encoding::Percent | Encoding::UnicodeEscape | Encoding::QuotedPrintable
                ) && segment.contains(&decoded[f.byte_start..f.byte_end]);
                if !as_written {
                    out.push(Finding {
                        byte_start: range.start,
                        byte_end: range.end,
                        decoded: f.decoded.inside(encoding),
                        ..f
                    });
                }
            }
        });
        scratch.decoded[level] = (buf, inner);
    }

    /// Every search over one view of the text, appending raw findings
    /// (byte offsets into `text`, overlaps not yet resolved).
    #[allow(clippy::too_many_arguments)]
    fn scan_view(
        &self,
        text: &str,
        index: &ViewIndex,
        options: &ScanOptions,
        has_invisible: bool,
        search: &mut Search<'_>,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) {
        let Scratch {
            pattern_caches,
            captures,
            group_caches,
            run_cache,
            full_cache,
            which,
            resume,
            literal_hits,
            normalized: _,
            wide: _,
            decoded: _,
            views: _,
        } = scratch;
        resume.fill(0);
        let mut parts = PatternScratch {
            caches: pattern_caches,
            captures,
            which,
        };
        let mut run = Run {
            scanner: self,
            text,
            options,
            has_invisible,
            out,
        };
        if let Search::With(matcher) = search {
            run.external(&mut **matcher, &mut parts);
            return;
        }
        literal_hits.clear();
        self.literals
            .find_all(text.as_bytes(), &index.marks, literal_hits);
        run.literals(literal_hits, &mut parts, resume);
        for (group, cache) in self.groups.iter().zip(group_caches.iter_mut()) {
            run.trigger_group(group, &index.marks, cache, &mut parts);
        }
        if let (Some(in_runs), Some(cache)) = (&self.in_runs, run_cache.as_mut()) {
            for span in &index.runs {
                if let Some(first) = &in_runs.first {
                    let run = &text.as_bytes()[span.clone()];
                    let after_separator = memchr::memchr3_iter(b'+', b'/', b'-', run)
                        .any(|i| run.get(i + 1).is_some_and(|&b| first.contains(b)));
                    if !first.contains(run[0]) && !after_separator {
                        continue;
                    }
                }
                let input = Input::new(text).span(span.clone());
                run.matching_patterns(&in_runs.set, &in_runs.patterns, cache, &input, &mut parts);
            }
        }
        if let (Some(full), Some(cache)) = (&self.full, full_cache.as_mut()) {
            run.matching_patterns(
                &full.set,
                &full.patterns,
                cache,
                &Input::new(text),
                &mut parts,
            );
        }
    }

    /// The entity types this scanner knows, built-in and declared.
    pub fn entities(&self) -> impl Iterator<Item = &str> {
        self.entities.iter().map(String::as_str)
    }

    /// The entity types at least one enabled recognizer reports.
    pub fn supported_entities(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .rules
            .iter()
            .map(|r| self.entity_name(r.entity))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The name of an entity type.
    pub fn entity_name(&self, id: EntityId) -> &str {
        &self.entities[id.index()]
    }

    /// The id of a recognizer.
    pub fn recognizer_name(&self, id: RecognizerId) -> &str {
        &self.rules[id.index()].id
    }

    /// The description of a recognizer, from its rule file.
    pub fn recognizer_description(&self, id: RecognizerId) -> &str {
        &self.rules[id.index()].description
    }

    /// The recognizers, in load order: id, entity type, description.
    pub fn recognizers(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.rules.iter().map(|r| {
            (
                r.id.as_str(),
                self.entity_name(r.entity),
                r.description.as_str(),
            )
        })
    }

    /// The set of the named entity types; an unknown name is an error naming it.
    ///
    /// ```
    /// let scanner = palisade_engine::Scanner::builtin();
    /// assert!(scanner.entity_set(["EMAIL_ADDRESS", "US_SSN"]).is_ok());
    /// assert_eq!(scanner.entity_set(["EMAIL"]).unwrap_err(), "EMAIL");
    /// ```
    pub fn entity_set<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<EntitySet, &'n str> {
        let mut set = EntitySet::default();
        for name in names {
            let index = self.entities.iter().position(|e| e == name).ok_or(name)?;
            set.insert(EntityId(index as u16));
        }
        Ok(set)
    }

    /// Why `finding` was reported.
    pub fn explain(&self, finding: &Finding) -> Explanation<'_> {
        let rule = &self.rules[finding.recognizer.index()];
        Explanation {
            recognizer: &rule.id,
            pattern: finding
                .pattern
                .map(|i| rule.patterns[usize::from(i)].as_str()),
            keyword: finding
                .keyword
                .map(|i| rule.keywords[usize::from(i)].as_str()),
            validator: rule.validator.as_ref().map(|(_, name)| name.as_str()),
            validated: finding.validated,
            base_score: rule.score,
            context_word: finding
                .context_word
                .map(|i| rule.context_words[usize::from(i)].as_str()),
            score: finding.score,
        }
    }
}

/// The parts of [`Scratch`] used per pattern, split off so that a set's cache
/// can be borrowed at the same time.
struct PatternScratch<'a> {
    caches: &'a mut [Cache],
    captures: &'a mut [Option<Captures>],
    which: &'a mut PatternSet,
}

/// One scan in progress.
struct Run<'s, 't, 'o> {
    scanner: &'s Scanner,
    text: &'t str,
    options: &'o ScanOptions,
    /// Whether the text holds invisible characters, for `hidden_only` groups.
    has_invisible: bool,
    out: &'o mut Vec<Finding>,
}

impl Run<'_, '_, '_> {
    fn enabled(&self, rule: u32) -> bool {
        let entity = self.scanner.rules[rule as usize].entity;
        self.options
            .entities
            .as_ref()
            .is_none_or(|set| set.contains(entity))
    }

    /// Runs the pattern or keyword of each literal hit, in order of start.
    fn literals(
        &mut self,
        hits: &[(usize, LiteralTarget)],
        scratch: &mut PatternScratch<'_>,
        resume: &mut [usize],
    ) {
        let scanner = self.scanner;
        let bytes = self.text.as_bytes();
        for &(start, target) in hits {
            match target {
                LiteralTarget::Pattern(id) => {
                    let pattern = &scanner.patterns[id as usize];
                    if start < resume[id as usize] || !self.enabled(pattern.rule) {
                        continue;
                    }
                    let end = start.saturating_add(pattern.max_len).min(bytes.len());
                    let input = Input::new(self.text)
                        .span(start..end)
                        .anchored(Anchored::Yes);
                    if let Some(m) = pattern
                        .regex
                        .search_with(&mut scratch.caches[id as usize], &input)
                    {
                        resume[id as usize] = m.end();
                        self.candidate(id, m.start(), m.end(), scratch.caches, scratch.captures);
                    }
                }
                LiteralTarget::Keyword(id) => {
                    let keyword = &scanner.keywords[id as usize];
                    let rule = &scanner.rules[keyword.rule as usize];
                    let len = rule.keywords[usize::from(keyword.index)].len();
                    self.keyword(keyword, start, start + len);
                }
            }
        }
    }

    /// A deny-list keyword found at `start..end`: a finding when it is a whole word.
    fn keyword(&mut self, keyword: &Keyword, start: usize, end: usize) {
        let whole_word = word_boundary(self.text, start) && word_boundary(self.text, end);
        if self.enabled(keyword.rule) && whole_word {
            self.accept(keyword.rule, None, Some(keyword.index), start, end, false);
        }
    }

    /// Candidates from another engine, checked as the scanner's own are.
    fn external(&mut self, matcher: &mut dyn Matcher, scratch: &mut PatternScratch<'_>) {
        let scanner = self.scanner;
        let text = self.text;
        matcher.find(text, &mut |target, start, end| {
            assert!(
                start <= end && text.is_char_boundary(start) && text.is_char_boundary(end),
                "the matcher reported {start}..{end}, not a span of a {}-byte text",
                text.len()
            );
            match target.checked_sub(scanner.patterns.len()) {
                None => {
                    if self.enabled(scanner.patterns[target].rule) {
                        let id = u32::try_from(target).expect("fewer than 2^32 patterns");
                        self.candidate(id, start, end, scratch.caches, scratch.captures);
                    }
                }
                Some(keyword) => self.keyword(&scanner.keywords[keyword], start, end),
            }
        });
    }

    /// Searches `group`'s windows; `marks` are the view's marks.
    fn trigger_group(
        &mut self,
        group: &TriggerGroup,
        marks: &[usize],
        set_cache: &mut Cache,
        scratch: &mut PatternScratch<'_>,
    ) {
        if (group.hidden_only && !self.has_invisible)
            || !group
                .patterns
                .iter()
                .any(|&id| self.enabled(self.scanner.patterns[id as usize].rule))
        {
            return;
        }
        let bytes = self.text.as_bytes();
        if group.sparse {
            let triggers = marks.iter().copied().filter(|&at| {
                group.trigger.contains(bytes[at])
                    && group.beside.as_ref().is_none_or(|b| b.admits(bytes, at))
            });
            self.windows(group, triggers, set_cache, scratch);
        } else {
            let triggers = match &group.beside {
                Some(beside) => group.trigger.find_iter_beside(bytes, beside),
                None => group.trigger.find_iter(bytes),
            };
            self.windows(group, triggers, set_cache, scratch);
        }
    }

    /// Searches the window around each cluster of `triggers`, the positions
    /// of `group`'s trigger bytes in order.
    fn windows(
        &mut self,
        group: &TriggerGroup,
        mut triggers: impl Iterator<Item = usize>,
        set_cache: &mut Cache,
        scratch: &mut PatternScratch<'_>,
    ) {
        let bytes = self.text.as_bytes();
        let mut next = triggers.next();
        while let Some(first) = next {
            let (mut last, mut count) = (first, 1);
            next = loop {
                match triggers.next() {
                    Some(t) if t - last <= group.merge => (last, count) = (t, count + 1),
                    other => break other,
                }
            };
            if count < group.min_triggers {
                continue;
            }
            let (mut start, mut end) = (
                first.saturating_sub(group.lead),
                (last + group.trail + 1).min(bytes.len()),
            );
            if group.trim_to_held {
                let inside = |b: &&u8| group.held.contains(**b);
                start = first - bytes[start..first].iter().rev().take_while(inside).count();
                end = last + 1 + bytes[last + 1..end].iter().take_while(inside).count();
            }
            let start = floor_char_boundary(self.text, start);
            let end = ceil_char_boundary(self.text, end);
            let input = Input::new(self.text).span(start..end);
            if group.starts.as_ref().is_some_and(|starts| {
                let reach = (last + starts.max_pattern_len()).min(end);
                let window = aho_corasick::Input::new(bytes).span(start..reach);
                starts.find(window).is_none()
            }) {
                continue;
            }
            self.matching_patterns(&group.set, &group.patterns, set_cache, &input, scratch);
        }
    }

    /// Runs `set` over `input`, then each pattern it reports over the same span.
    fn matching_patterns(
        &mut self,
        set: &Regex,
        ids: &[u32],
        set_cache: &mut Cache,
        input: &Input<'_>,
        scratch: &mut PatternScratch<'_>,
    ) {
        let PatternScratch {
            caches,
            captures,
            which,
        } = scratch;
        which.clear();
        if ids.len() == 1 {
            // With one pattern, the set would only say what its own search
            // finds out as fast.
            which.insert(PatternID::ZERO);
        } else {
            // Most trigger windows hold no match at all: an earliest-match
            // test stops at the first match and runs the faster
            // non-overlapping search, so only spans with a match pay for the
            // overlapping one (for the whole-text set, the test costs the
            // bytes up to its first match).
            if !set.is_match_with(set_cache, input) {
                return;
            }
            set.which_overlapping_matches_with(set_cache, input, which);
        }
        for set_id in which.iter() {
            let id = ids[set_id.as_usize()];
            let pattern = &self.scanner.patterns[id as usize];
            if !self.enabled(pattern.rule) {
                continue;
            }
            let mut input = input.clone();
            while let Some(m) = pattern.regex.search_with(&mut caches[id as usize], &input) {
                self.candidate(id, m.start(), m.end(), caches, captures);
                if m.is_empty() {
                    let next = ceil_char_boundary(self.text, m.end() + 1);
                    if next >= input.end() {
                        break;
                    }
                    input.set_start(next);
                } else {
                    input.set_start(m.end());
                }
            }
        }
    }

    /// Narrows a pattern match to its `value` group, then checks it.
    fn candidate(
        &mut self,
        id: u32,
        start: usize,
        end: usize,
        caches: &mut [Cache],
        captures: &mut [Option<Captures>],
    ) {
        let pattern = &self.scanner.patterns[id as usize];
        let (mut start, mut end) = (start, end);
        if let (Some(group), Some(caps)) = (pattern.value_group, captures[id as usize].as_mut()) {
            let input = Input::new(self.text)
                .span(start..end)
                .anchored(Anchored::Yes);
            pattern
                .regex
                .search_captures_with(&mut caches[id as usize], &input, caps);
            match caps.get_group(group) {
                Some(span) => (start, end) = (span.start, span.end),
                None => return,
            }
        }
        if start == end {
            return;
        }
        let rule = &self.scanner.rules[pattern.rule as usize];
        let mut validated = false;
        if let Some((validator, _)) = rule.validator {
            if !validator.check_in(self.text, start, end) {
                return;
            }
            validated = true;
        }
        if let Some(min) = rule.min_entropy {
            if shannon_entropy(&self.text[start..end]) < min {
                return;
            }
            validated = true;
        }
        self.accept(
            pattern.rule,
            Some(pattern.index),
            None,
            start,
            end,
            validated,
        );
    }

    /// Applies allow-lists, context and the threshold; records the finding.
    fn accept(
        &mut self,
        rule_index: u32,
        pattern: Option<u16>,
        keyword: Option<u16>,
        start: usize,
        end: usize,
        validated: bool,
    ) {
        let rule = &self.scanner.rules[rule_index as usize];
        let value = &self.text[start..end];
        if rule.allow.iter().any(|a| a.eq_ignore_ascii_case(value))
            || self.options.allow_list.iter().any(|a| a == value)
        {
            return;
        }
        let mut score = rule.score;
        let context_word = rule.context.as_ref().and_then(|words| {
            let from = floor_char_boundary(self.text, start.saturating_sub(CONTEXT_BEFORE));
            let to = ceil_char_boundary(self.text, end + CONTEXT_AFTER);
            words.find(self.text, from, to)
        });
        if context_word.is_some() {
            // Rounded so that 0.6 + 0.35 reports as 0.95, not 0.95000005.
            score = ((score + rule.context_boost).min(1.0) * 1e4).round() / 1e4;
        }
        if score < self.options.score_threshold {
            return;
        }
        self.out.push(Finding {
            entity: rule.entity,
            recognizer: RecognizerId(rule_index),
            start: 0,
            end: 0,
            byte_start: start,
            byte_end: end,
            score,
            pattern,
            keyword,
            validated,
            context_word,
            decoded: DecodeChain::default(),
        });
    }
}

/// Whether byte `i` (a char boundary) is not inside a word: the characters
/// on its two sides are not both alphanumeric, in the Unicode sense of `\b`,
/// so that `secret` is not found inside `secretário`.
pub(crate) fn word_boundary(text: &str, i: usize) -> bool {
    let before = text[..i].chars().next_back();
    let after = text[i..].chars().next();
    !(before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric))
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}
