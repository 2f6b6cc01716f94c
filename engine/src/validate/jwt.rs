//! JSON Web Tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Three dot-separated base64url segments whose header is a JSON object.
pub(super) fn jwt(value: &str) -> bool {
    let mut segments = value.split('.');
    let (Some(header), Some(_payload), Some(_signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return false;
    };
    URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()
        .and_then(|bytes| {
            serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes).ok()
        })
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_must_be_json() {
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert!(jwt(token));
        // "eyJub3QganNvbg" decodes to `{"not json` (truncated object).
        assert!(!jwt("eyJub3QganNvbg.eyJzdWIiOiIxIn0.sig"));
        assert!(!jwt("eyJhbGciOiJIUzI1NiJ9.onlytwo"));
    }
}
