//! Human output in cargo's look: right-aligned coloured verbs on stderr.

use std::io::Write;

use super::{ArtifactReport, Reporter};
use crate::verify::{human_size, Status};

#[derive(Clone, Copy)]
pub(super) enum Tone {
    Good,
    Warn,
    Bad,
}

pub(super) fn status(r: &Reporter, verb: &str, message: &str, tone: Tone) {
    let mut err = std::io::stderr().lock();
    // cargo right-aligns verbs in 12 columns; `error:`/`warning:` stand at the left.
    let (head, pad) = match tone {
        Tone::Good => (format!("{verb:>12}"), " "),
        Tone::Warn | Tone::Bad if verb == "error" || verb == "warning" => (format!("{verb}:"), " "),
        _ => (format!("{verb:>12}"), " "),
    };
    let painted = if r.color {
        let code = match tone {
            Tone::Good => "1;32",
            Tone::Warn => "1;33",
            Tone::Bad => "1;31",
        };
        format!("\x1b[{code}m{head}\x1b[0m")
    } else {
        head
    };
    let _ = writeln!(err, "{painted}{pad}{message}");
}

fn paint(r: &Reporter, code: &str, s: &str) -> String {
    if r.color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

pub(super) fn artifact(r: &Reporter, a: &ArtifactReport) {
    let summary = format!(
        "{}  {}  {}",
        super::shown(&a.path),
        a.verdict.facts.summary(),
        human_size(a.size)
    );
    let passed = a.passed();
    if passed {
        if !r.quiet {
            status(r, "Verified", &summary, Tone::Good);
        }
    } else {
        status(r, "Rejected", &summary, Tone::Bad);
    }
    let mut err = std::io::stderr().lock();
    for c in &a.verdict.checks {
        let show = c.status != Status::Pass || r.verbose > 0;
        if !show {
            continue;
        }
        let mark = match c.status {
            Status::Pass => paint(r, "32", "pass"),
            Status::Fail => paint(r, "1;31", "FAIL"),
            Status::Unknown => paint(r, "1;31", "UNKNOWN"),
        };
        let line = match &c.expected {
            Some(e) if c.status != Status::Pass => format!("expected {e}, found {}", c.actual),
            Some(_) => c.actual.clone(),
            None => format!("{} (reported)", c.actual),
        };
        let _ = writeln!(err, "{:>12} {:<18} {line}", mark, c.id);
        if let Some(m) = &c.message {
            if c.status != Status::Pass || r.verbose > 1 {
                let _ = writeln!(
                    err,
                    "{:>12} {:<18} {}",
                    "",
                    "",
                    paint(r, "2", &format!("hint: {m}"))
                );
            }
        }
    }
    if !passed {
        let fate = match (&a.rejected_path, a.command.is_some()) {
            (Some(p), _) => format!("kept the rejected file as {}", p.display()),
            (None, true) => {
                "the rejected file was deleted; the destination is untouched".to_string()
            }
            (None, false) => String::new(),
        };
        if !fate.is_empty() {
            let _ = writeln!(err, "{:>12} {fate}", "");
        }
    }
}
