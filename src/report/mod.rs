//! One report of what happened, and its renderers: human (cargo's look, on stderr)
//! and JSON Lines (on stdout). The only module that writes to stdout.

pub mod envfmt;
mod github;
mod human;
mod json;
pub mod junit;

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::verify::Verdict;

/// Version of the JSON Lines schema (README, "JSON output").
pub const SCHEMA_VERSION: u32 = 1;

/// A path for people: relative to the working directory when under it, as cargo does.
pub fn shown(path: &std::path::Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// `--message-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageFormat {
    Human,
    Json,
    /// Human output, plus GitHub Actions workflow commands for failures on stdout and a
    /// job summary appended to `$GITHUB_STEP_SUMMARY`.
    Github,
}

impl MessageFormat {
    /// Human and GitHub formats both write cargo-style lines to stderr.
    pub fn is_human(self) -> bool {
        matches!(self, MessageFormat::Human | MessageFormat::Github)
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// One verified (or rejected) artifact.
#[derive(Debug, Clone, Serialize)]
pub struct ArtifactReport {
    /// The target it was built or judged for, if any.
    pub target: Option<String>,
    pub profile: Option<String>,
    /// Where it is now: the destination when delivered, else where it was judged.
    pub path: PathBuf,
    /// True when it passed every check and sits at `path`.
    pub delivered: bool,
    /// With --keep-rejected, where the rejected file was kept.
    pub rejected_path: Option<PathBuf>,
    /// Computed for JSON output (hashing costs more than verifying); null otherwise.
    pub sha256: Option<String>,
    pub size: u64,
    /// The child environment of the build (build only).
    pub env: Option<BTreeMap<String, String>>,
    /// Host variables and go env -w keys kept out of the build (build only).
    pub env_dropped: Option<Vec<crate::toolchain::childenv::Dropped>>,
    /// The go build command line (build only).
    pub command: Option<String>,
    pub verdict: Verdict,
    /// Milliseconds spent in go build (build only).
    pub build_ms: Option<u128>,
}

impl ArtifactReport {
    pub fn passed(&self) -> bool {
        self.verdict.passed()
    }
}

/// Renders events for people or machines.
#[derive(Debug, Clone)]
pub struct Reporter {
    pub format: MessageFormat,
    pub color: bool,
    pub quiet: bool,
    pub verbose: u8,
    /// `$GITHUB_STEP_SUMMARY`, where the GitHub format appends its job summary.
    pub step_summary: Option<PathBuf>,
}

impl Reporter {
    /// `color` resolves auto against stderr being a terminal, `NO_COLOR` and
    /// `CARGO_TERM_COLOR` (passed in: this module reads no environment).
    pub fn new(
        format: MessageFormat,
        color: ColorChoice,
        no_color: bool,
        cargo_term_color: Option<&str>,
        quiet: bool,
        verbose: u8,
    ) -> Reporter {
        let choice = match (color, cargo_term_color) {
            (ColorChoice::Auto, Some("always")) => ColorChoice::Always,
            (ColorChoice::Auto, Some("never")) => ColorChoice::Never,
            (c, _) => c,
        };
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stderr().is_terminal(),
        };
        Reporter {
            format,
            color,
            quiet,
            verbose,
            step_summary: None,
        }
    }

    /// A cargo-style status line (`   Building linux/arm64`), human format only.
    pub fn status(&self, verb: &str, message: &str) {
        if self.format.is_human() && !self.quiet {
            human::status(self, verb, message, human::Tone::Good);
        }
    }

    /// A detail shown with -v.
    pub fn detail(&self, message: &str) {
        if self.format.is_human() && self.verbose > 0 {
            human::status(self, "", message, human::Tone::Good);
        }
    }

    /// A warning, human format only (JSON carries it in events).
    pub fn warn(&self, message: &str) {
        if self.format.is_human() {
            human::status(self, "warning", message, human::Tone::Warn);
        }
    }

    /// An error line for failures that are not an artifact's verdict.
    pub fn error(&self, message: &str) {
        match self.format {
            MessageFormat::Human => human::status(self, "error", message, human::Tone::Bad),
            MessageFormat::Github => {
                human::status(self, "error", message, human::Tone::Bad);
                github::annotate(None, "cargo xbuild-go", message);
            }
            MessageFormat::Json => json::emit(&json::Event::Error { message }),
        }
    }

    pub fn build_started(&self, profile: &str, targets: &[String], go: Option<&str>) {
        match self.format {
            MessageFormat::Human | MessageFormat::Github => {}
            MessageFormat::Json => json::emit(&json::Event::BuildStarted {
                profile,
                targets,
                go,
            }),
        }
    }

    /// `go build` failed for a target; `stderr` is what it said (JSON only: humans saw it).
    pub fn go_failed(&self, target: &str, stderr: &str, message: &str) {
        match self.format {
            MessageFormat::Human | MessageFormat::Github => {
                if self.format == MessageFormat::Github {
                    github::annotate(
                        None,
                        &format!("go build failed for {target}"),
                        if stderr.is_empty() { message } else { stderr },
                    );
                }
                // Captured (concurrent builds): shown now, unchanged, as one block.
                if !stderr.is_empty() {
                    let mut err = std::io::stderr().lock();
                    let _ = err.write_all(stderr.as_bytes());
                    if !stderr.ends_with('\n') {
                        let _ = writeln!(err);
                    }
                }
                human::status(self, "error", message, human::Tone::Bad)
            }
            MessageFormat::Json => json::emit(&json::Event::CompilerFailed {
                target,
                message,
                stderr,
            }),
        }
    }

    pub fn artifact(&self, a: &ArtifactReport) {
        match self.format {
            MessageFormat::Human => human::artifact(self, a),
            MessageFormat::Github => {
                human::artifact(self, a);
                github::artifact(a);
            }
            MessageFormat::Json => json::emit(&json::Event::Artifact(a)),
        }
    }

    pub fn finished(
        &self,
        success: bool,
        artifacts: usize,
        rejected: usize,
        failed: usize,
        elapsed: std::time::Duration,
    ) {
        match self.format {
            MessageFormat::Human | MessageFormat::Github => {
                if !self.quiet || !success {
                    let mut msg = format!(
                        "{artifacts} artifact{} verified",
                        if artifacts == 1 { "" } else { "s" }
                    );
                    if rejected > 0 {
                        msg.push_str(&format!(", {rejected} rejected"));
                    }
                    if failed > 0 {
                        msg.push_str(&format!(", {failed} failed to build"));
                    }
                    msg.push_str(&format!(" in {:.2}s", elapsed.as_secs_f64()));
                    let tone = if success {
                        human::Tone::Good
                    } else {
                        human::Tone::Bad
                    };
                    human::status(self, "Finished", &msg, tone);
                }
            }
            MessageFormat::Json => json::emit(&json::Event::BuildFinished {
                success,
                artifacts,
                rejected,
                failed,
                elapsed_ms: elapsed.as_millis(),
            }),
        }
    }

    /// A summary table (human format, stderr): one row per target.
    pub fn table(&self, header: &[&str], rows: &[[String; 5]]) {
        if self.format == MessageFormat::Github {
            if let Some(path) = &self.step_summary {
                github::summary(path, header, rows);
            }
        }
        if !self.format.is_human() || self.quiet {
            return;
        }
        let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
        for r in rows {
            for (w, c) in widths.iter_mut().zip(r.iter()) {
                *w = (*w).max(c.len());
            }
        }
        let line = |cells: Vec<&str>| {
            let parts: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            format!("             {}", parts.join("  ").trim_end())
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}", line(header.to_vec()));
        for r in rows {
            let _ = writeln!(err, "{}", line(r.iter().map(String::as_str).collect()));
        }
    }

    /// A GitHub workflow annotation (`::error` / `::warning`) on stdout, in the GitHub
    /// format only.
    pub fn annotate(&self, error: bool, title: &str, message: &str) {
        if self.format == MessageFormat::Github {
            github::annotate_level(
                if error { "error" } else { "warning" },
                None,
                title,
                message,
            );
        }
    }

    /// A line of a command's own output (env, targets, ...) on stdout.
    pub fn print(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
    }

    /// A JSON value on stdout, one line.
    pub fn print_json(&self, value: &serde_json::Value) {
        self.print(&value.to_string());
    }
}
