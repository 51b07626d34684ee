//! The live progress of a run on a terminal (indicatif): one line per running target
//! with its phase (`building linux/arm64 (3s)`) and, under them, the run's
//! `Building [==>  ] done/total` line, in cargo's look. Whether it is drawn at all is
//! [`enabled`]; the reporter's own lines are written with the bars lifted
//! ([`Progress::suspend`]), so they read exactly as without it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `--progress` / `CARGO_TERM_PROGRESS_WHEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressWhen {
    Auto,
    Always,
    Never,
}

impl ProgressWhen {
    /// `CARGO_TERM_PROGRESS_WHEN`'s value; `None` for one cargo does not know either.
    pub fn parse(value: &str) -> Option<ProgressWhen> {
        match value {
            "auto" => Some(ProgressWhen::Auto),
            "always" => Some(ProgressWhen::Always),
            "never" => Some(ProgressWhen::Never),
            _ => None,
        }
    }
}

/// What decides whether progress is drawn, gathered by the caller (this module reads
/// no environment).
#[derive(Debug, Clone, Copy)]
pub struct ProgressAsk<'a> {
    pub when: ProgressWhen,
    /// Human output (not JSON), not `-q`.
    pub human: bool,
    pub stderr_terminal: bool,
    pub term: Option<&'a str>,
    /// `CI` is set: auto draws nothing there, as cargo.
    pub ci: bool,
}

/// Drawn only on a terminal stderr, for human output without `-q`, never on
/// `TERM=dumb` (no cursor movement there); `auto` also not under CI.
pub fn enabled(a: &ProgressAsk) -> bool {
    let able = a.human && a.stderr_terminal && a.term != Some("dumb");
    match a.when {
        ProgressWhen::Never => false,
        ProgressWhen::Always => able,
        ProgressWhen::Auto => able && !a.ci,
    }
}

/// The bars of one run.
#[derive(Debug)]
pub struct Progress {
    multi: MultiProgress,
    color: bool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    overall: Option<ProgressBar>,
    targets: BTreeMap<String, ProgressBar>,
}

fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

const TICK: Duration = Duration::from_millis(200);

impl Progress {
    pub fn new(color: bool) -> Progress {
        Progress {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)),
            color,
            state: Mutex::new(State::default()),
        }
    }

    /// A run of `total` targets starts: the `Building [..] 0/total` line.
    pub fn start(&self, verb: &str, total: usize) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let style = ProgressStyle::with_template("{prefix} [{bar:27}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = self.multi.add(
            ProgressBar::new(total as u64)
                .with_style(style)
                .with_prefix(paint(self.color, "1;36", &format!("{verb:>12}"))),
        );
        bar.enable_steady_tick(TICK);
        st.overall = Some(bar);
    }

    /// `target` is now in `phase` (`building`, `verifying`, …).
    pub fn phase(&self, target: &str, phase: &str) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let prefix = paint(self.color, "1;32", &format!("{phase:>12}"));
        if let Some(bar) = st.targets.get(target) {
            bar.set_prefix(prefix);
            return;
        }
        let style = ProgressStyle::with_template("{prefix} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = ProgressBar::new_spinner()
            .with_style(style)
            .with_prefix(prefix)
            .with_message(target.to_string());
        let bar = match &st.overall {
            Some(o) => self.multi.insert_before(o, bar),
            None => self.multi.add(bar),
        };
        bar.enable_steady_tick(TICK);
        st.targets.insert(target.to_string(), bar);
    }

    /// `target` is done (whatever its result): its line goes, the count goes up.
    pub fn done(&self, target: &str) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        if let Some(bar) = st.targets.remove(target) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        if let Some(o) = &st.overall {
            o.inc(1);
        }
    }

    /// The run is over: every line goes, nothing of the bars stays on screen.
    pub fn end(&self) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        for (_, bar) in std::mem::take(&mut st.targets) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        if let Some(o) = st.overall.take() {
            o.finish_and_clear();
            self.multi.remove(&o);
        }
        let _ = self.multi.clear();
    }

    /// Runs `f` (a write to stderr) with the bars lifted, then draws them again.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.multi.suspend(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_it_is_drawn() {
        let on = ProgressAsk {
            when: ProgressWhen::Auto,
            human: true,
            stderr_terminal: true,
            term: Some("xterm-256color"),
            ci: false,
        };
        let cases = [
            ("auto on a terminal", on, true),
            (
                "never",
                ProgressAsk {
                    when: ProgressWhen::Never,
                    ..on
                },
                false,
            ),
            (
                "not a terminal",
                ProgressAsk {
                    stderr_terminal: false,
                    ..on
                },
                false,
            ),
            (
                "always, not a terminal",
                ProgressAsk {
                    when: ProgressWhen::Always,
                    stderr_terminal: false,
                    ..on
                },
                false,
            ),
            (
                "json or -q",
                ProgressAsk {
                    human: false,
                    when: ProgressWhen::Always,
                    ..on
                },
                false,
            ),
            (
                "TERM=dumb",
                ProgressAsk {
                    term: Some("dumb"),
                    when: ProgressWhen::Always,
                    ..on
                },
                false,
            ),
            ("auto under CI", ProgressAsk { ci: true, ..on }, false),
            (
                "always under CI",
                ProgressAsk {
                    ci: true,
                    when: ProgressWhen::Always,
                    ..on
                },
                true,
            ),
        ];
        for (name, ask, want) in cases {
            assert_eq!(enabled(&ask), want, "case {name}");
        }
        for (v, want) in [
            ("auto", Some(ProgressWhen::Auto)),
            ("always", Some(ProgressWhen::Always)),
            ("never", Some(ProgressWhen::Never)),
            ("yes", None),
        ] {
            assert_eq!(ProgressWhen::parse(v), want, "CARGO_TERM_PROGRESS_WHEN={v}");
        }
    }
}
