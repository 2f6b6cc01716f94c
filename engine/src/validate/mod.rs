//! Validators: checks that a regex cannot express, run on candidates only.
//!
//! A regex finds things shaped like a credit card number; the Luhn checksum
//! and the issuer ranges decide whether it could be one. Each validator is a
//! small pure function in its own module, named in rule files by the string
//! its [`Validator`] variant parses from.

mod card;
mod crypto;
mod entropy;
mod iban;
mod ip;
mod jwt;
mod phone;
mod uk;
mod us;

pub use entropy::shannon_entropy;

use std::str::FromStr;

/// A named check that every candidate of a recognizer must pass.
///
/// ```
/// use palisade_engine::Validator;
///
/// let luhn: Validator = "luhn".parse().unwrap();
/// assert!(luhn.check("4111 1111 1111 1111"));
/// assert!(!luhn.check("4111 1111 1111 1112"));
/// assert!("no_such_check".parse::<Validator>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Validator {
    /// `luhn`: the Luhn mod-10 checksum over the digits.
    Luhn,
    /// `credit_card`: Luhn plus issuer prefix and length (Visa, Mastercard incl. 2221-2720, Amex, ...).
    CreditCard,
    /// `iban`: ISO 13616 country length and the mod-97 check digits.
    Iban,
    /// `us_ssn`: rejects area 000, 666 and 9xx, group 00, serial 0000.
    UsSsn,
    /// `us_itin`: area 9xx and the IRS group ranges.
    UsItin,
    /// `uk_nhs`: the NHS mod-11 check digit.
    UkNhs,
    /// `uk_nino`: HMRC's excluded prefix letters and pairs.
    UkNino,
    /// `ip`: parses as an IPv4 or IPv6 address, not inside a longer dotted number.
    Ip,
    /// `bitcoin`: base58check (P2PKH, P2SH) or bech32/bech32m (segwit) checksum.
    Bitcoin,
    /// `ethereum`: 40 hex digits, with the EIP-55 checksum when mixed case.
    Ethereum,
    /// `jwt`: the header decodes (base64url) to a JSON object.
    Jwt,
    /// `phone`: a valid number per libphonenumber metadata, international or national
    /// (US, GB, DE, FR, ES, IT, NL, JP).
    Phone,
    /// `phone_nanp`: a valid North American (US, CA) number.
    PhoneNanp,
}

impl FromStr for Validator {
    type Err = ();

    fn from_str(name: &str) -> Result<Validator, ()> {
        Ok(match name {
            "luhn" => Validator::Luhn,
            "credit_card" => Validator::CreditCard,
            "iban" => Validator::Iban,
            "us_ssn" => Validator::UsSsn,
            "us_itin" => Validator::UsItin,
            "uk_nhs" => Validator::UkNhs,
            "uk_nino" => Validator::UkNino,
            "ip" => Validator::Ip,
            "bitcoin" => Validator::Bitcoin,
            "ethereum" => Validator::Ethereum,
            "jwt" => Validator::Jwt,
            "phone" | "phone_nanp" => {
                phone::prepare();
                if name == "phone" {
                    Validator::Phone
                } else {
                    Validator::PhoneNanp
                }
            }
            _ => return Err(()),
        })
    }
}

impl Validator {
    /// Every validator name, as written in rule files.
    pub const NAMES: &'static [&'static str] = &[
        "luhn",
        "credit_card",
        "iban",
        "us_ssn",
        "us_itin",
        "uk_nhs",
        "uk_nino",
        "ip",
        "bitcoin",
        "ethereum",
        "jwt",
        "phone",
        "phone_nanp",
    ];

    /// Checks a matched value on its own.
    pub fn check(self, value: &str) -> bool {
        self.check_in(value, 0, value.len())
    }

    /// Checks `text[start..end]`; some checks look at the bytes around it.
    pub fn check_in(self, text: &str, start: usize, end: usize) -> bool {
        let value = &text[start..end];
        match self {
            Validator::Luhn => card::luhn(value),
            Validator::CreditCard => card::credit_card(value),
            Validator::Iban => iban::iban(value),
            Validator::UsSsn => us::ssn(value),
            Validator::UsItin => us::itin(value),
            Validator::UkNhs => uk::nhs(value),
            Validator::UkNino => uk::nino(value),
            Validator::Ip => ip::ip(text, start, end),
            Validator::Bitcoin => crypto::bitcoin(value),
            Validator::Ethereum => crypto::ethereum(value),
            Validator::Jwt => jwt::jwt(value),
            Validator::Phone => !inside_token(text, start, end) && phone::phone(value),
            Validator::PhoneNanp => !inside_token(text, start, end) && phone::phone_nanp(value),
        }
    }
}

/// Whether `text[start..end]` is glued by `-`, `.` or `/` to more of a longer
/// token, as the middle groups of a UUID or a part number are.
fn inside_token(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let joiner = |b: u8| matches!(b, b'-' | b'.' | b'/');
    let before = start >= 2 && joiner(bytes[start - 1]) && bytes[start - 2].is_ascii_alphanumeric();
    let after = bytes.get(end).is_some_and(|&b| joiner(b))
        && bytes.get(end + 1).is_some_and(u8::is_ascii_alphanumeric);
    before || after
}

/// The ASCII digits of `value` as numbers, skipping separators; `None` when
/// more than `N` digits.
fn digits<const N: usize>(value: &str) -> Option<([u8; N], usize)> {
    let mut out = [0u8; N];
    let mut len = 0;
    for b in value.bytes().filter(u8::is_ascii_digit) {
        *out.get_mut(len)? = b - b'0';
        len += 1;
    }
    Some((out, len))
}
