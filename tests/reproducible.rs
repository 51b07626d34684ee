//! --check-reproducible: a second build from a copy of the module in another
//! directory, with a fresh GOCACHE, compared byte for byte.

mod util;

use util::*;

#[test]
fn golden_with_trimpath_is_reproducible_and_without_it_is_not() {
    let p = Project::with_profile("hello", &format!("{TRIMPATH}\n[profile.plain]\n"));
    let r = run_json(p.path(), &["--check-reproducible"]);
    r.code(0);
    let c = check(&r.artifacts()[0], "build.reproducible").clone();
    assert_eq!(
        (c["status"].as_str(), c["actual"].as_str()),
        (Some("pass"), Some("byte-identical")),
        "{c}"
    );

    // Without -trimpath the module's directory is written into the binary.
    std::fs::write(p.path().join("hello"), PREVIOUS).unwrap();
    let r = run_json(p.path(), &["--profile", "plain", "--check-reproducible"]);
    r.code(1);
    let c = check(&r.artifacts()[0], "build.reproducible").clone();
    assert_eq!(c["status"], "fail", "{c}");
    let actual = c["actual"].as_str().unwrap();
    assert!(actual.contains("embedded source paths"), "{c}");
    assert!(actual.contains("sections differ"), "{c}");
    assert!(c["message"].as_str().unwrap().contains("-trimpath"), "{c}");
    assert_eq!(
        std::fs::read(p.path().join("hello")).unwrap(),
        PREVIOUS,
        "not delivered"
    );
}

const APP: &str = "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Greeting()) }\n";
const LIB: &str = "package lib\n\nfunc Greeting() string { return \"hello from lib\" }\n";
const TRIMPATH: &str = "[profile.golden]\nflags = [\"-trimpath\"]\n";

fn assert_reproducible(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let r = run_json(dir, &[&["--check-reproducible"], args].concat());
    r.code(0);
    let a = r.artifacts()[0].clone();
    let c = check(&a, "build.reproducible").clone();
    assert_eq!(c["status"], "pass", "{c}\n{r}");
    a
}

#[test]
fn replace_directories_and_workspaces_are_copied_for_the_second_build() {
    // A module with a relative replace directory beside it.
    let t = tempfile::tempdir().unwrap();
    write_tree(
        t.path(),
        &[
            (
                "app/go.mod",
                "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
            ),
            ("app/main.go", APP),
            ("app/xbuild-go.toml", TRIMPATH),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
            ("lib/lib.go", LIB),
        ],
    );
    assert_reproducible(&t.path().join("app"), &[]);

    // A workspace, built from its root.
    let w = tempfile::tempdir().unwrap();
    write_tree(
        w.path(),
        &[
            ("go.work", "go 1.21\n\nuse (\n\t./app\n\t./lib\n)\n"),
            ("app/go.mod", "module example.com/app\n\ngo 1.21\n"),
            ("app/main.go", APP),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
            ("lib/lib.go", LIB),
            ("xbuild-go.toml", TRIMPATH),
        ],
    );
    assert_reproducible(w.path(), &["--package", "./app", "-o", "dist/app"]);
}

#[test]
fn a_git_checkout_is_reproducible_with_its_vcs_stamps() {
    let files = [("xbuild-go.toml", TRIMPATH), (".gitignore", "/hello\n")];
    let Some(p) = hello_checkout("VCS stamping", &files) else {
        return;
    };
    let git = |args: &[&str]| git(p.path(), args);
    let index = std::fs::read(p.path().join(".git/index")).unwrap();
    let a = assert_reproducible(p.path(), &[]);
    let settings = a["verdict"]["facts"]["go"].to_string();
    let m = sh(
        "go",
        &["version", "-m", p.path().join("hello").to_str().unwrap()],
    );
    assert!(
        m.contains("vcs.modified=false") && m.contains("vcs.revision="),
        "{m}\n{settings}"
    );
    assert_eq!(
        git(&["status", "--porcelain"]),
        "",
        "the checkout stays clean"
    );
    assert_eq!(
        std::fs::read(p.path().join(".git/index")).unwrap(),
        index,
        "the second build leaves the repository's index alone"
    );
    // An uncommitted change is seen by both builds alike.
    p.file("extra.go", "package main\n\nvar extra = 1\n");
    assert_reproducible(p.path(), &[]);
    let m = sh(
        "go",
        &["version", "-m", p.path().join("hello").to_str().unwrap()],
    );
    assert!(m.contains("vcs.modified=true"), "{m}");
}
