//! palisade's HTTP scoring API for LLM gateways.
//!
//! # Overview
//!
//! * [`Config`]: the config file (`palisade.toml`): listener, TLS, rules,
//!   keys and tiers, policy, operators, audit log, limits.
//! * [`AppState`]: everything compiled from the config, shared by requests.
//! * [`router`]: the axum `Router`: `/v1/scan`, `/v1/redact`, the
//!   Presidio-compatible `/analyze`, `/anonymize`, `/supportedentities`,
//!   `/recognizers`, `/health`, and `/healthz`, `/readyz`, `/metrics`,
//!   `/openapi.json`.
//! * [`Server`]: binds, serves HTTP or HTTPS, and shuts down gracefully.
//!
//! # Example
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let server = palisade_server::Server::bind(palisade_server::Config::default()).await?;
//! println!("listening on {}", server.local_addr());
//! server.run(palisade_server::shutdown_signal()).await?;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod audit;
mod auth;
mod config;
mod detect;
mod error;
mod extract;
mod metrics;
mod middleware;
mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use palisade_engine::{Action, Finding, Policies, ScannerBuilder, Trigger};
use tokio::sync::Semaphore;

use palisade_models::Batcher;
use routes::{post_json, post_json_classified};

pub use audit::{AuditFacts, AuditLog};
pub use auth::{Caller, KeyError, KeyTable};
pub use config::{
    default_tiers, AuditConfig, ClassifierSection, Config, ConfigError, KeyConfig, ServerSection,
    TierConfig,
};
pub use detect::{Detection, DETECTORS};
pub use error::{ApiError, ErrorKind};
pub use metrics::Metrics;
pub use routes::ops::OPENAPI;

/// Everything compiled from the config, shared by every request.
pub struct AppState {
    /// Rules, policy and operators.
    pub detection: Detection,
    /// API keys and their limits.
    pub keys: KeyTable,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The audit log.
    pub audit: AuditLog,
    /// The classifiers' batcher, or why there is none.
    pub classifier: Result<Batcher, String>,
    in_flight: Arc<Semaphore>,
    max_batch_texts: usize,
    max_body_bytes: usize,
    request_timeout: Duration,
    started: Instant,
}

