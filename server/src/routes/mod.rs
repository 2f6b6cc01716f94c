//! Handlers: extract, call the engine, convert. Nothing else lives here.

pub mod ops;
pub mod presidio;
pub mod v1;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::Extension;
use serde::Serialize;

use crate::audit::AuditFacts;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorKind};
use crate::extract::JsonBody;
use crate::AppState;

/// Bodies larger than this are parsed and scanned on the blocking pool, so
/// that they neither stall the async workers nor outlive the request deadline.
const OFFLOAD_BYTES: usize = 64 << 10;

/// What a JSON handler computes from the body: a response body and the
/// audit facts.
pub type Work = fn(&AppState, &Caller, &JsonBody) -> Result<(Vec<u8>, AuditFacts), ApiError>;

/// A `POST` route whose handler is `work`, run inline for small bodies and
/// on the blocking pool for large ones.
pub fn post_json(work: Work) -> MethodRouter<Arc<AppState>> {
    route(work, false)
}

/// Like [`post_json`], for a handler that may wait on the classifier's
/// batcher: while a classifier is loaded, it always runs on the blocking
/// pool, so that waiting for a batch never stalls an async worker.
pub fn post_json_classified(work: Work) -> MethodRouter<Arc<AppState>> {
    route(work, true)
}

fn route(work: Work, waits: bool) -> MethodRouter<Arc<AppState>> {
    post(
        move |State(state): State<Arc<AppState>>,
              Extension(caller): Extension<Arc<Caller>>,
              body: JsonBody| { run(state, caller, body, work, waits) },
    )
}

async fn run(
    state: Arc<AppState>,
    caller: Arc<Caller>,
    body: JsonBody,
    work: Work,
    waits: bool,
) -> Result<Response, ApiError> {
    let offload = body.len() > OFFLOAD_BYTES || (waits && state.classifier.is_ok());
    let (json, facts) = if offload {
        tokio::task::spawn_blocking(move || work(&state, &caller, &body))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "request task failed");
                ApiError::new(ErrorKind::Internal, "internal error")
            })??
    } else {
        work(&state, &caller, &body)?
    };
    let mut response = json_bytes(json);
    response.extensions_mut().insert(facts);
    Ok(response)
}

/// Serializes a response body.
fn to_json(value: &impl Serialize) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| {
        tracing::error!(error = %e, "cannot serialize a response");
        ApiError::new(ErrorKind::Internal, "internal error")
    })
}

fn json_bytes(json: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json,
    )
        .into_response()
}
