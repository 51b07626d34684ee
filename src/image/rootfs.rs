//! An image's root filesystem for one platform, extracted into a private directory, for a
//! smoke run inside the image (`run.smoke.IMAGE`).
//!
//! [`extract`] reads the image as [`super::read`] does (the same manifest choice, the same
//! layer walk into the same bounded index: whiteouts and opaque directories applied, hard
//! links and symlinks resolved inside the image's root), then writes the tree that index
//! describes into an empty directory the caller made, within [`BUDGETS`](super::BUDGETS)
//! (and [`MAX_ROOTFS`] bytes, and the free space of the directory's file system):
//!
//! - every path is written through directory descriptors opened one component at a time
//!   with `O_NOFOLLOW`, so nothing is ever written through a symlink, and no file is
//!   created anywhere but below the directory; a symlink of the image is written as a
//!   symlink, to be resolved only inside the run's root (where `/` is the image's);
//! - a hard link becomes a link to the file of the image it names, never to a host file
//!   (its target is looked up in the index, whose paths are all inside the image);
//! - no device node or FIFO is created, and no setuid or setgid bit survives (files keep
//!   `mode & 0o777`; directories also their sticky bit, and are always the owner's to
//!   enter, so the tree can be removed);
//! - the directories the run mounts its own at ([`MOUNT_POINTS`]) are made real
//!   directories, whatever the image put there, and [`PRIVATE_DIR`] holds nothing of
//!   the image's;
//! - `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf` are the run's own
//!   ([`RUNTIME_FILES`]), as container runtimes bind them into every container: written
//!   in place of the image's (a symlink there unlinked, never followed; nothing of the
//!   host's copied), none under an `/etc` that is not a directory.
//!
//! The image config's `User`, `Env` and `WorkingDir` come with it: the user is resolved
//! as a container runtime resolves it ([`run_user`], numeric or looked up in the image's
//! `/etc/passwd` and `/etc/group`), and a missing working directory is created.

use std::collections::BTreeMap;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use super::files::{Kind, Lookup};
use super::tarwalk::Flow;
use super::{ImageError, ImageFiles, ImageRef, Platform};

/// The most file bytes extracted for one image (hard-linked files counted once).
pub const MAX_ROOTFS: u64 = 4 << 30;
/// The directory of the root where the run binds its own files (the artifact, qemu).
pub const PRIVATE_DIR: &str = "/.xbuild-go";
/// Where the run mounts its own file systems: always real directories of the root.
pub const MOUNT_POINTS: &[&str] = &["/dev", "/proc", PRIVATE_DIR];
/// The `PATH` a container runtime gives a process whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// Notes kept about what was not written (the rest are counted).
const MAX_NOTES: usize = 20;

/// Who the artifact runs as inside the image, resolved from the config's `User`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunUser {
    pub uid: u32,
    pub gid: u32,
    /// The user's name, when `/etc/passwd` has the uid.
    pub name: Option<String>,
    /// The user's home directory from `/etc/passwd`, else `/`.
    pub home: String,
}

/// An image's root, extracted.
#[derive(Debug, Clone)]
pub struct RootFs {
    /// The reference as read.
    pub reference: String,
    /// The platform of the manifest read (from its config).
    pub platform: Platform,
    /// The directory holding the tree (the one given to [`extract`]).
    pub dir: PathBuf,
    /// The config's `User` as written (`None`: unset, root).
    pub user: Option<String>,
    /// Who that is: [`run_user`] on the image's own files, or why it cannot be resolved
    /// (a container runtime refuses to start such an image).
    pub run_as: Result<RunUser, String>,
    /// The config's `Env`, `KEY=VALUE` each.
    pub env: Vec<String>,
    /// The config's `WorkingDir` resolved inside the root (made when missing), else `/`.
    pub working_dir: String,
    /// Where `/tmp` resolves inside the root, when it is a directory there.
    pub tmp: Option<String>,
    /// Regular files and bytes written (hard links counted once).
    pub files: u64,
    pub bytes: u64,
    /// What was not written as the image has it (device nodes, setuid bits, ...).
    pub notes: Vec<String>,
    pub skipped: usize,
}

