//! The loaders' search on small indexes: glibc's order (RPATH, RUNPATH, the cache, the
//! built-in directories) with a real cache Debian's ldconfig wrote, musl's path file.

use super::*;
use crate::image::tarwalk::{Entry, EntryKind};
use crate::image::Platform;

/// An amd64 image of `files` (paths of regular files, `dir/` for a directory, `a -> b`
/// for a symlink), with `/etc/ld.so.cache` from `cache` when given.
fn image(files: &[&str], cache: Option<&[u8]>) -> ImageFiles {
    let mut f = ImageFiles::new(
        "oci:test",
        Platform {
            os: "linux".into(),
            arch: "amd64".into(),
            variant: None,
        },
    );
    let mut all: Vec<&str> = files.to_vec();
    if cache.is_some() {
        all.push("etc/ld.so.cache");
    }
    for (i, spec) in all.iter().enumerate() {
        let (path, kind, link) = match spec.split_once(" -> ") {
            Some((p, l)) => (p, EntryKind::Symlink, Some(l.to_string())),
            None if spec.ends_with('/') => (spec.trim_end_matches('/'), EntryKind::Dir, None),
            None => (*spec, EntryKind::File, None),
        };
        let e = Entry {
            path: path.to_string(),
            link,
            kind,
            mode: 0o755,
            size: 3,
            data_len: 3,
            data_offset: 0,
        };
        f.apply(0, i as u64, &e).unwrap();
    }
    if let Some(c) = cache {
        f.store("/etc/ld.so.cache".into(), c.to_vec());
    }
    f
}

/// The real cache: libalpha.so.1 in /opt/extra/lib (and in the multiarch directory),
/// libgamma.so.3 in /opt/extra/lib, libbeta.so.2 and others in the multiarch directory.
const CACHE: &[u8] = include_bytes!("../../../fixtures/ldcache/x86_64.new");
const LOADER: &str = "/lib64/ld-linux-x86-64.so.2";
const M: &str = "/usr/lib/x86_64-linux-gnu";

fn found(s: &Search, name: &str) -> Option<(String, String)> {
    let mut left = crate::image::files::MAX_LOOKUP_WALK;
    s.find(name, &mut left).unwrap().map(|f| (f.real, f.by))
}

/// The search said `needle` among what it passed over.
fn assert_noted(s: &Search, needle: &str) {
    assert!(
        s.notes.iter().any(|n| n.contains(needle)),
        "{needle:?} not in {:?}",
        s.notes
    );
}

fn paths(rpath: Option<&str>, runpath: Option<&str>) -> Paths {
    Paths {
        rpath: rpath.map(str::to_string),
        runpath: runpath.map(str::to_string),
        ..Paths::default()
    }
}

#[test]
fn built_in_directories_follow_the_image_layout() {
    for (case, files, goarch, want, layout) in [
        (
            "Debian arm64",
            &["usr/lib/aarch64-linux-gnu/"][..],
            "arm64",
            &[
                "/lib/aarch64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu",
                "/lib",
                "/usr/lib",
            ][..],
            "Debian's multiarch layout",
        ),
        (
            "Debian armhf",
            &["lib/arm-linux-gnueabihf/"][..],
            "arm",
            &[
                "/lib/arm-linux-gnueabihf",
                "/usr/lib/arm-linux-gnueabihf",
                "/lib/arm-linux-gnueabi",
                "/usr/lib/arm-linux-gnueabi",
                "/lib",
                "/usr/lib",
            ][..],
            "Debian's multiarch layout",
        ),
        (
            "Debian i386",
            &["usr/lib/i386-linux-gnu/"][..],
            "386",
            &[
                "/lib/i386-linux-gnu",
                "/usr/lib/i386-linux-gnu",
                "/lib",
                "/usr/lib",
            ][..],
            "Debian's multiarch layout",
        ),
        (
            "Red Hat",
            &["usr/lib64/", "lib64 -> usr/lib64"][..],
            "amd64",
            &["/lib64", "/usr/lib64"][..],
            "the lib64 layout",
        ),
        (
            "neither, 64-bit",
            &["usr/lib/"][..],
            "amd64",
            &["/lib", "/usr/lib"][..],
            "the lib layout",
        ),
        (
            "lib64 on a 32-bit machine",
            &["usr/lib64/"][..],
            "386",
            &["/lib", "/usr/lib"][..],
            "the lib layout",
        ),
    ] {
        let f = image(files, None);
        let (dirs, how) = glibc_dirs(&f, goarch);
        assert_eq!(
            (dirs.iter().map(String::as_str).collect::<Vec<_>>(), how),
            (want.to_vec(), layout),
            "case {case}"
        );
        assert!(!dirs.iter().any(|d| d == "/usr/local/lib"), "case {case}");
    }
}

