//! `palisade bench scan`: engine throughput over a corpus held in memory,
//! per thread count, and what each recognizer costs.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use palisade_engine::{ScanOptions, Scanner};
use serde::Serialize;
use serde_json::Value;

use crate::cli::{BenchScanArgs, Format};
use crate::input::{RecordReader, Source};
use crate::record::get_path;
use crate::scan::{build_scanner, field_path, scanner_builder};
use crate::workers::Workers;

use super::{host, progress_bar, Host};

/// The corpus, one string per document.
struct Corpus {
    name: String,
    docs: Vec<String>,
    bytes: u64,
}

#[derive(Serialize)]
struct ThreadResult {
    threads: usize,
    /// Median of the runs, then the best run.
    mb_per_s: f64,
    best_mb_per_s: f64,
    docs_per_s: f64,
    seconds: Vec<f64>,
}

#[derive(Serialize)]
struct RecognizerCost {
    recognizer: String,
    entity_type: String,
    /// Throughput with only this recognizer enabled, one thread.
    mb_per_s: f64,
    /// This recognizer's share of the sum of all recognizers' times.
    share: f64,
}

#[derive(Serialize)]
struct Report {
    host: Host,
    corpus: String,
    documents: usize,
    bytes: u64,
    findings: usize,
    include_io: bool,
    runs: usize,
    threads: Vec<ThreadResult>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    recognizers: Vec<RecognizerCost>,
}

pub fn run(args: BenchScanArgs) -> Result<()> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let scanner = build_scanner(&args.rules)?;
    let corpus = load(&args)?;
    if corpus.docs.is_empty() {
        bail!("{}: no documents to scan", corpus.name);
    }
    let threads = match &args.threads {
        Some(list) if list.contains(&0) => bail!("--threads values must be at least 1"),
        Some(list) => list.clone(),
        None => thread_counts(),
    };
    let recognizer_passes = if args.per_recognizer {
        scanner.recognizers().count()
    } else {
        0
    };
    let progress = progress_bar((threads.len() + recognizer_passes) as u64);
    let findings = count_findings(&scanner, &corpus.docs, &Workers::new(&scanner, 1)?);

    let mut results = Vec::new();
    for &n in &threads {
        progress.set_message(format!("{n} threads"));
        let workers = Workers::new(&scanner, n)?;
        let mut seconds = Vec::new();
        for _ in 0..args.runs {
            let started = Instant::now();
            let found = if args.include_io {
                count_findings(&scanner, &load(&args)?.docs, &workers)
            } else {
                count_findings(&scanner, &corpus.docs, &workers)
            };
            seconds.push(started.elapsed().as_secs_f64());
            if found != findings {
                bail!("{n} threads found {found} findings, one thread {findings}: a bug, please report it");
            }
        }
        results.push(thread_result(n, seconds, &corpus));
        progress.inc(1);
    }

    let mut recognizers = Vec::new();
    if args.per_recognizer {
        let ids: Vec<(String, String)> = scanner
            .recognizers()
            .map(|(id, entity, _)| (id.to_string(), entity.to_string()))
            .collect();
        for (id, entity) in ids {
            progress.set_message(id.clone());
            let alone = only_recognizer(&args.rules, &scanner, &id)?;
            let workers = Workers::new(&alone, 1)?;
            let best = (0..args.runs)
                .map(|_| {
                    let started = Instant::now();
                    count_findings(&alone, &corpus.docs, &workers);
                    started.elapsed()
                })
                .min()
                .unwrap_or(Duration::ZERO);
            recognizers.push(RecognizerCost {
                recognizer: id,
                entity_type: entity,
                mb_per_s: corpus.bytes as f64 / 1e6 / best.as_secs_f64(),
                share: best.as_secs_f64(),
            });
            progress.inc(1);
        }
        let total: f64 = recognizers.iter().map(|r| r.share).sum();
        for r in &mut recognizers {
            r.share /= total;
        }
        recognizers.sort_by(|a, b| b.share.total_cmp(&a.share));
    }
    progress.finish_and_clear();

    let report = Report {
        host: host(),
        corpus: corpus.name,
        documents: corpus.docs.len(),
        bytes: corpus.bytes,
        findings,
        include_io: args.include_io,
        runs: args.runs,
        threads: results,
        recognizers,
    };
    super::emit(&report, args.json, print_table)?;
    Ok(())
}

/// 1, 2, 4, ... up to and including every core.
fn thread_counts() -> Vec<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut counts: Vec<usize> = std::iter::successors(Some(1), |n| Some(n * 2))
        .take_while(|&n| n < cores)
        .collect();
    counts.push(cores);
    counts
}

fn thread_result(threads: usize, seconds: Vec<f64>, corpus: &Corpus) -> ThreadResult {
    let mut sorted = seconds.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let best = sorted[0];
    ThreadResult {
        threads,
        mb_per_s: corpus.bytes as f64 / 1e6 / median,
        best_mb_per_s: corpus.bytes as f64 / 1e6 / best,
        docs_per_s: corpus.docs.len() as f64 / median,
        seconds,
    }
}