impl RootFs {
    /// The run's environment: the image's `Env` (a later entry for a key wins, entries
    /// without `=` ignored), then `PATH` ([`DEFAULT_PATH`]) and `HOME` (the user's) when
    /// the image sets neither, as container runtimes add them.
    pub fn run_env(&self, user: &RunUser) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = Vec::new();
        for e in &self.env {
            let Some((k, v)) = e.split_once('=') else {
                continue;
            };
            if k.is_empty() {
                continue;
            }
            env.retain(|(key, _)| key != k);
            env.push((k.to_string(), v.to_string()));
        }
        for (k, v) in [("PATH", DEFAULT_PATH), ("HOME", user.home.as_str())] {
            if !env.iter().any(|(key, _)| key == k) {
                env.push((k.to_string(), v.to_string()));
            }
        }
        env
    }

    fn note(&mut self, what: String) {
        self.skipped += 1;
        if self.notes.len() < MAX_NOTES {
            self.notes.push(what);
        }
    }

    /// Whether writing `path` worked; a failure is a note (the path is left out), but a
    /// budget passed (the disk full) stops the extraction.
    fn skip_failed(
        &mut self,
        path: &str,
        done: Result<(), ImageError>,
    ) -> Result<bool, ImageError> {
        match done {
            Ok(()) => Ok(true),
            Err(e) if e.over_budget => Err(e),
            Err(e) => {
                self.note(format!("`{path}` not written: {}", e.message));
                Ok(false)
            }
        }
    }
}

/// Resolves an image config's `User` (`NAME`, `UID`, `NAME:GROUP`, `UID:GID`, unset for
/// root) as container runtimes do: a name must be in `/etc/passwd` (and a group name in
/// `/etc/group`); a number need not be, and then runs with gid 0 and home `/`.
pub fn run_user(
    spec: Option<&str>,
    passwd: Option<&[u8]>,
    group: Option<&[u8]>,
) -> Result<RunUser, String> {
    let spec = spec.unwrap_or("").trim();
    let (user, grp) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let id = |s: &str| s.parse::<u32>().ok().filter(|&n| n != u32::MAX);
    let lines = |bytes: Option<&[u8]>| -> Vec<Vec<String>> {
        String::from_utf8_lossy(bytes.unwrap_or_default())
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .map(|l| l.split(':').map(str::to_string).collect())
            .collect()
    };
    let users = lines(passwd);
    let user = if user.is_empty() { "0" } else { user };
    let entry = |by: &dyn Fn(&[String]) -> bool| users.iter().find(|f| f.len() >= 4 && by(f));
    let found = match id(user) {
        Some(uid) => entry(&|f| id(&f[2]) == Some(uid)),
        None => entry(&|f| f[0] == user),
    };
    let (uid, mut gid, name, home) = match (id(user), found) {
        (_, Some(f)) => (
            id(&f[2])
                .ok_or_else(|| format!("its /etc/passwd gives `{user}` the uid {:?}", f[2]))?,
            id(&f[3]).unwrap_or(0),
            Some(f[0].clone()),
            f.get(5).filter(|h| !h.is_empty()).cloned(),
        ),
        (Some(uid), None) => (uid, 0, None, None),
        (None, None) => {
            return Err(match passwd {
                None => format!(
                    "the image's User is `{spec}`, and the image has no /etc/passwd to look \
                     `{user}` up in: a container runtime refuses to start it"
                ),
                Some(_) => format!(
                    "the image's User is `{spec}`, and its /etc/passwd has no user `{user}`: \
                     a container runtime refuses to start it"
                ),
            })
        }
    };
    if let Some(g) = grp.filter(|g| !g.is_empty()) {
        gid = match id(g) {
            Some(n) => n,
            None => lines(group)
                .iter()
                .find(|f| f.len() >= 3 && f[0] == g)
                .and_then(|f| id(&f[2]))
                .ok_or_else(|| {
                    format!(
                        "the image's User is `{spec}`, and its /etc/group has no group `{g}`: \
                         a container runtime refuses to start it"
                    )
                })?,
        };
    }
    Ok(RunUser {
        uid,
        gid,
        name,
        home: home.unwrap_or_else(|| "/".to_string()),
    })
}

/// Extracts the root filesystem of the image `r` names (a relative path taken against
/// `base`) for `platform` into `into`, an empty directory the caller made (and removes).
/// Past a budget ([`MAX_ROOTFS`], the reader's own, the free space there) the error is
/// [`ImageError::budget`]; a damaged image, or a file that cannot be written, is an error
/// too. On error `into` may hold part of the tree.
pub fn extract(
    r: &ImageRef,
    base: &Path,
    platform: &Platform,
    into: &Path,
) -> Result<RootFs, ImageError> {
    extract_within(r, base, platform, into, MAX_ROOTFS)
}

