//! `palisade bench http`: a load generator for the HTTP API.
//!
//! Closed loop: `--connections` clients, each sending its next request when
//! the last one is answered. Open loop (`--rate`): requests leave on a fixed
//! schedule whether or not earlier ones were answered, and each latency
//! counts from the request's scheduled time, so a stall shows up as queueing
//! delay instead of silently lowering the load (coordinated omission).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use super::{host, latency_histogram, Host, Percentiles};
use crate::cli::BenchHttpArgs;

/// The built-in payload mix: the sample prompts and responses, and a 1 KB prompt.
const SAMPLES: &str = include_str!("../../testdata/samples/prompts.jsonl");
const PROMPT_1K: &str = include_str!("../../testdata/samples/prompt-1k.txt");

/// Requests waiting for a connection in open loop before new ones are
/// counted as `client_saturated` instead of sent: keeps the generator's
/// own memory bounded when the server falls behind.
const MAX_OUTSTANDING: usize = 16_384;

/// Clients walk the payload mix with a stride coprime to any small mix
/// size, so that at any moment they send different payloads.
const STRIDE: usize = 7919;

const PLOT_QUANTILES: [f64; 9] = [0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999];

#[derive(Serialize)]
struct Report {
    host: Host,
    url: String,
    mode: String,
    /// Requests per second offered (open loop only).
    #[serde(skip_serializing_if = "Option::is_none")]
    rate: Option<f64>,
    connections: usize,
    payloads: usize,
    mean_payload_bytes: usize,
    warmup_s: f64,
    duration_s: f64,
    /// Whether Ctrl-C cut the run short.
    interrupted: bool,
    requests: u64,
    throughput_per_s: f64,
    latency_ms: Percentiles,
    /// `[percentile, ms]` pairs for the percentile plot, up to p99.99.
    percentiles: Vec<(f64, f64)>,
    /// Responses by HTTP status; `error` for transport failures.
    statuses: BTreeMap<String, u64>,
    /// Open loop: requests not sent because MAX_OUTSTANDING were waiting.
    client_saturated: u64,
    /// Per second of the measured run: requests, p50 and p99 in ms.
    timeline: Vec<Second>,
}

#[derive(Serialize, Clone, Copy)]
struct Second {
    second: usize,
    requests: u64,
    p50_ms: f64,
    p99_ms: f64,
}

/// What every request of a run shares; `record` is off during warm-up.
struct Recorder {
    started: Instant,
    total: Histogram<u64>,
    seconds: Vec<Histogram<u64>>,
    statuses: BTreeMap<String, u64>,
    saturated: u64,
}

impl Recorder {
    fn new(started: Instant) -> Recorder {
        Recorder {
            started,
            total: latency_histogram(),
            seconds: Vec::new(),
            statuses: BTreeMap::new(),
            saturated: 0,
        }
    }

    fn record(&mut self, scheduled: Instant, latency: Duration, status: String) {
        let us = latency.as_micros() as u64;
        self.total.saturating_record(us);
        let second = scheduled.saturating_duration_since(self.started).as_secs() as usize;
        while self.seconds.len() <= second {
            self.seconds.push(latency_histogram());
        }
        self.seconds[second].saturating_record(us);
        *self.statuses.entry(status).or_default() += 1;
    }
}

pub fn run(args: BenchHttpArgs) -> Result<()> {
    if args.connections == 0 {
        bail!("--connections must be at least 1");
    }
    if args.rate.is_some_and(|r| r.is_nan() || r <= 0.0) {
        bail!("--rate must be above 0");
    }
    let payloads = payloads(args.corpus.as_deref(), &args.detectors)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(
            args.threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        )
        .enable_all()
        .build()?;
    let report = runtime.block_on(load(&args, payloads))?;
    super::emit(&report, args.json, print_table)?;
    if let Some(path) = &args.plot {
        plot(path, &report)
            .with_context(|| format!("{}: cannot write the plot", path.display()))?;
        eprintln!("palisade: plot written to {}", path.display());
    }
    Ok(())
}

/// Request bodies: `{"text", "direction"}` from a JSONL corpus (its `text`
/// field, `role: assistant` as output), or the built-in samples.
fn payloads(corpus: Option<&Path>, detectors: &[String]) -> Result<Vec<Vec<u8>>> {
    let owned;
    let (name, text) = match corpus {
        Some(path) => {
            owned = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            (path.display().to_string(), owned.as_str())
        }
        None => ("built-in samples".to_string(), SAMPLES),
    };
    let mut bodies = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let record: Value = serde_json::from_str(line)
            .with_context(|| format!("{name}:{}: malformed JSON", number + 1))?;
        let text = record["text"]
            .as_str()
            .with_context(|| format!("{name}:{}: no string field 'text'", number + 1))?;
        let direction = if record["role"] == "assistant" {
            "output"
        } else {
            "input"
        };
        bodies.push(body(text, direction, detectors));
    }
    if corpus.is_none() {
        bodies.push(body(PROMPT_1K.trim_end(), "input", detectors));
    }
    if bodies.is_empty() {
        bail!("{name}: no payloads");
    }
    Ok(bodies)
}

