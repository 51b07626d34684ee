//! `verify` on binaries Go's linker cannot make (fixtures/bin, built by Debian's cross
//! compilers; recipe in fixtures/bin/README.md), each verdict cross-checked against
//! readelf; malformed input; and a fake `go` for argv and environment handling.

mod util;

use std::path::Path;

use util::*;

fn verify_json(args: &[&str]) -> Run {
    run_json(&fixture("bin"), &[&["verify"], args].concat())
}

/// `verify ARGS... --message-format json` in `dir`, `args` split at white space.
fn verify_in(dir: &Path, args: &str) -> Run {
    run_json(dir, &[&["verify"], &words(args)[..]].concat())
}

/// Verifies with a profile file; these binaries are not Go, so Go's build info is not
/// required (the `[build]` layer turns it off; a profile may turn it back on).
fn verify_with_profile(profile: &str, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("p.toml");
    std::fs::write(
        &cfg,
        format!("[build.verify]\nbuildinfo = false\n\n{profile}"),
    )
    .unwrap();
    let mut a = vec!["--config", cfg.to_str().unwrap()];
    a.extend_from_slice(args);
    let r = verify_json(&a);
    drop(dir);
    r
}

#[test]
fn facts_agree_with_readelf_for_every_elf_fixture() {
    if !require_tool("readelf", "cross-checking facts") {
        return;
    }
    for name in [
        "aarch64-dynamic",
        "aarch64-dynamic-unstripped",
        "aarch64-static-nolibc",
        "aarch64-bti",
        "armhf-dynamic",
        "armhf-static-nolibc",
        "armel-static-nolibc-soft",
        "x86_64-dynamic",
    ] {
        let r = verify_json(&[name]);
        r.code(0);
        let a = &r.artifacts()[0];
        let f = &a["verdict"]["facts"];
        let re = readelf(&fixture("bin").join(name));
        assert_eq!(
            f["class"],
            if re.class.contains("64") {
                "elf64"
            } else {
                "elf32"
            },
            "{name}"
        );
        assert_eq!(f["endian"], re.endian(), "{name}");
        assert_eq!(f["e_flags"], re.flags, "{name}");
        assert_eq!(
            f["interpreter"].as_str().map(str::to_string),
            re.interpreter,
            "{name}"
        );
        assert_eq!(strings(&f["needed"], ""), re.needed, "{name}");
        assert_eq!(
            f["static"],
            re.interpreter.is_none() && re.needed.is_empty(),
            "{name}"
        );
        assert_eq!(f["stripped"], !re.has_symtab && !re.has_debug, "{name}");
        let bti = re.properties.contains("BTI");
        assert_eq!(
            f["gnu_properties"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "BTI"),
            bti,
            "{name}: BTI per readelf -n"
        );
        // Our names extend readelf's ("VFP registers (hard-float)" for "VFP registers").
        let ours = |tag: &str| f["arm_attributes"][tag].as_str().unwrap_or("").to_string();
        if let Some(cpu) = &re.arm_cpu_arch {
            assert!(
                ours("Tag_CPU_arch").starts_with(cpu.as_str()),
                "{name}: Tag_CPU_arch {cpu} vs {f}"
            );
        }
        match &re.arm_vfp_args {
            Some(v) => assert!(
                ours("Tag_ABI_VFP_args").starts_with(v.as_str()),
                "{name}: {v} vs {f}"
            ),
            None => assert!(
                f["arm_attributes"].is_null()
                    || f["arm_attributes"].get("Tag_ABI_VFP_args").is_none(),
                "{name}: {f}"
            ),
        }
        // Without a target nothing is judged, so nothing fails.
        for c in a["verdict"]["checks"].as_array().unwrap() {
            assert_eq!(c["status"], "pass", "{name}: {c}");
        }
    }
}

