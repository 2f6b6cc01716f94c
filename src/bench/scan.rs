//! `palisade bench scan`: engine throughput over a corpus held in memory,
//! per thread count, and what each recognizer costs.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use palisade_benches::Rejected;
use palisade_engine::{ScanOptions, Scanner};
use serde::Serialize;
use serde_json::Value;

use crate::cli::{BenchScanArgs, Format, ScanBackend};
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

/// One match engine's results.
#[derive(Serialize)]
struct BackendResult {
    backend: String,
    /// Recognizers in its rule set.
    recognizers: usize,
    findings: usize,
    threads: Vec<ThreadResult>,
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
    include_io: bool,
    runs: usize,
    backends: Vec<BackendResult>,
    /// Patterns Hyperscan cannot compile, whose recognizers the
    /// same-rules comparison leaves out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rejected: Vec<Rejected>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    recognizers: Vec<RecognizerCost>,
}

/// A rule set and the engine that matches it.
struct Backend {
    name: String,
    scanner: Scanner,
    #[cfg(feature = "hyperscan")]
    hyperscan: Option<palisade_benches::hyperscan::HyperscanBackend>,
}

impl Backend {
    fn palisade(name: &str, scanner: Scanner) -> Backend {
        Backend {
            name: name.to_string(),
            scanner,
            #[cfg(feature = "hyperscan")]
            hyperscan: None,
        }
    }
}

/// A backend with its threads' scratch space, ready to time.
struct Runner<'b> {
    backend: &'b Backend,
    workers: Workers,
    #[cfg(feature = "hyperscan")]
    matchers: Vec<std::sync::Mutex<palisade_benches::hyperscan::HyperscanMatcher<'b>>>,
}

impl<'b> Runner<'b> {
    fn new(backend: &'b Backend, threads: usize) -> Result<Runner<'b>> {
        let workers = Workers::new(&backend.scanner, threads)?;
        #[cfg(feature = "hyperscan")]
        let matchers = match &backend.hyperscan {
            // One per pool thread: `threads` is at least 1 here.
            Some(hyperscan) => (0..threads)
                .map(|_| Ok(std::sync::Mutex::new(hyperscan.matcher()?)))
                .collect::<Result<_>>()?,
            None => Vec::new(),
        };
        Ok(Runner {
            backend,
            workers,
            #[cfg(feature = "hyperscan")]
            matchers,
        })
    }

    /// Scans every document; returns the number of findings.
    fn count_findings(&self, docs: &[String]) -> usize {
        let options = ScanOptions::default();
        let scanner = &self.backend.scanner;
        self.workers
            .map(docs, |doc, scratch, findings| {
                #[cfg(feature = "hyperscan")]
                if let Some(matcher) = self
                    .matchers
                    .get(rayon::current_thread_index().unwrap_or(0))
                {
                    // Each thread takes only its own matcher: never contended.
                    let mut matcher = matcher
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    scanner.scan_with_matcher(doc, &options, scratch, &mut *matcher, findings);
                    return findings.len();
                }
                scanner.scan_with(doc, &options, scratch, findings);
                findings.len()
            })
            .into_iter()
            .sum()
    }
}

pub fn run(args: BenchScanArgs) -> Result<()> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let scanner = build_scanner(&args.rules)?;
    let (backends, rejected) = backends(&args, &scanner)?;
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
    let progress = progress_bar((backends.len() * threads.len() + recognizer_passes) as u64);
    let mut results = Vec::new();
    for backend in &backends {
        let findings = Runner::new(backend, 1)?.count_findings(&corpus.docs);
        let mut timed = Vec::new();
        for &n in &threads {
            progress.set_message(format!("{}, {n} threads", backend.name));
            let runner = Runner::new(backend, n)?;
            let mut seconds = Vec::new();
            for _ in 0..args.runs {
                let started = Instant::now();
                let found = if args.include_io {
                    runner.count_findings(&load(&args)?.docs)
                } else {
                    runner.count_findings(&corpus.docs)
                };
                seconds.push(started.elapsed().as_secs_f64());
                if found != findings {
                    bail!("{}: {n} threads found {found} findings, one thread {findings}: a bug, please report it", backend.name);
                }
            }
            timed.push(thread_result(n, seconds, &corpus));
            progress.inc(1);
        }
        results.push(BackendResult {
            backend: backend.name.clone(),
            recognizers: backend.scanner.recognizers().count(),
            findings,
            threads: timed,
        });
    }

