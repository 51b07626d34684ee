//! Smoke runs that fit real projects (issue 11), with the real go, qemu-user-static and
//! Debian's cross compilers (required under CI=true; .ci/run installs them):
//! dynamically linked cross binaries (cgo, `-buildmode=pie`) run under qemu with the
//! target's libraries (`-L` from QEMU_LD_PREFIX, the C compiler's sysroot, or Debian's
//! `/usr/<triplet>`); what this host cannot run is a `skip` with the reason (JSON,
//! JUnit `<skipped/>`, human and GitHub output), a failure with `smoke-required`;
//! `--no-smoke`; `smoke-timeout`; the first line of output from stdout; the human
//! `Smoke` line; and what `doctor` says a cgo profile's smoke runs will use.

mod util;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use util::*;

const CGO_ARM64: &str = r#"
[profile.arm64]
targets = ["linux/arm64"]
cgo = true
env = { CC = "aarch64-linux-gnu-gcc" }
smoke = []

[profile.arm64.verify]
static = false
"#;

fn native() -> String {
    format!("linux/{}", host_arch())
}

fn text<'a>(check: &'a Value, key: &str) -> &'a str {
    check[key].as_str().unwrap_or_default()
}

/// The run.smoke check of the only artifact of a JSON run.
fn smoke_of(r: &Run) -> Value {
    let artifacts = r.artifacts();
    assert_eq!(artifacts.len(), 1, "one artifact\n{r}");
    check(&artifacts[0], "run.smoke").clone()
}

/// `--profile arm64` in JSON under `env`; it must exit 0.
fn arm64_json(p: &Project, env: &BTreeMap<String, String>) -> Run {
    let r = run_env(
        p.path(),
        &["--profile", "arm64", "--message-format", "json"],
        env,
    );
    r.code(0);
    r
}

/// The artifact `a` of `r` has arm64's loader (else fails saying `what`) and its smoke
/// run passed under qemu with Debian's cross root; that run.smoke check.
fn smoke_passed_with_the_cross_root(a: &Value, what: &str, r: &Run) -> Value {
    assert_eq!(
        a["verdict"]["facts"]["interpreter"], "/lib/ld-linux-aarch64.so.1",
        "{what}\n{r}"
    );
    let c = check(a, "run.smoke").clone();
    assert_eq!(c["status"], "pass", "{c}");
    assert!(
        text(&c, "actual")
            .starts_with("exit 0 (under qemu-aarch64-static -L /usr/aarch64-linux-gnu, "),
        "{c}"
    );
    c
}

fn has_check(artifact: &Value, id: &str) -> bool {
    artifact["verdict"]["checks"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["id"] == id))
}

fn cross_and_qemu() -> bool {
    require_tool("aarch64-linux-gnu-gcc", "cgo cross builds for linux/arm64")
        & require_tool("qemu-aarch64-static", "smoke runs under qemu-user")
}

/// A copy of `module` whose profile is `profile`, when the arm64 cross compiler and
/// qemu are here; else None after a SKIP (a failure under CI=true).
fn cross_project(module: &str, profile: &str) -> Option<Project> {
    cross_and_qemu().then(|| Project::with_profile(module, profile))
}

/// A directory shaped like a sysroot for arm64 (`lib` holds the loader and glibc),
/// made of a link into Debian's cross root.
fn arm64_root(at: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(at).unwrap();
    std::os::unix::fs::symlink("/usr/aarch64-linux-gnu/lib", at.join("lib")).unwrap();
    at.to_path_buf()
}

#[test]
fn a_cgo_arm64_build_smoke_runs_under_qemu_with_the_cross_root() {
    let Some(p) = cross_project("netuser", CGO_ARM64) else {
        return;
    };
    let r = arm64_json(&p, &base_env());
    let a = &r.artifacts()[0];
    // Debian's cross gcc prints `/` (or nothing) for -print-sysroot: its libraries are
    // in /usr/aarch64-linux-gnu.
    let c = smoke_passed_with_the_cross_root(a, "a dynamically linked artifact", &r);
    let actual = text(&c, "actual");
    // netuser writes its diagnostics to stderr first, then `netuser ok` to stdout.
    assert!(actual.ends_with("): netuser ok"), "the stdout line: {c}");
    assert_eq!(a["delivered"], true);
}

