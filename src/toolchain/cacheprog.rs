//! The remote Go build cache program (`GOCACHEPROG`, issue 22): the command resolved
//! before anything runs (its executable on `PATH` or absolute, its sha256, a go that
//! supports it), the wrapper go starts in its place (the tool re-invoked as
//! `__cache-program SPEC FAULT`, which adds the `cache-program-env` variables, checks
//! the executable's sha256 and relays the program's answers, noting the first error
//! one carries), and doctor's live handshake.
//!
//! Secrets never travel on a command line: go prints `GOCACHEPROG` in errors and in
//! `go env`, so it names only the wrapper and a spec file (mode 0600, in a private
//! directory removed when the run ends) that holds the program's arguments and the
//! values of `cache-program-env`.

use std::collections::BTreeMap;
use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{failure, Exit};
use crate::profile::GoVersion;

use super::childenv::{ChildEnv, Origin};
use super::hostenv::HostEnv;

/// The first argument of the hidden wrapper mode.
pub const WRAPPER_ARG: &str = "__cache-program";

/// The oldest go whose `GOCACHEPROG` is generally available.
pub const MIN_GO: (u32, u32) = (1, 24);

/// How long doctor's handshake may wait for the program's capabilities line.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A cache program resolved before anything runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheProgram {
    /// The executable's file name (`go-cacher`), for the Finished line.
    pub name: String,
    /// The executable that runs (absolute).
    pub path: PathBuf,
    /// The executable's sha256, checked again by the wrapper before it starts it.
    pub sha256: String,
    /// The arguments after the program, as written (may hold secrets: never shown).
    pub args: Vec<String>,
    /// Where the command came from (`cache-program (FILE:LINE)`, `--cache-program`,
    /// `host GOCACHEPROG`).
    pub from: String,
    /// The host variables `cache-program-env` passes to the program's environment.
    pub env_names: Vec<String>,
}

/// The cache program as reports and evidence show it: the arguments redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shown {
    pub name: String,
    pub path: String,
    pub sha256: String,
    pub args: Vec<String>,
    pub from: String,
    /// The names of the variables passed to it (never their values).
    pub env: Vec<String>,
}

/// Splits a `GOCACHEPROG` command as go does (cmd/internal/quoted: fields separated by
/// spaces, a field starting with a quote runs to the same quote).
pub fn split(command: &str) -> Result<Vec<String>, String> {
    let words = crate::verify::go_split(command)
        .ok_or_else(|| format!("`{command}` has an unclosed quote"))?;
    if words.is_empty() {
        return Err("it names no program".to_string());
    }
    if command.contains(['\0', '\n', '\r']) {
        return Err("it holds a NUL or line break".to_string());
    }
    Ok(words)
}

impl CacheProgram {
    /// The arguments with secrets hidden.
    pub fn shown_args(&self) -> Vec<String> {
        crate::sanitize::redact::arguments(&self.args)
    }

