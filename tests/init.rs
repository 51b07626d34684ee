//! `cargo xbuild-go init`: the file it writes builds and verifies with no edits, on the
//! repository's fixtures, a workspace member and (opt-in) a real module; it refuses to
//! overwrite without --force; what it cannot do is exit 2 naming what to do.

mod util;

use std::collections::BTreeMap;
use std::path::Path;

use util::*;

/// `init ARGS` in `dir`, then the build the file's header names, in JSON: every
/// package for every target delivered and verified.
fn init_then_build(
    case: &str,
    dir: &Path,
    init_args: &[&str],
    build_args: &[&str],
    env: &BTreeMap<String, String>,
    want_artifacts: usize,
) -> String {
    let r = run_env(dir, &[&["init"], init_args].concat(), env);
    r.code(0).stderr_has("Created");
    let file = dir.join("xbuild-go.toml");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{case}: {e}\n{r}"));
    let b = run_env(
        dir,
        &[build_args, &["--message-format", "json"]].concat(),
        env,
    );
    assert_eq!(
        b.code,
        Some(0),
        "{case}: the written profile builds\n{text}\n{b}"
    );
    let artifacts = b.artifacts();
    assert_eq!(artifacts.len(), want_artifacts, "{case}\n{text}\n{b}");
    for a in &artifacts {
        assert_eq!(a["delivered"], true, "{case}: {a}");
        assert!(
            Path::new(a["path"].as_str().unwrap_or("")).is_file(),
            "{case}: {a}"
        );
    }
    text
}

#[test]
fn init_on_each_fixture_builds_and_verifies_with_no_edits() {
    // (fixture, packages the file names, artifacts of the default two targets)
    let cases: &[(&str, &str, usize)] = &[
        ("hello", "package = \".\"", 2),
        ("multi", "package = [\"./cmd/a\", \"./cmd/b\"]", 4),
        ("netuser", "package = \".\"", 2),
    ];
    for (fixture, package_line, artifacts) in cases {
        let p = Project::copy_of(fixture);
        let text = init_then_build(fixture, p.path(), &[], &[], &base_env(), *artifacts);
        for want in [
            *package_line,
            "targets = [\"linux/amd64\", \"linux/arm64\"]",
            "flags = [\"-trimpath\"]",
            "go = \">=1.21\"",
            "cgo = false",
            "# smoke = ",
        ] {
            assert!(text.contains(want), "{fixture}: no {want:?} in\n{text}");
        }
    }
}

#[test]
fn init_of_a_cgo_module_writes_a_zig_profile_that_builds() {
    let Some(zig) = require_zig("a cgo module's profile uses cc = \"zig\"") else {
        return;
    };
    let p = Project::copy_of("cgohello");
    let mut env = base_env();
    env.insert("XBUILD_GO_ZIG".into(), zig.display().to_string());
    let r = run_env(p.path(), &["init", "--targets", "linux/arm64"], &env);
    r.code(0)
        .stderr_has("example.com/cgohello use cgo")
        .stderr_has("docs/cgo.md");
    let text = std::fs::read_to_string(p.path().join("xbuild-go.toml")).unwrap();
    for want in ["cgo = true", "cc = \"zig\""] {
        assert!(text.contains(want), "no {want:?} in\n{text}");
    }
    let b = run_env(p.path(), &["--message-format", "json"], &env);
    assert_eq!(b.code, Some(0), "{text}\n{b}");
    assert_eq!(b.artifacts().len(), 1, "{b}");
}

#[test]
fn init_with_a_profile_name_and_targets_writes_exactly_those() {
    let p = Project::copy_of("hello");
    let targets = ["linux/arm/v7", "linux/riscv64", "windows/amd64"];
    let text = init_then_build(
        "release",
        p.path(),
        &["--profile", "release", "--targets", &targets.join(",")],
        &["--profile", "release"],
        &base_env(),
        3,
    );
    assert!(text.contains("[profile.release]"), "{text}");
    assert!(text.contains("--profile release"), "{text}");
    let m = run(
        p.path(),
        &["matrix", "--profile", "release", "--format", "json"],
    );
    m.code(0);
    let listed: Vec<String> = m
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["target"].to_string())
        .collect();
    let want: Vec<String> = targets.iter().map(|t| format!("\"{t}\"")).collect();
    assert_eq!(listed, want, "{m}");
}

