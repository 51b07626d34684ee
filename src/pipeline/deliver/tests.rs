use super::*;

#[test]
fn parents_created_are_the_only_ones_removed() {
    let t = tempfile::tempdir().unwrap();
    let base = t.path();
    std::fs::create_dir_all(base.join("dist/E")).unwrap();
    // dist/N/../E/../O: N and O are new, E exists and must survive.
    let created = create_parents(&base.join("dist/N/../E/../O")).unwrap();
    let canon = |p: &str| std::fs::canonicalize(base.join(p)).unwrap();
    assert_eq!(created, vec![canon("dist/N"), canon("dist/O")]);
    remove_created(&created);
    assert!(base.join("dist/E").is_dir(), "pre-existing E kept");
    assert!(!base.join("dist/N").exists() && !base.join("dist/O").exists());
    assert!(base.join("dist").is_dir());
}

#[test]
fn a_file_in_the_way_is_an_error_and_nothing_is_left() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("a")).unwrap();
    std::fs::write(t.path().join("a/file"), b"").unwrap();
    assert!(create_parents(&t.path().join("a/new/../file/x")).is_err());
    assert!(
        !t.path().join("a/new").exists(),
        "created dir removed on error"
    );
}

#[test]
fn output_directory_semantics() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let cases = [
        (format!("{}/", t.path().join("new").display()), "new/app"),
        (dir.display().to_string(), "out/app"),
        (format!("{}/", dir.display()), "out/app"),
        (t.path().join("file").display().to_string(), "file"),
    ];
    for (given, want) in cases {
        let got = into_dir_if_dir(PathBuf::from(&given), "app");
        assert_eq!(
            got.strip_prefix(t.path()).unwrap(),
            Path::new(want),
            "-o {given}"
        );
    }
}

#[test]
fn deliver_replaces_changed_bytes_and_skips_equal_ones() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    std::fs::write(&src, b"\x7fELF genuine").unwrap();
    let srcf = File::open(&src).unwrap();
    let dest = t.path().join("dest");
    assert_ne!(
        deliver(Some(&srcf), b"\x7fELF genuine", &dest, None).unwrap(),
        Delivered::Unchanged
    );
    assert_eq!(std::fs::read(&dest).unwrap(), b"\x7fELF genuine");
    assert!(std::fs::metadata(&dest).unwrap().mode() & 0o100 != 0);
    assert_eq!(
        deliver(Some(&srcf), b"\x7fELF genuine", &dest, None).unwrap(),
        Delivered::Unchanged
    );
    std::fs::write(&dest, b"\x7fELF tampered").unwrap();
    assert_ne!(
        deliver(Some(&srcf), b"\x7fELF genuine", &dest, None).unwrap(),
        Delivered::Unchanged
    );
    assert_eq!(std::fs::read(&dest).unwrap(), b"\x7fELF genuine");
    // A symlink at the destination is replaced, its target left alone.
    let victim = t.path().join("victim");
    std::fs::write(&victim, b"victim").unwrap();
    std::fs::remove_file(&dest).unwrap();
    std::os::unix::fs::symlink(&victim, &dest).unwrap();
    deliver(Some(&srcf), b"\x7fELF genuine", &dest, None).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"victim");
    assert!(std::fs::symlink_metadata(&dest).unwrap().is_file());
    // The directory vanished (a failed sibling build removed it): made again.
    let gone = t.path().join("gone/app");
    deliver(Some(&srcf), b"\x7fELF genuine", &gone, None).unwrap();
    assert_eq!(std::fs::read(&gone).unwrap(), b"\x7fELF genuine");
    let left: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(TMP_PREFIX))
        .collect();
    assert!(left.is_empty(), "no temporary file left: {left:?}");
}

