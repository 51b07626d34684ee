//! What a smoke run may reach, prepared before the fork: the steps that build its new
//! root ([`Op`]s for PID 1), and the Landlock ruleset of the fallback.
//!
//! The new root is a tmpfs holding read-only binds of the system directories (`/usr`,
//! `/bin`, `/sbin`, `/lib*`, `/etc`, the same symlinks where the host has symlinks),
//! the runner's own files when they live elsewhere (the qemu binary, its `-L` root), a
//! minimal `/dev` (null, zero, full, random, urandom, the fd links), a fresh `/proc` of
//! the new PID namespace, and writable binds of the run's private HOME, TMPDIR and working
//! directory at their host paths. Nothing else exists there: no `/root`, `/home`,
//! `/run`, `/tmp` (but the private directories), `/sys`, nor the output cache.
//!
//! Inside an image ([`NewRoot::image`]) the root is instead the image's extracted tree,
//! bound read-only (nosuid, nodev), the UTS namespace's hostname [`HOSTNAME`], with the same minimal `/dev` (on a small tmpfs of its
//! own), a fresh `/proc`, a tmpfs `/tmp` only where the image has a `/tmp`, and the run's
//! private directory (the artifact, qemu) bound read-only at `/.xbuild-go`.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::contain::Op;
use crate::image::rootfs::{HOSTNAME, PRIVATE_DIR};

/// The host directories the artifact sees, read-only, when they exist.
pub const SYSTEM: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc",
];

/// The device nodes of the new `/dev`.
const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom"];

/// The options of an image root's `/dev` (its device nodes are binds, so it holds next
/// to nothing) and `/tmp` tmpfs.
pub const DEV_TMPFS: &str = "mode=0755,size=64k";
pub const TMP_TMPFS: &str = "mode=1777,size=64m";

/// The steps of the new root and what each one is, for a failure's message.
pub struct NewRoot {
    pub ops: Vec<Op>,
    pub what: Vec<String>,
}

fn c(p: &Path) -> std::io::Result<CString> {
    CString::new(p.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::other(format!("`{}` holds a NUL byte", p.display())))
}