/// Why the server could not start. Each names the setting to change.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The config file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A rule file.
    #[error("rules: {0}")]
    Rules(#[from] palisade_engine::Error),
    /// The `[policy]` section or a `[policies.NAME]` one.
    #[error("policy '{0}': {1}")]
    Policy(String, palisade_engine::PolicyError),
    /// The `[operators]` section.
    #[error("operators: {0}")]
    Operators(#[from] palisade_engine::RedactError),
    /// A `[[keys]]` entry or a tier.
    #[error("keys: {0}")]
    Keys(#[from] KeyError),
    /// The audit log file.
    #[error("audit.path: {0}")]
    Audit(std::io::Error),
    /// The TLS certificate or key.
    #[error("tls: {0}")]
    Tls(String),
    /// No API keys on a non-loopback address.
    #[error("refusing to listen on {0} without API keys: add [[keys]] to the config, or listen on a loopback address")]
    AuthOff(SocketAddr),
    /// A zero limit in `[server]`.
    #[error("server.{0} must be at least 1")]
    ZeroLimit(&'static str),
    /// `[classifiers] required = true` and they did not load.
    #[error("classifiers: {0} (or set [classifiers] required = false to start without them)")]
    Classifiers(palisade_models::Error),
    /// The listener.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// The classifiers, or why they are unavailable: a failure to load stops
/// the start only when `[classifiers] required = true`.
fn load_classifier(section: &ClassifierSection) -> Result<Result<Batcher, String>, StartError> {
    if !section.enabled {
        return Ok(Err(
            "disabled in the config ([classifiers] enabled = false)".into(),
        ));
    }
    match section.load() {
        Ok(batcher) => {
            tracing::info!(provider = %batcher.provider(), "classifiers loaded");
            Ok(Ok(batcher))
        }
        Err(e) if section.required => Err(StartError::Classifiers(e)),
        Err(e) => {
            tracing::warn!(error = %e, "classifiers unavailable; scores will be null");
            Ok(Err(e.to_string()))
        }
    }
}

impl AppState {
    /// Compiles rules, policy, operators and keys, and opens the audit log.
    pub fn new(config: &Config) -> Result<AppState, StartError> {
        let server = &config.server;
        for (value, name) in [
            (server.max_body_bytes, "max_body_bytes"),
            (server.max_batch_texts, "max_batch_texts"),
            (server.max_in_flight, "max_in_flight"),
            (server.request_timeout_ms as usize, "request_timeout_ms"),
        ] {
            if value == 0 {
                return Err(StartError::ZeroLimit(name));
            }
        }
        if config.keys.is_empty() && !server.listen.ip().is_loopback() {
            return Err(StartError::AuthOff(server.listen));
        }
        let mut builder = ScannerBuilder::new();
        for path in &config.rules {
            builder = builder.rules_file(path)?;
        }
        let scanner = builder.build()?;
        let policies = Policies::compile(&config.policy, &config.policies, &scanner)
            .map_err(|(name, e)| StartError::Policy(name, e))?;
        config
            .operators
            .validate(|name| scanner.entities().any(|e| e == name))?;
        let mut tiers = default_tiers();
        tiers.extend(config.tiers.clone());
        Ok(AppState {
            detection: Detection::new(scanner, policies, config.operators.clone()),
            keys: KeyTable::new(&config.keys, &tiers)?,
            metrics: Metrics::new(),
            audit: AuditLog::open(&config.audit.path).map_err(StartError::Audit)?,
            classifier: load_classifier(&config.classifiers)?,
            in_flight: Arc::new(Semaphore::new(server.max_in_flight)),
            max_batch_texts: server.max_batch_texts,
            max_body_bytes: server.max_body_bytes,
            request_timeout: Duration::from_millis(server.request_timeout_ms),
            started: Instant::now(),
        })
    }

    /// Counts one scanned text into the audit facts and the metrics.
    fn record(
        &self,
        facts: &mut AuditFacts,
        text: &str,
        findings: &[Finding],
        verdict: Option<Action>,
        triggers: &[Trigger<'_>],
    ) {
        let scanner = &self.detection.scanner;
        facts.input_chars += palisade_kernels::count_chars(text.as_bytes());
        facts.findings += findings.len();
        for finding in findings {
            self.metrics
                .findings
                .with_label_values(&[scanner.entity_name(finding.entity)])
                .inc();
        }
        if let Some(verdict) = verdict {
            facts.verdict = facts.verdict.max(Some(verdict));
        }
        for trigger in triggers {
            let name = trigger.entity_type.unwrap_or(trigger.detector);
            if !facts.triggers.iter().any(|t| t == name) {
                facts.triggers.push(name.to_string());
            }
        }
    }
}

/// The application: every route with its layers.
pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/v1/scan", post_json_classified(routes::v1::scan))
        .route("/v1/redact", post_json(routes::v1::redact_texts))
        .route("/analyze", post_json(routes::presidio::analyze))
        .route("/anonymize", post_json(routes::presidio::anonymize))
        .route(
            "/supportedentities",
            get(routes::presidio::supported_entities),
        )
        .route("/recognizers", get(routes::presidio::recognizers))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::guard,
        ));
    let public = Router::new()
        .route("/health", get(routes::presidio::health))
        .route("/healthz", get(routes::ops::healthz))
        .route("/readyz", get(routes::ops::readyz))
        .route("/metrics", get(routes::ops::metrics))
        .route("/openapi.json", get(routes::ops::openapi));
    api.merge(public)
        .fallback(|| async { ApiError::new(ErrorKind::NotFound, "no such route") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .with_state(state)
}

/// A bound server, ready to run.
pub struct Server {
    listener: std::net::TcpListener,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    state: Arc<AppState>,
    grace: Duration,
}

impl Server {
    /// Compiles the config and binds its listen address (port 0 picks a free one).
    pub async fn bind(config: Config) -> Result<Server, StartError> {
        let state = Arc::new(AppState::new(&config)?);
        let tls = match (&config.server.tls_cert, &config.server.tls_key) {
            (Some(cert), Some(key)) => {
                // Either provider would do; install one so that no other crate's
                // feature choice can leave rustls without a default.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let loaded = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .map_err(|e| {
                        StartError::Tls(format!("{} / {}: {e}", cert.display(), key.display()))
                    })?;
                Some(loaded)
            }
            (None, None) => None,
            _ => {
                return Err(StartError::Tls(
                    "server.tls_cert and server.tls_key go together".into(),
                ))
            }
        };
        let listen = config.server.listen;
        let listener =
            std::net::TcpListener::bind(listen).map_err(|e| StartError::Bind(listen, e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| StartError::Bind(listen, e))?;
        Ok(Server {
            listener,
            tls,
            state,
            grace: Duration::from_secs(config.server.shutdown_grace_s),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Whether the server speaks HTTPS.
    pub fn tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Whether API keys are required.
    pub fn auth_enabled(&self) -> bool {
        self.state.keys.enabled()
    }

    /// Serves until `shutdown` completes, then stops accepting, lets the
    /// requests in flight finish (up to `shutdown_grace_s`) and flushes the
    /// audit log.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let handle = axum_server::Handle::new();
        let grace = self.grace;
        let stopper = handle.clone();
        tokio::spawn(async move {
            shutdown.await;
            stopper.graceful_shutdown(Some(grace));
        });
        let state = self.state.clone();
        let flusher = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            loop {
                tick.tick().await;
                state.audit.flush();
            }
        });
        let app = router(self.state.clone()).into_make_service();
        let served = match self.tls {
            Some(tls) => {
                axum_server::from_tcp_rustls(self.listener, tls)
                    .handle(handle)
                    .serve(app)
                    .await
            }
            None => {
                axum_server::from_tcp(self.listener)
                    .handle(handle)
                    .serve(app)
                    .await
            }
        };
        flusher.abort();
        self.state.audit.flush();
        served
    }
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
