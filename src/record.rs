//! One record: parse, scan, redact, and render its output line.

use std::borrow::Cow;

use palisade_engine::{
    Direction, EntityId, Finding, FindingView, InjectionReport, InjectionRules, Policy, Redactor,
    ScanOptions, Scanner, Scratch, Signals, Verdict,
};
use palisade_models::Batcher;
use serde::Serialize;
use serde_json::Value;

use crate::input::RawRecord;

/// What every record of a run shares.
pub struct Job<'a> {
    pub scanner: &'a Scanner,
    pub options: &'a ScanOptions,
    pub source: &'a str,
    pub jsonl: bool,
    pub text_field: Vec<&'a str>,
    pub id_field: Option<Vec<&'a str>>,
    pub redactor: Option<&'a Redactor>,
    pub in_place_field: Option<Vec<&'a str>>,
    pub explain: bool,
    /// Whether the rule engine runs (`--detectors`).
    pub run_pii: bool,
    pub injection: Option<&'a InjectionRules>,
    /// The classifier and the scores `--detectors` asked for.
    pub classifier: Option<(&'a Batcher, &'a [&'static str])>,
    pub policy: Option<(&'a Policy, Direction)>,
}

/// A record's output line and what the summary counts.
pub struct Outcome {
    /// The JSON output line; `None` for a blank JSONL line, which holds no record.
    pub line: Option<String>,
    pub entities: Vec<EntityId>,
    /// Set when the record could not be scanned; the line then carries `error`.
    pub error: Option<String>,
    pub lossy: bool,
}

#[derive(Serialize)]
struct OutRecord<'a> {
    id: Cow<'a, Value>,
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<Vec<FindingView<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redacted: Option<String>,
    /// `injection_rules` and its matches, with `--detectors injection_rules`.
    #[serde(skip_serializing_if = "Option::is_none")]
    injection_rules: Option<InjectionReport<'a>>,
    /// Classifier probabilities, with `--detectors injection,toxicity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    scores: Option<serde_json::Map<String, Value>>,
    /// The verdict and its triggers, with `--policy`.
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    verdict: Option<Verdict<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

pub fn get_path<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn get_path_mut<'v>(value: &'v mut Value, path: &[&str]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, key| v.get_mut(key))
}

impl Job<'_> {
    pub fn process(
        &self,
        raw: &RawRecord,
        scratch: &mut Scratch,
        findings: &mut Vec<Finding>,
    ) -> Outcome {
        let line_id = Value::from(raw.line);
        if raw.too_large {
            return self.error_outcome(
                Cow::Owned(line_id),
                "record larger than --max-record-bytes".into(),
                false,
            );
        }
        let text = String::from_utf8_lossy(&raw.bytes);
        let lossy = matches!(text, Cow::Owned(_));
        if self.jsonl && text.trim().is_empty() {
            return Outcome {
                line: None,
                entities: Vec::new(),
                error: None,
                lossy,
            };
        }
        if !self.jsonl {
            return self.scan_text(Cow::Owned(line_id), &text, None, scratch, findings, lossy);
        }
        let mut record: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                return self.error_outcome(
                    Cow::Owned(line_id),
                    format!("malformed JSON: {e}"),
                    lossy,
                )
            }
        };
        let id = match &self.id_field {
            Some(path) => match get_path(&record, path) {
                Some(id) => id.clone(),
                None => {
                    return self.error_outcome(
                        Cow::Owned(line_id),
                        format!("no id field '{}'", path.join(".")),
                        lossy,
                    )
                }
            },
            None => line_id,
        };
        let body = match get_path(&record, &self.text_field) {
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                return self.error_outcome(
                    Cow::Owned(id),
                    format!("field '{}' is not a string", self.text_field.join(".")),
                    lossy,
                )
            }
            None => {
                return self.error_outcome(
                    Cow::Owned(id),
                    format!("no text field '{}'", self.text_field.join(".")),
                    lossy,
                )
            }
        };
        self.scan_text(
            Cow::Owned(id),
            &body,
            Some(&mut record),
            scratch,
            findings,
            lossy,
        )
    }

    fn scan_text(
        &self,
        id: Cow<'_, Value>,
        text: &str,
        record: Option<&mut Value>,
        scratch: &mut Scratch,
        findings: &mut Vec<Finding>,
        lossy: bool,
    ) -> Outcome {
        if self.run_pii {
            self.scanner
                .scan_with(text, self.options, scratch, findings);
        } else {
            findings.clear();
        }
        let injection = self.injection.map(|rules| rules.check(text));
        let classified = match self.classifier.map(|(batcher, _)| batcher.classify(text)) {
            None => None,
            Some(Ok(scores)) => Some(scores),
            Some(Err(e)) => {
                return self.error_outcome(id, format!("classifier failed: {e}"), lossy)
            }
        };
        let verdict = self.policy.map(|(policy, direction)| {
            let mut scores: Vec<(&str, Option<f32>)> = Vec::with_capacity(3);
            if let Some(r) = &injection {
                scores.push(("injection_rules", Some(r.score)));
            }
            if let (Some(c), Some((_, names))) = (&classified, self.classifier) {
                scores.extend(names.iter().map(|&n| (n, c.get(n))));
            }
            let signals = Signals {
                text,
                findings,
                scores: &scores,
                canary_leak: false,
            };
            policy.decide(self.scanner, direction, &signals)
        });
        let entities = findings.iter().map(|f| f.entity).collect();
        let redacted = match self
            .redactor
            .map(|r| r.redact_findings(self.scanner, text, &*findings))
        {
            None => None,
            Some(Ok(r)) => Some(r.text),
            Some(Err(e)) => return self.error_outcome(id, format!("redaction failed: {e}"), lossy),
        };
        if let (Some(path), Some(record), Some(redacted)) =
            (&self.in_place_field, record, &redacted)
        {
            return match get_path_mut(record, path) {
                Some(slot @ Value::String(_)) => {
                    *slot = Value::String(redacted.clone());
                    Outcome {
                        line: Some(record.to_string()),
                        entities,
                        error: None,
                        lossy,
                    }
                }
                _ => self.error_outcome(
                    id,
                    format!(
                        "in-place field '{}' is missing or not a string",
                        path.join(".")
                    ),
                    lossy,
                ),
            };
        }
        let out = OutRecord {
            id,
            source: self.source,
            findings: Some(
                findings
                    .iter()
                    .map(|f| f.view(self.scanner, self.explain))
                    .collect(),
            ),
            redacted,
            injection_rules: injection,
            scores: classified
                .as_ref()
                .zip(self.classifier)
                .map(|(c, (_, names))| {
                    names
                        .iter()
                        .map(|&n| (n.to_string(), c.get(n).map_or(Value::Null, probability)))
                        .collect()
                }),
            verdict,
            error: None,
        };
        Outcome {
            line: Some(serde_json::to_string(&out).expect("serializable")),
            entities,
            error: None,
            lossy,
        }
    }

    fn error_outcome(&self, id: Cow<'_, Value>, message: String, lossy: bool) -> Outcome {
        let out = OutRecord {
            id,
            source: self.source,
            findings: None,
            redacted: None,
            injection_rules: None,
            scores: None,
            verdict: None,
            error: Some(&message),
        };
        Outcome {
            line: Some(serde_json::to_string(&out).expect("serializable")),
            entities: Vec::new(),
            error: Some(message),
            lossy,
        }
    }
}

/// A probability as JSON, to six decimals: float noise beyond that means nothing.
fn probability(p: f32) -> Value {
    Value::from((f64::from(p) * 1e6).round() / 1e6)
}
