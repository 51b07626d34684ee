//! The smoke run of a verified artifact and the `run.smoke` check it becomes: what
//! was asked ([`SmokeRequest`]), the run, and the messages of a run that did not pass.

use std::path::Path;

use crate::error::usage;
use crate::profile::ResolvedProfile;
use crate::target::Target;
use crate::toolchain::{self, HostEnv};

/// A smoke run of each verified artifact: asked for by the profile (`smoke = [...]`) or
/// the command line (`--smoke ARGS`), unless `--no-smoke`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmokeRequest {
    pub args: Vec<String>,
    /// Where `smoke-required = true` was set, when it is: a run that cannot happen on
    /// this host (a windows artifact, no emulator) then fails instead of being skipped.
    pub required_by: Option<String>,
    /// `--smoke-timeout`, else the profile's `smoke-timeout` (default 20s).
    pub timeout: std::time::Duration,
    /// Where `smoke-isolation = "required"` was set, when it is: a run without every
    /// namespace then fails (and the artifact is not started) instead of falling back.
    pub isolation_required_by: Option<String>,
}

impl SmokeRequest {
    /// `--smoke ARGS` (split like go's flags: spaces, with quotes grouping) overrides the
    /// profile's arguments; `--no-smoke` turns the run off; `--smoke-timeout` overrides
    /// the profile's `smoke-timeout`.
    pub fn from_profile_and_flag(
        profile: &ResolvedProfile,
        flag: Option<&str>,
        no_smoke: bool,
        timeout: Option<std::time::Duration>,
    ) -> anyhow::Result<Option<SmokeRequest>> {
        if no_smoke {
            return Ok(None);
        }
        let args = match flag {
            Some(f) => Some(
                crate::verify::go_split(f)
                    .ok_or_else(|| usage(format!("--smoke {f:?}: unclosed quote")))?,
            ),
            None => profile.smoke.value.clone(),
        };
        Ok(args.map(|args| SmokeRequest {
            args,
            required_by: profile
                .smoke_required
                .value
                .then(|| profile.smoke_required.source.to_string()),
            timeout: timeout.unwrap_or(profile.smoke_timeout.value),
            isolation_required_by: (profile.smoke_isolation.value
                == crate::profile::SmokeIsolation::Required)
                .then(|| profile.smoke_isolation.source.to_string()),
        }))
    }
}

