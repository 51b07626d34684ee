use super::*;

use crate::toolchain::childenv::host_of as host;

/// The slot key of `app` for linux/arm64, profile golden, in module `/m`.
fn app_key() -> SlotKey<'static> {
    SlotKey {
        module_dir: Path::new("/m"),
        package: ".",
        target: "linux/arm64",
        profile: "golden",
        file_name: std::ffi::OsStr::new("app"),
    }
}

#[test]
fn root_precedence() {
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
    let cases: [Case; 5] = [
        (
            &[
                ("XBUILD_GO_CACHE_DIR", "/x"),
                ("XDG_CACHE_HOME", "/c"),
                ("HOME", "/h"),
            ],
            Some("/x"),
        ),
        (
            &[("XDG_CACHE_HOME", "/c"), ("HOME", "/h")],
            Some("/c/xbuild-go"),
        ),
        (
            &[("XDG_CACHE_HOME", "rel"), ("HOME", "/h")],
            Some("/h/.cache/xbuild-go"),
        ),
        (&[("XBUILD_GO_CACHE_DIR", "rel"), ("HOME", "/h")], None),
        (&[], None),
    ];
    for (env, want) in cases {
        let got = root(&host(env)).ok();
        assert_eq!(got.as_deref(), want.map(Path::new), "env {env:?}");
    }
}

#[test]
fn keys_differ_by_every_part() {
    let base = SlotKey {
        module_dir: Path::new("/m"),
        package: ".",
        target: "linux/arm64",
        profile: "golden",
        file_name: std::ffi::OsStr::new("app"),
    };
    let variants = [
        SlotKey {
            module_dir: Path::new("/n"),
            ..base.clone()
        },
        SlotKey {
            package: "./cmd/a",
            ..base.clone()
        },
        SlotKey {
            target: "linux/amd64",
            ..base.clone()
        },
        SlotKey {
            profile: "release",
            ..base.clone()
        },
        SlotKey {
            file_name: std::ffi::OsStr::new("app2"),
            ..base.clone()
        },
        // Concatenation must not collide: "/m" + "." vs "/m." + "".
        SlotKey {
            module_dir: Path::new("/m."),
            package: "",
            ..base.clone()
        },
    ];
    for v in &variants {
        assert_ne!(v.digest(), base.digest(), "{v:?}");
    }
    assert_eq!(base.digest(), base.clone().digest());
}

#[test]
fn a_changed_artifact_is_forgotten() {
    let root = tempfile::tempdir().unwrap();
    let key = app_key();
    let open = || Slot::open(root.path(), &key, || {}, || Ok(())).unwrap();
    let slot = open();
    std::fs::write(&slot.output, b"genuine").unwrap();
    let snap = slot.snapshot().unwrap().unwrap();
    assert_eq!(snap.bytes, b"genuine");
    slot.record(&snap).unwrap();
    assert!(slot.still_holds(&snap));
    drop(slot);
    let slot = open();
    assert!(slot.output.exists(), "an intact artifact is kept");
    // Same size, same content length: a rewrite still moves ctime.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&slot.output, b"tampere").unwrap();
    drop(slot);
    let slot = open();
    assert!(!slot.output.exists(), "a changed artifact is removed");
    // An artifact with no record at all is not trusted either.
    std::fs::write(&slot.output, b"stray").unwrap();
    drop(slot);
    assert!(!open().output.exists(), "an unrecorded artifact is removed");
}

#[test]
fn slots_of_vanished_modules_are_swept_once_a_day() {
    let root = tempfile::tempdir().unwrap();
    let gone = tempfile::tempdir().unwrap();
    let here = tempfile::tempdir().unwrap();
    let key = |m| SlotKey {
        module_dir: m,
        package: ".",
        target: "linux/arm64",
        profile: "golden",
        file_name: std::ffi::OsStr::new("app"),
    };
    let open = |m| Slot::open(root.path(), &key(m), || {}, || Ok(())).unwrap();
    let (g, h) = (gone.path().to_path_buf(), here.path().to_path_buf());
    let dir_gone = open(&g).dir.clone();
    let kept = open(&h);
    let dir_here = kept.dir.clone();
    drop(gone);
    sweep_orphans(root.path());
    assert!(
        !dir_gone.exists(),
        "the slot of a deleted module is removed"
    );
    assert!(dir_here.exists(), "a live module's slot stays");
    // Once a day: a second sweep right away does nothing.
    std::fs::create_dir_all(dir_gone.join("x")).unwrap();
    std::fs::write(dir_gone.join("module"), b"/nonexistent/module").unwrap();
    sweep_orphans(root.path());
    assert!(dir_gone.exists());
    drop(kept);
}

#[test]
fn the_slot_is_exclusive() {
    let root = tempfile::tempdir().unwrap();
    let key = app_key();
    let first = Slot::open(root.path(), &key, || {}, || Ok(())).unwrap();
    // A second opener waits; cancel it on the first poll.
    let mut waited = false;
    let second = Slot::open(
        root.path(),
        &key,
        || waited = true,
        || Err(anyhow::anyhow!("cancelled")),
    );
    assert!(waited && second.is_err(), "a held slot is not shared");
    drop(first);
    assert!(Slot::open(root.path(), &key, || {}, || Ok(())).is_ok());
}
