//! Real root filesystems for in-image tests, made from Debian packages, and real images
//! made from them.
//!
//! Packages come through the host's own apt sources (read at run time, never written
//! down) with a private `APT_CONFIG`, so the host's apt state is never touched; a root is
//! the packages unpacked with `dpkg-deb -x`, plus what their maintainer scripts would have
//! made (the CA bundle of ca-certificates, `/etc/ld.so.cache` written by the root's own
//! `ldconfig`, under qemu for a foreign architecture), plus the files a test writes.
//! Images are made with umoci (a layer per `Root::layer`, with real whiteouts) and copied
//! with skopeo into `oci-archive:` and `docker-archive:` form.
//!
//! Everything is cached under the target directory (`xbuild-test-rootfs/`), keyed by what
//! went into it, and published by renaming a finished directory into place, so parallel
//! tests and test binaries share one copy and never see a half-made one.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{in_ci, which};

/// The Debian architecture of a GOARCH.
pub fn debian_arch(goarch: &str) -> &str {
    match goarch {
        "arm" => "armhf",
        "386" => "i386",
        "ppc64le" => "ppc64el",
        other => other,
    }
}

/// The qemu user-mode emulator that runs `arch` (Debian name) on this host, or `None`
/// when the host runs it natively.
pub fn qemu_for(arch: &str) -> Option<&'static str> {
    let native = debian_arch(super::shared::host_arch());
    if arch == native {
        return None;
    }
    Some(match arch {
        "arm64" => "qemu-aarch64-static",
        "armhf" => "qemu-arm-static",
        "amd64" => "qemu-x86_64-static",
        "riscv64" => "qemu-riscv64-static",
        "ppc64el" => "qemu-ppc64le-static",
        "s390x" => "qemu-s390x-static",
        "i386" => "qemu-i386-static",
        _ => panic!("no qemu known for Debian architecture {arch}"),
    })
}

/// The cache directory of this module.
pub fn cache_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::repo().join("target"));
    let dir = target.join("xbuild-test-rootfs");
    std::fs::create_dir_all(&dir).expect("creating the rootfs cache directory");
    dir
}

/// The tools this module needs, or the reason to skip (a failure under `CI=true`).
pub fn require_tools(why: &str) -> bool {
    let mut tools = vec!["apt-get", "dpkg-deb", "umoci", "skopeo"];
    tools.retain(|t| which(t).is_none());
    if tools.is_empty() {
        return true;
    }
    let msg = format!("skipping ({why}): {} not installed", tools.join(", "));
    assert!(!in_ci(), "{msg}; under CI=true this must run");
    eprintln!("{msg}");
    false
}

/// Runs a command and returns its stdout, failing the test with what ran and its
/// stderr when it fails.
fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("starting {cmd:?}: {e}"));
    let what = format!("{cmd:?} failed ({}):\n", out.status);
    super::shared::assert_succeeded_saying_all(&out, &what);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes `dest` by calling `make` on a fresh sibling directory and renaming it into
/// place; when another test got there first, its copy is kept and ours dropped.
pub fn publish(dest: &Path, make: impl FnOnce(&Path)) -> PathBuf {
    if dest.exists() {
        return dest.to_path_buf();
    }
    let parent = dest.parent().expect("a cache path has a parent");
    let tmp = tempfile::Builder::new()
        .prefix(".making-")
        .tempdir_in(parent)
        .expect("a scratch directory in the cache");
    let work = tmp.path().join("x");
    std::fs::create_dir(&work).unwrap();
    make(&work);
    if std::fs::rename(&work, dest).is_err() && !dest.exists() {
        panic!("could not publish {}", dest.display());
    }
    dest.to_path_buf()
}

