//! Command-line flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Find PII and secrets in text at high throughput.
#[derive(Debug, Parser)]
#[command(name = "palisade", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files, directories or stdin; write one JSON line per record.
    ///
    /// Exit status: 0 success, 1 findings with --fail-on-findings, 2 usage,
    /// config or input error (a malformed record is an error only with --strict).
    Scan(ScanArgs),
    /// Serve the HTTP scoring API (`/v1/scan`, Presidio-compatible `/analyze`, ...).
    ///
    /// Listens on 127.0.0.1:8080 with the built-in rules unless the config
    /// says otherwise; stops gracefully on SIGTERM or Ctrl-C.
    Serve(ServeArgs),
    /// Measure throughput: `palisade bench scan`.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Config file (TOML): listener, TLS, rules, keys, tiers, policy, operators, audit.
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Address to listen on, overriding the config.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,

    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Rule file added after the config's (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Audit log: `stdout`, `off` or a file, overriding the config.
    #[arg(long, value_name = "DEST")]
    pub audit: Option<String>,

    /// Async worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Engine throughput over a corpus in memory, per thread count, and the
    /// cost of each recognizer.
    Scan(BenchScanArgs),
    /// Classifier sequences/s and latency by batch size and sequence length,
    /// and the dynamic batcher under a fixed arrival rate (--rate).
    Classify(BenchClassifyArgs),
    /// Load on the HTTP API: closed loop (connections) or open loop at a
    /// fixed arrival rate (--rate), with HDR latency percentiles.
    Http(BenchHttpArgs),
}

#[derive(Debug, Args)]
pub struct BenchHttpArgs {
    /// The server, e.g. http://127.0.0.1:8080
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,

    /// The route to load.
    #[arg(long, default_value = "/v1/scan")]
    pub path: String,

    /// Connections (closed loop: clients; open loop: most requests on the wire).
    #[arg(long, short, default_value_t = 64)]
    pub connections: usize,

    /// Open loop: send this many requests per second on a fixed schedule.
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,

    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,

    /// Seconds of load before measuring (not recorded).
    #[arg(long, default_value_t = 3.0)]
    pub warmup: f64,

    /// JSONL payloads (`text`, optional `role: assistant` for output); default
    /// the sample prompts and responses plus a 1 KB prompt.
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<PathBuf>,

    /// `detectors` sent with each request (comma-separated); the server's default when absent.
    #[arg(long, value_delimiter = ',')]
    pub detectors: Vec<String>,

    /// Bearer token for servers with API keys.
    #[arg(long, env = "PALISADE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Load-generator threads (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,

    /// Write an SVG plot: latency by percentile and over time.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchClassifyArgs {
    /// Sequence lengths in tokens, special tokens included; longer than the
    /// model's max_length means several windows per text.
    #[arg(long, value_delimiter = ',', default_value = "32,128,512")]
    pub lengths: Vec<usize>,

    /// Batch sizes (texts per inference call).
    #[arg(long, value_delimiter = ',', default_value = "1,8,32,128,256")]
    pub batches: Vec<usize>,

    /// Least time spent on each (length, batch) point, in seconds.
    #[arg(long, default_value_t = 1.0)]
    pub seconds: f64,

    /// Then offer this many requests per second to the dynamic batcher.
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,

    /// How long to offer --rate, in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,

    /// Tokens per request under --rate.
    #[arg(long, default_value_t = 32)]
    pub rate_tokens: usize,

