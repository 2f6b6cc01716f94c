//! Precision, recall and F1 per entity type on the generated, labeled corpus
//! in `testdata/corpus/labeled.jsonl` (see `testdata/corpus/README.md`).
//! A finding counts as a true positive only with the exact planted span and type.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use palisade_engine::Scanner;
use serde::Deserialize;

#[derive(Deserialize)]
struct Label {
    entity: String,
    start: usize,
    end: usize,
}

#[derive(Deserialize)]
struct Document {
    text: String,
    labels: Vec<Label>,
}

#[derive(Default)]
struct Counts {
    tp: u64,
    fp: u64,
    fn_: u64,
}

fn f1(c: &Counts) -> (f64, f64, f64) {
    let p = c.tp as f64 / (c.tp + c.fp).max(1) as f64;
    let r = c.tp as f64 / (c.tp + c.fn_).max(1) as f64;
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

#[test]
fn micro_f1_on_labeled_corpus() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus/labeled.jsonl");
    let scanner = Scanner::builtin();
    let mut per_entity: BTreeMap<String, Counts> = BTreeMap::new();
    let mut docs = 0;
    for line in std::fs::read_to_string(&path).unwrap().lines() {
        let doc: Document = serde_json::from_str(line).unwrap();
        docs += 1;
        let truth: HashSet<(String, usize, usize)> = doc
            .labels
            .iter()
            .map(|l| (l.entity.clone(), l.start, l.end))
            .collect();
        let found: HashSet<(String, usize, usize)> = scanner
            .scan(&doc.text)
            .iter()
            .map(|f| {
                (
                    scanner.entity_name(f.entity).to_string(),
                    f.byte_start,
                    f.byte_end,
                )
            })
            .collect();
        for item in found.union(&truth) {
            let counts = per_entity.entry(item.0.clone()).or_default();
            match (found.contains(item), truth.contains(item)) {
                (true, true) => counts.tp += 1,
                (true, false) => {
                    counts.fp += 1;
                    eprintln!(
                        "false positive {:?}: {:?}",
                        item.0,
                        &doc.text[item.1..item.2]
                    );
                }
                (false, true) => {
                    counts.fn_ += 1;
                    eprintln!("missed {:?}: {:?}", item.0, &doc.text[item.1..item.2]);
                }
                (false, false) => unreachable!(),
            }
        }
    }
    assert!(docs >= 1000, "corpus too small: {docs} documents");
    let mut micro = Counts::default();
    println!(
        "{:<16} {:>6} {:>5} {:>5} {:>9} {:>9} {:>9}",
        "entity", "tp", "fp", "fn", "precision", "recall", "f1"
    );
    for (entity, c) in &per_entity {
        let (p, r, f) = f1(c);
        println!(
            "{entity:<16} {:>6} {:>5} {:>5} {p:>9.4} {r:>9.4} {f:>9.4}",
            c.tp, c.fp, c.fn_
        );
        micro.tp += c.tp;
        micro.fp += c.fp;
        micro.fn_ += c.fn_;
    }
    let (p, r, f) = f1(&micro);
    println!(
        "{:<16} {:>6} {:>5} {:>5} {p:>9.4} {r:>9.4} {f:>9.4}",
        "micro", micro.tp, micro.fp, micro.fn_
    );
    assert!(f >= 0.95, "micro-F1 {f:.4} < 0.95");
}
