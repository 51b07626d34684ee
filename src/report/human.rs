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

/// Failed checks (every check with -v), each with its hint; `prefix` names a slice.
fn print_checks(err: &mut impl Write, r: &Reporter, prefix: &str, checks: &[crate::verify::Check]) {
    for c in checks {
        if c.status == Status::Pass && r.verbose == 0 {
            continue;
        }
        // Pad before painting, so colour codes do not break the alignment.
        let mark = match c.status {
            Status::Pass => paint(r, "32", &format!("{:>12}", "pass")),
            Status::Fail => paint(r, "1;31", &format!("{:>12}", "FAIL")),
            Status::Unknown => paint(r, "1;31", &format!("{:>12}", "UNKNOWN")),
        };
        let line = match &c.expected {
            Some(e) if c.status != Status::Pass => format!("expected {e}, found {}", c.actual),
            Some(_) => c.actual.clone(),
            None => format!("{} (reported)", c.actual),
        };
        let id = format!("{prefix}{}", c.id);
        let _ = writeln!(err, "{mark} {id:<18} {line}");
        if let Some(m) = &c.message {
            if c.status != Status::Pass || r.verbose > 1 {
                let hint = paint(r, "2", &format!("hint: {m}"));
                let _ = writeln!(err, "{:>12} {:<18} {hint}", "", "");
            }
        }
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
    // Buffered: one write for all the check lines (a universal file has many), not
    // several per line.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    print_checks(&mut err, r, "", &a.verdict.checks);
    for slice in &a.verdict.slices {
        print_checks(&mut err, r, &format!("[{}] ", slice.arch), &slice.checks);
    }
    for note in &a.verdict.notes {
        let _ = writeln!(
            err,
            "{:>12} {}",
            "",
            paint(r, "2", &format!("note: {note}"))
        );
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