#[test]
fn a_destination_that_is_not_a_regular_file_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let sock = t.path().join("sock");
    let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let to_sock = t.path().join("to-sock");
    std::os::unix::fs::symlink(&sock, &to_sock).unwrap();
    let file = t.path().join("file");
    std::fs::write(&file, b"\x7fELF\x02\x01\x01").unwrap();
    let text = t.path().join("notes.txt");
    std::fs::write(&text, b"module example.com/x\n").unwrap();
    let empty = t.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    let exe = t.path().join("app.exe");
    std::fs::write(&exe, b"MZ\x90\x00").unwrap();
    let to_text = t.path().join("to-text");
    std::os::unix::fs::symlink(&text, &to_text).unwrap();
    let to_file = t.path().join("to-file");
    std::os::unix::fs::symlink(&file, &to_file).unwrap();
    let dangling = t.path().join("dangling");
    std::os::unix::fs::symlink(t.path().join("none"), &dangling).unwrap();
    let to_null = t.path().join("to-null");
    std::os::unix::fs::symlink("/dev/null", &to_null).unwrap();
    for (p, want) in [
        (&file, Some(Destination::File)),
        (&empty, Some(Destination::File)),
        (&exe, Some(Destination::File)),
        // A symlink is replaced, never written through: its target is safe.
        (&to_text, Some(Destination::File)),
        (&text, None),
        (&to_file, Some(Destination::File)),
        (&dangling, Some(Destination::File)),
        (&t.path().join("new"), Some(Destination::File)),
        (&PathBuf::from("/dev/null"), Some(Destination::Discard)),
        (&to_null, Some(Destination::Discard)),
        (&sock, None),
        (&to_sock, None),
        (&PathBuf::from("/dev/zero"), None),
        (&PathBuf::from("/dev/stdout"), None),
        (&PathBuf::from("/dev/fd/1"), None),
        (&PathBuf::from("/dev/new-file"), None),
        (&text.join("app"), None),
    ] {
        let got = destination(p);
        assert_eq!(got.as_ref().ok().copied(), want, "{}: {got:?}", p.display());
        if let Err(e) = got {
            assert_eq!(crate::error::exit_for(&e), crate::error::Exit::Usage);
            let why = if p == &text {
                "already exists and is not an executable or object file".to_string()
            } else if p.starts_with(&text) {
                format!("`{}` is a file, not a directory", text.display())
            } else {
                "not a regular file".to_string()
            };
            assert!(format!("{e}").contains(&why), "{}: {e}", p.display());
        }
    }
}

#[test]
fn sweep_removes_only_dead_runs_files() {
    let t = tempfile::tempdir().unwrap();
    // A pid that cannot exist (above the kernel's pid_max limit of 2^22).
    let dead = format!("{TMP_PREFIX}99999999.0000abcd");
    let live = format!("{TMP_PREFIX}{}.0000abcd", std::process::id());
    for n in [
        &dead,
        &live,
        &".xbuild-go-tmp.notapid".to_string(),
        &"app".to_string(),
    ] {
        std::fs::write(t.path().join(n), b"x").unwrap();
    }
    std::fs::create_dir(t.path().join(".xbuild-go-AbC123")).unwrap();
    sweep(t.path());
    let mut left: Vec<String> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    // A fresh legacy directory may belong to a running older version: kept.
    let mut want = vec![
        live,
        ".xbuild-go-tmp.notapid".to_string(),
        "app".to_string(),
        ".xbuild-go-AbC123".to_string(),
    ];
    want.sort();
    assert_eq!(left, want);
}

#[test]
fn mtime_is_set_on_the_delivered_file_never_through_a_symlink() {
    use std::os::unix::fs::MetadataExt as _;
    let t = tempfile::tempdir().unwrap();
    let other = t.path().join("other");
    std::fs::write(&other, b"someone else's").unwrap();
    let before = std::fs::metadata(&other).unwrap().mtime();
    // (case, what dest is before delivery)
    for (case, link) in [("a new file", false), ("a symlink in the way", true)] {
        let dest = t.path().join(format!("dest-{link}"));
        if link {
            std::os::unix::fs::symlink(&other, &dest).unwrap();
        }
        for round in ["written", "unchanged"] {
            deliver(None, b"\x7fELF genuine", &dest, Some(1_700_000_000)).unwrap();
            let meta = std::fs::symlink_metadata(&dest).unwrap();
            assert!(meta.file_type().is_file(), "{case}, {round}: a file");
            assert_eq!(meta.mtime(), 1_700_000_000, "{case}, {round}: mtime");
        }
    }
    let after = std::fs::metadata(&other).unwrap();
    assert_eq!(after.mtime(), before, "the symlink's target is untouched");
    assert_eq!(std::fs::read(&other).unwrap(), b"someone else's");
}
