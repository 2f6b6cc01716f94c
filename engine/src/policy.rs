//! Verdict policies: turn findings, classifier scores and other signals into
//! the one decision a gateway acts on (`allow`, `redact` or `block`), with
//! every trigger behind it.
//!
//! The engine never imports the classifiers: their scores come in as plain
//! `(name, score)` pairs, so the same policy serves the HTTP server and the CLI.

use std::collections::BTreeMap;

use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};

use crate::{EntityId, Finding, Redactor, Scanner};

/// The detector names a policy may set thresholds for.
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

/// What a trigger asks for; ordered so that the strongest wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Pass the text on unchanged.
    Allow,
    /// Pass it on unchanged, but list the trigger.
    Flag,
    /// Pass it on with the findings redacted.
    Redact,
    /// Refuse it.
    Block,
}

impl Action {
    /// `allow`, `flag`, `redact` or `block`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Flag => "flag",
            Action::Redact => "redact",
            Action::Block => "block",
        }
    }
}

/// What to do when a classifier the policy relies on gives no score (it is
/// not loaded, failed, or ran out of time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnClassifierError {
    /// Decide without it.
    #[default]
    FailOpen,
    /// Block, with the classifier as the trigger.
    FailClosed,
}

/// The policy of one direction, as written in the config file.
///
/// ```toml
/// default_entity_action = "redact"
/// block = ["PRIVATE_KEY", "AWS_ACCESS_KEY"]
/// flag = ["IP_ADDRESS"]
/// allow = ["URL"]
/// thresholds = { toxicity = 0.7, injection = 0.5 }
/// topics = { weapons = ["build a bomb", "make a pipe bomb"] }
/// on_classifier_error = "fail_closed"
/// operators = { EMAIL_ADDRESS = { type = "mask", masking_char = "*" } }
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionPolicy {
    /// Action for a found entity type not listed in `block`, `redact`, `flag` or `allow`.
    #[serde(default = "default_entity_action")]
    pub default_entity_action: Action,
    /// Entity types that block the text.
    #[serde(default)]
    pub block: Vec<String>,
    /// Entity types that are redacted.
    #[serde(default)]
    pub redact: Vec<String>,
    /// Entity types listed as triggers but let through.
    #[serde(default)]
    pub flag: Vec<String>,
    /// Entity types that are reported but trigger nothing.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Detector scores at or above which the text is blocked. When absent,
    /// the direction's defaults (input: injection and injection_rules 0.5,
    /// toxicity 0.7; output: toxicity 0.5); `{}` sets none.
    #[serde(default)]
    pub thresholds: Option<BTreeMap<String, f32>>,
    /// Blocked topics: a name and the phrases that mean it (case-insensitive, whole words).
    #[serde(default)]
    pub topics: BTreeMap<String, Vec<String>>,
    /// When a classifier with a threshold here gives no score.
    #[serde(default)]
    pub on_classifier_error: OnClassifierError,
    /// Redaction operators for this direction, over the global ones.
    #[serde(default)]
    pub operators: Option<Redactor>,
}

fn default_entity_action() -> Action {
    Action::Redact
}

impl Default for DirectionPolicy {
    fn default() -> Self {
        DirectionPolicy {
            default_entity_action: default_entity_action(),
            block: Vec::new(),
            redact: Vec::new(),
            flag: Vec::new(),
            allow: Vec::new(),
            thresholds: None,
            topics: BTreeMap::new(),
            on_classifier_error: OnClassifierError::FailOpen,
            operators: None,
        }
    }
}

/// The thresholds of a direction that sets none.
fn default_thresholds(direction: &str) -> &'static [(&'static str, f32)] {
    match direction {
        "input" => &[
            ("injection", 0.5),
            ("injection_rules", 0.5),
            ("toxicity", 0.7),
        ],
        _ => &[("toxicity", 0.5)],
    }
}

