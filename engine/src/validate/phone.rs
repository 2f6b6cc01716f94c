//! Phone numbers, validated against libphonenumber's metadata (shipped by the
//! `phonenumber` crate), since number plans are too irregular for a regex.
//!
//! The crate's own validator keeps its regexes in one global cache behind a
//! mutex that stays locked while a regex runs, so validation could not run on
//! more than one core at a time (a 16-core scan stopped scaling at 3x). Here
//! each region's plan is compiled once, on first use, into regexes that
//! threads share without a lock, and a number is valid when its national
//! significant number matches the region's general pattern and one of its
//! number types (fixed line, mobile, toll free...), as libphonenumber
//! defines validity.

use std::collections::HashMap;
use std::sync::OnceLock;

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex_automata::meta::Regex;

/// Regions tried, in order, for numbers written without a country code.
const NATIONAL_REGIONS: &[&str] = &["US", "GB", "DE", "FR", "ES", "IT", "NL", "JP"];

/// Regions of the North American Numbering Plan that number shapes like
/// `(415) 555-2671` are checked against.
const NANP_REGIONS: &[&str] = &["US", "CA"];

/// Loads the metadata when a scanner that validates phones is built, rather
/// than on the first candidate.
pub(super) fn prepare() {
    plans();
}

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

/// The longest E.164 number, in digits.
const MAX_DIGITS: usize = 15;

fn valid_in(value: &str, regions: &[&str]) -> bool {
    let international = value.starts_with('+') || value.starts_with("00");
    let mut digits = [0u8; MAX_DIGITS + 2];
    let mut len = 0;
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // "+44 (0)20 ...": the bracketed trunk zero is not dialled from abroad.
        if international && bytes[i..].starts_with(b"(0)") {
            i += 3;
            continue;
        }
        if bytes[i].is_ascii_digit() {
            if len == digits.len() {
                return false;
            }
            digits[len] = bytes[i];
            len += 1;
        }
        i += 1;
    }
    let digits = std::str::from_utf8(&digits[..len]).expect("ASCII digits");
    let plans = plans();
    if international {
        let digits = digits.strip_prefix("00").unwrap_or(digits);
        return (7..=MAX_DIGITS).contains(&digits.len())
            && (1..=3).any(|cc_len| {
                let (code, national) = digits.split_at(cc_len.min(digits.len()));
                // No country code starts with 0 ("0001 ..." is not +1).
                !code.starts_with('0')
                    && code.parse::<u16>().ok().is_some_and(|code| {
                        plans
                            .regions_of(code)
                            .any(|plan| plan.valid_national(national))
                    })
            });
    }
    (7..=MAX_DIGITS).contains(&digits.len())
        && regions.iter().any(|region| {
            plans.region(region).is_some_and(|plan| {
                let trunk = plan
                    .national_prefix
                    .as_deref()
                    .and_then(|prefix| digits.strip_prefix(prefix));
                trunk.is_some_and(|n| plan.valid_national(n)) || plan.valid_national(digits)
            })
        })
}

/// Every region's plan, compiled lazily. Non-geographic entities (toll-free
/// +800, ...) all have the id `001`, so regions are found by index.
struct Plans {
    regions: Vec<Region>,
    by_id: HashMap<String, usize>,
    by_code: HashMap<u16, Vec<usize>>,
}

/// A region's metadata and, once needed, its compiled plan.
struct Region {
    metadata: &'static Metadata,
    plan: OnceLock<Option<Plan>>,
}

/// What validity needs of a region, compiled.
struct Plan {
    national_prefix: Option<String>,
    general: Pattern,
    types: Vec<Pattern>,
}

/// One number type: its possible lengths and its national number pattern.
struct Pattern {
    lengths: Vec<u16>,
    regex: Regex,
}

impl Pattern {
    fn compile(descriptor: &Descriptor) -> Option<Pattern> {
        // Metadata patterns are written with insignificant whitespace.
        let source = format!("(?x)^(?:{})$", descriptor.national_number().as_str());
        Some(Pattern {
            lengths: descriptor.possible_length().to_vec(),
            regex: Regex::new(&source).ok()?,
        })
    }

    fn matches(&self, national: &str) -> bool {
        let length_ok = self.lengths.is_empty()
            || u16::try_from(national.len()).is_ok_and(|len| self.lengths.contains(&len));
        length_ok && self.regex.is_match(national)
    }
}

impl Plan {
    fn compile(metadata: &Metadata) -> Option<Plan> {
        let descriptors = metadata.descriptors();
        let types = [
            descriptors.fixed_line(),
            descriptors.mobile(),
            descriptors.toll_free(),
            descriptors.premium_rate(),
            descriptors.shared_cost(),
            descriptors.personal_number(),
            descriptors.voip(),
            descriptors.pager(),
            descriptors.uan(),
            descriptors.voicemail(),
        ];
        Some(Plan {
            national_prefix: metadata.national_prefix().map(str::to_string),
            general: Pattern::compile(descriptors.general())?,
            types: types
                .into_iter()
                .flatten()
                .filter_map(Pattern::compile)
                .collect(),
        })
    }

    fn valid_national(&self, national: &str) -> bool {
        !national.is_empty()
            && self.general.matches(national)
            && self.types.iter().any(|t| t.matches(national))
    }
}

impl Plans {
    fn region(&self, id: &str) -> Option<&Plan> {
        self.plan(*self.by_id.get(id)?)
    }

    fn regions_of(&self, code: u16) -> impl Iterator<Item = &Plan> {
        self.by_code
            .get(&code)
            .into_iter()
            .flatten()
            .filter_map(|&index| self.plan(index))
    }

    fn plan(&self, index: usize) -> Option<&Plan> {
        let region = &self.regions[index];
        region
            .plan
            .get_or_init(|| Plan::compile(region.metadata))
            .as_ref()
    }
}

fn plans() -> &'static Plans {
    static PLANS: OnceLock<Plans> = OnceLock::new();
    PLANS.get_or_init(|| {
        let regions: Vec<Region> = DATABASE
            .iter()
            .map(|metadata| Region {
                metadata,
                plan: OnceLock::new(),
            })
            .collect();
        let mut by_id = HashMap::new();
        let mut by_code: HashMap<u16, Vec<usize>> = HashMap::new();
        for (index, region) in regions.iter().enumerate() {
            by_id.insert(region.metadata.id().to_string(), index);
            by_code
                .entry(region.metadata.country_code())
                .or_default()
                .push(index);
        }
        Plans {
            regions,
            by_id,
            by_code,
        }
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
            "+44 (0)20 7946 0958",
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
            "0001 415 555 2671",
        ] {
            assert!(!phone(n), "{n}");
        }
    }
}