#[test]
fn glibc_takes_rpath_runpath_cache_then_its_directories() {
    let f = image(
        &[
            "opt/extra/lib/libalpha.so.1",
            "opt/extra/lib/libgamma.so.3",
            "usr/lib/x86_64-linux-gnu/libalpha.so.1",
            "usr/lib/x86_64-linux-gnu/libbeta.so.2",
            "usr/lib/x86_64-linux-gnu/libzeta.so.6",
            "opt/rpath/libalpha.so.1",
            "opt/runpath/libalpha.so.1",
            "app/lib/libalpha.so.1",
            "app/bin/",
            "lib64/ld-linux-x86-64.so.2",
        ],
        Some(CACHE),
    );
    let by = |p: &Paths, name: &str| {
        let s = Search::new(&f, "amd64", LOADER, &[p]);
        found(&s, name)
    };
    let none = Paths::default();
    // The cache first: libalpha from /opt/extra/lib, as ldconfig ordered it.
    assert_eq!(
        by(&none, "libalpha.so.1"),
        Some(("/opt/extra/lib/libalpha.so.1".into(), LDCACHE.into()))
    );
    // Not in the cache: the built-in directories.
    let (real, how) = by(&none, "libzeta.so.6").unwrap();
    assert_eq!(real, format!("{M}/libzeta.so.6"));
    assert!(how.starts_with("glibc's built-in directories"), "{how}");
    // DT_RPATH before the cache, when there is no DT_RUNPATH.
    let rpath = paths(Some("/opt/rpath"), None);
    assert_eq!(
        by(&rpath, "libalpha.so.1"),
        Some(("/opt/rpath/libalpha.so.1".into(), "DT_RPATH".into()))
    );
    // With DT_RUNPATH, DT_RPATH is ignored, and DT_RUNPATH comes before the cache.
    let both = paths(Some("/opt/rpath"), Some("/opt/runpath"));
    assert_eq!(
        by(&both, "libalpha.so.1"),
        Some(("/opt/runpath/libalpha.so.1".into(), "DT_RUNPATH".into()))
    );
    // $ORIGIN: expanded when the binary's directory is known, passed over otherwise.
    let mut origin = paths(None, Some("$ORIGIN/../lib:/nonexistent"));
    let s = Search::new(&f, "amd64", LOADER, &[&origin]);
    assert_noted(&s, "$ORIGIN/../lib is relative to where the binary runs");
    assert_eq!(found(&s, "libalpha.so.1").unwrap().1, LDCACHE);
    origin.origin = Some("/app/bin".into());
    assert_eq!(
        by(&origin, "libalpha.so.1"),
        Some(("/app/lib/libalpha.so.1".into(), "DT_RUNPATH".into()))
    );
    // -z nodeflib: no cache entry in the built-in directories, no built-in directories.
    let nodeflib = Paths {
        nodeflib: true,
        ..Paths::default()
    };
    assert_eq!(
        by(&nodeflib, "libalpha.so.1").unwrap().0,
        "/opt/extra/lib/libalpha.so.1"
    );
    assert_eq!(by(&nodeflib, "libbeta.so.2"), None);
    assert_eq!(by(&nodeflib, "libzeta.so.6"), None);
}

