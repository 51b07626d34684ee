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
//! - isolation ([`Containment`]): its own PID, mount and network namespaces (and a user
//!   namespace when the tool is not root), a new root holding read-only system
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
//!   the tool); at the deadline, on Ctrl-C/SIGTERM (the interrupt handler in
//!   [`super::run`] calls [`stop_all`]) and at the end the whole group is killed;
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

mod contain;
mod sandbox;

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::target::{Format, Target};

use super::run as interrupt;
use super::HostEnv;

pub use crate::profile::duration::{
    parse_smoke_timeout as parse_timeout, DEFAULT_SMOKE_TIMEOUT as DEFAULT_TIMEOUT,
    MAX_SMOKE_TIMEOUT as MAX_TIMEOUT,
};

/// Output kept from each of a smoke run's streams (stdout, stderr); the rest is counted
/// and dropped.
pub const OUTPUT_CAP: usize = 64 << 10;

/// How long a stop request may take before the group is killed outright.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// How an artifact can be started on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runner {
    Native,
    /// Under qemu-user; `root` is its `-L` (where the target's loader and libraries are
    /// found), for dynamically linked artifacts.
    Emulator {
        qemu: PathBuf,
        root: Option<PathBuf>,
    },
}

impl Runner {
    /// `natively`, `under qemu-aarch64-static`, or with a library root
    /// `under qemu-aarch64-static -L /usr/aarch64-linux-gnu`.
    pub fn describe(&self) -> String {
        match self {
            Runner::Native => "natively".to_string(),
            Runner::Emulator { qemu, root } => {
                let name = qemu.file_name().map_or_else(
                    || qemu.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                match root {
                    None => format!("under {name}"),
                    Some(r) => format!("under {name} -L {}", r.display()),
                }
            }
        }
    }
}

/// Why an artifact cannot run on this host (the `run.smoke` check is then skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannotRun {
    /// E.g. `qemu-user cannot run PE files: ...`, or `no qemu-riscv64-static or
    /// qemu-riscv64 on PATH (install qemu-user-static)`.
    pub why: String,
    /// What to install or set on this host so it can, when something would.
    pub fix: Option<String>,
}

impl CannotRun {
    fn never(why: String) -> CannotRun {
        CannotRun { why, fix: None }
    }
}

impl std::fmt::Display for CannotRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

/// Finds a way to run `target` on this host: natively, or `qemu-<arch>-static` /
/// `qemu-<arch>` on the host PATH; otherwise why it cannot run here.
pub fn find_runner(target: &Target, host: &HostEnv, cwd: &Path) -> Result<Runner, CannotRun> {
    find_runner_on(crate::target::host(), target, host, cwd)
}

/// [`find_runner`] for a host of the given GOOS/GOARCH (doctor names the host go reports).
pub fn find_runner_on(
    (os, arch): (&str, &str),
    target: &Target,
    host: &HostEnv,
    cwd: &Path,
) -> Result<Runner, CannotRun> {
    if target.goos() == os && target.goarch() == arch {
        return Ok(Runner::Native);
    }
    let elsewhere = format!(
        "{} artifacts do not run on this {os}/{arch} host",
        target.goos()
    );
    match target.format() {
        Format::Pe => {
            return Err(CannotRun::never(format!(
                "qemu-user cannot run PE files: {elsewhere}"
            )))
        }
        Format::Macho => {
            return Err(CannotRun::never(format!(
                "qemu-user cannot run Mach-O files: {elsewhere}"
            )))
        }
        _ if target.goos() != "linux" => {
            return Err(CannotRun::never(format!(
                "qemu-user runs Linux binaries only: {elsewhere}"
            )))
        }
        _ => {}
    }
    if os != "linux" {
        return Err(CannotRun::never(format!(
            "qemu-user runs Linux binaries on Linux hosts only: this {os}/{arch} host cannot \
             run {target}"
        )));
    }
    if target.goarch() == arch {
        return Ok(Runner::Native);
    }
    let Some(qemu) = target.arch().and_then(|a| a.qemu) else {
        return Err(CannotRun::never(format!(
            "no qemu-user emulator exists for {}",
            target.goarch()
        )));
    };
    let path = host.get("PATH").cloned().unwrap_or_default();
    let names = [format!("qemu-{qemu}-static"), format!("qemu-{qemu}")];
    names
        .iter()
        .find_map(|name| which::which_in(name, Some(&path), cwd).ok())
        .map(|qemu| Runner::Emulator { qemu, root: None })
        .ok_or_else(|| CannotRun {
            why: format!(
                "no {} or {} on PATH (install qemu-user-static)",
                names[0], names[1]
            ),
            fix: Some(
                "install qemu-user-static (Debian/Ubuntu: apt-get install qemu-user-static)".into(),
            ),
        })
}

