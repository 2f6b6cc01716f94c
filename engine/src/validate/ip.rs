//! IP addresses, validated by the standard library's strict parser.

use std::net::IpAddr;

/// Parses as an address; an IPv6 form must hold a digit (so `std::io`'s `::`
/// is not one); an IPv4 must not be part of a longer dotted number such as
/// the version `1.2.3.4.5`.
pub(super) fn ip(text: &str, start: usize, end: usize) -> bool {
    let value = &text[start..end];
    if value.parse::<IpAddr>().is_err() {
        return false;
    }
    if value.contains(':') {
        return value.bytes().any(|b| b.is_ascii_digit());
    }
    let bytes = text.as_bytes();
    let dotted_before = start >= 2 && bytes[start - 1] == b'.' && bytes[start - 2].is_ascii_digit();
    let dotted_after =
        bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
    !dotted_before && !dotted_after
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str) -> bool {
        ip(s, 0, s.len())
    }

    #[test]
    fn v4_and_v6_forms() {
        for s in [
            "192.168.1.1",
            "8.8.8.8",
            "::1",
            "2001:db8::8a2e:370:7334",
            "fe80::1",
            "::ffff:192.0.2.1",
            "2001:0db8:0000:0000:0000:ff00:0042:8329",
        ] {
            assert!(check(s), "{s}");
        }
    }

    #[test]
    fn rejects_non_addresses() {
        for s in [
            "256.1.1.1",
            "1.2.3",
            "::",
            "10:30:45",
            "aa:bb:cc:dd:ee:ff",
            "01.2.3.4",
        ] {
            assert!(!check(s), "{s}");
        }
        let text = "release 1.2.3.4.5";
        assert!(!ip(text, 8, 15));
    }
}
