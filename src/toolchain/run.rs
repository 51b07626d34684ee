//! Running `go build` in its own process group, so Ctrl-C stops the whole build and
//! the caller can clean up before exiting 130; the group dies with the tool even on
//! SIGKILL (see [`super::watchdog`]).

use anyhow::Context;
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;

use crate::error::{failure, Exit};

use super::interrupt::{check_interrupted, install_interrupt_handler};
use super::interrupt::{track, Stop};
use super::output::{read_lines, Bounded, GoLine, GoStream};

/// One `go build` invocation, fully spelled out.
#[derive(Debug, Clone)]
pub struct GoBuild {
    pub go: PathBuf,
    pub args: Vec<String>,
    pub dir: PathBuf,
    pub env: BTreeMap<String, String>,
}

impl GoBuild {
    /// `go build [-a] [-tags=..] [-ldflags=..] [flags..] [extra..] -o OUT -- PACKAGE`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        go: &Path,
        dir: &Path,
        env: BTreeMap<String, String>,
        rebuild_all: bool,
        tags: &[String],
        ldflags: &str,
        flags: &[String],
        extra: &[String],
        out: &Path,
        package: &str,
    ) -> GoBuild {
        let mut args = vec!["build".to_string()];
        if rebuild_all {
            args.push("-a".into());
        }
        if !tags.is_empty() {
            args.push(format!("-tags={}", tags.join(",")));
        }
        if !ldflags.trim().is_empty() {
            args.push(format!("-ldflags={ldflags}"));
        }
        args.extend(flags.iter().cloned());
        args.extend(extra.iter().cloned());
        args.push("-o".into());
        args.push(out.display().to_string());
        // Flags end here: whatever the package is, go reads it as one.
        args.push("--".into());
        args.push(package.to_string());
        GoBuild {
            go: go.to_path_buf(),
            args,
            dir: dir.to_path_buf(),
            env,
        }
    }

    /// The command as a shell would read it, for `-v` and reports.
    pub fn display(&self) -> String {
        std::iter::once(self.go.display().to_string())
            .chain(self.args.iter().cloned())
            .map(|a| shell_quote(&a))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs go build. Each line go writes, on stdout or stderr, is handed to `on_line`
    /// as it arrives (bounded: [`super::output`]); what was kept is returned, and is in
    /// the error of a failed build. A non-zero exit is exit 3, Ctrl-C exit 130.
    pub fn run(&self, on_line: &(dyn Fn(GoLine) + Sync)) -> anyhow::Result<String> {
        use std::os::unix::process::CommandExt;
        install_interrupt_handler();
        check_interrupted()?;
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        let mut cmd = std::process::Command::new(&self.go);
        cmd.args(&self.args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(&self.env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        // SAFETY: the closure runs between fork and exec and only makes
        // async-signal-safe calls (prctl, getppid).
        unsafe {
            cmd.pre_exec(move || super::watchdog::die_with_parent(parent));
        }
        let mut child = cmd.spawn().map_err(|e| {
            failure(
                Exit::Toolchain,
                format!("cannot run `{}`: {e}", self.go.display()),
            )
        })?;
        let pgid = child.id() as i32;
        // Ctrl-C sends the group SIGINT (at once, when it came already).
        track(pgid, Stop::Interrupt, true);
        // Kills the group if this process dies before go does (SIGKILL included). Best
        // effort: without it, go itself still dies with us (PR_SET_PDEATHSIG).
        let watchdog = super::watchdog::Watchdog::spawn(pgid).ok();
        let said = Mutex::new(Bounded::default());
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        std::thread::scope(|scope| {
            for (stream, pipe) in [
                (
                    GoStream::Stdout,
                    stdout.map(|p| Box::new(p) as Box<dyn Read + Send>),
                ),
                (
                    GoStream::Stderr,
                    stderr.map(|p| Box::new(p) as Box<dyn Read + Send>),
                ),
            ] {
                let Some(pipe) = pipe else { continue };
                let said = &said;
                scope.spawn(move || {
                    // A read error ends that stream; go's exit status still decides.
                    let _ = read_lines(pipe, |line| {
                        if let Ok(mut b) = said.lock() {
                            b.push(stream, line, on_line);
                        }
                    });
                });
            }
            if self.env.contains_key("GOCACHEPROG") {
                // What go started and left behind (a cache program that ignores SIGINT,
                // or one still running after go failed) goes with it, and must go
                // before the readers end, which read go's pipes until every holder has
                // closed them.
                wait_exited_unreaped(pgid);
                super::interrupt::stop(pgid, Stop::KillGroup);
            }
        });
        let status = child.wait();
        track(pgid, Stop::Interrupt, false);
        drop(watchdog);
        let status = status.with_context(|| format!("waiting for `{}`", self.go.display()))?;
        let said = said.into_inner().unwrap_or_default();
        said.finish(on_line);
        check_interrupted()?;
        let text = said.text();
        if !status.success() {
            let code = match (status.code(), status.signal()) {
                (Some(c), _) => format!("status {c}"),
                (None, Some(sig)) => format!("signal {sig}{}", signal_name(sig)),
                (None, None) => "a signal".to_string(),
            };
            return Err(failure(
                Exit::GoBuild,
                format!("`go build` failed with {code}:\n{text}"),
            ));
        }
        Ok(text)
    }
}

/// ` (SIGKILL)` for the signals that end a `go build` from outside (the OOM killer, a
/// CI runner's cancel, `kill`), else nothing.
fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => " (SIGINT)",
        libc::SIGTERM => " (SIGTERM)",
        libc::SIGKILL => " (SIGKILL: killed from outside, often the OOM killer)",
        libc::SIGHUP => " (SIGHUP)",
        libc::SIGQUIT => " (SIGQUIT)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGABRT => " (SIGABRT)",
        _ => "",
    }
}

/// Waits until the process `pid` (our child) has exited, without reaping it, so its
/// id still names its process group afterwards.
fn wait_exited_unreaped(pid: libc::pid_t) {
    if pid <= 0 {
        return;
    }
    loop {
        // SAFETY: waitid writes only into the zeroed siginfo we pass.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT | libc::WNOHANG,
            )
        };
        // SAFETY: si_pid reads the field waitid filled (0 while the child runs).
        if r != 0 || unsafe { info.si_pid() } != 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_order() {
        let b = GoBuild::new(
            Path::new("/go/bin/go"),
            Path::new("/m"),
            BTreeMap::new(),
            true,
            &["netgo".into(), "osusergo".into()],
            "-s -w",
            &["-trimpath".into()],
            &["-v".into()],
            Path::new("/d/.tmp/app"),
            "./cmd/app",
        );
        assert_eq!(
            b.args,
            [
                "build",
                "-a",
                "-tags=netgo,osusergo",
                "-ldflags=-s -w",
                "-trimpath",
                "-v",
                "-o",
                "/d/.tmp/app",
                "--",
                "./cmd/app"
            ]
        );
        assert_eq!(
            b.display(),
            "/go/bin/go build -a -tags=netgo,osusergo '-ldflags=-s -w' -trimpath -v -o /d/.tmp/app -- ./cmd/app"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("abc"), "abc");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