/// One policy, both directions, as written in the config file.
///
/// The default redacts every entity type in both directions and blocks on
/// injection and injection rules at 0.5 (input) and toxicity at 0.7 (input)
/// or 0.5 (output). A leaked canary always blocks.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// For prompts.
    #[serde(default)]
    pub input: DirectionPolicy,
    /// For model responses.
    #[serde(default)]
    pub output: DirectionPolicy,
    /// Compute and report the verdict, but always allow (to try a policy on live traffic).
    #[serde(default)]
    pub shadow: bool,
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
    /// A threshold for a detector palisade does not have.
    #[error("policy.{direction}.thresholds: unknown detector '{name}' (known: injection, injection_rules, toxicity)")]
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
    /// A topic with no phrases, or an empty phrase.
    #[error("policy.{direction}.topics.{name}: a topic needs non-empty phrases")]
    EmptyTopic {
        /// `input` or `output`.
        direction: &'static str,
        /// The topic.
        name: String,
    },
    /// The topic phrases could not be compiled (too many or too long).
    #[error("policy.{direction}.topics: {reason}")]
    Topics {
        /// `input` or `output`.
        direction: &'static str,
        /// Why.
        reason: String,
    },
    /// A bad operator in `operators`.
    #[error("policy.{direction}.operators: {reason}")]
    Operators {
        /// `input` or `output`.
        direction: &'static str,
        /// Why.
        reason: String,
    },
}

/// What caused a verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trigger<'a> {
    /// `entity`, `topic`, `canary_leak`, or a detector's name.
    pub detector: &'a str,
    /// The entity type, for an entity trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<&'a str>,
    /// The score, for a detector trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// What fired: the topic's name, or why a detector blocked without a score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    /// The action this trigger asks for.
    pub action: Action,
}

/// A decision and its triggers (those asking for more than allow).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict<'a> {
    /// The action to take: `block` if any trigger blocks, else `redact` if
    /// anything is to be redacted, else `allow` (always `allow` in shadow mode).
    pub verdict: Action,
    /// In shadow mode, what the verdict would have been.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadow_verdict: Option<Action>,
    /// What asked for it, entity types first in order of first appearance.
    pub triggers: Vec<Trigger<'a>>,
}

/// What a policy decides on, for one text.
#[derive(Clone, Copy, Debug, Default)]
pub struct Signals<'s> {
    /// The text, for topics.
    pub text: &'s str,
    /// The scan's findings.
    pub findings: &'s [Finding],
    /// Detector scores; `None` for a detector asked for that gave none.
    pub scores: &'s [(&'s str, Option<f32>)],
    /// Whether a registered canary was found in the text.
    pub canary_leak: bool,
}

#[derive(Clone, Debug)]
struct CompiledDirection {
    /// Indexed by entity id.
    entity_actions: Vec<Action>,
    thresholds: Vec<(&'static str, f32)>,
    topics: Option<(AhoCorasick, Vec<String>)>,
    on_classifier_error: OnClassifierError,
    operators: Option<Redactor>,
}

/// A policy checked against a scanner's entity table, ready to decide.
///
/// ```
/// use palisade_engine::{Action, Direction, Policy, PolicyConfig, Scanner, Signals};
///
/// let scanner = Scanner::builtin();
/// let mut config = PolicyConfig::default();
/// config.input.block.push("AWS_ACCESS_KEY".into());
/// let policy = Policy::compile(&config, &scanner).unwrap();
///
/// let text = "key AKIAIOSFODNN7EXAMPLE, mail ana@example.org";
/// let findings = scanner.scan(text);
/// let scores = [("toxicity", Some(0.1))];
/// let signals = Signals { text, findings: &findings, scores: &scores, ..Default::default() };
/// let verdict = policy.decide(&scanner, Direction::Input, &signals);
/// assert_eq!(verdict.verdict, Action::Block);
/// assert_eq!(verdict.triggers.len(), 2); // the key blocks, the email asks for redaction
///
/// let scores = [("toxicity", Some(0.6))];
/// let signals = Signals { text: "...", scores: &scores, ..Default::default() };
/// assert_eq!(policy.decide(&scanner, Direction::Output, &signals).verdict, Action::Block);
/// ```
#[derive(Clone, Debug)]
pub struct Policy {
    input: CompiledDirection,
    output: CompiledDirection,
    shadow: bool,
}

impl Policy {
    /// Checks every name in `config` against `scanner` and the known detectors.
    pub fn compile(config: &PolicyConfig, scanner: &Scanner) -> Result<Policy, PolicyError> {
        Ok(Policy {
            input: compile_direction(&config.input, "input", scanner)?,
            output: compile_direction(&config.output, "output", scanner)?,
            shadow: config.shadow,
        })
    }

