//! goreleaser's Go templates as the tool's placeholders: known fields become
//! `{version}`, `{os}`, …; what has none is left out (never kept as `{{ … }}`, which no
//! profile value can hold), and conditionals are taken as false, their `else` kept.

/// Where a template is used: a profile value, or an output path (every placeholder but
/// the date, whose `:` no Windows file name holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Value,
    Path,
}

/// The placeholder of a goreleaser field in `field`, Err(a reason) when there is none.
fn placeholder(inner: &str, field: Field, project: &str) -> Result<String, String> {
    let source = match inner {
        ".Version" => Some("{version}"),
        ".Tag" => Some("{tag}"),
        ".Commit" | ".FullCommit" => Some("{commit}"),
        ".ShortCommit" => Some("{short-commit}"),
        ".Date" | ".CommitDate" => Some("{commit-date}"),
        ".IsGitDirty" => Some("{dirty}"),
        _ => None,
    };
    if let Some(p) = source {
        return match field {
            Field::Path if p == "{commit-date}" => Err(format!(
                "is `{p}`, a date whose `:` no Windows file name can hold; left out of the path"
            )),
            _ => Ok(p.to_string()),
        };
    }
    Ok(match inner {
        ".Os" => "{os}".to_string(),
        ".Arch" => "{arch}".to_string(),
        ".Target" => "{target}".to_string(),
        ".Ext" => "{exe}".to_string(),
        ".ProjectName" => project.to_string(),
        _ if inner.starts_with(".Env.") => {
            return Err(
                "has no placeholder (a host variable reaches go only through `env` or `pass-env`); left out"
                    .into(),
            )
        }
        _ => return Err("has no placeholder; left out".into()),
    })
}

/// `s` with each `{{ … }}` replaced, and a note text for each one that does not map,
/// with the number of line breaks before it in `s` (a literal block's lines).
pub fn translate(s: &str, field: Field, project: &str) -> (String, Vec<(usize, String)>) {
    let mut out = String::new();
    let mut notes: Vec<(usize, String)> = Vec::new();
    // One entry per open `if`/`with`/`range`: whether its current branch is taken.
    let mut open: Vec<bool> = Vec::new();
    let taken = |open: &[bool]| open.iter().all(|t| *t);
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        if taken(&open) {
            out.push_str(&rest[..start]);
        }
        let Some(len) = rest[start..].find("}}") else {
            if taken(&open) {
                out.push_str(&rest[start..]);
            }
            rest = "";
            break;
        };
        let mut inner = &rest[start + 2..start + len];
        let mut after = &rest[start + len + 2..];
        // `{{-` and `-}}` trim the white space beside them.
        if let Some(i) = inner.strip_prefix("- ") {
            if taken(&open) {
                out.truncate(out.trim_end().len());
            }
            inner = i;
        }
        if let Some(i) = inner.strip_suffix(" -") {
            after = after.trim_start();
            inner = i;
        }
        let inner = inner.trim();
        let breaks = s[..s.len() - rest.len() + start].matches('\n').count();
        let word = inner.split_whitespace().next().unwrap_or("");
        let shown = format!("`{{{{ {inner} }}}}`");
        match word {
            "if" | "with" | "range" => {
                notes.push((
                    breaks,
                    format!(
                        "{shown} … `{{{{ end }}}}` is taken as false (an `else` branch is kept)"
                    ),
                ));
                open.push(false);
            }
            "else" => {
                // Every condition is false: a plain `else` is taken, an `else if` is not.
                if let Some(top) = open.last_mut() {
                    *top = inner == "else";
                }
            }
            "end" => {
                open.pop();
            }
            _ if inner.starts_with("/*") => {}
            _ => match placeholder(inner, field, project) {
                Ok(p) => {
                    if taken(&open) {
                        out.push_str(&p);
                    }
                }
                Err(why) => {
                    if taken(&open) {
                        notes.push((breaks, format!("template {shown} {why}")));
                    }
                }
            },
        }
        rest = after;
    }
    if taken(&open) {
        out.push_str(rest);
    }
    (out, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_map_or_are_left_out_never_kept() {
        // (case, template, field, result, notes)
        let cases: &[(&str, &str, Field, &str, usize)] = &[
            (
                "fields",
                "-X v={{.Version}} -X c={{ .ShortCommit }}",
                Field::Value,
                "-X v={version} -X c={short-commit}",
                0,
            ),
            (
                "dirty",
                "-X t={{ .IsGitDirty }}",
                Field::Value,
                "-X t={dirty}",
                0,
            ),
            (
                "unknown",
                "-X d={{ time \"2006\" }} -s",
                Field::Value,
                "-X d= -s",
                1,
            ),
            ("env", "{{ .Env.LDFLAGS }}", Field::Value, "", 1),
            (
                "if",
                "-s {{if .IsNightly}}-X v={{.Version}}{{end}}",
                Field::Value,
                "-s ",
                1,
            ),
            (
                "if else",
                "{{ if .IsSnapshot }}dev{{ else }}{{ .Version }}{{ end }}",
                Field::Value,
                "{version}",
                1,
            ),
            (
                "else if",
                "{{ if .A }}a{{ else if .B }}b{{ else }}c{{ end }}",
                Field::Value,
                "c",
                1,
            ),
            ("trim", "a  {{- .Os -}}  b", Field::Value, "a{os}b", 0),
            (
                "path",
                "{{ .ProjectName }}_v{{ .Version }}",
                Field::Path,
                "tool_v{version}",
                0,
            ),
            (
                "path source",
                "{{ .Tag }}-{{ .Commit }}-{{ .ShortCommit }}",
                Field::Path,
                "{tag}-{commit}-{short-commit}",
                0,
            ),
            ("path date", "app-{{ .Date }}", Field::Path, "app-", 1),
            ("path os", "app-{{ .Os }}", Field::Path, "app-{os}", 0),
            ("unclosed", "a {{ .Os", Field::Value, "a {{ .Os", 0),
            (
                "block",
                "-s\n-w\n-X d={{ .Summary }}\n",
                Field::Value,
                "-s\n-w\n-X d=\n",
                1,
            ),
        ];
        for (case, t, field, want, notes) in cases {
            let (got, n) = translate(t, *field, "tool");
            assert_eq!(got, *want, "{case}");
            assert_eq!(n.len(), *notes, "{case}: {n:?}");
            assert!(!got.contains("{{ ") || *case == "unclosed", "{case}");
            if *case == "block" {
                assert_eq!(n[0].0, 2, "the note's line in the block");
            }
        }
    }
}