#[test]
fn the_c_compilers_sysroot_is_qemus_library_root_unless_it_is_slash() {
    if !cross_and_qemu() {
        return;
    }
    let p = Project::copy_of("netuser");
    let root = arm64_root(&p.path().join("sysroot"));
    // A CC that prints the sysroot named in sysroot.txt beside it, and is the Debian
    // cross compiler otherwise.
    let cc = p.path().join("cc/mycc");
    p.file(
        "cc/mycc",
        "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = -print-sysroot ]; then cat \"$(dirname \"$0\")/sysroot.txt\"; exit 0; fi\ndone\nexec aarch64-linux-gnu-gcc \"$@\"\n",
    );
    std::fs::set_permissions(&cc, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    p.file(
        "xbuild-go.toml",
        &CGO_ARM64.replace("aarch64-linux-gnu-gcc", &cc.display().to_string()),
    );
    for (printed, want) in [
        (root.display().to_string(), root.display().to_string()),
        ("/".to_string(), "/usr/aarch64-linux-gnu".to_string()),
        (String::new(), "/usr/aarch64-linux-gnu".to_string()),
    ] {
        p.file("cc/sysroot.txt", &format!("{printed}\n"));
        let c = smoke_of(&arm64_json(&p, &base_env()));
        assert_eq!(c["status"], "pass", "sysroot {printed:?}: {c}");
        assert!(
            text(&c, "actual").contains(&format!("-L {want}, ")),
            "sysroot {printed:?} gives -L {want}: {c}"
        );
    }
}

#[test]
fn qemu_ld_prefix_from_the_host_is_the_library_root() {
    let Some(p) = cross_project("netuser", CGO_ARM64) else {
        return;
    };
    let root = arm64_root(&p.path().join("prefix"));
    let mut env = env_with(&[("QEMU_LD_PREFIX", &root.display().to_string())]);
    let c = smoke_of(&arm64_json(&p, &env));
    assert_eq!(c["status"], "pass", "{c}");
    assert!(
        text(&c, "actual").contains(&format!("-L {}, ", root.display())),
        "{c}"
    );
    assert!(text(&c, "actual").ends_with("): netuser ok"), "{c}");

    // A prefix without the loader: the run cannot happen here, a skip saying why.
    let empty = p.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    env.insert("QEMU_LD_PREFIX".into(), empty.display().to_string());
    let c = smoke_of(&arm64_json(&p, &env));
    assert_eq!(c["status"], "skip", "{c}");
    for needle in [
        "/lib/ld-linux-aarch64.so.1",
        &format!("{} (QEMU_LD_PREFIX) has none", empty.display()),
        "gcc-aarch64-linux-gnu",
    ] {
        assert!(text(&c, "message").contains(needle), "{needle}: {c}");
    }
    // Not a directory at all: said so.
    env.insert("QEMU_LD_PREFIX".into(), "/nonexistent/xbg".into());
    let r = run_env(p.path(), &["--profile", "arm64"], &env);
    r.code(0)
        .stderr_has("Smoke skipped: ")
        .stderr_has("QEMU_LD_PREFIX=/nonexistent/xbg is not a directory");
}

#[test]
fn a_pie_arm64_build_smoke_runs_with_the_cross_root() {
    let Some(p) = cross_project(
        "hello",
        "[profile.golden]\nflags = [\"-buildmode=pie\"]\nsmoke = [\"--version\"]\n\n[profile.golden.verify]\nstatic = false\n",
    ) else {
        return;
    };
    let r = run_json(p.path(), &["--target", "linux/arm64"]);
    r.code(0);
    let a = &r.artifacts()[0];
    let c = smoke_passed_with_the_cross_root(a, "a PIE has a loader", &r);
    assert!(text(&c, "actual").ends_with("): hello 0.1.0"), "{c}");
}

#[test]
fn windows_and_darwin_smoke_runs_are_skipped_with_the_reason() {
    let p = Project::copy_of("hello");
    let args = [
        "--target",
        "windows/amd64,darwin/arm64",
        "-o",
        "dist/{name}-{os}-{arch}{exe}",
        "--smoke",
        "--version",
        "--junit",
        "junit.xml",
    ];
    let mut json_args = args.to_vec();
    json_args.extend(["--message-format", "json"]);
    let r = run(p.path(), &json_args);
    r.code(0);
    let artifacts = r.artifacts();
    assert_eq!(artifacts.len(), 2, "{r}");
    // Artifacts are reported as they finish, in any order.
    for (target, why) in [
        ("windows/amd64", "qemu-user cannot run PE files"),
        ("darwin/arm64", "qemu-user cannot run Mach-O files"),
    ] {
        let a = artifacts
            .iter()
            .find(|a| a["target"] == target)
            .unwrap_or_else(|| panic!("no {target} artifact\n{r}"));
        let c = check(a, "run.smoke");
        assert_eq!(c["status"], "skip", "{c}");
        assert_eq!(c["actual"], "not run", "{c}");
        assert!(text(c, "message").starts_with(why), "{why}: {c}");
        assert_eq!(a["delivered"], true, "a skip never rejects: {a}");
    }
    let finished = r
        .json()
        .into_iter()
        .find(|v| v["reason"] == "build-finished")
        .expect("build-finished");
    assert_eq!(finished["success"], true, "{r}");
    assert!(p.path().join("dist/hello-windows-amd64.exe").is_file());

    let xml = std::fs::read_to_string(p.path().join("junit.xml")).unwrap();
    assert!(xml.contains(" skipped=\"2\""), "{xml}");
    assert!(xml.contains(" failures=\"0\""), "{xml}");
    for why in [
        "qemu-user cannot run PE files",
        "qemu-user cannot run Mach-O files",
    ] {
        assert!(
            xml.contains(&format!(
                "name=\"run.smoke\">\n      <skipped message=\"{why}"
            )),
            "{why}: {xml}"
        );
    }
    let cases = xml.matches("<testcase ").count();
    assert!(
        xml.contains(&format!(
            "<testsuite name=\"cargo-xbuild-go\" tests=\"{cases}\""
        )),
        "skipped cases count among the tests: {xml}"
    );

    // Human output says so without -v; GitHub output adds a notice, not an error.
    let r = run(p.path(), &args);
    r.code(0)
        .stderr_has("Smoke skipped: qemu-user cannot run PE files")
        .stderr_has("Smoke skipped: qemu-user cannot run Mach-O files");
    let mut gh = args.to_vec();
    gh.extend(["--message-format", "github"]);
    let r = run(p.path(), &gh);
    r.code(0);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(
        all.contains("title=windows/amd64%3A run.smoke skipped::qemu-user cannot run PE files"),
        "a notice\n{r}"
    );
    assert!(!all.contains("::error"), "no error annotation\n{r}");
}

#[test]
fn smoke_required_turns_a_skip_into_a_failure() {
    let p = Project::with_profile(
        "hello",
        "[profile.golden]\nsmoke = [\"--version\"]\nsmoke-required = true\ntargets = [\"windows/amd64\"]\n",
    );
    let r = run(p.path(), &["--message-format", "json"]);
    r.code(1);
    let a = &r.artifacts()[0];
    assert_eq!(a["delivered"], false, "{a}");
    let c = check(a, "run.smoke");
    assert_eq!(c["status"], "fail", "{c}");
    for needle in [
        "qemu-user cannot run PE files",
        "smoke-required = true (",
        "xbuild-go.toml:3:",
    ] {
        assert!(text(c, "message").contains(needle), "{needle}: {c}");
    }
    assert!(!p.path().join("hello.exe").exists(), "nothing delivered");
    let r = run(p.path(), &["profiles"]);
    r.code(0);
    assert!(
        r.stdout.lines().any(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words.starts_with(&["smoke-required", "true"]) && l.contains("xbuild-go.toml:3:18")
        }),
        "profiles shows smoke-required and where it was set\n{r}"
    );
    // --no-smoke: no run, so nothing to require.
    run(p.path(), &["--no-smoke"]).code(0);
}