/// Where qemu finds a target's loader and libraries (its `-L`), and why that directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryRoot {
    pub dir: PathBuf,
    /// `QEMU_LD_PREFIX`, `` `aarch64-linux-gnu-gcc -print-sysroot` ``, or `Debian's
    /// cross root for aarch64-linux-gnu`.
    pub from: String,
}

/// The directory qemu-user should take the target's loader and libraries from: the
/// host's `QEMU_LD_PREFIX` when set, else the sysroot the C compiler (`CC` of the
/// build's environment `env`) prints for `-print-sysroot` when that is an existing
/// directory other than `/` (Debian's cross compilers print `/` or nothing), else
/// Debian's cross root `/usr/<triplet>` when it exists. Otherwise why there is none.
/// Runs the C compiler (with `env`, like go does) when CC is set.
pub fn library_root(
    target: &Target,
    host: &HostEnv,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Result<LibraryRoot, String> {
    if let Some(prefix) = host.get("QEMU_LD_PREFIX").filter(|p| !p.is_empty()) {
        let dir = cwd.join(prefix);
        return if dir.is_dir() {
            Ok(LibraryRoot {
                dir,
                from: "QEMU_LD_PREFIX".into(),
            })
        } else {
            Err(format!("QEMU_LD_PREFIX={prefix} is not a directory"))
        };
    }
    let mut tried = Vec::new();
    if let Some(cc) = env.get("CC").filter(|c| !c.trim().is_empty()) {
        match cc_sysroot(cc, env, cwd) {
            Ok(Some(dir)) => {
                return Ok(LibraryRoot {
                    dir,
                    from: format!("`{cc} -print-sysroot`"),
                })
            }
            Ok(None) => tried.push(format!("`{cc} -print-sysroot` names no sysroot")),
            Err(e) => tried.push(e),
        }
    }
    match target.gnu_triplet() {
        Some(triplet) => {
            let dir = PathBuf::from("/usr").join(triplet);
            if dir.is_dir() {
                return Ok(LibraryRoot {
                    dir,
                    from: format!("Debian's cross root for {triplet}"),
                });
            }
            tried.push(format!("{} does not exist", dir.display()));
        }
        None => tried.push(format!("no Debian cross root is known for {target}")),
    }
    Err(tried.join("; "))
}

/// What `CC -print-sysroot` names, when it is an existing directory other than `/`.
fn cc_sysroot(
    cc: &str,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Result<Option<PathBuf>, String> {
    let words = crate::verify::go_split(cc).unwrap_or_default();
    let Some((program, args)) = words.split_first() else {
        return Ok(None);
    };
    let path = env.get("PATH").map(String::as_str).unwrap_or("");
    let program = which::which_in(program, Some(path), cwd)
        .map_err(|_| format!("CC `{program}` is not on PATH"))?;
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.push("-print-sysroot");
    let out = super::probe::probe(&program, &args, env)?;
    let printed = out.trim();
    if printed.is_empty() {
        return Ok(None);
    }
    let dir = cwd.join(printed);
    let is_root = std::fs::canonicalize(&dir).is_ok_and(|d| d == Path::new("/"));
    Ok((dir.is_dir() && !is_root).then_some(dir))
}

/// How to run this artifact here: [`find_runner`], and for a dynamically linked one
/// (`interpreter` is its PT_INTERP) where its loader is: natively the host's; under
/// qemu in the [`library_root`] (qemu's `-L`), else the host's own root (a multiarch
/// host). Otherwise why it cannot run here, with what to install.
pub fn runner_for(
    target: &Target,
    interpreter: Option<&str>,
    host: &HostEnv,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Result<Runner, CannotRun> {
    runner_for_on(crate::target::host(), target, interpreter, host, env, cwd)
}

/// [`runner_for`] for a host of the given GOOS/GOARCH.
pub fn runner_for_on(
    on: (&str, &str),
    target: &Target,
    interpreter: Option<&str>,
    host: &HostEnv,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> Result<Runner, CannotRun> {
    let runner = find_runner_on(on, target, host, cwd)?;
    let Some(loader) = interpreter else {
        return Ok(runner);
    };
    let exists = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    let qemu = match runner {
        Runner::Native if exists(Path::new(loader)) => return Ok(Runner::Native),
        Runner::Native => {
            return Err(CannotRun::never(format!(
                "the artifact is dynamically linked and this host has no {loader}, its loader"
            )))
        }
        Runner::Emulator { qemu, .. } => qemu,
    };
    let root = library_root(target, host, env, cwd);
    if let Ok(r) = &root {
        if exists(&r.dir.join(loader.trim_start_matches('/'))) {
            return Ok(Runner::Emulator {
                qemu,
                root: Some(r.dir.clone()),
            });
        }
    }
    // qemu falls back to the host's own files: a multiarch host may have the loader.
    if exists(Path::new(loader)) {
        return Ok(Runner::Emulator { qemu, root: None });
    }
    let looked = match &root {
        Ok(r) => format!("{} ({}) has none", r.dir.display(), r.from),
        Err(why) => why.clone(),
    };
    let install = match super::locate::cross_compiler(target) {
        Some((_, pkg)) => format!(
            "install {pkg} (it brings the target's C library{}) or ",
            target
                .gnu_triplet()
                .map_or(String::new(), |t| format!(" under /usr/{t}"))
        ),
        None => String::new(),
    };
    let fix = format!(
        "{install}set QEMU_LD_PREFIX to a directory holding the target's loader and libraries"
    );
    Err(CannotRun {
        why: format!(
            "qemu finds no {loader} for this dynamically linked artifact: {looked}, nor has \
             this host one; {fix}"
        ),
        fix: Some(fix),
    })
}

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

/// What one stream of a smoke run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// The first [`OUTPUT_CAP`] bytes, as text (invalid UTF-8 replaced).
    pub text: String,
    /// Every byte written, kept or dropped.
    pub bytes: u64,
}

impl Output {
    /// Whether bytes were dropped past the cap.
    pub fn truncated(&self) -> bool {
        self.bytes > OUTPUT_CAP as u64
    }

    /// The first line that is not blank.
    pub fn first_line(&self) -> Option<&str> {
        self.text.lines().find(|l| !l.trim().is_empty())
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
    use std::os::unix::fs::PermissionsExt as _;
    let timeout = timeout.min(MAX_TIMEOUT);
    let fail = |what: String| move |e: std::io::Error| anyhow::anyhow!("{what}: {e}");
    // The private HOME, TMPDIR and working directory (owner-only), and the mount point
    // of the new root; removed when `private` drops.
    let private = tempfile::Builder::new()
        .prefix("xbuild-go-smoke-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .map_err(fail("creating the smoke run's private directory".into()))?;
    let [home, tmp, work, root] = ["home", "tmp", "work", "root"].map(|d| private.path().join(d));
    for d in [&home, &tmp, &work, &root] {
        std::fs::create_dir(d).map_err(fail(format!("creating `{}`", d.display())))?;
    }
    // A plain file name: the artifact's copy stays in its working directory.
    let name = Path::new(name)
        .file_name()
        .map_or_else(|| "artifact".into(), |n| n.to_owned());
    let copy = work.join(&name);
    std::fs::write(&copy, artifact).map_err(fail(format!("writing `{}`", copy.display())))?;
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o555))
        .map_err(fail(format!("sealing `{}`", copy.display())))?;
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        // The artifact runs as nobody: it must reach its own directories.
        let (uid, gid) = contain::NOBODY;
        for d in [private.path(), &home, &tmp, &work] {
            std::os::unix::fs::chown(d, Some(uid), Some(gid))
                .map_err(fail(format!("handing `{}` to uid {uid}", d.display())))?;
        }
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
    let start_error =
        |e: std::io::Error| anyhow::anyhow!("cannot start `{}`: {e}", program.display());

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
    let step = {
        let what = new_root.what.clone();
        move |s: u16| -> String {
            match s {
                contain::STEP_NONE => "no reason given".into(),
                contain::STEP_UNSHARE => "unshare".into(),
                contain::STEP_ID_MAP => "mapping ids in the user namespace".into(),
                contain::STEP_DROP => format!("dropping to uid {}", contain::NOBODY.0),
                contain::STEP_FORK => "fork".into(),
                contain::STEP_LANDLOCK => "Landlock".into(),
                contain::STEP_REQUIRED => {
                    "smoke-isolation = \"required\" allows no fallback".into()
                }
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
    cmd.args(&argv)
        .current_dir(&work)
        .env_clear()
        .env("HOME", &home)
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out_w))
        .stderr(Stdio::from(err_w));
    let work_c = std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(work.as_os_str()))
        .map_err(|_| anyhow::anyhow!("`{}` holds a NUL byte", work.display()))?;
    let hook = contain::Hook::new(
        report_w.as_raw_fd(),
        new_root.ops,
        ruleset.as_ref().map(|fd| fd.as_raw_fd()).map_err(|e| *e),
        work_c,
        require_isolation,
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
    drop(ruleset);
    let mut child = spawned.map_err(start_error)?;
    let pid = child.id() as libc::pid_t;
    let report = contain::read_report(report_r, step);
    let containment = report.containment;
    // With a namespace the leader is the reaper: asked, it kills PID 1 and exits once
    // the namespace is empty.
    let ask = if report.reaper {
        SmokeStop::AskReaper
    } else {
        SmokeStop::KillGroup
    };
    track(pid, ask, true);
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
                stop(pid, ask);
                stopping = Some((now, interrupt::interrupted()));
            }
            Some((at, _)) if now.duration_since(at) > STOP_GRACE => {
                stop(pid, SmokeStop::KillGroup);
            }
            _ => {}
        }
    }
    // While the leader is unreaped its pid (the group's id) cannot be reused: kill what
    // is left of the group (without a namespace, children that stayed in it).
    stop(pid, SmokeStop::KillGroup);
    track(pid, ask, false);
    let status = child.wait();
    let status = status.map_err(|e| anyhow::anyhow!("waiting for `{}`: {e}", program.display()))?;
    // Every writer in the group or namespace is gone; one that left the group may still
    // hold a pipe, so the rest of the output is not awaited long.
    let grace = Instant::now() + Duration::from_millis(200);
    while !output.eof() && Instant::now() < grace {
        output.pump(Duration::from_millis(20));
    }
    drop(private);

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

/// Smoke runs now, by process group, each with how to stop it.
static RUNNING: Mutex<Vec<(libc::pid_t, SmokeStop)>> = Mutex::new(Vec::new());

/// How a smoke run is stopped at once (on an interrupt or at its deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SmokeStop {
    /// SIGTERM to the group's leader, a reaper that kills its PID namespace's PID 1 and
    /// exits once the namespace is empty.
    AskReaper,
    /// SIGKILL to the whole process group.
    KillGroup,
}

/// Stops the smoke run led by `pgid`, whose leader must be unreaped.
fn stop(pgid: libc::pid_t, how: SmokeStop) {
    if pgid <= 0 {
        return;
    }
    // SAFETY: kill(2) touches no memory; the leader is unreaped, so its pid (the
    // group's id) cannot have been reused.
    unsafe {
        match how {
            SmokeStop::AskReaper => libc::kill(pgid, libc::SIGTERM),
            SmokeStop::KillGroup => libc::kill(-pgid, libc::SIGKILL),
        };
    }
}

/// Stops every smoke run at once; called by the interrupt handler.
pub(crate) fn stop_all() {
    // The lock is held while signalling: a run is untracked before it is reaped.
    if let Ok(running) = RUNNING.lock() {
        for (pgid, how) in running.iter() {
            stop(*pgid, *how);
        }
    }
}

/// Tracks a smoke run while it runs, so Ctrl-C and SIGTERM stop it at once (the
/// interrupt handler installed first). Its leader must stay unreaped while tracked.
fn track(pgid: libc::pid_t, how: SmokeStop, running: bool) {
    interrupt::install_interrupt_handler();
    if let Ok(mut g) = RUNNING.lock() {
        if running {
            g.push((pgid, how));
        } else {
            g.retain(|(p, _)| *p != pgid);
        }
    }
    if running && interrupt::interrupted() {
        stop(pgid, how);
    }
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

/// A pipe, both ends close-on-exec.
fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 writes two new descriptors into the array; we own them after.
    unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok((OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])))
    }
}

