//! The dynamic batcher: many callers, one inference call per batch.
//!
//! One worker thread owns the [`Classifier`]. Callers tokenize on their own
//! thread, enqueue the tokens with a reply channel, and wait. The worker takes
//! the first waiting request, then keeps collecting until the batch holds
//! `max_batch` windows or `max_wait` has passed since that request arrived,
//! runs the batch, and answers each request on its own channel. The queue is
//! bounded: when it is full, `submit` fails at once with
//! [`Error::Overloaded`] instead of growing without limit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use tokio::sync::oneshot;

use crate::backend::{Classifier, Provider, Scores};
use crate::error::{Error, Result};
use crate::tokenize::{Tokens, WindowTokenizer};

/// Batching limits.
#[derive(Debug, Clone, Copy)]
pub struct BatcherConfig {
    /// Most windows in one inference call.
    pub max_batch: usize,
    /// Longest a request waits for company before its batch runs.
    pub max_wait: Duration,
    /// Requests that may wait at once; more are refused.
    pub queue_capacity: usize,
}

impl Default for BatcherConfig {
    fn default() -> Self {
        BatcherConfig {
            max_batch: 32,
            max_wait: Duration::from_micros(2_000),
            queue_capacity: 1_024,
        }
    }
}

struct Request {
    tokens: Tokens,
    enqueued: Instant,
    reply: oneshot::Sender<Result<Scores>>,
}

/// A shared handle to a classifier running on its own thread.
///
/// Cloning is cheap; the worker stops when the last handle is dropped.
///
/// ```no_run
/// use palisade_models::{Batcher, BatcherConfig, Classifier, LoadOptions, ModelConfig};
/// let config = ModelConfig::from_file("models/guard.toml".as_ref())?;
/// let classifier = Classifier::load(config, &LoadOptions::new("models/dist/libonnxruntime.so"))?;
/// let batcher = Batcher::spawn(classifier, BatcherConfig::default());
/// let scores = batcher.classify("What is the capital of France?")?;
/// assert!(scores.get("injection").unwrap() < 0.5);
/// # Ok::<(), palisade_models::Error>(())
/// ```
#[derive(Clone)]
pub struct Batcher {
    queue: Sender<Request>,
    tokenizer: Arc<WindowTokenizer>,
    names: Arc<[String]>,
    provider: Provider,
    capacity: usize,
    stats: Arc<Stats>,
}

/// A request in the queue; wait for its scores with [`Pending::wait`] or `.await`.
pub struct Pending(oneshot::Receiver<Result<Scores>>);

impl Pending {
    /// Blocks this thread until the scores arrive. Do not call it on an
    /// async runtime's worker thread; `.await` the pending request there.
    pub fn wait(self) -> Result<Scores> {
        self.0.blocking_recv().unwrap_or(Err(Error::Stopped))
    }
}

impl std::future::Future for Pending {
    type Output = Result<Scores>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.unwrap_or(Err(Error::Stopped)))
    }
}

impl Batcher {
    /// Starts the worker thread that owns `classifier`.
    pub fn spawn(classifier: Classifier, config: BatcherConfig) -> Self {
        let (queue, requests) = crossbeam_channel::bounded(config.queue_capacity.max(1));
        let stats = Arc::new(Stats::default());
        let batcher = Batcher {
            queue,
            tokenizer: classifier.tokenizer().clone(),
            names: classifier.score_names().into(),
            provider: classifier.provider(),
            capacity: config.queue_capacity.max(1),
            stats: stats.clone(),
        };
        thread::Builder::new()
            .name("palisade-classifier".into())
            .spawn(move || work(classifier, requests, config, &stats))
            .expect("spawning the classifier thread");
        batcher
    }

    /// Reads a model config, loads its classifier and starts its worker.
    pub fn load(
        config: &std::path::Path,
        options: &crate::LoadOptions,
        batching: BatcherConfig,
    ) -> Result<Self> {
        let config = crate::ModelConfig::from_file(config)?;
        let options = crate::LoadOptions {
            max_batch: batching.max_batch,
            ..options.clone()
        };
        Ok(Batcher::spawn(
            Classifier::load(config, &options)?,
            batching,
        ))
    }

