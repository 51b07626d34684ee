//! One report of what happened, and its renderers: human (cargo's look, on stderr),
//! JSON Lines and GitHub workflow commands (on stdout), JUnit, checksums, the job
//! summary and the `env --format` exports. The only module that writes to stdout:
//! every byte the tool prints or writes passes through [`Reporter`], which masks host
//! secrets and escapes for the consumer (both from the bottom layer
//! [`crate::sanitize`]), writes files atomically ([`files`]) and remembers a failed
//! write so the run ends with exit 2 instead of a silent success. It knows nothing of
//! the layers above it: evidence is rendered from the Report, not by it.

mod artifact;
pub mod checksums;
pub mod envfmt;
pub mod files;
mod github;
mod human;
pub mod image;
mod json;
pub mod junit;
pub mod progress;
pub mod raw;
mod stream;
mod style;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::error::Exit;
use crate::sanitize::escape;
use crate::sanitize::redact::Secrets;
use crate::toolchain::output::{omitted_line, GoLine};

pub use artifact::ArtifactReport;
pub use json::SCHEMA_VERSION;
pub use style::{shown, Style};

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

/// stdout or stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

/// What happened to our writes: the first failure, and which streams are gone.
#[derive(Debug, Default)]
struct Sink {
    error: Mutex<Option<String>>,
    out_closed: AtomicBool,
    err_closed: AtomicBool,
}

impl Sink {
    fn closed(&self, s: Stream) -> &AtomicBool {
        match s {
            Stream::Out => &self.out_closed,
            Stream::Err => &self.err_closed,
        }
    }

    /// Writes and flushes. A closed pipe (EPIPE, `| head`) ends that stream quietly;
    /// any other error ends it and is remembered for [`Reporter::finish`].
    fn put(&self, s: Stream, bytes: &[u8]) {
        if self.closed(s).load(Ordering::SeqCst) {
            return;
        }
        let result = match s {
            Stream::Out => {
                let mut o = std::io::stdout().lock();
                o.write_all(bytes).and_then(|()| o.flush())
            }
            Stream::Err => {
                let mut e = std::io::stderr().lock();
                e.write_all(bytes).and_then(|()| e.flush())
            }
        };
        if let Err(e) = result {
            self.closed(s).store(true, Ordering::SeqCst);
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                let name = if s == Stream::Out { "stdout" } else { "stderr" };
                if let Ok(mut slot) = self.error.lock() {
                    slot.get_or_insert(format!("writing to {name}: {e}"));
                }
            }
        }
    }
}

/// Clears the live progress lines when dropped ([`Reporter::progress_run`]).
pub struct ProgressRun<'a>(&'a Reporter);

