//! The palisade detection engine: finds PII and secrets in text in one
//! linear-time pass, and redacts them.
//!
//! # Overview
//!
//! * [`Scanner`]: the compiled rule set. Build it once ([`Scanner::builtin`]
//!   or [`ScannerBuilder`] for user rule files), share it between threads.
//! * [`Finding`]: what a scan reports: entity type, code point and byte
//!   offsets, score, recognizer. Plain data.
//! * [`Scratch`] and [`ScanOptions`]: per-thread memory and per-scan settings
//!   for [`Scanner::scan_with`], the allocation-free hot loop.
//! * [`Redactor`] and [`Operator`]: replace, redact, mask, hash, pseudonymize
//!   or encrypt what was found.
//! * [`Policy`]: findings and classifier scores become a [`Verdict`]
//!   (allow, redact or block) for an LLM gateway.
//! * [`InjectionRules`]: known prompt-injection phrasings, matched through
//!   obfuscation, giving the `injection_rules` score.
//! * [`Validator`]: the checksums and number-plan checks candidates must pass.
//! * [`Matcher`]: another match engine (Hyperscan, for comparison) behind
//!   the same rules and checks.
//!
//! # Example
//!
//! ```
//! use palisade_engine::{Redactor, Scanner, ScanOptions};
//!
//! let scanner = Scanner::builtin();
//! let text = "SSN 536-22-1234, key AKIAIOSFODNN7EXAMPLE";
//! let mut scratch = scanner.scratch();
//! let mut findings = Vec::new();
//! scanner.scan_with(text, &ScanOptions::default(), &mut scratch, &mut findings);
//! let types: Vec<&str> = findings.iter().map(|f| scanner.entity_name(f.entity)).collect();
//! assert_eq!(types, ["US_SSN", "AWS_ACCESS_KEY"]);
//!
//! let redacted = Redactor::default().redact_findings(&scanner, text, &findings).unwrap();
//! assert_eq!(redacted.text, "SSN <US_SSN>, key <AWS_ACCESS_KEY>");
//! ```
//!
//! # Rule files
//!
//! Recognizers are data: `rules/builtin.toml` in this crate is compiled in,
//! and user files add to it through [`ScannerBuilder::rules_file`]. The
//! format is described in the repository README and in [`ScannerBuilder`].
#![deny(missing_docs)]

mod automaton;
mod canary;
mod context;
mod decode;
mod entity;
mod error;
mod finding;
mod injection;
mod literals;
mod matcher;
mod normalize;
mod policy;
mod redact;
mod rules;
mod scanner;
mod trigger;
mod validate;

pub use canary::Canaries;
pub use decode::{DecodeChain, Encoding};
pub use entity::{EntityId, EntitySet, BUILTIN_ENTITIES};
pub use error::{Error, ErrorKind};
pub use finding::{Explanation, Finding, FindingView, RecognizerId};
pub use injection::{InjectionReport, InjectionRules, RuleMatch, Seen, BUILTIN_INJECTION_RULES};
pub use matcher::{MatchTarget, Matcher};
pub use normalize::{is_invisible, Normalized};
pub use palisade_kernels::Kernel;
pub use policy::{
    Action, Direction, DirectionPolicy, OnClassifierError, Policies, Policy, PolicyConfig,
    PolicyError, Signals, Trigger, Verdict, CLASSIFIERS,
};
pub use redact::{decrypt, Operator, RedactError, Redacted, RedactedItem, Redactor, Span};
pub use rules::BUILTIN_RULES;
pub use scanner::{ScanOptions, Scanner, ScannerBuilder, Scratch, DEFAULT_SCORE_THRESHOLD};
pub use validate::{shannon_entropy, Validator};

#[cfg(test)]
mod tests {
    /// axum state and rayon share a scanner between threads.
    #[test]
    fn public_types_are_send_sync() {
        fn assert_send_sync<T: Send + Sync + std::panic::UnwindSafe>() {}
        assert_send_sync::<crate::Scanner>();
        assert_send_sync::<crate::Finding>();
        assert_send_sync::<crate::Redactor>();
        fn assert_send<T: Send>() {}
        assert_send::<crate::Scratch>();
    }
}
