//! The code that runs in the forked child before exec: session, death signal, the
//! namespaces with their reaper and new root, or the Landlock fallback. Everything it
//! reads was prepared before the fork ([`Hook`], [`Op`]); between fork and exec it makes
//! async-signal-safe system calls only, and allocates nothing.
//!
//! The ladder, first that works:
//! 1. run by root, for an artifact that is not to run as uid or gid 0: `unshare(NEWNS |
//!    NEWPID | NEWNET)`; PID 1 builds the new root, then drops to its ids, 65534 unless an image
//!    says otherwise (`setgroups(0)`, `setresgid`, `setresuid`);
//! 2. otherwise (and as root when 1 fails, after dropping to 65534 first):
//!    `unshare(NEWUSER | NEWNS | NEWPID | NEWNET)`, mapping the ids the artifact runs as
//!    inside (its own, unless an image's `User` says otherwise) to the tool's own outside;
//!    an artifact that is uid 0 there has every capability dropped before exec;
//! 3. no namespace (or the new root could not be built): Landlock on a process group;
//! 4. none of these: the artifact is not run (secrets could not be kept from it).

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::Containment;

/// One step of building the new root, in PID 1 of the new namespaces.
#[derive(Debug, Clone)]
pub enum Op {
    /// No mount event propagates back to the host: `/` and below become private.
    MakePrivate,
    /// A tmpfs (nosuid, nodev) with these options, e.g. `mode=0755,size=64k`.
    Tmpfs {
        dir: CString,
        options: CString,
    },
    Mkdir(CString),
    /// An empty file to bind a file (a device, qemu) over.
    Touch(CString),
    Symlink {
        target: CString,
        link: CString,
    },
    /// A recursive bind; read-only (and nosuid, nodev) unless `writable`.
    Bind {
        src: CString,
        dst: CString,
        writable: bool,
    },
    /// A fresh proc of the new PID namespace.
    Proc(CString),
    /// `pivot_root` into the directory, the old root detached.
    Pivot(CString),
    /// The hostname of the run's own UTS namespace.
    Hostname(CString),
    /// The new root's own tmpfs read-only (the writable binds on it stay writable).
    RootReadOnly,
    Chdir(CString),
}

/// What the child tells the parent, in one write.
const REPORT_LEN: usize = 14;
const MODE_NAMESPACES: u8 = 1;
const MODE_USER_NAMESPACES: u8 = 2;
const MODE_LANDLOCK: u8 = 3;
const MODE_REFUSED: u8 = 4;

/// Which step failed (`STEP_OP + i` for `ops[i]`).
pub const STEP_NONE: u16 = 0;
pub const STEP_UNSHARE: u16 = 1;
pub const STEP_ID_MAP: u16 = 2;
pub const STEP_DROP: u16 = 3;
pub const STEP_FORK: u16 = 4;
pub const STEP_LANDLOCK: u16 = 5;
pub const STEP_REQUIRED: u16 = 6;
pub const STEP_CAPS: u16 = 7;
pub const STEP_OP: u16 = 100;

/// The unprivileged ids a root tool runs the artifact as (nobody, nogroup).
pub const NOBODY: (u32, u32) = (65534, 65534);

/// Everything the hook needs, prepared before the fork.
pub struct Hook {
    tool: libc::pid_t,
    report: RawFd,
    /// Run by root: never run the artifact as host root.
    root: bool,
    /// The ids the artifact runs as (inside a user namespace: there).
    ids: (u32, u32),
    /// `INSIDE OUTSIDE 1\n` maps for a user namespace: [`Hook::ids`] inside, our own ids
    /// (or [`NOBODY`]'s once dropped) outside.
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
    ops: Vec<Op>,
    /// The Landlock ruleset of the fallback, or the errno of making it.
    landlock: Result<RawFd, i32>,
    /// The working directory (absolute, the same in the new root and on the host).
    work: CString,
    /// `smoke-isolation = "required"`: refuse rather than fall back.
    require_namespaces: bool,
}

/// What failed on the way: a step and its errno.
#[derive(Clone, Copy)]
struct Failed(u16, i32);

