//! "Did you mean" suggestions for mistyped names.

/// The candidate closest to `input` by edit distance, when it is close enough to be a typo;
/// else the one that `input` is the start of (`mobile` for `mobile-app`).
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (input.chars().count() / 3).max(2);
    let candidates: Vec<&str> = candidates.into_iter().collect();
    candidates
        .iter()
        .map(|candidate| (strsim::levenshtein(input, candidate), *candidate))
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
        // The limit above counts characters, as strsim's Levenshtein distance does.
        assert_eq!(strsim::levenshtein("kitten", "sitting"), 3);
        assert_eq!(closest("wéb-ap", ["wéb-app"]), Some("wéb-app"));
    }
}
