//! `runs-on` against real images: OCI layouts written here from files (Debian's cross
//! sysroot's loader and libc, the host's tzdata and CA bundle), layers as tar, tar+gzip
//! and tar+zstd, a multi-platform index, whiteouts, escaping symlinks; the
//! `oci-archive:` and `docker-archive:` forms made from them with `skopeo copy`; each
//! layout checked with `skopeo inspect` so the test images are real images. No network.

mod util;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use util::oci::{sha256, Layout};
use util::*;

const SYSROOT_ARM64: &str = "/usr/aarch64-linux-gnu/lib";
const SYSROOT_ARMHF: &str = "/usr/arm-linux-gnueabihf/lib";

/// One entry of a layer.
#[derive(Clone)]
enum E {
    Dir(&'static str, u32),
    File(String, Vec<u8>, u32),
    Sym(&'static str, &'static str),
    /// A name written into the header as is (`..` included), for hostile layers.
    RawFile(&'static str),
}

fn file(path: &str, bytes: &[u8]) -> E {
    E::File(path.to_string(), bytes.to_vec(), 0o644)
}

fn host_file(path: &str, from: &str) -> E {
    let bytes = std::fs::read(from).unwrap_or_else(|e| panic!("reading {from}: {e}"));
    E::File(path.to_string(), bytes, 0o755)
}

fn tar_of(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        match e {
            E::Dir(p, mode) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(*mode);
                h.set_size(0);
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            E::File(p, bytes, mode) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                h.set_size(bytes.len() as u64);
                b.append_data(&mut h, p, &bytes[..]).unwrap();
            }
            E::Sym(p, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                b.append_link(&mut h, p, target).unwrap();
            }
            E::RawFile(p) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                h.set_size(0);
                h.as_old_mut().name[..p.len()].copy_from_slice(p.as_bytes());
                h.set_cksum();
                b.append(&h, &[][..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

#[derive(Clone, Copy)]
enum Comp {
    Plain,
    Gzip,
    Zstd,
}

fn compress(tar: &[u8], c: Comp) -> (Vec<u8>, &'static str) {
    match c {
        Comp::Plain => (tar.to_vec(), "application/vnd.oci.image.layer.v1.tar"),
        Comp::Gzip => {
            let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            g.write_all(tar).unwrap();
            (
                g.finish().unwrap(),
                "application/vnd.oci.image.layer.v1.tar+gzip",
            )
        }
        Comp::Zstd => (
            zstd::encode_all(tar, 3).unwrap(),
            "application/vnd.oci.image.layer.v1.tar+zstd",
        ),
    }
}

impl Layout {
    /// An image manifest for `arch` (and `variant`) with these layers.
    fn image(&self, arch: &str, variant: Option<&str>, layers: &[(Vec<E>, Comp)]) -> Value {
        let mut descs = Vec::new();
        let mut diff_ids = Vec::new();
        for (entries, c) in layers {
            let tar = tar_of(entries);
            diff_ids.push(format!("sha256:{}", sha256(&tar)));
            let (bytes, mt) = compress(&tar, *c);
            descs.push(self.blob(mt, &bytes));
        }
        let mut config = json!({
            "architecture": arch,
            "os": "linux",
            "config": {"User": "65532"},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        });
        if let Some(v) = variant {
            config["variant"] = json!(v);
        }
        let config = self.blob(
            "application/vnd.oci.image.config.v1+json",
            &serde_json::to_vec(&config).unwrap(),
        );
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config,
            "layers": descs,
        });
        self.blob(
            "application/vnd.oci.image.manifest.v1+json",
            &serde_json::to_vec(&manifest).unwrap(),
        )
    }

    /// A nested image index of platform manifests.
    fn index(&self, platforms: &[(Value, &str, Option<&str>)]) -> Value {
        let manifests: Vec<Value> = platforms
            .iter()
            .map(|(d, arch, variant)| {
                let mut d = d.clone();
                d["platform"] = json!({"architecture": arch, "os": "linux"});
                if let Some(v) = variant {
                    d["platform"]["variant"] = json!(v);
                }
                d
            })
            .collect();
        let index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        });
        self.blob(
            "application/vnd.oci.image.index.v1+json",
            &serde_json::to_vec(&index).unwrap(),
        )
    }

    /// Writes index.json with `top` tagged `tag` (or untagged).
    fn finish(&self, top: Value, tag: Option<&str>) {
        let mut top = top;
        if let Some(t) = tag {
            top["annotations"] = json!({"org.opencontainers.image.ref.name": t});
        }
        let index = json!({"schemaVersion": 2, "manifests": [top]});
        std::fs::write(
            self.dir.join("index.json"),
            serde_json::to_vec_pretty(&index).unwrap(),
        )
        .unwrap();
    }
}

/// Runs skopeo (or any tool) and fails the test with its output when it fails.
fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `skopeo inspect`: the layout is an image the containers tools read, for `arch`.
fn inspect(reference: &str, arch: &str) {
    let mut args = vec![
        "--insecure-policy",
        "--override-os",
        "linux",
        "--override-arch",
        arch,
    ];
    if arch == "arm" {
        args.extend(["--override-variant", "v7"]);
    }
    args.extend(["inspect", reference]);
    let out = tool("skopeo", &args);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Architecture"], arch, "skopeo inspect {reference}: {v}");
}

/// A Debian-like base: merged /usr (`/lib -> usr/lib`), users, nsswitch, /tmp 1777 and
/// ld.so.conf with its include, as base-files, netbase and libc-bin lay them out.
fn base_files(triplet: &str) -> Vec<E> {
    vec![
        E::Dir("etc", 0o755),
        E::Dir("usr/lib", 0o755),
        E::Sym("lib", "usr/lib"),
        E::Dir("tmp", 0o1777),
        file(
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n",
        ),
        file("etc/group", b"root:x:0:\nnogroup:x:65534:\n"),
        file("etc/nsswitch.conf", b"passwd: files\nhosts:          files dns\n"),
        file("etc/debian_version", b"12.0\n"),
        file("etc/ld.so.conf", b"include /etc/ld.so.conf.d/*.conf\n"),
        E::File(
            format!("etc/ld.so.conf.d/{triplet}.conf"),
            format!("# Multiarch support\n/usr/local/lib/{triplet}\n/lib/{triplet}\n/usr/lib/{triplet}\n").into_bytes(),
            0o644,
        ),
    ]
}

/// The CA bundle and two zones, from the host's Debian packages (ca-certificates,
/// tzdata) when installed, else stand-ins of the same shape.
fn runtime_files() -> Vec<E> {
    let read = |p: &str, fallback: &[u8]| std::fs::read(p).unwrap_or_else(|_| fallback.to_vec());
    vec![
        E::File(
            "etc/ssl/certs/ca-certificates.crt".into(),
            read(
                "/etc/ssl/certs/ca-certificates.crt",
                b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            ),
            0o644,
        ),
        E::File(
            "usr/share/zoneinfo/UTC".into(),
            read("/usr/share/zoneinfo/UTC", b"TZif2\0"),
            0o644,
        ),
        E::File(
            "usr/share/zoneinfo/Europe/Paris".into(),
            read("/usr/share/zoneinfo/Europe/Paris", b"TZif2\0"),
            0o644,
        ),
    ]
}

/// glibc's loader and libc for an arch, as Debian's libc6 installs them (the files in
/// the multiarch directory, the loader linked from /lib), taken from a sysroot.
fn glibc_files(triplet: &str, loader: &str, sysroot: &str, libc: Option<&Path>) -> Vec<E> {
    let loader_name = loader
        .trim_start_matches("/lib/")
        .trim_start_matches("/lib64/");
    let mut v = vec![
        host_file(
            &format!("usr/lib/{triplet}/{loader_name}"),
            &format!("{sysroot}/{loader_name}"),
        ),
        match libc {
            Some(p) => host_file(&format!("usr/lib/{triplet}/libc.so.6"), p.to_str().unwrap()),
            None => host_file(
                &format!("usr/lib/{triplet}/libc.so.6"),
                &format!("{sysroot}/libc.so.6"),
            ),
        },
    ];
    let link: &'static str = Box::leak(format!("{triplet}/{loader_name}").into_boxed_str());
    let at: &'static str = Box::leak(format!("usr/lib/{loader_name}").into_boxed_str());
    v.push(E::Sym(at, link));
    v
}

/// A libc.so.6 for arm64 whose version definitions stop at GLIBC_2.31 (as Debian 11's
/// does), made by the cross linker from a version script: the real thing's verdef shape.
fn libc_231(dir: &Path) -> PathBuf {
    let versions = [
        "2.17", "2.18", "2.22", "2.23", "2.24", "2.25", "2.26", "2.27", "2.28", "2.29", "2.30",
        "2.31",
    ];
    let mut map = String::new();
    let mut prev: Option<&str> = None;
    for v in versions {
        match prev {
            None => map.push_str(&format!(
                "GLIBC_{v} {{ global: puts; __libc_start_main; abort; local: *; }};\n"
            )),
            Some(p) => map.push_str(&format!("GLIBC_{v} {{ }} GLIBC_{p};\n")),
        }
        prev = Some(v);
    }
    std::fs::write(dir.join("libc.map"), map).unwrap();
    std::fs::write(
        dir.join("libc.c"),
        "int puts(const char *s) { (void)s; return 0; }\nint __libc_start_main(void) { return 0; }\nvoid abort(void) { for (;;) {} }\n",
    )
    .unwrap();
    let out = dir.join("libc.so.6");
    tool(
        "aarch64-linux-gnu-gcc",
        &[
            "-shared",
            "-nostdlib",
            "-fPIC",
            "-Wl,-soname,libc.so.6",
            &format!("-Wl,--version-script={}", dir.join("libc.map").display()),
            "-o",
            out.to_str().unwrap(),
            dir.join("libc.c").to_str().unwrap(),
        ],
    );
    out
}

/// The GLIBC_x.y names a library defines, as readelf lists them.
fn readelf_verdefs(path: &Path) -> Vec<String> {
    let out = tool("readelf", &["-V", "-W", path.to_str().unwrap()]);
    let mut in_defs = false;
    let mut v = Vec::new();
    for line in out.lines() {
        if line.contains("section '.gnu.version_d'") {
            in_defs = true;
        } else if line.contains("section '") {
            in_defs = false;
        }
        if in_defs {
            if let Some(n) = line.split("Name: ").nth(1) {
                let n = n.split_whitespace().next().unwrap_or("");
                if n.starts_with("GLIBC_2") {
                    v.push(n.to_string());
                }
            }
        }
    }
    v
}

/// Every test image, written into `root`.
struct Images {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

/// The arm64 glibc image's layers; `comp` for the loader and libc layer (docker-archive
/// cannot hold zstd layers, so the image skopeo converts uses gzip).
fn arm64_glibc(libc: Option<&Path>, comp: Comp) -> Vec<(Vec<E>, Comp)> {
    vec![
        (base_files("aarch64-linux-gnu"), Comp::Gzip),
        (
            glibc_files(
                "aarch64-linux-gnu",
                "/lib/ld-linux-aarch64.so.1",
                SYSROOT_ARM64,
                libc,
            ),
            comp,
        ),
        (runtime_files(), Comp::Plain),
    ]
}

/// The arm64 glibc image with one more layer (compressed `comp`) of the whiteout
/// files `whiteouts`, written as the layout `dir`.
fn whited_out(dir: &Path, whiteouts: &[&str], comp: Comp) {
    let l = Layout::new(dir);
    let mut layers = arm64_glibc(None, Comp::Zstd);
    layers.push((whiteouts.iter().map(|w| file(w, b"")).collect(), comp));
    let m = l.image("arm64", None, &layers);
    l.finish(m, None);
}

fn build_images(skopeo: bool) -> Images {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();

    // A multi-platform glibc image: amd64 (the host's libc), arm64 and arm/v7 (the
    // cross sysroots'), in a nested index tagged `latest`.
    let l = Layout::new(&root.join("glibc"));
    let arm64 = l.image("arm64", None, &arm64_glibc(None, Comp::Gzip));
    let armv7 = l.image(
        "arm",
        Some("v7"),
        &[
            (base_files("arm-linux-gnueabihf"), Comp::Gzip),
            (
                glibc_files(
                    "arm-linux-gnueabihf",
                    "/lib/ld-linux-armhf.so.3",
                    SYSROOT_ARMHF,
                    None,
                ),
                Comp::Gzip,
            ),
        ],
    );
    let mut amd64_files = base_files("x86_64-linux-gnu");
    amd64_files.push(E::Dir("lib64", 0o755));
    amd64_files.push(host_file(
        "usr/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/x86_64-linux-gnu/libc.so.6",
    ));
    amd64_files.push(host_file(
        "lib64/ld-linux-x86-64.so.2",
        "/lib64/ld-linux-x86-64.so.2",
    ));
    let amd64 = l.image("amd64", None, &[(amd64_files, Comp::Zstd)]);
    let idx = l.index(&[
        (amd64, "amd64", None),
        (arm64, "arm64", None),
        (armv7, "arm", Some("v7")),
    ]);
    l.finish(idx, Some("latest"));

    // The same arm64 image with a libc.so.6 that stops at GLIBC_2.31.
    let stub = libc_231(&root);
    let l = Layout::new(&root.join("glibc231"));
    let m = l.image("arm64", None, &arm64_glibc(Some(&stub), Comp::Zstd));
    l.finish(m, Some("bullseye"));

    // Scratch with one file: no loader, no libc, nothing Go reads at run time.
    let l = Layout::new(&root.join("scratch"));
    let m = l.image(
        "arm64",
        None,
        &[(vec![file("app", b"\x7fELF")], Comp::Gzip)],
    );
    l.finish(m, None);

    // arm64 glibc, then a layer that deletes the loader's link and the CA bundle, and
    // makes /usr/share/zoneinfo opaque (empty).
    let whiteouts = [
        "usr/lib/.wh.ld-linux-aarch64.so.1",
        "etc/ssl/certs/.wh.ca-certificates.crt",
        "usr/share/zoneinfo/.wh..wh..opq",
    ];
    whited_out(&root.join("whiteout"), &whiteouts, Comp::Zstd);
    // The CA bundle and zoneinfo removed, the loader kept: it starts, and says so.
    whited_out(&root.join("nocerts"), &whiteouts[1..], Comp::Gzip);

    // /lib points above the root: it resolves to / inside the image, never outside.
    let l = Layout::new(&root.join("escape"));
    let mut files = glibc_files(
        "aarch64-linux-gnu",
        "/lib/ld-linux-aarch64.so.1",
        SYSROOT_ARM64,
        None,
    );
    files.insert(0, E::Sym("lib", "../../.."));
    let m = l.image("arm64", None, &[(files, Comp::Gzip)]);
    l.finish(m, None);

    // The loader is a symlink loop.
    let l = Layout::new(&root.join("loop"));
    let m = l.image(
        "arm64",
        None,
        &[(
            vec![
                E::Sym("lib/ld-linux-aarch64.so.1", "ld-linux-aarch64.so.2"),
                E::Sym("lib/ld-linux-aarch64.so.2", "/lib/ld-linux-aarch64.so.1"),
            ],
            Comp::Gzip,
        )],
    );
    l.finish(m, None);

    // A single manifest (no platform in the index) whose config says amd64.
    let l = Layout::new(&root.join("amd64only"));
    let m = l.image(
        "amd64",
        None,
        &[(base_files("x86_64-linux-gnu"), Comp::Gzip)],
    );
    l.finish(m, None);

    if skopeo {
        for (layout, arch) in [
            ("oci:glibc:latest", "arm64"),
            ("oci:glibc:latest", "arm"),
            ("oci:glibc:latest", "amd64"),
            ("oci:glibc231:bullseye", "arm64"),
            ("oci:scratch", "arm64"),
            ("oci:whiteout", "arm64"),
            ("oci:escape", "arm64"),
            ("oci:amd64only", "amd64"),
        ] {
            let (t, rest) = layout.split_once(':').unwrap();
            inspect(&format!("{t}:{}", root.join(rest).display()), arch);
        }
        // The archive forms, as skopeo writes them.
        let src = format!("oci:{}:latest", root.join("glibc").display());
        tool(
            "skopeo",
            &[
                "--insecure-policy",
                "copy",
                "--all",
                &src,
                &format!(
                    "oci-archive:{}:latest",
                    root.join("glibc-oci.tar").display()
                ),
            ],
        );
        tool(
            "skopeo",
            &[
                "--insecure-policy",
                "--override-arch",
                "arm64",
                "copy",
                &src,
                &format!(
                    "docker-archive:{}:example.com/glibc:12",
                    root.join("glibc-docker.tar").display()
                ),
            ],
        );
        inspect(
            &format!(
                "oci-archive:{}:latest",
                root.join("glibc-oci.tar").display()
            ),
            "arm64",
        );
        inspect(
            &format!("docker-archive:{}", root.join("glibc-docker.tar").display()),
            "arm64",
        );
    }
    Images { _dir: dir, root }
}

fn have_tools() -> Option<bool> {
    if !require_tool(
        "aarch64-linux-gnu-gcc",
        "arm64 sysroot and a stub libc for test images",
    ) || !require_tool("arm-linux-gnueabihf-gcc", "armhf sysroot for test images")
        || !require_tool("readelf", "cross-checking libc version definitions")
    {
        return None;
    }
    Some(require_tool(
        "skopeo",
        "checking and converting test images",
    ))
}

/// `verify FILE --target T` in `dir` with a profile whose runs-on is `images`.
fn verify_in(dir: &Path, file: &Path, target: &str, images: &[&str]) -> Run {
    util::needs::verify_runs_on(dir, file, target, images, false)
}

#[test]
fn binaries_are_judged_against_the_files_real_images_have() {
    let Some(skopeo) = have_tools() else { return };
    let images = build_images(skopeo);
    let root = &images.root;
    // The stub libc really stops at 2.31, and the real one at 2.36, as readelf says.
    let stub = readelf_verdefs(&root.join("libc.so.6"));
    assert_eq!(
        stub.last().map(String::as_str),
        Some("GLIBC_2.31"),
        "{stub:?}"
    );
    let real = readelf_verdefs(&Path::new(SYSROOT_ARM64).join("libc.so.6"));
    let real_max = real.last().cloned().unwrap_or_default();
    let dynamic = fixture("bin/aarch64-dynamic");
    let needs = tool("readelf", &["-V", "-W", dynamic.to_str().unwrap()]);
    assert!(needs.contains("GLIBC_2.34"), "the fixture needs GLIBC_2.34");

    /// (case, file, target, image, status, needles in the expected, actual or message)
    type Case<'a> = (&'a str, PathBuf, &'a str, &'a str, &'a str, &'a [&'a str]);
    #[rustfmt::skip]
    let mut cases: Vec<Case> = vec![
        ("glibc image, arm64 manifest of the index", dynamic.clone(), "linux/arm64", "oci:glibc:latest", "pass",
            &["CA bundle /etc/ssl/certs/ca-certificates.crt", "zoneinfo /usr/share/zoneinfo", "/etc/passwd (root 0, nobody 65534, nonroot 65532)", "/etc/nsswitch.conf (hosts: files dns)", "/tmp 1777"]),
        ("glibc image, arm/v7 manifest", fixture("bin/armhf-dynamic"), "linux/arm/v7", "oci:glibc:latest", "pass", &[]),
        ("glibc image, amd64 manifest", fixture("bin/x86_64-dynamic"), "linux/amd64", "oci:glibc:latest", "pass", &[]),
        ("libc.so.6 stops at 2.31", dynamic.clone(), "linux/arm64", "oci:glibc231:bullseye", "fail",
            &["GLIBC_2.34", "has glibc 2.31", "__libc_start_main"]),
        ("scratch has no loader", dynamic.clone(), "linux/arm64", "oci:scratch", "fail",
            &["has no /lib/ld-linux-aarch64.so.1", "no libc at all"]),
        ("a whiteout removed the loader", dynamic.clone(), "linux/arm64", "oci:whiteout", "fail",
            &["has no /lib/ld-linux-aarch64.so.1"]),
        ("CA bundle and zoneinfo whited out", dynamic.clone(), "linux/arm64", "oci:nocerts", "pass",
            &["no CA bundle", "no zoneinfo"]),
        ("/lib escapes upward: resolved inside the root", dynamic.clone(), "linux/arm64", "oci:escape", "fail",
            &["nothing at /ld-linux-aarch64.so.1"]),
        ("loader symlink loop", dynamic.clone(), "linux/arm64", "oci:loop", "fail", &["symlink loop"]),
        ("static binary on scratch", fixture("bin/aarch64-static-nolibc"), "linux/arm64", "oci:scratch", "pass",
            &["no CA bundle", "no zoneinfo", "no /etc/passwd"]),
    ];
    if skopeo {
        let oci_archive: &'static str = Box::leak(
            format!(
                "oci-archive:{}:latest",
                root.join("glibc-oci.tar").display()
            )
            .into_boxed_str(),
        );
        let docker_archive: &'static str = Box::leak(
            format!("docker-archive:{}", root.join("glibc-docker.tar").display()).into_boxed_str(),
        );
        cases.push((
            "oci-archive from skopeo",
            dynamic.clone(),
            "linux/arm64",
            oci_archive,
            "pass",
            &["CA bundle"],
        ));
        cases.push((
            "docker-archive from skopeo",
            dynamic.clone(),
            "linux/arm64",
            docker_archive,
            "pass",
            &["CA bundle"],
        ));
    }
    for (case, file, target, image, status, needles) in &cases {
        let r = verify_in(root, file, target, &[image]);
        let want_code = if *status == "pass" { 0 } else { 1 };
        assert_eq!(r.code, Some(want_code), "case {case}\n{r}");
        let arts = r.artifacts();
        let c = check(&arts[0], &format!("runs-on.{image}"));
        assert_eq!(c["status"], *status, "case {case}: {c}");
        let text = format!("{} | {} | {}", c["expected"], c["actual"], c["message"]);
        for n in *needles {
            assert!(text.contains(n), "case {case}: {n:?} not in {text}");
        }
    }
    // The glibc version read from the image is the one readelf reads from its libc.
    let r = verify_in(root, &dynamic, "linux/arm64", &["oci:glibc:latest"]);
    let arts = r.artifacts();
    let c = check(&arts[0], "runs-on.oci:glibc:latest");
    let want = format!("glibc {}", real_max.trim_start_matches("GLIBC_"));
    assert!(
        c["expected"].as_str().unwrap_or("").contains(&want),
        "{want} in {c}"
    );
}

#[test]
fn images_that_cannot_be_read_for_the_platform_are_configuration_errors() {
    let Some(skopeo) = have_tools() else { return };
    let images = build_images(skopeo);
    let root = &images.root;
    let dynamic = fixture("bin/aarch64-dynamic");
    // A corrupted copy of the glibc layout: one layer byte changed.
    let bad = root.join("corrupt");
    copy_dir(&root.join("glibc"), &bad);
    let biggest = std::fs::read_dir(bad.join("blobs/sha256"))
        .unwrap()
        .flatten()
        .max_by_key(|e| e.metadata().unwrap().len())
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&biggest).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&biggest, bytes).unwrap();
    // Two tags in one layout: a reference without a tag is ambiguous; with one it is not.
    let two = root.join("twotags");
    copy_dir(&root.join("glibc"), &two);
    let mut index: Value =
        serde_json::from_slice(&std::fs::read(two.join("index.json")).unwrap()).unwrap();
    let mut second = index["manifests"][0].clone();
    second["annotations"]["org.opencontainers.image.ref.name"] = json!("stable");
    index["manifests"].as_array_mut().unwrap().push(second);
    std::fs::write(two.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    let r = verify_in(root, &dynamic, "linux/arm64", &["oci:twotags:stable"]);
    assert_eq!(r.code, Some(0), "a tag picks one of two\n{r}");

    for (case, target, image, needles) in [
        (
            "two tags, none named",
            "linux/arm64",
            "oci:twotags",
            &["holds 2 images", "latest, stable"][..],
        ),
        (
            "config says amd64",
            "linux/arm64",
            "oci:amd64only",
            &["runs-on image `oci:amd64only`", "is for linux/amd64"][..],
        ),
        (
            "index lacks the platform",
            "linux/riscv64",
            "oci:glibc:latest",
            &[
                "no manifest for linux/riscv64",
                "linux/amd64, linux/arm/v7, linux/arm64",
            ][..],
        ),
        (
            "no such tag",
            "linux/arm64",
            "oci:glibc:trixie",
            &["no image tagged `trixie`", "latest"][..],
        ),
        (
            "no such directory",
            "linux/arm64",
            "oci:nope",
            &["oci:nope", "does not exist"][..],
        ),
        (
            "a file for oci:",
            "linux/arm64",
            "oci:libc.so.6",
            &["is not a directory"][..],
        ),
        (
            "not a layout",
            "linux/arm64",
            "oci:scratch/blobs",
            &["no `oci-layout` file"][..],
        ),
        (
            "damaged blob",
            "linux/arm64",
            "oci:corrupt:latest",
            &["does not match its digest"][..],
        ),
        (
            "another transport",
            "linux/arm64",
            "docker://debian:12",
            &["skopeo copy"][..],
        ),
    ] {
        // A riscv64 file is not needed: the image is read before any file is judged.
        let r = verify_in(root, &dynamic, target, &[image]);
        assert_refused_unjudged(&r, case, needles);
    }
}

