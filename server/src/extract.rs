//! The request body extractor: content type, size limit and UTF-8 are
//! checked once, and the JSON is parsed in place so that request texts are
//! borrowed from the body rather than copied.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::Deserialize;

use crate::error::{ApiError, ErrorKind};

/// A JSON request body, checked to be `application/json`, within the body
/// limit, and UTF-8.
pub struct JsonBody(Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::new(
                ErrorKind::UnsupportedMediaType,
                "expected Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    ErrorKind::PayloadTooLarge,
                    "request body is over the size limit",
                )
            } else {
                ApiError::new(ErrorKind::MalformedJson, rejection.body_text())
            }
        })?;
        if let Err(e) = std::str::from_utf8(&bytes) {
            return Err(ApiError::new(
                ErrorKind::InvalidUtf8,
                format!(
                    "request body is not UTF-8: invalid byte at offset {}",
                    e.valid_up_to()
                ),
            ));
        }
        Ok(JsonBody(bytes))
    }
}

impl JsonBody {
    /// Parses the body. Syntax errors are 400 (`malformed_json`); valid JSON
    /// of the wrong shape (missing or unknown fields, wrong types) is 422.
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> Result<T, ApiError> {
        let text = std::str::from_utf8(&self.0).expect("checked when extracted");
        serde_json::from_str(text).map_err(|e| {
            let kind = match e.classify() {
                serde_json::error::Category::Data => ErrorKind::Invalid,
                _ => ErrorKind::MalformedJson,
            };
            ApiError::new(kind, e.to_string())
        })
    }
}

/// A request text, borrowed from the body unless JSON escapes forced a copy.
#[derive(Debug, serde::Deserialize)]
pub struct Text<'a>(#[serde(borrow)] pub std::borrow::Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// The texts of a request that takes `text` or `texts` (a batch), and
/// whether it was a batch.
pub fn texts<'a>(
    text: Option<Text<'a>>,
    texts: Option<Vec<Text<'a>>>,
    max_batch_texts: usize,
) -> Result<(Vec<Text<'a>>, bool), ApiError> {
    match (text, texts) {
        (Some(text), None) => Ok((vec![text], false)),
        (None, Some(texts)) if texts.is_empty() => {
            Err(ApiError::new(ErrorKind::Invalid, "'texts' is empty"))
        }
        (None, Some(texts)) if texts.len() > max_batch_texts => Err(ApiError::new(
            ErrorKind::Invalid,
            format!(
                "{} texts in one request; the limit is {max_batch_texts}",
                texts.len()
            ),
        )),
        (None, Some(texts)) => Ok((texts, true)),
        (Some(_), Some(_)) => Err(ApiError::new(
            ErrorKind::Invalid,
            "give either 'text' or 'texts', not both",
        )),
        (None, None) => Err(ApiError::new(
            ErrorKind::Invalid,
            "missing 'text' or 'texts'",
        )),
    }
}

impl JsonBody {
    /// Body size in bytes, to decide whether to scan off the async workers.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_borrowed_unless_escaped() {
        let body = r#"{"a": "plain text", "b": "line\nbreak"}"#;
        #[derive(serde::Deserialize)]
        struct Two<'a> {
            #[serde(borrow)]
            a: Text<'a>,
            #[serde(borrow)]
            b: Text<'a>,
        }
        let two: Two = serde_json::from_str(body).unwrap();
        assert!(matches!(two.a.0, std::borrow::Cow::Borrowed("plain text")));
        assert!(matches!(two.b.0, std::borrow::Cow::Owned(_)));
        assert_eq!(&*two.b, "line\nbreak");
    }
}
