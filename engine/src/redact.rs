//! Redaction operators: what replaces a finding in the output text.
//!
//! A consumer of findings, not part of the search (like ripgrep's printer).
//! Operators are chosen per entity type, with a default, and configured in
//! Presidio's anonymizer shape (`{"type": "mask", "masking_char": "*", ...}`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// How one entity type is redacted.
///
/// ```
/// use palisade_engine::Operator;
///
/// let op: Operator = serde_json::from_str(
///     r##"{"type": "mask", "masking_char": "#", "chars_to_mask": 4, "from_end": true}"##,
/// )
/// .unwrap();
/// assert_eq!(op.apply("PHONE_NUMBER", "555-0100").unwrap(), "555-####");
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operator {
    /// Replaces the value with `new_value`, by default `<ENTITY_TYPE>`.
    Replace {
        /// The replacement text.
        #[serde(default)]
        new_value: Option<String>,
    },
    /// Removes the value.
    Redact,
    /// Replaces `chars_to_mask` characters (all when absent) with `masking_char`.
    Mask {
        /// The masking character (default `*`).
        #[serde(default = "default_mask_char")]
        masking_char: char,
        /// How many characters to mask.
        #[serde(default)]
        chars_to_mask: Option<usize>,
        /// Mask from the end instead of the start.
        #[serde(default)]
        from_end: bool,
    },
    /// HMAC-SHA256 of the value under `key`, as `length` hex digits (default 16).
    Hash {
        /// The HMAC key; the same key gives the same hashes, so equal values stay joinable.
        key: String,
        /// Hex digits kept (1-64).
        #[serde(default = "default_hash_len")]
        length: usize,
    },
    /// A keyed surrogate such as `<EMAIL_ADDRESS_7f3a09c2>`: the same value and
    /// key always give the same surrogate, across documents and runs.
    Pseudonymize {
        /// The HMAC key.
        key: String,
        /// Hex digits in the surrogate (1-64, default 8).
        #[serde(default = "default_pseudonym_len")]
        length: usize,
    },
    /// AES-GCM (authenticated) with a random nonce, as base64url; reversed by [`decrypt`].
    Encrypt {
        /// 16 or 32 bytes: as text, or as 32/64 hex digits.
        key: String,
    },
}

fn default_mask_char() -> char {
    '*'
}
fn default_hash_len() -> usize {
    16
}
fn default_pseudonym_len() -> usize {
    8
}

/// Why an operator could not be applied or configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedactError {
    /// An `encrypt` key that is not 16 or 32 bytes.
    #[error("encryption key must be 16 or 32 bytes (or 32/64 hex digits)")]
    KeyLength,
    /// A `hash` or `pseudonymize` length outside 1-64, or an empty key.
    #[error("{0}")]
    Invalid(String),
    /// Decryption failed: wrong key, or the text was altered.
    #[error("cannot decrypt: wrong key or tampered ciphertext")]
    Decrypt,
    /// An operator is configured for an entity type the scanner does not know.
    #[error("unknown entity type '{0}' in the operators")]
    UnknownEntity(String),
}

enum Cipher {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
}

fn cipher(key: &str) -> Result<Cipher, RedactError> {
    let bytes = match hex::decode(key) {
        Ok(raw) if key.len() == 32 || key.len() == 64 => raw,
        _ => key.as_bytes().to_vec(),
    };
    match bytes.len() {
        16 => Ok(Cipher::Aes128(Box::new(
            Aes128Gcm::new_from_slice(&bytes).expect("16 bytes"),
        ))),
        32 => Ok(Cipher::Aes256(Box::new(
            Aes256Gcm::new_from_slice(&bytes).expect("32 bytes"),
        ))),
        _ => Err(RedactError::KeyLength),
    }
}

/// Appends the first `length` hex digits of the HMAC-SHA256 of `parts`.
fn hmac_hex(key: &str, parts: &[&[u8]], length: usize, out: &mut String) {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    let digest = mac.finalize().into_bytes();
    let start = out.len();
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out.truncate(start + length);
}

impl Operator {
    /// Checks keys and lengths, so that a bad config fails at load, not per finding.
    pub fn validate(&self) -> Result<(), RedactError> {
        match self {
            Operator::Hash { key, length } | Operator::Pseudonymize { key, length } => {
                if key.is_empty() {
                    return Err(RedactError::Invalid(
                        "hash and pseudonymize need a non-empty key".into(),
                    ));
                }
                if !(1..=64).contains(length) {
                    return Err(RedactError::Invalid(
                        "length must be 1-64 hex digits".into(),
                    ));
                }
                Ok(())
            }
            Operator::Encrypt { key } => cipher(key).map(|_| ()),
            _ => Ok(()),
        }
    }