/// Held around every apt-get of this process: two tests making roots at once would
/// otherwise run `apt-get update` together, the second fail on apt's lock, and its
/// download then find no lists ("Unable to locate package").
static APT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A private apt for one architecture: its config file, with the host's sources. The
/// caller holds [`APT`].
fn apt_config(arch: &str) -> PathBuf {
    let dir = cache_dir().join(format!("apt-{arch}"));
    let dir = publish(&dir, |d| {
        for sub in [
            "etc/apt/sources.list.d",
            "etc/apt/apt.conf.d",
            "etc/apt/preferences.d",
            "state/lists/partial",
            "cache/archives/partial",
        ] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(d.join("state/status"), "").unwrap();
        // The host's sources, as they are: `.list` and `.sources` files only.
        if let Ok(s) = std::fs::read("/etc/apt/sources.list") {
            std::fs::write(d.join("etc/apt/sources.list"), s).unwrap();
        }
        for e in std::fs::read_dir("/etc/apt/sources.list.d")
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".list") || name.ends_with(".sources") {
                std::fs::copy(e.path(), d.join("etc/apt/sources.list.d").join(&name)).unwrap();
            }
        }
        // The config names the final directory: it is written for where it will live.
        let final_dir = cache_dir().join(format!("apt-{arch}"));
        let conf = format!(
            "Dir \"/\";\nDir::State \"{f}/state\";\nDir::State::status \"{f}/state/status\";\n\
             Dir::Cache \"{f}/cache\";\nDir::Etc \"{f}/etc/apt\";\n\
             Dir::Etc::Trusted \"/etc/apt/trusted.gpg\";\n\
             Dir::Etc::TrustedParts \"/etc/apt/trusted.gpg.d\";\n\
             APT::Architecture \"{arch}\";\nAPT::Architectures {{ \"{arch}\"; }};\n\
             APT::Sandbox::User \"root\";\n",
            f = final_dir.display()
        );
        std::fs::write(d.join("apt.conf"), conf).unwrap();
    });
    let conf = dir.join("apt.conf");
    let updated = dir.join("updated");
    if !updated.exists() {
        // Third-party sources the host lists may fail; what matters is whether the
        // packages can then be downloaded, and that failure says what update printed.
        let out = Command::new("apt-get")
            .args(["-q", "update"])
            .env("APT_CONFIG", &conf)
            .output()
            .expect("running apt-get update");
        std::fs::write(&updated, &out.stderr).unwrap();
    }
    conf
}

/// The `.deb` files of `packages` for `arch`, downloaded once into the cache.
pub fn debs(arch: &str, packages: &[&str]) -> Vec<PathBuf> {
    let dir = cache_dir().join(format!("debs-{arch}"));
    std::fs::create_dir_all(&dir).unwrap();
    let found = |name: &str| -> Option<PathBuf> {
        std::fs::read_dir(&dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{name}_")) && n.ends_with(".deb"))
            })
    };
    // Looked for under the lock: a test that waited finds what the other downloaded.
    let _apt = APT.lock().unwrap_or_else(|p| p.into_inner());
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| found(p).is_none())
        .collect();
    if !missing.is_empty() {
        let conf = apt_config(arch);
        let tmp = tempfile::tempdir_in(&dir).unwrap();
        let out = Command::new("apt-get")
            .args(["-q", "download"])
            .args(&missing)
            .current_dir(tmp.path())
            .env("APT_CONFIG", &conf)
            .output()
            .expect("running apt-get download");
        let update = std::fs::read_to_string(conf.with_file_name("updated")).unwrap_or_default();
        assert!(
            out.status.success(),
            "apt-get download {missing:?} for {arch} failed:\n{}\n(apt-get update said:\n{update})",
            String::from_utf8_lossy(&out.stderr)
        );
        for e in std::fs::read_dir(tmp.path()).unwrap().flatten() {
            std::fs::rename(e.path(), dir.join(e.file_name())).unwrap();
        }
    }
    packages
        .iter()
        .map(|p| found(p).unwrap_or_else(|| panic!("{p} for {arch} was not downloaded")))
        .collect()
}

