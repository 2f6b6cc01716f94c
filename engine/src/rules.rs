//! Rules as data: the rule file format and how files combine.
//!
//! The built-in recognizers live in `engine/rules/builtin.toml` and are
//! compiled into the binary. User files are loaded after them, in order; each
//! may declare new entity types, add recognizers, disable any recognizer
//! loaded before it, and override a recognizer's score, context words or
//! allow-list. Unknown fields, entity types, validators and recognizer ids are
//! errors, so a typo never silently turns a rule off.

use std::collections::HashMap;

use serde::Deserialize;

use crate::error::{Error, ErrorKind};
use crate::validate::Validator;

/// The text of the built-in rule set.
pub const BUILTIN_RULES: &str = include_str!("../rules/builtin.toml");

/// One rule file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    /// New entity types this file introduces.
    #[serde(default)]
    entities: Vec<String>,
    /// Recognizer ids to turn off.
    #[serde(default)]
    disable: Vec<String>,
    /// Changes to recognizers loaded earlier, by id.
    #[serde(default)]
    overrides: HashMap<String, Override>,
    /// New recognizers.
    #[serde(default, rename = "recognizer")]
    recognizers: Vec<RecognizerSpec>,
}

/// A recognizer as written in a rule file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecognizerSpec {
    /// Unique id, reported as the finding's `recognizer`.
    pub id: String,
    /// Entity type of its findings.
    pub entity: String,
    /// One line on what it finds and how.
    #[serde(default)]
    pub description: String,
    /// Regular expressions; a named group `value` narrows the finding to that group.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Literal terms reported as this entity (a deny-list), matched as whole words.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Whether `keywords` match case-sensitively (default: no).
    #[serde(default)]
    pub case_sensitive: bool,
    /// Name of a validator that every candidate must pass.
    pub validator: Option<String>,
    /// Minimum Shannon entropy, in bits per character, of the matched value.
    pub min_entropy: Option<f32>,
    /// Score of a finding before context, in [0, 1].
    pub score: f32,
    /// Words near a match that raise its score by `context_boost`.
    #[serde(default)]
    pub context: Vec<String>,
    /// Added to the score when a context word is near (default 0.35).
    pub context_boost: Option<f32>,
    /// Values never reported, compared case-insensitively.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Bytes of which every match contains at least one (`digits` is short
    /// for `0123456789`): lets the scan skip text without them.
    pub trigger: Option<String>,
}

/// Changes to an existing recognizer.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Override {
    score: Option<f32>,
    context: Option<Vec<String>>,
    context_boost: Option<f32>,
    allow: Option<Vec<String>>,
}

/// A recognizer ready to compile: its spec plus where it came from.
#[derive(Clone, Debug)]
pub(crate) struct Recognizer {
    pub spec: RecognizerSpec,
    pub origin: String,
    pub validator: Option<Validator>,
}

/// The rules of all loaded files, merged in load order.
#[derive(Debug, Default)]
pub(crate) struct RuleSet {
    pub entities: Vec<String>,
    pub recognizers: Vec<Recognizer>,
}

pub(crate) const DEFAULT_CONTEXT_BOOST: f32 = 0.35;

impl RuleSet {
    /// Merges one file into the set; `origin` names it in errors.
    pub fn load(&mut self, origin: &str, toml_text: &str) -> Result<(), Error> {
        let file: RuleFile = toml::from_str(toml_text)
            .map_err(|e| Error::new(origin, None, ErrorKind::Parse(e.to_string())))?;
        if self.entities.is_empty() {
            self.entities = crate::entity::BUILTIN_ENTITIES
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
        for entity in file.entities {
            if !is_entity_name(&entity) {
                return Err(Error::new(
                    origin,
                    None,
                    ErrorKind::Invalid(format!("entity type '{entity}' must be UPPER_SNAKE_CASE")),
                ));
            }
            if !self.entities.contains(&entity) {
                self.entities.push(entity);
            }
        }
        for id in &file.disable {
            let before = self.recognizers.len();
            self.recognizers.retain(|r| &r.spec.id != id);
            if self.recognizers.len() == before {
                return Err(Error::new(
                    origin,
                    None,
                    ErrorKind::UnknownRecognizer(id.clone()),
                ));
            }
        }
        for (id, change) in file.overrides {
            let Some(target) = self.recognizers.iter_mut().find(|r| r.spec.id == id) else {
                return Err(Error::new(origin, None, ErrorKind::UnknownRecognizer(id)));
            };
            let spec = &mut target.spec;
            if let Some(score) = change.score {
                spec.score = score;
            }
            if let Some(context) = change.context {
                spec.context = context;
            }
            if let Some(boost) = change.context_boost {
                spec.context_boost = Some(boost);
            }
            if let Some(allow) = change.allow {
                spec.allow = allow;
            }
            check_scores(origin, spec)?;
        }
        for spec in file.recognizers {
            let rule = Some(spec.id.as_str());
            if self.recognizers.iter().any(|r| r.spec.id == spec.id) {
                return Err(Error::new(origin, rule, ErrorKind::DuplicateRecognizer));
            }
            if !self.entities.contains(&spec.entity) {
                return Err(Error::new(
                    origin,
                    rule,
                    ErrorKind::UnknownEntity(spec.entity.clone()),
                ));
            }
            if spec.patterns.is_empty() && spec.keywords.is_empty() {
                return Err(Error::new(
                    origin,
                    rule,
                    ErrorKind::Invalid("needs `patterns` or `keywords`".into()),
                ));
            }
            check_scores(origin, &spec)?;
            let validator = match &spec.validator {
                None => None,
                Some(name) => Some(name.parse::<Validator>().map_err(|_| {
                    Error::new(origin, rule, ErrorKind::UnknownValidator(name.clone()))
                })?),
            };
            self.recognizers.push(Recognizer {
                spec,
                origin: origin.to_string(),
                validator,
            });
        }
        Ok(())
    }
}

fn check_scores(origin: &str, spec: &RecognizerSpec) -> Result<(), Error> {
    let in_range = |x: f32| (0.0..=1.0).contains(&x);
    let invalid = |what: &str| {
        Error::new(
            origin,
            Some(&spec.id),
            ErrorKind::Invalid(format!("{what} must be in [0, 1]")),
        )
    };
    if !in_range(spec.score) {
        return Err(invalid("score"));
    }
    if !spec.context_boost.is_none_or(in_range) {
        return Err(invalid("context_boost"));
    }
    if let Some(entropy) = spec.min_entropy {
        if !(0.0..=8.0).contains(&entropy) {
            return Err(Error::new(
                origin,
                Some(&spec.id),
                ErrorKind::Invalid("min_entropy must be in [0, 8]".into()),
            ));
        }
    }
    Ok(())
}

fn is_entity_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}
