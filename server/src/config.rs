//! The server's config file (`palisade serve --config palisade.toml`).
//!
//! Every section is optional; an unknown or mistyped field is an error that
//! names the file and the field, so a typo never silently falls back to a
//! default.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use palisade_engine::{PolicyConfig, Redactor};
use serde::Deserialize;

/// The whole config file.
///
/// ```
/// let config: palisade_server::Config = toml::from_str(r#"
///     [server]
///     listen = "0.0.0.0:8443"
///
///     [[keys]]
///     name = "gateway"
///     org = "acme"
///     tier = "pro"
///     sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
///
///     [policy.input]
///     block = ["PRIVATE_KEY"]
/// "#).unwrap();
/// assert_eq!(config.keys.len(), 1);
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listener, TLS, limits.
    #[serde(default)]
    pub server: ServerSection,
    /// Rule files added to the built-in recognizers, in order.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// API keys. None: auth is off, which is allowed only on a loopback address.
    #[serde(default)]
    pub keys: Vec<KeyConfig>,
    /// Rate and concurrency limits per tier, overriding the defaults.
    #[serde(default)]
    pub tiers: BTreeMap<String, TierConfig>,
    /// The default verdict policy, per direction.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Named policies a request may choose with `"policy": "NAME"`.
    #[serde(default)]
    pub policies: BTreeMap<String, PolicyConfig>,
    /// Redaction operators for a `redact` verdict and for `/v1/redact`, in
    /// Presidio's anonymizers shape: `DEFAULT = { type = "replace" }`.
    #[serde(default)]
    pub operators: Redactor,
    /// Where the audit log goes.
    #[serde(default)]
    pub audit: AuditConfig,
    /// The injection and toxicity classifiers.
    #[serde(default)]
    pub classifiers: ClassifierSection,
}

/// `[classifiers]`: the ONNX model behind the `injection` and `toxicity` scores.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierSection {
    /// Load the classifiers (default true). When they cannot load, the server
    /// still starts: scores are `null` with the reason, `/readyz` says why,
    /// and `fail_closed` policies block.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Refuse to start without the classifiers (default false).
    #[serde(default)]
    pub required: bool,
    /// Model config (TOML); default `models/guard.toml` of this checkout.
    #[serde(default = "palisade_models::default_config")]
    pub model_config: PathBuf,
    /// `libonnxruntime.so`; default the one `models/setup.sh` fetched.
    #[serde(default = "palisade_models::default_runtime")]
    pub onnxruntime: PathBuf,
    /// `auto` (CUDA when available), `cpu` or `cuda`.
    #[serde(default)]
    pub device: palisade_models::Device,
    /// Most windows per inference call (default 32).
    #[serde(default = "default_classifier_batch")]
    pub max_batch: usize,
    /// Longest a text waits for others to fill its batch, µs (default 2000).
    #[serde(default = "default_max_wait_us")]
    pub max_wait_us: u64,
    /// Texts that may wait for the classifier; more get 503 (default 1024).
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
}

impl Default for ClassifierSection {
    fn default() -> Self {
        ClassifierSection {
            enabled: true,
            required: false,
            model_config: palisade_models::default_config(),
            onnxruntime: palisade_models::default_runtime(),
            device: palisade_models::Device::Auto,
            max_batch: default_classifier_batch(),
            max_wait_us: default_max_wait_us(),
            queue_capacity: default_queue_capacity(),
        }
    }
}

impl ClassifierSection {
    /// Loads the model and starts its batcher.
    pub fn load(&self) -> Result<palisade_models::Batcher, palisade_models::Error> {
        let mut options = palisade_models::LoadOptions::new(&self.onnxruntime);
        options.device = self.device;
        let batching = palisade_models::BatcherConfig {
            max_batch: self.max_batch.max(1),
            max_wait: std::time::Duration::from_micros(self.max_wait_us),
            queue_capacity: self.queue_capacity.max(1),
        };
        palisade_models::Batcher::load(&self.model_config, &options, batching)
    }
}

fn default_true() -> bool {
    true
}
fn default_classifier_batch() -> usize {
    32
}
fn default_max_wait_us() -> u64 {
    2000
}
fn default_queue_capacity() -> usize {
    1024
}

