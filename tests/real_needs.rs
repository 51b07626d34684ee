//! Runtime needs judged for real images exactly as for named ones: Debian's arm64
//! packages unpacked into the root `debian:12-slim` is made of, and into a root shaped
//! like `distroless/static`, made into real images in all three transports
//! (tests/util/rootfs.rs), judged with the programs of fixtures/go/needs. The same tree
//! gets the named image's verdict, every unmet need names the files it looked for, and
//! needs follow linkage: a static cgo build (glibc or musl) needs no NSS modules, but
//! still an `/etc/passwd` that lists the user the image runs as.

mod util;

use std::path::{Path, PathBuf};

use util::needs::{program, Link};
use util::rootfs::{image, ImageConfig, Images, RootSpec};
use util::*;

fn have_tools() -> bool {
    util::rootfs::require_tools("real root filesystems from Debian packages")
        && require_tool("qemu-aarch64-static", "running the arm64 root's ldconfig")
        && require_tool("go", "building the fixture programs")
        && require_tool("aarch64-linux-gnu-gcc", "cgo builds for linux/arm64")
}

/// A root shaped like `distroless/static`: base-files, netbase, tzdata, the CA bundle,
/// users with `nonroot` (65532), no libc.
fn distroless_static() -> RootSpec {
    let mut s = RootSpec::new(
        "arm64",
        &["base-files", "netbase", "tzdata", "ca-certificates"],
    );
    s.file(
        "etc/passwd",
        "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
    )
    .file("etc/group", "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n")
    .file("etc/nsswitch.conf", "hosts: files dns\n");
    s
}

/// The root's image in three transports, written under `dir`, running as `user`.
fn images_of(root: &Path, user: Option<&str>, dir: &Path) -> Images {
    let config = ImageConfig {
        user: user.map(str::to_string),
        ..ImageConfig::default()
    };
    image(&[root], "arm64", &config, dir)
}

fn verdicts(dir: &Path, file: &Path, images: &[&str]) -> Vec<(String, String)> {
    util::needs::runs_on_verdicts(dir, file, "linux/arm64", images)
}

/// Judges `file` on the named image and on the three real ones: every verdict is
/// `want`, and each text holds every needle.
fn agree(
    dir: &Path,
    case: &str,
    file: &Path,
    named: &str,
    real: &Images,
    want: &str,
    needles: &[&str],
) {
    let mut all = vec![named];
    all.extend(real.all());
    for (image, (status, text)) in all.iter().zip(verdicts(dir, file, &all)) {
        assert_eq!(status, want, "case {case} on {image}: {text}");
        for n in needles {
            assert!(
                text.contains(n),
                "case {case} on {image}: {n:?} not in {text}"
            );
        }
    }
}

/// Each program (pure Go unless linked otherwise) for linux/arm64, built into `dir`.
fn build(dir: &Path, cmd: &str, link: Link) -> PathBuf {
    program(cmd, "arm64", link, "", &dir.join(format!("{cmd}-{link:?}")))
}

#[test]
fn a_tree_judged_as_debian_12_slim_and_as_a_real_image_gets_one_verdict() {
    if !have_tools() {
        return;
    }
    let root = RootSpec::debian_12_slim("arm64").build();
    assert!(
        root.join("tmp").is_dir() && !root.join("etc/ssl/certs/ca-certificates.crt").exists(),
        "the slim root: /tmp, no CA bundle ({})",
        root.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    let real = images_of(&root, None, tmp.path());
    let d = tmp.path();
    // (program, link, verdict, needles in every image's expected, actual or message)
    #[rustfmt::skip]
    let cases: &[(&str, Link, &str, &[&str])] = &[
        ("ca-roots", Link::Pure, "fail", &["loads system CA roots", "has no CA bundle (looked for /etc/ssl/certs/ca-certificates.crt, ", "install ca-certificates"]),
        ("zoneinfo", Link::Pure, "pass", &["zoneinfo: /usr/share/zoneinfo"]),
        ("current-user", Link::Pure, "pass", &["passwd: /etc/passwd (root 0, "]),
        ("tmp", Link::Pure, "pass", &["tmpdir: /tmp (1777)"]),
        ("resolver", Link::Pure, "pass", &["dns-config: ", "/etc/nsswitch.conf"]),
        ("glibc-version", Link::Glibc, "pass", &["glibc 2.36"]),
        ("cgo-user", Link::Glibc, "pass", &["nss: glibc's NSS modules", "passwd: /etc/passwd"]),
    ];
    for (cmd, link, want, needles) in cases {
        let file = build(d, cmd, *link);
        agree(d, cmd, &file, "debian:12-slim", &real, want, needles);
    }
}

#[test]
fn static_builds_need_no_nss_modules_but_still_the_files() {
    if !have_tools() {
        return;
    }
    let Some(_zig) = require_zig("cgo builds against musl") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let with_passwd = images_of(&distroless_static().build(), Some("65532"), &d.join("base"));
    // Without /etc/passwd a static build's lookup fails: named so, as on scratch.
    let mut bare = distroless_static();
    bare.without("etc/passwd");
    let without = images_of(&bare.build(), Some("65532"), &d.join("nopasswd"));
    let static_ok: &[&str] = &["nss: none needed (statically linked", "passwd: /etc/passwd"];
    let no_passwd: &[&str] = &["1 runtime need unmet", "/etc/passwd"];
    // (cgo-user linked so, the named image, the real one, verdict, needles)
    #[rustfmt::skip]
    let cases: &[(Link, &str, &Images, &str, &[&str])] = &[
        (Link::GlibcStatic, "distroless/static", &with_passwd, "pass", static_ok),
        (Link::MuslStatic, "distroless/static", &with_passwd, "pass", static_ok),
        (Link::Glibc, "distroless/static", &with_passwd, "fail", &["would not start"]),
        (Link::GlibcStatic, "scratch", &without, "fail", no_passwd),
        (Link::MuslStatic, "scratch", &without, "fail", no_passwd),
    ];
    for (link, named, real, want, needles) in cases {
        let file = build(d, "cgo-user", *link);
        let case = format!("cgo-user {link:?} on {named}");
        agree(d, &case, &file, named, real, want, needles);
    }
}

#[test]
fn the_user_an_image_runs_as_must_be_in_its_passwd() {
    if !have_tools() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let root = distroless_static().build();
    let file = build(d, "current-user", Link::Pure);
    for (user, want, needle) in [
        (
            None,
            "pass",
            "passwd: /etc/passwd (root 0, nobody 65534, nonroot 65532)",
        ),
        (Some("65532"), "pass", "passwd: /etc/passwd"),
        (Some("nonroot:nonroot"), "pass", "passwd: /etc/passwd"),
        (
            Some("1000"),
            "fail",
            "runs as user 1000, which its /etc/passwd does not list",
        ),
        (
            Some("app"),
            "fail",
            "runs as user app, which its /etc/passwd does not list",
        ),
    ] {
        let real = images_of(
            &root,
            user,
            &d.join(format!(
                "user-{}",
                user.unwrap_or("unset").replace(':', "-")
            )),
        );
        for (image, (status, text)) in real.all().iter().zip(verdicts(d, &file, &real.all())) {
            assert_eq!(status, want, "user {user:?} on {image}: {text}");
            assert!(
                text.contains(needle),
                "user {user:?} on {image}: {needle:?} not in {text}"
            );
        }
    }
}
