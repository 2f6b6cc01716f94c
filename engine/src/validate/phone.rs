//! Phone numbers, validated against libphonenumber's metadata (the
//! `phonenumber` crate), since number plans are too irregular for a regex.

use std::sync::{Once, PoisonError};

use phonenumber::country::Id;
use regex_cache::RegexCache;

/// Compiled regexes kept by libphonenumber's metadata. Its default of 100 is
/// smaller than the working set of the regions tried, so regexes were
/// evicted and recompiled on every few candidates.
const REGEX_CACHE_CAPACITY: usize = 4096;

/// Loads the metadata and widens its regex cache, once, when a scanner that
/// validates phones is built rather than on the first candidate.
pub(super) fn prepare() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let cache = phonenumber::metadata::DATABASE.cache();
        *cache.lock().unwrap_or_else(PoisonError::into_inner) =
            RegexCache::new(REGEX_CACHE_CAPACITY);
    });
}

/// Regions tried, in order, for numbers written without a country code.
const NATIONAL_REGIONS: &[Id] = &[
    Id::US,
    Id::GB,
    Id::DE,
    Id::FR,
    Id::ES,
    Id::IT,
    Id::NL,
    Id::JP,
];

/// Regions of the North American Numbering Plan that number shapes like
/// `(415) 555-2671` are checked against.
const NANP_REGIONS: &[Id] = &[Id::US, Id::CA];

/// International numbers (`+` or `00`) must be valid for their country code;
/// national ones for at least one region of [`NATIONAL_REGIONS`]. The US
/// SSN shape `ddd-dd-dddd` is never read as a phone: no numbering plan is
/// written that way, and an SSN rejected by its own rules must not come back
/// as a phone number.
pub(super) fn phone(value: &str) -> bool {
    !has_ssn_shape(value) && valid_in(value, NATIONAL_REGIONS)
}

fn has_ssn_shape(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 11
        && b.iter().enumerate().all(|(i, c)| match i {
            3 | 6 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// A number valid in a NANP region (or, written with `+`, for its country code).
pub(super) fn phone_nanp(value: &str) -> bool {
    valid_in(value, NANP_REGIONS)
}

fn valid_in(value: &str, regions: &[Id]) -> bool {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return false;
    }
    let international = value.strip_prefix("00").map(|rest| format!("+{rest}"));
    if let Some(number) = international
        .as_deref()
        .or(value.starts_with('+').then_some(value))
    {
        return phonenumber::parse(None, number).is_ok_and(|n| phonenumber::is_valid(&n));
    }
    regions.iter().any(|&region| {
        phonenumber::parse(Some(region), value).is_ok_and(|n| phonenumber::is_valid(&n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_and_national_forms() {
        for n in [
            "+1 415 555 2671",
            "+44 20 7946 0958",
            "0044 20 7946 0958",
            "020 7946 0958",
            "030 901820",
            "+49 30 901820",
            "01 42 68 53 00",
            "+33 1 42 68 53 00",
            "912 345 678",
            "06 12345678",
            "03-1234-5678",
            "+81 3-1234-5678",
            "02 1234 5678",
        ] {
            assert!(phone(n), "{n}");
        }
    }

    #[test]
    fn ssn_shaped_numbers_are_not_phones() {
        assert!(!phone("078-05-1120"));
        assert!(!phone("219-09-9999"));
    }

    #[test]
    fn nanp_only_checks_north_american_regions() {
        assert!(phone_nanp("(415) 555-2671"));
        assert!(
            phone_nanp("416-555-0123") || phone_nanp("604 555 0199"),
            "a Canadian number"
        );
        assert!(!phone_nanp("020 7946 0958"));
    }

    #[test]
    fn rejects_non_numbers() {
        for n in [
            "+1 123 456 7890",
            "+1 000 000 0000",
            "12345",
            "+999 1234 5678",
        ] {
            assert!(!phone(n), "{n}");
        }
    }
}
