//! cgo builds linked by Debian's cross compilers: real dynamic glibc artifacts for
//! the link, interpreter, libc.glibc and runs-on checks, passing and failing for the
//! right reason. Needs gcc-aarch64-linux-gnu and gcc-arm-linux-gnueabihf (required
//! under CI=true; .ci/run installs them).

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

#[test]
fn cgo_arm64_build_passes_where_glibc_is_new_enough() {
    if !have_cross() {
        return;
    }
    let p = Project::copy_of("netuser");
    p.file("xbuild-go.toml", PROFILES);
    let r = run(
        p.path(),
        &["--profile", "arm64", "--message-format", "json"],
    );
    r.code(0);
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
    for id in [
        "link.interpreter",
        "libc.glibc",
        "runs-on.debian:12-slim",
        "runs-on.ubuntu:24.04",
        "go.buildinfo",
    ] {
        assert_eq!(check(a, id)["status"], "pass", "{id}: {}", check(a, id));
    }
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
    if !have_cross() {
        return;
    }
    let p = Project::copy_of("netuser");
    p.file("xbuild-go.toml", PROFILES);
    let r = run(
        p.path(),
        &["--profile", "arm64-old", "--message-format", "json"],
    );
    r.code(1);
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
        let c = check(a, id);
        assert_eq!(c["status"], "fail", "{id}: {c}");
        assert!(c["message"].as_str().unwrap().contains(needle), "{id}: {c}");
    }
    // The golden expectation of a static binary names cgo as the cause.
    let r = run(p.path(), &["--profile", "arm64-static"]);
    r.code(1)
        .stderr_has("link.static")
        .stderr_has("set cgo = false");
}

#[test]
fn cgo_armhf_build_declares_hard_float() {
    if !have_cross() {
        return;
    }
    let p = Project::copy_of("netuser");
    p.file("xbuild-go.toml", PROFILES);
    let r = run(
        p.path(),
        &["--profile", "armhf", "--message-format", "json"],
    );
    r.code(0);
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

#[test]
fn cgo_for_a_cross_target_without_cc_names_the_compiler_before_go_runs() {
    let p = Project::copy_of("netuser");
    // gcc-riscv64-linux-gnu is not among what .ci/run installs: the package is named.
    let r = run(p.path(), &["--cgo", "--target", "linux/riscv64"]);
    if which("riscv64-linux-gnu-gcc").is_none() {
        r.code(4)
            .stderr_has("riscv64-linux-gnu-gcc")
            .stderr_has("apt-get install gcc-riscv64-linux-gnu");
    }
    // With the cross compiler installed, the line says to use it.
    if !require_tool("aarch64-linux-gnu-gcc", "the cross compiler to name") {
        return;
    }
    run(p.path(), &["--cgo", "--target", "linux/arm64"])
        .code(4)
        .stderr_has("is installed")
        .stderr_has("CC = \"aarch64-linux-gnu-gcc\"");
    assert!(!p.path().join("netuser").exists(), "go never ran");
}
