//! UK identifiers: NHS number and National Insurance number.

use super::digits;

/// Mod-11 check digit over the first nine digits, weights 10 down to 2.
pub(super) fn nhs(value: &str) -> bool {
    let Some((d, 10)) = digits::<10>(value) else {
        return false;
    };
    let sum: u32 = d[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(&x, w)| u32::from(x) * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == u32::from(d[9])
}

/// HMRC prefix rules: neither letter D, F, I, Q, U or V; second letter not O;
/// no BG, GB, KN, NK, NT, TN or ZZ; suffix A-D.
pub(super) fn nino(value: &str) -> bool {
    let compact: Vec<u8> = value
        .bytes()
        .filter(|&b| b != b' ')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    let [a, b, rest @ ..] = compact.as_slice() else {
        return false;
    };
    let Some((suffix, middle)) = rest.split_last() else {
        return false;
    };
    let bad_letter = |c: &u8| b"DFIQUV".contains(c);
    middle.len() == 6
        && middle.iter().all(u8::is_ascii_digit)
        && a.is_ascii_uppercase()
        && b.is_ascii_uppercase()
        && !bad_letter(a)
        && !bad_letter(b)
        && *b != b'O'
        && ![b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"].contains(&&[*a, *b])
        && (b'A'..=b'D').contains(suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nhs_check_digit() {
        assert!(nhs("943 476 5919"));
        assert!(nhs("9434765919"));
        assert!(!nhs("943 476 5918"));
        assert!(!nhs("943476591"));
    }

    #[test]
    fn nino_prefixes() {
        assert!(nino("AB123456C"));
        assert!(nino("AB 12 34 56 C"));
        for bad in [
            "GB123456A",
            "DA123456A",
            "AO123456A",
            "AB123456E",
            "AB12345C",
        ] {
            assert!(!nino(bad), "{bad}");
        }
    }
}