#[test]
fn runpath_serves_only_its_own_object_rpath_the_whole_chain() {
    let f = image(
        &["opt/exe-runpath/libdep.so.1", "opt/exe-rpath/libdep.so.1"],
        None,
    );
    // A library the executable loaded asks for libdep.so.1: the executable's DT_RUNPATH
    // is not searched for it ...
    let lib = Paths::default();
    let exe = paths(None, Some("/opt/exe-runpath"));
    let s = Search::new(&f, "amd64", LOADER, &[&lib, &exe]);
    assert_eq!(found(&s, "libdep.so.1"), None);
    // ... but its DT_RPATH is, when the library has no DT_RUNPATH of its own.
    let exe = paths(Some("/opt/exe-rpath"), None);
    let s = Search::new(&f, "amd64", LOADER, &[&lib, &exe]);
    assert_eq!(
        found(&s, "libdep.so.1"),
        Some(("/opt/exe-rpath/libdep.so.1".into(), "DT_RPATH".into()))
    );
    let own = paths(None, Some("/nowhere"));
    let s = Search::new(&f, "amd64", LOADER, &[&own, &exe]);
    assert_eq!(found(&s, "libdep.so.1"), None);
    // musl inherits every object's path, DT_RUNPATH included.
    let exe = paths(None, Some("/opt/exe-runpath"));
    let s = Search::new(&f, "amd64", "/lib/ld-musl-x86_64.so.1", &[&lib, &exe]);
    assert_eq!(
        found(&s, "libdep.so.1"),
        Some(("/opt/exe-runpath/libdep.so.1".into(), "DT_RUNPATH".into()))
    );
}

#[test]
fn a_stale_cache_wins_over_ld_so_conf() {
    // ld.so.conf lists /opt/new, whose library ldconfig never saw; the cache names a
    // library that is gone, so the loader goes on to its directories.
    let mut f = image(
        &[
            "opt/new/libnew.so.1",
            "usr/lib/x86_64-linux-gnu/libbeta.so.2",
        ],
        Some(CACHE),
    );
    f.conf_dirs = vec!["/opt/new".into()];
    let s = Search::new(&f, "amd64", LOADER, &[&Paths::default()]);
    assert_eq!(found(&s, "libnew.so.1"), None);
    let mut left = crate::image::files::MAX_LOOKUP_WALK;
    let why = s.why_not("libnew.so.1", &mut left).unwrap();
    assert!(why[0].contains("/etc/ld.so.conf lists /opt/new, which has /opt/new/libnew.so.1, but glibc's loader reads only /etc/ld.so.cache, which has no entry for it: run ldconfig"), "{why:?}");
    // libgamma's entry points at /opt/extra/lib, which this image does not have.
    assert_eq!(found(&s, "libgamma.so.3"), None);
    let (real, how) = found(&s, "libbeta.so.2").unwrap();
    assert_eq!(
        (real.as_str(), how.as_str()),
        ("/usr/lib/x86_64-linux-gnu/libbeta.so.2", LDCACHE)
    );
    // /usr/local/lib is not glibc's: said so.
    let f = image(
        &["usr/local/lib/libloc.so.1", "usr/lib/x86_64-linux-gnu/"],
        None,
    );
    let s = Search::new(&f, "amd64", LOADER, &[&Paths::default()]);
    assert_eq!(found(&s, "libloc.so.1"), None);
    assert_noted(&s, "no /etc/ld.so.cache");
    let why = s.why_not("libloc.so.1", &mut left).unwrap();
    assert!(
        why[0].contains("which glibc's loader does not search by itself (musl's does)"),
        "{why:?}"
    );
}

