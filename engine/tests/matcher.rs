//! Another match engine behind the scanner's rules: what it reports goes
//! through the same checks as the scanner's own matches.

use palisade_engine::{MatchTarget, Matcher, ScanOptions, ScannerBuilder};

/// Reports fixed spans, whatever the text.
struct Fixed(Vec<(usize, usize, usize)>);

impl Matcher for Fixed {
    fn find(&mut self, _text: &str, report: &mut dyn FnMut(usize, usize, usize)) {
        for &(target, start, end) in &self.0 {
            report(target, start, end);
        }
    }
}

fn scanner() -> palisade_engine::Scanner {
    ScannerBuilder::empty()
        .rules_toml(
            "test.toml",
            r#"
            entities = ["CARD", "CODENAME"]

            [[recognizer]]
            id = "card"
            entity = "CARD"
            score = 0.9
            patterns = ['(?-u)\b[0-9]{16}\b']
            validator = "luhn"

            [[recognizer]]
            id = "codename"
            entity = "CODENAME"
            score = 0.9
            keywords = ["bluebird"]
            "#,
        )
        .and_then(|b| b.build())
        .unwrap()
}

#[test]
fn reported_candidates_are_validated_and_keywords_checked_as_words() {
    let scanner = scanner();
    let targets: Vec<_> = scanner.match_targets().collect();
    assert_eq!(
        targets,
        [
            ("card", MatchTarget::Pattern(r"(?-u)\b[0-9]{16}\b")),
            (
                "codename",
                MatchTarget::Keyword {
                    text: "bluebird",
                    case_sensitive: false
                }
            ),
        ]
    );
    let text = "4111111111111111 4111111111111112 bluebirds Bluebird";
    let mut matcher = Fixed(vec![(0, 0, 16), (0, 17, 33), (1, 34, 42), (1, 44, 52)]);
    let (mut scratch, mut found) = (scanner.scratch(), Vec::new());
    scanner.scan_with_matcher(
        text,
        &ScanOptions::default(),
        &mut scratch,
        &mut matcher,
        &mut found,
    );
    let spans: Vec<&str> = found
        .iter()
        .map(|f| &text[f.byte_start..f.byte_end])
        .collect();
    assert_eq!(
        spans,
        ["4111111111111111", "Bluebird"],
        "the Luhn-invalid card and the keyword inside a word are dropped"
    );
    assert_eq!(
        found,
        scanner.scan(text),
        "as the scanner's own search does"
    );
}

#[test]
#[should_panic(expected = "not a span of a 4-byte text")]
fn a_span_outside_the_text_is_a_matcher_bug() {
    let scanner = scanner();
    let (mut scratch, mut found) = (scanner.scratch(), Vec::new());
    scanner.scan_with_matcher(
        "text",
        &ScanOptions::default(),
        &mut scratch,
        &mut Fixed(vec![(0, 2, 9)]),
        &mut found,
    );
}
