//! Criterion benches of the engine's hot paths. Each scan bench asserts its
//! finding count inside the measured loop, so a fast wrong result fails.
//!
//! `cargo bench -p palisade-benches --bench engine`

use criterion::measurement::WallTime;
use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use palisade_benches::corpus;
use palisade_engine::{
    InjectionRules, Normalized, Operator, Redactor, ScanOptions, Scanner, ScannerBuilder,
    Validator, BUILTIN_ENTITIES,
};
use palisade_kernels::{count_chars, find_non_ascii, word_starts, Beside, ByteSet, Kernel};

const CORPUS_BYTES: usize = 4 << 20;

fn scan_count(
    scanner: &Scanner,
    text: &str,
    options: &ScanOptions,
    scratch: &mut palisade_engine::Scratch,
    out: &mut Vec<palisade_engine::Finding>,
) -> usize {
    scanner.scan_with(text, options, scratch, out);
    out.len()
}

/// Benches one scan of `text`, asserting inside the loop that it finds what
/// a first scan found.
fn bench_scan(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    scanner: &Scanner,
    text: &str,
    options: &ScanOptions,
) {
    let (mut scratch, mut out) = (scanner.scratch(), Vec::new());
    let expected = scan_count(scanner, text, options, &mut scratch, &mut out);
    group.bench_function(name, |b| {
        b.iter(|| {
            assert_eq!(
                scan_count(scanner, black_box(text), options, &mut scratch, &mut out),
                expected
            )
        })
    });
}

/// The whole built-in rule set over prose with about one planted item per
/// 2 KB: number-dense prose (a hard negative in a third of the sentences),
/// the same with every prefilter off (the cost they save), and plain prose.
fn scan(c: &mut Criterion) {
    let dense = corpus::prose(42, CORPUS_BYTES);
    let plain = corpus::plain_prose(42, CORPUS_BYTES);
    let mut group = c.benchmark_group("scan");
    group.sample_size(10);
    for (name, doc, prefilter) in [
        ("builtin", &dense, true),
        ("builtin_no_prefilter", &dense, false),
        ("builtin_plain_prose", &plain, true),
    ] {
        let scanner = ScannerBuilder::new().prefilter(prefilter).build().unwrap();
        let options = ScanOptions::default();
        let found = scanner.scan(&doc.text).len();
        assert!(
            found as f64 >= 0.95 * doc.labels.len() as f64,
            "{found} findings for {} planted",
            doc.labels.len()
        );
        group.throughput(Throughput::Bytes(doc.text.len() as u64));
        bench_scan(&mut group, name, &scanner, &doc.text, &options);
    }
    group.finish();
}

/// What the guard layer costs on ordinary text: the same scan with the
/// normalized view and decoding off, and the normalized view alone on text
/// that needs it (a zero-width space every 500 characters or so).
fn guard(c: &mut Criterion) {
    let dense = corpus::prose(42, CORPUS_BYTES);
    let scanner = Scanner::builtin();
    let mut group = c.benchmark_group("guard");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(dense.text.len() as u64));
    let off = ScanOptions {
        normalize: false,
        decode_depth: 0,
        ..ScanOptions::default()
    };
    bench_scan(
        &mut group,
        "scan_guard_on",
        &scanner,
        &dense.text,
        &ScanOptions::default(),
    );
    bench_scan(&mut group, "scan_guard_off", &scanner, &dense.text, &off);
    let mut hidden = String::with_capacity(dense.text.len() + dense.text.len() / 100);
    for (i, c) in dense.text.chars().enumerate() {
        if i % 500 == 499 && c == ' ' {
            hidden.push('\u{200B}');
        }
        hidden.push(c);
    }
    let mut view = Normalized::default();
    group.bench_function("normalize_view", |b| {
        b.iter(|| assert!(view.normalize(black_box(&hidden))))
    });
    let rules = InjectionRules::builtin();
    let expected = rules.check(&dense.text).matches.len();
    group.bench_function("injection_rules", |b| {
        b.iter(|| assert_eq!(rules.check(black_box(&dense.text)).matches.len(), expected))
    });
    group.finish();
}

