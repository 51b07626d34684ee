//! The module info text (`runtime/debug.ParseBuildInfo`): `path`, `mod`, `dep`, `=>` and
//! `build` lines into modules and build settings.

use super::info::Module;
use super::quote::{key_needs_quotes, unquote, unquote_prefix, value_needs_quotes};

/// Parses module info text (`runtime/debug.ParseBuildInfo`, minus the Go version): returns
/// the main package path, the main module, the dependencies and the build settings.
///
/// As in Go: lines end in `\n` (a last line without one is ignored), unknown lines are
/// ignored, a `=>` line replaces the module of the latest `mod` or `dep` line that has no
/// replacement yet, and quoted keys and values are unquoted. Errors name the 1-based line.
#[allow(clippy::type_complexity)]
pub fn parse_modinfo(
    text: &str,
) -> Result<(String, Option<Module>, Vec<Module>, Vec<(String, String)>), String> {
    /// Which module a `=>` line would replace.
    #[derive(Clone, Copy)]
    enum Last {
        None,
        Main,
        Dep(usize),
    }
    let mut path = String::new();
    let mut main: Option<Module> = None;
    let mut deps: Vec<Module> = Vec::new();
    let mut settings: Vec<(String, String)> = Vec::new();
    let mut last = Last::None;
    let mut rest = text;
    let mut line_no: usize = 0;
    while let Some((line, tail)) = rest.split_once('\n') {
        rest = tail;
        line_no += 1;
        let fail = |msg: String| format!("line {line_no}: {msg}");
        if let Some(p) = line.strip_prefix("path\t") {
            path = p.to_string();
        } else if let Some(cols) = line.strip_prefix("mod\t") {
            main = Some(module_line(cols).map_err(fail)?);
            last = Last::Main;
        } else if let Some(cols) = line.strip_prefix("dep\t") {
            deps.push(module_line(cols).map_err(fail)?);
            last = Last::Dep(deps.len() - 1);
        } else if let Some(cols) = line.strip_prefix("=>\t") {
            let mut it = cols.split('\t');
            let replacement = match (it.next(), it.next(), it.next(), it.next()) {
                (Some(p), Some(v), Some(s), None) => Module {
                    path: p.to_string(),
                    version: v.to_string(),
                    sum: s.to_string(),
                    replace: None,
                },
                _ => {
                    return Err(fail(format!(
                        "expected 3 columns for replacement; got {}",
                        cols.split('\t').count()
                    )))
                }
            };
            let target = match last {
                Last::Main => main.as_mut(),
                Last::Dep(i) => deps.get_mut(i),
                Last::None => None,
            };
            match target {
                Some(m) => m.replace = Some(Box::new(replacement)),
                None => {
                    return Err(fail(
                        "replacement with no module on previous line".to_string(),
                    ))
                }
            }
            last = Last::None;
        } else if let Some(kv) = line.strip_prefix("build\t") {
            settings.push(build_line(kv).map_err(fail)?);
        }
    }
    Ok((path, main, deps, settings))
}

/// The columns of a `mod` or `dep` line: path, version and, optionally, sum.
pub(super) fn module_line(cols: &str) -> Result<Module, String> {
    let mut it = cols.split('\t');
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some(p), Some(v), s, None) => Ok(Module {
            path: p.to_string(),
            version: v.to_string(),
            sum: s.unwrap_or("").to_string(),
            replace: None,
        }),
        _ => Err(format!(
            "expected 2 or 3 columns; got {}",
            cols.split('\t').count()
        )),
    }
}

/// The `KEY=VALUE` of a `build` line, unquoted.
pub(super) fn build_line(kv: &str) -> Result<(String, String), String> {
    let (key, raw_value) = match kv.as_bytes().first() {
        None => return Err("build line missing '='".to_string()),
        Some(b'=') => return Err("build line with missing key".to_string()),
        Some(b'"' | b'`') => {
            let (key, used) =
                unquote_prefix(kv).map_err(|e| format!("invalid quoted key in build line: {e}"))?;
            let after = kv.get(used..).unwrap_or("");
            match after.strip_prefix('=') {
                Some(v) => (key, v),
                None => match after.chars().next() {
                    None => return Err("build line missing '=' after quoted key".to_string()),
                    Some(c) => return Err(format!("unexpected character after quoted key: {c:?}")),
                },
            }
        }
        Some(_) => {
            let Some((key, value)) = kv.split_once('=') else {
                return Err("build line missing '=' after key".to_string());
            };
            if key_needs_quotes(key) {
                return Err(format!("unquoted key {key:?} must be quoted"));
            }
            (key.to_string(), value)
        }
    };
    let value = match raw_value.as_bytes().first() {
        Some(b'"' | b'`') => {
            unquote(raw_value).map_err(|e| format!("invalid quoted value in build line: {e}"))?
        }
        _ => {
            if value_needs_quotes(raw_value) {
                return Err(format!("unquoted value {raw_value:?} must be quoted"));
            }
            raw_value.to_string()
        }
    };
    Ok((key, value))
}
