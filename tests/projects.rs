//! Real project shapes: go.work workspaces (from the root and from a member), the
//! go.work and go.mod `go` and `toolchain` lines, version stamps from git, and the
//! source's placeholders in output paths (with the values a path refuses).

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use util::*;

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
    let env = scrubbed_env(base_env(), "linux", "arm64", ("GOARM64", "v8.0"));
    bare_go_build(dir, &env, &["-ldflags=-s -w"], pkg, out)
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
/// it) that records its argv and environment and writes `payload` as the output.
fn fake_go(root: &Path, version: &str, payload: &Path) -> PathBuf {
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::write(root.join("VERSION"), format!("{version}\ntime x\n")).unwrap();
    fake_go_script(&root.join("bin/go"), root, payload)
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
    let env = env_with(&[("XBUILD_GO_GO", &go.display().to_string())]);
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
        let line = e.stdout_line("GOTOOLCHAIN=");
        assert!(line.starts_with(&format!("GOTOOLCHAIN={want} ")), "{line}");
        if want == "go1.25.1" {
            assert!(
                line.contains("toolchain line at") && line.contains("go.mod:5"),
                "{line}"
            );
        }
    }
}

/// The host target, so the built binary runs here.
fn host_target() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("linux/{arch}")
}

fn run_version(bin: &Path) -> String {
    let o = Command::new(bin).arg("--version").output().unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn stamps_fill_version_commit_and_date_from_git_and_overrides() {
    let files = [
        (".gitignore", "/hello\n/dist/\n"),
        (
            "xbuild-go.toml",
            "[profile.golden]\nstamp = { \"main.version\" = \"{version}\" }\n",
        ),
    ];
    let Some(p) = hello_checkout("version stamping", &files) else {
        return;
    };
    let t = host_target();
    // No tag yet: a development version naming the commit.
    let r = run(p.path(), &["--target", &t, "-o", "dist/h", "-v"]);
    r.code(0);
    let v = run_version(&p.path().join("dist/h"));
    assert!(
        v.starts_with("hello 0.0.0-dev+") && v.len() == "hello 0.0.0-dev+".len() + 12,
        "{v}\n{r}"
    );
    r.stderr_has("no tag at or before HEAD");
    git(p.path(), &["tag", "v1.4.2"]);
    let r = run(
        p.path(),
        &["--target", &t, "-o", "dist/h", "--message-format", "json"],
    );
    r.code(0);
    assert_eq!(run_version(&p.path().join("dist/h")), "hello 1.4.2");
    // go.buildinfo judged the recorded -ldflags, stamp included.
    let a = &r.artifacts()[0];
    assert_eq!(check(a, "go.buildinfo")["status"], "pass", "{a}");
    assert_eq!(
        a["verdict"]["facts"]["go"]["settings"]["-ldflags"],
        "-s -w -X main.version=1.4.2"
    );
    // `--target T -o dist/h EXTRA...` under `env`.
    let to_h = |extra: &[&str], env: &BTreeMap<String, String>| {
        run_env(
            p.path(),
            &[&["--target", t.as_str(), "-o", "dist/h"][..], extra].concat(),
            env,
        )
    };
    // The override, from the command line or the environment, wins over the tag.
    to_h(&["--version-override", "9.9.9"], &base_env()).code(0);
    assert_eq!(run_version(&p.path().join("dist/h")), "hello 9.9.9");
    let env = env_with(&[("XBUILD_GO_VERSION", "8.8.8")]);
    to_h(&[], &env).code(0);
    assert_eq!(run_version(&p.path().join("dist/h")), "hello 8.8.8");
    // --stamp overrides the profile's key; commit date from git, or SOURCE_DATE_EPOCH.
    to_h(
        &["--stamp", "main.version={commit-date}/{dirty}"],
        &base_env(),
    )
    .code(0);
    assert_eq!(
        run_version(&p.path().join("dist/h")),
        "hello 2026-01-02T03:04:05Z/false"
    );
    let env = env_with(&[("SOURCE_DATE_EPOCH", "0")]);
    to_h(&["--stamp", "main.version={commit-date}"], &env).code(0);
    assert_eq!(
        run_version(&p.path().join("dist/h")),
        "hello 1970-01-01T00:00:00Z"
    );
    // A value with a space survives go's flag quoting.
    to_h(&["--stamp", "main.version=1.0 (beta {os})"], &base_env()).code(0);
    assert_eq!(
        run_version(&p.path().join("dist/h")),
        "hello 1.0 (beta linux)"
    );
    // env --explain shows the stamped value.
    let e = run(p.path(), &["env", "--explain", "--target", &t]);
    e.code(0)
        .stdout_has("stamp = { \"main.version\" = \"1.4.2\" }");
    // An unknown placeholder is a profile error at its line, with a did-you-mean.
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\nstamp = { \"main.version\" = \"{verison}\" }\n",
    );
    run(p.path(), &["--target", &t])
        .code(2)
        .stderr_has("xbuild-go.toml:2:")
        .stderr_has("did you mean `version`?");
}

/// Every file below `dir` (`git status --ignored` sees what a run wrote).
fn written(dir: &Path) -> String {
    git(
        dir,
        &[
            "status",
            "--porcelain",
            "--ignored",
            "--untracked-files=all",
        ],
    )
}

#[test]
fn output_templates_take_the_source_placeholders_and_matrix_names_the_same_file() {
    let files = [
        (".gitignore", "/dist/\n"),
        (
            "xbuild-go.toml",
            "[build]\noutput = \"dist/app_v{version}-{os}-{arch}\"\n",
        ),
    ];
    let Some(p) = hello_checkout("source placeholders in output", &files) else {
        return;
    };
    git(p.path(), &["tag", "v1.2.3"]);
    let target = ["--target", "linux/amd64"];
    let b = run_json(p.path(), &target);
    b.code(0);
    let built = p.path().join("dist/app_v1.2.3-linux-amd64");
    let a = &b.artifacts()[0];
    assert_eq!(a["path"], built.display().to_string(), "{b}");
    assert!(built.is_file(), "{b}");
    // matrix plans the same file, relative to the working directory.
    let m = run(
        p.path(),
        &[&["matrix", "--format", "json"][..], &target].concat(),
    );
    m.code(0);
    let entry: serde_json::Value = serde_json::from_str(m.stdout.trim()).unwrap();
    assert_eq!(
        entry["outputs"],
        serde_json::json!(["dist/app_v1.2.3-linux-amd64"]),
        "{m}"
    );
    // env --explain and env --format json name it too.
    run(p.path(), &[&["env", "--explain"][..], &target].concat())
        .code(0)
        .stdout_has(&format!("# output: {}", built.display()));
    let e = run(
        p.path(),
        &[&["env", "--format", "json"][..], &target].concat(),
    );
    e.code(0);
    let env: serde_json::Value = serde_json::from_str(e.stdout.trim()).unwrap();
    assert_eq!(
        env["outputs"],
        serde_json::json!([built.display().to_string()]),
        "{e}"
    );
    // -o takes them as well; a value holding `{os}` is filled once, left as it is.
    run(
        p.path(),
        &[
            &target[..],
            &["--version-override", "{os}", "-o", "dist/b-{version}"],
        ]
        .concat(),
    )
    .code(0);
    assert!(p.path().join("dist/b-{os}").is_file(), "{:?}", p.ls("dist"));
}

#[test]
fn a_source_value_that_could_move_the_output_is_refused_before_anything_runs() {
    let files = [
        (".gitignore", "/dist/\n"),
        (
            "xbuild-go.toml",
            "[build]\noutput = \"dist/app_v{version}-{os}{tag}\"\n",
        ),
    ];
    let Some(p) = hello_checkout("refused output values", &files) else {
        return;
    };
    let before = written(p.path());
    // (case, tag at HEAD, variables, extra arguments, what the message says)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        &'a [&'a str],
        &'a str,
    );
    let cases: &[Case] = &[
        (
            "a tag with a slash",
            "v1/x",
            &[],
            &[],
            "the value of `{version}` (\"1/x\", from tag v1/x (git describe --tags)) holds a path separator",
        ),
        (
            "XBUILD_GO_VERSION ..",
            "v1.0.0",
            &[("XBUILD_GO_VERSION", "..")],
            &[],
            "the value of `{version}` (\"..\", from XBUILD_GO_VERSION) is a directory name",
        ),
        (
            "a backslash",
            "v1.0.0",
            &[("XBUILD_GO_VERSION", "1\\..\\x")],
            &[],
            "the value of `{version}` (\"1\\..\\x\", from XBUILD_GO_VERSION) holds a path separator",
        ),
        (
            "a control character, escaped",
            "v1.0.0",
            &[],
            &["--version-override", "1\u{1b}[2J"],
            "the value of `{version}` (\"1\\x1b[2J\", from --version-override) holds a NUL or control character",
        ),
        (
            "no tag: {tag} is empty",
            "",
            &[("XBUILD_GO_VERSION", "1.0.0")],
            &[],
            "the value of `{tag}` (\"\", from no tag) is empty",
        ),
    ];
    for (case, tag, vars, extra, needle) in cases {
        for t in git(p.path(), &["tag", "--list"]).lines() {
            git(p.path(), &["tag", "-d", t]);
        }
        if !tag.is_empty() {
            git(p.path(), &["tag", tag]);
        }
        let env = env_with(vars);
        // The build and matrix refuse it alike, naming the profile line.
        for cmd in [&[][..], &["matrix"]] {
            let args = [cmd, &["--target", "linux/amd64"][..], extra].concat();
            let r = run_env(p.path(), &args, &env);
            assert_eq!(r.code, Some(2), "{case}: {cmd:?}\n{r}");
            assert!(
                r.stderr.contains(needle),
                "{case}: {cmd:?}: no {needle:?}\n{r}"
            );
            assert!(
                r.stderr.contains("[build] at ")
                    && r.stderr.contains("xbuild-go.toml:2:10: output"),
                "{case}: the profile line\n{r}"
            );
            assert!(!r.stderr.contains("Building"), "{case}: nothing built\n{r}");
            assert_eq!(
                written(p.path()),
                before,
                "{case}: {cmd:?}: nothing written\n{r}"
            );
        }
    }
    // env --explain, where one looks when a build fails, shows the refusal as the reason.
    let e = run_env(
        p.path(),
        &["env", "--explain", "--target", "linux/amd64"],
        &env_with(&[("XBUILD_GO_VERSION", "a/b")]),
    );
    e.code(0)
        .stdout_has("# output: none planned, a build stops here: [build] at ");
    e.stdout_has(
        "the value of `{version}` (\"a/b\", from XBUILD_GO_VERSION) holds a path separator",
    );
    // -o is named as the flag.
    let r = run_env(
        p.path(),
        &["--target", "linux/amd64", "-o", "dist/{version}"],
        &env_with(&[("XBUILD_GO_VERSION", "a/b")]),
    );
    r.code(2)
        .stderr_has("command-line flag -o: output `dist/{version}`");
    assert_eq!(written(p.path()), before, "-o: nothing written\n{r}");
}

