//! Unit tests of root filesystem extraction: layers written by hand into an OCI layout,
//! extracted, and the tree on disk looked at.

use super::*;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};

use serde_json::json;

/// One entry of a hand-made layer.
enum E<'a> {
    File(&'a str, &'a [u8], u32),
    Dir(&'a str, u32),
    Sym(&'a str, &'a str),
    Hard(&'a str, &'a str),
    Char(&'a str),
    /// A GNU sparse file of this real size whose layer holds no data.
    Sparse(&'a str, u64),
}

fn tar_of(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        h.set_size(0);
        match e {
            E::File(p, bytes, mode) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                h.set_size(bytes.len() as u64);
                b.append_data(&mut h, p, *bytes).unwrap();
            }
            E::Dir(p, mode) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(*mode);
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            E::Sym(p, to) | E::Hard(p, to) => {
                h.set_entry_type(if matches!(e, E::Sym(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                h.set_mode(0o777);
                b.append_link(&mut h, p, to).unwrap();
            }
            E::Char(p) => {
                h.set_entry_type(tar::EntryType::Char);
                h.set_mode(0o666);
                h.set_device_major(8).unwrap();
                h.set_device_minor(0).unwrap();
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            E::Sparse(p, real) => {
                h.set_entry_type(tar::EntryType::GNUSparse);
                h.set_mode(0o644);
                if let Some(g) = h.as_gnu_mut() {
                    g.set_real_size(*real);
                }
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

/// An OCI layout at `dir` of one arm64 image of `layers`, with `config` merged into the
/// image config's `config` object; its `oci:` reference.
fn layout(dir: &Path, layers: &[Vec<u8>], config: serde_json::Value) -> ImageRef {
    use sha2::Digest as _;
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let blob = |media: &str, bytes: &[u8]| {
        let d = crate::digest::hex(&sha2::Sha256::digest(bytes));
        std::fs::write(dir.join("blobs/sha256").join(&d), bytes).unwrap();
        json!({"mediaType": media, "digest": format!("sha256:{d}"), "size": bytes.len()})
    };
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|l| format!("sha256:{}", crate::digest::sha256_hex(l)))
        .collect();
    let cfg = json!({"architecture": "arm64", "os": "linux", "config": config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids}});
    let cfg = blob(
        "application/vnd.oci.image.config.v1+json",
        &serde_json::to_vec(&cfg).unwrap(),
    );
    let descs: Vec<_> = layers
        .iter()
        .map(|l| blob("application/vnd.oci.image.layer.v1.tar", l))
        .collect();
    let m = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": cfg, "layers": descs});
    let m = blob(
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&m).unwrap(),
    );
    let index = json!({"schemaVersion": 2, "manifests": [m]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    ImageRef::parse(&format!("oci:{}", dir.display()))
        .unwrap()
        .unwrap()
}

/// Every path below `dir`, no symlink followed.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

fn arm64() -> Platform {
    Platform {
        os: "linux".into(),
        arch: "arm64".into(),
        variant: None,
    }
}

/// Extracts `r` into a fresh `into` below `dir`.
fn extracted(dir: &Path, r: &ImageRef) -> (PathBuf, RootFs) {
    let into = dir.join("root");
    std::fs::create_dir(&into).unwrap();
    let fs = extract(r, dir, &arm64(), &into).unwrap();
    (into, fs)
}

#[test]
fn whiteouts_and_opaque_directories_are_applied_and_hard_links_kept() {
    let dir = tempfile::tempdir().unwrap();
    let lower = tar_of(&[
        E::Dir("a", 0o755),
        E::File("a/x", b"x", 0o644),
        E::File("a/y", b"y", 0o644),
        E::Dir("b", 0o755),
        E::File("b/z", b"z", 0o644),
        E::File("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n", 0o644),
        E::Hard("etc/passwd-link", "etc/passwd"),
    ]);
    let upper = tar_of(&[
        E::File("a/.wh.x", b"", 0o644),
        E::File("b/.wh..wh..opq", b"", 0o644),
        E::File("b/new", b"new", 0o600),
        E::Dir("ro", 0o555),
        E::File("ro/inside", b"i", 0o444),
    ]);
    let r = layout(&dir.path().join("img"), &[lower, upper], json!({}));
    let (root, fs) = extracted(dir.path(), &r);
    let has = |p: &str| root.join(p).symlink_metadata().is_ok();
    assert!(has("a/y") && !has("a/x"), "a whiteout removes a/x only");
    assert!(
        has("b/new") && !has("b/z"),
        "an opaque b keeps only its own"
    );
    assert_eq!(std::fs::read(root.join("b/new")).unwrap(), b"new");
    let mode = |p: &str| {
        root.join(p)
            .symlink_metadata()
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(mode("b/new"), 0o600);
    assert_eq!(mode("ro/inside"), 0o444);
    assert_eq!(mode("ro"), 0o755, "directories stay the owner's to enter");
    let ino = |p: &str| root.join(p).metadata().unwrap().ino();
    assert_eq!(ino("etc/passwd"), ino("etc/passwd-link"), "a hard link");
    assert_eq!(fs.files, 4, "hard links counted once: {fs:?}");
    for m in MOUNT_POINTS {
        assert!(root.join(&m[1..]).is_dir(), "{m} is made");
    }
    assert_eq!(fs.working_dir, "/");
    assert_eq!(fs.tmp, None, "no /tmp in this image");
    assert_eq!(fs.run_as.as_ref().unwrap().uid, 0);
    assert_eq!(fs.run_as.as_ref().unwrap().home, "/root");
}

#[test]
fn hostile_layers_write_nothing_outside_and_no_device_or_setuid_file() {
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("host");
    std::fs::create_dir(&host).unwrap();
    std::fs::write(host.join("secret"), b"host secret").unwrap();
    let hostp = host.display().to_string();
    let up = format!("{}{}", "../".repeat(20), &hostp[1..]);
    let lower = tar_of(&[
        // Links out of the root, absolute and climbing; a later layer writes through them.
        E::Sym("abs", &hostp),
        E::Sym("rel", &up),
        E::Sym("proc", "/"),
        E::Sym("tmp", "/var/tmp"),
        E::Dir("var/tmp", 0o1777),
        E::Char("dev/sda"),
        E::Char("badnode"),
        E::File("bin/su", b"#!", 0o4755),
        E::File(".xbuild-go/planted", b"x", 0o755),
        E::Sparse("huge", 1 << 40),
    ]);
    let upper = tar_of(&[
        E::File("abs/pwned", b"PWNED", 0o644),
        E::File("rel/pwned2", b"PWNED", 0o644),
        E::Hard("stolen", &format!("{hostp}/secret")),
        E::Hard("stolen2", &format!("{up}/secret")),
    ]);
    let r = layout(
        &dir.path().join("img"),
        &[lower, upper],
        json!({"WorkingDir": "/abs/work"}),
    );
    let (root, fs) = extracted(dir.path(), &r);
    assert_eq!(
        std::fs::read_dir(&host).unwrap().count(),
        1,
        "nothing written on the host: {fs:?}"
    );
    // The links are written as links, and what went through them stays inside.
    assert_eq!(std::fs::read_link(root.join("abs")).unwrap(), host);
    let real_root = std::fs::canonicalize(&root).unwrap();
    let pwned: Vec<PathBuf> = walk(&root)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("pwned"))
        })
        .collect();
    assert_eq!(pwned.len(), 2, "both writes land inside: {pwned:?}");
    for p in &pwned {
        assert!(std::fs::canonicalize(p).unwrap().starts_with(&real_root));
        assert_eq!(std::fs::read(p).unwrap(), b"PWNED");
    }
    assert!(!root.join("stolen").exists() && !root.join("stolen2").exists());
    let meta = |p: &str| root.join(p).symlink_metadata();
    assert!(
        meta("dev/sda").is_err() && meta("badnode").is_err(),
        "no nodes"
    );
    assert_eq!(meta("bin/su").unwrap().permissions().mode() & 0o7777, 0o755);
    assert!(meta("proc").unwrap().is_dir(), "proc made a real directory");
    assert!(!root.join(".xbuild-go/planted").exists());
    assert_eq!(
        meta("huge").unwrap().len(),
        0,
        "a sparse file written empty"
    );
    assert_eq!(fs.tmp.as_deref(), Some("/var/tmp"), "tmp resolved inside");
    assert!(fs.working_dir.ends_with("/work"), "{}", fs.working_dir);
    let wd = std::fs::canonicalize(root.join(&fs.working_dir[1..])).unwrap();
    assert!(
        wd.starts_with(&real_root),
        "made inside the root: {}",
        wd.display()
    );
    let notes = fs.notes.join("\n");
    for n in ["device node", "setuid", ".xbuild-go", "sparse", "/proc"] {
        assert!(notes.contains(n), "{n:?} in the notes:\n{notes}");
    }
}

#[test]
fn a_root_past_its_budget_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let big = vec![0u8; 4096];
    let r = layout(
        &dir.path().join("img"),
        &[tar_of(&[E::File("big", &big, 0o644)])],
        json!({}),
    );
    let into = dir.path().join("root");
    std::fs::create_dir(&into).unwrap();
    let e = extract_within(&r, dir.path(), &arm64(), &into, 4095).unwrap_err();
    assert!(e.over_budget && e.message.contains("MAX_ROOTFS"), "{e}");
    assert_eq!(std::fs::read_dir(&into).unwrap().count(), 0);
    std::fs::write(into.join("x"), b"").unwrap();
    let e = extract(&r, dir.path(), &arm64(), &into).unwrap_err();
    assert!(e.message.contains("not an empty directory"), "{e}");
}

#[test]
fn users_resolve_as_container_runtimes_resolve_them() {
    let passwd =
        b"root:x:0:0:root:/root:/bin/sh\n# c\nnonroot:x:65532:65533::/home/nonroot:/sbin/nologin\n";
    let group = b"root:x:0:\nstaff:x:50:\n";
    for (spec, want) in [
        (None, Ok((0, 0, Some("root"), "/root"))),
        (
            Some("65532"),
            Ok((65532, 65533, Some("nonroot"), "/home/nonroot")),
        ),
        (
            Some("nonroot"),
            Ok((65532, 65533, Some("nonroot"), "/home/nonroot")),
        ),
        (
            Some("nonroot:staff"),
            Ok((65532, 50, Some("nonroot"), "/home/nonroot")),
        ),
        (Some("1234"), Ok((1234, 0, None, "/"))),
        (Some("1234:77"), Ok((1234, 77, None, "/"))),
        (Some("app"), Err("no user `app`")),
        (Some("nonroot:wheel"), Err("no group `wheel`")),
        (Some("4294967295"), Err("no user")),
    ] {
        let got = run_user(spec, Some(passwd), Some(group));
        match (want, got) {
            (Ok((uid, gid, name, home)), Ok(u)) => {
                assert_eq!(
                    (u.uid, u.gid, u.name.as_deref(), u.home.as_str()),
                    (uid, gid, name, home),
                    "case {spec:?}"
                );
            }
            (Err(needle), Err(e)) => assert!(e.contains(needle), "case {spec:?}: {e}"),
            (want, got) => panic!("case {spec:?}: want {want:?}, got {got:?}"),
        }
    }
    let e = run_user(Some("app"), None, None).unwrap_err();
    assert!(e.contains("has no /etc/passwd"), "{e}");
}

#[test]
fn the_run_environment_is_the_images_with_path_and_home_added() {
    let fs = RootFs {
        reference: "oci:x".into(),
        platform: arm64(),
        dir: PathBuf::from("/x"),
        user: None,
        run_as: Err(String::new()),
        env: vec![
            "A=1".into(),
            "noequals".into(),
            "A=2".into(),
            "=bad".into(),
            "HOME=/h".into(),
        ],
        working_dir: "/".into(),
        tmp: None,
        files: 0,
        bytes: 0,
        notes: Vec::new(),
        skipped: 0,
    };
    let user = RunUser {
        uid: 1,
        gid: 1,
        name: None,
        home: "/home/u".into(),
    };
    assert_eq!(
        fs.run_env(&user),
        vec![
            ("A".to_string(), "2".to_string()),
            ("HOME".into(), "/h".into()),
            ("PATH".into(), DEFAULT_PATH.into()),
        ]
    );
}