impl Hook {
    /// `ids`: who the artifact runs as inside its namespaces; `None` for the tool's own
    /// ids (65534 when the tool is root).
    pub fn new(
        report: RawFd,
        ops: Vec<Op>,
        landlock: Result<RawFd, i32>,
        work: CString,
        require_namespaces: bool,
        ids: Option<(u32, u32)>,
    ) -> Hook {
        // SAFETY: geteuid/getuid/getgid/getpid cannot fail.
        let (euid, uid, gid, tool) = unsafe {
            (
                libc::geteuid(),
                libc::getuid(),
                libc::getgid(),
                libc::getpid(),
            )
        };
        let root = euid == 0;
        let outside = if root { NOBODY } else { (uid, gid) };
        let ids = ids.unwrap_or(outside);
        Hook {
            tool,
            report,
            root,
            ids,
            uid_map: format!("{} {} 1\n", ids.0, outside.0).into_bytes(),
            gid_map: format!("{} {} 1\n", ids.1, outside.1).into_bytes(),
            ops,
            landlock,
            work,
            require_namespaces,
        }
    }

    /// Runs in the child between fork and exec. Returns to let std exec the artifact:
    /// in the namespaces' PID 1, or (Landlock) as the leader of its session; the reaper
    /// never returns, nor does a child that refuses to run the artifact.
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
                death_signal();
                if libc::getppid() != self.tool {
                    libc::_exit(125);
                }
                self.namespaces()
            }
            #[cfg(not(target_os = "linux"))]
            {
                self.report(MODE_REFUSED, false, Failed(STEP_UNSHARE, 0), Failed(0, 0));
                libc::_exit(125);
            }
        }
    }

    unsafe fn report(&self, mode: u8, reaper: bool, why: Failed, landlock: Failed) {
        let mut msg = [0u8; REPORT_LEN];
        msg[0] = mode;
        msg[1] = u8::from(reaper);
        msg[2..4].copy_from_slice(&why.0.to_le_bytes());
        msg[4..8].copy_from_slice(&why.1.to_le_bytes());
        msg[8..10].copy_from_slice(&landlock.0.to_le_bytes());
        msg[10..14].copy_from_slice(&landlock.1.to_le_bytes());
        libc::write(self.report, msg.as_ptr().cast(), msg.len());
    }

    #[cfg(target_os = "linux")]
    unsafe fn namespaces(&self) -> std::io::Result<()> {
        const NS: libc::c_int =
            libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::CLONE_NEWNET | libc::CLONE_NEWUTS;
        // Root runs an artifact that is neither uid nor gid 0 without a user namespace,
        // as its ids.
        let privileged = self.root && self.ids.0 != 0 && self.ids.1 != 0;
        let mode = if privileged && libc::unshare(NS) == 0 {
            MODE_NAMESPACES
        } else {
            if self.root {
                // Never host root, not even in a user namespace: drop first.
                if let Err(f) = drop_ids(NOBODY) {
                    self.refuse(false, f, Failed(0, 0));
                }
                // A change of ids clears the death signal.
                death_signal();
            }
            if libc::unshare(libc::CLONE_NEWUSER | NS) != 0 {
                return self.fall_back(false, Failed(STEP_UNSHARE, errno()));
            }
            // The artifact's ids inside, ours (after a drop, nobody's) outside.
            if !write_file(c"/proc/self/setgroups", b"deny")
                || !write_file(c"/proc/self/uid_map", &self.uid_map)
                || !write_file(c"/proc/self/gid_map", &self.gid_map)
            {
                return self.fall_back(false, Failed(STEP_ID_MAP, errno()));
            }
            MODE_USER_NAMESPACES
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
            let e = errno();
            libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
            return self.fall_back(false, Failed(STEP_FORK, e));
        }
        if pid == 0 {
            // PID 1 of the new namespaces: builds the root, becomes the artifact.
            libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
            death_signal();
            return self.pid1(mode);
        }
        reap(pid, &set)
    }

    /// In PID 1: the new root, loopback, the unprivileged ids; or the fallback.
    #[cfg(target_os = "linux")]
    unsafe fn pid1(&self, mode: u8) -> std::io::Result<()> {
        for (i, op) in self.ops.iter().enumerate() {
            if !run_op(op) {
                let step = STEP_OP + u16::try_from(i).unwrap_or(u16::MAX - STEP_OP);
                return self.fall_back(true, Failed(step, errno()));
            }
        }
        loopback_up();
        if mode == MODE_NAMESPACES {
            if let Err(f) = drop_ids(self.ids) {
                self.refuse(true, f, Failed(0, 0));
            }
            death_signal();
        } else if self.ids.0 == 0 && !drop_capabilities() {
            // Root of its user namespace: no capability survives exec.
            self.refuse(true, Failed(STEP_CAPS, errno()), Failed(0, 0));
        }
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        self.report(mode, true, Failed(STEP_NONE, 0), Failed(0, 0));
        Ok(())
    }

    /// No (complete) namespaces, for `why`: Landlock, or no run at all.
    #[cfg(target_os = "linux")]
    unsafe fn fall_back(&self, reaper: bool, why: Failed) -> std::io::Result<()> {
        if self.require_namespaces {
            self.refuse(reaper, why, Failed(STEP_REQUIRED, 0));
        }
        if self.root && libc::geteuid() == 0 {
            if let Err(f) = drop_ids(NOBODY) {
                self.refuse(reaper, why, f);
            }
            death_signal();
        }
        libc::chdir(self.work.as_ptr());
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        let ruleset = match self.landlock {
            Ok(fd) => fd,
            Err(e) => self.refuse(reaper, why, Failed(STEP_LANDLOCK, e)),
        };
        if libc::syscall(LANDLOCK_RESTRICT_SELF, ruleset, 0u32) != 0 {
            self.refuse(reaper, why, Failed(STEP_LANDLOCK, errno()));
        }
        self.report(MODE_LANDLOCK, reaper, why, Failed(0, 0));
        Ok(())
    }

    /// Says why the artifact is not run, and ends this process without running it.
    #[cfg(target_os = "linux")]
    unsafe fn refuse(&self, reaper: bool, why: Failed, then: Failed) -> ! {
        self.report(MODE_REFUSED, reaper, why, then);
        libc::_exit(125)
    }
}

