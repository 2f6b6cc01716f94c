//! Model configs: what a sequence classifier exported to ONNX looks like.
//!
//! A config names the ONNX file, its tokenizer, its input tensors and one or
//! more outputs, each turned into one score. Any Hugging Face-style sequence
//! classifier exported to ONNX can be plugged in by writing one:
//!
//! ```toml
//! name = "deberta-injection"
//! model = "deberta/model.onnx"          # relative to this file
//! tokenizer = "deberta/tokenizer.json"
//! max_length = 512
//!
//! [inputs]
//! input_ids = "input_ids"
//! attention_mask = "attention_mask"     # token_type_ids is optional
//!
//! [[outputs]]
//! score = "injection"                   # the name callers see
//! tensor = "logits"
//! activation = "softmax"
//! positive_index = 1                    # the INJECTION label
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::backend::Provider;
use crate::error::{Error, Result};

/// A loaded model config with paths resolved against the config's folder.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Shown in logs and in `/readyz`.
    pub name: String,
    /// The ONNX file.
    pub model: PathBuf,
    /// The Hugging Face `tokenizer.json`. Its own padding and truncation
    /// settings are ignored: batches are padded to their longest window and
    /// long texts are split into windows.
    pub tokenizer: PathBuf,
    /// Tokens per window, special tokens included.
    #[serde(default = "default_max_length")]
    pub max_length: usize,
    /// Tokens shared by consecutive windows, so that a phrase cut by one
    /// window boundary is whole in the next window.
    #[serde(default = "default_overlap")]
    pub window_overlap: usize,
    /// Texts longer than one window are also scored in short windows of
    /// this many tokens (special tokens included; 0: off). A mean-pooled
    /// encoder averages over its window, so a short attack inside a long
    /// document is diluted by the text around it; a short window is not.
    #[serde(default)]
    pub detail_window_length: usize,
    /// Tokens shared by consecutive short windows.
    #[serde(default)]
    pub detail_window_overlap: usize,
    /// Texts with fewer content tokens than this score 0 without running the
    /// model: when its training data holds no text this short, what it says
    /// about "hi" means nothing (0: only empty texts are skipped).
    #[serde(default)]
    pub min_tokens: usize,
    /// Input tensor names.
    #[serde(default)]
    pub inputs: Inputs,
    /// One score per output.
    pub outputs: Vec<OutputSpec>,
    /// What changes when the model runs on the CPU.
    #[serde(default)]
    pub cpu: CpuSettings,
}

/// CPU-only settings: a model built for the CPU, such as a quantized one.
///
/// ```toml
/// [cpu]
/// model = "dist/guard-cpu.onnx"   # int8, dynamically quantized
/// max_batch = 1                   # its activation scales span a whole call
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpuSettings {
    /// Used instead of `model` on the CPU; same inputs and outputs.
    pub model: Option<PathBuf>,
    /// Most windows per inference call on the CPU. A dynamically quantized
    /// model computes one activation scale over everything in a call, so
    /// its scores depend on the other windows of a batch unless this is 1.
    pub max_batch: Option<usize>,
}

/// Input tensor names; all of them are int64 `[batch, sequence]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// Token ids.
    #[serde(default = "default_input_ids")]
    pub input_ids: String,
    /// 1 for tokens, 0 for padding.
    #[serde(default = "default_attention_mask")]
    pub attention_mask: String,
    /// Segment ids, all 0; leave out for models without them.
    #[serde(default)]
    pub token_type_ids: Option<String>,
}

impl Default for Inputs {
    fn default() -> Self {
        Inputs {
            input_ids: default_input_ids(),
            attention_mask: default_attention_mask(),
            token_type_ids: None,
        }
    }
}

/// How one output tensor becomes one probability.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// The score's name, such as `injection`.
    pub score: String,
    /// The output tensor, `[batch, classes]`.
    pub tensor: String,
    /// How logits become probabilities.
    #[serde(default)]
    pub activation: Activation,
    /// The class whose probability is the score.
    #[serde(default = "default_positive_index")]
    pub positive_index: usize,
}

/// How logits become probabilities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// Classes exclude each other (`[benign, injection]`).
    #[default]
    Softmax,
    /// Each class is its own yes/no question (multi-label heads).
    Sigmoid,
}

impl Activation {
    /// The probability of class `positive` from one row of logits.
    pub fn probability(self, logits: &[f32], positive: usize) -> f32 {
        match self {
            Activation::Sigmoid => 1.0 / (1.0 + (-logits[positive]).exp()),
            Activation::Softmax => {
                let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let sum: f32 = logits.iter().map(|&z| (z - max).exp()).sum();
                (logits[positive] - max).exp() / sum
            }
        }
    }
}

