//! Human output in cargo's look: right-aligned coloured verbs on stderr. Every value is
//! cleaned before it is painted; each block is returned whole and written at once, so
//! concurrent builds never interleave inside one.

use super::artifact::ArtifactReport;
use super::style::{shown, Style};
use crate::verify::{human_size, Status};

#[derive(Clone, Copy)]
pub(super) enum Tone {
    Good,
    Warn,
    Bad,
}

fn head(r: &Style, verb: &str, tone: Tone) -> String {
    // cargo right-aligns verbs in 12 columns; `error:`/`warning:` stand at the left.
    let head = match tone {
        Tone::Warn | Tone::Bad if verb == "error" || verb == "warning" => format!("{verb}:"),
        _ => format!("{verb:>12}"),
    };
    if r.color {
        let code = match tone {
            Tone::Good => "1;32",
            Tone::Warn => "1;33",
            Tone::Bad => "1;31",
        };
        format!("\x1b[{code}m{head}\x1b[0m")
    } else {
        head
    }
}

/// One status line: the verb, then the message cleaned.
pub(super) fn status(r: &Style, verb: &str, message: &str, tone: Tone) -> String {
    format!("{} {}\n", head(r, verb, tone), r.clean(message))
}

/// cargo's `help:` line under an error: what to do next.
pub(super) fn help(r: &Style, text: &str) -> String {
    format!("{} {}\n", paint(r, "1;36", "help:"), r.clean(text))
}

fn paint(r: &Style, code: &str, s: &str) -> String {
    if r.color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Failed checks and those passing on needs the profile accepts unmet (every check with
/// -v), each with its hint; `prefix` names a slice. A skipped check has its own line
/// ([`smoke_lines`]) without -v.
fn print_checks(out: &mut String, r: &Style, prefix: &str, checks: &[crate::verify::Check]) {
    for c in checks {
        let accepted = c.accepted().is_some();
        if c.status.passes() && r.verbose == 0 && !accepted {
            continue;
        }
        // Pad before painting, so colour codes do not break the alignment.
        let mark = match c.status {
            Status::Pass => paint(r, "32", &format!("{:>12}", "pass")),
            Status::Fail => paint(r, "1;31", &format!("{:>12}", "FAIL")),
            Status::Unknown => paint(r, "1;31", &format!("{:>12}", "UNKNOWN")),
            Status::Skip => paint(r, "33", &format!("{:>12}", "skip")),
        };
        let line = match &c.expected {
            Some(e) if !c.status.passes() => format!("expected {e}, found {}", c.actual),
            Some(_) => c.actual.clone(),
            None => format!("{} (reported)", c.actual),
        };
        let id = r.clean_value(&format!("{prefix}{}", c.id));
        out.push_str(&format!("{mark} {id:<18} {}\n", r.clean_value(&line)));
        if let Some(m) = &c.message {
            if c.status != Status::Pass || r.verbose > 1 || accepted {
                let hint = paint(r, "2", &format!("hint: {}", r.clean(m)));
                out.push_str(&format!("{:>12} {:<18} {hint}\n", "", ""));
            }
        }
    }
}

/// The smoke runs of a delivered artifact, a line each, shown without -v:
/// `Smoke ok (natively, PID, mount and network namespaces): hello 1.2.0`, or `Smoke
/// skipped: qemu-user cannot run PE files: ...`. A failed run is among the failed
/// checks instead.
fn smoke_lines(r: &Style, checks: &[crate::verify::Check]) -> String {
    checks
        .iter()
        .filter(|c| c.id == "run.smoke" || c.id.starts_with("run.smoke."))
        .filter_map(|c| smoke_line(r, c))
        .collect()
}

/// One smoke run's line: the host's (`run.smoke`) or one inside an image
/// (`run.smoke.IMAGE`, whose text says which image).
fn smoke_line(r: &Style, c: &crate::verify::Check) -> Option<String> {
    let (text, tone) = match c.status {
        Status::Pass => (
            c.actual
                .strip_prefix("exit 0")
                .map_or_else(|| format!("ok: {}", c.actual), |rest| format!("ok{rest}")),
            Tone::Good,
        ),
        Status::Skip => (
            format!(
                "skipped: {}",
                c.message.as_deref().unwrap_or(c.actual.as_str())
            ),
            Tone::Warn,
        ),
        Status::Fail | Status::Unknown => return None,
    };
    Some(format!("{} {}\n", head(r, "Smoke", tone), r.clean(&text)))
}

/// An artifact's block: verdict line, smoke line, checks, notes and the file's fate.
pub(super) fn artifact(r: &Style, a: &ArtifactReport) -> String {
    let summary = format!(
        "{}  {}  {}",
        shown(&a.path),
        a.verdict.facts.summary(),
        human_size(a.size)
    );
    let passed = a.passed();
    let mut out = String::new();
    if passed {
        if !r.quiet {
            out.push_str(&format!(
                "{} {}\n",
                head(r, "Verified", Tone::Good),
                r.clean(&summary)
            ));
            out.push_str(&smoke_lines(r, &a.verdict.checks));
            if a.discarded {
                out.push_str(&format!(
                    "{:>12} {}\n",
                    "", "discarded: -o /dev/null verifies only; nothing was written"
                ));
            }
        }
    } else {
        out.push_str(&format!(
            "{} {}\n",
            head(r, "Rejected", Tone::Bad),
            r.clean(&summary)
        ));
    }
    print_checks(&mut out, r, "", &a.verdict.checks);
    for slice in &a.verdict.slices {
        print_checks(&mut out, r, &format!("[{}] ", slice.arch), &slice.checks);
    }
    // What the output bound left out of the verdict (long lists, slices).
    for note in &a.verdict.notes {
        let note = paint(r, "2", &format!("note: {}", r.clean(note)));
        out.push_str(&format!(
            "{:>12} {note}
",
            ""
        ));
    }
    if !passed {
        let fate = match (&a.rejected_path, a.command.is_some()) {
            (Some(p), _) => format!("kept the rejected file as {}", shown(p)),
            (None, true) => {
                "the rejected file was deleted; the destination is untouched".to_string()
            }
            (None, false) => String::new(),
        };
        if !fate.is_empty() {
            out.push_str(&format!("{:>12} {}\n", "", r.clean(&fate)));
        }
    }
    out
}
