//! The reference "real run" of the agreement table (issue 20): a program run inside an
//! image as a container runtime runs it, with the test's own means and none of the
//! tool's smoke code (that is what it checks).
//!
//! [`unpack`] ([`unpack_cached`]: once, into the rootfs cache): `umoci unpack` of the
//! image's OCI layout (umoci also resolves the config's
//! `User` against the image's `/etc/passwd` and `/etc/group`, and writes `Env` and
//! `WorkingDir`, into the bundle's runtime `config.json`, as runc would get them), then
//! what every user-facing runtime (docker, podman, Kubernetes) binds into a container:
//! `/etc/hosts` (localhost on both families, the hostname), `/etc/hostname` and an
//! `/etc/resolv.conf` naming no nameserver (there is no network), replacing what the
//! image has there without following a symlink; a static `qemu-<arch>-static` is copied
//! into the root for a foreign architecture.
//!
//! [`Unpacked::run`]: the artifact copied into the root, then run by util-linux's
//! `unshare`: a user namespace whose ids are the host's (0-65535, mapped by this process,
//! which is root: no `newuidmap` needed), then mount, PID, network and UTS namespaces
//! (the hostname [`HOSTNAME`], as `/etc/hosts` says), a fresh
//! `/proc`, a tmpfs `/dev` with `null`, `zero` and `urandom` bound from the host, a tmpfs
//! `/tmp` only when the image has `/tmp`, `lo` up and no other interface; `unshare
//! --root --wd --setuid --setgid` chroots into the root, enters `WorkingDir` and becomes
//! the image's user, and the program gets exactly the config's `Env` (plus `HOME` from
//! `/etc/passwd`, else `/`, as runc adds it; umoci adds `PATH` when the image sets none).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The hostname a run's `/etc/hosts` and `/etc/hostname` give the container.
pub const HOSTNAME: &str = "agreement";

/// Where a run's own files (the program, qemu) live inside the root.
const OWN_DIR: &str = ".agreement";

/// Why the real runs cannot happen on this host, or `None` when they can: they need
/// root (to map the host's ids into the user namespace), `unshare` and `umoci`.
pub fn unavailable() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(
            "the reference runs map ids 0-65535 into a user namespace: run as root".into(),
        );
    }
    for tool in ["unshare", "umoci", "mount", "timeout"] {
        if super::which(tool).is_none() {
            return Some(format!("{tool} is not installed"));
        }
    }
    None
}

/// An image unpacked for real runs.
pub struct Unpacked {
    /// The bundle directory umoci wrote (`rootfs/` and `config.json`).
    pub bundle: PathBuf,
    pub rootfs: PathBuf,
    pub uid: u32,
    pub gid: u32,
    pub env: Vec<String>,
    pub cwd: String,
    /// Whether the image has a `/tmp` directory (then the run gets a tmpfs there).
    pub tmp: bool,
    /// The emulator's path inside the root, for a foreign architecture.
    pub qemu: Option<String>,
    /// Where in the root a program runs from, when not from a directory of its own (a
    /// file there, which each run binds its program over in its own mount namespace).
    pub at: Option<String>,
}

/// What a real run did.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.code == Some(0)
    }
}

/// Unpacks `layout:tag` (an OCI layout) into `bundle` (not existing yet) and prepares
/// the root as a runtime does; `qemu` is the emulator this host needs for the image's
/// architecture, when it needs one; `at` where each program is put in the root (as an
/// image build would copy it), else a directory of the run's own.
pub fn unpack(
    layout: &Path,
    tag: &str,
    bundle: &Path,
    qemu: Option<&str>,
    at: Option<&str>,
) -> Unpacked {
    let out = Command::new("umoci")
        .args(["unpack", "--image", &format!("{}:{tag}", layout.display())])
        .arg(bundle)
        .output()
        .expect("running umoci unpack");
    super::assert_succeeded_saying_all(&out, &format!("umoci unpack {}:{tag}: ", layout.display()));
    prepare(bundle, qemu, at);
    opened(bundle, at)
}