/// (case, file and arguments, profile text, expected exit, check id, expected status, text in message)
#[test]
fn verdicts_on_foreign_binaries() {
    let cases = [
        (
            "dynamic_glibc_rejected_by_golden",
            "aarch64-dynamic --target linux/arm64 --profile golden",
            "",
            1,
            "link.static",
            "fail",
            "PT_INTERP /lib/ld-linux-aarch64.so.1 present",
        ),
        (
            "dynamic_allowed_when_static_false",
            "aarch64-dynamic --target linux/arm64",
            "[profile.golden.verify]\nstatic = false\n",
            0,
            "link.interpreter",
            "pass",
            "",
        ),
        (
            "unstripped_rejected",
            "aarch64-dynamic-unstripped --target linux/arm64 --profile golden",
            "[profile.golden.verify]\nstatic = false\n",
            1,
            "symbols.stripped",
            "fail",
            "add -s",
        ),
        (
            "wrong_machine",
            "x86_64-dynamic --target linux/arm64",
            "",
            1,
            "elf.machine",
            "fail",
            "exec format error",
        ),
        (
            "wrong_class",
            "armhf-static-nolibc --target linux/arm64",
            "",
            1,
            "elf.class",
            "fail",
            "",
        ),
        (
            "armhf_loader_on_arm",
            "armhf-dynamic --target linux/arm/v7",
            "[profile.golden.verify]\nstatic = false\narm-float-abi = \"hard\"\n",
            0,
            "arm.attributes",
            "pass",
            "",
        ),
        (
            "armhf_on_goarm6_needs_newer_cpu",
            "armhf-static-nolibc --target linux/arm/v6",
            "",
            1,
            "arm.attributes",
            "fail",
            "Illegal instruction",
        ),
        (
            "hard_float_policy_rejects_soft",
            "armel-static-nolibc-soft --target linux/arm/v5",
            "[profile.golden.verify]\narm-float-abi = \"hard\"\n",
            1,
            "elf.flags",
            "fail",
            "float ABI",
        ),
        (
            "soft_float_policy_accepts_soft",
            "armel-static-nolibc-soft --target linux/arm/v5",
            "[profile.golden.verify]\narm-float-abi = \"soft\"\n",
            0,
            "arm.attributes",
            "pass",
            "",
        ),
        (
            "bti_required_and_present",
            "aarch64-bti --target linux/arm64",
            "[profile.golden.verify]\naarch64-bti = \"require\"\n",
            0,
            "aarch64.features",
            "pass",
            "",
        ),
        (
            "bti_required_and_absent",
            "aarch64-static-nolibc --target linux/arm64",
            "[profile.golden.verify]\naarch64-bti = \"require\"\n",
            1,
            "aarch64.features",
            "fail",
            "Go's own linker emits no BTI note",
        ),
        (
            "bti_forbidden_and_present",
            "aarch64-bti --target linux/arm64",
            "[profile.golden.verify]\naarch64-bti = \"forbid\"\n",
            1,
            "aarch64.features",
            "fail",
            "",
        ),
        (
            "size_budget",
            "aarch64-dynamic --target linux/arm64",
            "[profile.golden.verify]\nstatic = false\nmax-size = \"1KiB\"\n",
            1,
            "size.max",
            "fail",
            "",
        ),
        (
            "wrong_os_format",
            "aarch64-static-nolibc --target windows/arm64",
            "",
            1,
            "format",
            "fail",
            "GOOS",
        ),
        (
            "glibc_too_new_names_symbols",
            "aarch64-dynamic --target linux/arm64",
            "[profile.golden.verify]\nstatic = false\nmax-glibc = \"2.31\"\n",
            1,
            "libc.glibc",
            "fail",
            "GLIBC_2.34 (__libc_start_main)",
        ),
        (
            "glibc_within_limit",
            "aarch64-dynamic --target linux/arm64",
            "[profile.golden.verify]\nstatic = false\nmax-glibc = \"2.36\"\n",
            0,
            "libc.glibc",
            "pass",
            "",
        ),
        (
            "runs_on_debian11_glibc_too_old",
            "aarch64-dynamic --target linux/arm64",
            "[profile.golden.verify]\nstatic = false\nruns-on = [\"debian:11-slim\"]\n",
            1,
            "runs-on.debian:11-slim",
            "fail",
            "GLIBC_2.34 not found",
        ),
        (
            "runs_on_debian12",
            "aarch64-dynamic --target linux/arm64",
            "[profile.golden.verify]\nstatic = false\nruns-on = [\"debian:12-slim\"]\n",
            0,
            "runs-on.debian:12-slim",
            "pass",
            "",
        ),
        (
            "runs_on_alpine_needs_glibc_loader",
            "aarch64-dynamic --target linux/arm64",
            "[profile.golden.verify]\nstatic = false\nruns-on = [\"alpine:3.20\"]\n",
            1,
            "runs-on.alpine:3.20",
            "fail",
            "alpine:3.20 has no /lib/ld-linux-aarch64.so.1: the binary needs glibc",
        ),
        (
            "runs_on_distroless_static_has_no_libc",
            "aarch64-dynamic --target linux/arm64",
            "[profile.golden.verify]\nstatic = false\nruns-on = [\"distroless/static\"]\n",
            1,
            "runs-on.distroless/static",
            "fail",
            "no libc",
        ),
        (
            "runs_on_ubi9_armhf_not_published",
            "armhf-dynamic --target linux/arm/v7",
            "[profile.golden.verify]\nstatic = false\nruns-on = [\"ubi9\"]\n",
            1,
            "runs-on.ubi9",
            "fail",
            "not published for arm",
        ),
        (
            "runs_on_scratch_static",
            "aarch64-static-nolibc --target linux/arm64",
            "[profile.golden.verify]\nruns-on = [\"scratch\", \"alpine:3.20\", \"debian:10-slim\"]\n",
            0,
            "runs-on.scratch",
            "pass",
            "",
        ),
        (
            "c_binary_with_buildinfo_required",
            "aarch64-static-nolibc --target linux/arm64",
            "[profile.golden.verify]\nbuildinfo = true\n",
            1,
            "go.buildinfo",
            "unknown",
            "not a Go binary",
        ),
    ];
    for (case, args, profile, code, id, status, msg) in cases {
        let r = verify_with_profile(profile, &words(args));
        assert_eq!(r.code, Some(code), "case {case}\n{r}");
        let art = &r.artifacts()[0];
        let c = check(art, id);
        assert_eq!(c["status"], status, "case {case}: {c}");
        if !msg.is_empty() {
            assert!(
                c["message"].as_str().unwrap_or("").contains(msg),
                "case {case}: message of {c}"
            );
        }
    }
}