    /// The action configured for one entity type in one direction.
    pub fn entity_action(&self, direction: Direction, entity: EntityId) -> Action {
        self.direction(direction).entity_actions[entity.index()]
    }

    /// The operators of one direction, when it has its own.
    pub fn operators(&self, direction: Direction) -> Option<&Redactor> {
        self.direction(direction).operators.as_ref()
    }

    fn direction(&self, direction: Direction) -> &CompiledDirection {
        match direction {
            Direction::Input => &self.input,
            Direction::Output => &self.output,
        }
    }

    /// The verdict for one text.
    pub fn decide<'a>(
        &'a self,
        scanner: &'a Scanner,
        direction: Direction,
        signals: &Signals<'_>,
    ) -> Verdict<'a> {
        let policy = self.direction(direction);
        let mut strongest = Action::Allow;
        let mut triggers = Vec::new();
        let mut fire = |trigger: Trigger<'a>| {
            strongest = strongest.max(trigger.action);
            triggers.push(trigger);
        };
        let mut seen: Vec<EntityId> = Vec::new();
        for finding in signals.findings {
            let action = policy.entity_actions[finding.entity.index()];
            if action == Action::Allow || seen.contains(&finding.entity) {
                continue;
            }
            seen.push(finding.entity);
            fire(Trigger {
                detector: "entity",
                entity_type: Some(scanner.entity_name(finding.entity)),
                score: None,
                reason: None,
                action,
            });
        }
        if let Some((topics, names)) = &policy.topics {
            let mut fired: Vec<usize> = Vec::new();
            for m in topics.find_overlapping_iter(signals.text) {
                let topic = m.pattern().as_usize();
                if whole_words(signals.text, m.start(), m.end()) && !fired.contains(&topic) {
                    fired.push(topic);
                }
            }
            for topic in fired {
                fire(Trigger {
                    detector: "topic",
                    entity_type: None,
                    score: None,
                    reason: Some(&names[topic]),
                    action: Action::Block,
                });
            }
        }
        if signals.canary_leak {
            fire(Trigger {
                detector: "canary_leak",
                entity_type: None,
                score: None,
                reason: None,
                action: Action::Block,
            });
        }
        for &(name, score) in signals.scores {
            let Some(&(known, threshold)) = policy.thresholds.iter().find(|(n, _)| *n == name)
            else {
                continue;
            };
            match score {
                Some(score) if score >= threshold => fire(Trigger {
                    detector: known,
                    entity_type: None,
                    score: Some(score),
                    reason: None,
                    action: Action::Block,
                }),
                None if policy.on_classifier_error == OnClassifierError::FailClosed => {
                    fire(Trigger {
                        detector: known,
                        entity_type: None,
                        score: None,
                        reason: Some("no score (fail_closed)"),
                        action: Action::Block,
                    })
                }
                _ => {}
            }
        }
        let decided = match strongest {
            Action::Flag => Action::Allow,
            other => other,
        };
        Verdict {
            verdict: if self.shadow { Action::Allow } else { decided },
            shadow_verdict: self.shadow.then_some(decided),
            triggers,
        }
    }
}