/// Runs the artifact once and turns what happened into the `run.smoke` check: `pass`
/// on exit 0, `fail` otherwise, `skip` (or `fail` with `smoke-required`) when this
/// host cannot run it, or cannot isolate it (`fail` with `smoke-isolation = "required"`
/// when it is not fully isolated). `artifact` is the verified bytes (the run gets a
/// private copy named `name`), `interpreter` its PT_INTERP, `env` the build's
/// environment (its CC names the sysroot qemu takes libraries from).
#[allow(clippy::too_many_arguments)]
pub(super) fn smoke_check(
    req: &SmokeRequest,
    target: &Target,
    artifact: &[u8],
    name: &str,
    interpreter: Option<&str>,
    env: &std::collections::BTreeMap<String, String>,
    host: &HostEnv,
    cwd: &Path,
) -> crate::verify::Check {
    use crate::verify::{Check, Status};
    let expected = format!(
        "exit 0 from `{}`",
        std::iter::once("ARTIFACT".to_string())
            .chain(req.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let runner = match toolchain::smoke::runner_for(target, interpreter, host, env, cwd) {
        Ok(r) => r,
        Err(cannot) => {
            let why = cannot.why;
            return match &req.required_by {
                None => Check {
                    id: "run.smoke".into(),
                    status: Status::Skip,
                    expected: Some(expected),
                    actual: "not run".into(),
                    message: Some(why),
                },
                Some(at) => Check {
                    id: "run.smoke".into(),
                    status: Status::Fail,
                    expected: Some(expected),
                    actual: "not run".into(),
                    message: Some(format!(
                        "{why}; smoke-required = true ({at}) makes a smoke run that cannot \
                         happen here a failure: run on a host that can run {target}, or \
                         drop smoke-required"
                    )),
                },
            };
        }
    };
    let how = runner.describe();
    let required = req.isolation_required_by.is_some();
    match toolchain::smoke::run(&runner, artifact, name, &req.args, req.timeout, required) {
        Ok(r) if !r.containment.ran() || (required && !r.containment.is_isolated()) => {
            let why = r.containment.describe();
            match (&req.isolation_required_by, &req.required_by) {
                (Some(at), _) => Check {
                    id: "run.smoke".into(),
                    status: Status::Fail,
                    expected: Some(format!("{expected}, isolated")),
                    actual: format!("not run ({how}, {why})"),
                    message: Some(format!(
                        "smoke-isolation = \"required\" ({at}) makes a smoke run without its \
                         own PID, mount and network namespaces a failure, and this one could \
                         not have them: {why}; run where the kernel allows namespaces (root, or \
                         unprivileged user namespaces), or set smoke-isolation = \"best-effort\""
                    )),
                },
                (None, Some(at)) => Check {
                    id: "run.smoke".into(),
                    status: Status::Fail,
                    expected: Some(expected),
                    actual: format!("not run ({how}, {why})"),
                    message: Some(format!(
                        "the artifact could not be kept from the tool's environment (neither \
                         namespaces nor Landlock), so it was not run; smoke-required = true \
                         ({at}) makes a smoke run that cannot happen here a failure"
                    )),
                },
                (None, None) => Check {
                    id: "run.smoke".into(),
                    status: Status::Skip,
                    expected: Some(expected),
                    actual: "not run".into(),
                    message: Some(format!(
                        "the artifact could not be kept from the tool's environment (neither \
                         namespaces nor Landlock), so it was not run: {why}"
                    )),
                },
            }
        }
        Err(e) => Check {
            id: "run.smoke".into(),
            status: Status::Fail,
            expected: Some(expected),
            actual: format!("could not start {how}"),
            message: Some(format!("{e:#}")),
        },
        Ok(r) => {
            let ok = r.code == Some(0) && !r.timed_out && !r.interrupted;
            let how = format!("({how}, {})", r.containment.describe());
            let first_line = r
                .first_line()
                .map_or(String::new(), |l| format!(": {}", clip(l, 200)));
            let actual = if r.interrupted {
                format!("interrupted {how}")
            } else if r.timed_out {
                format!(
                    "no exit within {} {how}; killed",
                    crate::profile::duration::show_duration(req.timeout)
                )
            } else {
                match (r.code, r.signal) {
                    (Some(c), _) => format!("exit {c} {how}{first_line}"),
                    (None, Some(sig)) => format!("killed by signal {sig} {how}{first_line}"),
                    (None, None) => format!("exit by signal {how}{first_line}"),
                }
            };
            Check {
                id: "run.smoke".into(),
                status: if ok { Status::Pass } else { Status::Fail },
                expected: Some(expected),
                actual,
                message: (!ok).then(|| smoke_failure(&r, &runner, interpreter, req)),
            }
        }
    }
}

/// Why a smoke run that started did not pass, and its output (stderr first: that is
/// where a failing program, qemu and the dynamic loader say why).
fn smoke_failure(
    r: &toolchain::smoke::SmokeResult,
    runner: &toolchain::smoke::Runner,
    interpreter: Option<&str>,
    req: &SmokeRequest,
) -> String {
    use toolchain::smoke::Runner;
    let err = &r.stderr.text;
    let root = match runner {
        Runner::Emulator { root: Some(r), .. } => format!(" (qemu's -L {})", r.display()),
        _ => String::new(),
    };
    let mut why = if r.timed_out {
        format!(
            "the artifact did not exit within {}: a server or a prompt waits for ever; give \
             arguments that make it exit (e.g. smoke = [\"--version\"]), or raise \
             smoke-timeout",
            crate::profile::duration::show_duration(req.timeout)
        )
    } else if err.contains("Could not open '") && matches!(runner, Runner::Emulator { .. }) {
        format!(
            "qemu found no ELF interpreter{}{root}: the artifact is dynamically linked; set \
             QEMU_LD_PREFIX to a directory holding the target's loader and libraries",
            interpreter.map_or(String::new(), |i| format!(" {i}"))
        )
    } else if err.contains("error while loading shared libraries") {
        format!(
            "the dynamic loader{root} found the artifact's loader but not a library it needs: \
             install the target's package for that library, or set QEMU_LD_PREFIX to a \
             directory that has it"
        )
    } else if r.interrupted {
        "the run was interrupted".to_string()
    } else {
        "the artifact does not start cleanly; it ran as a private copy in a private working \
         directory, stdin from /dev/null, and an environment holding only a private HOME \
         and TMPDIR (with namespaces: a read-only root, no network; see docs/security.md)"
            .to_string()
    };
    for (name, out) in [("stderr", &r.stderr), ("stdout", &r.stdout)] {
        if !out.text.trim().is_empty() {
            why.push_str(&format!(
                "\n{name}{}:\n{}",
                output_note(out),
                first_lines(&out.text)
            ));
        }
    }
    if r.stdout.bytes == 0 && r.stderr.bytes == 0 {
        why.push_str("; it printed nothing");
    }
    why
}

/// At most `max` characters of `s`, marked when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

/// The first few lines of a smoke run's output, for the report.
fn first_lines(output: &str) -> String {
    output
        .lines()
        .take(5)
        .map(|l| clip(l, 200))
        .collect::<Vec<_>>()
        .join("\n")
}

/// ` (N bytes in all; the first M kept, the rest dropped)` for a stream longer than the
/// cap.
fn output_note(out: &toolchain::smoke::Output) -> String {
    if out.truncated() {
        format!(
            " ({} bytes in all; the first {} kept, the rest dropped)",
            out.bytes,
            toolchain::smoke::OUTPUT_CAP
        )
    } else {
        String::new()
    }
}