/// [`unpack`] once, into the rootfs cache (tests/util/rootfs.rs), keyed by the layout
/// (whose path is keyed by what went into it), the tag, the emulator and `at`: runs
/// write only their own directories below it, removed when they end.
pub fn unpack_cached(layout: &Path, tag: &str, qemu: Option<&str>, at: Option<&str>) -> Unpacked {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (layout, tag, qemu, at).hash(&mut h);
    let dest = super::rootfs::cache_dir().join(format!("bundle-{:016x}", h.finish()));
    let dir = super::rootfs::publish(&dest, |d| {
        unpack(layout, tag, &d.join("b"), qemu, at);
    });
    opened(&dir.join("b"), at)
}

/// Makes the unpacked `bundle`'s root ready, as a runtime would before its first run.
fn prepare(bundle: &Path, qemu: Option<&str>, at: Option<&str>) {
    let rootfs = bundle.join("rootfs");
    let cwd = config_of(bundle)["process"]["cwd"]
        .as_str()
        .unwrap_or("/")
        .to_string();
    // As runc does: a missing working directory is made.
    std::fs::create_dir_all(rootfs.join(cwd.trim_start_matches('/'))).ok();
    for d in ["dev", "proc", OWN_DIR] {
        let p = rootfs.join(d);
        if std::fs::symlink_metadata(&p).is_err() {
            std::fs::create_dir(&p).unwrap();
        }
    }
    runtime_files(&rootfs);
    if let Some(q) = qemu {
        let host = super::which(q).unwrap_or_else(|| panic!("{q} not found"));
        std::fs::copy(host, rootfs.join(OWN_DIR).join(q)).unwrap();
    }
    if let Some(at) = at {
        let p = rootfs.join(at.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"").unwrap();
    }
}

fn config_of(bundle: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(bundle.join("config.json")).expect("umoci's config.json"))
        .expect("umoci's config.json is JSON")
}

/// The prepared `bundle`, as its runs see it.
fn opened(bundle: &Path, at: Option<&str>) -> Unpacked {
    let config = config_of(bundle);
    let qemu = std::fs::read_dir(bundle.join("rootfs").join(OWN_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("qemu-"))
        .map(|q| format!("/{OWN_DIR}/{q}"));
    let process = &config["process"];
    let rootfs = bundle.join("rootfs");
    let uid = process["user"]["uid"].as_u64().expect("process.user.uid") as u32;
    let gid = process["user"]["gid"].as_u64().expect("process.user.gid") as u32;
    let mut env: Vec<String> = process["env"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if !env.iter().any(|e| e.starts_with("HOME=")) {
        env.push(format!("HOME={}", home_of(&rootfs, uid)));
    }
    let cwd = process["cwd"].as_str().unwrap_or("/").to_string();
    let tmp = std::fs::symlink_metadata(rootfs.join("tmp")).is_ok_and(|m| m.is_dir());
    Unpacked {
        at: at.map(String::from),
        bundle: bundle.to_path_buf(),
        rootfs,
        uid,
        gid,
        env,
        cwd,
        tmp,
        qemu,
    }
}

/// The home directory `/etc/passwd` of `root` gives `uid`, else `/`.
fn home_of(root: &Path, uid: u32) -> String {
    let passwd = match std::fs::symlink_metadata(root.join("etc/passwd")) {
        Ok(m) if m.is_file() => {
            std::fs::read_to_string(root.join("etc/passwd")).unwrap_or_default()
        }
        _ => String::new(),
    };
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() >= 6 && f[2].parse::<u32>().ok() == Some(uid))
        .map_or_else(|| "/".to_string(), |f| f[5].to_string())
}

/// The three files runtimes give every container, written in place of the image's
/// (a symlink there is removed, never followed); none when `/etc` is not a directory.
fn runtime_files(root: &Path) {
    let etc = root.join("etc");
    match std::fs::symlink_metadata(&etc) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return,
        Err(_) => std::fs::create_dir(&etc).unwrap(),
    }
    let files = [
        (
            "hosts",
            format!("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{HOSTNAME}\n"),
        ),
        ("hostname", format!("{HOSTNAME}\n")),
        ("resolv.conf", "# no network\noptions ndots:0\n".to_string()),
    ];
    for (name, content) in files {
        let p = etc.join(name);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => std::fs::remove_file(&p).unwrap(),
            Err(_) => {}
        }
        std::fs::write(&p, content).unwrap();
    }
}