fn body(text: &str, direction: &str, detectors: &[String]) -> Vec<u8> {
    let mut body = json!({"text": text, "direction": direction});
    if !detectors.is_empty() {
        body["detectors"] = json!(detectors);
    }
    serde_json::to_vec(&body).expect("serializable")
}

async fn load(args: &BenchHttpArgs, payloads: Vec<Vec<u8>>) -> Result<Report> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections)
        .timeout(Duration::from_secs(30))
        .build()?;
    let url = args.url.trim_end_matches('/').to_string() + &args.path;
    let payloads: Arc<[Vec<u8>]> = payloads.into();
    let mean_payload_bytes = payloads.iter().map(Vec::len).sum::<usize>() / payloads.len();
    let stop = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let (stop, interrupted) = (stop.clone(), interrupted.clone());
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::Relaxed);
                stop.store(true, Ordering::Relaxed);
            }
        });
    }
    let sender = Sender {
        client,
        url: url.clone(),
        token: args.token.clone(),
        payloads: payloads.clone(),
    };
    let warmup = Duration::from_secs_f64(args.warmup);
    let duration = Duration::from_secs_f64(args.duration);
    if !warmup.is_zero() {
        eprintln!("palisade: warming up for {:.0} s", args.warmup);
        let recorder = Arc::new(Mutex::new(Recorder::new(Instant::now())));
        drive(args, &sender, warmup, &stop, recorder).await;
    }
    eprintln!(
        "palisade: measuring for {:.0} s (Ctrl-C stops early and prints what was measured)",
        args.duration
    );
    let started = Instant::now();
    let recorder = Arc::new(Mutex::new(Recorder::new(started)));
    drive(args, &sender, duration, &stop, recorder.clone()).await;
    let elapsed = started.elapsed().as_secs_f64();
    let recorder = std::mem::replace(&mut *recorder.lock().unwrap(), Recorder::new(started));
    if recorder.total.is_empty() {
        bail!("no request finished: is {url} up?");
    }
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1e3;
    let total = &recorder.total;
    Ok(Report {
        host: host(),
        url,
        mode: if args.rate.is_some() {
            "open"
        } else {
            "closed"
        }
        .into(),
        rate: args.rate,
        connections: args.connections,
        payloads: payloads.len(),
        mean_payload_bytes,
        warmup_s: args.warmup,
        duration_s: elapsed,
        interrupted: interrupted.load(Ordering::Relaxed),
        requests: total.len(),
        throughput_per_s: total.len() as f64 / elapsed,
        latency_ms: Percentiles::of(total),
        percentiles: PLOT_QUANTILES
            .iter()
            .map(|&q| (q * 100.0, ms(total, q)))
            .collect(),
        statuses: recorder.statuses,
        client_saturated: recorder.saturated,
        timeline: recorder
            .seconds
            .iter()
            .enumerate()
            .map(|(second, h)| Second {
                second,
                requests: h.len(),
                p50_ms: ms(h, 0.5),
                p99_ms: ms(h, 0.99),
            })
            .collect(),
    })
}

#[derive(Clone)]
struct Sender {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
    payloads: Arc<[Vec<u8>]>,
}

impl Sender {
    /// Sends payload `n` (modulo the mix); returns the status label.
    async fn send(&self, n: usize) -> String {
        let body = self.payloads[n % self.payloads.len()].clone();
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16().to_string();
                // Read the whole body: the server's work includes writing it.
                match response.bytes().await {
                    Ok(_) => status,
                    Err(_) => "error".into(),
                }
            }
            Err(_) => "error".into(),
        }
    }
}

