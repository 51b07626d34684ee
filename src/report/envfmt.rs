//! The environment a build decides, in the formats its consumers read: a POSIX shell
//! (`eval`), a Makefile `include`, `$GITHUB_ENV`, JSON, a Dockerfile stage. Each value
//! round-trips exactly through its consumer, or is refused where the consumer cannot
//! hold it. Keys are identifiers (the profile refuses anything else, and so does
//! [`render`]), so no key can add a line, a command or a variable.
//!
//! What is exported is the tool's decision, never the host's network and cache
//! settings: see [`crate::toolchain::ChildEnv::decided`].

use std::collections::BTreeMap;

use crate::profile::is_env_name as is_identifier;

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

/// POSIX shell quoting that puts no raw control character on a line and starts no
/// line with the value's text: single quotes for text; a newline as `'"` newline `"'`
/// (so every continuation line starts with `"'`); any other control character as
/// `"$(printf '\ooo')"` (command substitution only strips newlines, so it is exact).
fn sh_quote(v: &str) -> String {
    let mut out = String::from("'");
    for c in v.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            '\n' => out.push_str("'\"\n\"'"),
            c if c.is_control() && (c as u32) < 0x80 => {
                out.push_str(&format!("'\"$(printf '\\{:03o}')\"'", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The empty variable that guards make values.
const MAKE_EMPTY: &str = "XBUILD_GO_EMPTY";

/// One line of a make value, for `:=` (or, with `in_define`, a `define` body): `$` as
/// `$$`; outside define, a `#` after k backslashes as 2k+1 backslashes and `#` (make
/// halves backslashes before a `#`); an empty-variable guard where make would eat
/// something: leading blanks, a trailing backslash (continuation), blank or CR.
fn make_line(line: &str, in_define: bool) -> String {
    let guard = format!("$({MAKE_EMPTY})");
    let mut out = String::new();
    let mut backslashes = 0usize;
    for c in line.chars() {
        match c {
            '\\' => {
                backslashes += 1;
                continue;
            }
            '#' if !in_define => {
                out.push_str(&"\\".repeat(2 * backslashes + 1));
                out.push('#');
            }
            '$' => {
                out.push_str(&"\\".repeat(backslashes));
                out.push_str("$$");
            }
            c => {
                out.push_str(&"\\".repeat(backslashes));
                out.push(c);
            }
        }
        backslashes = 0;
    }
    out.push_str(&"\\".repeat(backslashes));
    if in_define {
        // Every body line starts with the guard: no line can be `endef`, `define`, or
        // begin with the value's own text.
        out.insert_str(0, &guard);
    } else if out.starts_with([' ', '\t']) {
        out.insert_str(0, &guard);
    }
    if out.ends_with(['\\', ' ', '\t', '\r']) {
        out.push_str(&guard);
    }
    out
}

/// Dockerfile double quoting: backslash, double quote and `$` escaped. Dockerfiles
/// cannot hold a newline or another control character in an `ARG` value (the parser
/// joins and trims lines), so those are refused.
fn docker_quote(k: &str, v: &str) -> Result<String, String> {
    if let Some(c) = v.chars().find(|c| c.is_control() && *c != '\t') {
        return Err(format!(
            "{k}: the value holds {c:?}, which a Dockerfile cannot hold; use another format"
        ));
    }
    Ok(format!(
        "\"{}\"",
        v.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('$', "\\$")
    ))
}

/// Keys a Dockerfile stage never receives from us: the image has its own.
fn docker_keeps_its_own(k: &str) -> bool {
    matches!(k, "PATH" | "HOME" | "USER" | "TMPDIR")
        || k.starts_with("SSL_")
        || k.to_ascii_uppercase().ends_with("_PROXY")
}

/// Renders one target's variables. Errors name the variable that cannot be expressed.
pub fn render(format: EnvFormat, vars: &BTreeMap<String, String>) -> Result<String, String> {
    if let Some(k) = vars.keys().find(|k| !is_identifier(k)) {
        return Err(format!("{k:?} is not a variable name"));
    }
    if let Some((k, _)) = vars.iter().find(|(_, v)| v.contains('\0')) {
        return Err(format!("{k}: the value holds a NUL byte"));
    }
    let mut out = String::new();
    match format {
        EnvFormat::Shell => {
            for (k, v) in vars {
                out.push_str(&format!("export {k}={}\n", sh_quote(v)));
            }
        }
        EnvFormat::Make => {
            if vars.contains_key(MAKE_EMPTY) {
                return Err(format!("{MAKE_EMPTY} is the make format's own variable"));
            }
            out.push_str(&format!("{MAKE_EMPTY} :=\n"));
            for (k, v) in vars {
                if v.contains('\n') {
                    out.push_str(&format!("define {k}\n"));
                    for line in v.split('\n') {
                        out.push_str(&make_line(line, true));
                        out.push('\n');
                    }
                    out.push_str("endef\n");
                } else {
                    out.push_str(&format!("{k} := {}\n", make_line(v, false)));
                }
                out.push_str(&format!("export {k}\n"));
            }
        }
        EnvFormat::Github => {
            // The runner splits the file on LF only; a value with LF or CR is a heredoc
            // whose delimiter is no line of the value.
            for (k, v) in vars {
                if v.contains(['\n', '\r']) {
                    let mut delim = "XBUILD_GO_EOF".to_string();
                    while v.split('\n').any(|l| l.trim_end() == delim) {
                        delim.push('_');
                    }
                    out.push_str(&format!("{k}<<{delim}\n{v}\n{delim}\n"));
                } else {
                    out.push_str(&format!("{k}={v}\n"));
                }
            }
        }
        EnvFormat::Dockerfile => {
            let (kept, own): (Vec<_>, Vec<_>) =
                vars.iter().partition(|(k, _)| !docker_keeps_its_own(k));
            for (k, _) in &own {
                out.push_str(&format!("# {k} is not written: the image keeps its own\n"));
            }
            for (k, v) in &kept {
                out.push_str(&format!("ARG {k}={}\n", docker_quote(k, v)?));
            }
            for (k, _) in &kept {
                out.push_str(&format!("ENV {k}=\"${{{k}}}\"\n"));
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
mod tests;