/// `[server]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Address to listen on (default `127.0.0.1:8080`).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// PEM certificate chain; with `tls_key`, the server speaks HTTPS only.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Largest request body in bytes; larger ones get 413 (default 1 MiB).
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// Most texts in one batch request; more get 422 (default 256).
    #[serde(default = "default_max_batch_texts")]
    pub max_batch_texts: usize,
    /// Requests in flight across all callers before new ones get 503: shed
    /// load early rather than queue until everything times out (default 512).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// Per-request deadline in milliseconds; past it the caller gets 504 (default 5000).
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// How long a graceful shutdown waits for requests in flight, in seconds (default 30).
    #[serde(default = "default_shutdown_grace_s")]
    pub shutdown_grace_s: u64,
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            listen: default_listen(),
            tls_cert: None,
            tls_key: None,
            max_body_bytes: default_max_body_bytes(),
            max_batch_texts: default_max_batch_texts(),
            max_in_flight: default_max_in_flight(),
            request_timeout_ms: default_request_timeout_ms(),
            shutdown_grace_s: default_shutdown_grace_s(),
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_max_body_bytes() -> usize {
    1 << 20
}
fn default_max_batch_texts() -> usize {
    256
}
fn default_max_in_flight() -> usize {
    512
}
fn default_request_timeout_ms() -> u64 {
    5000
}
fn default_shutdown_grace_s() -> u64 {
    30
}

/// One API key, as `[[keys]]`. The key itself is never stored: only the
/// SHA-256 of the token (`printf %s "$TOKEN" | sha256sum`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// Shown in the audit log and metrics.
    pub name: String,
    /// The organisation the key belongs to, for the audit log.
    #[serde(default)]
    pub org: String,
    /// `free`, `standard`, `pro`, `enterprise` or a tier from `[tiers]`.
    #[serde(default = "default_tier")]
    pub tier: String,
    /// Lowercase hex SHA-256 of the bearer token.
    pub sha256: String,
    /// Endpoints this key may call (e.g. `["/v1/scan"]`); all when absent. Others get 403.
    pub endpoints: Option<Vec<String>>,
    /// Canary strings planted in this key's system prompts: an `output` scan
    /// that contains one (also encoded or obfuscated) is blocked (`canary_leak`).
    #[serde(default)]
    pub canaries: Vec<String>,
}

fn default_tier() -> String {
    "standard".into()
}

/// `[tiers.NAME]`: limits of the keys in one tier.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TierConfig {
    /// Sustained requests per minute per key; also the burst size.
    pub requests_per_minute: u32,
    /// Requests one key may have in flight at once.
    pub concurrency: u32,
}

/// The built-in tiers: free 20 req/min, standard 100, pro 500, enterprise 5,000.
pub fn default_tiers() -> BTreeMap<String, TierConfig> {
    [
        ("free", 20, 4),
        ("standard", 100, 16),
        ("pro", 500, 64),
        ("enterprise", 5000, 256),
    ]
    .into_iter()
    .map(|(name, rpm, concurrency)| {
        (
            name.to_string(),
            TierConfig {
                requests_per_minute: rpm,
                concurrency,
            },
        )
    })
    .collect()
}

/// `[audit]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// `stdout`, `off`, or a file path (appended to). Default `stdout`.
    #[serde(default = "default_audit_path")]
    pub path: String,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            path: default_audit_path(),
        }
    }
}

fn default_audit_path() -> String {
    "stdout".into()
}

/// A config file that could not be read or parsed.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ConfigError {
    path: String,
    reason: String,
}

impl Config {
    /// Reads and parses `path`. Relative paths inside (rules, TLS files, the
    /// audit file) are resolved against the config file's folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let error = |reason: String| ConfigError {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let mut config: Config = toml::from_str(&text).map_err(|e| error(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        config.rules.iter_mut().for_each(resolve);
        config.server.tls_cert.as_mut().map(resolve);
        config.server.tls_key.as_mut().map(resolve);
        resolve(&mut config.classifiers.model_config);
        resolve(&mut config.classifiers.onnxruntime);
        if !matches!(config.audit.path.as_str(), "stdout" | "off") {
            let mut audit = PathBuf::from(&config.audit.path);
            resolve(&mut audit);
            config.audit.path = audit.display().to_string();
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_errors_naming_the_file_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("palisade.toml");
        std::fs::write(&path, "[server]\nlisten_addr = '0.0.0.0:1'\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("palisade.toml"), "{err}");
        assert!(err.contains("listen_addr"), "{err}");
    }

    #[test]
    fn relative_paths_follow_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("palisade.toml");
        std::fs::write(
            &path,
            "rules = ['team.toml']\n[audit]\npath = 'audit.jsonl'\n",
        )
        .unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.rules, [dir.path().join("team.toml")]);
        assert_eq!(
            config.audit.path,
            dir.path().join("audit.jsonl").display().to_string()
        );
        assert_eq!(config.server.listen, default_listen());
    }
}