    /// The text that replaces `value`, a finding of type `entity`.
    pub fn apply(&self, entity: &str, value: &str) -> Result<String, RedactError> {
        let mut out = String::new();
        self.apply_into(entity, value, &mut out)?;
        Ok(out)
    }

    /// Appends the replacement of `value` to `out`; allocation-free for every
    /// operator but `encrypt`.
    pub fn apply_into(
        &self,
        entity: &str,
        value: &str,
        out: &mut String,
    ) -> Result<(), RedactError> {
        match self {
            Operator::Replace { new_value: Some(v) } => out.push_str(v),
            Operator::Replace { new_value: None } => {
                let _ = write!(out, "<{entity}>");
            }
            Operator::Redact => {}
            Operator::Mask {
                masking_char,
                chars_to_mask,
                from_end,
            } => {
                let total = value.chars().count();
                let n = chars_to_mask.unwrap_or(total).min(total);
                let masked = |i: usize| if *from_end { i >= total - n } else { i < n };
                out.extend(value.chars().enumerate().map(|(i, c)| {
                    if masked(i) {
                        *masking_char
                    } else {
                        c
                    }
                }));
            }
            Operator::Hash { key, length } => hmac_hex(key, &[value.as_bytes()], *length, out),
            Operator::Pseudonymize { key, length } => {
                let _ = write!(out, "<{entity}_");
                hmac_hex(
                    key,
                    &[entity.as_bytes(), b"\0", value.as_bytes()],
                    *length,
                    out,
                );
                out.push('>');
            }
            Operator::Encrypt { key } => {
                let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
                let sealed = match cipher(key)? {
                    Cipher::Aes128(c) => c.encrypt(&nonce, value.as_bytes()),
                    Cipher::Aes256(c) => c.encrypt(&nonce, value.as_bytes()),
                }
                .map_err(|_| RedactError::Decrypt)?;
                let mut token = nonce.to_vec();
                token.extend_from_slice(&sealed);
                URL_SAFE_NO_PAD.encode_string(token, out);
            }
        }
        Ok(())
    }
}

/// Reverses [`Operator::Encrypt`].
///
/// ```
/// use palisade_engine::{decrypt, Operator};
///
/// let op = Operator::Encrypt { key: "0123456789abcdef0123456789abcdef".into() };
/// let token = op.apply("US_SSN", "536-22-1234").unwrap();
/// assert_eq!(decrypt("0123456789abcdef0123456789abcdef", &token).unwrap(), "536-22-1234");
/// assert!(decrypt("fedcba9876543210fedcba9876543210", &token).is_err());
/// ```
pub fn decrypt(key: &str, token: &str) -> Result<String, RedactError> {
    let raw = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| RedactError::Decrypt)?;
    if raw.len() < 12 {
        return Err(RedactError::Decrypt);
    }
    let (nonce, sealed) = raw.split_at(12);
    let nonce = Nonce::from_slice(nonce);
    let plain = match cipher(key)? {
        Cipher::Aes128(c) => c.decrypt(nonce, sealed),
        Cipher::Aes256(c) => c.decrypt(nonce, sealed),
    }
    .map_err(|_| RedactError::Decrypt)?;
    String::from_utf8(plain).map_err(|_| RedactError::Decrypt)
}

/// A span to redact: entity type and byte offsets into the text.
#[derive(Clone, Copy, Debug)]
pub struct Span<'a> {
    /// Entity type name.
    pub entity: &'a str,
    /// Start byte offset.
    pub byte_start: usize,
    /// End byte offset (exclusive).
    pub byte_end: usize,
}

/// One replaced span of the output text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RedactedItem {
    /// Entity type.
    pub entity_type: String,
    /// Start in the output text, in code points.
    pub start: usize,
    /// End in the output text, in code points.
    pub end: usize,
    /// Operator type that produced it.
    pub operator: &'static str,
    /// The replacement text.
    pub text: String,
}

/// Redacted text and what was replaced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Redacted {
    /// The text with every span replaced.
    pub text: String,
    /// The replacements, in order.
    pub items: Vec<RedactedItem>,
}