impl ModelConfig {
    /// Reads a TOML config; relative paths are taken from the config's folder.
    ///
    /// ```no_run
    /// let config = palisade_models::ModelConfig::from_file("models/guard.toml".as_ref())?;
    /// assert_eq!(config.outputs[0].score, "injection");
    /// # Ok::<(), palisade_models::Error>(())
    /// ```
    pub fn from_file(path: &Path) -> Result<Self> {
        let fail = |reason: String| Error::Config {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let mut config: ModelConfig = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
        config.validate().map_err(fail)?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.model = base.join(&config.model);
        config.tokenizer = base.join(&config.tokenizer);
        config.cpu.model = config.cpu.model.map(|m| base.join(m));
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        if self.max_length < 8 {
            return Err(format!("max_length {} is below 8", self.max_length));
        }
        if self.window_overlap * 2 > self.max_length {
            return Err(format!(
                "window_overlap {} is more than half of max_length {}",
                self.window_overlap, self.max_length
            ));
        }
        if self.detail_window_length > 0
            && (self.detail_window_length >= self.max_length
                || self.detail_window_overlap * 2 > self.detail_window_length)
        {
            return Err(format!(
                "detail_window_length {} must be below max_length {} and at least twice detail_window_overlap {}",
                self.detail_window_length, self.max_length, self.detail_window_overlap
            ));
        }
        if self.cpu.max_batch == Some(0) {
            return Err("[cpu] max_batch must be at least 1".into());
        }
        if self.outputs.is_empty() {
            return Err("no [[outputs]]: a classifier needs at least one score".into());
        }
        for (i, output) in self.outputs.iter().enumerate() {
            if self.outputs[..i].iter().any(|o| o.score == output.score) {
                return Err(format!("score `{}` is defined twice", output.score));
            }
        }
        Ok(())
    }

    /// The ONNX file for a device: the `[cpu]` model on the CPU, if any.
    pub fn model_for(&self, provider: Provider) -> &Path {
        match (provider, &self.cpu.model) {
            (Provider::Cpu, Some(model)) => model,
            _ => &self.model,
        }
    }

    /// The score names, in output order.
    pub fn score_names(&self) -> Vec<String> {
        self.outputs.iter().map(|o| o.score.clone()).collect()
    }
}

fn default_max_length() -> usize {
    256
}
fn default_overlap() -> usize {
    32
}
fn default_input_ids() -> String {
    "input_ids".into()
}
fn default_attention_mask() -> String {
    "attention_mask".into()
}
fn default_positive_index() -> usize {
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_and_sigmoid() {
        let p = Activation::Softmax.probability(&[0.0, 0.0], 1);
        assert!((p - 0.5).abs() < 1e-6);
        let p = Activation::Softmax.probability(&[-100.0, 100.0], 1);
        assert!(p > 0.999);
        let p = Activation::Sigmoid.probability(&[0.0], 0);
        assert!((p - 0.5).abs() < 1e-6);
    }

    #[test]
    fn rejects_bad_configs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        let write = |text: &str| std::fs::write(&path, text).unwrap();
        write("name = 'x'\nmodel = 'm.onnx'\ntokenizer = 't.json'\noutputs = []\n");
        let err = ModelConfig::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("no [[outputs]]"), "{err}");
        write("name = 'x'\nmodel = 'm.onnx'\ntokenizer = 't.json'\nbogus = 1\n[[outputs]]\nscore='a'\ntensor='l'\n");
        let err = ModelConfig::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("bogus"), "{err}");
        write("name = 'x'\nmodel = 'm.onnx'\ntokenizer = 't.json'\n[[outputs]]\nscore='a'\ntensor='l'\n[[outputs]]\nscore='a'\ntensor='k'\n");
        let err = ModelConfig::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("defined twice"), "{err}");
        write("name = 'x'\nmodel = 'm.onnx'\ntokenizer = 't.json'\n[[outputs]]\nscore='a'\ntensor='l'\n");
        let config = ModelConfig::from_file(&path).unwrap();
        assert_eq!(config.model, dir.path().join("m.onnx"));
        assert_eq!(config.max_length, 256);
        assert_eq!(config.model_for(Provider::Cpu), dir.path().join("m.onnx"));
        write("name = 'x'\nmodel = 'm.onnx'\ntokenizer = 't.json'\n[cpu]\nmodel = 'c.onnx'\nmax_batch = 1\n[[outputs]]\nscore='a'\ntensor='l'\n");
        let config = ModelConfig::from_file(&path).unwrap();
        assert_eq!(config.model_for(Provider::Cpu), dir.path().join("c.onnx"));
        assert_eq!(config.model_for(Provider::Cuda), dir.path().join("m.onnx"));
        assert_eq!(config.cpu.max_batch, Some(1));
        write("name = 'x'\nmodel = 'm.onnx'\ntokenizer = 't.json'\n[cpu]\nmax_batch = 0\n[[outputs]]\nscore='a'\ntensor='l'\n");
        let err = ModelConfig::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("max_batch"), "{err}");
    }
}
