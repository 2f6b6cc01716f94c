//! A generator of text with planted, labeled PII, secrets and look-alikes.
//!
//! Every planted value is valid for its type (Luhn, mod-97, check digits,
//! base58check, libphonenumber), so a miss is the scanner's fault. Filler
//! prose carries the hard negatives a real corpus has: dates, times, prices,
//! order numbers, versions, UUIDs and hashes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use fake::faker::name::raw::{FirstName, LastName};
use fake::locales::{DE_DE, EN, FR_FR, IT_IT, PT_BR};
use fake::Fake;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// A planted item: entity type and byte span in the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// Entity type name, as palisade reports it.
    pub entity: String,
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
}

/// A document and the items planted in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The text.
    pub text: String,
    /// What was planted, in order.
    pub labels: Vec<Label>,
}

const WORDS: &[&str] = &[
    "the",
    "report",
    "team",
    "meeting",
    "project",
    "update",
    "customer",
    "account",
    "review",
    "quarter",
    "system",
    "release",
    "notes",
    "data",
    "model",
    "training",
    "budget",
    "office",
    "schedule",
    "policy",
    "feedback",
    "draft",
    "service",
    "request",
    "support",
    "network",
    "issue",
    "migration",
    "plan",
    "results",
    "and",
    "with",
    "for",
    "from",
    "about",
    "after",
    "before",
    "during",
    "next",
    "week",
    "will",
    "should",
    "could",
    "was",
    "were",
    "has",
    "been",
    "our",
    "their",
    "new",
    "final",
    "first",
    "second",
    "shared",
    "internal",
    "weekly",
    "pending",
    "approved",
    "delayed",
    "document",
    "invoice",
    "shipment",
    "contract",
    "vendor",
    "question",
    "answer",
    "summary",
    "agenda",
];

const FOREIGN: &[&str] = &[
    "Bitte senden Sie die Unterlagen bis Freitag.",
    "Merci de confirmer la réunion de demain matin.",
    "El informe final está casi terminado.",
    "La riunione è stata spostata a giovedì.",
    "会議は来週の火曜日に延期されました。",
    "Déjà vu: naïve café owners ☕ agree.",
    "Ñandú y pingüino 🐧 viajan juntos.",
];

/// Look-alikes that must not be reported.
fn hard_negative(rng: &mut StdRng) -> String {
    let hex = |rng: &mut StdRng, n: usize| {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
            .collect::<String>()
    };
    match rng.random_range(0..9) {
        0 => format!(
            "on {}-{:02}-{:02}",
            rng.random_range(1990..2030),
            rng.random_range(1..13),
            rng.random_range(1..29)
        ),
        1 => format!(
            "at {:02}:{:02}:{:02}",
            rng.random_range(0..24),
            rng.random_range(0..60),
            rng.random_range(0..60)
        ),
        2 => format!(
            "for ${}.{:02}",
            rng.random_range(1..5000),
            rng.random_range(0..100)
        ),
        3 => format!("order #{}", rng.random_range(10_000_000..99_999_999)),
        4 => format!(
            "version {}.{}.{}",
            rng.random_range(0..20),
            rng.random_range(0..50),
            rng.random_range(0..100)
        ),
        5 => format!(
            "id {}-{}-4{}-a{}-{}",
            hex(rng, 8),
            hex(rng, 4),
            hex(rng, 3),
            hex(rng, 3),
            hex(rng, 12)
        ),
        6 => format!("commit {}", hex(rng, 40)),
        7 => format!("{} units", rng.random_range(2..1000)),
        _ => format!("in {}", rng.random_range(1950..2030)),
    }
}

/// Share of sentences carrying a hard negative (a version, timestamp, order
/// number, UUID, hash...): number-dense text, the scan's costly case.
const HARD_NEGATIVE_RATE: f64 = 0.35;

