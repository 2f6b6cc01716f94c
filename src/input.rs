//! Input sources: files, directories, stdin; gzip and zstd detected by magic
//! bytes; records read in bounded batches.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// One input stream.
#[derive(Debug, Clone)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "-".to_string(),
            Source::File(p) => p.display().to_string(),
        }
    }

    /// Whether the name says JSON lines (`.jsonl`, `.ndjson`, `.json`, before any `.gz`/`.zst`).
    pub fn looks_like_jsonl(&self) -> bool {
        match self {
            Source::Stdin => true,
            Source::File(p) => {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                let name = name
                    .trim_end_matches(".gz")
                    .trim_end_matches(".zst")
                    .trim_end_matches(".zstd");
                name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json")
            }
        }
    }

    /// Opens the stream, decompressing gzip or zstd when its first bytes say so.
    pub fn open(&self) -> Result<Box<dyn BufRead + Send>> {
        let raw: Box<dyn Read + Send> = match self {
            Source::Stdin => Box::new(io::stdin()),
            Source::File(p) => {
                Box::new(File::open(p).with_context(|| format!("{}: cannot open", p.display()))?)
            }
        };
        let mut buffered = BufReader::with_capacity(1 << 20, raw);
        let magic = buffered
            .fill_buf()
            .with_context(|| format!("{}: cannot read", self.name()))?;
        Ok(if magic.starts_with(&[0x1f, 0x8b]) {
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::bufread::MultiGzDecoder::new(buffered),
            ))
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Box::new(BufReader::with_capacity(
                1 << 20,
                zstd::Decoder::with_buffer(buffered)?,
            ))
        } else {
            Box::new(buffered)
        })
    }
}

/// Expands directories into their files, recursively and in sorted order.
/// Paths that do not exist are returned as errors, after the good ones.
pub fn expand(paths: &[PathBuf]) -> (Vec<Source>, Vec<String>) {
    let (mut sources, mut errors) = (Vec::new(), Vec::new());
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(Source::Stdin);
        } else if let Err(e) = walk(path, &mut sources) {
            errors.push(format!("{}: {e}", path.display()));
        }
    }
    (sources, errors)
}

fn walk(path: &Path, out: &mut Vec<Source>) -> io::Result<()> {
    if path.metadata()?.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<_>>()?;
        entries.sort();
        for entry in entries {
            walk(&entry, out)?;
        }
    } else {
        out.push(Source::File(path.to_path_buf()));
    }
    Ok(())
}

/// A record as read: its line number (1-based) and bytes, or the fact that
/// it was longer than the limit.
#[derive(Debug)]
pub struct RawRecord {
    pub line: u64,
    pub bytes: Vec<u8>,
    pub too_large: bool,
}

/// Reads records from a stream, one per line or one per stream.
pub struct RecordReader {
    reader: Box<dyn BufRead + Send>,
    whole: bool,
    max_bytes: usize,
    line: u64,
    done: bool,
    pub bytes_read: u64,
}

impl RecordReader {
    pub fn new(reader: Box<dyn BufRead + Send>, whole: bool, max_bytes: usize) -> RecordReader {
        RecordReader {
            reader,
            whole,
            max_bytes,
            line: 0,
            done: false,
            bytes_read: 0,
        }
    }

    /// Up to `max` records; an empty batch means the end.
    pub fn batch(&mut self, max: usize) -> io::Result<Vec<RawRecord>> {
        let mut out = Vec::new();
        while out.len() < max && !self.done {
            if let Some(record) = self.next_record()? {
                out.push(record);
            }
        }
        Ok(out)
    }

    fn next_record(&mut self) -> io::Result<Option<RawRecord>> {
        let mut bytes = Vec::new();
        let limit = self.max_bytes as u64 + 1;
        let n = if self.whole {
            self.done = true;
            (&mut self.reader).take(limit).read_to_end(&mut bytes)?
        } else {
            (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut bytes)?
        };
        if n == 0 {
            self.done = true;
            return Ok(None);
        }
        self.line += 1;
        self.bytes_read += n as u64;
        let ended = self.whole || bytes.last() == Some(&b'\n');
        if bytes.len() > self.max_bytes && !(bytes.len() == self.max_bytes + 1 && ended) {
            // Skip the rest of the oversized record.
            let skipped = if self.whole {
                io::copy(&mut self.reader, &mut io::sink())?
            } else {
                skip_line(&mut self.reader)?
            };
            self.bytes_read += skipped;
            return Ok(Some(RawRecord {
                line: self.line,
                bytes: Vec::new(),
                too_large: true,
            }));
        }
        if !self.whole {
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
            }
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        Ok(Some(RawRecord {
            line: self.line,
            bytes,
            too_large: false,
        }))
    }
}

fn skip_line(reader: &mut dyn BufRead) -> io::Result<u64> {
    let mut skipped = 0;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(skipped);
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(skipped + i as u64 + 1);
            }
            None => {
                let len = buf.len();
                reader.consume(len);
                skipped += len as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(data: &'static [u8], whole: bool, max: usize) -> RecordReader {
        RecordReader::new(Box::new(io::Cursor::new(data)), whole, max)
    }

    #[test]
    fn lines_crlf_and_oversized_records() {
        let mut r = reader(b"a\r\nbbbbbbbbbb\ncc", false, 4);
        let batch = r.batch(10).unwrap();
        let got: Vec<(u64, &[u8], bool)> = batch
            .iter()
            .map(|r| (r.line, r.bytes.as_slice(), r.too_large))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, &b"a"[..], false),
                (2, &b""[..], true),
                (3, &b"cc"[..], false)
            ]
        );
        assert_eq!(r.bytes_read, 16, "every byte, skipped ones included");
        assert!(r.batch(10).unwrap().is_empty());
    }

    #[test]
    fn whole_stream_is_one_record() {
        let mut r = reader(b"one\ntwo\n", true, 100);
        let batch = r.batch(10).unwrap();
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].bytes, b"one\ntwo\n");
    }
}