    /// The command line with secrets hidden, for `-v` and errors.
    pub fn shown_command(&self) -> String {
        std::iter::once(self.path.display().to_string())
            .chain(self.shown_args())
            .map(|a| super::run::shell_quote(&a))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// What reports and evidence record.
    pub fn shown(&self) -> Shown {
        Shown {
            name: self.name.clone(),
            path: self.path.display().to_string(),
            sha256: self.sha256.clone(),
            args: self.shown_args(),
            from: self.from.clone(),
            env: self.env_names.clone(),
        }
    }
}

/// The hint every cache program failure ends with.
pub const NO_CACHE_HINT: &str = "build without it with --no-cache-program";

/// Resolves `command` (from `from`): the program found on `PATH` (or as a path against
/// `cwd`), hashed; `go_version`, when known, must be 1.24 or newer. Exit 2 for a
/// command that cannot be split, exit 4 for a program not found or a go too old.
pub fn resolve(
    command: &str,
    from: &str,
    env_names: &[String],
    host: &HostEnv,
    cwd: &Path,
    go_version: Option<&GoVersion>,
) -> anyhow::Result<CacheProgram> {
    let words = split(command)
        .map_err(|e| crate::error::usage(format!("{from}: cache program `{command}`: {e}")))?;
    let program = Path::new(&words[0]);
    let name = program
        .file_name()
        .map_or_else(|| words[0].clone(), |n| n.to_string_lossy().into_owned());
    if let Some(v) = go_version {
        if (v.major, v.minor) < MIN_GO {
            return Err(failure(
                Exit::Toolchain,
                format!(
                    "{from}: the cache program `{name}` needs go >= {}.{} (GOCACHEPROG), but \
                     the go found is go{v}: install Go {}.{} or newer, or {NO_CACHE_HINT}",
                    MIN_GO.0, MIN_GO.1, MIN_GO.0, MIN_GO.1
                ),
            ));
        }
    }
    let found = if program.is_absolute() || words[0].contains('/') {
        let p = cwd.join(program);
        p.is_file().then_some(p)
    } else {
        let path_var = host.get("PATH").cloned().unwrap_or_default();
        which::which_in(program, Some(path_var), cwd).ok()
    };
    let Some(path) = found else {
        return Err(crate::error::helped(
            Exit::Toolchain,
            format!(
                "{from}: the cache program `{name}` was not found{}",
                if program.is_absolute() || words[0].contains('/') {
                    String::new()
                } else {
                    " on PATH".to_string()
                }
            ),
            format!("install it, or {NO_CACHE_HINT}"),
        ));
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        failure(
            Exit::Toolchain,
            format!("{from}: reading the cache program {}: {e}", path.display()),
        )
    })?;
    Ok(CacheProgram {
        name,
        sha256: crate::digest::sha256_hex(&bytes),
        path: std::fs::canonicalize(&path).unwrap_or(path),
        args: words[1..].to_vec(),
        from: from.to_string(),
        env_names: env_names.to_vec(),
    })
}

/// What the wrapper reads from its spec file.
#[derive(Debug, Serialize, Deserialize)]
struct Spec {
    path: PathBuf,
    sha256: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
}

/// The private directory of one run's spec files; removed when dropped.
#[derive(Debug)]
pub struct Session {
    dir: tempfile::TempDir,
    exe: PathBuf,
    next: std::sync::atomic::AtomicUsize,
}

/// A cache program attached to one build: the `GOCACHEPROG` go gets and where the
/// wrapper notes a failure of the program.
#[derive(Debug, Clone)]
pub struct Attached {
    pub program: CacheProgram,
    pub gocacheprog: String,
    pub fault: PathBuf,
}