#[test]
fn an_unknown_runs_on_image_is_a_configuration_error_before_anything_builds() {
    let p = Project::with_profile(
        "hello",
        "[profile.golden.verify]\nruns-on = [\"debian:12-slim\", \"debain:12-slim\"]\n",
    );
    for args in ["", "verify hello --target linux/arm64", "env"] {
        let r = run(p.path(), &words(args));
        r.code(2)
            .stderr_has("xbuild-go.toml:2:11: unknown runs-on image `debain:12-slim`")
            .stderr_has("did you mean `debian:12-slim`?")
            .stderr_has("known images: ");
        assert!(
            !r.stderr.contains("src/verify"),
            "no source file in the hint\n{r}"
        );
    }
    assert!(!p.path().join("hello").exists(), "nothing was built");
}

#[test]
fn go_internal_linker_arm_binary_has_no_float_abi_so_hard_policy_is_unknown() {
    // Go writes e_flags 0x5000002 and no .ARM.attributes: a hard-float requirement
    // cannot be proven from the ELF, and unknown rejects (never fail open).
    let p = Project::with_profile(
        "hello",
        "[profile.golden.verify]\narm-float-abi = \"hard\"\n",
    );
    let r = run_json(p.path(), &["--target", "linux/arm/v7"]);
    r.code(1);
    let a = &r.artifacts()[0];
    assert_eq!(check(a, "elf.flags")["status"], "unknown", "{r}");
    assert_eq!(check(a, "arm.attributes")["actual"], "absent");
}

