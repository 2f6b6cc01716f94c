//! `palisade serve` as an operator runs it: the binary, a config file, a
//! signal to stop. The audit log and every log line are checked for PII.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const TOKEN: &str = "test-token-7c1d";
/// Values sent through every endpoint; none may appear in any log.
const PII: &[&str] = &[
    "ana.lopez@example.org",
    "4111 1111 1111 1111",
    "536-22-1234",
    "AKIAIOSFODNN7EXAMPLE",
    "+44 20 7946 0958",
];

fn sha256_hex(text: &str) -> String {
    // The test shells out rather than pulling a hash crate into the binary's dev-dependencies.
    let out = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(text.as_bytes())?;
            child.wait_with_output()
        })
        .expect("sha256sum runs");
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

struct Running {
    child: Child,
    port: u16,
    stderr_lines: std::sync::mpsc::Receiver<String>,
}

fn start(config: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(config)
        .env("PALISADE_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("palisade serve starts");
    let (send, stderr_lines) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let port = loop {
        let line = stderr_lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the server logs its address");
        if let Some(rest) = line.split("address=127.0.0.1:").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    Running {
        child,
        port,
        stderr_lines,
    }
}

/// One HTTP/1.1 request on its own connection; returns (status, body).
fn request(port: u16, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = token.map_or(String::new(), |t| format!("authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n{auth}content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    // A server refusing a large body may close before reading it all.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let mut chunk = [0; 8192];
    while let Ok(n @ 1..) = stream.read(&mut chunk) {
        response.extend_from_slice(&chunk[..n]);
    }
    let response = String::from_utf8(response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

#[test]
fn no_pii_in_any_log_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let config = dir.path().join("palisade.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nmax_body_bytes = 65536\n[audit]\npath = 'audit.jsonl'\n[[keys]]\nname = 'gw'\norg = 'acme'\ntier = 'pro'\nsha256 = '{}'\n",
            sha256_hex(TOKEN)
        ),
    )
    .unwrap();
    let mut server = start(&config);
    let port = server.port;
    let text = PII.join(" and ");
    let json_text = serde_json::to_string(&text).unwrap();
    let spans = r#"[{"start": 0, "end": 21, "entity_type": "EMAIL_ADDRESS", "score": 1.0}]"#;
    let calls: Vec<(&str, String, Option<&str>, u16)> = vec![
        (
            "/v1/scan",
            // The toxicity classifier runs too (its path must not log text either).
            format!(
                r#"{{"text": {json_text}, "return_explanation": true, "detectors": ["pii", "injection_rules", "toxicity"]}}"#
            ),
            Some(TOKEN),
            200,
        ),
        (
            "/v1/scan",
            format!(r#"{{"texts": [{json_text}, {json_text}], "direction": "output"}}"#),
            Some(TOKEN),
            200,
        ),
        (
            "/v1/redact",
            format!(r#"{{"text": {json_text}}}"#),
            Some(TOKEN),
            200,
        ),
        (
            "/analyze",
            format!(
                r#"{{"text": {json_text}, "language": "en", "return_decision_process": true}}"#
            ),
            Some(TOKEN),
            200,
        ),
        (
            "/anonymize",
            format!(r#"{{"text": {json_text}, "analyzer_results": {spans}}}"#),
            Some(TOKEN),
            200,
        ),
        // Errors that quote the input back to the caller.
        (
            "/v1/scan",
            format!(r#"{{"text": {json_text}"#),
            Some(TOKEN),
            400,
        ),
        (
            "/v1/scan",
            r#"{"text": "x", "entities": ["ana.lopez@example.org"]}"#.to_string(),
            Some(TOKEN),
            400,
        ),
        (
            "/v1/scan",
            r#"{"text": 536221234, "note": "536-22-1234"}"#.to_string(),
            Some(TOKEN),
            422,
        ),
        (
            "/v1/scan",
            format!(r#"{{"text": {json_text}}}"#),
            Some("AKIAIOSFODNN7EXAMPLE"),
            401,
        ),
        ("/v1/scan", format!(r#"{{"text": {json_text}}}"#), None, 401),
        (
            "/v1/scan",
            format!(r#"{{"text": "{}"}}"#, text.repeat(1000)),
            Some(TOKEN),
            413,
        ),
    ];
    for (path, body, token, status) in &calls {
        let (got, response) = request(port, "POST", path, *token, body.as_bytes());
        assert_eq!(got, *status, "{path}: {response}");
    }
    let (status, _) = request(port, "GET", "/metrics", None, b"");
    assert_eq!(status, 200);

    Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit}");

    let mut stdout = String::new();
    server
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let stderr: Vec<String> = server.stderr_lines.try_iter().collect();
    let stderr = stderr.join("\n");
    let audit = std::fs::read_to_string(&audit).unwrap();
    let records: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        records.len(),
        calls.len(),
        "one audit record per API call:\n{audit}"
    );
    for (record, (path, _, token, status)) in records.iter().zip(&calls) {
        assert_eq!(record["endpoint"], *path);
        assert_eq!(record["status"], *status);
        let key = if *token == Some(TOKEN) {
            Value::from("gw")
        } else {
            Value::Null
        };
        assert_eq!(record["key"], key);
        assert!(record["latency_ms"].is_number() && record["request_id"].is_string());
    }
    assert_eq!(records[0]["verdict"], "redact");
    assert_eq!(records[0]["input_chars"], text.chars().count());
    assert!(stderr.contains("shutting down"), "{stderr}");
    for value in PII {
        for (name, log) in [
            ("stdout", &stdout),
            ("stderr", &stderr),
            ("audit log", &audit),
        ] {
            assert!(
                !log.contains(value),
                "{value} appears in the {name}:\n{log}"
            );
        }
    }
    assert!(!stderr.contains(TOKEN) && !audit.contains(TOKEN));
}

#[test]
fn broken_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("palisade.toml");
    std::fs::write(&config, "[policy.input]\nblock = ['EMAIL']\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown entity type 'EMAIL'"), "{stderr}");
}
