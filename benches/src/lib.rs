//! Benchmarks and generated test data for palisade.
//!
//! [`corpus`] generates text with planted PII and secrets at exact, known
//! spans: the labeled corpus behind the engine's precision/recall test
//! (`testdata/corpus/`, written by the `gen-corpus` binary) and the prose
//! that the criterion benches scan.
#![deny(missing_docs)]

pub mod corpus;
