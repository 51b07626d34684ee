//! cgo builds linked by Debian's cross compilers: real dynamic glibc artifacts for
//! the link, interpreter, libc.glibc and runs-on checks, passing and failing for the
//! right reason. Needs gcc-aarch64-linux-gnu and gcc-arm-linux-gnueabihf (required
//! under CI=true; .ci/run installs them). Also the choice of a C toolchain without
//! building: no compiler at all, settings that cannot work, and zig's composition per
//! target and libc with a stand-in zig (real zig builds are in tests/zig.rs).

mod util;

use util::*;

const PROFILES: &str = r#"
[profile.arm64]
targets = ["linux/arm64"]
cgo = true
env = { CC = "aarch64-linux-gnu-gcc" }

[profile.arm64.verify]
static = false
max-glibc = "2.36"
runs-on = ["debian:12-slim", "ubuntu:24.04", "distroless/base-debian12"]

[profile.arm64-old]
inherits = "arm64"

[profile.arm64-old.verify]
max-glibc = "2.31"
runs-on = ["debian:11-slim", "alpine:3.20", "distroless/static"]

[profile.arm64-static]
inherits = "arm64"

[profile.arm64-static.verify]
static = true
runs-on = []

[profile.armhf]
targets = ["linux/arm/v7"]
cgo = true
env = { CC = "arm-linux-gnueabihf-gcc" }

[profile.armhf.verify]
static = false
arm-float-abi = "hard"
runs-on = ["debian:12-slim"]
"#;

fn have_cross() -> bool {
    require_tool("aarch64-linux-gnu-gcc", "cgo cross builds for linux/arm64")
        & require_tool(
            "arm-linux-gnueabihf-gcc",
            "cgo cross builds for linux/arm/v7",
        )
}

/// A copy of `netuser` with PROFILES built with `--profile PROFILE` in JSON, which must
/// exit `code`; None after a SKIP (a failure under CI=true) without the cross compilers.
fn netuser_json(profile: &str, code: i32) -> Option<(Project, Run)> {
    if !have_cross() {
        return None;
    }
    let p = Project::with_profile("netuser", PROFILES);
    let r = run_json(p.path(), &["--profile", profile]);
    r.code(code);
    Some((p, r))
}

#[test]
fn cgo_arm64_build_passes_where_glibc_is_new_enough() {
    let Some((p, r)) = netuser_json("arm64", 0) else {
        return;
    };
    let a = &r.artifacts()[0];
    let f = &a["verdict"]["facts"];
    assert_eq!(f["interpreter"], "/lib/ld-linux-aarch64.so.1", "{r}");
    assert_eq!(f["static"], false);
    let re = readelf(&p.path().join("netuser"));
    assert_eq!(f["interpreter"].as_str(), re.interpreter.as_deref());
    assert_eq!(
        f["glibc_max"], "2.34",
        "Debian 12's cross glibc needs __libc_start_main@GLIBC_2.34"
    );
    let ids = [
        "link.interpreter",
        "libc.glibc",
        "runs-on.debian:12-slim",
        "runs-on.ubuntu:24.04",
        "go.buildinfo",
    ];
    assert_passed(a, &ids, "arm64");
    assert_eq!(f["go"]["settings"]["CGO_ENABLED"], "1");
    if require_tool(
        "qemu-aarch64-static",
        "running the cgo binary with the cross sysroot",
    ) {
        let out = std::process::Command::new("qemu-aarch64-static")
            .args(["-L", "/usr/aarch64-linux-gnu"])
            .arg(p.path().join("netuser"))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "netuser ok\n");
    }
}

#[test]
fn cgo_arm64_build_is_rejected_for_old_glibc_musl_and_no_libc_images() {
    let Some((p, r)) = netuser_json("arm64-old", 1) else {
        return;
    };
    let a = &r.artifacts()[0];
    assert_eq!(a["delivered"], false);
    assert!(!p.path().join("netuser").exists(), "nothing delivered");
    for (id, needle) in [
        ("libc.glibc", "GLIBC_2.34 (pthread_"),
        ("runs-on.debian:11-slim", "GLIBC_2.34 not found"),
        (
            "runs-on.alpine:3.20",
            "alpine:3.20 has no /lib/ld-linux-aarch64.so.1: the binary needs glibc",
        ),
        ("runs-on.distroless/static", "no libc"),
    ] {
        assert_check(check(a, id), "fail", needle);
    }
    // The golden expectation of a static binary names cgo as the cause.
    let r = run(p.path(), &["--profile", "arm64-static"]);
    r.code(1)
        .stderr_has("link.static")
        .stderr_has("set cgo = false");
}