/// One stream of the artifact's output: the first [`OUTPUT_CAP`] bytes kept, the rest
/// counted.
struct Capture {
    fd: OwnedFd,
    kept: Vec<u8>,
    total: u64,
    eof: bool,
}

impl Capture {
    fn new(fd: OwnedFd) -> Capture {
        // SAFETY: fcntl on a descriptor we own.
        unsafe {
            let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        Capture {
            fd,
            kept: Vec::new(),
            total: 0,
            eof: false,
        }
    }

    /// Reads what is there (at most 4 MiB a call, so a flood cannot keep the caller
    /// from its deadline).
    fn read_available(&mut self) {
        let mut buf = [0u8; 65536];
        let mut budget = 4 << 20;
        while budget > 0 && !self.eof {
            // SAFETY: read into a buffer of the length given.
            let n = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast::<libc::c_void>(),
                    buf.len(),
                )
            };
            if n > 0 {
                let n = n as usize;
                let room = OUTPUT_CAP.saturating_sub(self.kept.len());
                self.kept.extend_from_slice(&buf[..n.min(room)]);
                self.total += n as u64;
                budget -= n.min(budget);
                continue;
            }
            if n == 0 {
                self.eof = true;
            } else {
                let e = std::io::Error::last_os_error();
                match e.kind() {
                    std::io::ErrorKind::Interrupted => continue,
                    std::io::ErrorKind::WouldBlock => {}
                    _ => self.eof = true,
                }
            }
            break;
        }
    }

    fn finish(self) -> Output {
        Output {
            text: String::from_utf8_lossy(&self.kept).into_owned(),
            bytes: self.total,
        }
    }
}

