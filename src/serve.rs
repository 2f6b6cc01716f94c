//! `palisade serve`: the HTTP scoring API.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result};
use palisade_server::{Config, Server};
use tracing_subscriber::EnvFilter;

use crate::cli::ServeArgs;

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    // Logs go to stderr; the audit log (stdout by default) stays clean JSON.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_env("PALISADE_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
        config.server.tls_cert = Some(cert);
        config.server.tls_key = Some(key);
    }
    config.rules.extend(args.rules);
    if let Some(audit) = args.audit {
        config.audit.path = audit;
    }
    let audit = config.audit.path.clone();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = args.threads {
        runtime.worker_threads(threads);
    }
    let runtime = runtime
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let server = Server::bind(config).await?;
        let scheme = if server.tls() { "https" } else { "http" };
        tracing::info!(address = %server.local_addr(), scheme, audit = %audit, "palisade serve listening");
        if !server.auth_enabled() {
            tracing::warn!(
                "auth is OFF: no API keys are configured, which is allowed only on a loopback address"
            );
        }
        server.run(palisade_server::shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}
