//! palisade's own API: `POST /v1/scan` and `POST /v1/redact`.

use std::collections::BTreeMap;

use palisade_engine::{
    Action, Canaries, Direction, FindingView, Redactor, RuleMatch, Signals, Trigger,
};
use palisade_models::{Error as ModelError, Scores};
use serde::{Deserialize, Serialize};

use super::to_json;
use crate::audit::AuditFacts;
use crate::auth::Caller;
use crate::detect::Detectors;
use crate::error::{ApiError, ErrorKind};
use crate::extract::{texts, JsonBody, Text};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanRequest<'a> {
    #[serde(borrow)]
    text: Option<Text<'a>>,
    #[serde(borrow)]
    texts: Option<Vec<Text<'a>>>,
    #[serde(default)]
    direction: Direction,
    entities: Option<Vec<String>>,
    score_threshold: Option<f32>,
    detectors: Option<Vec<String>>,
    #[serde(default)]
    return_explanation: bool,
    allow_list: Option<Vec<String>>,
    /// Checked in `output` texts, with the key's own canaries.
    canaries: Option<Vec<String>>,
    /// A named policy from the config; the default when absent.
    policy: Option<String>,
}

#[derive(Serialize)]
struct ScanResult<'a> {
    findings: Vec<FindingView<'a>>,
    /// Per classifier asked for; `null` when it is unavailable.
    scores: BTreeMap<&'static str, Option<f32>>,
    /// Why a classifier asked for has no score.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    unavailable: BTreeMap<&'static str, &'a str>,
    /// The injection rules that matched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    injection_rules: Vec<RuleMatch<'a>>,
    verdict: Action,
    /// In shadow mode, the verdict the policy reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    shadow_verdict: Option<Action>,
    triggers: Vec<Trigger<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redacted: Option<String>,
    timings: Timings,
}

#[derive(Serialize)]
struct Timings {
    /// Scan, verdict and redaction of this text, in microseconds.
    scan_us: f64,
}

#[derive(Serialize)]
struct Batch<T> {
    results: Vec<T>,
}

/// `POST /v1/scan`: findings, classifier scores, a verdict and its triggers,
/// and the redacted text when the verdict is `redact`.
pub fn scan(
    state: &AppState,
    caller: &Caller,
    body: &JsonBody,
) -> Result<(Vec<u8>, AuditFacts), ApiError> {
    let request: ScanRequest = body.parse()?;
    let detection = &state.detection;
    let detectors = Detectors::parse(request.detectors.as_deref())?;
    let policy = detection.policy(request.policy.as_deref())?;
    let operators = policy
        .operators(request.direction)
        .unwrap_or(&detection.redactor);
    let options = detection.options(
        request.entities.as_deref(),
        request.score_threshold,
        request.allow_list,
    )?;
    let (texts, batch) = texts(request.text, request.texts, state.max_batch_texts)?;
    let direction = request.direction;
    let mut facts = AuditFacts {
        direction: Some(direction),
        texts: texts.len(),
        ..AuditFacts::default()
    };
    let classifiers: Vec<&'static str> = detectors.classifier_names().collect();
    let classified = classify(state, &classifiers, &texts)?;
    let mut next_text = 0;
    let canaries = canaries(direction, request.canaries.as_deref(), caller)?;
    let scanner = &detection.scanner;
    let results = detection.scan_each(
        &texts,
        &options,
        detectors.pii(),
        |text, findings, started| {
            let injection = detectors
                .injection_rules()
                .then(|| detection.injection.check(text));
            let outcome = classified.get(next_text);
            next_text += 1;
            let mut scores: Vec<(&'static str, Option<f32>)> = classifiers
                .iter()
                .map(|&name| {
                    (
                        name,
                        outcome
                            .and_then(|o| o.as_ref().ok())
                            .and_then(|s| s.get(name)),
                    )
                })
                .collect();
            let unavailable: BTreeMap<&'static str, &str> = match outcome {
                Some(Err(reason)) => classifiers.iter().map(|&n| (n, reason.as_str())).collect(),
                _ => BTreeMap::new(),
            };
            if let Some(report) = &injection {
                scores.push(("injection_rules", Some(report.score)));
            }
            let signals = Signals {
                text,
                findings,
                scores: &scores,
                canary_leak: canaries.as_ref().is_some_and(|c| c.leaked(text).is_some()),
            };
            let verdict = policy.decide(scanner, direction, &signals);
            let redacted = if verdict.verdict == Action::Redact {
                let to_redact = findings
                    .iter()
                    .filter(|f| policy.entity_action(direction, f.entity) == Action::Redact)
                    .map(|f| f.span(scanner));
                let mut out = String::with_capacity(text.len());
                operators
                    .redact_into(text, to_redact, &mut out)
                    .map_err(redact_error)?;
                Some(out)
            } else {
                None
            };
            // Shadow mode logs and counts what the policy decided.
            let decided = verdict.shadow_verdict.unwrap_or(verdict.verdict);
            state.record(&mut facts, text, findings, Some(decided), &verdict.triggers);
            state
                .metrics
                .verdicts
                .with_label_values(&[direction.name(), decided.name()])
                .inc();
            Ok(ScanResult {
                findings: findings
                    .iter()
                    .map(|f| f.view(scanner, request.return_explanation))
                    .collect(),
                scores: scores.iter().copied().collect(),
                unavailable,
                injection_rules: injection.map(|r| r.matches).unwrap_or_default(),
                verdict: verdict.verdict,
                shadow_verdict: verdict.shadow_verdict,
                triggers: verdict.triggers,
                redacted,
                timings: Timings {
                    scan_us: started.elapsed().as_secs_f64() * 1e6,
                },
            })
        },
    )?;
    respond(results, batch, facts)
}

