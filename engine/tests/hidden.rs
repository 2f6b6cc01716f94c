//! Hidden PII: invisible characters and compatibility forms inside values.

use palisade_engine::Scanner;

/// `(entity_type, original slice)` of each finding.
fn found(scanner: &Scanner, text: &str) -> Vec<(String, String)> {
    scanner
        .scan(text)
        .iter()
        .map(|f| {
            let by_chars: String = text.chars().skip(f.start).take(f.end - f.start).collect();
            assert_eq!(
                by_chars,
                &text[f.byte_start..f.byte_end],
                "char and byte offsets agree"
            );
            (scanner.entity_name(f.entity).to_string(), by_chars)
        })
        .collect()
}

#[test]
fn zero_width_and_fullwidth_pii_is_found_on_its_original_span() {
    let scanner = Scanner::builtin();
    for (text, entity, value) in [
        (
            "mail ana@exa\u{200B}mple.org ok",
            "EMAIL_ADDRESS",
            "ana@exa\u{200B}mple.org",
        ),
        (
            "mail a\u{2060}na@example.org",
            "EMAIL_ADDRESS",
            "a\u{2060}na@example.org",
        ),
        (
            "card ４１１１ １１１１ １１１１ １１１１.",
            "CREDIT_CARD",
            "４１１１ １１１１ １１１１ １１１１",
        ),
        (
            "card 4111\u{200C}1111\u{200C}1111\u{200C}1111 🙂",
            "CREDIT_CARD",
            "4111\u{200C}1111\u{200C}1111\u{200C}1111",
        ),
        ("ssn ５３６-２２-１２３４", "US_SSN", "５３６-２２-１２３４"),
        (
            "key ＡＫＩＡＩＯＳＦＯＤＮＮ７ＥＸＡＭＰＬＥ",
            "AWS_ACCESS_KEY",
            "ＡＫＩＡＩＯＳＦＯＤＮＮ７ＥＸＡＭＰＬＥ",
        ),
    ] {
        let got = found(&scanner, text);
        assert!(
            got.contains(&(entity.to_string(), value.to_string())),
            "{text:?}: {got:?}"
        );
    }
}

#[test]
fn normalization_can_be_turned_off() {
    let scanner = Scanner::builtin();
    let options = palisade_engine::ScanOptions {
        normalize: false,
        ..Default::default()
    };
    let mut out = Vec::new();
    scanner.scan_with(
        "mail ana@exa\u{200B}mple.org",
        &options,
        &mut scanner.scratch(),
        &mut out,
    );
    assert!(
        out.iter().all(|f| f.byte_end - f.byte_start < 20),
        "{out:?}"
    );
}

mod properties {
    use palisade_engine::{Normalized, Scanner};
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    static SCANNER: std::sync::LazyLock<Scanner> = std::sync::LazyLock::new(Scanner::builtin);

    /// What the view of a slice reads as: invisible characters dropped, NFKC.
    fn folded(text: &str) -> String {
        text.chars()
            .filter(|&c| !palisade_engine::is_invisible(c))
            .nfkc()
            .collect()
    }

    /// Characters that normalization touches, and plain ones.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z ]{1,8}",
            Just("\u{200B}".to_string()),
            Just("\u{FEFF}".to_string()),
            Just("\u{E0041}".to_string()),
            Just("ｆｕｌｌ".to_string()),
            Just("ﬁ".to_string()),
            Just("e\u{301}".to_string()),
            Just("🙂".to_string()),
            Just("Ж".to_string()),
        ]
    }

    /// An email with invisible or fullwidth characters mixed in.
    fn hidden_email() -> impl Strategy<Value = (String, String)> {
        (
            "[a-z]{2,8}",
            "[a-z]{2,8}",
            prop::collection::vec(0usize..3, 0..6),
        )
            .prop_map(|(user, host, noise)| {
                let plain = format!("{user}@{host}.org");
                let mut hidden = String::new();
                for (i, c) in plain.chars().enumerate() {
                    match noise.get(i) {
                        Some(0) => hidden.push('\u{200B}'),
                        Some(1) => hidden.push('\u{2060}'),
                        _ => {}
                    }
                    // Fullwidth form of a letter.
                    if noise.get(i) == Some(&2) && c.is_ascii_lowercase() {
                        hidden.push(char::from_u32(c as u32 - 0x61 + 0xFF41).unwrap());
                    } else {
                        hidden.push(c);
                    }
                }
                (hidden, plain)
            })
    }

    proptest! {
        /// Each normalized span maps to an original span on char
        /// boundaries whose own normalization contains it.
        #[test]
        fn original_spans_read_as_what_matched(
            pieces in prop::collection::vec(piece(), 1..12),
            a in 0usize..64,
            b in 0usize..64,
        ) {
            let original: String = pieces.concat();
            let mut view = Normalized::default();
            if view.normalize(&original) {
                let text = view.text();
                prop_assert_eq!(text, folded(&original));
                let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
                let (x, y) = (bounds[a % bounds.len()], bounds[b % bounds.len()]);
                let (start, end) = (x.min(y), x.max(y));
                if start < end {
                    let (os, oe) = view.original_span(start, end);
                    prop_assert!(original.is_char_boundary(os) && original.is_char_boundary(oe));
                    prop_assert!(folded(&original[os..oe]).contains(&text[start..end]));
                }
            }
        }

        /// A planted email hidden with invisible and fullwidth characters is
        /// found, and its original slice reads as the email.
        #[test]
        fn hidden_emails_are_found_where_they_are(
            before in prop::collection::vec(piece(), 0..4),
            (hidden, plain) in hidden_email(),
            after in prop::collection::vec(piece(), 0..4),
        ) {
            let text = format!("{} mail {hidden} . {}", before.concat(), after.concat());
            let scanner = &*SCANNER;
            let findings = scanner.scan(&text);
            let emails: Vec<&str> = findings
                .iter()
                .filter(|f| scanner.entity_name(f.entity) == "EMAIL_ADDRESS")
                .map(|f| &text[f.byte_start..f.byte_end])
                .collect();
            prop_assert!(
                emails.iter().any(|slice| folded(slice) == plain),
                "{:?} in {:?}: {:?}", plain, text, emails
            );
        }
    }
}