#[test]
fn hostile_layers_are_errors_or_resolved_inside_the_root_never_hangs() {
    if have_tools().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // An entry that climbs out with `..`: container runtimes refuse the layer.
    let l = Layout::new(&root.join("dotdot"));
    let m = l.image(
        "arm64",
        None,
        &[(vec![E::RawFile("../../etc/evil")], Comp::Gzip)],
    );
    l.finish(m, None);
    // A GNU long name that claims 512 MiB.
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::GNULongName);
    h.set_size(512 << 20);
    h.set_cksum();
    let mut longname = h.as_bytes().to_vec();
    longname.extend(std::iter::repeat(b'a').take(4096));
    let l = Layout::new(&root.join("longname"));
    let (gz, _) = compress(&longname, Comp::Gzip);
    let layer = l.blob("application/vnd.oci.image.layer.v1.tar+gzip", &gz);
    let config = l.blob(
        "application/vnd.oci.image.config.v1+json",
        br#"{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#,
    );
    let manifest = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config, "layers": [layer]});
    let m = l.blob(
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    l.finish(m, None);
    // A symlink chain longer than the hop limit.
    let l = Layout::new(&root.join("chain"));
    let mut chain: Vec<E> = (0..60)
        .map(|i| {
            let at: &'static str = Box::leak(format!("c/l{i}").into_boxed_str());
            let to: &'static str = Box::leak(format!("l{}", i + 1).into_boxed_str());
            E::Sym(at, to)
        })
        .collect();
    chain.push(E::Sym("lib", "c/l0"));
    let m = l.image("arm64", None, &[(chain, Comp::Zstd)]);
    l.finish(m, None);

    let dynamic = fixture("bin/aarch64-dynamic");
    for (case, image, code, needle) in [
        ("dotdot", "oci:dotdot", 2, "climbs out of the root"),
        ("long name", "oci:longname", 1, "extended header"),
        ("symlink chain", "oci:chain", 1, "symlink loop"),
    ] {
        std::fs::write(
            root.join("xbuild-go.toml"),
            format!("[build.verify]\nbuildinfo = false\nstatic = false\nruns-on = [\"{image}\"]\n"),
        )
        .unwrap();
        let g = run_guarded(
            root,
            &[
                "verify",
                "--message-format",
                "json",
                dynamic.to_str().unwrap(),
                "--target",
                "linux/arm64",
            ],
            &base_env(),
            std::time::Duration::from_secs(120),
        );
        let r = &g.run;
        assert_eq!(r.code, Some(code), "case {case}\n{r}");
        assert!(
            r.stderr.contains(needle) || r.stdout.contains(needle),
            "case {case}: {needle:?}\n{r}"
        );
        assert!(
            g.peak_rss_kib < 256 * 1024,
            "case {case}: {} KiB resident",
            g.peak_rss_kib
        );
    }
}

