//! A profile file read and parsed, with errors at `file:line:column`: bytes that are
//! not UTF-8, TOML syntax, unknown keys (with the closest spelling).

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{schema, Location};
use crate::error::usage;

/// A parsed profile file, kept with its text (and where each line starts) so spans
/// become lines and columns in O(log n).
#[derive(Debug)]
pub struct ProfileFile {
    pub path: PathBuf,
    pub text: String,
    pub toml: schema::FileToml,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
}

impl ProfileFile {
    /// Reads and parses a profile file. Errors name file, line and column, including
    /// bytes that are not UTF-8.
    pub fn load(path: &Path) -> anyhow::Result<ProfileFile> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading profile file `{}`", path.display()))
            .map_err(|e| usage(format!("{e:#}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let bad = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            // The prefix up to the first bad byte is valid UTF-8 by construction.
            let valid = std::str::from_utf8(&bytes[..bad]).unwrap_or_default();
            let at = location_in(path, valid, &line_starts(valid), bad);
            usage(format!(
                "{at}: invalid UTF-8 (byte 0x{:02x} at offset {bad}): a profile file is UTF-8 text",
                bytes.get(bad).copied().unwrap_or(0)
            ))
        })?;
        Self::parse(path, text)
    }

    /// Parses profile text read from `path`.
    pub fn parse(path: &Path, text: String) -> anyhow::Result<ProfileFile> {
        let starts = line_starts(&text);
        match toml::from_str::<schema::FileToml>(&text) {
            Ok(toml) => Ok(ProfileFile {
                path: path.to_path_buf(),
                text,
                toml,
                line_starts: starts,
            }),
            Err(e) => {
                let msg = e.message().trim().to_string();
                // toml reports a key with too many dotted parts without a span: find it.
                let offset = e.span().map(|s| s.start).or_else(|| {
                    (msg == "recursion limit")
                        .then(|| deep_key_offset(&text))
                        .flatten()
                });
                let at = offset
                    .map(|o| location_in(path, &text, &starts, o))
                    .map(|l| format!("{l}: "))
                    .unwrap_or_else(|| format!("{}: ", path.display()));
                let msg = if msg == "recursion limit" {
                    format!(
                        "recursion limit: a dotted key or table header has more than {TOML_KEY_DEPTH} parts"
                    )
                } else {
                    msg
                };
                let hint = unknown_field_hint(&msg);
                Err(usage(format!("{at}{msg}{hint}")))
            }
        }
    }

    /// The location of a byte offset in this file.
    pub fn location(&self, offset: usize) -> Location {
        location_in(&self.path, &self.text, &self.line_starts, offset)
    }
}

/// The most dotted parts toml accepts in one key (its parser's recursion limit).
const TOML_KEY_DEPTH: usize = 80;

/// Byte offsets where lines start: 0 and after every `\n`.
pub(super) fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// `file:line:column` of a byte offset; the column counts characters.
pub(super) fn location_in(path: &Path, text: &str, starts: &[usize], offset: usize) -> Location {
    let offset = offset.min(text.len());
    // The last line starting at or before the offset.
    let line = starts.partition_point(|&s| s <= offset).max(1);
    let start = starts.get(line - 1).copied().unwrap_or(0);
    let column = text
        .get(start..offset)
        .map_or(offset - start, |l| l.chars().count())
        + 1;
    Location {
        file: path.to_path_buf(),
        line,
        column,
    }
}

/// Where the first key with more dotted parts than toml accepts starts: a run of key
/// characters, dots and quoted parts on one line with at least [`TOML_KEY_DEPTH`]
/// unquoted dots (keys never span lines).
fn deep_key_offset(text: &str) -> Option<usize> {
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let mut run_start: Option<usize> = None;
        let mut dots = 0;
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let keyish = c.is_ascii_alphanumeric() || "-_.\"' \t".contains(c);
            if !keyish {
                run_start = None;
                dots = 0;
                continue;
            }
            if run_start.is_none() && !c.is_whitespace() {
                run_start = Some(i);
            }
            match c {
                '.' => dots += 1,
                '"' | '\'' => {
                    // A quoted part: skip to its closing quote (`\"` escapes in basic strings).
                    let mut escaped = false;
                    for (_, q) in chars.by_ref() {
                        if q == c && !escaped {
                            break;
                        }
                        escaped = c == '"' && q == '\\' && !escaped;
                    }
                }
                _ => {}
            }
            if dots >= TOML_KEY_DEPTH {
                return run_start.map(|s| line_start + s);
            }
        }
        line_start += line.len();
    }
    None
}

/// serde reports "unknown field `pakage`, expected one of `package`, ..."; add the
/// closest spelling.
fn unknown_field_hint(msg: &str) -> String {
    let Some(rest) = msg.strip_prefix("unknown field `") else {
        return String::new();
    };
    let Some(end) = rest.find('`') else {
        return String::new();
    };
    let field = &rest[..end];
    // What the message says is valid here: the list after the unknown field itself.
    let expected = &rest[end + 1..];
    let valid_here = |k: &&str| expected.contains(&format!("`{k}`"));
    // A key of a sub-table written one level up: say where it goes.
    for (table, keys) in [
        ("verify", schema::VERIFY_KEYS),
        ("image", schema::IMAGE_KEYS),
    ] {
        if keys.contains(&field) && !valid_here(&field) && valid_here(&table) {
            return format!("; `{field}` is a key of the `{table}` table ([profile.NAME.{table}])");
        }
    }
    let all = schema::LAYER_KEYS
        .iter()
        .chain(schema::VERIFY_KEYS)
        .chain(schema::IMAGE_KEYS)
        .chain(schema::FILE_KEYS)
        .copied()
        // Only suggest keys that the message says are valid here.
        .filter(valid_here);
    crate::suggest::did_you_mean(field, all)
}
