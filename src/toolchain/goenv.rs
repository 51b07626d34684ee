//! The user's `go env -w` file: where it is and what it says.

use std::path::{Path, PathBuf};

use super::hostenv::HostEnv;

/// `$GOENV`, else the user config dir's `go/env` (`$XDG_CONFIG_HOME` or
/// `$HOME/.config` on Linux, `$HOME/Library/Application Support` on macOS), as Go finds
/// it. `None` when GOENV is `off` or no directory can be named.
pub fn path(host: &HostEnv) -> Option<PathBuf> {
    match host.get("GOENV").map(String::as_str) {
        Some("off") => return None,
        Some(p) if !p.is_empty() => return Some(PathBuf::from(p)),
        _ => {}
    }
    let config = if cfg!(target_os = "macos") {
        host.get("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| Path::new(h).join("Library/Application Support"))
    } else {
        host.get("XDG_CONFIG_HOME")
            .filter(|x| Path::new(x).is_absolute())
            .map(PathBuf::from)
            .or_else(|| {
                host.get("HOME")
                    .filter(|h| !h.is_empty())
                    .map(|h| Path::new(h).join(".config"))
            })
    }?;
    Some(config.join("go/env"))
}

/// Parses the file's `KEY=VALUE` lines the way cmd/go does: blank lines and lines
/// without `=` are skipped, later keys win.
pub fn parse(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || k.starts_with('#') {
            continue;
        }
        out.retain(|(old, _)| old != k);
        out.push((k.to_string(), v.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HostEnv {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn location() {
        let cases: &[(&str, &[(&str, &str)], Option<&str>)] = &[
            (
                "explicit",
                &[("GOENV", "/x/env"), ("HOME", "/h")],
                Some("/x/env"),
            ),
            ("off", &[("GOENV", "off"), ("HOME", "/h")], None),
            ("home", &[("HOME", "/h")], Some("/h/.config/go/env")),
            (
                "xdg",
                &[("HOME", "/h"), ("XDG_CONFIG_HOME", "/c")],
                Some("/c/go/env"),
            ),
            (
                "relative xdg ignored",
                &[("HOME", "/h"), ("XDG_CONFIG_HOME", "c")],
                Some("/h/.config/go/env"),
            ),
            ("nothing", &[], None),
        ];
        for (name, vars, want) in cases {
            if cfg!(target_os = "macos") {
                continue;
            }
            assert_eq!(path(&env(vars)), want.map(PathBuf::from), "case {name}");
        }
    }

    #[test]
    fn parsing() {
        let got =
            parse("GOARCH=386\n\nGOPROXY=direct\nnonsense\nGOARCH=arm\nGOFLAGS=-ldflags=-X=a=b\n");
        assert_eq!(
            got,
            vec![
                ("GOPROXY".to_string(), "direct".to_string()),
                ("GOARCH".to_string(), "arm".to_string()),
                ("GOFLAGS".to_string(), "-ldflags=-X=a=b".to_string()),
            ]
        );
    }
}
