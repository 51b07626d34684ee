//! "Did you mean" suggestions: edit distance between what was typed and what exists.

/// Edit distance between two strings, by characters: insertions, deletions,
/// substitutions and transpositions of neighbours (`arm46` is one edit from `arm64`).
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// The closest candidate within a third of the word's length (at least 2 edits), if any;
/// else the one candidate that starts with the word, when it has 3 characters or more
/// (`repo` for `repository`).
pub fn closest<'a, I>(given: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (given.chars().count() / 3).max(2);
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let near = candidates
        .iter()
        .map(|c| (distance(given, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    if near.is_some() || given.chars().count() < 3 {
        return near;
    }
    let mut prefixed = candidates.iter().filter(|c| c.starts_with(given));
    match (prefixed.next(), prefixed.next()) {
        (Some(only), None) => Some(*only),
        _ => None,
    }
}

/// `; did you mean `x`?` or the empty string.
pub fn did_you_mean<'a, I>(given: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    closest(given, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        for (a, b, d) in [
            ("", "", 0),
            ("abc", "abc", 0),
            ("pakage", "package", 1),
            ("ldflag", "ldflags", 1),
            ("kitten", "sitting", 3),
            ("arm46", "arm64", 1),
            ("", "abc", 3),
        ] {
            assert_eq!(distance(a, b), d, "distance({a:?}, {b:?})");
        }
    }

    #[test]
    fn closest_respects_limit() {
        let c = ["package", "output", "targets"];
        assert_eq!(closest("pakage", c), Some("package"));
        assert_eq!(closest("target", c), Some("targets"));
        assert_eq!(closest("zzzzzz", c), None);
    }

    #[test]
    fn a_unique_prefix_is_suggested() {
        let keys = ["base", "repository", "tags", "path", "entrypoint", "env"];
        for (given, want) in [
            ("repo", Some("repository")),
            ("entry", Some("entrypoint")),
            ("reposit", Some("repository")),
        ] {
            assert_eq!(closest(given, keys), want, "closest({given:?})");
        }
        assert_eq!(
            closest("ba", ["baseline-image"]),
            None,
            "too short a prefix"
        );
        assert_eq!(
            closest("rel", ["release", "relabel"]),
            None,
            "two start with it"
        );
    }
}