/// Operators per entity type plus a default (`replace`).
///
/// ```
/// use palisade_engine::{Redactor, Scanner, Operator};
///
/// let scanner = Scanner::builtin();
/// let mut redactor = Redactor::default();
/// redactor.set("EMAIL_ADDRESS", Operator::Pseudonymize { key: "k".into(), length: 8 });
/// let text = "write to ana@example.org or ana@example.org";
/// let out = redactor.redact_findings(&scanner, text, &scanner.scan(text)).unwrap();
/// let first = &out.items[0].text;
/// assert!(first.starts_with("<EMAIL_ADDRESS_"));
/// assert_eq!(out.text, format!("write to {first} or {first}"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Redactor {
    /// Operator for entity types without their own (`DEFAULT` in Presidio's shape).
    #[serde(rename = "DEFAULT", default = "default_operator")]
    pub default: Option<Operator>,
    /// Operators by entity type.
    #[serde(flatten)]
    pub per_entity: BTreeMap<String, Operator>,
}

fn default_operator() -> Option<Operator> {
    None
}

impl Redactor {
    /// Sets the operator of one entity type.
    pub fn set(&mut self, entity: &str, operator: Operator) {
        self.per_entity.insert(entity.to_string(), operator);
    }

    /// Checks every operator, and that every entity type named is known.
    pub fn validate(&self, known_entity: impl Fn(&str) -> bool) -> Result<(), RedactError> {
        for (entity, op) in &self.per_entity {
            if !known_entity(entity) {
                return Err(RedactError::UnknownEntity(entity.clone()));
            }
            op.validate()?;
        }
        self.default.as_ref().map_or(Ok(()), Operator::validate)
    }

    fn operator(&self, entity: &str) -> &Operator {
        const REPLACE: Operator = Operator::Replace { new_value: None };
        self.per_entity
            .get(entity)
            .or(self.default.as_ref())
            .unwrap_or(&REPLACE)
    }

    /// Replaces `spans` in `text`. Overlapping spans are merged into one
    /// (typed as the first), so no part of any span survives.
    pub fn redact<'a>(
        &self,
        text: &str,
        spans: impl IntoIterator<Item = Span<'a>>,
    ) -> Result<Redacted, RedactError> {
        let mut out = String::with_capacity(text.len());
        let mut items = Vec::new();
        let (mut counted, mut out_chars) = (0, 0);
        self.rewrite(text, spans, &mut out, |out, span, op, replaced| {
            out_chars += palisade_kernels::count_chars(&out.as_bytes()[counted..replaced.start]);
            let len = palisade_kernels::count_chars(&out.as_bytes()[replaced.clone()]);
            items.push(RedactedItem {
                entity_type: span.entity.to_string(),
                start: out_chars,
                end: out_chars + len,
                operator: op.name(),
                text: out[replaced.clone()].to_string(),
            });
            out_chars += len;
            counted = replaced.end;
        })?;
        Ok(Redacted { text: out, items })
    }

    /// Like [`Redactor::redact`], the text only, written into `out` (cleared
    /// first): no allocation per span.
    ///
    /// ```
    /// use palisade_engine::{Redactor, Scanner};
    ///
    /// let scanner = Scanner::builtin();
    /// let text = "mail ana@example.org";
    /// let mut out = String::new();
    /// let spans = scanner.scan(text).iter().map(|f| f.span(&scanner)).collect::<Vec<_>>();
    /// Redactor::default().redact_into(text, spans, &mut out).unwrap();
    /// assert_eq!(out, "mail <EMAIL_ADDRESS>");
    /// ```
    pub fn redact_into<'a>(
        &self,
        text: &str,
        spans: impl IntoIterator<Item = Span<'a>>,
        out: &mut String,
    ) -> Result<(), RedactError> {
        out.clear();
        self.rewrite(text, spans, out, |_, _, _, _| {})
    }

    /// Copies `text` into `out` with each merged span replaced, and reports
    /// each replacement's byte range in `out`.
    fn rewrite<'a>(
        &self,
        text: &str,
        spans: impl IntoIterator<Item = Span<'a>>,
        out: &mut String,
        mut replaced: impl FnMut(&String, Span<'a>, &Operator, std::ops::Range<usize>),
    ) -> Result<(), RedactError> {
        let mut spans: Vec<Span<'a>> = spans.into_iter().collect();
        spans.sort_by_key(|s| (s.byte_start, std::cmp::Reverse(s.byte_end)));
        let mut pending: Option<Span<'a>> = None;
        let mut copied = 0;
        let mut flush = |span: Span<'a>, copied: &mut usize, out: &mut String| {
            out.push_str(&text[*copied..span.byte_start]);
            let op = self.operator(span.entity);
            let start = out.len();
            op.apply_into(span.entity, &text[span.byte_start..span.byte_end], out)?;
            replaced(out, span, op, start..out.len());
            *copied = span.byte_end;
            Ok(())
        };
        for span in spans {
            match &mut pending {
                Some(last) if span.byte_start < last.byte_end => {
                    last.byte_end = last.byte_end.max(span.byte_end)
                }
                _ => {
                    if let Some(done) = pending.replace(span) {
                        flush(done, &mut copied, out)?;
                    }
                }
            }
        }
        if let Some(done) = pending {
            flush(done, &mut copied, out)?;
        }
        out.push_str(&text[copied..]);
        Ok(())
    }

    /// Redacts the findings of a scan of `text`.
    pub fn redact_findings<'f>(
        &self,
        scanner: &crate::Scanner,
        text: &str,
        findings: impl IntoIterator<Item = &'f crate::Finding>,
    ) -> Result<Redacted, RedactError> {
        self.redact(text, findings.into_iter().map(|f| f.span(scanner)))
    }
}