    /// Tokenizes `text` on this thread and queues it.
    pub fn submit(&self, text: &str) -> Result<Pending> {
        let tokens = self.tokenizer.tokenize(text)?;
        let (reply, pending) = oneshot::channel();
        let request = Request {
            tokens,
            enqueued: Instant::now(),
            reply,
        };
        match self.queue.try_send(request) {
            Ok(()) => Ok(Pending(pending)),
            Err(TrySendError::Full(_)) => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                Err(Error::Overloaded {
                    capacity: self.capacity,
                })
            }
            Err(TrySendError::Disconnected(_)) => Err(Error::Stopped),
        }
    }

    /// Queues `text` and blocks until its scores arrive.
    pub fn classify(&self, text: &str) -> Result<Scores> {
        self.submit(text)?.wait()
    }

    /// The score names, in output order.
    pub fn score_names(&self) -> &[String] {
        &self.names
    }

    /// The execution provider the worker runs on.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// Counters since the worker started.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }
}

/// Batch sizes are counted in buckets of powers of two: 1, 2, 3-4, 5-8, … 257+.
pub const BATCH_BUCKETS: usize = 10;

#[derive(Default)]
struct Stats {
    batches: AtomicU64,
    requests: AtomicU64,
    windows: AtomicU64,
    refused: AtomicU64,
    queue_wait_us: AtomicU64,
    batch_sizes: [AtomicU64; BATCH_BUCKETS],
}

/// What the batcher has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Inference batches run.
    pub batches: u64,
    /// Requests answered.
    pub requests: u64,
    /// Windows scored.
    pub windows: u64,
    /// Requests refused because the queue was full.
    pub refused: u64,
    /// Total time requests waited in the queue before their batch ran, µs.
    pub queue_wait_us: u64,
    /// Requests per batch: bucket `i` counts batches of `2^(i-1)+1 ..= 2^i` requests.
    pub batch_sizes: [u64; BATCH_BUCKETS],
}

impl Stats {
    fn snapshot(&self) -> StatsSnapshot {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            batches: load(&self.batches),
            requests: load(&self.requests),
            windows: load(&self.windows),
            refused: load(&self.refused),
            queue_wait_us: load(&self.queue_wait_us),
            batch_sizes: std::array::from_fn(|i| load(&self.batch_sizes[i])),
        }
    }

    fn record(&self, batch: &[Request], started: Instant) {
        let windows: usize = batch.iter().map(|r| r.tokens.window_count()).sum();
        let waited: u128 = batch
            .iter()
            .map(|r| started.saturating_duration_since(r.enqueued).as_micros())
            .sum();
        let bucket =
            (batch.len().next_power_of_two().trailing_zeros() as usize).min(BATCH_BUCKETS - 1);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.requests
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.windows.fetch_add(windows as u64, Ordering::Relaxed);
        self.queue_wait_us
            .fetch_add(u64::try_from(waited).unwrap_or(u64::MAX), Ordering::Relaxed);
        self.batch_sizes[bucket].fetch_add(1, Ordering::Relaxed);
    }
}

fn work(
    mut classifier: Classifier,
    requests: Receiver<Request>,
    config: BatcherConfig,
    stats: &Stats,
) {
    let mut batch = Vec::new();
    while let Ok(first) = requests.recv() {
        let deadline = first.enqueued + config.max_wait;
        let mut windows = first.tokens.window_count();
        batch.push(first);
        while windows < config.max_batch {
            match requests.recv_deadline(deadline) {
                Ok(next) => {
                    windows += next.tokens.window_count();
                    batch.push(next);
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        // A caller that has given up (its receiver dropped) is not scored.
        batch.retain(|r| !r.reply.is_closed());
        if batch.is_empty() {
            continue;
        }
        stats.record(&batch, Instant::now());
        let tokens: Vec<&Tokens> = batch.iter().map(|r| &r.tokens).collect();
        match classifier.classify_tokens(&tokens) {
            Ok(scores) => {
                for (request, scores) in batch.drain(..).zip(scores) {
                    let _ = request.reply.send(Ok(scores));
                }
            }
            Err(error) => {
                for request in batch.drain(..) {
                    let _ = request.reply.send(Err(error.clone()));
                }
            }
        }
    }
}
