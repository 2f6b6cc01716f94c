//! Criterion bench of one HTTP request through the whole server stack but
//! the socket: middleware (request id, metrics, shedding, auth), body
//! extraction, the scan, the verdict, redaction and response serialization.
//! The loopback numbers with a real load generator come from
//! `benches/http/run.sh`.
//!
//! `cargo bench -p palisade-benches --bench server`

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use palisade_server::{router, AppState, Config};
use tower::ServiceExt;

const PROMPT: &str = include_str!("../../testdata/samples/prompt-1k.txt");

fn scan_request(c: &mut Criterion) {
    let mut config = Config::default();
    config.audit.path = "off".into();
    // The server stack alone; the classifiers have their own bench (models.rs).
    config.classifiers.enabled = false;
    let state = Arc::new(AppState::new(&config).expect("default config starts"));
    let app = router(state);
    let body = serde_json::to_vec(&serde_json::json!({"text": PROMPT.trim_end()})).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("server");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("v1_scan_1k", |b| {
        b.iter(|| {
            let request = Request::post("/v1/scan")
                .header("content-type", "application/json")
                .body(Body::from(body.clone()))
                .unwrap();
            let response = runtime.block_on(app.clone().oneshot(request)).unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let bytes = runtime
                .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
                .unwrap();
            // The email and the phone number, redacted.
            let json = std::str::from_utf8(&bytes).unwrap();
            assert!(json.contains("<EMAIL_ADDRESS>") && json.contains("<PHONE_NUMBER>"));
        })
    });
    group.finish();
}

criterion_group!(benches, scan_request);
criterion_main!(benches);
