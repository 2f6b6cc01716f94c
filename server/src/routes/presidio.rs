//! Presidio-compatible routes, so that an existing Presidio client switches
//! by changing its URL: `POST /analyze`, `POST /anonymize`,
//! `GET /supportedentities`, `GET /recognizers`, `GET /health`.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use palisade_engine::{Redactor, Span};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::to_json;
use super::v1::operator_error;
use crate::audit::AuditFacts;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorKind};
use crate::extract::{JsonBody, Text};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalyzeRequest<'a> {
    #[serde(borrow)]
    text: Text<'a>,
    /// Required, as in Presidio; palisade's recognizers do not depend on it.
    language: String,
    entities: Option<Vec<String>>,
    #[serde(rename = "correlation_id")]
    _correlation_id: Option<IgnoredAny>,
    score_threshold: Option<f32>,
    #[serde(default)]
    return_decision_process: bool,
    allow_list: Option<Vec<String>>,
    allow_list_match: Option<String>,
    /// Present only to refuse it clearly rather than ignore it.
    ad_hoc_recognizers: Option<IgnoredAny>,
    /// Present only to refuse it clearly rather than ignore it.
    context: Option<IgnoredAny>,
}

/// One result in Presidio's `RecognizerResult` shape.
#[derive(Serialize)]
struct AnalyzerResult<'a> {
    entity_type: &'a str,
    start: usize,
    end: usize,
    score: f32,
    analysis_explanation: Option<DecisionProcess<'a>>,
    recognition_metadata: RecognitionMetadata<'a>,
}

#[derive(Serialize)]
struct RecognitionMetadata<'a> {
    recognizer_name: &'a str,
    recognizer_identifier: &'a str,
}

/// Presidio's `AnalysisExplanation`.
#[derive(Serialize)]
struct DecisionProcess<'a> {
    recognizer: &'a str,
    pattern_name: Option<&'a str>,
    pattern: Option<&'a str>,
    original_score: f32,
    score: f32,
    textual_explanation: Option<&'a str>,
    score_context_improvement: f32,
    supportive_context_word: &'a str,
    validation_result: Option<bool>,
}

/// `POST /analyze`: findings as a list of `{entity_type, start, end, score}`,
/// offsets in code points as Presidio reports them.
pub fn analyze(
    state: &AppState,
    _: &Caller,
    body: &JsonBody,
) -> Result<(Vec<u8>, AuditFacts), ApiError> {
    let request: AnalyzeRequest = body.parse()?;
    if request.language.is_empty() {
        return Err(ApiError::new(ErrorKind::Invalid, "language is empty"));
    }
    for (given, field) in [
        (request.ad_hoc_recognizers.is_some(), "ad_hoc_recognizers"),
        (request.context.is_some(), "context"),
        (
            request
                .allow_list_match
                .as_deref()
                .is_some_and(|m| m != "exact"),
            "allow_list_match other than \"exact\"",
        ),
    ] {
        if given {
            return Err(ApiError::new(
                ErrorKind::Invalid,
                format!("{field} is not supported by palisade; use a rule file instead"),
            ));
        }
    }
    let detection = &state.detection;
    let scanner = &detection.scanner;
    let options = detection.options(
        request.entities.as_deref(),
        request.score_threshold,
        request.allow_list,
    )?;
    let texts = [request.text];
    let mut facts = AuditFacts {
        texts: 1,
        ..AuditFacts::default()
    };
    let mut results = detection.scan_each(&texts, &options, true, |text, findings, _| {
        state.record(&mut facts, text, findings, None, &[]);
        let results: Vec<AnalyzerResult> = findings
            .iter()
            .map(|f| {
                let recognizer = scanner.recognizer_name(f.recognizer);
                let explanation = request.return_decision_process.then(|| {
                    let why = scanner.explain(f);
                    DecisionProcess {
                        recognizer,
                        pattern_name: Some(recognizer),
                        pattern: why.pattern.or(why.keyword),
                        original_score: why.base_score,
                        score: why.score,
                        textual_explanation: Some(scanner.recognizer_description(f.recognizer)),
                        score_context_improvement: why.score - why.base_score,
                        supportive_context_word: why.context_word.unwrap_or(""),
                        validation_result: why.validator.map(|_| why.validated),
                    }
                });
                AnalyzerResult {
                    entity_type: scanner.entity_name(f.entity),
                    start: f.start,
                    end: f.end,
                    score: f.score,
                    analysis_explanation: explanation,
                    recognition_metadata: RecognitionMetadata {
                        recognizer_name: recognizer,
                        recognizer_identifier: recognizer,
                    },
                }
            })
            .collect();
        to_json(&results)
    })?;
    Ok((results.pop().expect("one text"), facts))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnonymizeRequest<'a> {
    #[serde(borrow)]
    text: Text<'a>,
    anonymizers: Option<Redactor>,
    #[serde(default)]
    analyzer_results: Vec<AnalyzerSpan>,
}

