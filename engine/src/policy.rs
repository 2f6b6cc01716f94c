//! Verdict policy: turns findings and classifier scores into the one decision
//! a gateway acts on (`allow`, `redact` or `block`) and the triggers behind it.
//!
//! The engine never imports the classifiers: their scores come in as plain
//! `(name, score)` pairs, so the same policy serves the HTTP server and the CLI.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{EntityId, Finding, Scanner};

/// The classifier names a policy may set thresholds for.
pub const CLASSIFIERS: &[&str] = &["injection", "injection_rules", "toxicity"];

/// Which way the text flows through the gateway: thresholds and entity
/// actions differ for a user's prompt and a model's answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// A prompt on its way to the model.
    #[default]
    Input,
    /// A model response on its way to the user.
    Output,
}

impl Direction {
    /// `input` or `output`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Input => "input",
            Direction::Output => "output",
        }
    }
}

/// What happens to a text; ordered so that the strongest action wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Pass the text on unchanged.
    Allow,
    /// Pass it on with the findings redacted.
    Redact,
    /// Refuse it.
    Block,
}

impl Action {
    /// `allow`, `redact` or `block`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Redact => "redact",
            Action::Block => "block",
        }
    }
}

/// The policy of one direction, as written in the config file.
///
/// ```toml
/// default_entity_action = "redact"
/// block = ["PRIVATE_KEY", "AWS_ACCESS_KEY"]
/// allow = ["URL"]
/// thresholds = { toxicity = 0.7, injection = 0.5 }
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionPolicy {
    /// Action for a found entity type not listed in `block`, `redact` or `allow`.
    #[serde(default = "default_entity_action")]
    pub default_entity_action: Action,
    /// Entity types that block the text.
    #[serde(default)]
    pub block: Vec<String>,
    /// Entity types that are redacted.
    #[serde(default)]
    pub redact: Vec<String>,
    /// Entity types that are reported but let through.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Classifier scores at or above which the text is blocked.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
}

fn default_entity_action() -> Action {
    Action::Redact
}

impl DirectionPolicy {
    fn with_thresholds(thresholds: &[(&str, f32)]) -> DirectionPolicy {
        DirectionPolicy {
            default_entity_action: default_entity_action(),
            block: Vec::new(),
            redact: Vec::new(),
            allow: Vec::new(),
            thresholds: thresholds
                .iter()
                .map(|&(name, t)| (name.to_string(), t))
                .collect(),
        }
    }
}

/// The policy of both directions, as written in the config file.
///
/// The default redacts every entity type in both directions and blocks on
/// injection and injection rules at 0.5 (input) and toxicity at 0.7 (input)
/// or 0.5 (output). A leaked canary always blocks.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// For prompts.
    #[serde(default = "default_input")]
    pub input: DirectionPolicy,
    /// For model responses.
    #[serde(default = "default_output")]
    pub output: DirectionPolicy,
}

fn default_input() -> DirectionPolicy {
    DirectionPolicy::with_thresholds(&[
        ("injection", 0.5),
        ("injection_rules", 0.5),
        ("toxicity", 0.7),
    ])
}

fn default_output() -> DirectionPolicy {
    DirectionPolicy::with_thresholds(&[("toxicity", 0.5)])
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            input: default_input(),
            output: default_output(),
        }
    }
}

/// Why a policy could not be compiled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// An entity type the scanner does not know.
    #[error("policy.{direction}: unknown entity type '{name}'")]
    UnknownEntity {
        /// `input` or `output`.
        direction: &'static str,
        /// The name as written.
        name: String,
    },
    /// A threshold for a classifier palisade does not have.
    #[error(
        "policy.{direction}.thresholds: unknown classifier '{name}' (known: injection, injection_rules, toxicity)"
    )]
    UnknownClassifier {
        /// `input` or `output`.
        direction: &'static str,
        /// The name as written.
        name: String,
    },
    /// A threshold outside [0, 1].
    #[error("policy.{direction}.thresholds.{name}: {value} is outside [0, 1]")]
    ThresholdRange {
        /// `input` or `output`.
        direction: &'static str,
        /// The classifier.
        name: String,
        /// The value as written.
        value: f32,
    },
    /// One entity type listed under two actions.
    #[error("policy.{direction}: entity type '{name}' is listed under two actions")]
    Conflict {
        /// `input` or `output`.
        direction: &'static str,
        /// The entity type.
        name: String,
    },
}