#[test]
fn without_an_emulator_a_smoke_run_is_skipped_unless_required() {
    // PATH holds only go: no qemu for riscv64 (nor for any other architecture).
    let p = Project::copy_of("hello");
    let go_dir = which("go").unwrap().parent().unwrap().to_path_buf();
    let env = env_with(&[("PATH", &go_dir.display().to_string())]);
    let args = [
        "--target",
        "linux/riscv64",
        "--smoke",
        "--version",
        "--message-format",
        "json",
    ];
    let r = run_env(p.path(), &args, &env);
    r.code(0);
    let c = smoke_of(&r);
    assert_eq!(c["status"], "skip", "{c}");
    assert_eq!(
        c["message"],
        "no qemu-riscv64-static or qemu-riscv64 on PATH (install qemu-user-static)"
    );
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\nsmoke-required = true\n",
    );
    let r = run_env(p.path(), &args, &env);
    r.code(1);
    assert_eq!(smoke_of(&r)["status"], "fail");
}

#[test]
fn no_smoke_turns_the_profiles_smoke_run_off() {
    let p = Project::copy_of("hello");
    p.file(
        "main_exit.go",
        "package main\n\nimport \"os\"\n\nfunc init() {\n\tif len(os.Args) > 1 && os.Args[1] == \"--fail\" {\n\t\tprintln(\"failing on purpose\")\n\t\tos.Exit(7)\n\t}\n}\n",
    );
    p.file("xbuild-go.toml", "[profile.golden]\nsmoke = [\"--fail\"]\n");
    let target = native();
    let base = ["--target", target.as_str(), "--message-format", "json"];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        run(p.path(), &a)
    };
    // The profile's run fails the artifact...
    let r = with(&[]);
    r.code(1);
    assert_eq!(smoke_of(&r)["status"], "fail");
    // ...and --no-smoke turns it off, also after --smoke; the later flag wins.
    for extra in [
        &["--no-smoke"][..],
        &["--smoke", "--fail", "--no-smoke"][..],
    ] {
        let r = with(extra);
        r.code(0);
        assert!(
            !has_check(&r.artifacts()[0], "run.smoke"),
            "{extra:?}: no smoke run\n{r}"
        );
    }
    let r = with(&["--no-smoke", "--smoke", "--version"]);
    r.code(0);
    assert_eq!(smoke_of(&r)["status"], "pass");
}

