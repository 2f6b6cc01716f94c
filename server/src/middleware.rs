//! Policy in layers, so handlers only extract, call the engine and convert.
//!
//! * [`observe`] wraps every route: request id, in-flight gauge, metrics by
//!   route template, and the audit record of API routes.
//! * [`guard`] wraps the API routes: load shedding, authentication, the
//!   key's rate and concurrency limits, and the request deadline.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::audit::{AuditFacts, AuditRecord};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorKind};
use crate::AppState;

/// The request id header, taken from the caller when it is a sane token,
/// generated otherwise, and always sent back.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Marks a response as an API call to audit, with the caller when known.
#[derive(Clone)]
struct Audited(Option<Arc<Caller>>);

/// Request id, metrics and audit for every route.
pub async fn observe(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .filter(|v| {
            v.len() <= 64
                && v.as_bytes()
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).expect("a UUID is ASCII")
        });
    state.metrics.in_flight.inc();
    let mut response = next.run(req).await;
    state.metrics.in_flight.dec();
    let elapsed = started.elapsed();
    let status = response.status();
    state
        .metrics
        .requests
        .with_label_values(&[route.as_str(), status.as_str()])
        .inc();
    state
        .metrics
        .latency
        .with_label_values(&[route.as_str()])
        .observe(elapsed.as_secs_f64());
    if let Some(Audited(caller)) = response.extensions_mut().remove::<Audited>() {
        let facts = response
            .extensions_mut()
            .remove::<AuditFacts>()
            .unwrap_or_default();
        if facts.texts > 0 {
            state
                .metrics
                .batch_texts
                .with_label_values(&[route.as_str()])
                .observe(facts.texts as f64);
        }
        state.audit.write(&AuditRecord {
            timestamp: AuditRecord::now(),
            request_id: request_id.to_str().expect("checked or generated as ASCII"),
            key: caller.as_deref().map(|c| c.name.as_str()),
            org: caller.as_deref().map(|c| c.org.as_str()),
            endpoint: &route,
            status: status.as_u16(),
            latency_ms: AuditRecord::millis(elapsed),
            direction: facts.direction,
            input_chars: facts.input_chars,
            texts: facts.texts,
            findings: facts.findings,
            verdict: facts.verdict,
            triggers: &facts.triggers,
        });
    }
    response
        .headers_mut()
        .insert(REQUEST_ID.clone(), request_id);
    response
}

/// Shedding, auth, limits and the deadline, for the API routes.
pub async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let refuse = |reason: &'static str, error: ApiError, caller: Option<Arc<Caller>>| {
        state.metrics.refused.with_label_values(&[reason]).inc();
        let mut response = error.into_response();
        response.extensions_mut().insert(Audited(caller));
        response
    };
    // Shed first: it is the cheapest check, and it protects the rest.
    let Ok(_in_flight) = state.in_flight.clone().try_acquire_owned() else {
        let error = ApiError::new(ErrorKind::Overloaded, "server is at its in-flight limit")
            .retry_after(std::time::Duration::from_secs(1));
        return refuse("overloaded", error, None);
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("", |p| p.as_str());
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    let caller = match state.keys.authenticate(authorization, route) {
        Ok(caller) => caller,
        Err(error) => {
            let reason = match error.kind() {
                ErrorKind::Forbidden => "forbidden",
                _ => "unauthorized",
            };
            return refuse(reason, error, None);
        }
    };
    let _admission = match caller.admit() {
        Ok(admission) => admission,
        Err(error) => return refuse("rate_limited", error, Some(caller)),
    };
    let mut req = req;
    req.extensions_mut().insert(caller.clone());
    let mut response = match tokio::time::timeout(state.request_timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            ErrorKind::Timeout,
            format!(
                "request took longer than the {} ms deadline",
                state.request_timeout.as_millis()
            ),
        )
        .into_response(),
    };
    response.extensions_mut().insert(Audited(Some(caller)));
    response
}
