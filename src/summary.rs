//! The end-of-run summary on stderr.

use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Default)]
pub struct Summary {
    pub files: u64,
    pub records: u64,
    pub bytes: u64,
    pub bad_records: u64,
    pub blank_lines: u64,
    pub lossy_records: u64,
    pub input_errors: u64,
    pub findings: BTreeMap<String, u64>,
}

impl Summary {
    pub fn total_findings(&self) -> u64 {
        self.findings.values().sum()
    }

    pub fn print(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64().max(1e-9);
        eprintln!(
            "palisade: {} records, {} files, {:.1} MB in {:.2}s ({:.1} MB/s), {} findings, {} bad records, {} blank lines skipped, {} records with invalid UTF-8, {} unreadable inputs",
            self.records,
            self.files,
            self.bytes as f64 / 1e6,
            secs,
            self.bytes as f64 / 1e6 / secs,
            self.total_findings(),
            self.bad_records,
            self.blank_lines,
            self.lossy_records,
            self.input_errors,
        );
        for (entity, count) in &self.findings {
            eprintln!("  {entity:<16} {count}");
        }
    }
}