#[test]
fn without_git_the_commit_in_an_output_path_is_unknown() {
    let p = Project::copy_of("hello");
    let r = run_json(
        p.path(),
        &[
            "--target",
            "linux/amd64",
            "-o",
            "dist/app-{commit}-{short-commit}-{dirty}",
        ],
    );
    r.code(0);
    assert!(
        p.path().join("dist/app-unknown-unknown-unknown").is_file(),
        "{:?}\n{r}",
        p.ls("dist")
    );
}

#[test]
fn package_lists_and_patterns_build_every_main_package() {
    let p = Project::copy_of("multi");
    let r = run_json(
        p.path(),
        &words("--package ./... --target linux/arm64,linux/amd64 -o dist/{name}-{arch}"),
    );
    r.code(0);
    let mut paths: Vec<String> = r
        .artifacts()
        .iter()
        .map(|a| {
            a["path"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    paths.sort();
    // The root package is a library: skipped by the pattern.
    assert_eq!(paths, ["a-amd64", "a-arm64", "b-amd64", "b-arm64"], "{r}");
    // A list in the profile; a shared output is a collision before anything runs.
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\npackage = [\"./cmd/a\", \"./cmd/b\"]\noutput = \"bin/app\"\n",
    );
    run(p.path(), &[])
        .code(2)
        .stderr_has("./cmd/a for linux/arm64 and ./cmd/b for linux/arm64 would both write");
    assert!(!p.path().join("bin").exists());
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\npackage = [\"./cmd/a\", \"./cmd/b\"]\noutput = \"bin/{name}\"\n",
    );
    run(p.path(), &[]).code(0);
    assert_eq!(p.ls("bin"), ["a", "b"]);
    // A pattern with no main package; one naming nothing is go's error.
    p.file("internal/x/x.go", "package x\n");
    run(p.path(), &["--package", "./internal/..."])
        .code(2)
        .stderr_has("matches no main package");
    run(p.path(), &["--package", "./nothing/..."])
        .code(2)
        .stderr_has("package pattern `./nothing/...`");
    // A relative package naming no directory is what the user wrote: exit 2 before go
    // runs, naming the package, the flag or profile line, and the module directory. An
    // import path and a package that is there still build.
    let module = p.path().display().to_string();
    // (case, profile file (none when empty), arguments, exit, what stderr must hold)
    type Case<'a> = (&'a str, &'a str, &'a [&'a str], i32, &'a [&'a str]);
    let cases: [Case; 5] = [
        (
            "--package ./nope",
            "",
            &["--package", "./nope"],
            2,
            &[
                "command-line flag --package: package `./nope`: no directory",
                &module,
            ],
        ),
        (
            "profile package = \"../nope\"",
            "[profile.golden]\npackage = \"../nope\"\n",
            &[],
            2,
            &[
                "xbuild-go.toml:2:11: package `../nope`: no directory",
                &module,
            ],
        ),
        (
            "a list with one missing",
            "[profile.golden]\npackage = [\"./cmd/a\", \"./cmd/c\"]\n",
            &[],
            2,
            &["package `./cmd/c`: no directory", "cmd/c`", &module],
        ),
        (
            "an import path",
            "",
            &["--package", "example.com/multi/cmd/a"],
            0,
            &[],
        ),
        (
            "a relative directory",
            "",
            &["--package", "./cmd/b/"],
            0,
            &[],
        ),
    ];
    for (case, profile, args, code, want) in cases {
        let _ = std::fs::remove_file(p.path().join("xbuild-go.toml"));
        if !profile.is_empty() {
            p.file("xbuild-go.toml", profile);
        }
        let mut args = args.to_vec();
        args.extend(["-o", "/dev/null"]);
        let r = run(p.path(), &args);
        assert_eq!(r.code, Some(code), "case {case}\n{r}");
        for w in want {
            assert!(r.stderr.contains(w), "case {case}: no {w:?}\n{r}");
        }
        if code == 2 {
            assert!(!r.stderr.contains("go build"), "case {case}: go ran\n{r}");
        }
    }
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\npackage = [\"./cmd/a\", \"./cmd/b\"]\noutput = \"bin/{name}\"\n",
    );
    // Of several packages, a failed go build names the one that failed.
    p.file(
        "cmd/b/broken.go",
        "package main\n\nvar _ = undefinedThing\n",
    );
    run(p.path(), &[])
        .code(3)
        .stderr_has("`go build` failed with status 1 for b linux/arm64");
}

/// A go build ended by a signal from outside (a CI cancel, the OOM killer) says which.
#[test]
fn a_go_build_killed_by_a_signal_names_the_signal() {
    let p = Project::copy_of("hello");
    let tools = tempfile::tempdir().unwrap();
    for (sig, want) in [
        (
            "TERM",
            "`go build` failed with signal 15 (SIGTERM) for linux/arm64",
        ),
        (
            "KILL",
            "`go build` failed with signal 9 (SIGKILL: killed from outside",
        ),
    ] {
        let root = tools.path().join(sig);
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::write(root.join("VERSION"), "go1.24.3\ntime x\n").unwrap();
        let go = root.join("bin/go");
        write_script(&go, &format!("#!/bin/sh\nkill -{sig} $$\n"));
        run(p.path(), &["--go", go.to_str().unwrap()])
            .code(3)
            .stderr_has(want);
    }
}

#[test]
fn per_target_tables_override_the_profile_for_their_targets() {
    let p = Project::copy_of("hello");
    let t = host_target();
    p.file(
        "xbuild-go.toml",
        &format!(
            "[profile.golden]\ntargets = [\"{t}\", \"linux/arm/v6\", \"linux/arm/v7\"]\n\
             output = \"dist/{{name}}-{{arch}}{{variant}}\"\n\
             stamp = {{ \"main.version\" = \"all\" }}\n\n\
             [profile.golden.target.\"{t}\"]\nstamp = {{ \"main.version\" = \"host-{{os}}\" }}\n\n\
             [profile.golden.target.\"linux/arm\"]\nldflags = \"-s -w -X main.version=arm\"\nstamp = {{}}\n\n\
             [profile.golden.target.\"linux/arm/v7\"]\ntags = [\"v7only\"]\n"
        ),
    );
    let r = run(p.path(), &["--message-format", "json"]);
    r.code(0);
    assert_eq!(
        run_version(
            &p.path()
                .join(format!("dist/hello-{}", t.rsplit('/').next().unwrap()))
        ),
        "hello host-linux"
    );
    let settings = |target: &str| {
        r.artifacts()
            .into_iter()
            .find(|a| a["target"] == target)
            .map(|a| a["verdict"]["facts"]["go"]["settings"].clone())
            .unwrap()
    };
    // os/arch tables apply to every variant; the exact one adds to them; stamp inherited
    // from the profile except where a table sets it.
    assert_eq!(
        settings("linux/arm/v6")["-ldflags"],
        "-s -w -X main.version=arm -X main.version=all"
    );
    assert_eq!(settings("linux/arm/v7")["-tags"], "v7only");
    assert!(settings("linux/arm/v6").get("-tags").is_none());
    // env --explain names the table a value came from.
    let e = run(p.path(), &["env", "--explain", "--target", "linux/arm/v7"]);
    e.code(0)
        .stdout_has("tags = [\"v7only\"]")
        .stdout_has("xbuild-go.toml:10:");
    // A table key that is not a target, and a key a table may not set.
    p.file(
        "xbuild-go.toml",
        "[profile.golden.target.\"linux/aarch64\"]\ncgo = true\n",
    );
    run(p.path(), &[])
        .code(2)
        .stderr_has("did you mean `linux/arm64`?");
    p.file(
        "xbuild-go.toml",
        "[profile.golden.target.\"linux/arm64\"]\npackage = \"./x\"\n",
    );
    run(p.path(), &[])
        .code(2)
        .stderr_has("unknown field `package`");
}

#[test]
fn cgo_allows_dynamic_linking_unless_static_is_asked() {
    if !require_tool("gcc", "a native cgo build") {
        return;
    }
    let p = Project::copy_of("netuser");
    let t = host_target();
    // The golden profile with --cgo: dynamic glibc linking is what cgo does; not rejected.
    let r = run(
        p.path(),
        &["--cgo", "--target", &t, "--message-format", "json"],
    );
    r.code(0);
    assert_eq!(check(&r.artifacts()[0], "link.static")["status"], "pass");
    assert_eq!(r.artifacts()[0]["verdict"]["facts"]["static"], false);
    // --static asks for it: rejected, and the check says why.
    run(p.path(), &["--cgo", "--static", "--target", &t])
        .code(1)
        .stderr_has("link.static");
}