/// `/etc/passwd` and `/etc/group` as base-passwd's masters begin and end (root, nobody).
const DEBIAN_PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
    daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
    nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const DEBIAN_GROUP: &str = "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n";
/// What libc-bin's postinst installs from /usr/share/libc-bin/nsswitch.conf.
const DEBIAN_NSSWITCH: &str = "passwd:         files\ngroup:          files\n\
    shadow:         files\ngshadow:        files\n\nhosts:          files dns\n\
    networks:       files\n";

/// What a root filesystem is made of.
#[derive(Clone, Debug, Hash)]
pub struct RootSpec {
    /// Debian architecture: `arm64`, `amd64`, `armhf`.
    pub arch: String,
    /// Packages unpacked into it, in order.
    pub packages: Vec<String>,
    /// Files written after unpacking (path in the root, content).
    pub files: Vec<(String, String)>,
    /// Binary files written after unpacking (path in the root, bytes): a test's own
    /// shared library, a loader cache made elsewhere.
    pub blobs: Vec<(String, Vec<u8>)>,
    /// Symbolic links made after unpacking (path in the root, target).
    pub links: Vec<(String, String)>,
    /// Paths removed after unpacking (files or whole directories).
    pub remove: Vec<String>,
    /// Concatenate ca-certificates' certificates into `/etc/ssl/certs/ca-certificates.crt`.
    pub ca_bundle: bool,
    /// Write `/etc/ld.so.cache` with the root's own `ldconfig` in this format (`new`,
    /// `old`, `compat`); `None` leaves the root without one.
    pub ldconfig: Option<String>,
}

impl RootSpec {
    /// A root of `packages` for `arch`, nothing else.
    pub fn new(arch: &str, packages: &[&str]) -> RootSpec {
        RootSpec {
            arch: arch.into(),
            packages: packages.iter().map(|s| s.to_string()).collect(),
            files: Vec::new(),
            blobs: Vec::new(),
            links: Vec::new(),
            remove: Vec::new(),
            ca_bundle: packages.contains(&"ca-certificates"),
            ldconfig: None,
        }
    }

