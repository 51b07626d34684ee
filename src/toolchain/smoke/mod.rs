//! Smoke runs: start a verified artifact once, natively when the host can run it,
//! otherwise under the matching qemu-user emulator, and contain it.
//!
//! Where it runs ([`runner_for`]): natively for the host's own OS and architecture,
//! under `qemu-<arch>-static` / `qemu-<arch>` for another Linux architecture, and not at
//! all for what this host cannot run (windows and darwin artifacts, other OSes, no
//! emulator): then the caller reports a skip with the reason. A dynamically linked
//! artifact (cgo, `-buildmode=pie`) under qemu needs the target's loader and
//! libraries: qemu gets `-L ROOT`, ROOT being the host's `QEMU_LD_PREFIX`, else the C
//! compiler's sysroot (`$CC -print-sysroot`, when it names a directory other than
//! `/`), else Debian's cross root `/usr/<triplet>` ([`library_root`]).
//!
//! Containment, whatever the artifact does (the threat model: docs/security.md):
//! - it runs a private copy of the verified bytes (mode 0555) in a private working
//!   directory, never the output cache's file nor the destination;
//! - isolation ([`Containment`]): its own PID, mount, network and UTS namespaces (and a
//!   user namespace when the tool is not root), a new root holding read-only system
//!   directories, a fresh `/proc` of its own, a minimal `/dev`, and only its private
//!   HOME, TMPDIR and working directory writable ([`sandbox`]); never host root (run by
//!   root, it runs as 65534). Where the kernel refuses namespaces: Landlock on a process
//!   group (no reads but of the system directories and `/proc`, whose other processes
//!   Landlock keeps out of reach; no writes but to the private directories; no TCP).
//!   Where neither can be had, the artifact is not run: the tool's environment may
//!   hold secrets, and without either the artifact could read them from `/proc`;
//! - its own session and process group, and with namespaces a reaper: nothing it starts
//!   (daemons that `setsid` included) outlives the run: when the artifact, PID 1 there,
//!   exits or is killed, the kernel kills the rest of the namespace;
//! - a deadline on the process, not on its output (a child holding stdout cannot stall
//!   the tool); at the deadline, on Ctrl-C/SIGTERM (the interrupt handler of
//!   [`super::interrupt`]) and at the end the whole group is killed;
//! - PR_SET_PDEATHSIG, so even a SIGKILLed tool leaves nothing behind (with a namespace);
//! - stdout and stderr captured apart, each capped at [`OUTPUT_CAP`] bytes kept, the
//!   rest counted and dropped;
//! - an empty environment but for a private `HOME` and `TMPDIR` in a temporary
//!   directory removed afterwards; stdin is /dev/null.
//!
//! The namespaces are made in-process, with no helper binary ([`contain`]): in the
//! forked child (before exec) `unshare`; the child then forks the artifact (PID 1 of the
//! namespace, which mounts the new root and its `/proc`) and stays as a small reaper
//! that mirrors its exit status and kills it when asked (SIGTERM). Without a namespace
//! the artifact is exec'd directly as the leader of its session.

//!
//! Inside an image ([`run_in_image`], `inimage`): the same containment with the image's
//! extracted root instead of the host's system directories, as the image's user.
//!
//! By responsibility: `runner` finds how the artifact can run here (natively, which
//! qemu, which library root; inside an image, which static qemu or binfmt_misc entry);
//! `capture` reads its two output streams, capped; `contain` and `sandbox` build its
//! containment; `inimage` prepares a run inside an image; this file runs it.

mod capture;
mod contain;
mod inimage;
mod runner;
mod sandbox;
#[cfg(test)]
mod tests;

use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::interrupt::{self, Stop};

pub use capture::{Output, OUTPUT_CAP};
pub use inimage::run_in_image;
pub use runner::{
    find_runner, find_runner_on, image_runner, library_root, runner_for, CannotRun, ImageRunner,
    LibraryRoot, Runner, BINFMT_MISC,
};

use crate::profile::duration::MAX_SMOKE_TIMEOUT as MAX_TIMEOUT;

use capture::{pipe, Capture, Streams};

