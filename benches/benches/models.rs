//! Criterion benches of the classifiers on the CPU: tokenization, and
//! inference by batch size and sequence length. Needs `models/setup.sh`.
//!
//! `cargo bench -p palisade-benches --bench models`

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use palisade_models::{Classifier, Device, LoadOptions, ModelConfig};

const PROMPTS: &str = include_str!("../../testdata/samples/prompts.jsonl");
const PROMPT_1K: &str = include_str!("../../testdata/samples/prompt-1k.txt");

fn classifier(max_batch: usize) -> Classifier {
    let config =
        ModelConfig::from_file(&palisade_models::default_config()).expect("models/guard.toml");
    let mut options = LoadOptions::new(palisade_models::default_runtime());
    options.device = Device::Cpu;
    options.max_batch = max_batch;
    Classifier::load(config, &options).expect("the guard model: run models/setup.sh first")
}

/// A text of exactly `tokens` tokens, special tokens included.
fn text_of(classifier: &Classifier, tokens: usize) -> String {
    let text = "hello ".repeat(tokens - 2);
    let got = classifier.tokenizer().tokenize(&text).unwrap().len() + 2;
    assert_eq!(got, tokens, "sizing the bench text");
    text
}

fn tokenize(c: &mut Criterion) {
    let classifier = classifier(1);
    let tokenizer = classifier.tokenizer();
    let prompts: Vec<String> = PROMPTS
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut group = c.benchmark_group("tokenize");
    group.throughput(Throughput::Elements(prompts.len() as u64));
    group.bench_function("sample_prompts", |b| {
        b.iter(|| {
            prompts
                .iter()
                .map(|p| tokenizer.tokenize(p).unwrap().len())
                .sum::<usize>()
        })
    });
    group.throughput(Throughput::Bytes(PROMPT_1K.len() as u64));
    group.bench_function("prompt_1k", |b| {
        b.iter(|| tokenizer.tokenize(PROMPT_1K).unwrap().len())
    });
    group.finish();
}

fn inference(c: &mut Criterion) {
    let mut classifier = classifier(128);
    let mut group = c.benchmark_group("classify_cpu");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for tokens in [32, 128] {
        let text = text_of(&classifier, tokens);
        for batch in [1, 8, 32, 128] {
            let texts: Vec<&str> = vec![text.as_str(); batch];
            group.throughput(Throughput::Elements(batch as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("{tokens}_tokens"), batch),
                &texts,
                |b, texts| {
                    b.iter(|| {
                        let scores = classifier.classify(texts).unwrap();
                        assert_eq!(scores.len(), texts.len());
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, tokenize, inference);
criterion_main!(benches);