#[cfg(target_os = "linux")]
const LANDLOCK_RESTRICT_SELF: libc::c_long = 446;

#[cfg(target_os = "linux")]
unsafe fn death_signal() {
    libc::prctl(
        libc::PR_SET_PDEATHSIG,
        libc::SIGKILL as libc::c_ulong,
        0,
        0,
        0,
    );
}

/// Drops every privilege of root: no supplementary groups, the ids given (non-zero);
/// keeps the process dumpable (so it may write its own /proc/self/uid_map).
#[cfg(target_os = "linux")]
unsafe fn drop_ids((uid, gid): (u32, u32)) -> Result<(), Failed> {
    if libc::setgroups(0, std::ptr::null()) != 0
        || libc::setresgid(gid, gid, gid) != 0
        || libc::setresuid(uid, uid, uid) != 0
    {
        return Err(Failed(STEP_DROP, errno()));
    }
    libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
    Ok(())
}

/// Empties the capability bounding set and the inheritable and ambient sets, so a uid 0
/// process execs with no capability (`no_new_privs` keeps file capabilities out).
#[cfg(target_os = "linux")]
unsafe fn drop_capabilities() -> bool {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    for cap in 0..64 {
        if libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno() != libc::EINVAL {
            return false;
        }
    }
    libc::prctl(
        libc::PR_CAP_AMBIENT,
        libc::PR_CAP_AMBIENT_CLEAR_ALL,
        0,
        0,
        0,
    );
    let header = Header {
        version: 0x2008_0522, // _LINUX_CAPABILITY_VERSION_3
        pid: 0,
    };
    let none = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    libc::syscall(libc::SYS_capset, &header as *const Header, none.as_ptr()) == 0
}

/// `struct mount_attr` of mount_setattr(2).
#[cfg(target_os = "linux")]
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

#[cfg(target_os = "linux")]
const MOUNT_ATTR_RDONLY: u64 = 0x1;
#[cfg(target_os = "linux")]
const MOUNT_ATTR_NOSUID: u64 = 0x2;
#[cfg(target_os = "linux")]
const MOUNT_ATTR_NODEV: u64 = 0x4;

