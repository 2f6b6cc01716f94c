//! Broken rule files fail at load with an error that names the file, the
//! recognizer and the reason.

use palisade_engine::{Error, ErrorKind, ScannerBuilder};

fn load(rules: &str) -> Error {
    ScannerBuilder::new()
        .rules_toml("team.toml", rules)
        .and_then(|b| b.build())
        .expect_err("the rule file is broken")
}

fn recognizer(fields: &str) -> String {
    format!("[[recognizer]]\nid = \"badge\"\nentity = \"EMAIL_ADDRESS\"\nscore = 0.5\n{fields}\n")
}

#[track_caller]
fn assert_names_rule(err: &Error) {
    assert_eq!(err.origin(), "team.toml");
    assert_eq!(err.rule(), Some("badge"), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with("team.toml: recognizer 'badge': "),
        "{message}"
    );
}

#[test]
fn invalid_regex() {
    let err = load(&recognizer("patterns = ['B-(\\d+']"));
    assert_names_rule(&err);
    assert!(matches!(err.kind(), ErrorKind::Regex(_)), "{err}");
}

#[test]
fn empty_context_word() {
    let err = load(&recognizer(
        "patterns = ['B-[0-9]+']\ncontext = [\"badge\", \"\"]",
    ));
    assert_names_rule(&err);
    assert!(
        matches!(err.kind(), ErrorKind::Invalid(reason) if reason == "empty context word"),
        "{err}"
    );
}

#[test]
fn automaton_too_large() {
    let err = load(&recognizer(r"patterns = ['\w{500}{500}']"));
    assert_names_rule(&err);
    assert!(matches!(err.kind(), ErrorKind::TooLarge { .. }), "{err}");
}

#[test]
fn unknown_entity_and_validator() {
    let err = load(&recognizer("patterns = ['x']").replace("EMAIL_ADDRESS", "BADGE_ID"));
    assert_names_rule(&err);
    assert!(
        matches!(err.kind(), ErrorKind::UnknownEntity(e) if e == "BADGE_ID"),
        "{err}"
    );

    let err = load(&recognizer("patterns = ['x']\nvalidator = \"luhnn\""));
    assert_names_rule(&err);
    assert!(
        matches!(err.kind(), ErrorKind::UnknownValidator(v) if v == "luhnn"),
        "{err}"
    );
}

#[test]
fn trigger_missing_from_some_matches() {
    let err = load(&recognizer(
        "patterns = ['B-[0-9A-F]{6}']\ntrigger = \"digits\"",
    ));
    assert_names_rule(&err);
    assert!(
        err.to_string().contains("without any of its trigger bytes"),
        "{err}"
    );

    // The same pattern is fine with a trigger every match contains.
    ScannerBuilder::new()
        .rules_toml(
            "team.toml",
            &recognizer("patterns = ['B-[0-9A-F]{6}']\ntrigger = \"-\""),
        )
        .and_then(|b| b.build())
        .expect("valid trigger");
}

#[test]
fn out_of_range_scores_and_unknown_fields() {
    let err = load(&recognizer("patterns = ['x']").replace("score = 0.5", "score = 1.5"));
    assert_names_rule(&err);
    assert!(err.to_string().contains("score must be in [0, 1]"), "{err}");

    let err = load(&recognizer("patterns = ['x']\npaterns = ['y']"));
    assert_eq!(err.origin(), "team.toml");
    assert!(matches!(err.kind(), ErrorKind::Parse(_)), "{err}");
    assert!(err.to_string().contains("paterns"), "{err}");
}

#[test]
fn unknown_recognizer_in_disable_or_overrides() {
    let err = load("disable = [\"emial\"]");
    assert!(
        matches!(err.kind(), ErrorKind::UnknownRecognizer(r) if r == "emial"),
        "{err}"
    );
    let err = load("[overrides.phone]\nscore = 0.2");
    assert!(
        matches!(err.kind(), ErrorKind::UnknownRecognizer(r) if r == "phone"),
        "{err}"
    );
}

#[test]
fn duplicate_ids() {
    let err = load(&format!(
        "{}{}",
        recognizer("patterns = ['x']"),
        recognizer("patterns = ['y']")
    ));
    assert_names_rule(&err);
    assert!(
        matches!(err.kind(), ErrorKind::DuplicateRecognizer),
        "{err}"
    );
}
