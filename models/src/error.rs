use std::path::PathBuf;

/// Why a classifier could not be loaded or could not answer.
///
/// Errors are `Clone` because one failed batch answers every request in it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The ONNX Runtime shared library is missing or unusable.
    #[error("ONNX Runtime library {path}: {reason} (run models/setup.sh, or point --onnxruntime / PALISADE_ORT_LIB at libonnxruntime.so)")]
    Runtime {
        /// The library path that was tried.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The model config file is missing or invalid.
    #[error("model config {path}: {reason}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The ONNX model file is missing, corrupt, or lacks a configured input or output.
    #[error("model {path}: {reason}")]
    Model {
        /// The ONNX file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The tokenizer file is missing or invalid.
    #[error("tokenizer {path}: {reason}")]
    Tokenizer {
        /// The tokenizer.json file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A text could not be tokenized.
    #[error("tokenization failed: {0}")]
    Tokenize(String),
    /// ONNX Runtime failed while running a batch.
    #[error("inference failed: {0}")]
    Inference(String),
    /// The batcher's queue is full: the caller should retry later.
    #[error("classifier queue is full ({capacity} requests waiting)")]
    Overloaded {
        /// The queue capacity that was reached.
        capacity: usize,
    },
    /// The batcher's worker has stopped.
    #[error("classifier worker has stopped")]
    Stopped,
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