    /// A minimal Debian root as distroless-style images are: libc6, base-files,
    /// netbase, tzdata, ca-certificates, with `/etc/passwd`, `/etc/group` and
    /// `/etc/nsswitch.conf` for a `nonroot` user (65532), and the loader cache.
    pub fn debian_base(arch: &str) -> RootSpec {
        let mut s = RootSpec::new(
            arch,
            &[
                "libc6",
                "libc-bin",
                "base-files",
                "netbase",
                "tzdata",
                "ca-certificates",
            ],
        );
        s.ldconfig = Some("new".into());
        s.file(
            "etc/passwd",
            "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
        )
        .file("etc/group", "root:x:0:\nnonroot:x:65532:\n")
        .file(
            "etc/nsswitch.conf",
            "passwd: files\ngroup: files\nhosts: files dns\n",
        )
        .file("etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
        s
    }

    /// A root of `arch` shaped like `debian:12-slim`: the `required` packages a Go
    /// binary meets (libc6, libc-bin, base-files, tzdata), base-passwd's users, libc-bin's
    /// nsswitch.conf and the loader cache its ldconfig writes; no ca-certificates.
    pub fn debian_12_slim(arch: &str) -> RootSpec {
        let mut s = RootSpec::new(arch, &["libc6", "libc-bin", "base-files", "tzdata"]);
        s.ldconfig = Some("new".into());
        s.file("etc/passwd", DEBIAN_PASSWD)
            .file("etc/group", DEBIAN_GROUP)
            .file("etc/nsswitch.conf", DEBIAN_NSSWITCH);
        s
    }

    pub fn file(&mut self, path: &str, content: &str) -> &mut RootSpec {
        self.files
            .push((path.trim_start_matches('/').into(), content.into()));
        self
    }

    pub fn blob(&mut self, path: &str, bytes: &[u8]) -> &mut RootSpec {
        self.blobs
            .push((path.trim_start_matches('/').into(), bytes.to_vec()));
        self
    }

    pub fn link(&mut self, path: &str, target: &str) -> &mut RootSpec {
        self.links
            .push((path.trim_start_matches('/').into(), target.into()));
        self
    }

    pub fn without(&mut self, path: &str) -> &mut RootSpec {
        self.remove.push(path.trim_start_matches('/').into());
        self
    }

    fn key(&self) -> String {
        let mut h = DefaultHasher::new();
        self.hash(&mut h);
        format!("root-{}-{:016x}", self.arch, h.finish())
    }

    /// The root, made once and cached.
    pub fn build(&self) -> PathBuf {
        let debs = debs(
            &self.arch,
            &self.packages.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        publish(&cache_dir().join(self.key()), |root| {
            for deb in &debs {
                run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(root));
            }
            if self.ca_bundle {
                write_ca_bundle(root);
            }
            let written = self.files.iter().map(|(p, c)| (p, c.as_bytes()));
            for (path, content) in written.chain(self.blobs.iter().map(|(p, b)| (p, &b[..]))) {
                let p = root.join(path);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, content).unwrap();
            }
            for (path, target) in &self.links {
                let p = root.join(path);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                let _ = std::fs::remove_file(&p);
                std::os::unix::fs::symlink(target, &p).unwrap();
            }
            if let Some(format) = &self.ldconfig {
                ldconfig(root, &self.arch, format);
            }
            for path in &self.remove {
                let p = root.join(path);
                if p.is_dir() && !p.is_symlink() {
                    std::fs::remove_dir_all(&p).unwrap();
                } else {
                    let _ = std::fs::remove_file(&p);
                }
            }
        })
    }
}

/// What ca-certificates' postinst makes: every certificate it ships, in sorted order,
/// in one bundle.
fn write_ca_bundle(root: &Path) {
    let mut certs: Vec<PathBuf> =
        super::shared::walk_files(&root.join("usr/share/ca-certificates"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "crt"))
            .collect();
    certs.sort();
    assert!(!certs.is_empty(), "ca-certificates shipped no certificates");
    let mut bundle = Vec::new();
    for c in certs {
        bundle.extend(std::fs::read(c).unwrap());
        if !bundle.ends_with(b"\n") {
            bundle.push(b'\n');
        }
    }
    let dir = root.join("etc/ssl/certs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ca-certificates.crt"), bundle).unwrap();
}

/// Runs the root's own (static) `ldconfig` on it: natively, or under qemu.
fn ldconfig(root: &Path, arch: &str, format: &str) {
    let ldconfig = root.join("sbin/ldconfig");
    assert!(
        ldconfig.is_file(),
        "the root has no sbin/ldconfig: add libc-bin to its packages"
    );
    let mut cmd = match qemu_for(arch) {
        Some(q) => {
            let mut c = Command::new(q);
            c.arg(&ldconfig);
            c
        }
        None => Command::new(&ldconfig),
    };
    run(cmd.arg("-r").arg(root).arg("-c").arg(format));
}

/// The image config a test gives its image.
#[derive(Clone, Debug, Default)]
pub struct ImageConfig {
    pub env: Vec<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
}

/// One image in its three transports, each as the tool names it.
#[derive(Clone, Debug)]
pub struct Images {
    /// `oci:DIR:TAG`
    pub oci: String,
    /// `oci-archive:FILE:TAG`
    pub oci_archive: String,
    /// `docker-archive:FILE`
    pub docker_archive: String,
}

impl Images {
    pub fn all(&self) -> [&str; 3] {
        [&self.oci, &self.oci_archive, &self.docker_archive]
    }
}

