//! Smoke runs: start a verified artifact once, natively when the host can run it,
//! otherwise under the matching qemu-user emulator, and contain it.
//!
//! Containment, whatever the artifact does:
//! - its own session and process group; where the kernel allows it (root, or
//!   unprivileged user namespaces) also a PID namespace of its own, so nothing it starts
//!   (daemons that `setsid` included) outlives the run: when the artifact, PID 1 there,
//!   exits or is killed, the kernel kills the rest of the namespace;
//! - a deadline on the process, not on its output (a child holding stdout cannot stall
//!   the tool); at the deadline, on Ctrl-C/SIGTERM (the interrupt handler in
//!   [`super::run`] calls [`stop_all`]) and at the end the whole group is killed;
//! - PR_SET_PDEATHSIG, so even a SIGKILLed tool leaves nothing behind (with a namespace);
//! - output capped at [`OUTPUT_CAP`] bytes kept, the rest counted and dropped;
//! - an empty environment but for a private `HOME` and `TMPDIR` in a temporary
//!   directory removed afterwards; stdin is /dev/null; the artifact's directory is the
//!   working directory.
//!
//! The namespace is made in-process, with no helper binary: in the forked child (before
//! exec) `unshare(CLONE_NEWPID)`, or `unshare(CLONE_NEWUSER | CLONE_NEWPID)` without
//! privilege; the child then forks the artifact (PID 1 of the namespace) and stays as a
//! small reaper that mirrors its exit status and kills it when asked (SIGTERM). Without
//! a namespace the artifact is exec'd directly as the leader of its session.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::target::Target;

use super::run as interrupt;
use super::HostEnv;

/// Output kept from a smoke run (stdout and stderr together); the rest is counted and
/// dropped.
pub const OUTPUT_CAP: usize = 64 << 10;

/// The default smoke-run timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// The longest timeout accepted.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a stop request may take before the group is killed outright.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// How an artifact can be started on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runner {
    Native,
    Emulator(PathBuf),
}

impl Runner {
    pub fn describe(&self) -> String {
        match self {
            Runner::Native => "natively".to_string(),
            Runner::Emulator(p) => format!(
                "under {}",
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
        }
    }
}

/// Finds a way to run `target` here: natively, or `qemu-<arch>-static` / `qemu-<arch>`
/// on the host PATH.
pub fn find_runner(target: &Target, host: &HostEnv, cwd: &Path) -> Option<Runner> {
    let (os, arch) = crate::target::host();
    if target.goos() != "linux" || os != "linux" {
        return (target.goos() == os && target.goarch() == arch).then_some(Runner::Native);
    }
    if target.goarch() == arch {
        return Some(Runner::Native);
    }
    let qemu = target.arch()?.qemu?;
    let path = host.get("PATH").cloned().unwrap_or_default();
    [format!("qemu-{qemu}-static"), format!("qemu-{qemu}")]
        .iter()
        .find_map(|name| which::which_in(name, Some(&path), cwd).ok())
        .map(Runner::Emulator)
}

/// Parses a smoke timeout: `3s`, `500ms`, `2m`, or whole seconds (`20`). At least 1 ms,
/// at most [`MAX_TIMEOUT`].
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("`{s}` is not a duration (expected e.g. 3s, 500ms or 2m)");
    let n: u64 = match num.parse() {
        Ok(n) => n,
        Err(_) if num.is_empty() => return Err(bad()),
        Err(_) => return Err(format!("`{s}` is out of range (at most 24h)")),
    };
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(bad()),
    };
    if d.is_zero() {
        return Err(format!("`{s}`: the timeout must be positive"));
    }
    if d > MAX_TIMEOUT {
        return Err(format!("`{s}` is out of range (at most 24h)"));
    }
    Ok(d)
}

/// What kept the artifact's processes together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Containment {
    /// A PID namespace of its own (the tool runs with CAP_SYS_ADMIN).
    PidNamespace,
    /// New user and PID namespaces (unprivileged user namespaces).
    UserAndPidNamespace,
    /// Only its own session and process group: no namespace could be made, for `why`.
    /// A process that leaves the group (`setsid`) can outlive the run.
    ProcessGroup { why: String },
}