#[test]
fn malformed_and_non_executable_files_exit_1_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("bin/aarch64-static-nolibc")).unwrap();
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), vec![]),
        ("text".into(), b"#!/bin/sh\necho hi\n".to_vec()),
        (
            "truncated".into(),
            std::fs::read(fixture("bin/truncated-elf")).unwrap(),
        ),
    ];
    for n in [4, 16, 52, 64, 100, 200] {
        cases.push((format!("cut-{n}"), good[..n.min(good.len())].to_vec()));
    }
    let mut huge = good.clone();
    huge[0x3c] = 0xff; // e_shnum
    huge[0x3d] = 0xff;
    cases.push(("huge-shnum".into(), huge));
    let mut off = good.clone();
    off[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes()); // e_shoff past the end
    cases.push(("shoff-past-end".into(), off));
    for (name, bytes) in &cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let r = run(dir.path(), &["verify", name]);
        assert_eq!(r.code, Some(1), "case {name}\n{r}");
        assert!(
            r.stderr.contains(name.as_str()),
            "case {name}: error names the file\n{r}"
        );
        assert!(!r.stderr.contains("panicked"), "case {name}\n{r}");
    }
    run(&fixture("bin"), &["verify", "not-elf.txt"])
        .code(1)
        .stderr_has("not an executable");
    run(&fixture("bin"), &["verify", "no-such-file"])
        .code(2)
        .stderr_has("no-such-file");
}

#[test]
fn verify_judges_a_go_build_made_by_hand() {
    // verify works on any file: a plain `go build` of hello for linux/amd64.
    let p = Project::copy_of("hello");
    let st = std::process::Command::new("go")
        .args(["build", "-o", "plain", "."])
        .current_dir(p.path())
        .env_clear()
        .envs(base_env())
        .env("GOOS", "linux")
        .env("GOARCH", "amd64")
        .env("CGO_ENABLED", "0")
        .status()
        .unwrap();
    assert!(st.success());
    let r = verify_in(p.path(), "plain --target linux/amd64 --profile golden");
    r.code(1); // not stripped, as the golden profile asks
    assert_eq!(
        check(&r.artifacts()[0], "symbols.stripped")["status"],
        "fail"
    );
    assert_eq!(check(&r.artifacts()[0], "link.static")["status"], "pass");
}

/// A fake `go` that records its argv and environment, then writes a chosen file to -o.
/// A stand-in `go` in `dir` that logs its argv and environment there and writes
/// `payload` as the output.
fn fake_go(dir: &Path, payload: &Path) -> std::path::PathBuf {
    fake_go_script(&dir.join("go"), dir, payload)
}

#[test]
fn fake_go_sees_scrubbed_env_and_exact_argv() {
    let p = Project::copy_of("hello");
    let tools = tempfile::tempdir().unwrap();
    let go = fake_go(tools.path(), &fixture("bin/aarch64-static-nolibc"));
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\ntags = [\"netgo\", \"osusergo\"]\nflags = [\"-trimpath\"]\nenv = { GOPROXY = \"off\" }\npass-env = [\"KEEP_ME\"]\n",
    );
    let mut env = base_env();
    env.insert("GOFLAGS".into(), "-race".into());
    env.insert("KEEP_ME".into(), "1".into());
    env.insert("DROP_ME".into(), "1".into());
    env.insert("XBUILD_GO_GO".into(), go.display().to_string());
    // The payload is a C binary, so --no-verify: this test is about argv and env.
    run_env(
        p.path(),
        &["--target", "linux/arm64/v8.2", "--no-verify", "--", "-v"],
        &env,
    )
    .code(0);
    let argv = std::fs::read_to_string(tools.path().join("argv")).unwrap();
    let argv: Vec<&str> = argv.lines().collect();
    assert_eq!(
        argv[..5],
        [
            "build",
            "-tags=netgo,osusergo",
            "-ldflags=-s -w",
            "-trimpath",
            "-v"
        ],
        "{argv:?}"
    );
    assert_eq!(argv[5], "-o");
    assert!(
        argv[6].contains("/xbuild-go/out/") && !argv[6].starts_with(p.path().to_str().unwrap()),
        "builds into the private output cache, outside the work tree: {argv:?}"
    );
    assert_eq!(
        argv[7..],
        ["--", "."],
        "flags end before the package: {argv:?}"
    );
    let child = std::fs::read_to_string(tools.path().join("env")).unwrap();
    for want in [
        "GOFLAGS=",
        "GOENV=off",
        "GOTOOLCHAIN=local",
        "GOOS=linux",
        "GOARCH=arm64",
        "GOARM64=v8.2",
        "CGO_ENABLED=0",
        "GOPROXY=off",
        "KEEP_ME=1",
    ] {
        assert!(
            child.lines().any(|l| l == want),
            "child env lacks {want}:\n{child}"
        );
    }
    for banned in ["DROP_ME=", "GOROOT=", "XBUILD_GO_GO="] {
        assert!(
            !child.lines().any(|l| l.starts_with(banned)),
            "child env has {banned}:\n{child}"
        );
    }
    assert!(p.path().join("hello").is_file());
}

