//! `palisade bench`: reproducible throughput and latency numbers.

pub mod classify;
pub mod http;
pub mod scan;

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
