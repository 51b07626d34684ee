//! Many targets: concurrent builds with -j, the summary, --fail-fast, --checksums,
//! the CI matrix, and smoke runs under qemu-user (required under CI=true).

mod util;

use util::*;

const TEMPLATE: &str = "dist/{name}-{os}-{arch}{variant}{exe}";

#[test]
fn a_matrix_builds_every_target_concurrently_with_a_summary_and_checksums() {
    let p = Project::copy_of("hello");
    let r = run(
        p.path(),
        &[
            "--target",
            "linux/arm64,linux/amd64,linux/arm/v7,windows/amd64",
            "-o",
            TEMPLATE,
            "-j",
            "2",
            "--checksums",
            "dist/SHA256SUMS",
        ],
    );
    r.code(0)
        .stderr_has("verdict")
        .stderr_has("4 artifacts verified");
    assert_eq!(
        p.ls("dist"),
        [
            "SHA256SUMS",
            "hello-linux-amd64",
            "hello-linux-arm64",
            "hello-linux-armv7",
            "hello-windows-amd64.exe"
        ]
    );
    // The checksum file is what sha256sum -c reads.
    let sums = std::fs::read_to_string(p.path().join("dist/SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 4, "{sums}");
    if require_tool("sha256sum", "checking the checksum file") {
        sha256sum_check(&p.path().join("dist"));
    }
    // -j 1 gives the same bytes.
    let r = run(
        p.path(),
        &[
            "--target",
            "linux/arm64,linux/amd64",
            "-o",
            "seq/{name}-{arch}",
            "-j",
            "1",
        ],
    );
    r.code(0);
    assert_eq!(
        std::fs::read(p.path().join("seq/hello-arm64")).unwrap(),
        std::fs::read(p.path().join("dist/hello-linux-arm64")).unwrap()
    );
}

#[test]
fn one_failed_target_does_not_stop_the_others_unless_fail_fast() {
    // A file only linux/amd64 compiles, and it does not compile.
    let p = broken_on_amd64();
    let targets = "linux/amd64,linux/arm64,linux/riscv64";
    // All three targets, one job at a time, and `extra`.
    let one_job = |p: &Project, extra: &[&str]| {
        run(
            p.path(),
            &[&["--target", targets, "-o", TEMPLATE, "-j", "1"][..], extra].concat(),
        )
    };
    let r = one_job(&p, &["--message-format", "json"]);
    r.code(3);
    let arts = r.artifacts();
    assert_eq!(arts.len(), 2, "the other targets still built\n{r}");
    assert!(arts.iter().all(|a| a["delivered"] == true));
    let finished = r
        .json()
        .into_iter()
        .find(|e| e["reason"] == "build-finished")
        .unwrap();
    assert_eq!(
        (finished["artifacts"].as_u64(), finished["failed"].as_u64()),
        (Some(2), Some(1))
    );
    // --fail-fast with one job: nothing after the failed first target starts.
    let p2 = broken_on_amd64();
    let r = one_job(&p2, &["--fail-fast"]);
    r.code(3).stderr_has("skipped");
    assert!(
        !p2.path().join("dist").exists() || p2.ls("dist").is_empty(),
        "{:?}",
        p2.ls("dist")
    );
}

#[test]
fn matrix_prints_a_github_actions_matrix() {
    let p = Project::with_profile(
        "hello",
        "[profile.release]\ntargets = [\"linux/arm64\", \"linux/arm/v7\", \"windows/amd64\"]\n",
    );
    let r = run(
        p.path(),
        &["matrix", "--profile", "release", "--format", "github"],
    );
    r.code(0);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(
        strings(&v["include"], "/target"),
        ["linux/arm64", "linux/arm/v7", "windows/amd64"]
    );
    assert_eq!(v["include"][1]["variant"], "v7");
    // Each entry names what `--target T` writes on its runner: one target per runner, so
    // the default output (`{name}{exe}`) is no collision.
    assert_eq!(
        strings(&v["include"], "/outputs/0"),
        ["hello", "hello", "hello.exe"],
        "{r}"
    );
}

#[test]
fn smoke_runs_under_qemu_for_four_architectures() {
    let p = Project::copy_of("hello");
    for (target, qemu) in [
        ("linux/arm64", "qemu-aarch64-static"),
        ("linux/arm/v7", "qemu-arm-static"),
        ("linux/riscv64", "qemu-riscv64-static"),
        ("linux/s390x", "qemu-s390x-static"),
    ] {
        if !require_tool(qemu, "smoke runs under qemu-user") {
            continue;
        }
        let out = format!("smoke/{}", target.replace('/', "-"));
        let r = run_json(
            p.path(),
            &["--target", target, "-o", &out, "--smoke", "--version"],
        );
        r.code(0);
        let c = check(&r.artifacts()[0], "run.smoke").clone();
        assert_eq!(c["status"], "pass", "{target}: {c}");
        assert!(
            c["actual"].as_str().unwrap().contains("hello 0.1.0"),
            "{target}: {c}"
        );
        assert!(
            c["actual"].as_str().unwrap().contains(qemu),
            "{target}: {c}"
        );
    }
}

#[test]
fn a_failing_smoke_run_rejects_the_artifact() {
    if !require_tool("qemu-aarch64-static", "smoke runs under qemu-user") {
        return;
    }
    let p = Project::copy_of("hello");
    // The profile asks for a run whose program exits non-zero.
    p.file(
        "main_exit.go",
        "package main\n\nimport \"os\"\n\nfunc init() {\n\tif len(os.Args) > 1 && os.Args[1] == \"--fail\" {\n\t\tprintln(\"failing on purpose\")\n\t\tos.Exit(7)\n\t}\n}\n",
    );
    p.file("xbuild-go.toml", "[profile.golden]\nsmoke = [\"--fail\"]\n");
    std::fs::write(p.path().join("hello"), PREVIOUS).unwrap();
    let r = run(p.path(), &["--message-format", "json"]);
    r.code(1);
    let c = check(&r.artifacts()[0], "run.smoke").clone();
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["actual"].as_str().unwrap().starts_with("exit 7"), "{c}");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("failing on purpose"),
        "{c}"
    );
    assert_eq!(std::fs::read(p.path().join("hello")).unwrap(), PREVIOUS);
}