#[test]
fn fake_go_producing_the_wrong_architecture_is_rejected() {
    let p = Project::copy_of("hello");
    let tools = tempfile::tempdir().unwrap();
    let go = fake_go(tools.path(), &fixture("bin/x86_64-dynamic"));
    std::fs::write(p.path().join("hello"), PREVIOUS).unwrap();
    run(p.path(), &["--go", go.to_str().unwrap()])
        .code(1)
        .stderr_has("elf.machine")
        .stderr_has("exec format error");
    assert_eq!(std::fs::read(p.path().join("hello")).unwrap(), PREVIOUS);
    assert_eq!(
        p.ls("")
            .iter()
            .filter(|f| f.starts_with(".xbuild-go"))
            .count(),
        0
    );
}

#[test]
fn every_pair_go_supports_is_in_the_target_table() {
    let list = sh("go", &["tool", "dist", "list"]);
    assert!(!list.trim().is_empty(), "go tool dist list printed nothing");
    for pair in list.lines() {
        let r = run(
            &fixture("go/hello"),
            &["env", "--target", pair, "--message-format", "json"],
        );
        r.code(0);
    }
}

#[test]
fn truncations_and_byte_flips_of_real_binaries_never_panic() {
    use xbuild_go::verify::{verify, Policy};
    let policy = Policy::report_only();
    for name in [
        "aarch64-static-nolibc",
        "aarch64-bti",
        "armhf-static-nolibc",
        "armhf-dynamic",
        "x86_64-dynamic",
    ] {
        let good = std::fs::read(fixture("bin").join(name)).unwrap();
        let step = (good.len() / 600).max(1);
        let mut n = 0;
        while n < good.len() {
            if let Err(e) = verify(&good[..n], &policy) {
                assert!(!e.0.contains("panic"), "{name} cut at {n}: {e}");
            }
            n += step;
        }
        for i in (0..good.len()).step_by(step) {
            for mask in [0xffu8, 0x80, 0x01] {
                let mut b = good.clone();
                b[i] ^= mask;
                if let Err(e) = verify(&b, &policy) {
                    assert!(
                        !e.0.contains("panic"),
                        "{name} byte {i:#x} ^ {mask:#x}: {e}"
                    );
                }
            }
        }
    }
}

/// Builds fixtures/go/hello by hand with plain `go build` and the given environment.
fn hand_build(dir: &Path, out: &str, env: &[(&str, &str)], args: &[&str]) {
    let mut cmd = std::process::Command::new("go");
    cmd.arg("build").args(args).args(["-o", out, "."]);
    cmd.current_dir(dir).env_clear().envs(base_env());
    cmd.env("GOFLAGS", "")
        .env("GOENV", "off")
        .env("GOTOOLCHAIN", "local");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let st = cmd.status().unwrap();
    assert!(st.success(), "go build {args:?} {env:?}");
}