#[test]
fn caches_glibc_ignores_or_cannot_be_read_are_said() {
    let f = image(
        &["usr/lib/x86_64-linux-gnu/libbeta.so.2"],
        Some(b"not a cache at all"),
    );
    let s = Search::new(&f, "amd64", LOADER, &[&Paths::default()]);
    assert_noted(&s, "glibc ignores it");
    assert!(found(&s, "libbeta.so.2").is_some());
    let mut compat = include_bytes!("../../../fixtures/ldcache/x86_64.compat").to_vec();
    let old_n = u32::from_le_bytes(compat[12..16].try_into().unwrap()) as usize;
    let at = (16 + old_n * 12 + 7) & !7;
    compat[at + 20..at + 24].copy_from_slice(&u32::MAX.to_le_bytes());
    let f = image(&[], Some(&compat));
    let s = Search::new(&f, "amd64", LOADER, &[&Paths::default()]);
    assert!(
        s.unreadable
            .as_deref()
            .is_some_and(|u| u.contains("more than the file's")),
        "{s:?}"
    );
}

#[test]
fn musl_reads_its_path_file_else_its_default() {
    let loader = "/lib/ld-musl-x86_64.so.1";
    assert_eq!(
        musl_path_file(loader).as_deref(),
        Some("/etc/ld-musl-x86_64.path")
    );
    assert_eq!(
        musl_path_file("/usr/lib/ld-musl-aarch64.so.1").as_deref(),
        Some("/usr/etc/ld-musl-aarch64.path")
    );
    assert_eq!(musl_path_file("/lib/ld-linux.so.2"), None);
    let files = [
        "usr/local/lib/libloc.so.1",
        "opt/m/libm2.so.1",
        "usr/lib/libz.so.1",
    ];
    let f = image(&files, None);
    let s = Search::new(&f, "amd64", loader, &[&Paths::default()]);
    assert_eq!(
        found(&s, "libloc.so.1").unwrap().1,
        "musl's default path (no /etc/ld-musl-x86_64.path)"
    );
    assert_eq!(found(&s, "libm2.so.1"), None);
    assert_eq!(found(&s, "libc.so").unwrap().1, "musl's loader itself");
    // The path file replaces the default.
    let mut f = image(&[&files[..], &["etc/ld-musl-x86_64.path"]].concat(), None);
    f.store(
        "/etc/ld-musl-x86_64.path".into(),
        b"/opt/m\n/usr/lib:relative\n".to_vec(),
    );
    let s = Search::new(&f, "amd64", loader, &[&Paths::default()]);
    assert_eq!(
        found(&s, "libm2.so.1").unwrap().1,
        "/etc/ld-musl-x86_64.path"
    );
    assert_eq!(found(&s, "libloc.so.1"), None);
    assert!(found(&s, "libz.so.1").is_some());
    assert_noted(&s, "relative is relative to the working directory");
    // A path file that cannot be read: musl searches no system path.
    let f = image(&[&files[..], &["etc/ld-musl-x86_64.path/"]].concat(), None);
    let s = Search::new(&f, "amd64", loader, &[&Paths::default()]);
    assert_eq!(found(&s, "libz.so.1"), None);
}

#[test]
fn musl_answers_for_its_own_libraries() {
    for (name, own) in [
        ("libc.so", true),
        ("libpthread.so.0", true),
        ("libm.so.6", true),
        ("libz.so.1", false),
        ("libcrypto.so.3", false),
        ("libcx.so", false),
    ] {
        assert_eq!(musl_builtin(name), own, "{name}");
    }
}

#[test]
fn origin_climbs_from_where_the_artifact_is_put_even_before_it_is_there() {
    for (entry, origin, want) in [
        ("$ORIGIN/../lib", "/app/bin", "/app/lib"),
        ("${ORIGIN}/lib", "/app/bin", "/app/bin/lib"),
        ("$ORIGIN", "/usr/local/bin", "/usr/local/bin"),
        ("$ORIGIN/../../../../lib", "/app/bin", "/lib"),
        ("$ORIGIN/./../lib/../x", "/a/b", "/a/lib/../x"),
        ("/opt/$ORIGIN", "/a", "/opt//a"),
    ] {
        assert_eq!(
            super::expand_origin(entry, origin),
            want,
            "{entry} from {origin}"
        );
    }
}
