//! Real project shapes: go.work workspaces (from the root and from a member), the
//! go.work and go.mod `go` and `toolchain` lines.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use util::*;

/// Writes `files` (path, text) under `root`.
fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let f = root.join(rel);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
}

/// A workspace: app (main, imports lib) and lib.
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    write_tree(
        ws.path(),
        &[
            ("go.work", "go 1.21\n\nuse (\n\t./app\n\t./lib\n)\n"),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
            (
                "lib/lib.go",
                "package lib\n\nfunc Greeting() string { return \"hello from lib\" }\n",
            ),
            ("app/go.mod", "module example.com/app\n\ngo 1.21\n"),
            (
                "app/main.go",
                "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Greeting()) }\n",
            ),
        ],
    );
    ws
}

/// `go build -ldflags=-s -w -o OUT PKG` in `dir` as the tool runs it for linux/arm64.
fn bare_build(dir: &Path, pkg: &str, out: &Path) -> Vec<u8> {
    let mut env = base_env();
    for (k, v) in [
        ("GOENV", "off"),
        ("GOFLAGS", ""),
        ("GOTOOLCHAIN", "local"),
        ("GOOS", "linux"),
        ("GOARCH", "arm64"),
        ("GOARM64", "v8.0"),
        ("CGO_ENABLED", "0"),
    ] {
        env.insert(k.into(), v.into());
    }
    let o = Command::new("go")
        .args(["build", "-ldflags=-s -w", "-o"])
        .arg(out)
        .arg(pkg)
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(out).unwrap()
}

#[test]
fn a_workspace_builds_from_its_root_and_from_a_member_as_go_does() {
    let ws = workspace();
    let out = tempfile::tempdir().unwrap();
    let bare = bare_build(ws.path(), "./app", &out.path().join("bare"));
    // From the root: the package is relative to it; the binary is named after app.
    let r = run(ws.path(), &["--package", "./app", "-o", "dist/"]);
    r.code(0);
    assert!(
        std::fs::read(ws.path().join("dist/app")).unwrap() == bare,
        "from the workspace root: bytes differ from go build\n{r}"
    );
    // The import path works too, and -C into a member.
    run(
        ws.path(),
        &["--package", "example.com/app", "-o", "dist/by-path"],
    )
    .code(0);
    assert!(std::fs::read(ws.path().join("dist/by-path")).unwrap() == bare);
    run(ws.path(), &["-C", "app", "-o", "../dist/from-member"]).code(0);
    assert!(std::fs::read(ws.path().join("dist/from-member")).unwrap() == bare);
    // A profile that turns the workspace off builds the member alone: lib is then
    // missing, as it is for `GOWORK=off go build`.
    std::fs::write(
        ws.path().join("app/xbuild-go.toml"),
        "[profile.golden]\nenv = { GOWORK = \"off\" }\n",
    )
    .unwrap();
    run(ws.path(), &["-C", "app", "-o", "../dist/off"])
        .code(3)
        .stderr_has("example.com/lib");
}

#[test]
fn a_workspace_go_line_newer_than_the_toolchain_is_exit_4() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("go.work"),
        "go 1.999.2\n\nuse (\n\t./app\n\t./lib\n)\n",
    )
    .unwrap();
    run(ws.path(), &["--package", "./app"])
        .code(4)
        .stderr_has("go.work:1: the workspace requires go >= 1.999.2")
        .stderr_has("go = \"1.999.2\"");
}

/// A fake go with a VERSION file (so the tool knows the local version without running
/// it) that records its environment and writes `payload` as the output.
fn fake_go(root: &Path, version: &str, payload: &Path) -> PathBuf {
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::write(root.join("VERSION"), format!("{version}\ntime x\n")).unwrap();
    let script = root.join("bin/go");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv | sort > {log}/env\n\
             out=''; prev=''\nfor a in \"$@\"; do [ \"$prev\" = -o ] && out=\"$a\"; prev=\"$a\"; done\n\
             cp {payload} \"$out\"\n",
            log = root.display(),
            payload = payload.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn child_var(root: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(root.join("env"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")).map(str::to_string))
}

#[test]
fn the_toolchain_line_is_honoured_as_go_auto_would_and_a_profile_pin_wins() {
    let p = Project::copy_of("hello");
    let tools = tempfile::tempdir().unwrap();
    let go = fake_go(
        tools.path(),
        "go1.24.3",
        &fixture("bin/aarch64-static-nolibc"),
    );
    let mut env: BTreeMap<String, String> = base_env();
    env.insert("XBUILD_GO_GO".into(), go.display().to_string());
    let cases = [
        // (toolchain line, profile, GOTOOLCHAIN the child gets)
        ("toolchain go1.25.1\n", "", "go1.25.1"),
        ("toolchain go1.24.3\n", "", "local"),
        ("toolchain go1.21.0\n", "", "local"),
        ("toolchain default\n", "", "local"),
        ("", "", "local"),
        (
            "toolchain go1.25.1\n",
            "[profile.golden]\ngo = \"1.22.12\"\n",
            "go1.22.12",
        ),
    ];
    for (line, profile, want) in cases {
        p.file(
            "go.mod",
            &format!("module example.com/hello\n\ngo 1.21\n\n{line}"),
        );
        p.file("xbuild-go.toml", profile);
        let r = run_env(p.path(), &["--no-verify", "-v"], &env);
        r.code(0);
        assert_eq!(
            child_var(tools.path(), "GOTOOLCHAIN").as_deref(),
            Some(want),
            "{line:?} {profile:?}\n{r}"
        );
        if want == "go1.25.1" {
            r.stderr_has("toolchain go1.25.1 (the toolchain line at")
                .stderr_has("go.mod:5");
        }
        // env says the same, and where it came from.
        let e = run_env(p.path(), &["env", "--explain"], &env);
        e.code(0);
        let line = e
            .stdout
            .lines()
            .find(|l| l.starts_with("GOTOOLCHAIN="))
            .unwrap_or_else(|| panic!("no GOTOOLCHAIN line\n{e}"));
        assert!(line.starts_with(&format!("GOTOOLCHAIN={want} ")), "{line}");
        if want == "go1.25.1" {
            assert!(
                line.contains("toolchain line at") && line.contains("go.mod:5"),
                "{line}"
            );
        }
    }
}