/// What caused a verdict: one entity type or one classifier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trigger<'a> {
    /// `entity` or the classifier's name.
    pub detector: &'a str,
    /// The entity type, for an entity trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<&'a str>,
    /// The classifier score, for a classifier trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// The action this trigger asks for.
    pub action: Action,
}

/// A decision and its triggers (only those that asked for more than allow).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict<'a> {
    /// The strongest action any trigger asked for.
    pub verdict: Action,
    /// What asked for it, entity types first in order of first appearance.
    pub triggers: Vec<Trigger<'a>>,
}

#[derive(Clone, Debug)]
struct CompiledDirection {
    /// Indexed by entity id.
    entity_actions: Vec<Action>,
    thresholds: Vec<(&'static str, f32)>,
}

/// A policy checked against a scanner's entity table, ready to decide.
///
/// ```
/// use palisade_engine::{Action, Direction, Policy, PolicyConfig, Scanner};
///
/// let scanner = Scanner::builtin();
/// let mut config = PolicyConfig::default();
/// config.input.block.push("AWS_ACCESS_KEY".into());
/// let policy = Policy::compile(&config, &scanner).unwrap();
///
/// let text = "key AKIAIOSFODNN7EXAMPLE, mail ana@example.org";
/// let findings = scanner.scan(text);
/// let verdict = policy.decide(&scanner, Direction::Input, &findings, &[("toxicity", Some(0.1))], false);
/// assert_eq!(verdict.verdict, Action::Block);
/// assert_eq!(verdict.triggers.len(), 2); // the key blocks, the email asks for redaction
///
/// let verdict = policy.decide(&scanner, Direction::Output, &[], &[("toxicity", Some(0.6))], false);
/// assert_eq!(verdict.verdict, Action::Block);
/// ```
#[derive(Clone, Debug)]
pub struct Policy {
    input: CompiledDirection,
    output: CompiledDirection,
}

impl Policy {
    /// Checks every name in `config` against `scanner` and the known classifiers.
    pub fn compile(config: &PolicyConfig, scanner: &Scanner) -> Result<Policy, PolicyError> {
        Ok(Policy {
            input: compile_direction(&config.input, "input", scanner)?,
            output: compile_direction(&config.output, "output", scanner)?,
        })
    }

    /// The action configured for one entity type in one direction.
    pub fn entity_action(&self, direction: Direction, entity: EntityId) -> Action {
        self.direction(direction).entity_actions[entity.index()]
    }

    fn direction(&self, direction: Direction) -> &CompiledDirection {
        match direction {
            Direction::Input => &self.input,
            Direction::Output => &self.output,
        }
    }