async fn drive(
    args: &BenchHttpArgs,
    sender: &Sender,
    duration: Duration,
    stop: &Arc<AtomicBool>,
    recorder: Arc<Mutex<Recorder>>,
) {
    let until = Instant::now() + duration;
    match args.rate {
        None => {
            let clients: Vec<_> = (0..args.connections)
                .map(|c| {
                    let (sender, stop, recorder) = (sender.clone(), stop.clone(), recorder.clone());
                    tokio::spawn(async move {
                        let mut n = c;
                        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                            let sent = Instant::now();
                            let status = sender.send(n).await;
                            recorder
                                .lock()
                                .unwrap()
                                .record(sent, sent.elapsed(), status);
                            n += STRIDE;
                        }
                    })
                })
                .collect();
            for client in clients {
                let _ = client.await;
            }
        }
        Some(rate) => {
            // At most `connections` requests on the wire; the rest wait for a
            // slot, and that wait counts in their latency.
            let slots = Arc::new(Semaphore::new(args.connections));
            let outstanding = Arc::new(Semaphore::new(MAX_OUTSTANDING));
            let interval = Duration::from_secs_f64(1.0 / rate);
            let start = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            let mut n = 0usize;
            loop {
                let scheduled = start + interval * n as u32;
                if scheduled >= until || stop.load(Ordering::Relaxed) {
                    break;
                }
                tokio::time::sleep_until(scheduled.into()).await;
                let Ok(permit) = outstanding.clone().try_acquire_owned() else {
                    recorder.lock().unwrap().saturated += 1;
                    n += 1;
                    continue;
                };
                let (sender, slots, recorder) = (sender.clone(), slots.clone(), recorder.clone());
                tasks.spawn(async move {
                    let _permit = permit;
                    let _slot = slots.acquire().await.expect("never closed");
                    let status = sender.send(n).await;
                    recorder
                        .lock()
                        .unwrap()
                        .record(scheduled, scheduled.elapsed(), status);
                });
                while tasks.try_join_next().is_some() {}
                n += 1;
            }
            while tasks.join_next().await.is_some() {}
        }
    }
}

fn print_table(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    writeln!(
        out,
        "host:        {} ({} cores, {}/{})",
        r.host.cpu, r.host.cores, r.host.os, r.host.arch
    )?;
    let mode = match r.rate {
        Some(rate) => format!(
            "open loop at {rate:.0} req/s, at most {} connections",
            r.connections
        ),
        None => format!("closed loop, {} connections", r.connections),
    };
    writeln!(out, "target:      {} ({mode})", r.url)?;
    writeln!(
        out,
        "payloads:    {} bodies, {} bytes on average",
        r.payloads, r.mean_payload_bytes
    )?;
    writeln!(
        out,
        "run:         {:.1} s after {:.0} s of warm-up{}",
        r.duration_s,
        r.warmup_s,
        if r.interrupted {
            " (interrupted: partial result)"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "requests:    {} ({:.0} req/s)",
        r.requests, r.throughput_per_s
    )?;
    writeln!(out, "latency:     {}", r.latency_ms)?;
    let statuses: Vec<String> = r
        .statuses
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    writeln!(out, "statuses:    {}", statuses.join(", "))?;
    if r.client_saturated > 0 {
        writeln!(
            out,
            "not sent:    {} (the generator had {MAX_OUTSTANDING} requests waiting)",
            r.client_saturated
        )?;
    }
    Ok(())
}

/// Two panels: latency by percentile (log scale), and p50/p99 per second.
fn plot(path: &Path, r: &Report) -> Result<()> {
    use plotters::prelude::*;

    let root = SVGBackend::new(path, (1000, 800)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(400);
    let title = match r.rate {
        Some(rate) => format!("{} at {rate:.0} req/s (open loop)", r.url),
        None => format!("{}, {} connections (closed loop)", r.url, r.connections),
    };

    // x is the number of nines: 1 = p90, 2 = p99, 3 = p99.9.
    let points: Vec<(f64, f64)> = r
        .percentiles
        .iter()
        .map(|&(p, ms)| (-(1.0 - p / 100.0).log10(), ms))
        .collect();
    let max_ms = points.iter().map(|p| p.1).fold(r.latency_ms.max, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&top)
        .caption(
            format!("latency by percentile: {title}"),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..4.0, 0.0..max_ms)?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .y_desc("ms")
        .x_labels(5)
        .x_label_formatter(&|x: &f64| {
            let p = 100.0 * (1.0 - 10f64.powf(-x.round()));
            format!("p{}", (p * 100.0).round() / 100.0)
        })
        .draw()?;
    chart.draw_series(LineSeries::new(points.iter().copied(), &BLUE))?;
    chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, BLUE.filled())))?;

    let seconds = r.timeline.len().saturating_sub(1).max(1) as f64;
    let max_s = r.timeline.iter().map(|s| s.p99_ms).fold(1e-3, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&bottom)
        .caption("latency over time (p50 blue, p99 red)", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..seconds, 0.0..max_s)?;
    chart
        .configure_mesh()
        .x_desc("second")
        .y_desc("ms")
        .draw()?;
    chart.draw_series(LineSeries::new(
        r.timeline.iter().map(|s| (s.second as f64, s.p50_ms)),
        &BLUE,
    ))?;
    chart.draw_series(LineSeries::new(
        r.timeline.iter().map(|s| (s.second as f64, s.p99_ms)),
        &RED,
    ))?;
    root.present()?;
    Ok(())
}