/// [`extract`] with at most `max` file bytes written ([`extract`]: [`MAX_ROOTFS`]).
pub fn extract_within(
    r: &ImageRef,
    base: &Path,
    platform: &Platform,
    into: &Path,
    max: u64,
) -> Result<RootFs, ImageError> {
    let super::Indexed {
        source,
        picked,
        files,
        mut budget,
    } = super::index(r, base, platform)?;
    let mut fs = RootFs {
        reference: r.to_string(),
        platform: picked.platform.clone(),
        dir: into.to_path_buf(),
        user: picked.user.clone(),
        run_as: Err(String::new()),
        env: picked.env.clone(),
        working_dir: "/".to_string(),
        tmp: None,
        files: 0,
        bytes: 0,
        notes: Vec::new(),
        skipped: 0,
    };
    // The files whose bytes are written, by where the bytes are: the paths sharing one
    // source are hard links of each other.
    let mut data: BTreeMap<(usize, u64), Vec<String>> = BTreeMap::new();
    for (path, node) in &files.nodes {
        if let (Kind::File, Some(src), false) = (node.kind, node.src, in_private_dir(path)) {
            data.entry(src).or_default().push(path.clone());
        }
    }
    let bytes: u64 = data
        .values()
        .filter_map(|paths| files.nodes.get(&paths[0]))
        .map(|n| n.size)
        .sum();
    if bytes > max {
        return Err(ImageError::budget(format!(
            "its root filesystem holds {bytes} bytes of files; at most {max} are extracted for \
             a run inside it (MAX_ROOTFS)"
        )));
    }
    if let Some(free) = free_bytes(into) {
        let need = bytes + (files.len() as u64) * 512;
        if need > free {
            return Err(ImageError::budget(format!(
                "its root filesystem needs about {} MiB, and `{}` has {} MiB free",
                need >> 20,
                into.display(),
                free >> 20
            )));
        }
    }
    let mut tree = Tree::open(into)?;
    let mut dirs: Vec<(String, u32)> = vec![("/".to_string(), 0o755)];
    for (path, node) in &files.nodes {
        let ours = MOUNT_POINTS.iter().any(|m| path == m);
        if in_private_dir(path) {
            fs.note(format!(
                "`{path}` not written: the run keeps {PRIVATE_DIR} for itself"
            ));
            continue;
        }
        if node.mode & 0o6000 != 0 && matches!(node.kind, Kind::Dir | Kind::File) {
            fs.note(format!("`{path}`: its setuid/setgid bits are dropped"));
        }
        let done = match node.kind {
            Kind::Dir => {
                dirs.push((path.clone(), (node.mode & 0o1777) | 0o700));
                tree.dir(path).map(drop)
            }
            _ if ours => {
                fs.note(format!(
                    "`{path}` is not a directory in the image: the run mounts its own there"
                ));
                Ok(())
            }
            Kind::Symlink => tree.symlink(path, node.link.as_deref().unwrap_or("")),
            Kind::Special => {
                fs.note(format!(
                    "`{path}` is a device node or FIFO: not created (a run has only its own \
                     /dev)"
                ));
                Ok(())
            }
            // A sparse file: its bytes in the layer are not the file's.
            Kind::File if node.src.is_none() => {
                fs.note(format!("`{path}` is a sparse file: written empty"));
                tree.file(path, node.mode & 0o777, &mut std::io::empty(), 0)
            }
            Kind::File => Ok(()),
        };
        fs.skip_failed(path, done)?;
    }
    for m in MOUNT_POINTS {
        tree.dir(m)?;
    }
    // The bytes: one walk of each layer that holds any, stopping after its last file.
    let mut by_layer: BTreeMap<usize, BTreeMap<u64, Vec<String>>> = BTreeMap::new();
    for ((layer, ord), paths) in data {
        by_layer.entry(layer).or_default().insert(ord, paths);
    }
    for (layer, mut want) in by_layer {
        let Some(blob) = picked.layers.get(layer) else {
            continue;
        };
        super::layers::walk_layer(&source, layer, blob, &mut budget, |ord, _, reader| {
            let Some(paths) = want.remove(&ord) else {
                return Ok(Flow::Continue);
            };
            let node = &files.nodes[&paths[0]];
            let written = tree.file(&paths[0], node.mode & 0o777, reader, node.size);
            if fs.skip_failed(&paths[0], written)? {
                fs.files += 1;
                fs.bytes += node.size;
                for other in &paths[1..] {
                    let linked = tree.link(&paths[0], other);
                    fs.skip_failed(other, linked)?;
                }
            }
            Ok(if want.is_empty() {
                Flow::Stop
            } else {
                Flow::Continue
            })
        })?;
    }
    fs.tmp = match files.resolve("/tmp", true) {
        Lookup::Found { path, node } if node.kind == Kind::Dir => {
            let under_ours = path == "/"
                || MOUNT_POINTS
                    .iter()
                    .any(|m| path == *m || path.starts_with(&format!("{m}/")));
            if under_ours {
                fs.note(format!(
                    "/tmp resolves to `{path}`, where the run mounts its own: no /tmp"
                ));
                None
            } else {
                Some(path)
            }
        }
        _ => None,
    };
    match working_dir(&files, &mut tree, picked.working_dir.as_deref()) {
        Ok((wd, made)) => {
            dirs.extend(made.into_iter().map(|d| (d, 0o755)));
            fs.working_dir = wd;
        }
        Err(why) => fs.note(why),
    }
    // A tmpfs on /tmp would hide a working directory below it.
    if let Some(tmp) = fs.tmp.take() {
        if fs.working_dir == tmp || fs.working_dir.starts_with(&format!("{tmp}/")) {
            fs.note(format!(
                "the working directory `{}` is under /tmp: no tmpfs on /tmp",
                fs.working_dir
            ));
        } else {
            fs.tmp = Some(tmp);
        }
    }
    if runtime_files(&mut tree, &mut fs)? {
        dirs.push(("/etc".to_string(), 0o755));
    }
    // Modes last, deepest first: a directory of mode 0555 is written into before.
    dirs.sort();
    for (dir, mode) in dirs.iter().rev() {
        let done = tree.chmod_dir(dir, *mode);
        fs.skip_failed(dir, done)?;
    }
    let small = |path: &str| -> Option<Vec<u8>> {
        let (real, node) = files.stat(path)?;
        if node.kind != Kind::File {
            return None;
        }
        let root = crate::input::file::open_root(into).ok()?;
        let (f, len) = crate::input::file::open_in(&root, into, &real).ok()?;
        crate::input::file::read_bounded(f, len, super::SMALL_CAP, into).ok()
    };
    let (passwd, group) = (small("/etc/passwd"), small("/etc/group"));
    fs.run_as = run_user(fs.user.as_deref(), passwd.as_deref(), group.as_deref());
    Ok(fs)
}

