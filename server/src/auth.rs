//! API keys: bearer tokens checked against SHA-256 digests in constant time,
//! each key with its tier's rate limit and concurrency limit.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::{KeyConfig, TierConfig};
use crate::error::{ApiError, ErrorKind};

/// Who is calling: a configured key, or the anonymous caller when auth is off.
#[derive(Debug)]
pub struct Caller {
    /// The key's name (`anonymous` when auth is off).
    pub name: String,
    /// The key's organisation.
    pub org: String,
    /// Canaries planted in this key's system prompts: found in an output, they block it.
    pub canaries: Vec<String>,
    endpoints: Option<Vec<String>>,
    digest: [u8; 32],
    /// `None` for the anonymous caller: only the global in-flight limit applies.
    limits: Option<Limits>,
}

#[derive(Debug)]
struct Limits {
    rate: DefaultDirectRateLimiter,
    concurrency: Arc<Semaphore>,
}

/// The configured keys, or none when auth is off.
#[derive(Debug)]
pub struct KeyTable {
    keys: Vec<Arc<Caller>>,
    anonymous: Arc<Caller>,
}

/// Why the key table could not be built.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// `sha256` is not 64 hex digits.
    #[error("key '{0}': sha256 must be 64 hex digits")]
    Digest(String),
    /// The tier is neither built in nor in `[tiers]`.
    #[error("key '{name}': unknown tier '{tier}'")]
    UnknownTier {
        /// The key.
        name: String,
        /// The tier as written.
        tier: String,
    },
    /// A limit of zero.
    #[error("tier '{0}': requests_per_minute and concurrency must be at least 1")]
    ZeroLimit(String),
    /// Two keys with one digest or one name.
    #[error("key '{0}' is configured twice")]
    Duplicate(String),
}

impl KeyTable {
    /// Builds the table; `tiers` holds the built-in tiers merged with the config's.
    pub fn new(
        keys: &[KeyConfig],
        tiers: &BTreeMap<String, TierConfig>,
    ) -> Result<KeyTable, KeyError> {
        let mut out: Vec<Arc<Caller>> = Vec::with_capacity(keys.len());
        for key in keys {
            let digest: [u8; 32] = hex::decode(key.sha256.trim())
                .ok()
                .and_then(|d| d.try_into().ok())
                .ok_or_else(|| KeyError::Digest(key.name.clone()))?;
            let tier = tiers.get(&key.tier).ok_or_else(|| KeyError::UnknownTier {
                name: key.name.clone(),
                tier: key.tier.clone(),
            })?;
            let (Some(rpm), true) = (
                NonZeroU32::new(tier.requests_per_minute),
                tier.concurrency > 0,
            ) else {
                return Err(KeyError::ZeroLimit(key.tier.clone()));
            };
            if out.iter().any(|k| k.name == key.name || k.digest == digest) {
                return Err(KeyError::Duplicate(key.name.clone()));
            }
            out.push(Arc::new(Caller {
                name: key.name.clone(),
                org: key.org.clone(),
                canaries: key.canaries.clone(),
                endpoints: key.endpoints.clone(),
                digest,
                limits: Some(Limits {
                    rate: RateLimiter::direct(Quota::per_minute(rpm)),
                    concurrency: Arc::new(Semaphore::new(tier.concurrency as usize)),
                }),
            }));
        }
        Ok(KeyTable {
            keys: out,
            anonymous: Arc::new(Caller {
                name: "anonymous".into(),
                org: String::new(),
                canaries: Vec::new(),
                endpoints: None,
                digest: [0; 32],
                limits: None,
            }),
        })
    }

    /// Whether any key is configured (auth on).
    pub fn enabled(&self) -> bool {
        !self.keys.is_empty()
    }