#[test]
fn a_smoke_run_without_an_emulator_is_skipped_not_rejected() {
    // PATH without any qemu: the run cannot happen here, whether the profile or only the
    // command line asks for it; a skip with the reason, and the artifact is delivered.
    let p = Project::with_profile("hello", "[profile.golden]\nsmoke = [\"--version\"]\n");
    let go_dir = which("go").unwrap().parent().unwrap().to_path_buf();
    let env = env_with(&[("PATH", &go_dir.display().to_string())]);
    let r = run_env(p.path(), &["--message-format", "json"], &env);
    r.code(0);
    let c = check(&r.artifacts()[0], "run.smoke").clone();
    assert_eq!(c["status"], "skip", "{c}");
    assert_eq!(
        c["message"],
        "no qemu-aarch64-static or qemu-aarch64 on PATH (install qemu-user-static)"
    );
    std::fs::remove_file(p.path().join("xbuild-go.toml")).unwrap();
    let r = run_env(
        p.path(),
        &["--smoke", "--version", "--message-format", "json"],
        &env,
    );
    r.code(0);
    assert_eq!(check(&r.artifacts()[0], "run.smoke")["status"], "skip");
}

#[test]
fn checksums_merge_across_runs() {
    if !require_tool("sha256sum", "reading the checksums back") {
        return;
    }
    let p = Project::copy_of("hello");
    // `--target T -o dist/hello-T EXTRA...`
    let build = |t: &str, extra: &[&str]| {
        let out = format!("dist/hello-{}", t.replace('/', "-"));
        run(
            p.path(),
            &[&["--target", t, "-o", &out][..], extra].concat(),
        )
    };
    for t in ["linux/arm64", "linux/amd64"] {
        build(t, &["--checksums", "dist/SHA256SUMS"]).code(0);
    }
    let sums = std::fs::read_to_string(p.path().join("dist/SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 2, "both runs' entries: {sums}");
    // A rebuild of one target with other bytes replaces its line in place.
    build(
        "linux/arm64",
        &[
            "--ldflags",
            "-s -w -X main.version=2",
            "--checksums",
            "dist/SHA256SUMS",
        ],
    )
    .code(0);
    let after = std::fs::read_to_string(p.path().join("dist/SHA256SUMS")).unwrap();
    let names = |s: &str| s.lines().map(|l| l[66..].to_string()).collect::<Vec<_>>();
    assert_eq!(names(&after), names(&sums), "same names, same order");
    assert_ne!(
        after.lines().next(),
        sums.lines().next(),
        "arm64's line changed"
    );
    assert_eq!(
        after.lines().nth(1),
        sums.lines().nth(1),
        "amd64's line kept"
    );
    sha256sum_check(&p.path().join("dist"));
    // A file that is not a checksums file is not overwritten.
    p.file("notes.txt", "my notes\n");
    build("linux/arm64", &["--checksums", "notes.txt"])
        .code(2)
        .stderr_has("notes.txt:1: not a `SHA256  NAME` line");
    assert_eq!(
        std::fs::read_to_string(p.path().join("notes.txt")).unwrap(),
        "my notes\n"
    );
}

/// `sha256sum -c SHA256SUMS` in `dir` succeeds (what it said printed when it does not).
fn sha256sum_check(dir: &std::path::Path) {
    let out = std::process::Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_succeeded_saying_all(&out, "sha256sum -c SHA256SUMS: ");
}