/// The container's name in the run's `/etc/hostname` and `/etc/hosts`, and its UTS
/// namespace's hostname.
pub const HOSTNAME: &str = "xbuild-go-smoke";

/// The files every container runtime a user meets (docker, podman, Kubernetes; runc
/// alone does not) puts into a container, whatever the image has there, written as
/// this run's own: `/etc/hosts` (localhost on both families, and [`HOSTNAME`]),
/// `/etc/hostname`, and an `/etc/resolv.conf` naming no nameserver (the run has no
/// network). Nothing of the host's is copied.
pub const RUNTIME_FILES: &[&str] = &["hosts", "hostname", "resolv.conf"];

/// The content of the run's `/etc/NAME`, one of [`RUNTIME_FILES`].
pub fn runtime_file(name: &str) -> String {
    match name {
        "hosts" => format!(
            "# written by cargo-xbuild-go for a run inside the image, as container runtimes \
             do\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n\
             127.0.1.1\t{HOSTNAME}\n"
        ),
        "hostname" => format!("{HOSTNAME}\n"),
        _ => "# written by cargo-xbuild-go for a run inside the image: no network, no \
              nameserver\noptions ndots:0\n"
            .to_string(),
    }
}

/// Writes [`RUNTIME_FILES`] into the root's `/etc`, replacing what the image put at those
/// names (a file, a symlink: the name is unlinked, never followed, and the new file made
/// with `O_EXCL`); a directory at one of the names is left and noted. An `/etc` that is
/// a symlink or not a directory gets none of them, with a note (the tree is written
/// through `O_NOFOLLOW` descriptors only). True when `/etc` was made here (its mode is
/// the caller's to set).
fn runtime_files(tree: &mut Tree, fs: &mut RootFs) -> Result<bool, ImageError> {
    let made = {
        let root = tree.dir("/")?;
        type_at(&root, c"etc").is_none()
    };
    let etc = match tree.dir("/etc") {
        Ok(fd) => fd,
        Err(e) if e.over_budget => return Err(e),
        Err(e) => {
            fs.note(format!(
                "/etc is not a directory in the image ({}): the run gets no /etc/hosts, \
                 /etc/hostname or /etc/resolv.conf of its own",
                e.message
            ));
            return Ok(false);
        }
    };
    for name in RUNTIME_FILES {
        let content = runtime_file(name);
        let path = format!("/etc/{name}");
        let c_name = name_of(name).map_err(|e| tree.err(&path, e))?;
        let there = type_at(&etc, &c_name);
        if there == Some(libc::S_IFDIR) {
            fs.note(format!(
                "`{path}` is a directory in the image: the run's own is not written"
            ));
            continue;
        }
        // SAFETY: unlinkat on a descriptor we own and a NUL-terminated name (it follows no
        // symlink).
        if there.is_some() && unsafe { libc::unlinkat(etc.as_raw_fd(), c_name.as_ptr(), 0) } != 0 {
            return Err(tree.err(&path, errno()));
        }
        let written = tree.file(&path, 0o644, &mut content.as_bytes(), content.len() as u64);
        fs.skip_failed(&path, written)?;
    }
    Ok(made)
}