    let mut recognizers = Vec::new();
    if args.per_recognizer {
        let ids: Vec<(String, String)> = scanner
            .recognizers()
            .map(|(id, entity, _)| (id.to_string(), entity.to_string()))
            .collect();
        for (id, entity) in ids {
            progress.set_message(id.clone());
            let alone = Backend::palisade(&id, only_recognizer(&args.rules, &scanner, &id)?);
            let runner = Runner::new(&alone, 1)?;
            let best = (0..args.runs)
                .map(|_| {
                    let started = Instant::now();
                    runner.count_findings(&corpus.docs);
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
        include_io: args.include_io,
        runs: args.runs,
        backends: results,
        rejected,
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

/// The backends to time, in order. When Hyperscan rejects some patterns,
/// palisade also runs without their recognizers, so that one pair of
/// results compares the same rules.
fn backends(args: &BenchScanArgs, scanner: &Scanner) -> Result<(Vec<Backend>, Vec<Rejected>)> {
    let mut backends = Vec::new();
    let mut rejected = Vec::new();
    if args.backend.contains(&ScanBackend::Palisade) {
        backends.push(Backend::palisade("palisade", build_scanner(&args.rules)?));
    }
    if args.backend.contains(&ScanBackend::Hyperscan) {
        let (hyperscan, same_rules, why) = hyperscan_backend(args, scanner)?;
        rejected = why;
        backends.extend(same_rules);
        backends.push(hyperscan);
    }
    Ok((backends, rejected))
}

/// Hyperscan on the rules it can compile, and palisade on the same rules
/// when that leaves some out.
#[cfg(feature = "hyperscan")]
fn hyperscan_backend(
    args: &BenchScanArgs,
    scanner: &Scanner,
) -> Result<(Backend, Option<Backend>, Vec<Rejected>)> {
    use palisade_benches::hyperscan::HyperscanBackend;

    let rejected = HyperscanBackend::compile(scanner)
        .context("compiling the rules for Hyperscan")?
        .rejected()
        .to_vec();
    let mut left_out: Vec<&str> = rejected.iter().map(|r| r.recognizer.as_str()).collect();
    left_out.dedup();
    let same_rules = || without_recognizers(&args.rules, &left_out);
    let hyperscan_rules = same_rules()?;
    let hyperscan = HyperscanBackend::compile(&hyperscan_rules)?;
    if let Some(r) = hyperscan.rejected().first() {
        bail!(
            "Hyperscan rejects {} even without the recognizers it rejected before: {}",
            r.recognizer,
            r.reason
        );
    }
    let palisade = (!left_out.is_empty())
        .then(|| Ok::<_, anyhow::Error>(Backend::palisade("palisade (same rules)", same_rules()?)))
        .transpose()?;
    let hyperscan = Backend {
        name: "hyperscan".to_string(),
        scanner: hyperscan_rules,
        hyperscan: Some(hyperscan),
    };
    Ok((hyperscan, palisade, rejected))
}

#[cfg(not(feature = "hyperscan"))]
fn hyperscan_backend(
    _: &BenchScanArgs,
    _: &Scanner,
) -> Result<(Backend, Option<Backend>, Vec<Rejected>)> {
    bail!(
        "this palisade was built without Hyperscan: run benches/peers/install-hyperscan.sh, \
         then cargo build --release --features hyperscan"
    )
}

/// The same rules with every recognizer but `keep` disabled.
fn only_recognizer(rules: &[PathBuf], scanner: &Scanner, keep: &str) -> Result<Scanner> {
    let others: Vec<&str> = scanner
        .recognizers()
        .map(|(id, _, _)| id)
        .filter(|&id| id != keep)
        .collect();
    without_recognizers(rules, &others)
}

/// The rules from `rules` with the recognizers `disabled` turned off.
fn without_recognizers(rules: &[PathBuf], disabled: &[&str]) -> Result<Scanner> {
    let names: Vec<String> = disabled
        .iter()
        .map(|id| toml::Value::String(id.to_string()).to_string())
        .collect();
    Ok(scanner_builder(rules)?
        .rules_toml("bench", &format!("disable = [{}]", names.join(", ")))?
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
        "corpus:  {}: {} documents, {:.1} MB{}",
        report.corpus,
        report.documents,
        report.bytes as f64 / 1e6,
        if report.include_io {
            " (timed with reading and parsing)"
        } else {
            " (in memory)"
        }
    )?;
    writeln!(
        out,
        "\n{:<22} {:>11} {:>9} {:>7} {:>9} {:>9} {:>10} {:>8}",
        "backend", "recognizers", "findings", "threads", "MB/s", "best MB/s", "docs/s", "speed-up"
    )?;
    for backend in &report.backends {
        // Speed-up against the fewest threads measured, whatever the order given.
        let base = fewest_threads(backend).map_or(1.0, |t| t.mb_per_s);
        for t in &backend.threads {
            writeln!(
                out,
                "{:<22} {:>11} {:>9} {:>7} {:>9.1} {:>9.1} {:>10.0} {:>7.1}x",
                backend.backend,
                backend.recognizers,
                backend.findings,
                t.threads,
                t.mb_per_s,
                t.best_mb_per_s,
                t.docs_per_s,
                t.mb_per_s / base
            )?;
        }
    }
    writeln!(out, "(median of {} runs)", report.runs)?;
    print_comparison(out, report)?;
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

fn fewest_threads(backend: &BackendResult) -> Option<&ThreadResult> {
    backend.threads.iter().min_by_key(|t| t.threads)
}

/// Hyperscan against palisade on the same rules, and what it left out.
fn print_comparison(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let find = |name: &str| report.backends.iter().find(|b| b.backend == name);
    let (Some(hyperscan), Some(palisade)) = (
        find("hyperscan"),
        find("palisade (same rules)").or_else(|| find("palisade")),
    ) else {
        return Ok(());
    };
    if let (Some(h), Some(p)) = (fewest_threads(hyperscan), fewest_threads(palisade)) {
        writeln!(
            out,
            "\n{} / hyperscan, {} thread(s): {:.2}x the throughput",
            palisade.backend,
            p.threads,
            p.mb_per_s / h.mb_per_s
        )?;
    }
    if hyperscan.findings != palisade.findings {
        writeln!(
            out,
            "findings differ: hyperscan {}, {} {} (Hyperscan's leftmost-longest matches against palisade's leftmost-first)",
            hyperscan.findings, palisade.backend, palisade.findings
        )?;
    }
    if !report.rejected.is_empty() {
        writeln!(
            out,
            "\nHyperscan cannot compile these patterns in start-of-match mode; \
             their recognizers are left out of the same-rules pair:"
        )?;
        for r in &report.rejected {
            let pattern: String = r.pattern.chars().take(60).collect();
            let cut = if pattern.len() < r.pattern.len() {
                "..."
            } else {
                ""
            };
            writeln!(out, "  {:<20} {}{cut}: {}", r.recognizer, pattern, r.reason)?;
        }
    }
    Ok(())
}
