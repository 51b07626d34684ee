//! `{placeholder}` templates in `stamp`, `ldflags`, `flags`, `env` values and `output`:
//! checked when the profile is read (an unknown name is an error with a did-you-mean)
//! and expanded per target when the build is planned. Only `{name}` of lowercase
//! letters, digits and dashes is a placeholder; other braces are text, so shell-style
//! `${HOME}` and JSON values pass through unchanged.

/// Placeholders of the build's source (filled from git, or overridden).
pub const SOURCE: &[&str] = &[
    "version",
    "tag",
    "commit",
    "short-commit",
    "commit-date",
    "dirty",
];

/// The artifact placeholders whose value is the target's (`Target::placeholder`).
pub const TARGET: &[&str] = &["os", "arch", "variant", "level", "target", "exe"];

/// Placeholders of the artifact (the output template's).
pub const ARTIFACT: &[&str] = &[
    "name", "os", "arch", "variant", "level", "target", "exe", "profile",
];

/// Every placeholder a value may use.
pub fn all() -> impl Iterator<Item = &'static str> {
    ARTIFACT.iter().chain(SOURCE).copied()
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Name(&'a str),
}

fn is_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    let bytes = template.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'{' && (i == 0 || bytes[i - 1] != b'$') {
            if let Some(close) = template[i + 1..].find('}') {
                let inner = &template[i + 1..i + 1 + close];
                if is_name(inner) {
                    if text_start < i {
                        out.push(Piece::Text(&template[text_start..i]));
                    }
                    out.push(Piece::Name(inner));
                    i += close + 2;
                    text_start = i;
                    continue;
                }
            }
        }
        i += 1;
    }
    if text_start < template.len() {
        out.push(Piece::Text(&template[text_start..]));
    }
    Ok(out)
}

/// The placeholders `template` uses, checked against `known`.
pub fn check<'a>(template: &'a str, known: &[&str]) -> Result<Vec<&'a str>, String> {
    let mut used = Vec::new();
    for p in pieces(template)? {
        if let Piece::Name(n) = p {
            if !known.contains(&n) {
                return Err(unknown(n, &format!("`{template}`"), known));
            }
            used.push(n);
        }
    }
    Ok(used)
}

/// The error for a placeholder `name` that is not one of `known`, in `what` (the
/// template, as the message names it): with the closest spelling and every known one.
pub(super) fn unknown(name: &str, what: &str, known: &[&str]) -> String {
    format!(
        "unknown placeholder `{{{name}}}` in {what}{}; known: {}",
        crate::suggest::did_you_mean(name, known.iter().copied()),
        known
            .iter()
            .map(|k| format!("{{{k}}}"))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

/// True if `template` uses a placeholder of the source (so git must be asked).
pub fn uses_source(template: &str) -> bool {
    pieces(template)
        .map(|ps| {
            ps.iter()
                .any(|p| matches!(p, Piece::Name(n) if SOURCE.contains(n)))
        })
        .unwrap_or(false)
}

/// Expands `template` with `value`; a placeholder without a value is an error naming it.
pub fn expand(template: &str, value: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    expand_used(template, value).map(|(out, _)| out)
}

/// A template filled: the text, and each placeholder used with the value it got.
pub type Filled<'t> = (String, Vec<(&'t str, String)>);

/// Expands `template` like [`expand`], and says which placeholders it filled with
/// which values, in order (so a caller can name the one whose value it refuses).
pub fn expand_used(
    template: &str,
    value: impl Fn(&str) -> Option<String>,
) -> Result<Filled<'_>, String> {
    let mut out = String::with_capacity(template.len());
    let mut used = Vec::new();
    for p in pieces(template)? {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Name(n) => match value(n) {
                Some(v) => {
                    out.push_str(&v);
                    used.push((n, v));
                }
                None => return Err(format!("no value for `{{{n}}}` in `{template}`")),
            },
        }
    }
    Ok((out, used))
}

/// True if `template` uses any placeholder.
pub fn uses_any(template: &str) -> bool {
    pieces(template)
        .map(|ps| ps.iter().any(|p| matches!(p, Piece::Name(_))))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(n: &str) -> Option<String> {
        match n {
            "version" => Some("1.2.3".into()),
            "os" => Some("linux".into()),
            "variant" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expansion() {
        let cases = [
            ("v{version}-{os}{variant}", Ok("v1.2.3-linux")),
            ("plain", Ok("plain")),
            ("${HOME}/lib ${X} $HOME", Ok("${HOME}/lib ${X} $HOME")),
            ("{\"json\": {\"a\": 1}}", Ok("{\"json\": {\"a\": 1}}")),
            ("{Version} {a b}", Ok("{Version} {a b}")),
            ("x} {version", Ok("x} {version")),
            ("{commit}", Err("no value for `{commit}`")),
        ];
        for (t, want) in cases {
            match (expand(t, vars), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, w, "{t}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{t}: {e}"),
                (got, w) => panic!("{t}: {got:?} vs {w:?}"),
            }
        }
    }

    #[test]
    fn unknown_names_suggest() {
        let known: Vec<&str> = all().collect();
        let e = check("{verison}", &known).unwrap_err();
        assert!(e.contains("did you mean `version`"), "{e}");
        assert_eq!(
            check("{short-commit}-{dirty}", &known).unwrap(),
            ["short-commit", "dirty"]
        );
        assert!(uses_source("a {commit-date}") && !uses_source("{os} ${commit}"));
    }
}
