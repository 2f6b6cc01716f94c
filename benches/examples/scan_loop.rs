//! Scans the generated prose corpus in a loop, for profilers:
//! `cargo run --release -p palisade-benches --example scan_loop -- 20`
//! then `perf record` / `valgrind --tool=callgrind` on the binary. A second
//! argument keeps only those recognizers (comma-separated), to see what they
//! cost alone; with
//! `PLAIN=1` the corpus has no hard negatives. `NO_MATCHES=1` plugs in a
//! matcher that finds nothing, which leaves the cost of everything but
//! matching (views, decoding, offsets): the ceiling that faster matching
//! alone cannot pass.

use palisade_benches::corpus;
use palisade_engine::{Matcher, ScanOptions, Scanner, ScannerBuilder};

struct NoMatches;

impl Matcher for NoMatches {
    fn find(&mut self, _text: &str, _report: &mut dyn FnMut(usize, usize, usize)) {}
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(20, |n| n.parse().expect("rounds"));
    let doc = if std::env::var_os("PLAIN").is_some() {
        corpus::plain_prose(42, 4 << 20)
    } else {
        corpus::prose(42, 4 << 20)
    };
    let scanner = match std::env::args().nth(2) {
        None => ScannerBuilder::new().build().expect("built-in rules"),
        Some(keep) => {
            let keep: Vec<&str> = keep.split(',').collect();
            let others: Vec<String> = Scanner::builtin()
                .recognizers()
                .map(|(id, _, _)| id)
                .filter(|id| !keep.contains(id))
                .map(|id| format!("{id:?}"))
                .collect();
            ScannerBuilder::new()
                .rules_toml("scan_loop", &format!("disable = [{}]", others.join(",")))
                .and_then(|b| b.build())
                .expect("rules")
        }
    };
    let options = ScanOptions::default();
    let (mut scratch, mut out) = (scanner.scratch(), Vec::new());
    // Warm up: lazy DFA caches and the phone metadata fill on first use.
    scanner.scan_with(&doc.text, &options, &mut scratch, &mut out);
    let start = std::time::Instant::now();
    let mut found = 0;
    let no_matches = std::env::var_os("NO_MATCHES").is_some();
    for _ in 0..rounds {
        if no_matches {
            scanner.scan_with_matcher(&doc.text, &options, &mut scratch, &mut NoMatches, &mut out);
        } else {
            scanner.scan_with(&doc.text, &options, &mut scratch, &mut out);
        }
        found += out.len();
    }
    let secs = start.elapsed().as_secs_f64();
    let mib = (doc.text.len() * rounds) as f64 / (1 << 20) as f64;
    println!("{found} findings, {:.1} MiB/s", mib / secs);
}
