//! Runs the data-driven recognizer suite in `testdata/rules/` through every
//! scan strategy. See `testdata/rules/README.md` for the format.

use std::path::Path;

use palisade_engine::{Kernel, ScanOptions, Scanner, ScannerBuilder};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteFile {
    test: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    text: String,
    expect: Vec<(String, String)>,
    rules: Option<String>,
    entities: Option<Vec<String>>,
    threshold: Option<f32>,
}

/// The strategies a scan can take; they must agree on every case.
const STRATEGIES: &[(&str, bool, Kernel)] = &[
    ("prefilter+simd", true, Kernel::Auto),
    ("prefilter+scalar", true, Kernel::Scalar),
    ("no-prefilter", false, Kernel::Auto),
];

fn scanner(case: &Case, prefilter: bool, kernel: Kernel) -> Scanner {
    let mut builder = ScannerBuilder::new().prefilter(prefilter).kernel(kernel);
    if let Some(rules) = &case.rules {
        builder = builder
            .rules_toml(&case.name, rules)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
    builder
        .build()
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

fn run_case(case: &Case, prefilter: bool, kernel: Kernel) -> Result<(), String> {
    let scanner = scanner(case, prefilter, kernel);
    let mut options = ScanOptions::default();
    if let Some(t) = case.threshold {
        options.score_threshold = t;
    }
    if let Some(names) = &case.entities {
        options.entities = Some(
            scanner
                .entity_set(names.iter().map(String::as_str))
                .map_err(|e| format!("unknown entity {e}"))?,
        );
    }
    let mut out = Vec::new();
    scanner.scan_with(&case.text, &options, &mut scanner.scratch(), &mut out);
    let mut got = Vec::new();
    for f in &out {
        let by_bytes = &case.text[f.byte_start..f.byte_end];
        let by_chars: String = case
            .text
            .chars()
            .skip(f.start)
            .take(f.end - f.start)
            .collect();
        if by_bytes != by_chars {
            return Err(format!(
                "byte span {by_bytes:?} and char span {by_chars:?} differ"
            ));
        }
        if !(0.0..=1.0).contains(&f.score) {
            return Err(format!("score {} out of range", f.score));
        }
        got.push((
            scanner.entity_name(f.entity).to_string(),
            by_bytes.to_string(),
        ));
    }
    if got == case.expect {
        Ok(())
    } else {
        Err(format!(
            "text: {:?}\n    expected: {:?}\n    got:      {:?}",
            case.text, case.expect, got
        ))
    }
}

#[test]
fn suite() {
    let filter = std::env::var("PALISADE_TEST").ok();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/rules");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let (mut ran, mut failures) = (0, Vec::new());
    for path in files {
        let file: SuiteFile = toml::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for case in &file.test {
            if filter.as_deref().is_some_and(|f| !case.name.contains(f)) {
                continue;
            }
            for &(strategy, prefilter, kernel) in STRATEGIES {
                ran += 1;
                if let Err(e) = run_case(case, prefilter, kernel) {
                    failures.push(format!("{} [{strategy}]: {e}", case.name));
                }
            }
        }
    }
    assert!(ran > 0, "no case matched the filter");
    assert!(
        failures.is_empty(),
        "{} of {ran} case runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
