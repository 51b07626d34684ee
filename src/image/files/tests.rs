//! Unit tests of the file index: placing entries, whiteouts, symlinks, budgets.

use super::*;

fn entry(path: &str, kind: EntryKind, link: Option<&str>, size: u64) -> Entry {
    Entry {
        path: path.to_string(),
        link: link.map(str::to_string),
        kind,
        mode: 0o755,
        size,
        data_len: size,
        data_offset: 0,
    }
}

fn image(layers: &[&[(&str, EntryKind, Option<&str>)]]) -> ImageFiles {
    let mut f = ImageFiles::new(
        "oci:test",
        Platform {
            os: "linux".into(),
            arch: "arm64".into(),
            variant: None,
        },
    );
    for (i, layer) in layers.iter().enumerate() {
        for (j, (p, k, l)) in layer.iter().enumerate() {
            f.apply(i, j as u64, &entry(p, *k, *l, 3)).unwrap();
        }
    }
    f
}

use EntryKind::{Dir, File, HardLink, Symlink};

#[test]
fn symlinks_resolve_inside_the_root() {
    let f = image(&[&[
        ("usr/lib/aarch64-linux-gnu/libc.so.6", File, None),
        ("lib", Symlink, Some("usr/lib")),
        ("escape", Symlink, Some("../../../..")),
        ("abs", Symlink, Some("/usr/lib/aarch64-linux-gnu")),
        ("loop1", Symlink, Some("loop2")),
        ("loop2", Symlink, Some("/loop1")),
        ("etc/passwd", File, None),
    ]]);
    for (path, want) in [
        (
            "/lib/aarch64-linux-gnu/libc.so.6",
            Some("/usr/lib/aarch64-linux-gnu/libc.so.6"),
        ),
        (
            "/abs/libc.so.6",
            Some("/usr/lib/aarch64-linux-gnu/libc.so.6"),
        ),
        // `..` stops at the root, as in a container.
        ("/escape/etc/passwd", Some("/etc/passwd")),
        ("/escape/../../etc/passwd", Some("/etc/passwd")),
        ("/lib/../etc/passwd", None), // /usr/lib/.. is /usr, which has no etc
        ("/nothing", None),
    ] {
        assert_eq!(
            f.stat(path).map(|(p, _)| p),
            want.map(str::to_string),
            "case {path}"
        );
    }
    assert!(matches!(f.resolve("/loop1/x", true), Lookup::Loop { .. }));
    assert!(matches!(
        f.resolve("/etc/passwd/x", true),
        Lookup::NotDir { .. }
    ));
    assert_eq!(
        f.resolve("/lib", false),
        Lookup::Found {
            path: "/lib".into(),
            node: f.nodes.get("/lib").unwrap()
        }
    );
    assert_eq!(f.list_dir("/lib"), vec!["aarch64-linux-gnu"]);
    assert!(f.is_dir("/lib") && !f.is_file("/lib"));
}

#[test]
fn whiteouts_and_opaque_directories_hide_lower_layers() {
    let f = image(&[
        &[
            ("etc/ssl/certs/ca-certificates.crt", File, None),
            ("etc/ssl/certs/other.pem", File, None),
            ("usr/share/zoneinfo/UTC", File, None),
            ("usr/share/zoneinfo/Europe/Paris", File, None),
            ("lib/ld-linux-aarch64.so.1", File, None),
        ],
        &[
            ("etc/ssl/certs/.wh.ca-certificates.crt", File, None),
            // New in this layer, and then the directory is made opaque: the new
            // file stays, the lower ones go.
            ("usr/share/zoneinfo/Etc", File, None),
            ("usr/share/zoneinfo/.wh..wh..opq", File, None),
            ("lib/.wh.ld-linux-aarch64.so.1", File, None),
        ],
    ]);
    assert!(!f.exists("/etc/ssl/certs/ca-certificates.crt"));
    assert!(f.exists("/etc/ssl/certs/other.pem"));
    assert!(f.exists("/usr/share/zoneinfo/Etc"));
    assert!(!f.exists("/usr/share/zoneinfo/UTC"));
    assert!(!f.exists("/usr/share/zoneinfo/Europe/Paris"));
    assert!(!f.exists("/usr/share/zoneinfo/Europe"));
    assert!(!f.exists("/lib/ld-linux-aarch64.so.1"));
    assert!(f.is_dir("/lib"));
}