/// An `/analyze` result given back; its extra fields are accepted so that
/// `/analyze` output can be passed on unchanged.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalyzerSpan {
    start: usize,
    end: usize,
    entity_type: String,
    #[serde(rename = "score")]
    _score: Option<IgnoredAny>,
    #[serde(rename = "analysis_explanation")]
    _analysis_explanation: Option<IgnoredAny>,
    #[serde(rename = "recognition_metadata")]
    _recognition_metadata: Option<IgnoredAny>,
}

/// `POST /anonymize`: replaces the given spans (code point offsets) with the
/// operators of their entity types. Any entity type is accepted here, as in
/// Presidio, since spans may come from other recognizers (e.g. PERSON).
pub fn anonymize(
    state: &AppState,
    _: &Caller,
    body: &JsonBody,
) -> Result<(Vec<u8>, AuditFacts), ApiError> {
    let request: AnonymizeRequest = body.parse()?;
    let redactor = match &request.anonymizers {
        Some(operators) => {
            operators.validate(|_| true).map_err(operator_error)?;
            operators
        }
        None => &state.detection.redactor,
    };
    let text: &str = &request.text;
    // Byte offset of each code point, and of the end.
    let bytes_at: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let spans = request
        .analyzer_results
        .iter()
        .map(|r| match (bytes_at.get(r.start), bytes_at.get(r.end)) {
            (Some(&byte_start), Some(&byte_end)) if r.start <= r.end => Ok(Span {
                entity: &r.entity_type,
                byte_start,
                byte_end,
            }),
            _ => Err(ApiError::new(
                ErrorKind::Invalid,
                format!(
                    "analyzer result [{}, {}) is not within the text's {} characters",
                    r.start,
                    r.end,
                    bytes_at.len() - 1
                ),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let facts = AuditFacts {
        texts: 1,
        input_chars: bytes_at.len() - 1,
        findings: spans.len(),
        ..AuditFacts::default()
    };
    let redacted = redactor
        .redact(text, spans)
        .map_err(|e| ApiError::new(ErrorKind::Invalid, e.to_string()))?;
    Ok((to_json(&redacted)?, facts))
}

/// `GET /supportedentities`: the entity types the loaded rules report.
pub async fn supported_entities(State(state): State<Arc<AppState>>) -> Json<Vec<String>> {
    let scanner = &state.detection.scanner;
    Json(
        scanner
            .supported_entities()
            .into_iter()
            .map(String::from)
            .collect(),
    )
}

/// `GET /recognizers`: the ids of the loaded recognizers.
pub async fn recognizers(State(state): State<Arc<AppState>>) -> Json<Vec<String>> {
    let scanner = &state.detection.scanner;
    Json(
        scanner
            .recognizers()
            .map(|(id, _, _)| id.to_string())
            .collect(),
    )
}

/// `GET /health`: Presidio's liveness probe, plain text.
pub async fn health() -> &'static str {
    "palisade service is up"
}