impl Drop for ProgressRun<'_> {
    fn drop(&mut self) {
        self.0.progress_end();
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
    secrets: Arc<Secrets>,
    sink: Arc<Sink>,
    /// The live progress lines, when they are drawn ([`progress::enabled`]).
    progress: Option<Arc<progress::Progress>>,
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
            secrets: Arc::new(Secrets::default()),
            sink: Arc::new(Sink::default()),
            progress: None,
        }
    }

    /// Draws live progress when `when`, the terminal and the format allow it
    /// ([`progress::enabled`]); `term` and `ci` are `TERM` and whether `CI` is set.
    pub fn with_progress(
        mut self,
        when: progress::ProgressWhen,
        term: Option<&str>,
        ci: bool,
    ) -> Reporter {
        let ask = progress::ProgressAsk {
            when,
            human: self.format.is_human() && !self.quiet,
            stderr_terminal: std::io::stderr().is_terminal(),
            term,
            ci,
        };
        self.progress =
            progress::enabled(&ask).then(|| Arc::new(progress::Progress::new(self.color)));
        self
    }

    /// A run of `total` targets starts (live progress only).
    pub fn progress_start(&self, total: usize) {
        if let Some(p) = &self.progress {
            p.start("Building", total);
        }
    }

    /// A step of `total` parts (`Image`) starts its own progress lines, cleared when the
    /// returned guard goes (live progress only).
    pub fn progress_run(&self, verb: &str, total: usize) -> ProgressRun<'_> {
        if let Some(p) = &self.progress {
            p.start(verb, total);
        }
        ProgressRun(self)
    }

    /// `target` entered `phase` (live progress only).
    pub fn progress_phase(&self, target: &str, phase: &str) {
        if let Some(p) = &self.progress {
            p.phase(target, phase);
        }
    }

    /// `target` is done (live progress only).
    pub fn progress_done(&self, target: &str) {
        if let Some(p) = &self.progress {
            p.done(target);
        }
    }

    /// The run is over: the progress lines are cleared.
    pub fn progress_end(&self) {
        if let Some(p) = &self.progress {
            p.end();
        }
    }

    /// The host secrets to mask in everything this reporter prints or writes.
    pub fn with_secrets(mut self, secrets: Secrets) -> Reporter {
        self.secrets = Arc::new(secrets);
        self
    }

    /// Secrets learnt during the run (a registry's credentials and tokens), masked from
    /// then on in everything this reporter, and every clone of it, prints or writes.
    pub fn add_secrets(&self, more: &Secrets) {
        self.secrets.add(more);
    }

    /// Free text as it may be shown: secrets masked, URL credentials hidden, unsafe
    /// characters escaped (newlines and tabs kept).
    pub fn clean(&self, text: &str) -> String {
        self.style().clean(text)
    }

    /// One value as it may be shown on one line (newlines escaped too).
    pub fn clean_value(&self, text: &str) -> String {
        self.style().clean_value(text)
    }

    /// The look the renderers draw with.
    pub fn style(&self) -> Style<'_> {
        Style {
            color: self.color,
            quiet: self.quiet,
            verbose: self.verbose,
            secrets: &self.secrets,
        }
    }

    /// A cargo-style line on stderr.
    fn human_status(&self, verb: &str, message: &str, tone: human::Tone) {
        self.write(
            Stream::Err,
            &human::status(&self.style(), verb, message, tone),
        );
    }

    /// Writes composed text: in the GitHub format no line of it may read as a
    /// workflow command.
    fn write(&self, s: Stream, text: &str) {
        let text = if self.format == MessageFormat::Github {
            escape::github_lines(text)
        } else {
            std::borrow::Cow::Borrowed(text)
        };
        match (&self.progress, s) {
            (Some(p), Stream::Err) => p.suspend(|| self.sink.put(s, text.as_bytes())),
            _ => self.sink.put(s, text.as_bytes()),
        }
    }

    /// The tool's own workflow command line, on stdout.
    fn write_command(&self, line: &str) {
        self.sink.put(Stream::Out, format!("{line}\n").as_bytes());
    }

    /// Ends the run: a failed write on stdout or stderr (other than a closed pipe)
    /// turns `exit` into a usage error, said wherever it still can be.
    pub fn finish(&self, exit: Exit) -> Exit {
        let _ = std::io::stdout().lock().flush();
        let Some(msg) = self.sink.error.lock().ok().and_then(|m| m.clone()) else {
            return exit;
        };
        self.sink
            .put(Stream::Err, format!("error: {msg}\n").as_bytes());
        match self.format {
            MessageFormat::Json => self.write_json(&json::Event::Error {
                message: &msg,
                target: None,
                exit: Exit::Usage.code(),
                help: None,
            }),
            MessageFormat::Github => self.write_command(&github::annotation(
                &self.style(),
                "error",
                None,
                "cargo xbuild-go",
                &msg,
            )),
            MessageFormat::Human => {}
        }
        exit.worse(Exit::Usage)
    }

    /// A cargo-style status line (`   Building linux/arm64`), human format only.
    pub fn status(&self, verb: &str, message: &str) {
        if self.format.is_human() && !self.quiet {
            self.human_status(verb, message, human::Tone::Good);
        }
    }

    /// A detail shown with -v.
    pub fn detail(&self, message: &str) {
        if self.format.is_human() && self.verbose > 0 {
            self.human_status("", message, human::Tone::Good);
        }
    }

    /// A warning, human format only (JSON carries it in events).
    pub fn warn(&self, message: &str) {
        if self.format.is_human() {
            self.human_status("warning", message, human::Tone::Warn);
        }
    }

    /// A failure that is not an artifact's verdict (a configuration, toolchain or I/O
    /// error), for `target` when it concerns one: `error:` on stderr, an `::error`
    /// annotation in the GitHub format, an `error` event in JSON.
    pub fn error(&self, target: Option<&str>, exit: Exit, message: &str) {
        self.error_help(target, exit, message, None)
    }

    /// [`Reporter::error`], with what to do next: cargo's `help:` line under the error
    /// (a `help` field in JSON).
    pub fn error_help(&self, target: Option<&str>, exit: Exit, message: &str, help: Option<&str>) {
        let shown = match target {
            Some(t) => format!("{t}: {message}"),
            None => message.to_string(),
        };
        match self.format {
            MessageFormat::Human => {
                self.human_status("error", &shown, human::Tone::Bad);
                if let Some(h) = help {
                    self.write(Stream::Err, &human::help(&self.style(), h));
                }
            }
            MessageFormat::Github => {
                self.human_status("error", &shown, human::Tone::Bad);
                if let Some(h) = help {
                    self.write(Stream::Err, &human::help(&self.style(), h));
                }
                // An error about the profile file points GitHub at its line.
                let (file, at) = github::profile_location(message).unzip();
                self.write_command(&github::annotation_at(
                    &self.style(),
                    "error",
                    file,
                    at.flatten(),
                    "cargo xbuild-go",
                    &shown,
                ));
            }
            MessageFormat::Json => self.write_json(&json::Event::Error {
                message,
                target,
                exit: exit.code(),
                help,
            }),
        }
    }

    /// A command's failure, reported by its exit code.
    pub fn fatal(&self, e: &anyhow::Error) {
        self.error_help(
            None,
            crate::error::exit_for(e),
            &format!("{e:#}"),
            crate::error::help_of(e),
        );
    }

    pub fn build_started(&self, profile: &str, targets: &[String], go: Option<&str>) {
        if self.format == MessageFormat::Json {
            self.write_json(&json::Event::BuildStarted {
                profile,
                targets,
                go,
            });
        }
    }

    /// One line a running `go build` wrote for `target`, shown as it arrives (after
    /// `[prefix] ` when several builds run): on stderr in the human formats, a `go-output`
    /// event in JSON.
    pub fn go_output(&self, target: &str, prefix: Option<&str>, line: GoLine) {
        match self.format {
            MessageFormat::Human | MessageFormat::Github => {
                self.write(Stream::Err, &stream::human(&self.style(), prefix, line));
            }
            MessageFormat::Json => {
                let (stream, text, omitted) = match line {
                    GoLine::Line { stream, text } => (stream.name(), text.to_string(), None),
                    GoLine::Omitted(n) => ("stderr", omitted_line(n), Some(n)),
                };
                self.write_json(&json::Event::GoOutput {
                    target,
                    stream,
                    line: &text,
                    omitted,
                });
            }
        }
    }

    /// `go build` failed for a target; `stderr` is what it said.
    pub fn go_failed(&self, target: &str, stderr: &str, message: &str) {
        match self.format {
            MessageFormat::Human | MessageFormat::Github => {
                if self.format == MessageFormat::Github {
                    self.write_command(&github::annotation(
                        &self.style(),
                        "error",
                        None,
                        &format!("go build failed for {target}"),
                        if stderr.is_empty() { message } else { stderr },
                    ));
                }
                // go's lines were shown as they came (Reporter::go_output).
                self.human_status("error", message, human::Tone::Bad)
            }
            MessageFormat::Json => self.write_json(&json::Event::CompilerFailed {
                target,
                message,
                stderr,
            }),
        }
    }

    pub fn artifact(&self, a: &ArtifactReport) {
        match self.format {
            MessageFormat::Human => self.write(Stream::Err, &human::artifact(&self.style(), a)),
            MessageFormat::Github => {
                self.write(Stream::Err, &human::artifact(&self.style(), a));
                for line in github::artifact(&self.style(), a) {
                    self.write_command(&line);
                }
            }
            MessageFormat::Json => {
                self.write_json(&json::Event::Artifact(Box::new(json::artifact(a))))
            }
        }
    }

    /// The run's last line: how many artifacts were verified, rejected, failed or
    /// interrupted (human only; JSON counts none of those as failed), and the remote
    /// cache program the run used, when one.
    #[allow(clippy::too_many_arguments)]
    pub fn finished_with(
        &self,
        success: bool,
        artifacts: usize,
        rejected: usize,
        failed: usize,
        interrupted: usize,
        elapsed: std::time::Duration,
        cache_program: Option<&crate::toolchain::cacheprog::Shown>,
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
                        msg.push_str(&format!(", {failed} failed"));
                    }
                    if interrupted > 0 {
                        msg.push_str(&format!(", {interrupted} interrupted"));
                    }
                    msg.push_str(&format!(" in {:.2}s", elapsed.as_secs_f64()));
                    if let Some(c) = cache_program {
                        msg.push_str(&format!(" (remote cache: {})", c.name));
                    }
                    let tone = if success {
                        human::Tone::Good
                    } else {
                        human::Tone::Bad
                    };
                    self.human_status("Finished", &msg, tone);
                }
            }
            MessageFormat::Json => self.write_json(&json::Event::BuildFinished {
                success,
                artifacts,
                rejected,
                failed,
                elapsed_ms: elapsed.as_millis(),
                cache_program,
            }),
        }
    }

    /// A summary table (human format, stderr): one row per target. In the GitHub format
    /// it is also appended to the job summary; an error doing so is returned.
    pub fn table(&self, header: &[&str], rows: &[[String; 5]]) -> anyhow::Result<()> {
        let mut summary = Ok(());
        if self.format == MessageFormat::Github {
            if let Some(path) = &self.step_summary {
                summary = self.append_file(
                    path,
                    github::summary(&self.style(), header, rows).as_bytes(),
                );
            }
        }
        if !self.format.is_human() || self.quiet {
            return summary;
        }
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| self.clean_value(c)).collect())
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r.iter()) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let parts: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            format!("             {}\n", parts.join("  ").trim_end())
        };
        let mut text = line(header.to_vec());
        for r in &rows {
            text.push_str(&line(r.iter().map(String::as_str).collect()));
        }
        self.write(Stream::Err, &text);
        summary
    }

    /// A GitHub workflow annotation (`::error` / `::warning`) on stdout, in the GitHub
    /// format only.
    pub fn annotate(&self, error: bool, title: &str, message: &str) {
        if self.format == MessageFormat::Github {
            let level = if error { "error" } else { "warning" };
            self.write_command(&github::annotation(
                &self.style(),
                level,
                None,
                title,
                message,
            ));
        }
    }

    /// A line of a command's own output (env, targets, ...) on stdout, cleaned.
    pub fn print(&self, line: &str) {
        let mut text = self.clean(line);
        text.push('\n');
        self.write(Stream::Out, &text);
    }

    /// A line of a command's own output with a coloured mark (doctor's `ok`/`warn`/
    /// `error`): `  MARK REST`, the mark painted with `code` when colour is on, the rest
    /// cleaned.
    pub fn print_marked(&self, mark: &str, code: &str, rest: &str) {
        let mark = self.clean_value(mark);
        let mark = if self.color {
            format!("\x1b[{code}m{mark}\x1b[0m")
        } else {
            mark
        };
        self.write(Stream::Out, &format!("  {mark} {}\n", self.clean(rest)));
    }

    /// Any serialisable value on stdout as one JSON line (secrets masked).
    pub fn print_json(&self, value: &impl Serialize) {
        match serde_json::to_string(value) {
            Ok(text) => self.write_json_text(&text),
            Err(e) => self.error(None, Exit::Usage, &format!("cannot encode JSON: {e}")),
        }
    }

    /// An `env --format` export on stdout, byte for byte as its consumer reads it (host
    /// secrets masked). On a terminal, unsafe characters are shown escaped; in the
    /// GitHub format, a line that a runner would read as a workflow command is refused.
    pub fn print_export(&self, text: &str) -> anyhow::Result<()> {
        let text = self.secrets.mask(text);
        if self.format == MessageFormat::Github {
            if let Some(line) = text.split('\n').find(|l| escape::is_workflow_command(l)) {
                return Err(crate::error::usage(format!(
                    "the export has a line a GitHub runner would read as a workflow command \
                     ({}): write it to a file (>> \"$GITHUB_ENV\") without --message-format github",
                    escape::value(line)
                )));
            }
        }
        let text = if std::io::stdout().is_terminal() {
            escape::text(&text).into_owned()
        } else {
            text.into_owned()
        };
        self.sink.put(Stream::Out, text.as_bytes());
        Ok(())
    }

    /// Writes one of the tool's files (an evidence document, checksums, JUnit)
    /// atomically, secrets masked, and returns the sha256 of the bytes written (after
    /// masking), which other documents refer to.
    pub fn write_evidence(&self, path: &Path, bytes: &[u8]) -> anyhow::Result<String> {
        let masked = self.mask_bytes(bytes);
        files::write_atomic(path, &masked).map_err(|e| {
            crate::error::writing(format_args!("writing `{}`", escape::path(path)), &e)
        })?;
        Ok(crate::digest::sha256_hex(&masked))
    }

    /// The image of `cargo xbuild-go image` was written: a `Wrote` line per output, or
    /// an `image` event.
    pub fn image(&self, r: &image::ImageReport) {
        match self.format {
            MessageFormat::Human | MessageFormat::Github => {
                for o in &r.outputs {
                    self.status("Wrote", &format!("{}:{}", o.kind, o.path));
                }
                for p in &r.pushed {
                    self.status("Pushed", p);
                }
                self.status(
                    "Image",
                    &format!(
                        "{}@{} ({} platform{})",
                        r.name(),
                        r.index_digest,
                        r.platforms.len(),
                        if r.platforms.len() == 1 { "" } else { "s" }
                    ),
                );
            }
            MessageFormat::Json => self.write_json(&json::Event::Image(Box::new(r.clone()))),
        }
    }

    /// `merge` checked every input: `Merged N artifacts from M runners`, or a `merged`
    /// event.
    pub fn merged(&self, artifacts: usize, runners: usize) {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        match self.format {
            MessageFormat::Human | MessageFormat::Github => self.status(
                "Merged",
                &format!(
                    "{artifacts} artifact{} from {runners} runner{}",
                    s(artifacts),
                    s(runners)
                ),
            ),
            MessageFormat::Json => self.write_json(&json::Event::Merged { artifacts, runners }),
        }
    }

    /// An evidence document was written: a status line, or an `evidence` event.
    pub fn evidence(&self, kind: &str, path: &Path, sha256: &str, subjects: usize) {
        match self.format {
            MessageFormat::Human | MessageFormat::Github => {
                // A layout counts platforms; a JUnit file has no subjects to count.
                let noun = match kind {
                    "oci-layout" => Some("platform"),
                    _ if subjects == 0 && kind == "junit" => None,
                    _ => Some("subject"),
                };
                let count = noun
                    .map(|n| format!(" ({subjects} {n}{})", if subjects == 1 { "" } else { "s" }))
                    .unwrap_or_default();
                self.status("Wrote", &format!("{kind} {}{count}", shown(path)))
            }
            MessageFormat::Json => self.write_json(&json::Event::Evidence {
                kind,
                path: escape::lossless(path),
                sha256,
                subjects,
            }),
        }
    }

    fn append_file(&self, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        let masked = self.mask_bytes(bytes);
        files::append_atomic(path, &masked).map_err(|e| {
            crate::error::writing(format_args!("writing `{}`", escape::path(path)), &e)
        })
    }

    /// `bytes` with the host secrets masked (UTF-8 text; other bytes as they are).
    pub fn mask_bytes<'a>(&self, bytes: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        match std::str::from_utf8(bytes) {
            Ok(text) => match self.secrets.mask(text) {
                std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(bytes),
                std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
            },
            Err(_) => std::borrow::Cow::Borrowed(bytes),
        }
    }

    fn write_json(&self, event: &json::Event) {
        self.write_json_text(&json::line(event));
    }

    fn write_json_text(&self, text: &str) {
        let mut text = self.secrets.clean(text).into_owned();
        text.push('\n');
        self.sink.put(Stream::Out, text.as_bytes());
    }
}

/// The hidden cache program wrapper's one line when it cannot start the program (go
/// shows it with its own GOCACHEPROG error): written to stderr, secrets never in it.
pub fn wrapper_failed(message: &str) {
    use std::io::Write as _;
    let shown = crate::sanitize::redact::urls(message);
    let _ = writeln!(
        std::io::stderr(),
        "xbuild-go cache program wrapper: {shown}"
    );
}
