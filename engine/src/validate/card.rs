//! Payment card numbers: Luhn and issuer identification ranges.

use super::digits;

/// The Luhn mod-10 checksum over the digits of `value`.
pub(super) fn luhn(value: &str) -> bool {
    match digits::<19>(value) {
        Some((d, len)) if len >= 2 => luhn_digits(&d[..len]),
        _ => false,
    }
}

fn luhn_digits(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Luhn, a single consistent separator, and a known issuer prefix and length.
pub(super) fn credit_card(value: &str) -> bool {
    let mut separator = None;
    for b in value.bytes().filter(|b| !b.is_ascii_digit()) {
        if *separator.get_or_insert(b) != b {
            return false;
        }
    }
    let Some((d, len)) = digits::<19>(value) else {
        return false;
    };
    if len < 12 || !luhn_digits(&d[..len]) {
        return false;
    }
    let prefix = |n: usize| d[..n].iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x));
    let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
    match () {
        // Visa
        _ if p1 == 4 => matches!(len, 13 | 16 | 19),
        // Mastercard, including the 2-series
        _ if (51..=55).contains(&p2) || (2221..=2720).contains(&p4) => len == 16,
        // American Express
        _ if p2 == 34 || p2 == 37 => len == 15,
        // Discover
        _ if p4 == 6011
            || (644..=649).contains(&p3)
            || p2 == 65
            || (622126..=622925).contains(&p6) =>
        {
            (16..=19).contains(&len)
        }
        // Diners Club
        _ if (300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39 => {
            (14..=19).contains(&len)
        }
        // JCB
        _ if (3528..=3589).contains(&p4) => (16..=19).contains(&len),
        // UnionPay
        _ if p2 == 62 || p2 == 81 => (16..=19).contains(&len),
        // Maestro
        _ if p2 == 50 || (56..=69).contains(&p2) => (12..=19).contains(&len),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_test_numbers() {
        for n in [
            "4111111111111111",
            "4111-1111-1111-1111",
            "5555 5555 5555 4444",
            "2223003122003222",
            "378282246310005",
            "6011111111111117",
            "3530111333300000",
            "30569309025904",
            "6200000000000005",
            "4222222222222",
        ] {
            assert!(credit_card(n), "{n}");
        }
    }

    #[test]
    fn rejects_bad_checksum_prefix_length_or_mixed_separators() {
        for n in [
            "4111111111111112",    // Luhn
            "1234567812345670",    // no issuer starts with 1
            "411111111111116",     // Visa is never 15 digits
            "4111-1111 1111-1111", // mixed separators
            "2721000000000004",    // just above the Mastercard 2-series
            "0000000000000000",
        ] {
            assert!(!credit_card(n), "{n}");
        }
    }
}