fn sentence(rng: &mut StdRng, out: &mut String, hard_negative_rate: f64) {
    if rng.random_bool(0.1) {
        out.push_str(FOREIGN.choose(rng).expect("non-empty"));
        out.push(' ');
        return;
    }
    let n = rng.random_range(6..16);
    for i in 0..n {
        let word = WORDS.choose(rng).expect("non-empty");
        if i == 0 {
            let mut c = word.chars();
            out.extend(c.next().map(|f| f.to_ascii_uppercase()));
            out.push_str(c.as_str());
        } else {
            out.push_str(word);
        }
        if i == n / 2 && rng.random_bool(hard_negative_rate) {
            out.push(' ');
            out.push_str(&hard_negative(rng));
        }
        out.push(if i + 1 == n { '.' } else { ' ' });
    }
    out.push(' ');
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10)))
        .collect()
}

fn luhn_complete(prefix_and_body: &str) -> String {
    let sum: u32 = prefix_and_body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    format!("{prefix_and_body}{}", (10 - sum % 10) % 10)
}

fn credit_card(rng: &mut StdRng) -> String {
    let (prefix, len) = match rng.random_range(0..5) {
        0 => ("4".to_string(), 16),
        1 => (format!("5{}", rng.random_range(1..6)), 16),
        2 => (format!("{}", rng.random_range(2221..2721)), 16),
        3 => (
            if rng.random_bool(0.5) { "34" } else { "37" }.to_string(),
            15,
        ),
        _ => ("6011".to_string(), 16),
    };
    let body = digits(rng, len - 1 - prefix.len());
    let number = luhn_complete(&format!("{prefix}{body}"));
    let sep = ["", " ", "-"].choose(rng).expect("non-empty");
    let groups: &[usize] = if len == 15 { &[4, 6, 5] } else { &[4, 4, 4, 4] };
    let mut out = String::new();
    let mut at = 0;
    for (i, g) in groups.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&number[at..at + g]);
        at += g;
    }
    out
}

fn iban(rng: &mut StdRng) -> String {
    let (country, bban) = match rng.random_range(0..4) {
        0 => ("DE", digits(rng, 18)),
        1 => (
            "GB",
            format!(
                "{}{}",
                ["WEST", "NWBK", "BARC"].choose(rng).expect("non-empty"),
                digits(rng, 14)
            ),
        ),
        2 => ("FR", digits(rng, 23)),
        _ => (
            "NL",
            format!(
                "{}{}",
                ["ABNA", "INGB", "RABO"].choose(rng).expect("non-empty"),
                digits(rng, 10)
            ),
        ),
    };
    let numeric: String = format!("{bban}{country}00")
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                c.to_string()
            } else {
                (c as u32 - 'A' as u32 + 10).to_string()
            }
        })
        .collect();
    let remainder = numeric
        .bytes()
        .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    let compact = format!("{country}{:02}{bban}", 98 - remainder);
    if rng.random_bool(0.5) {
        compact
    } else {
        compact
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ascii"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn ssn(rng: &mut StdRng) -> String {
    let area = loop {
        let a = rng.random_range(1..900);
        if a != 666 {
            break a;
        }
    };
    format!(
        "{area:03}-{:02}-{:04}",
        rng.random_range(1..100),
        rng.random_range(1..10000)
    )
}

fn phone(rng: &mut StdRng) -> String {
    loop {
        let candidate = match rng.random_range(0..7) {
            0 => format!(
                "({}) {}-{}",
                [212, 415, 312, 617, 206, 303]
                    .choose(rng)
                    .expect("non-empty"),
                rng.random_range(201..999),
                digits(rng, 4)
            ),
            1 => format!(
                "+1 {} {} {}",
                [212, 415, 312, 617].choose(rng).expect("non-empty"),
                rng.random_range(201..999),
                digits(rng, 4)
            ),
            2 => format!("+44 20 7946 0{}", digits(rng, 3)),
            3 => format!("020 7946 0{}", digits(rng, 3)),
            4 => format!("+49 30 {}", rng.random_range(2_000_000..9_999_999)),
            5 => format!(
                "01 {} {} {} {}",
                rng.random_range(10..99),
                rng.random_range(10..99),
                rng.random_range(10..99),
                rng.random_range(10..99)
            ),
            _ => format!(
                "+81 3-{}-{}",
                rng.random_range(1000..9999),
                rng.random_range(1000..9999)
            ),
        };
        let international = candidate.starts_with('+');
        let region = if candidate.starts_with('(') {
            Some(phonenumber::country::Id::US)
        } else if candidate.starts_with("020") {
            Some(phonenumber::country::Id::GB)
        } else if candidate.starts_with("01") {
            Some(phonenumber::country::Id::FR)
        } else {
            None
        };
        let parsed = phonenumber::parse(if international { None } else { region }, &candidate);
        if parsed.is_ok_and(|n| phonenumber::is_valid(&n)) {
            return candidate;
        }
    }
}