impl NewRoot {
    /// The steps for a root built in `root` (an empty directory), with `writable`
    /// directories bound at their own paths, `extra` files or directories (the runner's)
    /// bound read-only, and `work` the working directory.
    pub fn plan(
        root: &Path,
        writable: &[&Path],
        extra: &[PathBuf],
        work: &Path,
    ) -> std::io::Result<NewRoot> {
        let mut plan = NewRoot {
            ops: Vec::new(),
            what: Vec::new(),
        };
        let inside = |p: &Path| root.join(p.strip_prefix("/").unwrap_or(p));
        plan.push(Op::MakePrivate, "making the mounts private".into());
        plan.tmpfs(root, "mode=0755")?;
        let mut made: Vec<PathBuf> = vec![root.to_path_buf()];
        for sys in SYSTEM {
            let sys = Path::new(sys);
            let Ok(meta) = std::fs::symlink_metadata(sys) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(sys)?;
                plan.push(
                    Op::Symlink {
                        target: c(&target)?,
                        link: c(&inside(sys))?,
                    },
                    format!("linking `{}`", sys.display()),
                );
            } else if meta.is_dir() {
                plan.bind(&mut made, &inside(sys), sys, true, false)?;
            }
        }
        for e in extra {
            // The runner's own files: bound where the system binds do not reach.
            let Ok(real) = std::fs::canonicalize(e) else {
                continue;
            };
            let covered = |p: &Path| {
                SYSTEM.iter().any(|s| {
                    p.starts_with(s) && std::fs::symlink_metadata(s).is_ok_and(|m| m.is_dir())
                })
            };
            if covered(e) && covered(&real) {
                continue;
            }
            plan.bind(&mut made, &inside(e), &real, real.is_dir(), false)?;
        }
        plan.mkdirs(&mut made, &inside(Path::new("/dev")))?;
        plan.mkdirs(&mut made, &inside(Path::new("/proc")))?;
        plan.dev_and_proc(&mut made, root)?;
        for w in writable {
            plan.bind(&mut made, &inside(w), w, true, true)?;
        }
        plan.push(
            Op::Pivot(c(root)?),
            format!("pivot_root to `{}`", root.display()),
        );
        plan.push(Op::RootReadOnly, "making the new root read-only".into());
        plan.push(
            Op::Chdir(c(work)?),
            format!("entering `{}`", work.display()),
        );
        Ok(plan)
    }

    /// The steps for a run inside an image: `root` its extracted tree (with `/dev`,
    /// `/proc` and [`PRIVATE_DIR`] real directories), `private` the host directory bound
    /// read-only at [`PRIVATE_DIR`], `tmp` where the image's `/tmp` resolves (a tmpfs
    /// there) and `cwd` the working directory, both inside the root; `artifact`, when
    /// given, a host file bound read-only over the (existing) file at that path of the
    /// root, where the run puts the artifact.
    pub fn image(
        root: &Path,
        private: &Path,
        tmp: Option<&str>,
        cwd: &str,
        artifact: Option<(&Path, &str)>,
    ) -> std::io::Result<NewRoot> {
        let mut plan = NewRoot {
            ops: Vec::new(),
            what: Vec::new(),
        };
        let inside = |p: &str| root.join(p.trim_start_matches('/'));
        plan.push(Op::MakePrivate, "making the mounts private".into());
        // As runtimes name a container: the name its /etc/hostname and /etc/hosts say.
        plan.push(
            Op::Hostname(c(Path::new(HOSTNAME))?),
            format!("naming the host `{HOSTNAME}` in the new UTS namespace"),
        );
        // Bound on itself: a mount point to pivot to, read-only, nosuid and nodev.
        let mut made = vec![root.to_path_buf()];
        plan.bind(&mut made, root, root, true, false)?;
        plan.tmpfs(&inside("/dev"), DEV_TMPFS)?;
        made.extend([inside("/dev"), inside("/proc")]);
        plan.dev_and_proc(&mut made, root)?;
        if let Some(tmp) = tmp {
            plan.tmpfs(&inside(tmp), TMP_TMPFS)?;
        }
        made.push(inside(PRIVATE_DIR));
        plan.bind(&mut made, &inside(PRIVATE_DIR), private, true, false)?;
        if let Some((file, at)) = artifact {
            plan.push(
                Op::Bind {
                    src: c(file)?,
                    dst: c(&inside(at))?,
                    writable: false,
                },
                format!("bind-mounting the artifact read-only at `{at}`"),
            );
        }
        plan.push(
            Op::Pivot(c(root)?),
            format!("pivot_root to `{}`", root.display()),
        );
        plan.push(
            Op::Chdir(c(Path::new(cwd))?),
            format!("entering the image's working directory `{cwd}`"),
        );
        Ok(plan)
    }

    fn tmpfs(&mut self, dir: &Path, options: &str) -> std::io::Result<()> {
        self.push(
            Op::Tmpfs {
                dir: c(dir)?,
                options: c(Path::new(options))?,
            },
            format!("mounting a tmpfs on `{}`", dir.display()),
        );
        Ok(())
    }

    /// The device nodes (binds of the host's) and fd links of `root`'s `/dev`, and a
    /// fresh proc of the new PID namespace on its `/proc` (both directories exist, or
    /// are made earlier in the plan).
    fn dev_and_proc(&mut self, made: &mut Vec<PathBuf>, root: &Path) -> std::io::Result<()> {
        let dev = Path::new("/dev");
        let inside = |p: &Path| root.join(p.strip_prefix("/").unwrap_or(p));
        for d in DEVICES {
            let node = dev.join(d);
            if node.exists() {
                self.bind(made, &inside(&node), &node, false, true)?;
            }
        }
        for (name, target) in [
            ("fd", "/proc/self/fd"),
            ("stdin", "/proc/self/fd/0"),
            ("stdout", "/proc/self/fd/1"),
            ("stderr", "/proc/self/fd/2"),
        ] {
            self.push(
                Op::Symlink {
                    target: c(Path::new(target))?,
                    link: c(&inside(&dev.join(name)))?,
                },
                format!("linking /dev/{name}"),
            );
        }
        let proc = inside(Path::new("/proc"));
        self.push(
            Op::Proc(c(&proc)?),
            "mounting a proc of the new PID namespace".into(),
        );
        Ok(())
    }

    fn push(&mut self, op: Op, what: String) {
        self.ops.push(op);
        self.what.push(what);
    }

    fn mkdirs(&mut self, made: &mut Vec<PathBuf>, dir: &Path) -> std::io::Result<()> {
        if made.iter().any(|m| m == dir) {
            return Ok(());
        }
        if let Some(parent) = dir.parent() {
            self.mkdirs(made, parent)?;
        }
        made.push(dir.to_path_buf());
        self.push(
            Op::Mkdir(c(dir)?),
            format!("creating `{}` in the new root", dir.display()),
        );
        Ok(())
    }

    fn bind(
        &mut self,
        made: &mut Vec<PathBuf>,
        dst: &Path,
        src: &Path,
        is_dir: bool,
        writable: bool,
    ) -> std::io::Result<()> {
        if is_dir {
            self.mkdirs(made, dst)?;
        } else {
            if let Some(parent) = dst.parent() {
                self.mkdirs(made, parent)?;
            }
            self.push(
                Op::Touch(c(dst)?),
                format!("creating `{}` in the new root", dst.display()),
            );
        }
        let how = if writable { "" } else { "read-only " };
        self.push(
            Op::Bind {
                src: c(src)?,
                dst: c(dst)?,
                writable,
            },
            format!("bind-mounting `{}` {how}in the new root", src.display()),
        );
        Ok(())
    }
}

