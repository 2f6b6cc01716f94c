//! `palisade bench`: reproducible throughput and latency numbers.

pub mod classify;
pub mod http;
pub mod scan;

use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// The machine a result was measured on, printed with every report.
#[derive(Serialize)]
pub struct Host {
    pub cpu: String,
    pub cores: usize,
    pub simd: &'static str,
    pub os: &'static str,
    pub arch: &'static str,
}

pub fn host() -> Host {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    Host {
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        simd: palisade_kernels::simd_level(),
        os: std::env::consts::OS,
        arch: std::env::consts::ARCH,
    }
}

/// A bar over a known number of passes.
pub fn progress_bar(passes: u64) -> ProgressBar {
    let progress = ProgressBar::new(passes);
    progress.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").expect("valid template"),
    );
    progress
}

/// Prints a report as pretty JSON, or as the command's table.
pub fn emit<R: Serialize>(
    report: &R,
    json: bool,
    table: fn(&mut std::io::StdoutLock<'static>, &R) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        std::io::Write::write_all(&mut out, b"\n")?;
    } else {
        table(&mut out, report)?;
    }
    Ok(())
}

/// A histogram of latencies in microseconds, from 1 µs to an hour.
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds")
}

/// Latency percentiles in milliseconds, read off a µs histogram.
#[derive(Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

impl Percentiles {
    pub fn of(h: &Histogram<u64>) -> Percentiles {
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1e3;
        Percentiles {
            p50: ms(0.5),
            p90: ms(0.9),
            p99: ms(0.99),
            p999: ms(0.999),
            max: h.max() as f64 / 1e3,
            mean: h.mean() / 1e3,
        }
    }
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.2} ms  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  mean {:.2}",
            self.p50, self.p90, self.p99, self.p999, self.max, self.mean
        )
    }
}
