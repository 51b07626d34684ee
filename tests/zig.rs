//! cgo cross builds through zig, with real zig, real compilers and real qemu: a glibc
//! floor proved from the binary's version needs (cross-checked with `readelf -V`),
//! static musl binaries (no PT_INTERP, run under qemu, judged for alpine,
//! distroless/static and scratch), glibc and musl alternating in one cache, `cc =
//! "auto"` picking the installed cross gcc, zig found through the ziglang Python
//! package, and go-sqlite3 from the module proxy built static-musl for linux/arm64.
//!
//! Needs zig (the `ziglang` package: .ci/run installs it in a virtual environment and
//! puts it on PATH), gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf and
//! qemu-user-static; under CI=true missing ones fail the tests.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use util::*;

/// A hang guard only: a cold zig builds musl and glibc stubs per target, a cold Go
/// cache builds the standard library per C compiler.
const GUARD: Duration = Duration::from_secs(40 * 60);

/// The base environment with XBUILD_GO_ZIG naming the zig the tests found.
fn zig_env(zig: &Path) -> BTreeMap<String, String> {
    let env = env_with(&[("XBUILD_GO_ZIG", &zig.display().to_string())]);
    env
}

/// Builds with `--message-format json` and returns the run and its artifacts.
fn build(p: &Project, args: &[&str], env: &BTreeMap<String, String>) -> (Run, Vec<Value>) {
    let mut all = vec!["--message-format", "json"];
    all.extend_from_slice(args);
    let g = run_guarded(p.path(), &all, env, GUARD);
    let arts = g.run.artifacts();
    (g.run, arts)
}

fn artifact<'a>(arts: &'a [Value], target: &str, r: &Run) -> &'a Value {
    arts.iter()
        .find(|a| a["target"] == target)
        .unwrap_or_else(|| panic!("no artifact for {target}\n{r}"))
}

/// The Debian cross sysroot a dynamic binary of GOARCH runs with under qemu.
fn sysroot(goarch: &str) -> Option<&'static str> {
    match goarch {
        "arm64" => Some("/usr/aarch64-linux-gnu"),
        "arm" => Some("/usr/arm-linux-gnueabihf"),
        _ => None,
    }
}

/// zig for `why`, when qemu for arm64 and arm is there too; else None after a SKIP (a
/// failure under CI=true).
fn zig_and_qemu(why: &str) -> Option<PathBuf> {
    let zig = require_zig(why)?;
    let qemu = require_tool("qemu-aarch64-static", "running arm64 cgo binaries")
        & require_tool("qemu-arm-static", "running arm cgo binaries");
    qemu.then_some(zig)
}

/// The golden profile for cgo on linux/arm64, then `more` (lines of the same table).
fn arm64_cgo(more: &str) -> String {
    format!("[profile.golden]\ntargets = [\"linux/arm64\"]\ncgo = true\n{more}")
}

const TARGETS: [(&str, &str); 3] = [
    ("linux/arm64", "arm64"),
    ("linux/amd64", "amd64"),
    ("linux/arm/v7", "arm"),
];

const PROFILES: &str = r#"
[build]
output = "dist/{name}-{arch}{variant}-{profile}"

[profile.floor]
targets = ["linux/arm64", "linux/amd64", "linux/arm/v7"]
cgo = true
cc = "zig"
glibc = "2.28"

[profile.floor.verify]
runs-on = ["debian:10-slim"]

[profile.musl]
targets = ["linux/arm64", "linux/amd64", "linux/arm/v7"]
cgo = true
libc = "musl"

[profile.musl.verify]
runs-on = ["alpine:3.20", "distroless/static", "scratch"]
"#;

/// `cgohello` with PROFILES built through zig with `--profile NAME`, which must succeed:
/// zig, the project, the run and its artifacts. None after a SKIP.
fn build_profile(name: &str, why: &str) -> Option<(PathBuf, Project, Run, Vec<Value>)> {
    let zig = zig_and_qemu(why)?;
    let p = Project::with_profile("cgohello", PROFILES);
    let (r, arts) = build(&p, &["--profile", name], &zig_env(&zig));
    r.code(0);
    Some((zig, p, r, arts))
}