/// How long a stop request may take before the group is killed outright.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// What kept the artifact in, and from the tool's secrets and the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Containment {
    /// PID, mount (a new root) and network namespaces of its own, and a user namespace
    /// when `user` (the tool is not root, or root could not make them without one).
    Namespaces { user: bool },
    /// No namespaces, for `why`: its own process group under Landlock rules. A process
    /// that leaves the group (`setsid`) can outlive the run.
    Landlock { why: String },
    /// Not run, for `why`: neither namespaces nor Landlock could keep the tool's
    /// environment from it (or `smoke-isolation = "required"` refused the fallback).
    Refused { why: String },
}

impl Containment {
    /// For the report: `PID, mount and network namespaces`, `process group and Landlock
    /// only: unshare: ...`, `not isolated: ...`.
    pub fn describe(&self) -> String {
        match self {
            Containment::Namespaces { user: false } => "PID, mount and network namespaces".into(),
            Containment::Namespaces { user: true } => {
                "user, PID, mount and network namespaces".into()
            }
            Containment::Landlock { why } => {
                format!("process group and Landlock only: {why}")
            }
            Containment::Refused { why } => format!("not isolated: {why}"),
        }
    }

    /// Whether the run had every namespace (what `smoke-isolation = "required"` asks).
    pub fn is_isolated(&self) -> bool {
        matches!(self, Containment::Namespaces { .. })
    }

    /// Whether the artifact ran at all.
    pub fn ran(&self) -> bool {
        !matches!(self, Containment::Refused { .. })
    }
}

/// What a smoke run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmokeResult {
    /// The exit code; `None` when killed by a signal (or at the deadline).
    pub code: Option<i32>,
    /// The signal that ended it, if one did (SIGKILL at the deadline).
    pub signal: Option<i32>,
    pub timed_out: bool,
    /// Ctrl-C or SIGTERM stopped the run; the caller exits 130.
    pub interrupted: bool,
    pub stdout: Output,
    pub stderr: Output,
    pub containment: Containment,
}

impl SmokeResult {
    /// The line that says what the run did: the first of stdout, else of stderr.
    pub fn first_line(&self) -> Option<&str> {
        self.stdout
            .first_line()
            .or_else(|| self.stderr.first_line())
    }
}

/// A private directory (owner-only, under the host's temporary directory, removed when
/// dropped) for a smoke run's files, or for an image root extracted for one; run by root,
/// handed to [`NOBODY`](contain::NOBODY), who runs the artifact (or builds its root in a
/// user namespace) and must reach it.
pub fn private_dir(prefix: &str) -> anyhow::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .map_err(|e| anyhow::anyhow!("creating a private directory for a smoke run: {e}"))?;
    hand_over(dir.path())?;
    Ok(dir)
}

/// Run by root: `dir` to [`NOBODY`](contain::NOBODY).
fn hand_over(dir: &Path) -> anyhow::Result<()> {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        let (uid, gid) = contain::NOBODY;
        std::os::unix::fs::chown(dir, Some(uid), Some(gid))
            .map_err(|e| anyhow::anyhow!("handing `{}` to uid {uid}: {e}", dir.display()))?;
    }
    Ok(())
}

/// Writes `bytes` as `dir/name` (a plain file name: `name`'s last component), mode 0555.
fn sealed_copy(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let name = Path::new(name)
        .file_name()
        .map_or_else(|| "artifact".into(), |n| n.to_owned());
    let copy = dir.join(name);
    std::fs::write(&copy, bytes)
        .map_err(|e| anyhow::anyhow!("writing `{}`: {e}", copy.display()))?;
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o555))
        .map_err(|e| anyhow::anyhow!("sealing `{}`: {e}", copy.display()))?;
    Ok(copy)
}