impl Containment {
    /// For the report: `PID namespace`, `process group only (no PID namespace: ...)`.
    pub fn describe(&self) -> String {
        match self {
            Containment::PidNamespace => "PID namespace".into(),
            Containment::UserAndPidNamespace => "user and PID namespace".into(),
            Containment::ProcessGroup { why } => {
                format!("process group only, no PID namespace: {why}")
            }
        }
    }

    pub fn is_namespace(&self) -> bool {
        !matches!(self, Containment::ProcessGroup { .. })
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
    /// The first [`OUTPUT_CAP`] bytes of stdout and stderr together.
    pub output: String,
    /// Every byte written, kept or dropped.
    pub output_bytes: u64,
    pub containment: Containment,
}

/// Runs `artifact ARGS` once, contained (see the module doc), for at most `timeout`.
/// Errors only when it cannot be started at all.
pub fn run(
    runner: &Runner,
    artifact: &Path,
    args: &[String],
    timeout: Duration,
) -> anyhow::Result<SmokeResult> {
    let timeout = timeout.min(MAX_TIMEOUT);
    let dir = artifact.parent().unwrap_or(Path::new("/"));
    let (program, mut argv): (PathBuf, Vec<String>) = match runner {
        Runner::Native => (artifact.to_path_buf(), Vec::new()),
        Runner::Emulator(q) => (q.clone(), vec![artifact.display().to_string()]),
    };
    argv.extend(args.iter().cloned());
    let start_error =
        |e: std::io::Error| anyhow::anyhow!("cannot start `{}`: {e}", program.display());

    // The private HOME and TMPDIR (owner-only), removed when `private` drops.
    let private = tempfile::Builder::new()
        .prefix("xbuild-go-smoke-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| anyhow::anyhow!("creating the smoke run's private directory: {e}"))?;
    let home = private.path().join("home");
    let tmp = private.path().join("tmp");
    for d in [&home, &tmp] {
        std::fs::create_dir(d).map_err(|e| anyhow::anyhow!("creating `{}`: {e}", d.display()))?;
    }

    let (out_r, out_w) = pipe().map_err(start_error)?;
    let (report_r, report_w) = pipe().map_err(start_error)?;
    let out_w2 = out_w.try_clone().map_err(start_error)?;
    let mut cmd = Command::new(&program);
    cmd.args(&argv)
        .current_dir(dir)
        .env_clear()
        .env("HOME", &home)
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out_w))
        .stderr(Stdio::from(out_w2));
    let hook = contain::Hook::new(report_w.as_raw_fd());
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
    let mut child = spawned.map_err(start_error)?;
    let pid = child.id() as libc::pid_t;
    let containment = contain::read_report(report_r);
    // With a namespace the leader is the reaper: asked, it kills PID 1 and exits once
    // the namespace is empty.
    let ask = if containment.is_namespace() {
        SmokeStop::AskReaper
    } else {
        SmokeStop::KillGroup
    };
    track(pid, ask, true);
    let mut output = Capture::new(out_r);
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
    // hold the pipe, so the rest of the output is not awaited long.
    let grace = Instant::now() + Duration::from_millis(200);
    while !output.eof && Instant::now() < grace {
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
        output: String::from_utf8_lossy(&output.kept).into_owned(),
        output_bytes: output.total,
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

/// The artifact's output: the first [`OUTPUT_CAP`] bytes kept, the rest counted.
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

    /// Waits up to `wait` for output and reads what is there (at most 4 MiB a call, so
    /// a flood cannot keep the caller from its deadline).
    fn pump(&mut self, wait: Duration) {
        if self.eof {
            std::thread::sleep(wait);
            return;
        }
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one pollfd we own.
        unsafe {
            libc::poll(&mut pfd, 1, wait.as_millis().min(1000) as libc::c_int);
        }
        let mut buf = [0u8; 65536];
        let mut budget = 4 << 20;
        while budget > 0 {
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
}

/// The code that runs in the forked child before exec: session, death signal, and the
/// namespace with its reaper.
mod contain {
    use std::os::fd::{AsRawFd, OwnedFd, RawFd};

    use super::Containment;

    /// What the child tells the parent, in one write: the mode and an errno.
    const REPORT_LEN: usize = 5;
    const MODE_GROUP: u8 = 0;
    const MODE_PID: u8 = 1;
    const MODE_USER_PID: u8 = 2;

    /// Everything the hook needs, prepared before the fork.
    #[derive(Clone, Copy)]
    pub struct Hook {
        tool: libc::pid_t,
        report: RawFd,
        uid_map: [u8; 32],
        uid_map_len: usize,
        gid_map: [u8; 32],
        gid_map_len: usize,
    }

    impl Hook {
        pub fn new(report: RawFd) -> Hook {
            // SAFETY: getuid/getgid/getpid cannot fail.
            let (uid, gid, tool) = unsafe { (libc::getuid(), libc::getgid(), libc::getpid()) };
            let (uid_map, uid_map_len) = id_map(uid);
            let (gid_map, gid_map_len) = id_map(gid);
            Hook {
                tool,
                report,
                uid_map,
                uid_map_len,
                gid_map,
                gid_map_len,
            }
        }

        /// Runs in the child between fork and exec. Returns to let std exec the
        /// artifact: directly (process group only) or in the namespace's PID 1; the
        /// reaper never returns.
        pub fn run(&self) -> std::io::Result<()> {
            // SAFETY: async-signal-safe system calls only, on memory owned by `self`.
            unsafe {
                // Handlers the tool installed (Ctrl-C) must never run in this copy.
                for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGCHLD] {
                    libc::signal(sig, libc::SIG_DFL);
                }
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                #[cfg(target_os = "linux")]
                {
                    libc::prctl(
                        libc::PR_SET_PDEATHSIG,
                        libc::SIGKILL as libc::c_ulong,
                        0,
                        0,
                        0,
                    );
                    if libc::getppid() != self.tool {
                        libc::_exit(125);
                    }
                    self.namespace()
                }
                #[cfg(not(target_os = "linux"))]
                {
                    self.report(MODE_GROUP, 0);
                    Ok(())
                }
            }
        }

        unsafe fn report(&self, mode: u8, errno: i32) {
            let mut msg = [0u8; REPORT_LEN];
            msg[0] = mode;
            msg[1..].copy_from_slice(&errno.to_le_bytes());
            libc::write(self.report, msg.as_ptr().cast(), msg.len());
        }

        #[cfg(target_os = "linux")]
        unsafe fn namespace(&self) -> std::io::Result<()> {
            let mode = if libc::unshare(libc::CLONE_NEWPID) == 0 {
                MODE_PID
            } else if libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWPID) == 0 {
                // Map our own ids, so the artifact sees who it runs as.
                write_file(c"/proc/self/setgroups", b"deny");
                write_file(c"/proc/self/uid_map", &self.uid_map[..self.uid_map_len]);
                write_file(c"/proc/self/gid_map", &self.gid_map[..self.gid_map_len]);
                MODE_USER_PID
            } else {
                self.report(MODE_GROUP, errno());
                return Ok(());
            };
            // SIGCHLD and the stop request are taken with sigwaitinfo by the reaper.
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for sig in [libc::SIGCHLD, libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
                libc::sigaddset(&mut set, sig);
            }
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigprocmask(libc::SIG_BLOCK, &set, &mut old);
            let pid = libc::fork();
            if pid < 0 {
                // No namespace after all: exec here, as the session leader.
                let e = errno();
                libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
                self.report(MODE_GROUP, e);
                return Ok(());
            }
            if pid == 0 {
                // PID 1 of the new namespace: becomes the artifact.
                libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
                libc::prctl(
                    libc::PR_SET_PDEATHSIG,
                    libc::SIGKILL as libc::c_ulong,
                    0,
                    0,
                    0,
                );
                return Ok(());
            }
            self.report(mode, 0);
            reap(pid, &set)
        }
    }

    /// The reaper: holds no descriptor (so pipes see EOF when the namespace is empty),
    /// kills PID 1 on SIGTERM/SIGINT/SIGHUP, and exits as PID 1 did once it is reaped,
    /// which the kernel allows only after every other process of the namespace is gone.
    #[cfg(target_os = "linux")]
    unsafe fn reap(pid: libc::pid_t, set: &libc::sigset_t) -> ! {
        if libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32) != 0 {
            for fd in 0..4096 {
                libc::close(fd);
            }
        }
        loop {
            let sig = libc::sigwaitinfo(set, std::ptr::null_mut());
            if sig == libc::SIGTERM || sig == libc::SIGINT || sig == libc::SIGHUP {
                libc::kill(pid, libc::SIGKILL);
            }
            let mut status = 0;
            let r = libc::waitpid(pid, &mut status, libc::WNOHANG);
            if r == pid {
                exit_like(status);
            }
            if r < 0 && errno() != libc::EINTR {
                libc::_exit(125);
            }
        }
    }