#[test]
fn go_buildinfo_catches_what_plain_builds_let_through() {
    let p = Project::copy_of("hello");
    let arm6 = [
        ("GOOS", "linux"),
        ("GOARCH", "arm"),
        ("GOARM", "6"),
        ("CGO_ENABLED", "0"),
    ];
    hand_build(p.path(), "arm6", &arm6, &["-ldflags=-s -w"]);
    let mut tagged = arm6.to_vec();
    tagged.push(("GOFLAGS", "-tags=netgo"));
    hand_build(p.path(), "tagged", &tagged, &["-ldflags=-s -w"]);
    // With a profile named, the recorded settings are judged against it; with only a
    // target, what the target implies: the platform and an arch level it runs.
    let cases = [
        (
            "goarm_left_in_the_environment",
            "arm6 --profile golden --target linux/arm/v7",
            1,
            "fail",
            "GOARM: expected 7, recorded 6",
        ),
        (
            "goarm_as_asked",
            "arm6 --profile golden --target linux/arm/v6",
            0,
            "pass",
            "",
        ),
        (
            "tags_from_goflags",
            "tagged --profile golden --target linux/arm/v6",
            1,
            "fail",
            "-tags: expected [], recorded [netgo]",
        ),
        (
            "goarch_mismatch_is_caught_twice",
            "arm6 --profile golden --target linux/386",
            1,
            "fail",
            "GOARCH: expected 386, recorded arm",
        ),
        (
            "a_v6_binary_runs_on_v7_hardware",
            "arm6 --target linux/arm/v7",
            0,
            "pass",
            "",
        ),
        (
            "tags_are_reported_without_a_profile",
            "tagged --target linux/arm/v6",
            0,
            "pass",
            "",
        ),
        (
            "a_v6_binary_on_v5_hardware_is_not",
            "arm6 --target linux/arm/v5",
            1,
            "fail",
            "built for GOARM=6, which linux/arm/v5 (GOARM=5) cannot run",
        ),
        (
            "goarch_mismatch_without_a_profile",
            "arm6 --target linux/386",
            1,
            "fail",
            "GOARCH: recorded arm, the target is 386",
        ),
    ];
    for (case, args, code, status, msg) in cases {
        let r = verify_in(p.path(), args);
        assert_eq!(r.code, Some(code), "case {case}\n{r}");
        let c = check(&r.artifacts()[0], "go.buildinfo").clone();
        assert_eq!(c["status"], status, "case {case}: {c}");
        assert!(
            c["message"].as_str().unwrap_or("").contains(msg),
            "case {case}: {c}"
        );
    }
    // The Go facts carry what was recorded.
    let r = verify_in(p.path(), "arm6");
    let go = &r.artifacts()[0]["verdict"]["facts"]["go"];
    assert_eq!(go["settings"]["GOARM"], "6");
    assert_eq!(go["settings"]["-ldflags"], "-s -w");
    assert_eq!(go["path"], "example.com/hello");
    assert!(go["version"].as_str().unwrap().starts_with("go1."));
}

#[test]
fn go_version_requirement_is_checked_against_the_recorded_version() {
    let p = Project::with_profile("hello", "[profile.golden]\ngo = \">=1.999\"\n");
    hand_build(
        p.path(),
        "app",
        &[("GOOS", "linux"), ("GOARCH", "arm64"), ("CGO_ENABLED", "0")],
        &["-ldflags=-s -w"],
    );
    let r = verify_in(p.path(), "app --target linux/arm64");
    r.code(1);
    let c = check(&r.artifacts()[0], "go.version").clone();
    assert_eq!(c["status"], "fail", "{c}");
    assert_eq!(c["expected"], "go >=1.999");
}

#[test]
fn trimpath_builds_record_no_ldflags_and_still_pass() {
    let p = Project::with_profile("hello", "[profile.golden]\nflags = [\"-trimpath\"]\n");
    let r = run(p.path(), &["--message-format", "json"]);
    r.code(0);
    assert_check(
        check(&r.artifacts()[0], "go.buildinfo"),
        "pass",
        "omits -ldflags",
    );
}

/// A universal Mach-O file from thin ones, as lipo makes it (fat header big endian,
/// slices aligned to 2^14).
fn lipo(slices: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(0xcafe_babe_u32.to_be_bytes());
    out.extend((slices.len() as u32).to_be_bytes());
    let align = 1usize << 14;
    let mut offset = align;
    let mut placed = Vec::new();
    for (cputype, subtype, bytes) in slices {
        for v in [*cputype, *subtype, offset as u32, bytes.len() as u32, 14] {
            out.extend(v.to_be_bytes());
        }
        placed.push(offset);
        offset = (offset + bytes.len()).div_ceil(align) * align;
    }
    for ((_, _, bytes), at) in slices.iter().zip(placed) {
        out.resize(at, 0);
        out.extend(bytes);
    }
    out
}