#[test]
fn cgo_armhf_build_declares_hard_float() {
    let Some((p, r)) = netuser_json("armhf", 0) else {
        return;
    };
    let a = &r.artifacts()[0];
    let re = readelf(&p.path().join("netuser"));
    assert_eq!(a["verdict"]["facts"]["e_flags"], re.flags);
    assert_ne!(re.flags & 0x400, 0, "gcc's link records hard-float");
    assert_eq!(check(a, "elf.flags")["status"], "pass");
    assert_eq!(
        check(a, "link.interpreter")["actual"],
        "/lib/ld-linux-armhf.so.3"
    );
    assert_eq!(check(a, "runs-on.debian:12-slim")["status"], "pass");
}

/// A directory holding only `go` (a symlink to the real one), for a PATH with no C
/// compiler, no zig and no python3.
fn go_only_path(p: &Project) -> String {
    let bin = p.path().join("go-only-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(which("go").expect("go on PATH"), bin.join("go")).unwrap();
    bin.display().to_string()
}

/// A stand-in zig: `version` prints VERSION, `targets` a ZON list of glibc 2.17..2.38.
fn fake_zig(p: &Project, version: &str) -> std::path::PathBuf {
    let z = p.path().join(format!("fake-zig-{version}"));
    write_script(
        &z,
        &format!(
            "#!/bin/sh\ncase \"$1\" in\nversion) echo {version};;\ntargets) printf '.{{\\n    .glibc = .{{\\n        \"2.17.0\",\\n        \"2.38.0\",\\n    }},\\n}}\\n';;\n*) exit 1;;\nesac\n"
        ),
    );
    z
}

#[test]
fn cgo_without_any_c_compiler_is_exit_4_naming_both_ways_before_go_runs() {
    let p = Project::copy_of("netuser");
    let env = env_with(&[("PATH", &go_only_path(&p))]);
    run_env(p.path(), &["--cgo", "--target", "linux/arm64"], &env)
        .code(4)
        .stderr_has("no C compiler for it was found")
        .stderr_has("apt-get install gcc-aarch64-linux-gnu")
        .stderr_has("pip install ziglang")
        .stderr_has("XBUILD_GO_ZIG");
    // musl can only come from zig: the message says so.
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\ncgo = true\nlibc = \"musl\"\n",
    );
    run_env(p.path(), &[], &env)
        .code(4)
        .stderr_has("libc = \"musl\" (profile `golden` at ")
        .stderr_has("needs zig")
        .stderr_has("pip install ziglang");
    assert!(!p.path().join("netuser").exists(), "go never ran");
}

#[test]
fn c_toolchain_settings_that_cannot_work_are_named() {
    let p = Project::copy_of("netuser");
    let cases: &[(&str, &str, &[&str], i32)] = &[
        (
            "gcc_cannot_link_musl",
            "[profile.golden]\ncgo = true\ncc = \"gcc\"\nlibc = \"musl\"\n",
            &["xbuild-go.toml:3:6", "links glibc", "cc = \"zig\""],
            2,
        ),
        (
            "unknown_libc",
            "[profile.golden]\ncgo = true\nlibc = \"uclibc\"\n",
            &["xbuild-go.toml:3:8", "glibc", "musl"],
            2,
        ),
        (
            "bad_floor",
            "[profile.golden]\ncgo = true\nglibc = \"2.x\"\n",
            &["xbuild-go.toml:3:9", "glibc version such as"],
            2,
        ),
        (
            "empty_cc",
            "[profile.golden]\ncgo = true\ncc = \" \"\n",
            &["xbuild-go.toml:3:6", "name \"auto\""],
            2,
        ),
        (
            "missing_command",
            "[profile.golden]\ncgo = true\ncc = \"no-such-cc-xbuild --flag\"\n",
            &["no-such-cc-xbuild", "not found on PATH"],
            4,
        ),
        (
            "per_target_key_typo",
            "[profile.golden.target.\"linux/arm64\"]\nlibcc = \"musl\"\n",
            &["unknown field `libcc`", "did you mean `libc`?"],
            2,
        ),
    ];
    for (case, text, needles, code) in cases {
        p.file("xbuild-go.toml", text);
        let r = run(p.path(), &["--target", "linux/arm64"]);
        assert_eq!(r.code, Some(*code), "case {case}\n{r}");
        for n in *needles {
            assert!(r.stderr.contains(n), "case {case}: {n:?}\n{r}");
        }
    }
    assert!(!p.path().join("netuser").exists(), "go never ran");
}