#[test]
fn init_in_a_workspace_member_builds_it() {
    let ws = tempfile::tempdir().unwrap();
    write_tree(
        ws.path(),
        &[
            ("go.work", "go 1.22\n\nuse (\n\t./app\n\t./lib\n)\n"),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
            ("lib/lib.go", "package lib\n\nfunc Greeting() string { return \"hi\" }\n"),
            ("app/go.mod", "module example.com/app\n\ngo 1.22\n"),
            (
                "app/main.go",
                "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Greeting()) }\n",
            ),
        ],
    );
    let app = ws.path().join("app");
    let text = init_then_build("workspace member", &app, &[], &[], &base_env(), 2);
    assert!(text.contains("go = \">=1.22\""), "{text}");
    assert!(text.contains("package = \".\""), "{text}");
}

#[test]
fn init_refuses_to_overwrite_without_force_and_replaces_with_it() {
    let p = Project::copy_of("hello");
    p.file("xbuild-go.toml", "# mine\n");
    let file = p.path().join("xbuild-go.toml");
    let r = run(p.path(), &["init"]);
    r.code(2)
        .stderr_has(&file.display().to_string())
        .stderr_has("already exists")
        .stderr_has("--force");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "# mine\n", "{r}");
    let r = run(p.path(), &["init", "--force"]);
    r.code(0).stderr_has("Replaced");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("[profile.golden]"), "{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "an ordinary project file");
    assert_eq!(
        p.ls("")
            .iter()
            .filter(|n| n.starts_with(".xbuild-go"))
            .count(),
        0,
        "no temporary file left: {:?}",
        p.ls("")
    );
}

/// (case, dir, args, exit, what stderr says)
type ErrorCase<'a> = (&'a str, &'a Path, &'a [&'a str], i32, &'a [&'a str]);

#[test]
fn init_errors_name_the_cause_and_what_to_do() {
    let nomod = tempfile::tempdir().unwrap();
    let lib = tempfile::tempdir().unwrap();
    write_tree(
        lib.path(),
        &[
            ("go.mod", "module example.com/lib\n\ngo 1.21\n"),
            ("lib.go", "package lib\n"),
        ],
    );
    let hello = Project::copy_of("hello");
    let cases: &[ErrorCase] = &[
        (
            "no go.mod",
            nomod.path(),
            &["init"],
            2,
            &["no go.mod", "go mod init"],
        ),
        (
            "no main package",
            lib.path(),
            &["init"],
            2,
            &["example.com/lib has no main package"],
        ),
        (
            "bad target",
            hello.path(),
            &["init", "--targets", "linux/amd64,plan10/arm"],
            2,
            &["--targets plan10/arm"],
        ),
        (
            "no go",
            hello.path(),
            &["init", "--go", "/nonexistent/go"],
            4,
            &["/nonexistent/go"],
        ),
    ];
    for (case, dir, args, code, needles) in cases {
        let r = run(dir, args);
        assert_eq!(r.code, Some(*code), "{case}\n{r}");
        for n in *needles {
            assert!(r.stderr.contains(n), "{case}: stderr lacks {n:?}\n{r}");
        }
        assert!(
            !dir.join("xbuild-go.toml").exists(),
            "{case}: nothing written"
        );
    }
}

#[test]
fn init_on_a_real_module_builds_with_no_edits() {
    if !real_modules_enabled() {
        return;
    }
    // gojq: one main package under cmd/, dependencies through the module proxy.
    let src = fetch("github.com/itchyny/gojq", "v0.12.17");
    let text = init_then_build("gojq", src.path(), &[], &[], &online_env(), 2);
    assert!(text.contains("package = \"./cmd/gojq\""), "{text}");
}
