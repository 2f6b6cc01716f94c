//! US taxpayer numbers: SSN and ITIN.

use super::digits;

fn parts(value: &str) -> Option<(u32, u32, u32)> {
    let (d, len) = digits::<9>(value)?;
    if len != 9 {
        return None;
    }
    let n = |r: std::ops::Range<usize>| d[r].iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x));
    Some((n(0..3), n(3..5), n(5..9)))
}

/// SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000.
/// Also rejects the two numbers famously printed in advertising.
pub(super) fn ssn(value: &str) -> bool {
    let Some((area, group, serial)) = parts(value) else {
        return false;
    };
    let famous = matches!((area, group, serial), (78, 5, 1120) | (219, 9, 9999));
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0 && !famous
}

/// IRS rules: area 9xx; group 50-65, 70-88, 90-92 or 94-99.
pub(super) fn itin(value: &str) -> bool {
    let Some((area, group, _)) = parts(value) else {
        return false;
    };
    (900..=999).contains(&area) && matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssn_rules() {
        assert!(ssn("536-22-1234"));
        assert!(ssn("536221234"));
        for bad in [
            "000-12-3456",
            "666-12-3456",
            "912-34-5678",
            "536-00-1234",
            "536-22-0000",
            "078-05-1120",
            "12-345-678",
        ] {
            assert!(!ssn(bad), "{bad}");
        }
    }

    #[test]
    fn itin_rules() {
        assert!(itin("912-78-1234"));
        assert!(itin("999 94 0000"));
        assert!(!itin("912-93-1234"));
        assert!(!itin("812-78-1234"));
    }
}