impl Operator {
    /// The operator's type name, as in the config.
    pub fn name(&self) -> &'static str {
        match self {
            Operator::Replace { .. } => "replace",
            Operator::Redact => "redact",
            Operator::Mask { .. } => "mask",
            Operator::Hash { .. } => "hash",
            Operator::Pseudonymize { .. } => "pseudonymize",
            Operator::Encrypt { .. } => "encrypt",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(entity: &str, byte_start: usize, byte_end: usize) -> Span<'_> {
        Span {
            entity,
            byte_start,
            byte_end,
        }
    }

    #[test]
    fn every_operator() {
        let v = "jane@example.com";
        assert_eq!(
            Operator::Replace { new_value: None }
                .apply("EMAIL_ADDRESS", v)
                .unwrap(),
            "<EMAIL_ADDRESS>"
        );
        assert_eq!(Operator::Redact.apply("EMAIL_ADDRESS", v).unwrap(), "");
        let mask = Operator::Mask {
            masking_char: '*',
            chars_to_mask: Some(4),
            from_end: false,
        };
        assert_eq!(mask.apply("X", "ñandú").unwrap(), "****ú");
        let hash = Operator::Hash {
            key: "k1".into(),
            length: 16,
        };
        let h = hash.apply("X", v).unwrap();
        assert_eq!(h.len(), 16);
        assert_eq!(h, hash.apply("X", v).unwrap());
        assert_ne!(
            h,
            Operator::Hash {
                key: "k2".into(),
                length: 16
            }
            .apply("X", v)
            .unwrap()
        );
        let enc = Operator::Encrypt {
            key: "0123456789abcdef".into(),
        };
        let (a, b) = (enc.apply("X", v).unwrap(), enc.apply("X", v).unwrap());
        assert_ne!(a, b, "random nonce");
        assert_eq!(decrypt("0123456789abcdef", &a).unwrap(), v);
        let mut tampered = a.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            decrypt("0123456789abcdef", std::str::from_utf8(&tampered).unwrap()),
            Err(RedactError::Decrypt)
        );
    }

    #[test]
    fn overlapping_spans_are_merged_and_offsets_are_in_chars() {
        let text = "née: a@b.co x";
        let redacted = Redactor::default()
            .redact(text, [span("EMAIL_ADDRESS", 6, 12), span("URL", 8, 14)])
            .unwrap();
        assert_eq!(redacted.text, "née: <EMAIL_ADDRESS>");
        assert_eq!((redacted.items[0].start, redacted.items[0].end), (5, 20));
    }

    #[test]
    fn config_in_presidio_shape() {
        let redactor: Redactor = serde_json::from_str(
            r#"{"DEFAULT": {"type": "redact"}, "PHONE_NUMBER": {"type": "mask", "chars_to_mask": 3, "from_end": true}}"#,
        )
        .unwrap();
        assert_eq!(redactor.operator("US_SSN"), &Operator::Redact);
        assert!(redactor.validate(|e| e == "PHONE_NUMBER").is_ok());
        assert_eq!(
            redactor.validate(|_| false),
            Err(RedactError::UnknownEntity("PHONE_NUMBER".into()))
        );
        assert!(serde_json::from_str::<Operator>(r#"{"type": "shred"}"#).is_err());
        assert_eq!(
            Operator::Encrypt {
                key: "short".into()
            }
            .validate(),
            Err(RedactError::KeyLength)
        );
    }
}