#[test]
fn entries_go_through_symlinked_parents_and_hard_links_copy() {
    let f = image(&[
        &[("lib", Symlink, Some("usr/lib")), ("usr/lib", Dir, None)],
        &[
            ("lib/libc.so.6", File, None),
            ("usr/bin/a", File, None),
            ("usr/bin/b", HardLink, Some("usr/bin/a")),
            ("usr/bin/c", HardLink, Some("usr/bin/missing")),
        ],
    ]);
    assert!(f.nodes.contains_key("/usr/lib/libc.so.6"));
    assert_eq!(f.nodes["/usr/bin/b"].src, f.nodes["/usr/bin/a"].src);
    assert!(!f.exists("/usr/bin/c"));
    assert_eq!(f.skipped, 1);
}

#[test]
fn a_file_replaces_a_lower_directory_and_escapes_are_errors() {
    let mut f = image(&[&[("opt/x/y", File, None)], &[("opt/x", File, None)]]);
    assert!(f.is_file("/opt/x"));
    assert!(!f.nodes.contains_key("/opt/x/y"));
    let err = f
        .apply(2, 0, &entry("../../etc/shadow", File, None, 1))
        .unwrap_err();
    assert!(err.message.contains("climbs out"), "{}", err.message);
}

#[test]
fn library_lookups_through_amplifying_symlinks_stop_at_their_budget() {
    // 40 links, each climbing through 127 `r/..` pairs to the next: ~10000
    // components per lookup, and the search path names the chain 300 times.
    let hops: Vec<(String, String)> = (0..40)
        .map(|k| {
            let next = if k == 39 {
                "r".to_string()
            } else {
                format!("l{}", k + 1)
            };
            (format!("l{k}"), format!("{}{next}", "r/../".repeat(127)))
        })
        .collect();
    let mut layer: Vec<(&str, EntryKind, Option<&str>)> = vec![("r/libz.so.1", File, None)];
    for (at, to) in &hops {
        layer.push((at, Symlink, Some(to)));
    }
    let f = image(&[&layer]);
    let mut unbounded = u64::MAX;
    assert_eq!(
        f.find_library_within("/l0/libz.so.1", &[], &mut unbounded)
            .unwrap()
            .map(|(_, r)| r)
            .as_deref(),
        Some("/r/libz.so.1")
    );
    let dirs = vec!["/l0".to_string(); 300];
    let mut left = MAX_LOOKUP_WALK;
    let e = f
        .find_library_within("libnone.so", &dirs, &mut left)
        .unwrap_err();
    assert!(e.contains("MAX_LOOKUP_WALK"), "{e}");
    let mut left = MAX_LOOKUP_WALK;
    assert!(f
        .find_library_within("libz.so.1", &dirs, &mut left)
        .unwrap()
        .is_some());
}

#[test]
fn small_reads_report_why_not() {
    let mut f = image(&[&[("etc/passwd", File, None), ("etc/big", File, None)]]);
    f.store("/etc/passwd".into(), b"abc".to_vec());
    assert_eq!(f.read_small("/etc/passwd", 10), Small::Bytes(b"abc"));
    assert_eq!(f.read_small("/etc/passwd", 2), Small::TooBig(3));
    assert_eq!(f.read_small("/etc/big", 10), Small::NotLoaded);
    assert_eq!(f.read_small("/etc", 10), Small::NotFile);
    assert_eq!(f.read_small("/etc/group", 10), Small::Missing);
}
