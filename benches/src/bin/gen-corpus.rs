//! Writes the labeled corpus the engine's quality test reads:
//! `cargo run -p palisade-benches --bin gen-corpus -- testdata/corpus/labeled.jsonl`

use std::io::Write;

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "testdata/corpus/labeled.jsonl".to_string());
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for doc in palisade_benches::corpus::labeled(20261122, 2000) {
        serde_json::to_writer(&mut out, &doc)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