#[cfg(target_os = "linux")]
unsafe fn set_attr(path: &std::ffi::CStr, set: u64, recursive: bool) -> bool {
    let attr = MountAttr {
        attr_set: set,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let flags = if recursive { libc::AT_RECURSIVE } else { 0 };
    libc::syscall(
        libc::SYS_mount_setattr,
        libc::AT_FDCWD,
        path.as_ptr(),
        flags as libc::c_uint,
        &attr as *const MountAttr,
        std::mem::size_of::<MountAttr>(),
    ) == 0
}

/// One step of the new root; false with errno set when it failed.
#[cfg(target_os = "linux")]
unsafe fn run_op(op: &Op) -> bool {
    let null = std::ptr::null::<libc::c_char>();
    match op {
        Op::MakePrivate => {
            libc::mount(
                null,
                c"/".as_ptr(),
                null,
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ) == 0
        }
        Op::Tmpfs { dir, options } => {
            libc::mount(
                c"tmpfs".as_ptr(),
                dir.as_ptr(),
                c"tmpfs".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV,
                options.as_ptr().cast(),
            ) == 0
        }
        Op::Mkdir(dir) => libc::mkdir(dir.as_ptr(), 0o755) == 0 || errno() == libc::EEXIST,
        Op::Touch(file) => {
            let fd = libc::open(
                file.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_CLOEXEC,
                0o644,
            );
            fd >= 0 && libc::close(fd) == 0
        }
        Op::Symlink { target, link } => libc::symlink(target.as_ptr(), link.as_ptr()) == 0,
        Op::Bind { src, dst, writable } => {
            let flags = MOUNT_ATTR_NOSUID
                | MOUNT_ATTR_NODEV
                | if *writable { 0 } else { MOUNT_ATTR_RDONLY };
            libc::mount(
                src.as_ptr(),
                dst.as_ptr(),
                null,
                libc::MS_BIND | libc::MS_REC,
                std::ptr::null(),
            ) == 0
                // A device keeps its node usable: only read-only binds lose nodev.
                && (*writable || set_attr(dst, flags, true))
        }
        Op::Proc(dir) => {
            libc::mount(
                c"proc".as_ptr(),
                dir.as_ptr(),
                c"proc".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                std::ptr::null(),
            ) == 0
        }
        Op::Pivot(dir) => {
            libc::chdir(dir.as_ptr()) == 0
                && libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) == 0
                && libc::umount2(c".".as_ptr(), libc::MNT_DETACH) == 0
                && libc::chdir(c"/".as_ptr()) == 0
        }
        Op::Hostname(name) => libc::sethostname(name.as_ptr(), name.as_bytes().len()) == 0,
        Op::RootReadOnly => set_attr(c"/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, false),
        Op::Chdir(dir) => libc::chdir(dir.as_ptr()) == 0,
    }
}

/// Brings up `lo` in the new network namespace (best effort: without it the artifact
/// has no interface at all).
#[cfg(target_os = "linux")]
unsafe fn loopback_up() {
    let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
    if fd < 0 {
        return;
    }
    // struct ifreq: the name, then (a union starting with) the flags.
    let mut req = [0u8; 40];
    req[..2].copy_from_slice(b"lo");
    let flags = (libc::IFF_UP | libc::IFF_LOOPBACK | libc::IFF_RUNNING) as libc::c_short;
    req[16..18].copy_from_slice(&flags.to_ne_bytes());
    libc::ioctl(fd, libc::SIOCSIFFLAGS as _, req.as_mut_ptr());
    libc::close(fd);
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

/// Writes `bytes` to `path`; false with errno set when it could not.
#[cfg(target_os = "linux")]
unsafe fn write_file(path: &std::ffi::CStr, bytes: &[u8]) -> bool {
    let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
    if fd < 0 {
        return false;
    }
    let n = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
    libc::close(fd);
    n == bytes.len() as isize
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// What the child reported: the containment, and whether the spawned process is a
/// reaper (stopped by asking it) rather than the artifact's group leader.
pub struct Report {
    pub containment: Containment,
    pub reaper: bool,
}

/// The containment the child reported (its write happens before exec or exit, so it is
/// there once spawn returned). `step` names a failed step (an [`Op`]'s description).
pub fn read_report(fd: OwnedFd, step: impl Fn(u16) -> String) -> Report {
    let mut msg = [0u8; REPORT_LEN];
    // SAFETY: read into a buffer of the length given, from a descriptor we own.
    let n = unsafe { libc::read(fd.as_raw_fd(), msg.as_mut_ptr().cast(), msg.len()) };
    if n != REPORT_LEN as isize {
        return Report {
            containment: Containment::Refused {
                why: "the child reported no containment".into(),
            },
            reaper: false,
        };
    }
    let u16_at = |i: usize| u16::from_le_bytes([msg[i], msg[i + 1]]);
    let i32_at = |i: usize| i32::from_le_bytes([msg[i], msg[i + 1], msg[i + 2], msg[i + 3]]);
    let said = |s: u16, e: i32| {
        let what = step(s);
        if e == 0 {
            what
        } else {
            format!("{what}: {}", std::io::Error::from_raw_os_error(e))
        }
    };
    let why = said(u16_at(2), i32_at(4));
    let containment = match msg[0] {
        MODE_NAMESPACES => Containment::Namespaces { user: false },
        MODE_USER_NAMESPACES => Containment::Namespaces { user: true },
        MODE_LANDLOCK => Containment::Landlock { why },
        _ if u16_at(8) == STEP_NONE => Containment::Refused { why },
        _ => Containment::Refused {
            why: format!("{why}; {}", said(u16_at(8), i32_at(10))),
        },
    };
    Report {
        containment,
        reaper: msg[1] != 0,
    }
}