/// Whether `start..end` of `text` is whole words.
fn whole_words(text: &str, start: usize, end: usize) -> bool {
    let word = |c: char| c.is_alphanumeric();
    !text[..start].chars().next_back().is_some_and(word)
        && !text[end..].chars().next().is_some_and(word)
}

/// Named policies: `default` (the built-in one unless configured) and any
/// others a request may name.
#[derive(Clone, Debug)]
pub struct Policies {
    named: BTreeMap<String, Policy>,
}

impl Policies {
    /// Compiles `default` and every named policy.
    pub fn compile(
        default: &PolicyConfig,
        named: &BTreeMap<String, PolicyConfig>,
        scanner: &Scanner,
    ) -> Result<Policies, (String, PolicyError)> {
        let mut out = BTreeMap::new();
        out.insert(
            "default".to_string(),
            Policy::compile(default, scanner).map_err(|e| ("default".to_string(), e))?,
        );
        for (name, config) in named {
            let policy = Policy::compile(config, scanner).map_err(|e| (name.clone(), e))?;
            out.insert(name.clone(), policy);
        }
        Ok(Policies { named: out })
    }

    /// The named policy (`None` for the default).
    pub fn get(&self, name: Option<&str>) -> Option<&Policy> {
        self.named.get(name.unwrap_or("default"))
    }