/// The cost of each entity type alone: the scan with only it enabled.
fn scan_per_entity(c: &mut Criterion) {
    let doc = corpus::prose(42, 1 << 20);
    let scanner = Scanner::builtin();
    let mut group = c.benchmark_group("scan_entity");
    group.throughput(Throughput::Bytes(doc.text.len() as u64));
    for &entity in BUILTIN_ENTITIES {
        let options = ScanOptions {
            entities: Some(scanner.entity_set([entity]).unwrap()),
            ..ScanOptions::default()
        };
        bench_scan(&mut group, entity, &scanner, &doc.text, &options);
    }
    group.finish();
}

/// The trigger prefilter's byte search, SIMD against scalar: every digit of
/// number-dense prose, through the iterator the scan uses and through one
/// `find` call per digit; sets of one or two bytes (`memchr`); and the run
/// search that finds base64 and hex runs for decode-then-scan; members with
/// the neighbors a MAC address gives its separators.
fn byteset(c: &mut Criterion) {
    let doc = corpus::prose(42, 1 << 20);
    let hay = doc.text.as_bytes();
    let mut group = c.benchmark_group("byteset_find_all_digits");
    group.throughput(Throughput::Bytes(hay.len() as u64));
    let expected = doc.text.bytes().filter(u8::is_ascii_digit).count();
    for (name, kernel) in [("auto", Kernel::Auto), ("scalar", Kernel::Scalar)] {
        let set = ByteSet::new(b"0123456789").kernel(kernel);
        group.bench_function(format!("find_iter_{name}"), |b| {
            b.iter(|| assert_eq!(set.find_iter(black_box(hay)).count(), expected))
        });
        group.bench_function(format!("find_{name}"), |b| {
            b.iter(|| {
                let (mut at, mut n) = (0, 0);
                while let Some(i) = set.find(black_box(hay), at) {
                    n += 1;
                    at = i + 1;
                }
                assert_eq!(n, expected);
            })
        });
    }
    group.finish();
    // Sets of one or two bytes take `memchr`.
    let mut group = c.benchmark_group("byteset_find_all_few");
    group.throughput(Throughput::Bytes(hay.len() as u64));
    for (name, bytes) in [("x", &b"x"[..]), ("equals_colon", b"=:")] {
        let expected = hay.iter().filter(|b| bytes.contains(b)).count();
        for (path, kernel) in [("auto", Kernel::Auto), ("scalar", Kernel::Scalar)] {
            let set = ByteSet::new(bytes).kernel(kernel);
            group.bench_function(format!("{name}_{path}"), |b| {
                b.iter(|| assert_eq!(set.find_iter(black_box(hay)).count(), expected))
            });
        }
    }
    group.finish();
    // A MAC address's separators between hex digits: most of prose's
    // periods end a sentence and fail the neighbor test in the SIMD pass.
    let mut group = c.benchmark_group("byteset_find_beside");
    group.throughput(Throughput::Bytes(hay.len() as u64));
    let hex = b"0123456789ABCDEFabcdef:-.";
    let between_hex = |i: usize| {
        i > 0 && hex.contains(&hay[i - 1]) && hay.get(i + 1).is_some_and(|b| hex.contains(b))
    };
    let expected = (0..hay.len())
        .filter(|&i| b":-.".contains(&hay[i]) && between_hex(i))
        .count();
    for (name, kernel) in [("auto", Kernel::Auto), ("scalar", Kernel::Scalar)] {
        let set = ByteSet::new(b":-.").kernel(kernel);
        let beside = Beside {
            set: ByteSet::new(hex).kernel(kernel),
            before: true,
            after: true,
        };
        group.bench_function(format!("mac_separators_{name}"), |b| {
            b.iter(|| {
                assert_eq!(
                    set.find_iter_beside(black_box(hay), &beside).count(),
                    expected
                )
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("byteset_runs");
    group.throughput(Throughput::Bytes(hay.len() as u64));
    let alphabet: Vec<u8> = (0..=127u8)
        .filter(|b| b.is_ascii_alphanumeric() || b"+/-_".contains(b))
        .collect();
    for (name, kernel) in [("auto", Kernel::Auto), ("scalar", Kernel::Scalar)] {
        let set = ByteSet::new(&alphabet).kernel(kernel);
        group.bench_function(name, |b| {
            b.iter(|| {
                let (mut at, mut n) = (0, 0usize);
                while let Some(run) = set.find_run::<16>(black_box(hay), at) {
                    n += 1;
                    at = run + 16;
                }
                assert!(n > 0);
            })
        });
    }
    group.finish();
}

fn offsets(c: &mut Criterion) {
    let doc = corpus::prose(42, 1 << 20);
    let mut group = c.benchmark_group("count_chars");
    group.throughput(Throughput::Bytes(doc.text.len() as u64));
    let expected = doc.text.chars().count();
    group.bench_function("prose", |b| {
        b.iter(|| assert_eq!(count_chars(black_box(doc.text.as_bytes())), expected))
    });
    group.finish();

    // The normalization check's walk: from one character beyond ASCII to
    // the next, over prose where a tenth of the sentences hold some.
    let mut group = c.benchmark_group("find_non_ascii");
    group.throughput(Throughput::Bytes(doc.text.len() as u64));
    let bytes = doc.text.as_bytes();
    let expected = bytes.iter().filter(|&&b| b >= 0xC0).count();
    group.bench_function("prose", |b| {
        b.iter(|| {
            let (mut from, mut starts) = (0, 0);
            while let Some(at) = find_non_ascii(black_box(bytes), from) {
                starts += usize::from(bytes[at] >= 0xC0);
                from = at + 1;
            }
            assert_eq!(starts, expected)
        })
    });
    group.finish();

    // Where words start, for the context words near each finding: over a
    // whole text here (the scan looks at about 100 bytes per finding).
    let mut group = c.benchmark_group("word_starts");
    group.throughput(Throughput::Bytes(doc.text.len() as u64));
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    let expected = (0..bytes.len())
        .filter(|&i| alnum(bytes[i]) || !bytes[i].is_ascii())
        .filter(|&i| i == 0 || !alnum(bytes[i - 1]))
        .count();
    group.bench_function("prose", |b| {
        b.iter(|| {
            assert_eq!(
                word_starts(black_box(bytes), 0, bytes.len()).count(),
                expected
            )
        })
    });
    group.finish();
}

fn validators(c: &mut Criterion) {
    let cases = [
        ("credit_card", "4111 1111 1111 1111"),
        ("iban", "GB82 WEST 1234 5698 7654 32"),
        ("us_ssn", "536-22-1234"),
        ("uk_nhs", "943 476 5919"),
        ("ip", "2001:db8::8a2e:370:7334"),
        ("bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        ("ethereum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        ("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
        ("phone", "+44 20 7946 0958"),
    ];
    let mut group = c.benchmark_group("validate");
    for (name, value) in cases {
        let validator: Validator = name.parse().unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(name), value, |b, v| {
            b.iter(|| assert!(validator.check(black_box(v))))
        });
    }
    group.finish();
}

fn redaction(c: &mut Criterion) {
    let doc = corpus::prose(7, 64 << 10);
    let scanner = Scanner::builtin();
    let findings = scanner.scan(&doc.text);
    let mut group = c.benchmark_group("redact");
    group.throughput(Throughput::Bytes(doc.text.len() as u64));
    let operators = [
        ("replace", Operator::Replace { new_value: None }),
        (
            "mask",
            Operator::Mask {
                masking_char: '*',
                chars_to_mask: None,
                from_end: false,
            },
        ),
        (
            "pseudonymize",
            Operator::Pseudonymize {
                key: "bench-key".into(),
                length: 8,
            },
        ),
        (
            "encrypt",
            Operator::Encrypt {
                key: "0123456789abcdef0123456789abcdef".into(),
            },
        ),
    ];
    for (name, op) in operators {
        let redactor = Redactor {
            default: Some(op),
            ..Redactor::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                assert_eq!(
                    redactor
                        .redact_findings(&scanner, black_box(&doc.text), &findings)
                        .unwrap()
                        .items
                        .len(),
                    findings.len()
                )
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    scan,
    guard,
    scan_per_entity,
    byteset,
    offsets,
    validators,
    redaction
);
criterion_main!(benches);
