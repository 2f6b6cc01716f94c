//! Cryptocurrency addresses: Bitcoin (base58check, bech32/bech32m) and Ethereum.

use sha3::{Digest, Keccak256};

/// Mainnet P2PKH/P2SH (base58check, version 0x00 or 0x05) or segwit `bc1`
/// (bech32 for v0, bech32m for v1+, as `bech32::segwit` enforces).
pub(super) fn bitcoin(value: &str) -> bool {
    if value.len() > 3 && value[..3].eq_ignore_ascii_case("bc1") {
        return bech32::segwit::decode(value).is_ok_and(|(hrp, _, _)| hrp == bech32::hrp::BC);
    }
    match bs58::decode(value).with_check(None).into_vec() {
        Ok(payload) => payload.len() == 21 && matches!(payload[0], 0x00 | 0x05),
        Err(_) => false,
    }
}

/// `0x` plus 40 hex digits; a mixed-case address must carry a valid EIP-55
/// checksum (all-lower and all-upper forms carry none).
pub(super) fn ethereum(value: &str) -> bool {
    let Some(hex) = value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    else {
        return false;
    };
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if !(has_lower && has_upper) {
        return true;
    }
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    hex.bytes().enumerate().all(|(i, b)| {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0F;
        !b.is_ascii_alphabetic() || b.is_ascii_uppercase() == (nibble >= 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitcoin_addresses() {
        for a in [
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
        ] {
            assert!(bitcoin(a), "{a}");
        }
        for a in [
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr",
            "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
        ] {
            assert!(!bitcoin(a), "{a}");
        }
    }

    #[test]
    fn ethereum_checksum() {
        assert!(ethereum("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
        assert!(ethereum("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
        assert!(!ethereum("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"));
        assert!(!ethereum("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea"));
    }
}