#[test]
fn universal_macho_gets_one_verdict_per_slice() {
    let p = Project::copy_of("hello");
    run(p.path(), &["--target", "darwin/arm64", "-o", "arm64"]).code(0);
    run(p.path(), &["--target", "darwin/amd64", "-o", "amd64"]).code(0);
    run(
        p.path(),
        &[
            "--target",
            "darwin/amd64",
            "-o",
            "amd64-full",
            "--ldflags",
            "",
            "--keep-rejected",
        ],
    )
    .code(1);
    let read = |n: &str| std::fs::read(p.path().join(n)).unwrap();
    for (fat, amd64) in [("fat", "amd64"), ("fat-bad", "amd64-full.rejected")] {
        let slices = [
            (0x0100_0007, 3, read(amd64)),
            (0x0100_000c, 0, read("arm64")),
        ];
        std::fs::write(p.path().join(fat), lipo(&slices)).unwrap();
    }
    // Judged for darwin/arm64: the arm64 slice leads, the amd64 slice is judged as darwin/amd64.
    let r = verify_in(p.path(), "fat --target darwin/arm64");
    r.code(0);
    let v = &r.artifacts()[0]["verdict"];
    assert_eq!(v["facts"]["machine"], "arm64", "{v}");
    assert_eq!(v["slices"][0]["arch"], "amd64");
    assert_eq!(v["slices"][0]["facts"]["go"]["settings"]["GOARCH"], "amd64");
    for c in v["slices"][0]["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "pass", "{c}");
    }
    // An unstripped amd64 slice rejects the whole file, and says which slice.
    let r = verify_in(p.path(), "fat-bad --target darwin/arm64 --profile golden");
    r.code(1);
    let v = &r.artifacts()[0]["verdict"];
    let bad: Vec<&serde_json::Value> = v["slices"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] != "pass")
        .collect();
    // Built with empty ldflags: unstripped, and the recorded -ldflags differ.
    let ids: Vec<&str> = bad.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["symbols.stripped", "go.buildinfo"], "{v}");
    run(
        p.path(),
        &[
            "verify",
            "fat-bad",
            "--target",
            "darwin/arm64",
            "--profile",
            "golden",
        ],
    )
    .code(1)
    .stderr_has("[amd64] symbols.stripped");
}

#[test]
fn windows_artifacts_are_judged_by_machine_and_subsystem() {
    let p = Project::copy_of("hello");
    run(p.path(), &["--target", "windows/amd64", "-o", "con.exe"]).code(0);
    run(
        p.path(),
        &[
            "--target",
            "windows/amd64",
            "-o",
            "gui.exe",
            "--ldflags",
            "-s -w -H windowsgui",
        ],
    )
    .code(0);
    let cases = [
        (
            "console_as_built",
            "con.exe --target windows/amd64",
            0,
            "pe.subsystem",
            "pass",
            "console",
        ),
        (
            "wrong_cpu",
            "con.exe --target windows/arm64",
            1,
            "pe.machine",
            "fail",
            "AMD64",
        ),
        (
            "gui_where_console_expected",
            "gui.exe --target windows/amd64 --profile golden",
            1,
            "pe.subsystem",
            "fail",
            "windows GUI",
        ),
        (
            "kernel32_only_is_static",
            "con.exe --target windows/amd64",
            0,
            "link.static",
            "pass",
            "kernel32.dll",
        ),
    ];
    for (case, args, code, id, status, actual) in cases {
        let r = verify_in(p.path(), args);
        assert_eq!(r.code, Some(code), "case {case}\n{r}");
        let c = check(&r.artifacts()[0], id).clone();
        assert_eq!(c["status"], status, "case {case}: {c}");
        assert!(
            c["actual"].as_str().unwrap().contains(actual),
            "case {case}: {c}"
        );
    }
}

#[test]
fn verify_target_judges_any_file_and_a_named_profile_requires_go_build_info() {
    let dir = fixture("bin");
    let r = verify_in(&dir, "aarch64-static-nolibc --target linux/arm64");
    r.code(0);
    let c = check(&r.artifacts()[0], "go.buildinfo").clone();
    assert_eq!(
        (c["status"].as_str(), c["expected"].is_null()),
        (Some("pass"), true),
        "{c}"
    );
    let r = verify_in(
        &dir,
        "aarch64-static-nolibc --target linux/arm64 --profile golden",
    );
    r.code(1);
    assert_eq!(
        check(&r.artifacts()[0], "go.buildinfo")["status"],
        "unknown"
    );
}

