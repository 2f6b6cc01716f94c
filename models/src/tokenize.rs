//! Tokenization into windows of the model's length.
//!
//! A text is tokenized once, without special tokens; the content is then cut
//! into windows of `max_length` tokens (special tokens included) that overlap
//! by `window_overlap`, and each window is scored. A text's score is its
//! highest window score, so an attack at the end of a long document is not
//! truncated away. A text that needs more than one window is also cut into
//! short windows (`detail_window_length`), in which a short attack is not
//! averaged away by the benign text around it.

use std::ops::Range;
use std::path::Path;

use crate::config::ModelConfig;
use crate::error::{Error, Result};

/// A tokenizer that cuts texts into model-sized windows.
///
/// It is `Send + Sync` and cheap to share: the batcher tokenizes on the
/// caller's thread so that tokenization runs on all cores.
pub struct WindowTokenizer {
    inner: tokenizers::Tokenizer,
    prefix: Vec<u32>,
    suffix: Vec<u32>,
    /// Content tokens per window, and the step between window starts.
    main: Cut,
    /// The same for short windows of long texts, if any.
    detail: Option<Cut>,
}

#[derive(Clone, Copy)]
struct Cut {
    content: usize,
    step: usize,
}

impl Cut {
    fn windows(self, len: usize, out: &mut Vec<Range<usize>>) {
        let mut start = 0;
        loop {
            let end = (start + self.content).min(len);
            out.push(start..end);
            if end == len {
                return;
            }
            start += self.step;
        }
    }
}

/// A tokenized text: content ids and the windows over them.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    ids: Vec<u32>,
    windows: Vec<Range<usize>>,
}

impl Tokens {
    /// The content ids of each window, without special tokens.
    pub fn windows(&self) -> impl ExactSizeIterator<Item = &[u32]> + '_ {
        self.windows.iter().map(|w| &self.ids[w.clone()])
    }

    /// How many windows the text was cut into (at least one).
    pub fn window_count(&self) -> usize {
        self.windows.len()
    }

    /// Content tokens in the text.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the text had no tokens at all.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl WindowTokenizer {
    /// Loads `tokenizer.json` and works out the model's special tokens (such
    /// as `[CLS] … [SEP]`) from its post-processor.
    pub fn from_config(config: &ModelConfig) -> Result<Self> {
        let mut tokenizer =
            Self::from_file(&config.tokenizer, config.max_length, config.window_overlap)?;
        if config.detail_window_length > 0 {
            tokenizer.detail = Some(tokenizer.cut(
                &config.tokenizer,
                config.detail_window_length,
                config.detail_window_overlap,
            )?);
        }
        Ok(tokenizer)
    }

    /// Loads a tokenizer with explicit window settings (no short windows).
    pub fn from_file(path: &Path, max_length: usize, overlap: usize) -> Result<Self> {
        let fail = |reason: String| Error::Tokenizer {
            path: path.to_path_buf(),
            reason,
        };
        if !path.exists() {
            return Err(fail("file not found".into()));
        }
        let mut inner = tokenizers::Tokenizer::from_file(path).map_err(|e| fail(e.to_string()))?;
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| fail(e.to_string()))?;
        let bare = encode(&inner, "a", false)?;
        let framed = encode(&inner, "a", true)?;
        let at = framed
            .windows(bare.len().max(1))
            .position(|w| w == bare.as_slice())
            .ok_or_else(|| fail("cannot find the text inside its special tokens".into()))?;
        let mut tokenizer = WindowTokenizer {
            inner,
            prefix: framed[..at].to_vec(),
            suffix: framed[at + bare.len()..].to_vec(),
            main: Cut {
                content: 0,
                step: 0,
            },
            detail: None,
        };
        tokenizer.main = tokenizer.cut(path, max_length, overlap)?;
        Ok(tokenizer)
    }

    fn cut(&self, path: &Path, length: usize, overlap: usize) -> Result<Cut> {
        let content = length
            .checked_sub(self.prefix.len() + self.suffix.len())
            .filter(|&c| c > overlap)
            .ok_or_else(|| Error::Tokenizer {
                path: path.to_path_buf(),
                reason: format!("a window of {length} tokens leaves no room for content"),
            })?;
        Ok(Cut {
            content,
            step: content - overlap,
        })
    }

    /// Tokenizes a text and cuts it into windows.
    ///
    /// ```no_run
    /// # let config = palisade_models::ModelConfig::from_file("models/guard.toml".as_ref())?;
    /// let tokenizer = palisade_models::WindowTokenizer::from_config(&config)?;
    /// let long = "word ".repeat(5_000);
    /// assert!(tokenizer.tokenize(&long)?.window_count() > 1);
    /// # Ok::<(), palisade_models::Error>(())
    /// ```
    pub fn tokenize(&self, text: &str) -> Result<Tokens> {
        let ids = encode(&self.inner, text, false)?;
        let mut windows = Vec::with_capacity(ids.len() / self.main.step + 1);
        self.main.windows(ids.len(), &mut windows);
        if let (Some(detail), true) = (self.detail, windows.len() > 1) {
            detail.windows(ids.len(), &mut windows);
        }
        Ok(Tokens { ids, windows })
    }

    /// Special tokens before each window's content.
    pub fn prefix(&self) -> &[u32] {
        &self.prefix
    }

    /// Special tokens after each window's content.
    pub fn suffix(&self) -> &[u32] {
        &self.suffix
    }
}

fn encode(tokenizer: &tokenizers::Tokenizer, text: &str, special: bool) -> Result<Vec<u32>> {
    tokenizer
        .encode_fast(text, special)
        .map(|e| e.get_ids().to_vec())
        .map_err(|e| Error::Tokenize(e.to_string()))
}