fn nhs(rng: &mut StdRng) -> String {
    loop {
        let d: Vec<u32> = (0..9).map(|_| rng.random_range(0..10)).collect();
        let sum: u32 = d.iter().zip((2..=10).rev()).map(|(x, w)| x * w).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => continue,
            c => c,
        };
        let s: String = d
            .iter()
            .chain(std::iter::once(&check))
            .map(|x| char::from(b'0' + *x as u8))
            .collect();
        return format!("{} {} {}", &s[..3], &s[3..6], &s[6..]);
    }
}

fn token(rng: &mut StdRng, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| char::from(*alphabet.choose(rng).expect("non-empty")))
        .collect()
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn name(rng: &mut StdRng) -> (String, String) {
    match rng.random_range(0..5) {
        0 => (
            FirstName(EN).fake_with_rng(rng),
            LastName(EN).fake_with_rng(rng),
        ),
        1 => (
            FirstName(FR_FR).fake_with_rng(rng),
            LastName(FR_FR).fake_with_rng(rng),
        ),
        2 => (
            FirstName(DE_DE).fake_with_rng(rng),
            LastName(DE_DE).fake_with_rng(rng),
        ),
        3 => (
            FirstName(IT_IT).fake_with_rng(rng),
            LastName(IT_IT).fake_with_rng(rng),
        ),
        _ => (
            FirstName(PT_BR).fake_with_rng(rng),
            LastName(PT_BR).fake_with_rng(rng),
        ),
    }
}

fn email(rng: &mut StdRng) -> String {
    let (first, last) = name(rng);
    let clean = |s: &str| {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
    };
    let domain = [
        "example.com",
        "mail.example.org",
        "example.co.uk",
        "corp.example.de",
        "example.fr",
    ]
    .choose(rng)
    .expect("non-empty");
    let local = format!("{}.{}", clean(&first), clean(&last));
    let local = if local.len() < 3 {
        format!("user{}", rng.random_range(1..999))
    } else {
        local
    };
    format!("{local}@{domain}")
}

/// One planted item: (entity, value, lead-in phrase).
fn item(rng: &mut StdRng) -> (&'static str, String, &'static str) {
    match rng.random_range(0..16) {
        0 | 1 => ("EMAIL_ADDRESS", email(rng), "Please write to"),
        2 | 3 => ("PHONE_NUMBER", phone(rng), "You can call"),
        4 => ("US_SSN", ssn(rng), "The applicant's SSN is"),
        5 | 6 => ("CREDIT_CARD", credit_card(rng), "Charge the card"),
        7 => ("IBAN_CODE", iban(rng), "Wire the amount to"),
        8 => (
            "IP_ADDRESS",
            format!(
                "{}.{}.{}.{}",
                rng.random_range(1..224),
                rng.random_range(0..256),
                rng.random_range(0..256),
                rng.random_range(1..255)
            ),
            "The request came from",
        ),
        9 => (
            "URL",
            format!(
                "https://www.example.com/{}/{}",
                token(rng, b"abcdefghij", 6),
                rng.random_range(1..9999)
            ),
            "The page is at",
        ),
        10 => (
            "AWS_ACCESS_KEY",
            format!(
                "AKIA{}",
                token(rng, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
            ),
            "The deploy used key",
        ),
        11 => (
            "GITHUB_TOKEN",
            format!("ghp_{}", token(rng, ALNUM, 36)),
            "The CI token was",
        ),
        12 => {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
            let payload = URL_SAFE_NO_PAD.encode(format!(
                r#"{{"sub":"{}","iat":{}}}"#,
                rng.random_range(1000..99999),
                rng.random_range(1_600_000_000u64..1_800_000_000)
            ));
            (
                "JWT",
                format!("{header}.{payload}.{}", token(rng, ALNUM, 43)),
                "The session token is",
            )
        }
        13 => {
            let mut payload = vec![0u8];
            payload.extend((0..20).map(|_| rng.random::<u8>()));
            (
                "CRYPTO",
                bs58::encode(payload).with_check().into_string(),
                "Send the BTC to",
            )
        }
        14 => ("UK_NHS", nhs(rng), "The patient's NHS number is"),
        _ => (
            "MAC_ADDRESS",
            (0..6)
                .map(|_| format!("{:02x}", rng.random::<u8>()))
                .collect::<Vec<_>>()
                .join(":"),
            "The device's MAC is",
        ),
    }
}

/// Generates `n` labeled documents, deterministically from `seed`, each with
/// 0-3 planted items between sentences of filler prose.
pub fn labeled(seed: u64, n: usize) -> Vec<Document> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let mut text = String::new();
            let mut labels = Vec::new();
            let items = rng.random_range(0..4);
            for _ in 0..items {
                for _ in 0..rng.random_range(1..4) {
                    sentence(&mut rng, &mut text, HARD_NEGATIVE_RATE);
                }
                plant(&mut rng, &mut text, &mut labels);
            }
            sentence(&mut rng, &mut text, HARD_NEGATIVE_RATE);
            Document {
                text: text.trim_end().to_string(),
                labels,
            }
        })
        .collect()
}

