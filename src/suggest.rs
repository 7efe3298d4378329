//! "Did you mean" suggestions for mistyped names.

/// The candidate closest to `input` by edit distance, when it is close enough to be a typo;
/// else the one that `input` is the start of (`mobile` for `mobile-app`).
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (input.chars().count() / 3).max(2);
    let candidates: Vec<&str> = candidates.into_iter().collect();
    candidates
        .iter()
        .map(|candidate| (distance(input, candidate), *candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, candidate)| (*d, *candidate))
        .map(|(_, candidate)| candidate)
        .or_else(|| {
            candidates
                .iter()
                .filter(|candidate| input.len() >= 3 && candidate.starts_with(input))
                .min_by_key(|candidate| candidate.len())
                .copied()
        })
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let ids = ["web-app", "api-service", "mobile-app"];
        assert_eq!(closest("web-ap", ids), Some("web-app"));
        assert_eq!(closest("api-servce", ids), Some("api-service"));
        assert_eq!(closest("billing", ids), None);
        assert_eq!(closest("mobile", ids), Some("mobile-app"));
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