// The Landlock ABI (linux/landlock.h).
const CREATE_RULESET: libc::c_long = 444;
const ADD_RULE: libc::c_long = 445;
const CREATE_RULESET_VERSION: u32 = 1;
const RULE_PATH_BENEATH: u32 = 1;

const FS_EXECUTE: u64 = 1 << 0;
const FS_WRITE_FILE: u64 = 1 << 1;
const FS_READ_FILE: u64 = 1 << 2;
const FS_READ_DIR: u64 = 1 << 3;
const FS_TRUNCATE: u64 = 1 << 14;
const NET_BIND_TCP: u64 = 1 << 0;
const NET_CONNECT_TCP: u64 = 1 << 1;
const SCOPE_ABSTRACT_UNIX_SOCKET: u64 = 1 << 0;
const SCOPE_SIGNAL: u64 = 1 << 1;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

#[repr(C, packed)]
struct PathBeneath {
    allowed_access: u64,
    parent_fd: i32,
}

/// The fs rights the kernel's Landlock ABI `abi` knows (all of them are handled).
fn fs_rights(abi: i64) -> u64 {
    match abi {
        1 => (1 << 13) - 1,
        2 => (1 << 14) - 1,
        3 | 4 => (1 << 15) - 1,
        _ => (1 << 16) - 1,
    }
}

