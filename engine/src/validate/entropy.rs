//! Shannon entropy, the test that tells `api_key=Zx81...` from `api_key=example`.

/// Shannon entropy of the bytes of `value`, in bits per byte.
///
/// ```
/// use palisade_engine::shannon_entropy;
///
/// assert_eq!(shannon_entropy("aaaa"), 0.0);
/// assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-6);
/// ```
pub fn shannon_entropy(value: &str) -> f32 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in value.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = value.len() as f32;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f32 / len;
            -p * p.log2()
        })
        .sum()
}
