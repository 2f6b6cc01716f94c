//! Errors raised while loading rules and building a [`Scanner`](crate::Scanner).

use std::fmt;

/// An error from loading a rule file or compiling its recognizers.
///
/// It names where the problem is (the file, or `built-in`), the recognizer
/// id when one is involved, and why, so that a broken user rule can be fixed
/// without guessing:
///
/// ```
/// use palisade_engine::{ErrorKind, ScannerBuilder};
///
/// let err = ScannerBuilder::new()
///     .rules_toml("team.toml", r#"
///         [[recognizer]]
///         id = "ticket"
///         entity = "EMAIL_ADDRESS"
///         score = 0.5
///         patterns = ['TCK-(\d+']
///     "#)
///     .and_then(|b| b.build())
///     .unwrap_err();
/// assert_eq!(err.origin(), "team.toml");
/// assert_eq!(err.rule(), Some("ticket"));
/// assert!(matches!(err.kind(), ErrorKind::Regex(_)));
/// ```
#[derive(Debug, Clone)]
pub struct Error {
    origin: String,
    rule: Option<String>,
    kind: ErrorKind,
}

/// Why loading or compiling rules failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read.
    Io(String),
    /// The file is not valid TOML or has unknown or mistyped fields.
    Parse(String),
    /// A pattern is not a valid regular expression.
    Regex(String),
    /// A pattern compiles to an automaton larger than the size limit (bytes).
    TooLarge {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// An entity name that is neither built in nor declared in an `entities` list.
    UnknownEntity(String),
    /// A validator name that palisade does not have.
    UnknownValidator(String),
    /// A recognizer id, in `disable` or `overrides`, that no loaded file defines.
    UnknownRecognizer(String),
    /// Two recognizers share one id.
    DuplicateRecognizer,
    /// A field has a value outside its allowed range, or a recognizer is incomplete.
    Invalid(String),
}

impl Error {
    pub(crate) fn new(origin: &str, rule: Option<&str>, kind: ErrorKind) -> Error {
        Error {
            origin: origin.to_string(),
            rule: rule.map(str::to_string),
            kind,
        }
    }

    /// The rule file the error comes from, or `built-in`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The recognizer id involved, if any.
    pub fn rule(&self) -> Option<&str> {
        self.rule.as_deref()
    }

    /// Why it failed.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(rule) = &self.rule {
            write!(f, ": recognizer '{rule}'")?;
        }
        match &self.kind {
            ErrorKind::Io(e) => write!(f, ": cannot read: {e}"),
            ErrorKind::Parse(e) => write!(f, ": invalid rule file: {e}"),
            ErrorKind::Regex(e) => write!(f, ": invalid regex: {e}"),
            ErrorKind::TooLarge { limit } => {
                write!(f, ": pattern compiles to more than the {limit} byte size limit; simplify it (bounded repetitions multiply its size)")
            }
            ErrorKind::UnknownEntity(e) => {
                write!(
                    f,
                    ": unknown entity type '{e}' (declare new types in the file's `entities` list)"
                )
            }
            ErrorKind::UnknownValidator(v) => write!(f, ": unknown validator '{v}'"),
            ErrorKind::UnknownRecognizer(r) => write!(f, ": no recognizer with id '{r}'"),
            ErrorKind::DuplicateRecognizer => write!(f, ": id is defined twice"),
            ErrorKind::Invalid(e) => write!(f, ": {e}"),
        }
    }
}

impl std::error::Error for Error {}