/// Kills leftover processes whose command line holds `marker` (a failing test must not
/// leave sleepers behind).
fn kill_marked(marker: &str) {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    for e in procs.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(marker) {
            // SAFETY: kill(2) on a pid that carries our marker.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

#[test]
fn the_smoke_timeout_comes_from_the_profile_and_the_flag_overrides_it() {
    let p = Project::copy_of("hostile");
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let marker = format!("xbg-timeout-{}-{nanos}", std::process::id());
    p.file(
        "xbuild-go.toml",
        &format!("[profile.golden]\nsmoke = [\"sleep\", \"{marker}\"]\nsmoke-timeout = \"2s\"\n"),
    );
    let target = native();
    let guard = Duration::from_secs(60);
    for (extra, want) in [(&[][..], "2s"), (&["--smoke-timeout", "3s"][..], "3s")] {
        let mut args = vec!["--target", target.as_str(), "--message-format", "json"];
        args.extend_from_slice(extra);
        let g = run_guarded(p.path(), &args, &base_env(), guard);
        kill_marked(&marker);
        g.run.code(1);
        let c = smoke_of(&g.run);
        assert_eq!(c["status"], "fail", "{c}");
        assert!(
            text(&c, "actual").starts_with(&format!("no exit within {want} (natively, ")),
            "{want}: {c}"
        );
        assert!(text(&c, "message").contains("smoke-timeout"), "{c}");
    }
    run(p.path(), &["env", "--explain", "--target", &target])
        .code(0)
        .stdout_has("smoke-timeout = \"2s\"");

    // A value that is not a duration is a profile error naming line and column.
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\nsmoke = []\nsmoke-timeout = \"2 fortnights\"\n",
    );
    run(p.path(), &["--target", &target])
        .code(2)
        .stderr_has("xbuild-go.toml:3:17: smoke-timeout: `2 fortnights` is not a duration");
    p.file("xbuild-go.toml", "[profile.golden]\nsmoke-timeout = 30\n");
    run(p.path(), &["--target", &target])
        .code(2)
        .stderr_has("xbuild-go.toml:2:17");
}

#[test]
fn the_first_reported_line_prefers_stdout_and_a_failure_shows_both_streams() {
    let p = Project::copy_of("hello");
    p.file(
        "main.go",
        r#"package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	mode := ""
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	fmt.Fprintln(os.Stderr, "first on stderr")
	time.Sleep(50 * time.Millisecond)
	switch mode {
	case "quiet":
	case "fail":
		fmt.Println("then on stdout")
		os.Exit(3)
	default:
		fmt.Println()
		fmt.Println("then on stdout")
	}
}
"#,
    );
    let target = native();
    let smoke = |arg: &str| {
        run(
            p.path(),
            &[
                "--target",
                &target,
                "--smoke",
                arg,
                "--message-format",
                "json",
            ],
        )
    };
    let r = smoke("ok");
    r.code(0);
    let c = smoke_of(&r);
    assert!(text(&c, "actual").ends_with("): then on stdout"), "{c}");
    let r = smoke("quiet");
    r.code(0);
    let c = smoke_of(&r);
    assert!(
        text(&c, "actual").ends_with("): first on stderr"),
        "stderr when stdout is empty: {c}"
    );
    let r = smoke("fail");
    r.code(1);
    let c = smoke_of(&r);
    assert!(text(&c, "actual").starts_with("exit 3 (natively, "), "{c}");
    assert!(text(&c, "actual").ends_with("): then on stdout"), "{c}");
    let m = text(&c, "message");
    assert!(
        m.contains("\nstderr:\nfirst on stderr") && m.contains("\nstdout:\nthen on stdout"),
        "both streams, apart: {c}"
    );
    assert!(!m.contains("Could not open"), "{c}");
}