/// Each text's classifier scores, or why it has none. All texts are queued
/// before any is awaited, so a batch request fills one inference batch.
fn classify(
    state: &AppState,
    names: &[&str],
    texts: &[Text<'_>],
) -> Result<Vec<Result<Scores, String>>, ApiError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let batcher = match &state.classifier {
        Ok(batcher) => batcher,
        Err(reason) => return Ok(texts.iter().map(|_| Err(reason.clone())).collect()),
    };
    let pending = texts
        .iter()
        .map(|text| match batcher.submit(text) {
            Ok(pending) => Ok(Ok(pending)),
            Err(e @ ModelError::Overloaded { .. }) => {
                Err(ApiError::new(ErrorKind::Overloaded, e.to_string()))
            }
            Err(e) => Ok(Err(e.to_string())),
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(pending
        .into_iter()
        .map(|p| p.and_then(|p| p.wait().map_err(|e| e.to_string())))
        .collect())
}

/// The canaries to look for: only in model output, the request's and the key's.
fn canaries(
    direction: Direction,
    requested: Option<&[String]>,
    caller: &Caller,
) -> Result<Option<Canaries>, ApiError> {
    let all: Vec<&str> = requested
        .unwrap_or_default()
        .iter()
        .chain(&caller.canaries)
        .map(String::as_str)
        .collect();
    if direction != Direction::Output || all.is_empty() {
        return Ok(None);
    }
    Canaries::new(all)
        .map(Some)
        .map_err(|e| ApiError::new(ErrorKind::Invalid, format!("canaries: {e}")))
}

/// Serializes one result, or a batch as `{"results": [...]}`.
fn respond<T: Serialize>(
    mut results: Vec<T>,
    batch: bool,
    facts: AuditFacts,
) -> Result<(Vec<u8>, AuditFacts), ApiError> {
    let json = if batch {
        to_json(&Batch { results })?
    } else {
        to_json(&results.pop().expect("one text"))?
    };
    Ok((json, facts))
}

fn redact_error(e: palisade_engine::RedactError) -> ApiError {
    ApiError::new(ErrorKind::Invalid, e.to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedactRequest<'a> {
    #[serde(borrow)]
    text: Option<Text<'a>>,
    #[serde(borrow)]
    texts: Option<Vec<Text<'a>>>,
    /// Presidio's anonymizers shape; the server's `[operators]` when absent.
    operators: Option<Redactor>,
    entities: Option<Vec<String>>,
    score_threshold: Option<f32>,
    allow_list: Option<Vec<String>>,
}

/// `POST /v1/redact`: every finding replaced by its entity type's operator.
pub fn redact_texts(
    state: &AppState,
    _: &Caller,
    body: &JsonBody,
) -> Result<(Vec<u8>, AuditFacts), ApiError> {
    let request: RedactRequest = body.parse()?;
    let detection = &state.detection;
    let scanner = &detection.scanner;
    let redactor = match &request.operators {
        Some(operators) => {
            operators
                .validate(|name| scanner.entities().any(|e| e == name))
                .map_err(operator_error)?;
            operators
        }
        None => &detection.redactor,
    };
    let options = detection.options(
        request.entities.as_deref(),
        request.score_threshold,
        request.allow_list,
    )?;
    let (texts, batch) = texts(request.text, request.texts, state.max_batch_texts)?;
    let mut facts = AuditFacts {
        texts: texts.len(),
        ..AuditFacts::default()
    };
    let results = detection.scan_each(&texts, &options, true, |text, findings, _| {
        state.record(&mut facts, text, findings, None, &[]);
        redactor
            .redact_findings(scanner, text, findings)
            .map_err(redact_error)
    })?;
    respond(results, batch, facts)
}

/// An operator that names an unknown entity type is a 400; a bad setting a 422.
pub(crate) fn operator_error(e: palisade_engine::RedactError) -> ApiError {
    let kind = match e {
        palisade_engine::RedactError::UnknownEntity(_) => ErrorKind::UnknownName,
        _ => ErrorKind::Invalid,
    };
    ApiError::new(kind, e.to_string())
}