/// Scans every document; returns the number of findings.
fn count_findings(scanner: &Scanner, docs: &[String], workers: &Workers) -> usize {
    let options = ScanOptions::default();
    workers
        .map(docs, |doc, scratch, findings| {
            scanner.scan_with(doc, &options, scratch, findings);
            findings.len()
        })
        .into_iter()
        .sum()
}

/// The same rules with every recognizer but `keep` disabled.
fn only_recognizer(rules: &[PathBuf], scanner: &Scanner, keep: &str) -> Result<Scanner> {
    let others: Vec<String> = scanner
        .recognizers()
        .map(|(id, _, _)| id)
        .filter(|&id| id != keep)
        .map(|id| toml::Value::String(id.to_string()).to_string())
        .collect();
    Ok(scanner_builder(rules)?
        .rules_toml("bench", &format!("disable = [{}]", others.join(", ")))?
        .build()?)
}

fn load(args: &BenchScanArgs) -> Result<Corpus> {
    if let Some(size) = &args.generate {
        let bytes = palisade_benches::parse_size(size)
            .with_context(|| format!("--generate: bad size '{size}' (e.g. 64M, 1G)"))?;
        let docs: Vec<String> = palisade_benches::corpus::prose_documents(args.seed, bytes)
            .map(|d| d.text)
            .collect();
        return Ok(Corpus {
            name: format!("generated prose, {size}, seed {}", args.seed),
            bytes: docs.iter().map(|d| d.len() as u64).sum(),
            docs,
        });
    }
    let Some(path) = &args.corpus else {
        bail!("give a corpus file or --generate SIZE");
    };
    let source = Source::File(path.clone());
    let jsonl = match args.format {
        Format::Auto => source.looks_like_jsonl(),
        Format::Jsonl => true,
        Format::Text => false,
    };
    let mut reader = RecordReader::new(source.open()?, false, 64 << 20);
    let text_field = field_path(&args.text_field);
    let mut docs = Vec::new();
    loop {
        let batch = reader.batch(4096)?;
        if batch.is_empty() {
            break;
        }
        for raw in batch {
            let at = || format!("{}:{}", source.name(), raw.line);
            if raw.too_large {
                bail!("{}: record larger than 64 MiB", at());
            }
            if !jsonl {
                docs.push(String::from_utf8_lossy(&raw.bytes).into_owned());
                continue;
            }
            if raw.bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let value: Value = serde_json::from_slice(&raw.bytes)
                .with_context(|| format!("{}: malformed JSON", at()))?;
            match get_path(&value, &text_field) {
                Some(Value::String(text)) => docs.push(text.clone()),
                _ => bail!("{}: no string field '{}'", at(), args.text_field),
            }
        }
    }
    Ok(Corpus {
        name: source.name(),
        bytes: docs.iter().map(|d| d.len() as u64).sum(),
        docs,
    })
}

fn print_table(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let host = &report.host;
    writeln!(
        out,
        "host:    {} ({} cores, {}, {}/{})",
        host.cpu, host.cores, host.simd, host.os, host.arch
    )?;
    writeln!(
        out,
        "corpus:  {}: {} documents, {:.1} MB, {} findings{}",
        report.corpus,
        report.documents,
        report.bytes as f64 / 1e6,
        report.findings,
        if report.include_io {
            " (timed with reading and parsing)"
        } else {
            " (in memory)"
        }
    )?;
    writeln!(
        out,
        "\n{:>7}  {:>10}  {:>10}  {:>12}  {:>8}",
        "threads", "MB/s", "best MB/s", "docs/s", "speed-up"
    )?;
    // Speed-up against the fewest threads measured, whatever the order given.
    let base = report
        .threads
        .iter()
        .min_by_key(|t| t.threads)
        .map_or(1.0, |t| t.mb_per_s);
    for t in &report.threads {
        writeln!(
            out,
            "{:>7}  {:>10.1}  {:>10.1}  {:>12.0}  {:>7.1}x",
            t.threads,
            t.mb_per_s,
            t.best_mb_per_s,
            t.docs_per_s,
            t.mb_per_s / base
        )?;
    }
    writeln!(out, "(median of {} runs)", report.runs)?;
    if !report.recognizers.is_empty() {
        writeln!(
            out,
            "\n{:<28} {:<16} {:>10} {:>7}",
            "recognizer (alone, 1 thread)", "entity", "MB/s", "share"
        )?;
        for r in &report.recognizers {
            writeln!(
                out,
                "{:<28} {:<16} {:>10.1} {:>6.1}%",
                r.recognizer,
                r.entity_type,
                r.mb_per_s,
                r.share * 100.0
            )?;
        }
    }
    Ok(())
}
