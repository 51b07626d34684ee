//! Running `go build` in its own process group, so Ctrl-C stops the whole build and
//! the caller can clean up before exiting 130; the group dies with the tool even on
//! SIGKILL (see [`super::watchdog`]).

use anyhow::Context;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{failure, Exit};

use super::interrupt::{check_interrupted, install_interrupt_handler};
use super::interrupt::{track, Stop};

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

    /// Runs go build. Its stderr is passed through unchanged (or captured and returned,
    /// with `capture`); its stdout goes to our stderr so our stdout stays machine-readable.
    /// A non-zero exit is exit 3, Ctrl-C exit 130.
    pub fn run(&self, capture: bool) -> anyhow::Result<String> {
        install_interrupt_handler();
        check_interrupted()?;
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        let mut expr = duct::cmd(&self.go, &self.args)
            .dir(&self.dir)
            .full_env(&self.env)
            .stdout_to_stderr()
            .unchecked()
            .before_spawn(move |cmd| {
                use std::os::unix::process::CommandExt;
                cmd.process_group(0);
                // SAFETY: the closure runs between fork and exec and only makes
                // async-signal-safe calls (prctl, getppid).
                unsafe {
                    cmd.pre_exec(move || super::watchdog::die_with_parent(parent));
                }
                Ok(())
            });
        if capture {
            expr = expr.stderr_capture();
        }
        let handle = expr.start().map_err(|e| {
            failure(
                Exit::Toolchain,
                format!("cannot run `{}`: {e}", self.go.display()),
            )
        })?;
        let pgid = handle.pids().first().map_or(0, |p| *p as i32);
        // Ctrl-C sends the group SIGINT (at once, when it came already).
        track(pgid, Stop::Interrupt, true);
        // Kills the group if this process dies before go does (SIGKILL included). Best
        // effort: without it, go itself still dies with us (PR_SET_PDEATHSIG).
        let watchdog = super::watchdog::Watchdog::spawn(pgid).ok();
        if self.env.contains_key("GOCACHEPROG") {
            // What go started and left behind (a cache program that ignores SIGINT, or
            // one still running after go failed) goes with it, and must go before the
            // wait below, which reads go's stderr until every holder has closed it.
            wait_exited_unreaped(pgid);
            super::interrupt::stop(pgid, Stop::KillGroup);
        }
        let out = handle.wait().cloned();
        track(pgid, Stop::Interrupt, false);
        drop(watchdog);
        let out = out.with_context(|| format!("waiting for `{}`", self.go.display()))?;
        check_interrupted()?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() {
            let code = out
                .status
                .code()
                .map_or("a signal".to_string(), |c| format!("status {c}"));
            return Err(failure(
                Exit::GoBuild,
                format!(
                    "`go build` failed with {code}{}",
                    if capture {
                        format!(":\n{stderr}")
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        Ok(stderr)
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