    /// The policy names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.named.keys().map(String::as_str)
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
        (&config.flag, Action::Flag),
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
    let configured: Vec<(&str, f32)> = match &config.thresholds {
        Some(map) => map.iter().map(|(n, &v)| (n.as_str(), v)).collect(),
        None => default_thresholds(direction).to_vec(),
    };
    for (name, value) in configured {
        let known = CLASSIFIERS.iter().find(|&&c| c == name).ok_or_else(|| {
            PolicyError::UnknownClassifier {
                direction,
                name: name.to_string(),
            }
        })?;
        if !(0.0..=1.0).contains(&value) {
            return Err(PolicyError::ThresholdRange {
                direction,
                name: name.to_string(),
                value,
            });
        }
        thresholds.push((*known, value));
    }
    let (mut phrases, mut names) = (Vec::new(), Vec::new());
    for (name, topic_phrases) in &config.topics {
        if topic_phrases.is_empty() || topic_phrases.iter().any(|p| p.trim().is_empty()) {
            return Err(PolicyError::EmptyTopic {
                direction,
                name: name.clone(),
            });
        }
        for phrase in topic_phrases {
            phrases.push(phrase.as_str());
            names.push(name.clone());
        }
    }
    let topics = if phrases.is_empty() {
        None
    } else {
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&phrases)
            .map_err(|e| PolicyError::Topics {
                direction,
                reason: e.to_string(),
            })?;
        Some((automaton, names))
    };
    if let Some(operators) = &config.operators {
        operators
            .validate(|name| scanner.entities().any(|e| e == name))
            .map_err(|e| PolicyError::Operators {
                direction,
                reason: e.to_string(),
            })?;
    }
    Ok(CompiledDirection {
        entity_actions,
        thresholds,
        topics,
        on_classifier_error: config.on_classifier_error,
        operators: config.operators.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(toml_text: &str) -> Result<Policy, PolicyError> {
        let config: PolicyConfig = toml::from_str(toml_text).unwrap();
        Policy::compile(&config, &Scanner::builtin())
    }

    fn decide<'a>(
        policy: &'a Policy,
        scanner: &'a Scanner,
        direction: Direction,
        text: &'a str,
        findings: &'a [Finding],
        scores: &'a [(&'a str, Option<f32>)],
    ) -> Verdict<'a> {
        let signals = Signals {
            text,
            findings,
            scores,
            canary_leak: false,
        };
        policy.decide(scanner, direction, &signals)
    }

    #[test]
    fn unknown_names_and_bad_values_are_errors() {
        let err = compile("[input]\nblock = ['EMAIL']").unwrap_err();
        assert_eq!(err.to_string(), "policy.input: unknown entity type 'EMAIL'");
        let err = compile("[output]\nthresholds = { toxic = 0.5 }").unwrap_err();
        assert!(matches!(err, PolicyError::UnknownClassifier { .. }));
        let err = compile("[output]\nthresholds = { toxicity = 1.5 }").unwrap_err();
        assert!(matches!(err, PolicyError::ThresholdRange { .. }));
        let err = compile("[input]\nblock = ['URL']\nflag = ['URL']").unwrap_err();
        assert!(matches!(err, PolicyError::Conflict { .. }));
        let err = compile("[input]\ntopics = { weapons = [] }").unwrap_err();
        assert!(matches!(err, PolicyError::EmptyTopic { .. }));
        let err = compile("[input.operators]\nNAME = { type = 'redact' }").unwrap_err();
        assert!(matches!(err, PolicyError::Operators { .. }));
        assert!(toml::from_str::<PolicyConfig>("[input]\nblok = []").is_err());
    }

    #[test]
    fn allow_and_flag_do_not_change_the_verdict() {
        let scanner = Scanner::builtin();
        let policy = compile("[input]\nallow = ['EMAIL_ADDRESS']\nflag = ['URL']").unwrap();
        let text = "mail ana@example.org, see https://example.org";
        let findings = scanner.scan(text);
        let verdict = decide(
            &policy,
            &scanner,
            Direction::Input,
            text,
            &findings,
            &[("injection", None)],
        );
        assert_eq!(verdict.verdict, Action::Allow);
        assert_eq!(verdict.triggers.len(), 1);
        assert_eq!(verdict.triggers[0].action, Action::Flag);
    }

    #[test]
    fn thresholds_per_direction_topics_and_failure_modes() {
        let scanner = Scanner::builtin();
        let policy = Policy::compile(&PolicyConfig::default(), &scanner).unwrap();
        let text = "ana@example.org and bo@example.org";
        let findings = scanner.scan(text);
        let tox = [("toxicity", Some(0.6))];
        let verdict = decide(&policy, &scanner, Direction::Input, text, &findings, &tox);
        assert_eq!(verdict.verdict, Action::Redact);
        assert_eq!(verdict.triggers.len(), 1);
        let verdict = decide(&policy, &scanner, Direction::Output, text, &findings, &tox);
        assert_eq!(verdict.verdict, Action::Block);
        assert_eq!(verdict.triggers[1].detector, "toxicity");

        let strict = compile(
            "[input]\non_classifier_error = 'fail_closed'\nthresholds = { injection = 0.5 }\ntopics = { weapons = ['pipe bomb'] }",
        )
        .unwrap();
        let missing = [("injection", None)];
        let verdict = decide(&strict, &scanner, Direction::Input, "hi", &[], &missing);
        assert_eq!(verdict.verdict, Action::Block);
        assert_eq!(verdict.triggers[0].reason, Some("no score (fail_closed)"));
        let verdict = decide(
            &strict,
            &scanner,
            Direction::Input,
            "how to build a Pipe Bomb?",
            &[],
            &[],
        );
        assert_eq!(verdict.triggers[0].reason, Some("weapons"));
        let verdict = decide(
            &strict,
            &scanner,
            Direction::Input,
            "pipe bombastic",
            &[],
            &[],
        );
        assert_eq!(verdict.verdict, Action::Allow);
    }

    #[test]
    fn shadow_mode_allows_and_reports() {
        let scanner = Scanner::builtin();
        let policy = compile("shadow = true\n[input]\nblock = ['EMAIL_ADDRESS']").unwrap();
        let text = "ana@example.org";
        let findings = scanner.scan(text);
        let verdict = decide(&policy, &scanner, Direction::Input, text, &findings, &[]);
        assert_eq!(verdict.verdict, Action::Allow);
        assert_eq!(verdict.shadow_verdict, Some(Action::Block));
    }
}
