//! GitHub Actions workflow commands (`::error file=…,title=…::message`) for failures,
//! and the markdown job summary appended to `$GITHUB_STEP_SUMMARY`.

use std::io::Write;
use std::path::Path;

use super::ArtifactReport;
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

/// One `::error` line on stdout.
pub(super) fn annotate(file: Option<&Path>, title: &str, message: &str) {
    annotate_level("error", file, title, message);
}

/// One `::LEVEL` line (`error`, `warning`, `notice`) on stdout.
pub(super) fn annotate_level(level: &str, file: Option<&Path>, title: &str, message: &str) {
    let mut props = Vec::new();
    if let Some(f) = file {
        props.push(format!("file={}", escape_property(&super::shown(f))));
    }
    props.push(format!("title={}", escape_property(title)));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "::{level} {}::{}",
        props.join(","),
        escape_data(message)
    );
}

/// An `::error` per failed check of an artifact (and of its slices).
pub(super) fn artifact(a: &ArtifactReport) {
    let target = a.target.as_deref().unwrap_or("artifact");
    let slices = a
        .verdict
        .slices
        .iter()
        .map(|s| (format!(" [{}]", s.arch), &s.checks));
    for (suffix, checks) in std::iter::once((String::new(), &a.verdict.checks)).chain(slices) {
        for c in checks.iter().filter(|c| c.status != Status::Pass) {
            let mut msg = match &c.expected {
                Some(e) => format!("expected {e}, found {}", c.actual),
                None => c.actual.clone(),
            };
            if let Some(m) = &c.message {
                msg.push_str(&format!("\nhint: {m}"));
            }
            annotate(Some(&a.path), &format!("{target}{suffix}: {}", c.id), &msg);
        }
    }
}

/// Appends the summary table to the job summary file (markdown).
pub(super) fn summary(path: &Path, header: &[&str], rows: &[[String; 5]]) {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut md = String::from("### cargo xbuild-go\n\n");
    md.push_str(&format!("| {} |\n", header.join(" | ")));
    md.push_str(&format!("|{}\n", " --- |".repeat(header.len())));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
        md.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    md.push('\n');
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = f.write_all(md.as_bytes());
    }
}