/// The script PID 1 of the new mount, PID and network namespaces runs (the host's `sh`):
/// the mounts of the root, `lo`, then the chroot and the user by `unshare`, with exactly
/// the environment given. Arguments: ROOT TMP(0|1) UID GID CWD HOSTNAME COPY AT (the
/// program bound at AT in the root, when AT is not empty) then `env -i` arguments.
const SCRIPT: &str = r#"set -e
root=$1 tmp=$2 uid=$3 gid=$4 cwd=$5 HOSTNAME_=$6 copy=$7 at=$8
shift 8
if [ -n "$at" ]; then mount --bind -o ro "$copy" "$root$at"; fi
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t tmpfs -o mode=755,size=64k tmpfs "$root/dev"
for d in null zero urandom; do
  : > "$root/dev/$d"
  mount --bind "/dev/$d" "$root/dev/$d"
done
if [ "$tmp" = 1 ]; then mount -t tmpfs -o mode=1777,size=64m tmpfs "$root/tmp"; fi
if command -v ip >/dev/null 2>&1; then ip link set lo up; fi
echo "$HOSTNAME_" > /proc/sys/kernel/hostname
exec /usr/bin/env -i "$@"
"#;

impl Unpacked {
    /// Runs `program` (a host file, copied into the root as `name`) with `args`, at
    /// most 120 s.
    pub fn run(&self, program: &Path, name: &str, args: &[&str]) -> Outcome {
        let dir = tempfile::Builder::new()
            .prefix("run-")
            .tempdir_in(self.rootfs.join(OWN_DIR))
            .unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let copy = dir.path().join(name);
        std::fs::copy(program, &copy).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        let inside = self
            .at
            .clone()
            .unwrap_or_else(|| format!("/{}", copy.strip_prefix(&self.rootfs).unwrap().display()));
        let mut argv: Vec<String> = Vec::new();
        argv.extend(self.env.iter().cloned());
        argv.extend([
            "/usr/bin/unshare".to_string(),
            format!("--root={}", self.rootfs.display()),
            format!("--wd={}", self.cwd),
            format!("--setuid={}", self.uid),
            format!("--setgid={}", self.gid),
            "--".to_string(),
        ]);
        match &self.qemu {
            Some(q) => argv.extend([q.clone(), inside]),
            None => argv.push(inside),
        }
        argv.extend(args.iter().map(|a| a.to_string()));
        // Stage 1 makes the user namespace and waits for its ids to be mapped (by us:
        // root may map any range); its exec of stage 2 then has every capability there.
        let mut child = Command::new("timeout")
            .args([
                "--kill-after=5",
                "120",
                "unshare",
                "--user",
                "--",
                "sh",
                "-c",
            ])
            .arg(
                "echo ready; read go; exec unshare --mount --pid --net --uts --fork --kill-child \
                 --propagation private -- sh -c \"$0\" sh \"$@\"",
            )
            .arg(SCRIPT)
            .arg(&self.rootfs)
            .arg(if self.tmp { "1" } else { "0" })
            .arg(self.uid.to_string())
            .arg(self.gid.to_string())
            .arg(&self.cwd)
            .arg(HOSTNAME)
            .arg(&copy)
            .arg(self.at.as_deref().unwrap_or(""))
            .args(&argv)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning timeout unshare");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let mut stdin = child.stdin.take().unwrap();
        if line.trim() == "ready" {
            // The process in the new user namespace: timeout's child, unshare become sh.
            let pid = child_of(child.id());
            for (file, map) in [("uid_map", "0 0 65536\n"), ("gid_map", "0 0 65536\n")] {
                std::fs::write(format!("/proc/{pid}/{file}"), map)
                    .unwrap_or_else(|e| panic!("writing /proc/{pid}/{file}: {e}"));
            }
            stdin.write_all(b"go\n").ok();
        }
        drop(stdin);
        let mut out = String::new();
        stdout.read_to_string(&mut out).ok();
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).ok();
        let status = child.wait().unwrap();
        drop(dir);
        Outcome {
            code: status.code(),
            stdout: out,
            stderr: err,
        }
    }
}

/// The one child process of `pid` (timeout's: the command it runs).
fn child_of(pid: u32) -> u32 {
    let path = format!("/proc/{pid}/task/{pid}/children");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    text.split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{path} names no child: {text:?}"))
}