/// Runs a private copy of `artifact` (the verified bytes), named `name`, once with
/// `args`, contained (see the module doc), for at most `timeout`. With
/// `require_isolation` it runs only with every namespace; otherwise it falls back to
/// Landlock; where neither can be had it does not run ([`Containment::Refused`]).
/// Errors only when it cannot be started at all.
pub fn run(
    runner: &Runner,
    artifact: &[u8],
    name: &str,
    args: &[String],
    timeout: Duration,
    require_isolation: bool,
) -> anyhow::Result<SmokeResult> {
    let fail = |what: String| move |e: std::io::Error| anyhow::anyhow!("{what}: {e}");
    // The private HOME, TMPDIR and working directory (owner-only), and the mount point
    // of the new root; removed when `private` drops.
    let private = private_dir("xbuild-go-smoke-")?;
    let [home, tmp, work, root] = ["home", "tmp", "work", "root"].map(|d| private.path().join(d));
    for d in [&home, &tmp, &work, &root] {
        std::fs::create_dir(d).map_err(fail(format!("creating `{}`", d.display())))?;
    }
    // The artifact's copy stays in its working directory.
    let copy = sealed_copy(&work, name, artifact)?;
    // Run by root, the artifact runs as nobody: it must reach its own directories.
    for d in [&home, &tmp, &work] {
        hand_over(d)?;
    }

    let (program, mut argv): (PathBuf, Vec<std::ffi::OsString>) = match runner {
        Runner::Native => (copy.clone(), Vec::new()),
        Runner::Emulator { qemu, root } => {
            let mut argv = Vec::new();
            if let Some(r) = root {
                argv.push("-L".into());
                argv.push(r.clone().into_os_string());
            }
            argv.push(copy.as_os_str().to_owned());
            (qemu.clone(), argv)
        }
    };
    argv.extend(args.iter().map(Into::into));

    // What the runner needs besides the system directories: qemu and its -L root.
    let extra: Vec<PathBuf> = match runner {
        Runner::Native => Vec::new(),
        Runner::Emulator { qemu, root } => std::iter::once(qemu.clone())
            .chain(root.iter().map(|r| r.to_path_buf()))
            .collect(),
    };
    let writable = [home.as_path(), tmp.as_path(), work.as_path()];
    let new_root = sandbox::NewRoot::plan(&root, &writable, &extra, &work)
        .map_err(fail("preparing the smoke run's root".into()))?;
    let mut readable: Vec<PathBuf> = sandbox::SYSTEM.iter().map(PathBuf::from).collect();
    readable.push("/proc".into());
    readable.extend(extra.iter().cloned());
    let ruleset = sandbox::landlock_ruleset(&readable, &writable);
    let result = launch(Launch {
        program,
        argv,
        env: vec![
            ("HOME".into(), home.into_os_string()),
            ("TMPDIR".into(), tmp.into_os_string()),
        ],
        cwd: work,
        new_root,
        landlock: ruleset,
        require_isolation,
        no_fallback: "smoke-isolation = \"required\" allows no fallback",
        ids: None,
        timeout,
    });
    drop(private);
    result
}

/// A contained process to start: what [`launch`] needs, prepared.
struct Launch {
    program: PathBuf,
    argv: Vec<std::ffi::OsString>,
    /// The whole environment (nothing of the tool's).
    env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
    /// The working directory on the host, entered before the hook runs (and the one of
    /// the Landlock fallback); the new root's own `Chdir` step follows it.
    cwd: PathBuf,
    new_root: sandbox::NewRoot,
    landlock: Result<std::os::fd::OwnedFd, i32>,
    require_isolation: bool,
    /// Why a run that must have its namespaces has no fallback (for the report).
    no_fallback: &'static str,
    /// Who the artifact runs as inside (`None`: the tool's ids, 65534 for root).
    ids: Option<(u32, u32)>,
    timeout: Duration,
}

