//! Libraries judged where the loaders find them: real arm64 roots from Debian's packages
//! whose caches their own ldconfig wrote, in the three formats; libraries in directories
//! the cache knows, in `/usr/local/lib` (which glibc does not search and musl's default
//! path does), behind `DT_RUNPATH`, `DT_RPATH` and `$ORIGIN`, and after a stale cache;
//! Debian's musl with and without its `/etc/ld-musl-aarch64.path`. Each verdict names the
//! file that decided. The programs are fixtures/go/needs/cmd/sharedlib, linked against
//! `libneed.so.1`.

mod util;

use std::path::{Path, PathBuf};

use util::needs::{libneed, program, runs_on_verdicts, Link};
use util::rootfs::{image, ImageConfig, Images, RootSpec};
use util::*;

fn have_tools() -> bool {
    util::rootfs::require_tools("real root filesystems from Debian packages")
        && require_tool("qemu-aarch64-static", "running the arm64 root's ldconfig")
        && require_tool("go", "building the fixture programs")
        && require_tool("aarch64-linux-gnu-gcc", "cgo builds for linux/arm64")
        && require_tool("readelf", "checking the fixtures' dynamic sections")
}

/// What every case starts from: a scratch directory, `libneed.so.1` built into its
/// `lib`, and the library's bytes; `None` (a skip) without the tools (and zig, for
/// `musl`).
fn start(musl: bool) -> Option<(tempfile::TempDir, PathBuf, Vec<u8>)> {
    if !have_tools() || (musl && require_zig("cgo builds against musl").is_none()) {
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let lib = libneed("arm64", &tmp.path().join("lib"));
    let bytes = std::fs::read(lib.join("libneed.so.1")).unwrap();
    Some((tmp, lib, bytes))
}

/// The glibc a Debian image has (libc6, libc-bin, base-files), with `libneed.so.1` at
/// `lib` when given, and `conf` as `/etc/ld.so.conf.d/need.conf`.
fn glibc_root(libneed: &[u8], lib: Option<&str>, conf: Option<&str>) -> RootSpec {
    let mut s = RootSpec::new("arm64", &["libc6", "libc-bin", "base-files"]);
    s.file("etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
    if let Some(dir) = lib {
        s.blob(&format!("{dir}/libneed.so.1"), libneed);
    }
    if let Some(c) = conf {
        s.file("etc/ld.so.conf.d/need.conf", c);
    }
    s
}

/// One real image of a root, written under `dir/name`.
fn one(root: &RootSpec, dir: &Path, name: &str) -> Images {
    image(
        &[&root.build()],
        "arm64",
        &ImageConfig::default(),
        &dir.join(name),
    )
}

/// `sharedlib` linked against libneed with `extra` link flags, built into `dir`.
fn sharedlib(dir: &Path, lib: &Path, link: Link, name: &str, extra: &str) -> PathBuf {
    let flags = format!("-L{} -lneed {extra}", lib.display());
    program("sharedlib", "arm64", link, &flags, &dir.join(name))
}

/// Judges `file` on every image: (case, image, verdict, needles) all hold.
fn expect(dir: &Path, file: &Path, cases: &[(&str, &str, &str, &[&str])]) {
    let images: Vec<&str> = cases.iter().map(|c| c.1).collect();
    for ((case, image, want, needles), (status, text)) in
        cases
            .iter()
            .zip(runs_on_verdicts(dir, file, "linux/arm64", &images))
    {
        assert_eq!(status, *want, "case {case} ({image}): {text}");
        for n in *needles {
            assert!(text.contains(n), "case {case}: {n:?} not in {text}");
        }
    }
}

#[test]
fn glibc_finds_a_library_through_its_cache_in_every_format() {
    let Some((tmp, lib, bytes)) = start(false) else {
        return;
    };
    let d = tmp.path();
    let file = sharedlib(d, &lib, Link::Glibc, "sharedlib-cache", "");
    let dynamic = sh("readelf", &["-d", file.to_str().unwrap()]);
    assert!(
        dynamic.contains("[libneed.so.1]") && !dynamic.contains("PATH"),
        "needs libneed.so.1 and says nothing of where:\n{dynamic}"
    );
    let mut all = Vec::new();
    for (format, magic) in [
        ("new", &b"glibc-ld.so.cache1.1"[..]),
        ("old", b"ld.so-1.7.0"),
        ("compat", b"ld.so-1.7.0"),
    ] {
        let mut spec = glibc_root(&bytes, Some("opt/need/lib"), Some("/opt/need/lib\n"));
        spec.ldconfig = Some(format.into());
        let root = spec.build();
        let cache = std::fs::read(root.join("etc/ld.so.cache")).unwrap();
        assert!(
            cache.starts_with(magic),
            "{format}: the root's ldconfig wrote {format}"
        );
        assert_eq!(
            format != "old",
            cache.windows(20).any(|w| w == b"glibc-ld.so.cache1.1"),
            "{format}: a new table (hidden in the old one in compat)"
        );
        all.push((format, one(&spec, d, format)));
    }
    let mut cases: Vec<(&str, &str, &str, &[&str])> = Vec::new();
    let found: &[&str] = &["libneed.so.1 found via /etc/ld.so.cache", "glibc 2.36"];
    for (format, images) in &all {
        cases.push((format, &images.oci, "pass", found));
    }
    // The archive transports read the same cache.
    cases.push(("new, oci-archive", &all[0].1.oci_archive, "pass", found));
    cases.push((
        "old, docker-archive",
        &all[1].1.docker_archive,
        "pass",
        found,
    ));
    expect(d, &file, &cases);
}

#[test]
fn what_glibc_does_not_search_fails_naming_why_and_runpath_rpath_are_followed() {
    let Some((tmp, lib, bytes)) = start(false) else {
        return;
    };
    let d = tmp.path();
    // /usr/local/lib: Debian's libc6 lists it in /etc/ld.so.conf.d/libc.conf, so it is
    // found once ldconfig ran, and never by the loader itself (no cache: the files were
    // copied in and ldconfig never ran).
    let mut cached_local = glibc_root(&bytes, Some("usr/local/lib"), None);
    cached_local.ldconfig = Some("new".into());
    let cached_local = one(&cached_local, d, "cached-local");
    let local = one(&glibc_root(&bytes, Some("usr/local/lib"), None), d, "local");
    // Nor when no configuration names it.
    let mut unlisted = glibc_root(&bytes, Some("usr/local/lib"), None);
    unlisted.without("etc/ld.so.conf.d/libc.conf");
    let unlisted = one(&unlisted, d, "unlisted");
    // A stale cache: the library and its ld.so.conf line came after ldconfig ran.
    let mut before = glibc_root(&bytes, None, None);
    before.ldconfig = Some("new".into());
    let stale_cache = std::fs::read(before.build().join("etc/ld.so.cache")).unwrap();
    let mut stale = glibc_root(&bytes, Some("opt/late/lib"), Some("/opt/late/lib\n"));
    stale.blob("etc/ld.so.cache", &stale_cache);
    let stale = one(&stale, d, "stale");
    // The library where only the binary's own search path points.
    let mut opt = glibc_root(&bytes, Some("opt/need/lib"), None);
    opt.ldconfig = Some("new".into());
    let opt = one(&opt, d, "opt");

    let plain = sharedlib(d, &lib, Link::Glibc, "sharedlib-cache", "");
    #[rustfmt::skip]
    expect(d, &plain, &[
        ("/usr/local/lib after ldconfig", &cached_local.oci, "pass", &["libneed.so.1 found via /etc/ld.so.cache"]),
        ("/usr/local/lib without a cache", &local.oci, "fail", &["has no libneed.so.1 where the loader looks (glibc's built-in directories (Debian's multiarch layout) /lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:/lib:/usr/lib; no /etc/ld.so.cache)", "/etc/ld.so.conf lists /usr/local/lib, which has /usr/local/lib/libneed.so.1, but glibc's loader reads only /etc/ld.so.cache (and the image has no cache it reads): run ldconfig"]),
        ("/usr/local/lib, listed nowhere", &unlisted.oci, "fail", &["/usr/local/lib/libneed.so.1 is in /usr/local/lib, which glibc's loader does not search by itself"]),
        ("a stale cache", &stale.oci, "fail", &["/etc/ld.so.conf lists /opt/late/lib, which has /opt/late/lib/libneed.so.1, but glibc's loader reads only /etc/ld.so.cache, which has no entry for it: run ldconfig"]),
        ("only the binary's path would find it", &opt.oci, "fail", &["has no libneed.so.1"]),
    ]);
    for (name, flags, tag) in [
        (
            "sharedlib-runpath",
            "-Wl,-rpath,/opt/need/lib -Wl,--enable-new-dtags",
            "RUNPATH",
        ),
        (
            "sharedlib-rpath",
            "-Wl,-rpath,/opt/need/lib -Wl,--disable-new-dtags",
            "RPATH",
        ),
    ] {
        let file = sharedlib(d, &lib, Link::Glibc, name, flags);
        let dynamic = sh("readelf", &["-d", file.to_str().unwrap()]);
        assert!(
            dynamic.contains(&format!("({tag})")),
            "{name} has a {tag}:\n{dynamic}"
        );
        let by = format!("libneed.so.1 found via DT_{tag}");
        expect(
            d,
            &file,
            &[
                (name, &opt.oci, "pass", &[&by]),
                (
                    name,
                    &local.oci,
                    "fail",
                    &[&format!("DT_{tag} /opt/need/lib")],
                ),
            ],
        );
    }
    // $ORIGIN: relative to where the binary will be, which a base image does not say.
    let origin = sharedlib(
        d,
        &lib,
        Link::Glibc,
        "sharedlib-origin",
        "-Wl,-rpath,$ORIGIN/../lib -Wl,--enable-new-dtags",
    );
    expect(d, &origin, &[("$ORIGIN", &opt.oci, "unknown", &["DT_RUNPATH $ORIGIN/../lib is relative to where the binary runs ($ORIGIN), which the image does not say"])]);
    // With the runs-on entry's `path`, $ORIGIN is the directory the artifact is put in
    // (made when missing, its `..` climbing from there); a path that is not absolute, or
    // climbs, is a configuration error naming the line.
    let file = origin.display().to_string();
    for (case, path, code, want) in [
        (
            "beside the library",
            "/opt/need/bin/app",
            0,
            "libneed.so.1 found via DT_RUNPATH",
        ),
        (
            "elsewhere",
            "/usr/local/bin/app",
            1,
            "DT_RUNPATH /usr/local/lib",
        ),
        ("relative", "bin/app", 2, "must be an absolute file path"),
        (
            "climbing",
            "/opt/../app",
            2,
            "must be an absolute file path",
        ),
    ] {
        std::fs::write(
            d.join("xbuild-go.toml"),
            format!(
                "[build.verify]\nbuildinfo = false\n\n[profile.golden.verify]\nstatic = false\n\
                 runs-on = [{{ image = {:?}, path = {path:?} }}]\n",
                opt.oci
            ),
        )
        .unwrap();
        let r = run(
            d,
            &[
                "verify",
                "--message-format",
                "json",
                &file,
                "--target",
                "linux/arm64",
            ],
        );
        assert_eq!(r.code, Some(code), "case {case}\n{r}");
        let text = if code == 2 {
            r.stderr.clone() + &r.stdout
        } else {
            check(&r.artifacts()[0], &format!("runs-on.{}", opt.oci)).to_string()
        };
        assert!(text.contains(want), "case {case}: {want:?} not in {text}");
    }
}

#[test]
fn musl_searches_its_path_file_when_there_else_its_default_path() {
    let Some((tmp, lib, bytes)) = start(true) else {
        return;
    };
    let d = tmp.path();
    let musl = |dir: &str, path_file: bool| {
        let mut s = RootSpec::new("arm64", &["musl", "base-files"]);
        s.blob(&format!("{dir}/libneed.so.1"), &bytes);
        if !path_file {
            s.without("etc/ld-musl-aarch64.path");
        }
        s
    };
    let debian_local = one(&musl("usr/local/lib", true), d, "debian-local");
    let debian_multiarch = one(
        &musl("usr/lib/aarch64-linux-musl", true),
        d,
        "debian-multiarch",
    );
    let default_local = one(&musl("usr/local/lib", false), d, "default-local");
    let file = sharedlib(d, &lib, Link::Musl, "sharedlib-musl", "");
    let interp = sh("readelf", &["-l", file.to_str().unwrap()]);
    assert!(
        interp.contains("/lib/ld-musl-aarch64.so.1"),
        "a musl binary:\n{interp}"
    );
    #[rustfmt::skip]
    expect(d, &file, &[
        ("Debian's path file leaves /usr/local/lib out", &debian_local.oci, "fail", &["/etc/ld-musl-aarch64.path /lib/aarch64-linux-musl:/usr/lib/aarch64-linux-musl"]),
        ("Debian's path file", &debian_multiarch.oci, "pass", &["libneed.so.1 found via /etc/ld-musl-aarch64.path", "libc.so found via musl's loader itself"]),
        ("musl's default path has /usr/local/lib", &default_local.oci, "pass", &["libneed.so.1 found via musl's default path (no /etc/ld-musl-aarch64.path)"]),
    ]);
}
