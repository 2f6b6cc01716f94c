//! The audit log: one JSON line per API request, metadata only.
//!
//! A record holds who called what, how big the input was, how long it took
//! and what was decided. It has no field that could hold request text or a
//! matched value: the types here cannot carry either.

use std::io::{self, BufWriter, Write};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use palisade_engine::{Action, Direction};
use serde::Serialize;

/// What a handler learned about a request, for its audit record. Handlers
/// put it in the response's extensions; the observing middleware writes it.
#[derive(Clone, Debug, Default)]
pub struct AuditFacts {
    /// `input` or `output`, for `/v1/scan`.
    pub direction: Option<Direction>,
    /// Input size in Unicode characters, all texts together.
    pub input_chars: usize,
    /// Texts in the request.
    pub texts: usize,
    /// Findings reported, all texts together.
    pub findings: usize,
    /// The strongest verdict over the texts, for `/v1/scan`.
    pub verdict: Option<Action>,
    /// Entity types and classifiers that triggered a verdict: names, never values.
    pub triggers: Vec<String>,
}

/// One line of the audit log.
#[derive(Serialize)]
pub struct AuditRecord<'a> {
    /// RFC 3339, UTC, milliseconds.
    #[serde(serialize_with = "display")]
    pub timestamp: humantime::Rfc3339Timestamp,
    /// Also sent back as `x-request-id`.
    pub request_id: &'a str,
    /// The key's name, `anonymous` with auth off, `null` when auth failed.
    pub key: Option<&'a str>,
    /// The key's organisation.
    pub org: Option<&'a str>,
    /// The route template, e.g. `/v1/scan`.
    pub endpoint: &'a str,
    /// The HTTP status sent.
    pub status: u16,
    /// Time from receipt to response, in milliseconds.
    pub latency_ms: f64,
    /// The rest, when the handler ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Input size in characters.
    pub input_chars: usize,
    /// Texts in the request.
    pub texts: usize,
    /// Findings reported.
    pub findings: usize,
    /// The verdict, for `/v1/scan`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Action>,
    /// What triggered the verdict.
    pub triggers: &'a [String],
}

fn display<S: serde::Serializer>(
    value: &humantime::Rfc3339Timestamp,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

impl AuditRecord<'_> {
    /// Now, for [`AuditRecord::timestamp`].
    pub fn now() -> humantime::Rfc3339Timestamp {
        humantime::format_rfc3339_millis(SystemTime::now())
    }

    /// Milliseconds, for [`AuditRecord::latency_ms`].
    pub fn millis(elapsed: Duration) -> f64 {
        (elapsed.as_secs_f64() * 1e6).round() / 1e3
    }
}

/// Where records go: buffered, flushed by [`AuditLog::flush`] (the server
/// does so every 200 ms and at shutdown), so a request never waits on a write.
pub struct AuditLog {
    out: Option<Mutex<BufWriter<Box<dyn Write + Send>>>>,
}

impl AuditLog {
    /// `stdout`, `off`, or a file path, appended to.
    pub fn open(path: &str) -> io::Result<AuditLog> {
        let out: Option<Box<dyn Write + Send>> = match path {
            "off" => None,
            "stdout" => Some(Box::new(io::stdout())),
            file => Some(Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(file)?,
            )),
        };
        Ok(AuditLog {
            out: out.map(|w| Mutex::new(BufWriter::with_capacity(64 << 10, w))),
        })
    }

    /// Whether records are written at all.
    pub fn enabled(&self) -> bool {
        self.out.is_some()
    }

    /// Appends one record.
    pub fn write(&self, record: &AuditRecord<'_>) {
        let Some(out) = &self.out else { return };
        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
        let written = serde_json::to_writer(&mut *out, record)
            .map_err(io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if let Err(e) = written {
            tracing::error!(error = %e, "cannot write the audit log");
        }
    }

    /// Writes out what is buffered.
    pub fn flush(&self) {
        let Some(out) = &self.out else { return };
        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = out.flush() {
            tracing::error!(error = %e, "cannot flush the audit log");
        }
    }
}