/// stdout and stderr, read apart.
struct Streams {
    out: Capture,
    err: Capture,
}

impl Streams {
    fn eof(&self) -> bool {
        self.out.eof && self.err.eof
    }

    /// Waits up to `wait` for output on either stream and reads what is there.
    fn pump(&mut self, wait: Duration) {
        if self.eof() {
            std::thread::sleep(wait);
            return;
        }
        let mut fds = [&self.out, &self.err].map(|c| libc::pollfd {
            // A negative descriptor is ignored by poll: a stream at EOF.
            fd: if c.eof { -1 } else { c.fd.as_raw_fd() },
            events: libc::POLLIN,
            revents: 0,
        });
        // SAFETY: poll on an array of pollfds we own, of the length given.
        unsafe {
            libc::poll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                wait.as_millis().min(1000) as libc::c_int,
            );
        }
        self.out.read_available();
        self.err.read_available();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_containment_says_what_kept_the_artifact_in() {
        for (c, want, isolated, ran) in [
            (
                Containment::Namespaces { user: false },
                "PID, mount and network namespaces",
                true,
                true,
            ),
            (
                Containment::Namespaces { user: true },
                "user, PID, mount and network namespaces",
                true,
                true,
            ),
            (
                Containment::Landlock {
                    why: "unshare: Operation not permitted".into(),
                },
                "process group and Landlock only: unshare: Operation not permitted",
                false,
                true,
            ),
            (
                Containment::Refused {
                    why: "unshare: EPERM; Landlock: ENOSYS".into(),
                },
                "not isolated: unshare: EPERM; Landlock: ENOSYS",
                false,
                false,
            ),
        ] {
            assert_eq!(c.describe(), want);
            assert_eq!(c.is_isolated(), isolated, "{want}");
            assert_eq!(c.ran(), ran, "{want}");
        }
    }
}
