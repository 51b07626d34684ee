//! Unit tests of what an image config says about a run: its user and environment.
//! Extraction itself is tested on real and hand-made images by tests/inimage.rs.

use super::*;

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
        platform: Platform {
            os: "linux".into(),
            arch: "arm64".into(),
            variant: None,
        },
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
