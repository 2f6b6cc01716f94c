//! Writes generated corpora as JSONL (`{"text": ..., "labels": [...]}` per line).
//!
//! - the labeled corpus the engine's quality test reads:
//!   `cargo run -p palisade-benches --bin gen-corpus -- labeled testdata/corpus/labeled.jsonl`
//! - a large prose corpus for throughput runs of `palisade scan`, in documents
//!   of about 2 KB with sparse PII (about one item per document):
//!   `cargo run --release -p palisade-benches --bin gen-corpus -- prose /tmp/prose.jsonl 1G`

use std::io::{BufWriter, Write};

const USAGE: &str = "usage: gen-corpus labeled OUT | gen-corpus prose OUT SIZE (e.g. 512M, 1G)";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["labeled", out] => write(
            out,
            palisade_benches::corpus::labeled(20261122, 2000).into_iter(),
        ),
        ["prose", out, size] => match palisade_benches::parse_size(size) {
            Some(bytes) => write(out, palisade_benches::corpus::prose_documents(0, bytes)),
            None => Err(format!("bad size '{size}'; {USAGE}").into()),
        },
        _ => Err(USAGE.into()),
    };
    if let Err(e) = result {
        eprintln!("gen-corpus: {e}");
        std::process::exit(2);
    }
}

fn write(
    path: &str,
    docs: impl Iterator<Item = palisade_benches::corpus::Document>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    for doc in docs {
        serde_json::to_writer(&mut out, &doc)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