#[test]
fn a_glibc_floor_of_2_28_holds_on_three_targets_and_runs() {
    let Some((zig, p, r, arts)) = build_profile("floor", "cgo builds with a glibc floor") else {
        return;
    };
    let mut ccs = Vec::new();
    for (target, goarch) in TARGETS {
        let a = artifact(&arts, target, &r);
        assert_eq!(a["delivered"], true, "{target}\n{r}");
        let c = &a["c_toolchain"];
        assert_eq!(c["kind"], "zig", "{target}: {c}");
        let cc = a["env"]["CC"].as_str().unwrap_or_default().to_string();
        let triple = match goarch {
            "arm64" => "-target aarch64-linux-gnu.2.28",
            "amd64" => "-target x86_64-linux-gnu.2.28",
            _ => "-target arm-linux-gnueabihf.2.28",
        };
        assert!(cc.contains(triple), "{target}: CC {cc:?}");
        ccs.push(cc);
        // The floor is the libc.glibc limit, and readelf agrees with the verdict.
        let g = check(a, "libc.glibc");
        assert_eq!(g["status"], "pass", "{target}: {g}");
        assert_eq!(g["expected"], "<= GLIBC_2.28", "{target}: {g}");
        let path = PathBuf::from(a["path"].as_str().unwrap());
        let max = readelf_glibc_max(&path).unwrap_or_else(|| panic!("{target}: no GLIBC_ needs"));
        let newer = max
            .split('.')
            .map(|p| p.parse::<u32>().unwrap())
            .collect::<Vec<_>>()
            > vec![2, 28];
        assert!(
            !newer,
            "{target}: readelf -V shows GLIBC_{max}, above the floor"
        );
        assert_eq!(
            a["verdict"]["facts"]["glibc_max"].as_str(),
            Some(max.as_str()),
            "{target}"
        );
        assert_passed(a, &["runs-on.debian:10-slim", "link.interpreter"], target);
        let (ok, out, err) = run_artifact(&path, goarch, sysroot(goarch));
        assert!(ok, "{target}: {out}{err}");
        assert!(
            out.starts_with("cgohello sum=5050 tid=ok libc=glibc-2.28 running="),
            "{target}: built against glibc 2.28 headers: {out}"
        );
    }
    ccs.sort();
    ccs.dedup();
    assert_eq!(ccs.len(), 3, "one CC per target: {ccs:?}");
    // A newer floor lets the C code call gettid (GLIBC_2.30); a limit below it is then
    // proved broken from the binary, not assumed.
    p.file(
        "xbuild-go.toml",
        &format!(
            "{PROFILES}\n[profile.newer]\ninherits = \"floor\"\ntargets = [\"linux/arm64\"]\nglibc = \"2.31\"\n\
             [profile.newer.verify]\nmax-glibc = \"2.28\"\nruns-on = []\n"
        ),
    );
    let (r, arts) = build(&p, &["--profile", "newer"], &zig_env(&zig));
    r.code(1);
    assert_check(check(&arts[0], "libc.glibc"), "fail", "GLIBC_2.30 (gettid");
}

#[test]
fn static_musl_on_three_targets_runs_on_no_libc_images() {
    // libc = "musl" with the default cc = "auto": only zig gives musl.
    let Some((_zig, _p, r, arts)) = build_profile("musl", "static musl cgo builds") else {
        return;
    };
    for (target, goarch) in TARGETS {
        let a = artifact(&arts, target, &r);
        let c = &a["c_toolchain"];
        assert_eq!(c["kind"], "zig", "{target}: {c}");
        assert_eq!(
            strings(&c["link_flags"], "/flag"),
            [
                "-linkmode=external",
                "'-extldflags=-static -Wl,--strip-all'"
            ],
            "{target}"
        );
        assert!(
            a["command"]
                .as_str()
                .unwrap()
                .contains("-linkmode=external"),
            "{target}: {}",
            a["command"]
        );
        let ids = [
            "link.static",
            "symbols.stripped",
            "go.buildinfo",
            "runs-on.alpine:3.20",
            "runs-on.distroless/static",
            "runs-on.scratch",
        ];
        assert_passed(a, &ids, target);
        let path = PathBuf::from(a["path"].as_str().unwrap());
        let re = readelf(&path);
        assert_eq!(re.interpreter, None, "{target}: no PT_INTERP");
        assert!(
            re.needed.is_empty(),
            "{target}: no DT_NEEDED: {:?}",
            re.needed
        );
        assert!(!re.has_symtab && !re.has_debug, "{target}: stripped");
        let (ok, out, err) = run_artifact(&path, goarch, None);
        assert!(ok, "{target}: {out}{err}");
        assert_eq!(out, "cgohello sum=5050 tid=ok libc=musl\n", "{target}");
    }
}