#[test]
fn the_human_output_shows_the_smoke_result_without_verbose() {
    let p = Project::copy_of("hello");
    let target = native();
    let r = run(p.path(), &["--target", &target, "--smoke", ""]);
    r.code(0);
    let line = r
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("Smoke "))
        .unwrap_or_else(|| panic!("no Smoke line\n{r}"));
    assert!(
        line.trim_start().starts_with("Smoke ok (natively, ")
            && line.ends_with("): hello from xbuild-go"),
        "{line:?}\n{r}"
    );
    // Right-aligned as cargo's verbs are, under the Verified line.
    assert_eq!(line.find("Smoke"), Some(7), "{line:?}");
    let verified = r.stderr.lines().position(|l| l.contains("Verified"));
    let smoke = r.stderr.lines().position(|l| l.contains("Smoke ok"));
    assert_eq!(smoke, verified.map(|v| v + 1), "{r}");
    // -q prints nothing for a verified artifact.
    let r = run(p.path(), &["--target", &target, "--smoke", "", "-q"]);
    r.code(0);
    assert!(!r.stderr.contains("Smoke"), "{r}");
}

/// doctor's JSON checks by id.
fn doctor_line(cwd: &Path, args: &[&str], env: &BTreeMap<String, String>, id: &str) -> Value {
    let mut all = vec!["doctor", "--message-format", "json"];
    all.extend_from_slice(args);
    let r = run_env(cwd, &all, env);
    let v = r.json().into_iter().next().unwrap_or_default();
    v["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == id).cloned())
        .unwrap_or_else(|| panic!("no {id}\n{r}"))
}

#[test]
fn doctor_says_what_a_cgo_profiles_smoke_run_will_use() {
    let Some(p) = cross_project("netuser", CGO_ARM64) else {
        return;
    };
    let env = base_env();
    let c = doctor_line(p.path(), &["--profile", "arm64"], &env, "qemu.linux/arm64");
    assert_eq!(c["level"], "ok", "{c}");
    for needle in [
        "qemu-aarch64-static",
        "cgo = true",
        "-L /usr/aarch64-linux-gnu",
        "Debian's cross root",
    ] {
        assert!(text(&c, "message").contains(needle), "{needle}: {c}");
    }
    let bad = env_with(&[("QEMU_LD_PREFIX", "/nonexistent/xbg")]);
    let c = doctor_line(p.path(), &["--profile", "arm64"], &bad, "qemu.linux/arm64");
    assert_eq!(c["level"], "warn", "{c}");
    assert!(
        text(&c, "message").contains("QEMU_LD_PREFIX=/nonexistent/xbg is not a directory"),
        "{c}"
    );
    // A windows target: skipped, and nothing to install for it.
    let c = doctor_line(
        p.path(),
        &["--target", "windows/amd64"],
        &env,
        "qemu.windows/amd64",
    );
    assert_eq!(c["level"], "ok", "{c}");
    assert!(
        text(&c, "message").contains("qemu-user cannot run PE files"),
        "{c}"
    );
}
