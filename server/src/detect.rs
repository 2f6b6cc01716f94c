//! The detection side of the server: the compiled rules, the verdict policy,
//! the redaction operators, and per-thread scratch memory reused across
//! requests, so that a request allocates nothing per match.

use std::sync::Mutex;
use std::time::Instant;

use palisade_engine::{
    Finding, InjectionRules, Policies, Policy, Redactor, ScanOptions, Scanner, Scratch,
};

use crate::error::{ApiError, ErrorKind};
use crate::extract::Text;

/// The detectors a request may ask for: the rule engine (PII, secrets,
/// hidden text), the injection rules, and the classifiers.
pub const DETECTORS: &[&str] = &["pii", "injection_rules", "injection", "toxicity"];

/// The classifiers among [`DETECTORS`].
const CLASSIFIERS: &[&str] = &["injection", "toxicity"];

/// Scanner, injection rules, policy and operators, shared by every request.
pub struct Detection {
    /// The compiled rules.
    pub scanner: Scanner,
    /// The prompt-injection rules.
    pub injection: InjectionRules,
    /// Verdict policies, `default` and named ones.
    pub policies: Policies,
    /// Operators for `redact` verdicts and `/v1/redact` without its own.
    pub redactor: Redactor,
    scratch: Mutex<Vec<Scratch>>,
}

/// Which detectors one request runs, indexed like [`DETECTORS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detectors([bool; 4]);

impl Detectors {
    /// Parses a request's `detectors`; all of them when absent.
    pub fn parse(names: Option<&[String]>) -> Result<Detectors, ApiError> {
        let Some(names) = names else {
            return Ok(Detectors([true; 4]));
        };
        let mut on = [false; 4];
        for name in names {
            let index = DETECTORS.iter().position(|d| d == name).ok_or_else(|| {
                ApiError::new(
                    ErrorKind::UnknownName,
                    format!(
                        "unknown detector '{name}' (known: {})",
                        DETECTORS.join(", ")
                    ),
                )
            })?;
            on[index] = true;
        }
        Ok(Detectors(on))
    }

    /// Whether the rule engine runs.
    pub fn pii(self) -> bool {
        self.0[0]
    }

    /// Whether the injection rules run.
    pub fn injection_rules(self) -> bool {
        self.0[1]
    }

    /// The classifiers asked for, by name.
    pub fn classifier_names(self) -> impl Iterator<Item = &'static str> {
        let on = [self.0[2], self.0[3]];
        CLASSIFIERS
            .iter()
            .zip(on)
            .filter_map(|(name, on)| on.then_some(*name))
    }
}

impl Detection {
    /// Wraps a compiled scanner, policy and operators, with the built-in injection rules.
    pub fn new(scanner: Scanner, policies: Policies, redactor: Redactor) -> Detection {
        Detection {
            scanner,
            injection: InjectionRules::builtin(),
            policies,
            redactor,
            scratch: Mutex::new(Vec::new()),
        }
    }

    /// The policy a request names (the default when it names none); an
    /// unknown name is a 400.
    pub fn policy(&self, name: Option<&str>) -> Result<&Policy, ApiError> {
        self.policies.get(name).ok_or_else(|| {
            ApiError::new(
                ErrorKind::UnknownName,
                format!(
                    "unknown policy '{}' (configured: {})",
                    name.unwrap_or_default(),
                    self.policies.names().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    /// Scan options from a request's fields; an unknown entity name is a 400.
    pub fn options(
        &self,
        entities: Option<&[String]>,
        score_threshold: Option<f32>,
        allow_list: Option<Vec<String>>,
    ) -> Result<ScanOptions, ApiError> {
        let mut options = ScanOptions::default();
        if let Some(names) = entities {
            options.entities = Some(
                self.scanner
                    .entity_set(names.iter().map(String::as_str))
                    .map_err(|name| {
                        ApiError::new(
                            ErrorKind::UnknownName,
                            format!(
                                "unknown entity type '{name}' (GET /supportedentities lists them)"
                            ),
                        )
                    })?,
            );
        }
        if let Some(threshold) = score_threshold {
            if !(0.0..=1.0).contains(&threshold) {
                return Err(ApiError::new(
                    ErrorKind::Invalid,
                    "score_threshold must be within [0, 1]",
                ));
            }
            options.score_threshold = threshold;
        }
        options.allow_list = allow_list.unwrap_or_default();
        Ok(options)
    }

    /// Scans each text (when `run`; else reports no findings), handing its
    /// findings and the time the scan took to `each`; scratch memory and the
    /// findings buffer are reused across texts and requests.
    pub fn scan_each<T>(
        &self,
        texts: &[Text<'_>],
        options: &ScanOptions,
        run: bool,
        mut each: impl FnMut(&str, &[Finding], Instant) -> Result<T, ApiError>,
    ) -> Result<Vec<T>, ApiError> {
        let mut scratch = self
            .scratch
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(|| self.scanner.scratch());
        let mut findings = Vec::new();
        let mut out = Vec::with_capacity(texts.len());
        let mut result = Ok(());
        for text in texts {
            let started = Instant::now();
            if run {
                self.scanner
                    .scan_with(text, options, &mut scratch, &mut findings);
            }
            match each(text, &findings, started) {
                Ok(item) => out.push(item),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.scratch
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(scratch);
        result.map(|()| out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detectors_default_to_all_and_reject_unknown_names() {
        let all = Detectors::parse(None).unwrap();
        assert!(all.pii() && all.injection_rules());
        assert_eq!(
            all.classifier_names().collect::<Vec<_>>(),
            ["injection", "toxicity"]
        );
        let some = Detectors::parse(Some(&["toxicity".to_string()])).unwrap();
        assert!(!some.pii() && !some.injection_rules());
        assert_eq!(some.classifier_names().collect::<Vec<_>>(), ["toxicity"]);
        let err = Detectors::parse(Some(&["jailbreak".to_string()])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnknownName);
    }
}
