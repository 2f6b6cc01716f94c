//! palisade's own API: `POST /v1/scan` and `POST /v1/redact`.

use std::collections::BTreeMap;
use std::time::Instant;

use palisade_engine::{Action, Direction, FindingView, Redactor, Trigger};
use serde::{Deserialize, Serialize};

use super::to_json;
use crate::audit::AuditFacts;
use crate::detect::{Detectors, CLASSIFIERS_UNAVAILABLE};
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
}

#[derive(Serialize)]
struct ScanResult<'a> {
    findings: Vec<FindingView<'a>>,
    /// Per classifier asked for; `null` when it is unavailable.
    scores: BTreeMap<&'static str, Option<f32>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    unavailable: BTreeMap<&'static str, &'static str>,
    verdict: Action,
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
pub fn scan(state: &AppState, body: &JsonBody) -> Result<(Vec<u8>, AuditFacts), ApiError> {
    let request: ScanRequest = body.parse()?;
    let detection = &state.detection;
    let detectors = Detectors::parse(request.detectors.as_deref())?;
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
    let scores: Vec<(&'static str, Option<f32>)> = detectors
        .classifier_names()
        .map(|name| (name, None))
        .collect();
    let scanner = &detection.scanner;
    let results = detection.scan_each(&texts, &options, detectors.pii, |text, findings| {
        let started = Instant::now();
        let verdict = detection
            .policy
            .decide(scanner, direction, findings, &scores);
        let redacted = if verdict.verdict == Action::Redact {
            let to_redact = findings
                .iter()
                .filter(|f| detection.policy.entity_action(direction, f.entity) == Action::Redact)
                .map(|f| f.span(scanner));
            let mut out = String::with_capacity(text.len());
            detection
                .redactor
                .redact_into(text, to_redact, &mut out)
                .map_err(redact_error)?;
            Some(out)
        } else {
            None
        };
        state.record(
            &mut facts,
            text,
            findings,
            Some(verdict.verdict),
            &verdict.triggers,
        );
        state
            .metrics
            .verdicts
            .with_label_values(&[direction.name(), verdict.verdict.name()])
            .inc();
        Ok(ScanResult {
            findings: findings
                .iter()
                .map(|f| f.view(scanner, request.return_explanation))
                .collect(),
            scores: scores.iter().copied().collect(),
            unavailable: scores
                .iter()
                .map(|&(name, _)| (name, CLASSIFIERS_UNAVAILABLE))
                .collect(),
            verdict: verdict.verdict,
            triggers: verdict.triggers,
            redacted,
            timings: Timings {
                scan_us: started.elapsed().as_secs_f64() * 1e6,
            },
        })
    })?;
    respond(results, batch, facts)
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
pub fn redact_texts(state: &AppState, body: &JsonBody) -> Result<(Vec<u8>, AuditFacts), ApiError> {
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
    let results = detection.scan_each(&texts, &options, true, |text, findings| {
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
