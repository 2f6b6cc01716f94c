//! Prometheus metrics, labelled by route template (`MatchedPath`), entity
//! type and verdict: never by anything taken from request text.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The server's metrics and the registry that renders them.
pub struct Metrics {
    registry: Registry,
    /// Requests by route and status.
    pub requests: IntCounterVec,
    /// Latency by route, in seconds.
    pub latency: HistogramVec,
    /// Findings by entity type.
    pub findings: IntCounterVec,
    /// Verdicts by direction and verdict.
    pub verdicts: IntCounterVec,
    /// Requests refused before running, by reason.
    pub refused: IntCounterVec,
    /// Texts per batch request.
    pub batch_texts: HistogramVec,
    /// Requests being served now.
    pub in_flight: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "palisade_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "palisade_http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route"],
        )
        .expect("valid metric");
        let findings = IntCounterVec::new(
            Opts::new("palisade_findings_total", "Findings by entity type"),
            &["entity_type"],
        )
        .expect("valid metric");
        let verdicts = IntCounterVec::new(
            Opts::new("palisade_verdicts_total", "Verdicts by direction"),
            &["direction", "verdict"],
        )
        .expect("valid metric");
        let refused = IntCounterVec::new(
            Opts::new(
                "palisade_requests_refused_total",
                "Requests refused before running: unauthorized, forbidden, rate_limited, overloaded",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let batch_texts = HistogramVec::new(
            HistogramOpts::new("palisade_batch_texts", "Texts per request").buckets(vec![
                1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 1024.0,
            ]),
            &["route"],
        )
        .expect("valid metric");
        let in_flight = IntGauge::new("palisade_http_in_flight", "Requests being served")
            .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(findings.clone()),
            Box::new(verdicts.clone()),
            Box::new(refused.clone()),
            Box::new(batch_texts.clone()),
            Box::new(in_flight.clone()),
        ] {
            registry.register(collector).expect("unique metric names");
        }
        Metrics {
            registry,
            requests,
            latency,
            findings,
            verdicts,
            refused,
            batch_texts,
            in_flight,
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding into a Vec does not fail");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}
