//! Checks and quoting of single profile values: `env` entries and variable names,
//! `-X` stamps, glibc versions, and go's `-ldflags` quoting.

use crate::error::usage;
use crate::profile::Location;

/// The bytes go's flag splitter (cmd/internal/quoted) separates fields on.
pub(crate) const GO_SPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// Quotes one flag for Go's `-ldflags` parser (cmd/internal/quoted.Split): fields split
/// on whitespace; a field that starts with a quote runs to the matching quote, with no
/// escapes. A flag holding whitespace and both kinds of quote cannot be written.
pub(crate) fn go_quote(arg: &str) -> Result<String, String> {
    let plain = !arg.is_empty() && !arg.contains(GO_SPACE) && !arg.starts_with(['\'', '"']);
    if plain {
        Ok(arg.to_string())
    } else if !arg.contains('\'') {
        Ok(format!("'{arg}'"))
    } else if !arg.contains('"') {
        Ok(format!("\"{arg}\""))
    } else {
        Err(format!(
            "ldflags element `{arg}` holds whitespace and both kinds of quote: go's -ldflags syntax cannot express it"
        ))
    }
}

/// A stamp is `-X importpath.name=value`: the key must be a qualified Go variable name,
/// the value one go can receive.
pub(crate) fn check_stamp(key: &str, value: &str) -> Result<(), String> {
    let ok = key.contains('.')
        && !key.starts_with('.')
        && !key.ends_with('.')
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || "._-/~+".contains(c));
    if !ok {
        return Err(format!(
            "stamp key {key:?} is not a Go variable such as \"main.version\" or \
             \"example.com/app/internal/build.Commit\""
        ));
    }
    if value.contains(['\0', '\n', '\r']) {
        return Err(format!(
            "the value of stamp {key} holds a NUL or line break, which -ldflags cannot carry"
        ));
    }
    Ok(())
}

/// A glibc version as `glibc` and `max-glibc` take it: `MAJOR.MINOR[.PATCH]`, digits.
pub(super) fn check_glibc_version(v: &str) -> Result<(), String> {
    let v = v.trim();
    let ok = v.split('.').count() >= 2
        && v.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !ok {
        return Err("expected a glibc version such as \"2.31\"".to_string());
    }
    if let Some(big) = v.split('.').find(|p| p.parse::<u32>().is_err()) {
        return Err(format!("version component `{big}` is out of range"));
    }
    Ok(())
}

/// Whether a name is a portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One entry of a profile's `env`: the key must be a variable name
/// (`[A-Za-z_][A-Za-z0-9_]*`, so no consumer of `env --format` can read it as code),
/// the value must hold no NUL (no process can receive it), and keys a profile setting
/// owns are refused.
pub(super) fn check_env(key: &str, value: &str, at: &Location) -> anyhow::Result<()> {
    if key.is_empty() {
        return Err(usage(format!("{at}: `env` has an empty variable name")));
    }
    if !is_env_name(key) {
        return Err(usage(format!(
            "{at}: `env` key {key:?} is not a variable name: use letters, digits and `_`, \
             not starting with a digit"
        )));
    }
    if value.contains('\0') {
        return Err(usage(format!(
            "{at}: the value of `env` key {key} holds a NUL byte, which no process can receive"
        )));
    }
    let owner = match key {
        "GOFLAGS" => "`flags` (and `ldflags`, `tags`), so the printed go command is what runs",
        "GOOS" | "GOARCH" => "`targets`",
        "CGO_ENABLED" => "`cgo`",
        "GOTOOLCHAIN" => "`go` (an exact version pins the toolchain)",
        "GOROOT" => "nothing: go finds its own root, and a stale GOROOT breaks builds",
        "GOENV" => "nothing: the scrub sets GOENV=off",
        "GOARM" | "GOAMD64" | "GOARM64" | "GO386" | "GOMIPS" | "GOMIPS64" | "GOPPC64"
        | "GORISCV64" => "the target's variant (e.g. linux/arm/v7, linux/amd64/v3)",
        _ => return Ok(()),
    };
    Err(usage(format!(
        "{at}: `env` may not set {key}; it is set by {owner}"
    )))
}