    /// The caller presenting `authorization` (the header's value), for `endpoint`.
    ///
    /// Every configured digest is compared, without stopping at a match, so
    /// the time taken says nothing about which key (if any) is close.
    pub fn authenticate(
        &self,
        authorization: Option<&[u8]>,
        endpoint: &str,
    ) -> Result<Arc<Caller>, ApiError> {
        if !self.enabled() {
            return Ok(self.anonymous.clone());
        }
        let token = authorization
            .and_then(|v| v.strip_prefix(b"Bearer "))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorKind::Unauthorized,
                    "missing 'Authorization: Bearer <key>'",
                )
            })?;
        let digest: [u8; 32] = Sha256::digest(token.trim_ascii()).into();
        let mut found = None;
        for key in &self.keys {
            if bool::from(key.digest.ct_eq(&digest)) {
                found = Some(key);
            }
        }
        let key = found.ok_or_else(|| ApiError::new(ErrorKind::Unauthorized, "unknown API key"))?;
        if let Some(allowed) = &key.endpoints {
            if !allowed.iter().any(|e| e == endpoint) {
                return Err(ApiError::new(
                    ErrorKind::Forbidden,
                    format!("this key may not call {endpoint}"),
                ));
            }
        }
        Ok(key.clone())
    }
}

/// Held while a request runs, to count it against its key's concurrency.
pub struct Admission {
    _permit: Option<OwnedSemaphorePermit>,
}

impl Caller {
    /// Admits one request under this key's rate and concurrency limits, or
    /// says how long to wait.
    pub fn admit(&self) -> Result<Admission, ApiError> {
        let Some(limits) = &self.limits else {
            return Ok(Admission { _permit: None });
        };
        if let Err(not_until) = limits.rate.check() {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(ApiError::new(
                ErrorKind::RateLimited,
                "rate limit of this key's tier reached",
            )
            .retry_after(wait));
        }
        let permit = limits
            .concurrency
            .clone()
            .try_acquire_owned()
            .map_err(|_| {
                ApiError::new(
                    ErrorKind::RateLimited,
                    "too many requests in flight for this key",
                )
                .retry_after(Duration::from_secs(1))
            })?;
        Ok(Admission {
            _permit: Some(permit),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_tiers;

    fn key(name: &str, token: &str, tier: &str) -> KeyConfig {
        KeyConfig {
            name: name.into(),
            org: "acme".into(),
            tier: tier.into(),
            sha256: hex::encode(Sha256::digest(token.as_bytes())),
            endpoints: Some(vec!["/v1/scan".into()]),
            canaries: Vec::new(),
        }
    }

    #[test]
    fn tokens_map_to_their_key_and_endpoints_are_enforced() {
        let table = KeyTable::new(
            &[key("a", "token-a", "free"), key("b", "token-b", "pro")],
            &default_tiers(),
        )
        .unwrap();
        let caller = table
            .authenticate(Some(b"Bearer token-b"), "/v1/scan")
            .unwrap();
        assert_eq!(caller.name, "b");
        let err = table
            .authenticate(Some(b"Bearer token-c"), "/v1/scan")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized);
        let err = table.authenticate(None, "/v1/scan").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized);
        let err = table
            .authenticate(Some(b"Bearer token-a"), "/analyze")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden);
    }

    #[test]
    fn free_tier_allows_twenty_a_minute() {
        let table = KeyTable::new(&[key("a", "t", "free")], &default_tiers()).unwrap();
        let caller = table.authenticate(Some(b"Bearer t"), "/v1/scan").unwrap();
        for _ in 0..20 {
            drop(caller.admit().unwrap());
        }
        assert_eq!(caller.admit().err().unwrap().kind(), ErrorKind::RateLimited);
    }

    #[test]
    fn bad_keys_are_config_errors() {
        let mut bad = key("a", "t", "free");
        bad.sha256 = "abc".into();
        assert!(matches!(
            KeyTable::new(&[bad], &default_tiers()),
            Err(KeyError::Digest(_))
        ));
        assert!(matches!(
            KeyTable::new(&[key("a", "t", "gold")], &default_tiers()),
            Err(KeyError::UnknownTier { .. })
        ));
        assert!(matches!(
            KeyTable::new(
                &[key("a", "t", "free"), key("b", "t", "free")],
                &default_tiers()
            ),
            Err(KeyError::Duplicate(_))
        ));
    }
}
