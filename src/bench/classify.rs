//! `palisade bench classify`: classifier throughput and latency by batch
//! size and sequence length on the provider in use, then the dynamic batcher
//! under a fixed arrival rate (open loop: latency counts from each request's
//! scheduled send time, so queueing delay is measured, not hidden).

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use hdrhistogram::Histogram;
use palisade_models::{Batcher, Classifier, StatsSnapshot, BATCH_BUCKETS};
use serde::Serialize;

use super::{host, latency_histogram, progress_bar, Host, Percentiles};
use crate::cli::BenchClassifyArgs;

#[derive(Serialize)]
struct Report {
    host: Host,
    model: String,
    /// The ONNX file that the provider runs.
    model_file: String,
    provider: String,
    /// Most windows per inference call (the model config can lower --max-batch).
    windows_per_call: usize,
    grid: Vec<Cell>,
    #[serde(skip_serializing_if = "Option::is_none")]
    batcher: Option<BatcherResult>,
}

/// One (sequence length, batch size) point.
#[derive(Serialize)]
struct Cell {
    tokens: usize,
    batch: usize,
    /// Windows each text was cut into (more than one past the model's length).
    windows: usize,
    calls: usize,
    sequences_per_s: f64,
    /// Median time of one call (the whole batch), ms.
    p50_call_ms: f64,
    p99_call_ms: f64,
    /// Median call time divided by the batch size, ms.
    ms_per_sequence: f64,
}

#[derive(Serialize)]
struct BatcherResult {
    rate_per_s: f64,
    duration_s: f64,
    tokens: usize,
    sent: u64,
    answered: u64,
    refused: u64,
    achieved_per_s: f64,
    latency_ms: Percentiles,
    /// Mean time a request waited in the queue before its batch ran, ms.
    mean_queue_ms: f64,
    /// Batches by requests per batch: `1`, `2`, `3-4`, `5-8`, ...
    batch_sizes: Vec<(String, u64)>,
}