#[test]
fn zig_is_composed_per_target_and_libc_and_its_version_checked() {
    let p = Project::copy_of("netuser");
    let zig = fake_zig(&p, "0.17.1");
    p.file(
        "xbuild-go.toml",
        r#"[profile.golden]
targets = ["linux/arm64", "linux/arm/v6", "linux/arm/v7", "linux/386"]
cgo = true
cc = "zig"
glibc = "2.28"
[profile.golden.target."linux/arm/v6"]
libc = "musl"
[profile.golden.target."linux/386"]
glibc = "2.39"
"#,
    );
    let env = env_with(&[("XBUILD_GO_ZIG", &zig.display().to_string())]);
    let targets = "linux/arm64,linux/arm/v6,linux/arm/v7";
    let r = run_env(
        p.path(),
        &["env", "--format", "json", "--target", targets],
        &env,
    );
    r.code(0);
    let by_target: std::collections::BTreeMap<String, serde_json::Value> = r
        .json()
        .into_iter()
        .map(|v| (v["target"].as_str().unwrap().to_string(), v))
        .collect();
    let z = zig.display().to_string();
    for (target, cc, flags) in [
        (
            "linux/arm64",
            format!("{z} cc -target aarch64-linux-gnu.2.28"),
            "-extldflags=-Wl,--strip-all",
        ),
        (
            "linux/arm/v6",
            format!("{z} cc -target arm-linux-musleabihf -mcpu=arm1176jzf_s"),
            "-linkmode=external '-extldflags=-static -Wl,--strip-all'",
        ),
        (
            "linux/arm/v7",
            format!("{z} cc -target arm-linux-gnueabihf.2.28"),
            "-extldflags=-Wl,--strip-all",
        ),
    ] {
        let v = &by_target[target];
        assert_eq!(v["env"]["CC"], cc.as_str(), "{target}\n{r}");
        assert_eq!(
            v["env"]["CXX"],
            cc.replace(" cc ", " c++ ").as_str(),
            "{target}\n{r}"
        );
        assert_eq!(
            v["ldflags"],
            format!("-s -w {flags}").as_str(),
            "{target}\n{r}"
        );
        assert!(
            v["origins"]["CC"]
                .as_str()
                .unwrap()
                .starts_with("C toolchain, cc = \"zig\" (profile `golden` at "),
            "{target}\n{r}"
        );
    }
    // musl keeps static = true with cgo; glibc relaxes it; a floor is the glibc limit.
    let e = run_env(
        p.path(),
        &["env", "--explain", "--target", "linux/arm/v6"],
        &env,
    );
    e.code(0)
        .stdout_has("-ldflags += -linkmode=external")
        .stdout_has("relocation target nanosleep not defined")
        .stdout_has("verify.static = true")
        .stdout_has("libc = \"musl\"  (profile `golden` at ");
    run_env(
        p.path(),
        &["env", "--explain", "--target", "linux/arm64"],
        &env,
    )
    .code(0)
    .stdout_has("verify.static = false")
    .stdout_has("verify.max-glibc = 2.28  (profile `golden` at ");
    // A floor newer than the glibc zig bundles (2.38 here) is refused before go runs.
    run_env(p.path(), &["--target", "linux/386"], &env)
        .code(4)
        .stderr_has("glibc = \"2.39\"")
        .stderr_has("bundles glibc up to 2.38");
    // Too old, named but missing, and a --zig flag over the variable.
    let old = fake_zig(&p, "0.10.1");
    let mut old_env = base_env();
    old_env.insert("XBUILD_GO_ZIG".into(), old.display().to_string());
    run_env(p.path(), &["--target", "linux/arm64"], &old_env)
        .code(4)
        .stderr_has("is zig 0.10.1, too old")
        .stderr_has("0.11.0 or newer");
    run_env(
        p.path(),
        &["env", "--zig", &z, "--target", "linux/arm64"],
        &old_env,
    )
    .code(0)
    .stdout_has(&format!("CC='{z} cc -target aarch64-linux-gnu.2.28'"));
    run_env(
        p.path(),
        &["--zig", "/nonexistent/zig", "--target", "linux/arm64"],
        &env,
    )
    .code(4)
    .stderr_has("--zig names `/nonexistent/zig`, which does not exist");
    assert!(!p.path().join("netuser").exists(), "go never ran");
}
