//! GitHub Actions workflow commands (`::error file=…,title=…::message`) for failures,
//! `::notice` for skipped checks, and the markdown job summary appended to
//! `$GITHUB_STEP_SUMMARY`.

use std::path::Path;

use super::artifact::ArtifactReport;
use super::style::{shown, Style};
use crate::sanitize::escape::markup;
use crate::verify::Status;

/// Escapes a workflow-command message (`%`, CR, LF).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property (also `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One `::LEVEL` line (`error`, `warning`, `notice`), without the newline. Title and
/// message are cleaned (secrets masked, unsafe characters escaped), then encoded for the
/// runner, so a value can add neither a line nor a property.
pub(super) fn annotation(
    r: &Style,
    level: &str,
    file: Option<&Path>,
    title: &str,
    message: &str,
) -> String {
    annotation_at(r, level, file, None, title, message)
}

/// [`annotation`] with a position in `file`: `line=` and `col=` (1-based) after `file=`.
pub(super) fn annotation_at(
    r: &Style,
    level: &str,
    file: Option<&Path>,
    at: Option<(usize, usize)>,
    title: &str,
    message: &str,
) -> String {
    let mut props = Vec::new();
    if let Some(f) = file {
        props.push(format!(
            "file={}",
            escape_property(&r.clean_value(&shown(f)))
        ));
        if let Some((line, col)) = at {
            props.push(format!("line={line},col={col}"));
        }
    }
    props.push(format!("title={}", escape_property(&r.clean_value(title))));
    format!(
        "::{level} {}::{}",
        props.join(","),
        escape_data(&r.clean(message))
    )
}

/// The profile file an error message names, as the profile's errors carry it: the
/// first word ending in `.toml`, with the line and column that follow it
/// (`/repo/xbuild-go.toml:2:7: invalid type`), or none (`/repo/xbuild-go.toml: unknown
/// profile`). A word with anything else after `.toml` names no profile file.
pub(super) fn profile_location(message: &str) -> Option<(&Path, Option<(usize, usize)>)> {
    message
        .split(|c: char| c.is_whitespace() || c == '`')
        .find_map(|word| {
            let end = word.find(".toml")? + ".toml".len();
            let (file, rest) = word.split_at(end);
            let rest = rest.strip_suffix([':', ',', ';']).unwrap_or(rest);
            let at = match rest.strip_prefix(':') {
                None if rest.is_empty() => None,
                None => return None,
                Some(pos) => {
                    let (line, col) = pos.split_once(':')?;
                    Some((line.parse().ok()?, col.parse().ok()?))
                }
            };
            Some((Path::new(file), at))
        })
}

/// An `::error` per failed check of an artifact (and of its slices), a `::notice` per
/// skipped one (a smoke run this runner cannot do, with the reason), a `::warning` per
/// one passing on needs the profile accepts unmet (`pass (accepted: zoneinfo)`).
pub(super) fn artifact(r: &Style, a: &ArtifactReport) -> Vec<String> {
    let mut lines = Vec::new();
    let target = a.target.as_deref().unwrap_or("artifact");
    for (arch, checks) in a.verdict.check_groups() {
        let suffix = arch.map(|a| format!(" [{a}]")).unwrap_or_default();
        for c in checks.iter() {
            // A pass on accepted needs, or a skip: said, with the message.
            let said = match (c.accepted(), c.status) {
                (Some(needs), _) => Some(("warning", format!("pass (accepted: {needs})"))),
                (None, Status::Skip) => Some(("notice", "skipped".to_string())),
                (None, Status::Pass) => continue,
                _ => None,
            };
            if let Some((level, what)) = said {
                lines.push(annotation(
                    r,
                    level,
                    Some(&a.path),
                    &format!("{target}{suffix}: {} {what}", c.id),
                    c.message.as_deref().unwrap_or(&c.actual),
                ));
                continue;
            }
            let mut msg = match &c.expected {
                Some(e) => format!("expected {e}, found {}", c.actual),
                None => c.actual.clone(),
            };
            if let Some(m) = &c.message {
                msg.push_str(&format!("\nhint: {m}"));
            }
            lines.push(annotation(
                r,
                "error",
                Some(&a.path),
                &format!("{target}{suffix}: {}", c.id),
                &msg,
            ));
        }
    }
    lines
}

/// One table cell for the job summary: on one line, HTML special characters as
/// entities and the punctuation that starts inline markdown (emphasis, code, links,
/// images, math, emoji, references) backslash-escaped, so a value can neither end the
/// cell, start markup nor inject HTML.
pub(super) fn cell(s: &str) -> String {
    markup(s, |c, out| match c {
        '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '|' | '~' | '$' | ':' | '#'
        | '@' | '{' | '}' | '=' => {
            out.push('\\');
            out.push(c);
        }
        c => out.push(c),
    })
}

/// The summary table as markdown, every cell cleaned and escaped.
pub(super) fn summary(r: &Style, header: &[&str], rows: &[[String; 5]]) -> String {
    let mut md = String::from("### cargo xbuild-go\n\n");
    md.push_str(&format!("| {} |\n", header.join(" | ")));
    md.push_str(&format!("|{}\n", " --- |".repeat(header.len())));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(&r.clean_value(c))).collect();
        md.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    md.push('\n');
    md
}

#[cfg(test)]
mod tests;