pub fn run(args: BenchClassifyArgs) -> Result<()> {
    if args.lengths.iter().chain(&args.batches).any(|&n| n == 0) {
        bail!("--lengths and --batches values must be at least 1");
    }
    if args.lengths.iter().any(|&n| n < 3) {
        bail!("--lengths values must be at least 3 (two special tokens and one word)");
    }
    // Large enough for every grid point and for the batcher under --rate.
    let max_batch = args
        .batches
        .iter()
        .copied()
        .chain([args.classifier.max_batch])
        .max()
        .unwrap_or(1);
    let mut classifier = args
        .classifier
        .classifier(max_batch)
        .context("classifiers unavailable")?;
    let progress = progress_bar((args.lengths.len() * args.batches.len()) as u64);
    let mut grid = Vec::new();
    for &tokens in &args.lengths {
        let text = text_of(&classifier, tokens)?;
        for &batch in &args.batches {
            progress.set_message(format!("{tokens} tokens, batch {batch}"));
            grid.push(measure(
                &mut classifier,
                &text,
                tokens,
                batch,
                args.seconds,
            )?);
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    let model = classifier.config().name.clone();
    let provider = classifier.provider().to_string();
    let model_file = classifier
        .config()
        .model_for(classifier.provider())
        .display()
        .to_string();
    let windows_per_call = classifier.max_batch();
    let batcher = match args.rate {
        Some(rate) if rate > 0.0 => Some(open_loop(classifier, &args, rate)?),
        Some(_) => bail!("--rate must be above 0"),
        None => None,
    };
    let report = Report {
        host: host(),
        model,
        model_file,
        provider,
        windows_per_call,
        grid,
        batcher,
    };
    super::emit(&report, args.json, print_table)?;
    Ok(())
}

/// A text of exactly `tokens` tokens, special tokens included.
fn text_of(classifier: &Classifier, tokens: usize) -> Result<String> {
    let special = classifier.tokenizer().prefix().len() + classifier.tokenizer().suffix().len();
    let text = "hello ".repeat(tokens.saturating_sub(special).max(1));
    let got = classifier.tokenizer().tokenize(&text)?.len() + special;
    if got != tokens {
        bail!("cannot build a {tokens}-token text with this tokenizer (got {got})");
    }
    Ok(text)
}

fn measure(
    classifier: &mut Classifier,
    text: &str,
    tokens: usize,
    batch: usize,
    seconds: f64,
) -> Result<Cell> {
    let texts = vec![text; batch];
    let windows = classifier.tokenizer().tokenize(text)?.window_count();
    classifier.classify(&texts)?; // warm-up: allocations and kernels
    let mut calls = Vec::new();
    let started = Instant::now();
    while calls.len() < 3 || started.elapsed().as_secs_f64() < seconds {
        let call = Instant::now();
        classifier.classify(&texts)?;
        calls.push(call.elapsed().as_secs_f64());
    }
    let total = started.elapsed().as_secs_f64();
    calls.sort_by(f64::total_cmp);
    let p50 = calls[calls.len() / 2];
    let p99 = calls[(calls.len() * 99 / 100).min(calls.len() - 1)];
    Ok(Cell {
        tokens,
        batch,
        windows,
        calls: calls.len(),
        sequences_per_s: (calls.len() * batch) as f64 / total,
        p50_call_ms: p50 * 1e3,
        p99_call_ms: p99 * 1e3,
        ms_per_sequence: p50 * 1e3 / batch as f64,
    })
}

/// Sends one request every `1/rate` seconds for `--duration` and records
/// each latency from its scheduled send time.
fn open_loop(classifier: Classifier, args: &BenchClassifyArgs, rate: f64) -> Result<BatcherResult> {
    let tokens = args.rate_tokens;
    let text = text_of(&classifier, tokens)?;
    let batcher = Batcher::spawn(classifier, args.classifier.batching());
    let interval = Duration::from_secs_f64(1.0 / rate);
    let duration = Duration::from_secs_f64(args.duration);
    let (tx, rx) = crossbeam_channel::unbounded::<(Instant, palisade_models::Pending)>();
    let collector = std::thread::spawn(move || -> Result<(Histogram<u64>, u64)> {
        let mut latencies = latency_histogram();
        let mut answered = 0;
        for (scheduled, pending) in rx {
            pending.wait()?;
            latencies.saturating_record(scheduled.elapsed().as_micros() as u64);
            answered += 1;
        }
        Ok((latencies, answered))
    });
    let started = Instant::now();
    let (mut sent, mut refused) = (0u64, 0u64);
    let mut next = started;
    while next.duration_since(started) < duration {
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        sent += 1;
        match batcher.submit(&text) {
            Ok(pending) => tx.send((next, pending)).expect("collector runs"),
            Err(palisade_models::Error::Overloaded { .. }) => refused += 1,
            Err(e) => return Err(e.into()),
        }
        next += interval;
    }
    drop(tx);
    let (latencies, answered) = collector.join().expect("collector thread")?;
    let elapsed = started.elapsed().as_secs_f64();
    let stats = batcher.stats();
    Ok(BatcherResult {
        rate_per_s: rate,
        duration_s: args.duration,
        tokens,
        sent,
        answered,
        refused,
        achieved_per_s: answered as f64 / elapsed,
        latency_ms: Percentiles::of(&latencies),
        mean_queue_ms: stats.queue_wait_us as f64 / 1e3 / stats.requests.max(1) as f64,
        batch_sizes: batch_histogram(&stats),
    })
}

fn batch_histogram(stats: &StatsSnapshot) -> Vec<(String, u64)> {
    (0..BATCH_BUCKETS)
        .filter(|&i| stats.batch_sizes[i] > 0)
        .map(|i| {
            let high = 1u64 << i;
            let low = (high >> 1) + 1;
            let label = match i {
                0 => "1".to_string(),
                _ if i == BATCH_BUCKETS - 1 => format!("{low}+"),
                _ if low == high => high.to_string(),
                _ => format!("{low}-{high}"),
            };
            (label, stats.batch_sizes[i])
        })
        .collect()
}

fn print_table(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let host = &report.host;
    writeln!(
        out,
        "host:     {} ({} cores, {}/{})",
        host.cpu, host.cores, host.os, host.arch
    )?;
    writeln!(
        out,
        "model:    {} on {} ({}, at most {} windows per call)",
        report.model, report.provider, report.model_file, report.windows_per_call
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:>7} {:>6} {:>8} {:>12} {:>10} {:>10} {:>9}",
        "tokens", "batch", "windows", "seq/s", "p50 ms", "p99 ms", "ms/seq"
    )?;
    for c in &report.grid {
        writeln!(
            out,
            "{:>7} {:>6} {:>8} {:>12.1} {:>10.2} {:>10.2} {:>9.2}",
            c.tokens,
            c.batch,
            c.windows,
            c.sequences_per_s,
            c.p50_call_ms,
            c.p99_call_ms,
            c.ms_per_sequence
        )?;
    }
    if let Some(b) = &report.batcher {
        writeln!(out)?;
        writeln!(
            out,
            "batcher:  {:.0} req/s offered for {:.0} s ({} tokens each): {} sent, {} answered, {} refused, {:.1} req/s",
            b.rate_per_s, b.duration_s, b.tokens, b.sent, b.answered, b.refused, b.achieved_per_s
        )?;
        writeln!(
            out,
            "latency:  {}; mean queue wait {:.2} ms",
            b.latency_ms, b.mean_queue_ms
        )?;
        let sizes: Vec<String> = b
            .batch_sizes
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        writeln!(out, "batches:  {}", sizes.join(", "))?;
    }
    Ok(())
}