/// An image of `layers` (each a root directory; later ones over earlier ones, removed
/// paths become whiteouts) for `linux/<goarch>`, written under `dest` as an OCI layout
/// `dest/oci` (tag `t`), `dest/image.oci.tar` and `dest/image.docker.tar`.
pub fn image(layers: &[&Path], goarch: &str, config: &ImageConfig, dest: &Path) -> Images {
    let r = umoci_layout(
        layers,
        goarch,
        config,
        &dest.join("oci"),
        &dest.join("bundle"),
    );
    let oci_archive = dest.join("image.oci.tar");
    let docker_archive = dest.join("image.docker.tar");
    run(Command::new("skopeo").args([
        "copy",
        "-q",
        &format!("oci:{r}"),
        &format!("oci-archive:{}:t", oci_archive.display()),
    ]));
    run(Command::new("skopeo").args([
        "copy",
        "-q",
        &format!("oci:{r}"),
        &format!("docker-archive:{}:test/image:t", docker_archive.display()),
    ]));
    Images {
        oci: format!("oci:{r}"),
        oci_archive: format!("oci-archive:{}:t", oci_archive.display()),
        docker_archive: format!("docker-archive:{}", docker_archive.display()),
    }
}

/// The OCI layout (tag `t`) of an image of `root` for `linux/<goarch>` with `config`,
/// made once and cached beside the roots (keyed by the root's directory and the
/// config): the layout directory. Only the `oci:` transport, for tests that need no
/// archive.
pub fn oci_layout_cached(root: &Path, goarch: &str, config: &ImageConfig) -> PathBuf {
    let mut h = DefaultHasher::new();
    (root, goarch, &config.env, &config.user, &config.working_dir).hash(&mut h);
    let dest = cache_dir().join(format!("oci-{goarch}-{:016x}", h.finish()));
    publish(&dest, |d| {
        umoci_layout(&[root], goarch, config, &d.join("oci"), &d.join("bundle"));
    })
    .join("oci")
}

/// `layers` (each a root directory; later ones over earlier ones, removed paths become
/// whiteouts) stacked by umoci into a new OCI layout at `layout` (tag `t`) for
/// `linux/<goarch>` with `config`, unpacked through `bundle` (removed after), and
/// garbage-collected: its `DIR:t` name.
fn umoci_layout(
    layers: &[&Path],
    goarch: &str,
    config: &ImageConfig,
    layout: &Path,
    bundle: &Path,
) -> String {
    assert!(!layers.is_empty(), "an image needs at least one layer");
    let r = format!("{}:t", layout.display());
    run(Command::new("umoci").args(["init", "--layout"]).arg(layout));
    run(Command::new("umoci").args(["new", "--image", &r]));
    for layer in layers {
        let _ = std::fs::remove_dir_all(bundle);
        run(Command::new("umoci")
            .args(["unpack", "--rootless", "--image", &r])
            .arg(bundle));
        let rootfs = bundle.join("rootfs");
        // The new layer's tree replaces the old one: what it lacks is removed.
        for e in std::fs::read_dir(&rootfs).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                std::fs::remove_dir_all(&p).unwrap();
            } else {
                std::fs::remove_file(&p).unwrap();
            }
        }
        run(Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", layer.display()))
            .arg(&rootfs));
        run(Command::new("umoci")
            .args(["repack", "--image", &r])
            .arg(bundle));
    }
    let _ = std::fs::remove_dir_all(bundle);
    let mut cfg = Command::new("umoci");
    cfg.args([
        "config",
        "--image",
        &r,
        "--os",
        "linux",
        "--architecture",
        goarch,
    ]);
    for e in &config.env {
        cfg.arg(format!("--config.env={e}"));
    }
    if let Some(u) = &config.user {
        cfg.arg(format!("--config.user={u}"));
    }
    if let Some(w) = &config.working_dir {
        cfg.arg(format!("--config.workingdir={w}"));
    }
    run(&mut cfg);
    run(Command::new("umoci").args(["gc", "--layout"]).arg(layout));
    r
}