#[test]
fn glibc_then_musl_then_glibc_in_one_cache_each_is_what_was_asked() {
    let Some(zig) = zig_and_qemu("alternating libc builds") else {
        return;
    };
    let p = Project::copy_of("cgohello");
    let env = zig_env(&zig);
    // One profile name and one output: the same slot of the output cache and the same
    // Go build cache; only libc changes between the runs.
    for (round, libc) in [(1, "glibc"), (2, "musl"), (3, "glibc")] {
        let more = format!("cc = \"zig\"\nlibc = \"{libc}\"\nglibc = \"2.28\"\n");
        p.file("xbuild-go.toml", &arm64_cgo(&more));
        let (r, arts) = build(&p, &[], &env);
        r.code(0);
        let f = &arts[0]["verdict"]["facts"];
        let path = p.path().join("cgohello");
        let re = readelf(&path);
        let (ok, out, err) = run_artifact(&path, "arm64", sysroot("arm64"));
        assert!(ok, "round {round} ({libc}): {out}{err}");
        if libc == "musl" {
            assert_eq!(f["static"], true, "round {round}: {r}");
            assert_eq!(re.interpreter, None, "round {round}");
            assert_eq!(out, "cgohello sum=5050 tid=ok libc=musl\n", "round {round}");
        } else {
            assert_eq!(f["static"], false, "round {round}: {r}");
            assert_eq!(
                re.interpreter.as_deref(),
                Some("/lib/ld-linux-aarch64.so.1"),
                "round {round}"
            );
            assert!(
                out.contains("libc=glibc-2.28"),
                "round {round} ({libc}): {out}"
            );
        }
    }
}

#[test]
fn auto_picks_the_installed_cross_gcc_and_zig_for_musl_or_a_floor() {
    if !require_tool("aarch64-linux-gnu-gcc", "cc = auto picking the cross gcc") {
        return;
    }
    let p = Project::with_profile("cgohello", &arm64_cgo(""));
    let (r, arts) = build(&p, &[], &base_env());
    r.code(0);
    let a = &arts[0];
    assert_eq!(a["c_toolchain"]["kind"], "gcc", "{r}");
    assert_eq!(a["env"]["CC"], "aarch64-linux-gnu-gcc", "{r}");
    assert_eq!(
        a["verdict"]["facts"]["glibc_max"], "2.34",
        "Debian 12's cross glibc: __libc_start_main@GLIBC_2.34"
    );
    assert!(
        a["c_toolchain"]["why"].as_str().unwrap().contains(
            "cc = \"auto\" (built-in golden profile): Debian's cross gcc for linux/arm64"
        ),
        "{r}"
    );
    // env --explain says the same without building.
    run(p.path(), &["env", "--explain"])
        .code(0)
        .stdout_has("CC=aarch64-linux-gnu-gcc")
        .stdout_has("# C toolchain, cc = \"auto\"");
    // A floor or musl: the cross gcc cannot give it, zig is picked.
    let Some(zig) = require_zig("cc = auto picking zig") else {
        return;
    };
    for (key, triple) in [
        ("glibc = \"2.28\"", "aarch64-linux-gnu.2.28"),
        ("libc = \"musl\"", "aarch64-linux-musl"),
    ] {
        p.file("xbuild-go.toml", &arm64_cgo(&format!("{key}\n")));
        let e = run_env(
            p.path(),
            &["env", "--format", "json", "--target", "linux/arm64"],
            &zig_env(&zig),
        );
        e.code(0);
        let v = &e.json()[0];
        assert_eq!(v["c_toolchain"]["kind"], "zig", "{key}\n{e}");
        assert!(
            v["env"]["CC"]
                .as_str()
                .unwrap()
                .ends_with(&format!("cc -target {triple}")),
            "{key}\n{e}"
        );
    }
}

