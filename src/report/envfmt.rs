//! The child environment in the formats its consumers read: a POSIX shell, a
//! Makefile `include`, `$GITHUB_ENV`, JSON, a Dockerfile stage. Each value is quoted
//! for its consumer, or refused where the consumer cannot hold it.

use std::collections::BTreeMap;

/// `env --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvFormat {
    /// `export KEY='value'` lines for a POSIX shell.
    Shell,
    /// `KEY := value` and `export KEY` lines for a Makefile `include`.
    Make,
    /// `KEY=value` lines (heredocs for multi-line values) for `$GITHUB_ENV`.
    Github,
    /// One JSON object.
    Json,
    /// `ARG`/`ENV` lines for a Dockerfile build stage.
    Dockerfile,
}

impl EnvFormat {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            EnvFormat::Shell => "shell",
            EnvFormat::Make => "make",
            EnvFormat::Github => "github",
            EnvFormat::Json => "json",
            EnvFormat::Dockerfile => "dockerfile",
        }
    }
}

/// POSIX shell single quoting (always quoted, so `eval` never expands anything).
fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// Renders one target's variables. Errors name the variable that cannot be expressed.
pub fn render(format: EnvFormat, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    match format {
        EnvFormat::Shell => {
            for (k, v) in vars {
                out.push_str(&format!("export {k}={}\n", sh_quote(v)));
            }
        }
        EnvFormat::Make => {
            // `:=` takes the value literally but for `$` (escaped as `$$`) and `#`
            // (escaped as `\#`); leading blanks and a trailing backslash are guarded by an
            // empty variable; values with newlines use define/endef.
            out.push_str("XBUILD_GO_EMPTY :=\n");
            for (k, v) in vars {
                if v.contains('\n') {
                    if v.lines().any(|l| l.trim() == "endef") {
                        return Err(format!(
                            "{k}: a value with an `endef` line cannot be written for make"
                        ));
                    }
                    out.push_str(&format!("define {k}\n{}\nendef\n", v.replace('$', "$$")));
                } else {
                    let mut val = v.replace('$', "$$").replace('#', "\\#");
                    if val.starts_with([' ', '\t']) {
                        val.insert_str(0, "$(XBUILD_GO_EMPTY)");
                    }
                    if val.ends_with('\\') || val.ends_with([' ', '\t']) {
                        val.push_str("$(XBUILD_GO_EMPTY)");
                    }
                    out.push_str(&format!("{k} := {val}\n"));
                }
                out.push_str(&format!("export {k}\n"));
            }
        }
        EnvFormat::Github => {
            for (k, v) in vars {
                if v.contains('\n') {
                    let mut delim = "XBUILD_GO_EOF".to_string();
                    while v.lines().any(|l| l == delim) {
                        delim.push('_');
                    }
                    out.push_str(&format!("{k}<<{delim}\n{v}\n{delim}\n"));
                } else {
                    out.push_str(&format!("{k}={v}\n"));
                }
            }
        }
        EnvFormat::Dockerfile => {
            // Double-quoted: backslash, double quote and `$` are escaped; a newline is
            // written as an escaped line break.
            let q = |v: &str| {
                format!(
                    "\"{}\"",
                    v.replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('$', "\\$")
                        .replace('\n', "\\\n")
                )
            };
            for (k, v) in vars {
                out.push_str(&format!("ARG {k}={}\n", q(v)));
            }
            for k in vars.keys() {
                out.push_str(&format!("ENV {k}=${{{k}}}\n"));
            }
        }
        EnvFormat::Json => {
            out = serde_json::to_string(vars).map_err(|e| e.to_string())?;
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn formats() {
        let v = vars(&[("A", "it's $HOME #1"), ("B", " lead\\"), ("E", "")]);
        assert_eq!(
            render(EnvFormat::Shell, &v).unwrap(),
            "export A='it'\\''s $HOME #1'\nexport B=' lead\\'\nexport E=''\n"
        );
        assert_eq!(
            render(EnvFormat::Make, &v).unwrap(),
            "XBUILD_GO_EMPTY :=\nA := it's $$HOME \\#1\nexport A\nB := $(XBUILD_GO_EMPTY) lead\\$(XBUILD_GO_EMPTY)\nexport B\nE := \nexport E\n"
        );
        assert_eq!(
            render(EnvFormat::Github, &vars(&[("M", "a\nb")])).unwrap(),
            "M<<XBUILD_GO_EOF\na\nb\nXBUILD_GO_EOF\n"
        );
        assert_eq!(
            render(EnvFormat::Dockerfile, &vars(&[("A", "x \"$y\"")])).unwrap(),
            "ARG A=\"x \\\"\\$y\\\"\"\nENV A=${A}\n"
        );
        assert!(render(EnvFormat::Make, &vars(&[("X", "a\nendef\nb")])).is_err());
    }
}