/// An empty regular file at `path` (absolute, its directories free of symlinks: what
/// [`ImageFiles::place`] gives) in the extracted tree `dir`, to bind the artifact over:
/// the missing directories made (mode 0755), a symlink or file already at the name
/// replaced, never followed. Its host path.
pub fn mount_point(dir: &Path, path: &str) -> Result<PathBuf, ImageError> {
    let mut tree = Tree::open_existing(dir)?;
    let (parent, name) = split(path);
    for d in dirs_below(parent) {
        let (up, n) = split(&d);
        let up = tree.dir(up)?;
        let n = name_of(n).map_err(|e| tree.err(&d, e))?;
        let there = type_at(&up, &n).is_some();
        let made = tree.dir(&d)?;
        // SAFETY: fchmod on a descriptor we own.
        if !there && unsafe { libc::fchmod(made.as_raw_fd(), 0o755) } != 0 {
            return Err(tree.err(&d, errno()));
        }
    }
    let at = tree.dir(parent)?;
    let c_name = name_of(name).map_err(|e| tree.err(path, e))?;
    // SAFETY: unlinkat/openat on a descriptor we own, a NUL-terminated name; neither
    // follows a symlink.
    unsafe {
        if let Some(t) = type_at(&at, &c_name) {
            if t == libc::S_IFDIR {
                return Err(ImageError::new(format!(
                    "`{path}` is a directory in the image: the artifact cannot be put there"
                )));
            }
            if t != libc::S_IFREG && libc::unlinkat(at.as_raw_fd(), c_name.as_ptr(), 0) != 0 {
                return Err(tree.err(path, errno()));
            }
        }
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        let fd = libc::openat(at.as_raw_fd(), c_name.as_ptr(), flags, 0o644);
        if fd < 0 {
            return Err(tree.err(path, errno()));
        }
        libc::close(fd);
    }
    Ok(dir.join(path.trim_start_matches('/')))
}

/// `/a`, `/a/b` for `/a/b`.
fn dirs_below(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = String::new();
    for c in dir.split('/').filter(|c| !c.is_empty()) {
        at = format!("{at}/{c}");
        out.push(at.clone());
    }
    out
}

/// The working directory a run starts in: `WorkingDir` resolved inside the image (its
/// symlinks followed there), the missing part made as container runtimes make it; `/`
/// when unset. Also the directories made. Why not, when it cannot be had (the run then
/// starts in `/`).
fn working_dir(
    files: &ImageFiles,
    tree: &mut Tree,
    wd: Option<&str>,
) -> Result<(String, Vec<String>), String> {
    let Some(wd) = wd else {
        return Ok(("/".to_string(), Vec::new()));
    };
    let mut at: Vec<String> = Vec::new();
    let mut made = Vec::new();
    let joined = |parts: &[String]| format!("/{}", parts.join("/"));
    let cannot = |why: String| {
        format!("the image's WorkingDir `{wd}` cannot be entered ({why}): the run starts in /")
    };
    for c in wd.split('/').filter(|c| !c.is_empty() && *c != ".") {
        if c == ".." {
            at.pop();
            continue;
        }
        at.push(c.to_string());
        let path = joined(&at);
        let missing = !made.is_empty()
            || match files.resolve(&path, true) {
                Lookup::Found { path: real, node } if node.kind == Kind::Dir => {
                    at = real
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    false
                }
                // Missing itself, not a link to nothing.
                Lookup::Missing { at: gone } if gone == path => true,
                _ => return Err(cannot(format!("`{path}` is no directory there"))),
            };
        if missing {
            tree.dir(&path).map_err(|e| cannot(e.message))?;
            made.push(path);
        }
    }
    Ok((joined(&at), made))
}

/// Whether `path` is [`PRIVATE_DIR`] or below it.
fn in_private_dir(path: &str) -> bool {
    path.strip_prefix(PRIVATE_DIR)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Bytes free for an unprivileged writer on the file system holding `dir`.
mod tree;
use tree::{errno, free_bytes, name_of, split, type_at, Tree};

#[cfg(test)]
mod tests;
