//! --check-reproducible: a second build from a copy of the module in another
//! directory, with a fresh GOCACHE, compared byte for byte.

mod util;

use util::*;

#[test]
fn golden_with_trimpath_is_reproducible_and_without_it_is_not() {
    let p = Project::copy_of("hello");
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\nflags = [\"-trimpath\"]\n\n[profile.plain]\n",
    );
    let r = run(
        p.path(),
        &["--check-reproducible", "--message-format", "json"],
    );
    r.code(0);
    let c = check(&r.artifacts()[0], "build.reproducible").clone();
    assert_eq!(
        (c["status"].as_str(), c["actual"].as_str()),
        (Some("pass"), Some("byte-identical")),
        "{c}"
    );

    // Without -trimpath the module's directory is written into the binary.
    std::fs::write(p.path().join("hello"), b"previous").unwrap();
    let r = run(
        p.path(),
        &[
            "--profile",
            "plain",
            "--check-reproducible",
            "--message-format",
            "json",
        ],
    );
    r.code(1);
    let c = check(&r.artifacts()[0], "build.reproducible").clone();
    assert_eq!(c["status"], "fail", "{c}");
    let actual = c["actual"].as_str().unwrap();
    assert!(actual.contains("embedded source paths"), "{c}");
    assert!(actual.contains("sections differ"), "{c}");
    assert!(c["message"].as_str().unwrap().contains("-trimpath"), "{c}");
    assert_eq!(
        std::fs::read(p.path().join("hello")).unwrap(),
        b"previous",
        "not delivered"
    );
}