impl Session {
    /// A fresh private directory (0700) under the host's TMPDIR.
    pub fn new(host: &HostEnv) -> anyhow::Result<Session> {
        let exe = std::env::current_exe().map_err(|e| {
            failure(
                Exit::Toolchain,
                format!(
                    "cannot find this tool's own executable for the cache program wrapper: {e}"
                ),
            )
        })?;
        let mut b = tempfile::Builder::new();
        b.prefix("xbuild-go-cacheprog-");
        let dir = match host.get("TMPDIR").filter(|t| !t.is_empty()) {
            Some(t) => b.tempdir_in(t),
            None => b.tempdir(),
        }
        .map_err(|e| {
            failure(
                Exit::Toolchain,
                format!("creating a private directory for the cache program: {e}"),
            )
        })?;
        Ok(Session {
            dir,
            exe,
            next: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// Writes the spec of `program` (with the values of its `cache-program-env` from
    /// `host`; unset ones are left out) and returns what a build's environment gets.
    pub fn attach(&self, program: &CacheProgram, host: &HostEnv) -> anyhow::Result<Attached> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let spec = Spec {
            path: program.path.clone(),
            sha256: program.sha256.clone(),
            args: program.args.clone(),
            env: program
                .env_names
                .iter()
                .filter_map(|k| host.get(k).map(|v| (k.clone(), v.clone())))
                .collect(),
        };
        let spec_path = self.dir.path().join(format!("spec-{n}.json"));
        let fault = self.dir.path().join(format!("fault-{n}"));
        let text = serde_json::to_vec(&spec)?;
        let written =
            crate::privfs::create_new(&spec_path, 0o600).and_then(|mut f| f.write_all(&text));
        written.map_err(|e| {
            failure(
                Exit::Toolchain,
                format!(
                    "writing the cache program's spec {}: {e}",
                    spec_path.display()
                ),
            )
        })?;
        let quote = |p: &Path| {
            crate::profile::go_quote(&p.display().to_string()).map_err(|_| {
                failure(
                    Exit::Toolchain,
                    format!(
                        "`{}` cannot be quoted for GOCACHEPROG (a space and both kinds of quote)",
                        p.display()
                    ),
                )
            })
        };
        let gocacheprog = format!(
            "{} {WRAPPER_ARG} {} {}",
            quote(&self.exe)?,
            quote(&spec_path)?,
            quote(&fault)?
        );
        Ok(Attached {
            program: program.clone(),
            gocacheprog,
            fault,
        })
    }
}

impl Attached {
    /// Sets `GOCACHEPROG` of a build's environment to the wrapper.
    pub fn apply(&self, env: &mut ChildEnv) {
        env.vars
            .insert("GOCACHEPROG".into(), self.gocacheprog.clone());
        env.origins.insert(
            "GOCACHEPROG".into(),
            Origin::CacheProgram {
                by: self.program.from.clone(),
            },
        );
    }

    /// What the wrapper noted about the program (its first error), if anything.
    pub fn fault(&self) -> Option<String> {
        let bytes = crate::privfs::read_own(&self.fault, 64 * 1024)
            .ok()
            .flatten()?;
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        (!text.is_empty()).then_some(text)
    }
}

/// Whether go's stderr says the cache program failed (go's own GOCACHEPROG errors).
pub fn go_blames_program(stderr: &str) -> bool {
    stderr.contains("GOCACHEPROG")
}

/// Drops a host `GOCACHEPROG` (`--no-cache-program`, or replaced by the profile's).
pub fn drop_host(env: &mut ChildEnv, why: &str) {
    if let Some(Origin::Host | Origin::GoEnvFile { .. }) = env.origins.get("GOCACHEPROG") {
        let from = match env.origins.get("GOCACHEPROG") {
            Some(Origin::GoEnvFile { file }) => file.display().to_string(),
            _ => "host".to_string(),
        };
        env.vars.remove("GOCACHEPROG");
        env.origins.remove("GOCACHEPROG");
        env.dropped.push(crate::envvars::Dropped {
            name: "GOCACHEPROG".into(),
            from,
            reason: why.to_string(),
        });
    }
}

/// Notes `text` (once: the first fault wins) in the fault file.
fn note_fault(fault: &Path, text: &str) {
    if let Ok(mut f) = crate::privfs::create_new(fault, 0o600) {
        let _ = f.write_all(text.as_bytes());
    }
}

/// The hidden wrapper mode: `__cache-program SPEC FAULT`. Reads the spec, checks the
/// program's sha256, starts it with this process's environment (go's) plus the spec's
/// variables, and relays its answers to go, noting the first `Err` one carries (or a
/// start failure, or an exit before go closed it) in FAULT. Returns the exit code.
pub fn wrapper(args: &[std::ffi::OsString]) -> Result<i32, String> {
    let [spec_path, fault] = args else {
        return Err(format!(
            "usage: {WRAPPER_ARG} SPEC FAULT (started by go as GOCACHEPROG, never by hand)"
        ));
    };
    let fault = Path::new(fault);
    let fail = |text: String| {
        note_fault(fault, &text);
        text
    };
    let bytes = crate::privfs::read_own(Path::new(spec_path), 1 << 20)
        .map_err(|e| fail(format!("reading the cache program spec: {e}")))?
        .ok_or_else(|| fail("the cache program spec is gone (the run ended?)".to_string()))?;
    let spec: Spec = serde_json::from_slice(&bytes)
        .map_err(|e| fail(format!("the cache program spec is unreadable: {e}")))?;
    let shown = spec.path.display().to_string();
    let exe = std::fs::read(&spec.path)
        .map_err(|e| fail(format!("cannot read the cache program {shown}: {e}")))?;
    if crate::digest::sha256_hex(&exe) != spec.sha256 {
        return Err(fail(format!(
            "the cache program {shown} changed since it was resolved (sha256 differs)"
        )));
    }
    let mut child = std::process::Command::new(&spec.path)
        .args(&spec.args)
        .envs(&spec.env)
        .stdin(std::process::Stdio::inherit())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .map_err(|e| fail(format!("cannot start the cache program {shown}: {e}")))?;
    let mut noted = false;
    let mut closed = false;
    if let Some(out) = child.stdout.take() {
        // Not output for people: go started the wrapper with stdout a pipe it reads
        // the protocol from, and the program's answers go back through it unchanged.
        let mut to_go = std::io::stdout().lock();
        let mut reader = std::io::BufReader::new(out);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if !noted {
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&line) {
                    if let Some(err) = v
                        .get("Err")
                        .and_then(|e| e.as_str())
                        .filter(|e| !e.is_empty())
                    {
                        noted = true;
                        note_fault(fault, err);
                    }
                }
            }
            if to_go.write_all(&line).and_then(|_| to_go.flush()).is_err() {
                closed = true;
                break;
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| fail(format!("waiting for the cache program {shown}: {e}")))?;
    if !status.success() && !closed && !noted {
        note_fault(
            fault,
            &format!("the cache program {shown} exited with {status}"),
        );
    }
    Ok(status.code().unwrap_or(1))
}

/// Doctor's live handshake: starts the program (its own process group, the
/// environment `env`, stdin and stdout piped, in `/`), reads its first line, which
/// must list its `KnownCommands`, then closes it. Bounded by `timeout`; the group is
/// killed whatever happens.
pub fn handshake(
    program: &CacheProgram,
    env: &BTreeMap<String, String>,
    timeout: Duration,
) -> Result<Vec<String>, String> {
    use std::os::unix::process::CommandExt as _;
    let shown = program.shown_command();
    let mut child = std::process::Command::new(&program.path)
        .args(&program.args)
        .env_clear()
        .envs(env)
        .current_dir("/")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    let pgid = child.id() as libc::pid_t;
    let (tx, rx) = std::sync::mpsc::channel();
    if let Some(out) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut line = String::new();
            let r = std::io::BufReader::new(out).read_line(&mut line);
            let _ = tx.send(r.map(|_| line));
        });
    }
    let answer = rx.recv_timeout(timeout);
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"{\"ID\":1,\"Command\":\"close\"}\n");
    }
    // Whatever it said, the program and anything it started go now (the leader is
    // unreaped until the wait below, so the group id is still ours).
    super::interrupt::stop(pgid, super::interrupt::Stop::KillGroup);
    let _ = child.wait();
    let line = match answer {
        Ok(Ok(line)) if !line.trim().is_empty() => line,
        Ok(Ok(_)) => return Err(format!("`{shown}` exited without a capabilities line")),
        Ok(Err(e)) => return Err(format!("reading from `{shown}`: {e}")),
        Err(_) => {
            return Err(format!(
                "`{shown}` sent no capabilities line within {} s",
                timeout.as_secs()
            ))
        }
    };
    #[derive(Deserialize)]
    struct Hello {
        #[serde(rename = "KnownCommands", default)]
        known: Vec<String>,
    }
    let hello: Hello = serde_json::from_str(line.trim())
        .map_err(|e| format!("`{shown}` answered no GOCACHEPROG capabilities line: {e}"))?;
    if hello.known.is_empty() {
        return Err(format!("`{shown}` declared no known commands"));
    }
    Ok(hello.known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_shown_without_secrets() {
        let p = CacheProgram {
            name: "go-cacher".into(),
            path: "/bin/go-cacher".into(),
            sha256: "00".into(),
            args: vec![
                "--cache-server=https://u:hunter22@cache.example/x?token=abc123".into(),
                "--access-token=s3cr3tvalue".into(),
                "--access-token".into(),
                "s3cr3tvalue".into(),
                "--verbose".into(),
                "--cache-dir=/c".into(),
            ],
            from: "test".into(),
            env_names: vec![],
        };
        let shown = p.shown_args();
        assert_eq!(
            shown,
            [
                "--cache-server=https://u:***@cache.example/x?token=***",
                "--access-token=***",
                "--access-token",
                "***",
                "--verbose",
                "--cache-dir=/c"
            ],
            "redacted arguments"
        );
        assert!(!p.shown_command().contains("hunter22"), "command line");
    }

    #[test]
    fn split_as_go_does() {
        for (cmd, want) in [
            ("go-cacher --x=1", Ok(vec!["go-cacher", "--x=1"])),
            ("'/a b/c' -v", Ok(vec!["/a b/c", "-v"])),
            ("  ", Err(())),
            ("'unclosed", Err(())),
        ] {
            let got = split(cmd).map_err(|_| ());
            let want = want.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(got, want, "split {cmd:?}");
        }
    }
}