#[test]
fn a_go_build_is_judged_against_images_named_relative_to_the_profile_file() {
    let Some(skopeo) = have_tools() else { return };
    let images = build_images(skopeo);
    let p = Project::copy_of("hello");
    copy_dir(
        &images.root.join("scratch"),
        &p.path().join("images/scratch"),
    );
    copy_dir(&images.root.join("glibc"), &p.path().join("images/glibc"));
    p.file(
        "xbuild-go.toml",
        "[build]\noutput = \"dist/{name}-{arch}{variant}\"\n\n[profile.golden]\ntargets = [\"linux/arm64\", \"linux/arm/v7\"]\n\n[profile.golden.verify]\nruns-on = [\"oci:images/scratch\", \"oci:images/glibc:latest\", \"debian:12-slim\"]\n",
    );
    // Run from a subdirectory with -C: the image paths stay relative to the profile file.
    std::fs::create_dir_all(p.path().join("sub")).unwrap();
    let r = run(
        &p.path().join("sub"),
        &[
            "-C",
            "..",
            "--target",
            "linux/arm64",
            "--message-format",
            "json",
        ],
    );
    r.code(0);
    let arts = r.artifacts();
    for id in [
        "runs-on.oci:images/scratch",
        "runs-on.oci:images/glibc:latest",
        "runs-on.debian:12-slim",
    ] {
        assert_eq!(check(&arts[0], id)["status"], "pass", "{id}\n{r}");
    }
    assert!(
        check(&arts[0], "runs-on.oci:images/scratch")["message"]
            .as_str()
            .unwrap_or("")
            .contains("no CA bundle"),
        "{r}"
    );
    // Both targets: the scratch image has no arm/v7 manifest, so the build stops
    // before anything builds (exit 2), naming the image and the platform.
    std::fs::remove_dir_all(p.path().join("dist")).unwrap();
    let r = run(p.path(), &[]);
    r.code(2)
        .stderr_has("runs-on image `oci:images/scratch`")
        .stderr_has("not linux/arm/v7");
    assert!(!p.path().join("dist").exists(), "nothing was built\n{r}");
}