/// Starts the process in its containment ([`contain::Hook`]), captures its output, and
/// stops it at the deadline or on Ctrl-C; what it did.
fn launch(l: Launch) -> anyhow::Result<SmokeResult> {
    let timeout = l.timeout.min(MAX_TIMEOUT);
    let program = l.program;
    let start_error =
        |e: std::io::Error| anyhow::anyhow!("cannot start `{}`: {e}", program.display());
    let step = {
        let what = l.new_root.what.clone();
        let ids = l.ids;
        let no_fallback = l.no_fallback;
        move |s: u16| -> String {
            match s {
                contain::STEP_NONE => "no reason given".into(),
                contain::STEP_UNSHARE => "unshare".into(),
                contain::STEP_ID_MAP => "mapping ids in the user namespace".into(),
                contain::STEP_DROP => {
                    format!("dropping to uid {}", ids.unwrap_or(contain::NOBODY).0)
                }
                contain::STEP_FORK => "fork".into(),
                contain::STEP_LANDLOCK => "Landlock".into(),
                contain::STEP_REQUIRED => no_fallback.into(),
                contain::STEP_CAPS => "dropping the capabilities of uid 0".into(),
                s => what
                    .get(usize::from(s.saturating_sub(contain::STEP_OP)))
                    .cloned()
                    .unwrap_or_else(|| format!("step {s}")),
            }
        }
    };

    let (out_r, out_w) = pipe().map_err(start_error)?;
    let (err_r, err_w) = pipe().map_err(start_error)?;
    let (report_r, report_w) = pipe().map_err(start_error)?;
    let mut cmd = Command::new(&program);
    cmd.args(&l.argv)
        .current_dir(&l.cwd)
        .env_clear()
        .envs(l.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::from(out_w))
        .stderr(Stdio::from(err_w));
    let work_c = std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(l.cwd.as_os_str()))
        .map_err(|_| anyhow::anyhow!("`{}` holds a NUL byte", l.cwd.display()))?;
    let hook = contain::Hook::new(
        report_w.as_raw_fd(),
        l.new_root.ops,
        l.landlock.as_ref().map(|fd| fd.as_raw_fd()).map_err(|e| *e),
        work_c,
        l.require_isolation,
        l.ids,
    );
    // SAFETY: the hook runs between fork and exec and makes only async-signal-safe
    // system calls on data prepared before the fork (no allocation, no locks).
    unsafe {
        cmd.pre_exec(move || hook.run());
    }
    let spawned = cmd.spawn();
    // Our copies of the pipes' write ends go now, so their readers see EOF when the
    // artifact's processes are gone.
    drop(cmd);
    drop(report_w);
    drop(l.landlock);
    let mut child = spawned.map_err(start_error)?;
    let pid = child.id() as libc::pid_t;
    let report = contain::read_report(report_r, step);
    let containment = report.containment;
    // With a namespace the leader is the reaper: asked, it kills PID 1 and exits once
    // the namespace is empty.
    let ask = if report.reaper {
        Stop::AskReaper
    } else {
        Stop::KillGroup
    };
    interrupt::track(pid, ask, true);
    let mut output = Streams {
        out: Capture::new(out_r),
        err: Capture::new(err_r),
    };
    let started = Instant::now();
    let deadline = started + timeout;
    let mut stopping: Option<(Instant, bool)> = None;
    loop {
        output.pump(Duration::from_millis(20));
        if exited(pid) {
            break;
        }
        let now = Instant::now();
        match stopping {
            None if interrupt::interrupted() || now >= deadline => {
                interrupt::stop(pid, ask);
                stopping = Some((now, interrupt::interrupted()));
            }
            Some((at, _)) if now.duration_since(at) > STOP_GRACE => {
                interrupt::stop(pid, Stop::KillGroup);
            }
            _ => {}
        }
    }
    // While the leader is unreaped its pid (the group's id) cannot be reused: kill what
    // is left of the group (without a namespace, children that stayed in it).
    interrupt::stop(pid, Stop::KillGroup);
    interrupt::track(pid, ask, false);
    let status = child.wait();
    let status = status.map_err(|e| anyhow::anyhow!("waiting for `{}`: {e}", program.display()))?;
    // Every writer in the group or namespace is gone; one that left the group may still
    // hold a pipe, so the rest of the output is not awaited long.
    let grace = Instant::now() + Duration::from_millis(200);
    while !output.eof() && Instant::now() < grace {
        output.pump(Duration::from_millis(20));
    }

    let interrupted = matches!(stopping, Some((_, true))) || interrupt::interrupted();
    let timed_out = matches!(stopping, Some((_, false)));
    Ok(SmokeResult {
        code: if stopping.is_some() {
            None
        } else {
            status.code()
        },
        signal: status.signal(),
        timed_out,
        interrupted,
        stdout: output.out.finish(),
        stderr: output.err.finish(),
        containment,
    })
}

/// Whether our child `pid` has exited, without reaping it (so its pid stays reserved).
fn exited(pid: libc::pid_t) -> bool {
    // SAFETY: waitid fills the zeroed siginfo; WNOWAIT leaves the child waitable.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let r = libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        r == 0 && info.si_pid() == pid
    }
}
