//! `{placeholder}` templates in `stamp`, `ldflags`, `flags`, `env` values and `output`:
//! checked when the profile is read (an unknown name is an error with a did-you-mean)
//! and expanded per target when the build is planned. `{{` and `}}` stand for literal
//! braces.

/// Placeholders of the build's source (filled from git, or overridden).
pub const SOURCE: &[&str] = &[
    "version",
    "tag",
    "commit",
    "short-commit",
    "commit-date",
    "dirty",
];

/// Placeholders of the artifact (the output template's).
pub const ARTIFACT: &[&str] = &["name", "os", "arch", "variant", "exe", "profile"];

/// Every placeholder a value may use.
pub fn all() -> impl Iterator<Item = &'static str> {
    ARTIFACT.iter().chain(SOURCE).copied()
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Brace(char),
    Name(&'a str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let Some(i) = rest.find(['{', '}']) else {
            out.push(Piece::Text(rest));
            break;
        };
        if i > 0 {
            out.push(Piece::Text(&rest[..i]));
        }
        let r = &rest[i..];
        if let Some(after) = r.strip_prefix("{{") {
            out.push(Piece::Brace('{'));
            rest = after;
        } else if let Some(after) = r.strip_prefix("}}") {
            out.push(Piece::Brace('}'));
            rest = after;
        } else if r.starts_with('}') {
            return Err(format!(
                "a lone `}}` in `{template}`: write `}}}}` for a literal brace"
            ));
        } else {
            let Some(close) = r.find('}') else {
                return Err(format!(
                    "unclosed `{{` in `{template}`: write `{{{{` for a literal brace"
                ));
            };
            out.push(Piece::Name(&r[1..close]));
            rest = &r[close + 1..];
        }
    }
    Ok(out)
}

/// The placeholders `template` uses, checked against `known`.
pub fn check<'a>(template: &'a str, known: &[&str]) -> Result<Vec<&'a str>, String> {
    let mut used = Vec::new();
    for p in pieces(template)? {
        if let Piece::Name(n) = p {
            if !known.contains(&n) {
                return Err(format!(
                    "unknown placeholder `{{{n}}}` in `{template}`{}; known: {}",
                    crate::suggest::did_you_mean(n, known.iter().copied()),
                    known
                        .iter()
                        .map(|k| format!("{{{k}}}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
            used.push(n);
        }
    }
    Ok(used)
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
    let mut out = String::with_capacity(template.len());
    for p in pieces(template)? {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Brace(c) => out.push(c),
            Piece::Name(n) => match value(n) {
                Some(v) => out.push_str(&v),
                None => return Err(format!("no value for `{{{n}}}` in `{template}`")),
            },
        }
    }
    Ok(out)
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
            ("{{literal}} {version}", Ok("{literal} 1.2.3")),
            ("{commit}", Err("no value for `{commit}`")),
            ("{version", Err("unclosed `{`")),
            ("x}", Err("a lone `}`")),
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
        assert!(uses_source("a {commit-date}") && !uses_source("{os} {{commit}}"));
    }
}