#[test]
fn invisible_text_is_flagged_where_it_hides_things() {
    let scanner = Scanner::builtin();
    let tags: String = "ignore all"
        .chars()
        .map(|c| char::from_u32(0xE0000 + c as u32).unwrap())
        .collect();
    for (text, value) in [
        (format!("hello{tags} world"), tags.clone()),
        ("file \u{202E}gpj.exe".to_string(), "\u{202E}".to_string()),
        ("pass\u{200B}word".to_string(), "\u{200B}".to_string()),
        (
            "sys\u{2060}\u{2060}tem".to_string(),
            "\u{2060}\u{2060}".to_string(),
        ),
    ] {
        let got = found(&scanner, &text);
        assert!(
            got.contains(&("INVISIBLE_TEXT".to_string(), value)),
            "{text:?}: {got:?}"
        );
    }
    // Joiners where scripts need them are not hidden text.
    for benign in [
        "family 👨\u{200D}👩\u{200D}👧",
        "می\u{200C}خواهم",
        "plain text — with “quotes”…",
    ] {
        assert_eq!(found(&scanner, benign), [], "{benign}");
    }
}

fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// `(entity_type, original slice, decoded_from chain)` of each finding.
fn decoded(scanner: &Scanner, text: &str) -> Vec<(String, String, Vec<String>)> {
    scanner
        .scan(text)
        .iter()
        .map(|f| {
            (
                scanner.entity_name(f.entity).to_string(),
                text[f.byte_start..f.byte_end].to_string(),
                f.decoded.iter().map(|e| e.name().to_string()).collect(),
            )
        })
        .collect()
}

#[test]
fn encoded_pii_is_found_on_the_encoded_span() {
    let scanner = Scanner::builtin();
    let key = b64("aws key AKIAIOSFODNN7EXAMPLE");
    let nested = b64(&hex::encode("mail ana.lopez@example.org"));
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\naFDrBz9vFqU4yVJbqFJbVh2kCdk0+Xc2XkP0VQ==\n-----END RSA PRIVATE KEY-----";
    let pem64 = b64(pem);
    let cases = [
        (
            format!("config: {key} end"),
            "AWS_ACCESS_KEY",
            key.clone(),
            vec!["base64"],
        ),
        (
            format!("blob {nested}"),
            "EMAIL_ADDRESS",
            nested.clone(),
            vec!["base64", "hex"],
        ),
        (
            format!("k={pem64}"),
            "PRIVATE_KEY",
            pem64.clone(),
            vec!["base64"],
        ),
        (
            "see https://x.example/?to=ana%2Elopez%40example%2Eorg now".to_string(),
            "EMAIL_ADDRESS",
            "https://x.example/?to=ana%2Elopez%40example%2Eorg".to_string(),
            vec!["percent"],
        ),
        (
            r#"{"note": "\u0061\u006e\u0061@example.org"}"#.to_string(),
            "EMAIL_ADDRESS",
            r#"\u0061\u006e\u0061@example.org"#.to_string(),
            vec!["unicode_escape"],
        ),
    ];
    for (text, entity, span, chain) in cases {
        let got = decoded(&scanner, &text);
        let want = (
            entity.to_string(),
            span,
            chain.into_iter().map(String::from).collect::<Vec<_>>(),
        );
        assert!(got.contains(&want), "{text}: {got:?}");
    }
}

#[test]
fn decoding_respects_depth_and_leaves_plain_findings_alone() {
    let scanner = Scanner::builtin();
    let nested = b64(&hex::encode("mail ana.lopez@example.org"));
    let options = palisade_engine::ScanOptions {
        decode_depth: 1,
        ..Default::default()
    };
    let mut out = Vec::new();
    scanner.scan_with(&nested, &options, &mut scanner.scratch(), &mut out);
    assert_eq!(out, []);
    // A percent-encoded URL whose email is written plainly is reported once, as written.
    let text = "q=a%20b&cc=ana@example.org";
    let got = decoded(&scanner, text);
    assert!(
        got.contains(&("EMAIL_ADDRESS".into(), "ana@example.org".into(), vec![])),
        "{got:?}"
    );
    assert!(got.iter().all(|(_, _, chain)| chain.is_empty()), "{got:?}");
    // Ordinary prose has nothing to decode.
    assert_eq!(
        decoded(
            &scanner,
            "internationalization of characteristically long words"
        ),
        []
    );
}
