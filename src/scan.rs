//! `palisade scan`: stream records from each input, scan batches on all
//! cores, write results in input order.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use palisade_engine::{
    Direction, InjectionRules, Policy, PolicyConfig, Redactor, ScanOptions, Scanner, ScannerBuilder,
};

use palisade_models::Batcher;

use crate::cli::{DirectionArg, Format, ScanArgs};
use crate::input::{expand, RawRecord, RecordReader, Source};
use crate::record::Job;
use crate::summary::Summary;
use crate::workers::Workers;

/// The built-in rules plus `rules` files, in order.
pub fn scanner_builder(rules: &[PathBuf]) -> Result<ScannerBuilder> {
    let mut builder = ScannerBuilder::new();
    for path in rules {
        builder = builder.rules_file(path)?;
    }
    Ok(builder)
}

pub fn build_scanner(rules: &[PathBuf]) -> Result<Scanner> {
    Ok(scanner_builder(rules)?.build()?)
}

fn build_redactor(args: &ScanArgs, scanner: &Scanner) -> Result<Option<Redactor>> {
    if !args.redact && args.in_place_field.is_none() && args.operators.is_none() {
        return Ok(None);
    }
    let redactor = match &args.operators {
        None => Redactor::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{}: invalid operators", path.display()))?
        }
    };
    redactor
        .validate(|name| scanner.entities().any(|e| e == name))
        .with_context(|| {
            format!(
                "{}: invalid operators",
                args.operators
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )
        })?;
    Ok(Some(redactor))
}

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.score_threshold) {
        bail!("--score-threshold must be in [0, 1]");
    }
    if args.whole_file && args.format == Format::Jsonl {
        bail!("--whole-file applies to --format text");
    }
    let scanner = build_scanner(&args.rules)?;
    let mut options = ScanOptions {
        score_threshold: args.score_threshold,
        ..ScanOptions::default()
    };
    if !args.entities.is_empty() {
        let set = scanner
            .entity_set(args.entities.iter().map(String::as_str))
            .map_err(|name| {
                anyhow::anyhow!(
                    "unknown entity type '{name}'; known: {}",
                    scanner.entities().collect::<Vec<_>>().join(", ")
                )
            })?;
        options.entities = Some(set);
    }
    let redactor = build_redactor(&args, &scanner)?;
    let detectors = Detectors::parse(&args.detectors)?;
    let injection = detectors.injection_rules.then(InjectionRules::builtin);
    let policy = match &args.policy {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            let config: PolicyConfig = toml::from_str(&text)
                .with_context(|| format!("{}: invalid policy", path.display()))?;
            let policy = Policy::compile(&config, &scanner)
                .with_context(|| format!("{}: invalid policy", path.display()))?;
            let direction = match args.direction {
                DirectionArg::Input => Direction::Input,
                DirectionArg::Output => Direction::Output,
            };
            Some((policy, direction))
        }
        None => None,
    };
    let classifier = load_classifier(&args, &detectors)?;
    // Records wait on the classifier's batcher; with only one per core in
    // flight, batches could hold no more texts than there are cores.
    let threads = match (&classifier, args.threads) {
        (_, Some(n)) => n,
        (Some(_), None) => args.classifier.max_batch.max(num_cpus()),
        (None, None) => 0,
    };
    let workers = Workers::new(&scanner, threads)?;

    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::with_capacity(
            1 << 20,
            File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
    };
    let progress = ProgressBar::new_spinner();
    progress.set_style(
        ProgressStyle::with_template(
            "{spinner} {binary_bytes} scanned ({binary_bytes_per_sec}) {msg}",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let mut summary = Summary::default();

    let (sources, missing) = expand(&args.paths);
    for error in &missing {
        progress.suspend(|| eprintln!("palisade: {error}"));
    }
    summary.input_errors += missing.len() as u64;
    for source in &sources {
        let jsonl = match args.format {
            Format::Auto => source.looks_like_jsonl() && !args.whole_file,
            Format::Jsonl => true,
            Format::Text => false,
        };
        if args.in_place_field.is_some() && !jsonl {
            bail!("{}: --in-place-field needs JSONL input", source.name());
        }
        let name = source.name();
        let job = Job {
            scanner: &scanner,
            options: &options,
            source: &name,
            jsonl,
            text_field: field_path(&args.text_field),
            id_field: args.id_field.as_deref().map(field_path),
            redactor: redactor.as_ref(),
            in_place_field: args.in_place_field.as_deref().map(field_path),
            explain: args.explain,
            run_pii: detectors.pii,
            injection: injection.as_ref(),
            classifier: classifier
                .as_ref()
                .map(|b| (b, detectors.scores.as_slice())),
            policy: policy.as_ref().map(|(p, d)| (p, *d)),
        };
        match scan_source(
            source,
            &job,
            &args,
            &workers,
            &mut out,
            &mut summary,
            &progress,
        ) {
            Ok(()) => summary.files += 1,
            Err(e) if is_broken_pipe(&e) => return Err(e),
            Err(e) if args.strict => return Err(e),
            Err(e) => {
                summary.input_errors += 1;
                progress.suspend(|| eprintln!("palisade: {e:#}"));
            }
        }
    }
    out.flush()?;
    progress.finish_and_clear();
    if !args.quiet {
        summary.print(started.elapsed());
    }
    Ok(if summary.input_errors > 0 {
        ExitCode::from(2)
    } else if args.fail_on_findings && summary.total_findings() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `meta.body` addresses field `body` of object `meta`.
/// Which detectors `--detectors` names.
struct Detectors {
    pii: bool,
    injection_rules: bool,
    /// Classifier scores to report, in `--detectors` order.
    scores: Vec<&'static str>,
}

const CLASSIFIERS: [&str; 2] = ["injection", "toxicity"];

impl Detectors {
    fn parse(names: &[String]) -> Result<Detectors> {
        let mut on = Detectors {
            pii: false,
            injection_rules: false,
            scores: Vec::new(),
        };
        for name in names {
            match name.as_str() {
                "pii" => on.pii = true,
                "injection_rules" => on.injection_rules = true,
                "all" => {
                    on.pii = true;
                    on.injection_rules = true;
                    on.scores = CLASSIFIERS.to_vec();
                }
                other => match CLASSIFIERS.iter().find(|&&c| c == other) {
                    Some(c) if !on.scores.contains(c) => on.scores.push(c),
                    Some(_) => {}
                    None => bail!(
                        "unknown detector '{other}'; known: pii, injection_rules, injection, toxicity, all"
                    ),
                },
            }
        }
        Ok(on)
    }
}

/// Loads the classifier when `--detectors` asks for scores, and checks that
/// the model has every score asked for.
fn load_classifier(args: &ScanArgs, detectors: &Detectors) -> Result<Option<Batcher>> {
    if detectors.scores.is_empty() {
        return Ok(None);
    }
    let batcher = args.classifier.load().with_context(|| {
        format!(
            "--detectors {}: classifiers unavailable",
            detectors.scores.join(",")
        )
    })?;
    for name in &detectors.scores {
        if !batcher.score_names().iter().any(|n| n == name) {
            bail!(
                "{}: the model has no '{name}' score (it has {})",
                args.classifier.model_config.display(),
                batcher.score_names().join(", ")
            );
        }
    }
    if !args.quiet {
        eprintln!(
            "palisade: classifiers on {} ({})",
            batcher.provider(),
            args.classifier.model_config.display()
        );
    }
    Ok(Some(batcher))
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

pub fn field_path(path: &str) -> Vec<&str> {
    path.split('.').collect()
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// Reads batches on a helper thread (so I/O and decompression overlap the
/// scan), scans each batch in parallel, writes it in order.
fn scan_source(
    source: &Source,
    job: &Job<'_>,
    args: &ScanArgs,
    workers: &Workers,
    out: &mut dyn Write,
    summary: &mut Summary,
    progress: &ProgressBar,
) -> Result<()> {
    let reader = source.open()?;
    let whole = args.whole_file && !job.jsonl;
    let (batch_size, max_bytes) = (args.batch_records.max(1), args.max_record_bytes);
    let (tx, rx) = crossbeam_channel::bounded::<io::Result<(Vec<RawRecord>, u64)>>(2);
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            let mut records = RecordReader::new(reader, whole, max_bytes);
            loop {
                let before = records.bytes_read;
                let batch = records
                    .batch(batch_size)
                    .map(|b| (b, records.bytes_read - before));
                let done = matches!(&batch, Ok((b, _)) if b.is_empty()) || batch.is_err();
                if tx.send(batch).is_err() || done {
                    return;
                }
            }
        });
        for batch in rx {
            let (batch, bytes) = batch.with_context(|| format!("{}: read error", source.name()))?;
            if batch.is_empty() {
                break;
            }
            let outcomes = workers.map(&batch, |raw, scratch, findings| {
                job.process(raw, scratch, findings)
            });
            for (raw, outcome) in batch.iter().zip(&outcomes) {
                let Some(line) = &outcome.line else {
                    summary.blank_lines += 1;
                    continue;
                };
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
                summary.records += 1;
                summary.lossy_records += u64::from(outcome.lossy);
                for &entity in &outcome.entities {
                    *summary
                        .findings
                        .entry(job.scanner.entity_name(entity).to_string())
                        .or_default() += 1;
                }
                if let Some(error) = &outcome.error {
                    summary.bad_records += 1;
                    let message = format!("{}:{}: {error}", source.name(), raw.line);
                    if args.strict {
                        bail!(message);
                    }
                    progress.suspend(|| eprintln!("palisade: {message}"));
                }
            }
            summary.bytes += bytes;
            progress.inc(bytes);
        }
        Ok(())
    })
}
