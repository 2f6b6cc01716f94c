//! Operations: liveness, readiness, metrics and the API description.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};

use crate::AppState;

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 once everything configured is loaded (the server only
/// starts listening after the rules, policy and keys compiled), with what is
/// loaded and what is not available.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Json<Value> {
    let scanner = &state.detection.scanner;
    Json(json!({
        "status": "ready",
        "uptime_s": state.started.elapsed().as_secs(),
        "components": {
            "rules": {
                "ready": true,
                "recognizers": scanner.recognizers().count(),
                "entities": scanner.supported_entities().len(),
            },
            "classifiers": match &state.classifier {
                Ok(batcher) => json!({
                    "ready": true,
                    "provider": batcher.provider().to_string(),
                    "scores": batcher.score_names(),
                }),
                Err(reason) => json!({"ready": false, "reason": reason}),
            },
            "auth": {"enabled": state.keys.enabled()},
            "audit": {"enabled": state.audit.enabled()},
        }
    }))
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// The OpenAPI 3.1 description of every route, kept beside the code.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// `GET /openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
