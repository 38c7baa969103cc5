//! Small text helpers shared by several stages.

/// Edit distance between two strings (by characters): insertions, deletions, substitutions
/// and swaps of two adjacent characters each count one (optimal string alignment), so the
/// commonest typo, `levle` for `level`, is one edit away.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 0..a.len() {
        current[0] = i + 1;
        for j in 0..b.len() {
            let substitution = previous[j] + usize::from(a[i] != b[j]);
            let mut best = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                best = best.min(before[j - 1] + 1);
            }
            current[j + 1] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Bidirectional controls are defined with the renderers that escape them (the ground floor).
pub use crate::diagnostic::is_bidi_control;

/// The candidate closest to `word`, if it is close enough to be a plausible misspelling.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let length = word.chars().count();
    let limit = (length / 3).max(1);
    candidates
        .into_iter()
        // The distance is at least the difference in length: skip hopeless candidates cheaply.
        .filter(|candidate| candidate.chars().count().abs_diff(length) <= limit)
        .map(|candidate| (edit_distance(&lower, &candidate.to_lowercase()), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["contains", "startswith", "endswith"];
        assert_eq!(closest("contians", names), Some("contains"));
        // A swap of two letters is one typo.
        assert_eq!(edit_distance("levle", "level"), 1);
        assert_eq!(closest("levle", ["level", "title"]), Some("level"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(closest("zzz", names), None);
    }
}