#[test]
fn zig_is_found_through_the_ziglang_python_package() {
    // The environment a `pip install ziglang` user has: python3 with the package on
    // PATH, no zig on PATH, no XBUILD_GO_ZIG.
    let Some(py_zig) = ziglang_zig() else {
        if in_ci() {
            panic!("under CI=true python3 on PATH has the ziglang package (.ci/run)");
        }
        eprintln!("SKIP: python3 on PATH has no ziglang package (pip install ziglang)");
        return;
    };
    let p = Project::with_profile("cgohello", &arm64_cgo("cc = \"zig\"\nlibc = \"musl\"\n"));
    // PATH: python3's directory and go's (a venv's python finds its packages from
    // where it sits), nothing with a zig in it.
    let dirs: Vec<PathBuf> = ["python3", "go"]
        .iter()
        .map(|t| which(t).unwrap().parent().unwrap().to_path_buf())
        .collect();
    if dirs.iter().any(|d| d.join("zig").exists()) {
        eprintln!("SKIP: zig sits beside python3 or go: PATH would find it first");
        return;
    }
    let mut env = base_env();
    env.insert(
        "PATH".into(),
        std::env::join_paths(&dirs)
            .unwrap()
            .to_string_lossy()
            .into_owned(),
    );
    for (k, v) in std::env::vars() {
        // pyenv shims and virtual environments find their interpreter through these.
        if k.starts_with("PYENV") || k == "VIRTUAL_ENV" {
            env.insert(k, v);
        }
    }
    let e = run_env(p.path(), &["env", "--format", "json"], &env);
    e.code(0);
    let v = &e.json()[0];
    let cc = v["env"]["CC"].as_str().unwrap();
    assert!(
        cc.starts_with(&format!(
            "{} cc -target aarch64-linux-musl",
            py_zig.display()
        )),
        "{e}"
    );
    assert!(
        v["c_toolchain"]["origin"]
            .as_str()
            .unwrap()
            .contains("from the ziglang package of"),
        "{e}"
    );
    // doctor says where zig came from and what it bundles.
    let d = run_env(p.path(), &["doctor", "--message-format", "json"], &env);
    let checks = &d.json()[0]["checks"];
    let z = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "zig")
        .unwrap_or_else(|| panic!("no zig line\n{d}"));
    let m = z["message"].as_str().unwrap();
    assert!(
        m.contains("ziglang package") && m.contains("glibc 2."),
        "{d}"
    );
}

#[test]
fn a_floor_newer_than_zig_bundles_is_exit_4_before_go_runs() {
    let Some(zig) = require_zig("the bundled glibc range") else {
        return;
    };
    let p = Project::with_profile("cgohello", &arm64_cgo("cc = \"zig\"\nglibc = \"2.99\"\n"));
    run_env(p.path(), &[], &zig_env(&zig))
        .code(4)
        .stderr_has("glibc = \"2.99\"")
        .stderr_has("xbuild-go.toml:5:9")
        .stderr_has("cannot target a newer one");
    assert!(!p.path().join("cgohello").exists(), "go never ran");
}

/// A real cgo module from the module proxy: go-sqlite3 compiles SQLite's amalgamation
/// through zig for static musl on linux/arm64, and the binary answers under qemu.
#[test]
fn go_sqlite3_from_the_module_proxy_builds_static_musl_for_arm64() {
    let Some(zig) = require_zig("go-sqlite3 through zig") else {
        return;
    };
    if !require_tool("qemu-aarch64-static", "running the sqlite binary") {
        return;
    }
    let p = Project::copy_of("sqlite");
    // go-sqlite3 loads time zones by name (time.LoadLocation) and alpine ships no
    // zoneinfo: runs-on.alpine would rightly fail, so the zone data is embedded.
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\ntargets = [\"linux/arm64\"]\ncgo = true\nlibc = \"musl\"\n\
         tags = [\"timetzdata\"]\n\
         [profile.golden.verify]\nruns-on = [\"alpine:3.20\", \"distroless/static\"]\n",
    );
    let mut env = zig_env(&zig);
    // The module proxy, as the host has it (the tests' base environment is offline).
    env.remove("GOPROXY");
    if let Ok(proxy) = std::env::var("GOPROXY") {
        env.insert("GOPROXY".into(), proxy);
    }
    let (r, arts) = build(&p, &[], &env);
    if r.code == Some(3) && !in_ci() && r.stderr.contains("github.com/mattn/go-sqlite3") {
        eprintln!("SKIP: go-sqlite3 could not be fetched here\n{r}");
        return;
    }
    r.code(0);
    let a = &arts[0];
    let ids = [
        "link.static",
        "runs-on.alpine:3.20",
        "runs-on.distroless/static",
    ];
    assert_passed(a, &ids, "go-sqlite3");
    let path = p.path().join("sqlite");
    assert_eq!(readelf(&path).interpreter, None);
    let (ok, out, err) = run_artifact(&path, "arm64", None);
    assert!(ok, "{out}{err}");
    assert!(out.starts_with("sqlite 3."), "{out}");
}