#[test]
fn a_third_party_binary_passes_verify_target_and_its_settings_are_reported() {
    let p = Project::copy_of("hello");
    let arm64 = [("GOOS", "linux"), ("GOARCH", "arm64"), ("CGO_ENABLED", "0")];
    // A release as projects make them: -trimpath and a stamped version; one stripped,
    // one not.
    hand_build(
        p.path(),
        "stamped",
        &arm64,
        &["-trimpath", "-ldflags=-s -w -X main.version=1.2.3"],
    );
    hand_build(
        p.path(),
        "debuggable",
        &arm64,
        &["-trimpath", "-ldflags=-X main.version=1.2.3"],
    );
    for file in ["stamped", "debuggable"] {
        let r = verify_in(p.path(), &format!("{file} --target linux/arm64"));
        r.code(0);
        let a = &r.artifacts()[0];
        let c = check(a, "go.buildinfo");
        assert_eq!(c["status"], "pass", "{file}: {c}");
        assert_eq!(a["verdict"]["facts"]["go"]["settings"]["-trimpath"], "true");
    }
    // Named, the golden profile judges the settings it asks for.
    let r = verify_in(p.path(), "stamped --target linux/arm64 --profile golden");
    r.code(1);
    let c = check(&r.artifacts()[0], "go.buildinfo").clone();
    assert!(
        c["actual"]
            .as_str()
            .unwrap()
            .contains("(recorded -trimpath=true)")
            && c["message"]
                .as_str()
                .unwrap()
                .contains("-trimpath: expected unset, recorded true"),
        "the differing setting is named, expected vs recorded: {c}"
    );
}

#[test]
fn verify_with_a_multi_target_profile_matches_each_file_to_its_target() {
    let p = Project::copy_of("hello");
    p.file(
        "xbuild-go.toml",
        "[profile.release]\ntargets = [\"linux/arm64\", \"linux/arm/v7\", \"windows/amd64\"]\n\
         output = \"dist/{name}-{os}-{arch}{exe}\"\n",
    );
    run(p.path(), &["--profile", "release"]).code(0);
    let files = [
        "dist/hello-linux-arm64",
        "dist/hello-linux-arm",
        "dist/hello-windows-amd64.exe",
    ];
    let r = verify_in(p.path(), &format!("--profile release {}", files.join(" ")));
    r.code(0);
    let artifacts = r.artifacts();
    let targets: Vec<&str> = artifacts
        .iter()
        .map(|a| a["target"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        targets,
        ["linux/arm64", "linux/arm/v7", "windows/amd64"],
        "{r}"
    );
    for a in &artifacts {
        assert_eq!(check(a, "go.buildinfo")["status"], "pass", "{a}");
    }
    // Built with GOARM=6: the arm target of the profile, judged fully, and rejected.
    hand_build(
        p.path(),
        "arm6",
        &[
            ("GOOS", "linux"),
            ("GOARCH", "arm"),
            ("GOARM", "6"),
            ("CGO_ENABLED", "0"),
        ],
        &["-ldflags=-s -w"],
    );
    let r = verify_in(p.path(), "--profile release arm6");
    r.code(1);
    let a = &r.artifacts()[0];
    assert_eq!(a["target"], "linux/arm/v7");
    assert!(check(a, "go.buildinfo")["message"]
        .as_str()
        .unwrap()
        .contains("GOARM: expected 7, recorded 6"));
    // A file of no target of the profile.
    hand_build(
        p.path(),
        "x86",
        &[("GOOS", "linux"), ("GOARCH", "386"), ("CGO_ENABLED", "0")],
        &["-ldflags=-s -w"],
    );
    run(p.path(), &["verify", "--profile", "release", "x86"])
        .code(1)
        .stderr_has(
            "matches none of the profile's targets (linux/arm64, linux/arm/v7, windows/amd64)",
        );
}