    /// The verdict for one text. `scores` are the classifier scores, `None`
    /// when that classifier did not run; a missing score never triggers.
    /// `canary_leak` says a registered canary was found in the text.
    pub fn decide<'a>(
        &self,
        scanner: &'a Scanner,
        direction: Direction,
        findings: &[Finding],
        scores: &[(&'a str, Option<f32>)],
        canary_leak: bool,
    ) -> Verdict<'a> {
        let policy = self.direction(direction);
        let mut verdict = Verdict {
            verdict: Action::Allow,
            triggers: Vec::new(),
        };
        let mut seen: Vec<EntityId> = Vec::new();
        for finding in findings {
            let action = policy.entity_actions[finding.entity.index()];
            if action == Action::Allow || seen.contains(&finding.entity) {
                continue;
            }
            seen.push(finding.entity);
            verdict.verdict = verdict.verdict.max(action);
            verdict.triggers.push(Trigger {
                detector: "entity",
                entity_type: Some(scanner.entity_name(finding.entity)),
                score: None,
                action,
            });
        }
        if canary_leak {
            verdict.verdict = Action::Block;
            verdict.triggers.push(Trigger {
                detector: "canary_leak",
                entity_type: None,
                score: None,
                action: Action::Block,
            });
        }
        for &(name, score) in scores {
            let Some(score) = score else { continue };
            let over = policy
                .thresholds
                .iter()
                .any(|&(classifier, threshold)| classifier == name && score >= threshold);
            if over {
                verdict.verdict = Action::Block;
                verdict.triggers.push(Trigger {
                    detector: name,
                    entity_type: None,
                    score: Some(score),
                    action: Action::Block,
                });
            }
        }
        verdict
    }
}

fn compile_direction(
    config: &DirectionPolicy,
    direction: &'static str,
    scanner: &Scanner,
) -> Result<CompiledDirection, PolicyError> {
    let count = scanner.entities().count();
    let mut entity_actions = vec![config.default_entity_action; count];
    let mut listed = vec![false; count];
    for (names, action) in [
        (&config.block, Action::Block),
        (&config.redact, Action::Redact),
        (&config.allow, Action::Allow),
    ] {
        for name in names {
            let index = scanner.entities().position(|e| e == name).ok_or_else(|| {
                PolicyError::UnknownEntity {
                    direction,
                    name: name.clone(),
                }
            })?;
            if std::mem::replace(&mut listed[index], true) {
                return Err(PolicyError::Conflict {
                    direction,
                    name: name.clone(),
                });
            }
            entity_actions[index] = action;
        }
    }
    let mut thresholds = Vec::new();
    for (name, &value) in &config.thresholds {
        let known = CLASSIFIERS.iter().find(|&&c| c == name).ok_or_else(|| {
            PolicyError::UnknownClassifier {
                direction,
                name: name.clone(),
            }
        })?;
        if !(0.0..=1.0).contains(&value) {
            return Err(PolicyError::ThresholdRange {
                direction,
                name: name.clone(),
                value,
            });
        }
        thresholds.push((*known, value));
    }
    Ok(CompiledDirection {
        entity_actions,
        thresholds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(toml_text: &str) -> Result<Policy, PolicyError> {
        let config: PolicyConfig = toml::from_str(toml_text).unwrap();
        Policy::compile(&config, &Scanner::builtin())
    }

    #[test]
    fn unknown_names_and_bad_thresholds_are_errors() {
        let err = compile("[input]\nblock = ['EMAIL']").unwrap_err();
        assert_eq!(err.to_string(), "policy.input: unknown entity type 'EMAIL'");
        let err = compile("[output]\nthresholds = { toxic = 0.5 }").unwrap_err();
        assert!(matches!(err, PolicyError::UnknownClassifier { .. }));
        let err = compile("[output]\nthresholds = { toxicity = 1.5 }").unwrap_err();
        assert!(matches!(err, PolicyError::ThresholdRange { .. }));
        let err = compile("[input]\nblock = ['URL']\nallow = ['URL']").unwrap_err();
        assert!(matches!(err, PolicyError::Conflict { .. }));
        assert!(toml::from_str::<PolicyConfig>("[input]\nblok = []").is_err());
    }

    #[test]
    fn allow_listed_entities_and_missing_scores_do_not_trigger() {
        let scanner = Scanner::builtin();
        let policy = compile("[input]\nallow = ['EMAIL_ADDRESS']").unwrap();
        let findings = scanner.scan("mail ana@example.org");
        let verdict = policy.decide(
            &scanner,
            Direction::Input,
            &findings,
            &[("injection", None)],
            false,
        );
        assert_eq!(verdict.verdict, Action::Allow);
        assert!(verdict.triggers.is_empty());
    }

    #[test]
    fn one_trigger_per_entity_type_and_thresholds_per_direction() {
        let scanner = Scanner::builtin();
        let policy = Policy::compile(&PolicyConfig::default(), &scanner).unwrap();
        let findings = scanner.scan("ana@example.org and bo@example.org");
        let verdict = policy.decide(
            &scanner,
            Direction::Input,
            &findings,
            &[("toxicity", Some(0.6))],
            false,
        );
        assert_eq!(verdict.verdict, Action::Redact);
        assert_eq!(verdict.triggers.len(), 1);
        let verdict = policy.decide(
            &scanner,
            Direction::Output,
            &findings,
            &[("toxicity", Some(0.6))],
            false,
        );
        assert_eq!(verdict.verdict, Action::Block);
        assert_eq!(verdict.triggers[1].detector, "toxicity");
    }
}