    /// Ends this process the way `status` says the artifact ended.
    #[cfg(target_os = "linux")]
    unsafe fn exit_like(status: libc::c_int) -> ! {
        if libc::WIFSIGNALED(status) {
            let sig = libc::WTERMSIG(status);
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            libc::signal(sig, libc::SIG_DFL);
            let mut one: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut one);
            libc::sigaddset(&mut one, sig);
            libc::sigprocmask(libc::SIG_UNBLOCK, &one, std::ptr::null_mut());
            libc::kill(libc::getpid(), sig);
            libc::_exit(128 + sig);
        }
        libc::_exit(if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            125
        })
    }

    #[cfg(target_os = "linux")]
    unsafe fn write_file(path: &std::ffi::CStr, bytes: &[u8]) {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd >= 0 {
            libc::write(fd, bytes.as_ptr().cast(), bytes.len());
            libc::close(fd);
        }
    }

    #[cfg(target_os = "linux")]
    fn errno() -> i32 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }

    /// `ID ID 1\n` for a uid_map/gid_map file, formatted before the fork.
    fn id_map(id: u32) -> ([u8; 32], usize) {
        let text = format!("{id} {id} 1\n");
        let mut buf = [0u8; 32];
        let n = text.len().min(buf.len());
        buf[..n].copy_from_slice(&text.as_bytes()[..n]);
        (buf, n)
    }

    /// The containment the child reported (its write happens before exec, so it is
    /// there once spawn returned).
    pub fn read_report(fd: OwnedFd) -> Containment {
        let mut msg = [0u8; REPORT_LEN];
        // SAFETY: read into a buffer of the length given, from a descriptor we own.
        let n = unsafe { libc::read(fd.as_raw_fd(), msg.as_mut_ptr().cast(), msg.len()) };
        if n != REPORT_LEN as isize {
            return Containment::ProcessGroup {
                why: "the child reported no containment".into(),
            };
        }
        let errno = i32::from_le_bytes([msg[1], msg[2], msg[3], msg[4]]);
        match msg[0] {
            MODE_PID => Containment::PidNamespace,
            MODE_USER_PID => Containment::UserAndPidNamespace,
            _ if errno == 0 => Containment::ProcessGroup {
                why: "not supported on this system".into(),
            },
            _ => Containment::ProcessGroup {
                why: format!("unshare: {}", std::io::Error::from_raw_os_error(errno)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        for (s, want) in [
            ("3s", Some(Duration::from_secs(3))),
            ("500ms", Some(Duration::from_millis(500))),
            ("2m", Some(Duration::from_secs(120))),
            ("20", Some(Duration::from_secs(20))),
            ("24h", Some(MAX_TIMEOUT)),
            ("25h", None),
            ("0s", None),
            ("s", None),
            ("3 fortnights", None),
            ("99999999999999999999999s", None),
            ("18446744073709551615m", None),
        ] {
            assert_eq!(parse_timeout(s).ok(), want, "timeout {s}");
        }
    }
}
