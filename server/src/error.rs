//! The one error type every handler and middleware returns, and the one
//! table that maps it to an HTTP status.
//!
//! Messages may quote the caller's own input back to the caller (a serde
//! error, an unknown entity name) but are never logged.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// What went wrong with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The body is not JSON.
    MalformedJson,
    /// The body is not UTF-8.
    InvalidUtf8,
    /// An entity type, detector or operator name the server does not know.
    UnknownName,
    /// No or an unknown bearer token.
    Unauthorized,
    /// A valid key that may not call this endpoint.
    Forbidden,
    /// No such route.
    NotFound,
    /// The body is over `max_body_bytes`.
    PayloadTooLarge,
    /// Not `application/json`.
    UnsupportedMediaType,
    /// Valid JSON that does not make a valid request.
    Invalid,
    /// The key's rate or concurrency limit.
    RateLimited,
    /// The server is at `max_in_flight`.
    Overloaded,
    /// The request ran past `request_timeout_ms`.
    Timeout,
    /// A bug or an I/O failure; the caller sees a generic message.
    Internal,
}

impl ErrorKind {
    /// The status and the stable `code` string clients switch on.
    fn status_code(self) -> (StatusCode, &'static str) {
        match self {
            ErrorKind::MalformedJson => (StatusCode::BAD_REQUEST, "malformed_json"),
            ErrorKind::InvalidUtf8 => (StatusCode::BAD_REQUEST, "invalid_utf8"),
            ErrorKind::UnknownName => (StatusCode::BAD_REQUEST, "unknown_name"),
            ErrorKind::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ErrorKind::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ErrorKind::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ErrorKind::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ErrorKind::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
            ErrorKind::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ErrorKind::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
            ErrorKind::Timeout => (StatusCode::GATEWAY_TIMEOUT, "timeout"),
            ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// An error response: `{"error": {"code", "message"}}`, plus `Retry-After`
/// for 429 and 503.
#[derive(Clone, Debug)]
pub struct ApiError {
    kind: ErrorKind,
    message: String,
    retry_after: Option<Duration>,
}

impl ApiError {
    /// An error of `kind` with a message for the caller.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ApiError {
        ApiError {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Asks the caller to wait this long (rounded up to whole seconds).
    pub fn retry_after(mut self, wait: Duration) -> ApiError {
        self.retry_after = Some(wait);
        self
    }

    /// The kind, for tests and metrics.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.kind.status_code();
        let message = if self.kind == ErrorKind::Internal {
            "internal error"
        } else {
            &self.message
        };
        let mut response = (
            status,
            axum::Json(Body {
                error: Inner { code, message },
            }),
        )
            .into_response();
        if let Some(wait) = self.retry_after {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }
}