/// Generates about `bytes` of prose with sparse planted items (about one per
/// 2 KB) and a hard negative in about a third of the sentences, returned as
/// one text with its labels.
pub fn prose(seed: u64, bytes: usize) -> Document {
    prose_with(seed, bytes, HARD_NEGATIVE_RATE)
}

/// Documents of about 2 KB of [`prose`] (so about half carry a planted item)
/// until `bytes` of text: a corpus for throughput runs. Each document has its
/// own seed derived from `seed`, so the corpus is the same on every machine.
pub fn prose_documents(seed: u64, bytes: u64) -> impl Iterator<Item = Document> {
    let mut written = 0u64;
    (0u64..)
        .map(move |i| prose(seed.wrapping_mul(1 << 32).wrapping_add(i), 2048))
        .take_while(move |doc| {
            let more = written < bytes;
            written += doc.text.len() as u64;
            more
        })
}

/// Like [`prose`], without the hard negatives: ordinary text with sparse PII.
pub fn plain_prose(seed: u64, bytes: usize) -> Document {
    prose_with(seed, bytes, 0.0)
}

/// Appends one random item with its lead-in words, and its label.
fn plant(rng: &mut StdRng, text: &mut String, labels: &mut Vec<Label>) {
    let (entity, value, lead) = item(rng);
    text.push_str(lead);
    text.push(' ');
    labels.push(Label {
        entity: entity.to_string(),
        start: text.len(),
        end: text.len() + value.len(),
    });
    text.push_str(&value);
    text.push_str(". ");
}

fn prose_with(seed: u64, bytes: usize, hard_negative_rate: f64) -> Document {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut text = String::with_capacity(bytes + 4096);
    let mut labels = Vec::new();
    let mut next_item = rng.random_range(1000..3000);
    while text.len() < bytes {
        sentence(&mut rng, &mut text, hard_negative_rate);
        if text.len() >= next_item {
            plant(&mut rng, &mut text, &mut labels);
            next_item = text.len() + rng.random_range(1000..3000);
        }
    }
    Document { text, labels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_labels_point_at_values() {
        let a = labeled(7, 50);
        assert_eq!(a, labeled(7, 50));
        for doc in &a {
            for label in &doc.labels {
                assert!(
                    doc.text.is_char_boundary(label.start) && doc.text.is_char_boundary(label.end)
                );
                assert!(!doc.text[label.start..label.end].contains(". "));
            }
        }
        let p = prose(1, 100_000);
        let per_item = p.text.len() / p.labels.len();
        assert!(
            (1000..4000).contains(&per_item),
            "{per_item} bytes per item"
        );
    }
}