    #[command(flatten)]
    pub classifier: ClassifierArgs,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchScanArgs {
    /// Corpus file (JSONL or text, gz/zst allowed); or use --generate.
    #[arg(required_unless_present = "generate", conflicts_with = "generate")]
    pub corpus: Option<PathBuf>,

    /// Generate this much prose with sparse PII instead (e.g. 64M, 1G).
    #[arg(long, value_name = "SIZE")]
    pub generate: Option<String>,

    /// Seed of the generated corpus.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Corpus format.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    pub format: Format,

    /// JSON field holding the text; dots address nested fields.
    #[arg(long, default_value = "text")]
    pub text_field: String,

    /// Thread counts to measure, comma-separated (default: 1, 2, 4, ... all cores).
    #[arg(long, value_delimiter = ',')]
    pub threads: Option<Vec<usize>>,

    /// Timed runs per thread count; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,

    /// Time reading and parsing the corpus file too, not only the scan.
    #[arg(long)]
    pub include_io: bool,

    /// Also time each recognizer alone (one thread) and report its share.
    #[arg(long)]
    pub per_recognizer: bool,

    /// Match engines to compare on the same rules, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "palisade")]
    pub backend: Vec<ScanBackend>,

    /// Rule files, as for `palisade scan`.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A match engine for `bench scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanBackend {
    /// Palisade's own prefilters and DFAs.
    Palisade,
    /// Hyperscan or Vectorscan (the `hyperscan` Cargo feature), with
    /// palisade's validators and scoring.
    Hyperscan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    /// Prompts.
    Input,
    /// Model responses.
    Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSONL for *.jsonl/*.ndjson/*.json (and stdin), text otherwise.
    Auto,
    /// One JSON object per line; the text is in --text-field.
    Jsonl,
    /// Plain text: one document per line, or per file with --whole-file.
    Text,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan (recursively); `-` is stdin. Gzip and
    /// zstd input is detected and decompressed.
    #[arg(default_value = "-")]
    pub paths: Vec<PathBuf>,

    /// Input format.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    pub format: Format,

    /// JSON field holding the text; dots address nested fields (`meta.body`).
    #[arg(long, default_value = "text")]
    pub text_field: String,

    /// JSON field holding the record id; the line number when absent.
    #[arg(long)]
    pub id_field: Option<String>,

    /// With --format text: each file is one document, not one per line.
    #[arg(long)]
    pub whole_file: bool,

    /// Rule file adding recognizers, overriding or disabling built-ins (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Report only these entity types (comma-separated). Unknown names are an error.
    #[arg(long, value_delimiter = ',')]
    pub entities: Vec<String>,

    /// Drop findings scoring below this.
    #[arg(long, default_value_t = palisade_engine::DEFAULT_SCORE_THRESHOLD)]
    pub score_threshold: f32,

    /// Add the redacted text to each output record as "redacted".
    #[arg(long)]
    pub redact: bool,

    /// Write each input record back unchanged but for this field, redacted
    /// (JSONL only; implies --redact). Usually the same as --text-field.
    #[arg(long, value_name = "FIELD")]
    pub in_place_field: Option<String>,

    /// JSON file of redaction operators per entity type, in Presidio's
    /// anonymizers shape: {"DEFAULT": {"type": "replace"}, "EMAIL_ADDRESS": {"type": "mask"}}.
    #[arg(long, value_name = "FILE")]
    pub operators: Option<PathBuf>,

    /// Add an explanation (pattern, validator, context word) to each finding.
    #[arg(long)]
    pub explain: bool,

    /// Detectors to run, comma-separated: `pii` (entities, secrets, hidden
    /// text; the default), `injection_rules`, the classifiers `injection` and
    /// `toxicity` (scores in "scores"), or `all`.
    #[arg(long, value_delimiter = ',', default_value = "pii")]
    pub detectors: Vec<String>,

    #[command(flatten)]
    pub classifier: ClassifierArgs,

    /// Policy file (TOML: `[input]`, `[output]`, `shadow`, as a server
    /// `[policy]` section): add a `verdict` and its `triggers` to each record.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Which way the texts flow, for --policy.
    #[arg(long, value_enum, default_value_t = DirectionArg::Input)]
    pub direction: DirectionArg,

    /// Write output here instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,

    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,

    /// Records per parallel batch.
    #[arg(long, default_value_t = 2048, hide = true)]
    pub batch_records: usize,

    /// Largest record (line or whole file) in bytes; larger ones are reported as errors.
    #[arg(long, default_value_t = 64 << 20)]
    pub max_record_bytes: usize,

    /// Stop at the first malformed record (exit 2) instead of reporting it and going on.
    #[arg(long)]
    pub strict: bool,

    /// Exit 1 when anything was found (for CI gates).
    #[arg(long)]
    pub fail_on_findings: bool,

    /// Print no summary at the end.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Where the classifiers come from (`--detectors injection,toxicity`).
#[derive(Args, Debug, Clone)]
pub struct ClassifierArgs {
    /// Classifier model config (TOML); `models/setup.sh` builds the default one.
    #[arg(long, value_name = "FILE", env = "PALISADE_MODEL_CONFIG", default_value_os_t = palisade_models::default_config())]
    pub model_config: PathBuf,

    /// ONNX Runtime shared library; `models/setup.sh` fetches the default one.
    #[arg(long, value_name = "FILE", env = "PALISADE_ORT_LIB", default_value_os_t = palisade_models::default_runtime())]
    pub onnxruntime: PathBuf,

    /// Where the classifiers run: CUDA when available (auto), or forced.
    #[arg(long, default_value = "auto", value_name = "auto|cpu|cuda")]
    pub device: palisade_models::Device,

    /// Most texts (windows) per inference call.
    #[arg(long, default_value_t = 32)]
    pub max_batch: usize,

    /// Longest a text waits for others to fill its batch, in microseconds.
    #[arg(long, default_value_t = 2000)]
    pub max_wait_us: u64,

    /// Texts that may wait for the classifier at once; more are refused.
    #[arg(long, default_value_t = 1024)]
    pub queue_capacity: usize,
}

impl ClassifierArgs {
    /// Loads the classifier and starts its batcher.
    pub fn load(&self) -> Result<palisade_models::Batcher, palisade_models::Error> {
        let classifier = self.classifier(self.max_batch)?;
        Ok(palisade_models::Batcher::spawn(classifier, self.batching()))
    }

    /// Loads the classifier alone, running up to `max_batch` windows per call.
    pub fn classifier(
        &self,
        max_batch: usize,
    ) -> Result<palisade_models::Classifier, palisade_models::Error> {
        let mut options = palisade_models::LoadOptions::new(&self.onnxruntime);
        options.device = self.device;
        options.max_batch = max_batch.max(1);
        let config = palisade_models::ModelConfig::from_file(&self.model_config)?;
        palisade_models::Classifier::load(config, &options)
    }

    /// The batcher's limits.
    pub fn batching(&self) -> palisade_models::BatcherConfig {
        palisade_models::BatcherConfig {
            max_batch: self.max_batch.max(1),
            max_wait: std::time::Duration::from_micros(self.max_wait_us),
            queue_capacity: self.queue_capacity.max(1),
        }
    }
}