/// The Landlock ruleset of the fallback: read and execute beneath `read` (the system
/// directories, the runner's files, `/proc`, whose other processes Landlock's ptrace
/// scoping keeps out of reach), read and write the `devices`, everything beneath
/// `writable`; nothing else. Where the kernel has them (ABI 4, 6): no TCP bind or
/// connect, no abstract unix socket or signal outside the sandbox. The errno when the
/// kernel has no Landlock.
pub fn landlock_ruleset(read: &[PathBuf], writable: &[&Path]) -> Result<OwnedFd, i32> {
    let errno = || std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    // SAFETY: the version query takes no attribute.
    let abi = unsafe {
        libc::syscall(
            CREATE_RULESET,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            CREATE_RULESET_VERSION,
        )
    };
    if abi < 1 {
        return Err(errno());
    }
    let all = fs_rights(abi);
    let attr = RulesetAttr {
        handled_access_fs: all,
        handled_access_net: if abi >= 4 {
            NET_BIND_TCP | NET_CONNECT_TCP
        } else {
            0
        },
        scoped: if abi >= 6 {
            SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        } else {
            0
        },
    };
    let size = match abi {
        1..=3 => 8,
        4 | 5 => 16,
        _ => 24,
    };
    // SAFETY: an attribute of the size given; the descriptor is ours after.
    let fd = unsafe { libc::syscall(CREATE_RULESET, &attr as *const RulesetAttr, size, 0u32) };
    if fd < 0 {
        return Err(errno());
    }
    // SAFETY: a fresh descriptor we own (close-on-exec, as Landlock makes it).
    let ruleset = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    let file_rights = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | (1 << 15);
    let mut rules: Vec<(PathBuf, u64)> = read
        .iter()
        .map(|p| (p.clone(), FS_EXECUTE | FS_READ_FILE | FS_READ_DIR))
        .collect();
    for d in DEVICES {
        rules.push((
            Path::new("/dev").join(d),
            FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE,
        ));
    }
    rules.extend(writable.iter().map(|p| (p.to_path_buf(), all)));
    for (path, want) in rules {
        use std::os::unix::fs::OpenOptionsExt as _;
        let Ok(dir) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH)
            .open(&path)
        else {
            continue;
        };
        let is_dir = dir.metadata().is_ok_and(|m| m.is_dir());
        let allowed = want & all & if is_dir { u64::MAX } else { file_rights };
        let rule = PathBeneath {
            allowed_access: allowed,
            parent_fd: dir.as_raw_fd(),
        };
        // SAFETY: a rule of the type given, from descriptors we own.
        let r = unsafe {
            libc::syscall(
                ADD_RULE,
                ruleset.as_raw_fd(),
                RULE_PATH_BENEATH,
                &rule as *const PathBeneath,
                0u32,
            )
        };
        if r != 0 {
            return Err(errno());
        }
    }
    Ok(ruleset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(c: &CString) -> String {
        c.to_string_lossy().into_owned()
    }

    #[test]
    fn the_new_root_binds_the_system_read_only_and_only_the_private_dirs_writable() {
        let root = Path::new("/tmp/p/root");
        let (home, tmp, work) = (
            Path::new("/tmp/p/home"),
            Path::new("/tmp/p/tmp"),
            Path::new("/tmp/p/work"),
        );
        let plan = NewRoot::plan(
            root,
            &[home, tmp, work],
            &[PathBuf::from("/opt/qemu/qemu-aarch64")],
            work,
        )
        .unwrap();
        assert_eq!(plan.ops.len(), plan.what.len(), "a description per step");
        assert!(matches!(plan.ops[0], Op::MakePrivate), "private first");
        assert!(matches!(&plan.ops[1], Op::Tmpfs { dir, .. } if text(dir) == "/tmp/p/root"));
        let mut writable = Vec::new();
        for op in &plan.ops {
            match op {
                Op::Bind {
                    dst, writable: w, ..
                } => {
                    let dst = text(dst);
                    assert!(
                        dst.starts_with("/tmp/p/root/"),
                        "inside the new root: {dst}"
                    );
                    if *w {
                        writable.push(dst);
                    }
                }
                Op::Mkdir(d) | Op::Touch(d) => {
                    assert!(text(d).starts_with("/tmp/p/root"), "{}", text(d))
                }
                _ => {}
            }
        }
        let devices: Vec<String> = DEVICES
            .iter()
            .filter(|d| Path::new("/dev").join(d).exists())
            .map(|d| format!("/tmp/p/root/dev/{d}"))
            .collect();
        let mut want = devices;
        want.extend(["home", "tmp", "work"].map(|d| format!("/tmp/p/root/tmp/p/{d}")));
        assert_eq!(
            writable, want,
            "writable: the devices and the private dirs only"
        );
        let at = |f: &dyn Fn(&Op) -> bool| plan.ops.iter().position(f).unwrap();
        let proc = at(&|o| matches!(o, Op::Proc(_)));
        let pivot = at(&|o| matches!(o, Op::Pivot(_)));
        let ro = at(&|o| matches!(o, Op::RootReadOnly));
        assert!(
            proc < pivot && pivot < ro,
            "proc, then pivot, then read-only"
        );
        assert!(
            matches!(plan.ops.last(), Some(Op::Chdir(d)) if text(d) == "/tmp/p/work"),
            "ends in the working directory"
        );
        if Path::new("/usr").is_dir() {
            assert!(plan
                .what
                .iter()
                .any(|w| w == "bind-mounting `/usr` read-only in the new root"));
        }
    }

    #[test]
    fn landlock_handles_every_right_of_the_kernels_abi() {
        assert_eq!(fs_rights(1), 0x1fff);
        assert_eq!(fs_rights(2), 0x3fff);
        assert_eq!(fs_rights(4), 0x7fff);
        assert_eq!(fs_rights(7), 0xffff);
    }
}
