//! End to end through the real binary and the real `go`: golden builds for seven
//! targets cross-checked with readelf and file, the hostile environment, exit codes,
//! atomic delivery, and a run of the arm64 binary under qemu.

mod util;

use util::*;

/// (target, readelf Class, readelf Machine, e_flags, qemu binary)
const GOLDEN: &[(&str, &str, &str, u32, &str)] = &[
    (
        "linux/arm64",
        "ELF64",
        "AArch64",
        0x0,
        "qemu-aarch64-static",
    ),
    (
        "linux/amd64",
        "ELF64",
        "Advanced Micro Devices X86-64",
        0x0,
        "",
    ),
    (
        "linux/arm/v7",
        "ELF32",
        "ARM",
        0x0500_0002,
        "qemu-arm-static",
    ),
    ("linux/386", "ELF32", "Intel 80386", 0x0, ""),
    (
        "linux/riscv64",
        "ELF64",
        "RISC-V",
        0x4,
        "qemu-riscv64-static",
    ),
    (
        "linux/ppc64le",
        "ELF64",
        "PowerPC64",
        0x2,
        "qemu-ppc64le-static",
    ),
    (
        "linux/s390x",
        "ELF64",
        "IBM S/390",
        0x1,
        "qemu-s390x-static",
    ),
];

#[test]
fn golden_build_for_seven_targets_agrees_with_readelf_and_file() {
    let p = Project::copy_of("hello");
    let have_file = require_tool("file", "cross-checking the verdict with file(1)");
    for (target, class, machine, flags, _) in GOLDEN {
        let out_name = format!("dist/hello-{}", target.replace('/', "-"));
        let r = run_json(p.path(), &["--target", target, "-o", &out_name]);
        r.code(0);
        let arts = r.artifacts();
        assert_eq!(arts.len(), 1, "one artifact for {target}\n{r}");
        let a = &arts[0];
        assert_eq!(a["delivered"], true, "{target}\n{r}");
        assert_eq!(a["target"], *target);
        for c in a["verdict"]["checks"].as_array().unwrap() {
            assert_eq!(c["status"], "pass", "{target}: check {c}");
        }
        let path = p.path().join(&out_name);
        let re = readelf(&path);
        assert!(
            re.class.contains(class),
            "{target}: readelf class {}",
            re.class
        );
        assert_eq!(re.machine, *machine, "{target}: readelf machine");
        assert_eq!(re.flags, *flags, "{target}: readelf flags");
        assert_eq!(
            re.interpreter, None,
            "{target}: readelf finds no interpreter"
        );
        assert!(re.needed.is_empty(), "{target}: readelf finds no NEEDED");
        assert!(
            !re.has_symtab && !re.has_debug,
            "{target}: readelf finds no symtab/debug"
        );
        // Our facts say the same.
        let f = &a["verdict"]["facts"];
        assert_eq!(f["class"], class.to_lowercase(), "{target}");
        assert_eq!(f["e_flags"], *flags, "{target}");
        assert_eq!(f["static"], true, "{target}");
        assert_eq!(f["stripped"], true, "{target}");
        assert_eq!(f["endian"], re.endian(), "{target}");
        assert_eq!(a["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(a["size"], std::fs::metadata(&path).unwrap().len());
        if have_file {
            let f = sh("file", &[path.to_str().unwrap()]);
            assert!(f.contains("statically linked"), "{target}: file says {f}");
            assert!(f.contains(", stripped"), "{target}: file says {f}");
        }
        // The child environment carries the explicit arch level.
        let env = &a["env"];
        assert_eq!(env["GOFLAGS"], "", "{target}");
        assert_eq!(env["GOENV"], "off");
        assert_eq!(env["CGO_ENABLED"], "0");
        assert!(env.get("GOROOT").is_none());
    }
    // Nothing but the artifacts is left in dist/.
    let mut want: Vec<String> = GOLDEN
        .iter()
        .map(|(t, ..)| format!("hello-{}", t.replace('/', "-")))
        .collect();
    want.sort();
    assert_eq!(p.ls("dist"), want);
}

#[test]
fn arch_level_variable_is_explicit_for_variants_and_defaults() {
    let p = Project::copy_of("hello");
    for (target, var, value) in [
        ("linux/arm/v6", "GOARM", "6"),
        ("linux/arm", "GOARM", "7"),
        ("linux/amd64/v3", "GOAMD64", "v3"),
        ("linux/amd64", "GOAMD64", "v1"),
        ("linux/arm64/v8.2", "GOARM64", "v8.2"),
    ] {
        let r = run(
            p.path(),
            &["env", "--target", target, "--message-format", "json"],
        );
        r.code(0);
        let v = &r.json()[0];
        assert_eq!(v["env"][var], value, "{target}\n{r}");
    }
}

#[test]
fn netuser_builds_static_with_cgo_off() {
    let p = Project::copy_of("netuser");
    let r = run(p.path(), &["--message-format", "json"]);
    r.code(0);
    let a = &r.artifacts()[0];
    assert_eq!(check(a, "link.static")["status"], "pass", "{r}");
    let re = readelf(&p.path().join("netuser"));
    assert_eq!(re.interpreter, None);
}

#[test]
fn hostile_environment_gives_a_byte_identical_artifact() {
    let p = Project::copy_of("hello");
    run(p.path(), &["-o", "clean"]).code(0);
    let goenv_dir = tempfile::tempdir().unwrap();
    let goenv = goenv_dir.path().join("env");
    std::fs::write(&goenv, "GOARCH=386\nGOFLAGS=-tags=evil\n").unwrap();
    let more = [
        ("CC", "false"),
        ("GOARM64", "v9.5"),
        ("GOENV", goenv.to_str().unwrap()),
    ];
    let env = env_with(&[HOSTILE_GO_VARS, &more].concat());
    let r = run_env(
        p.path(),
        &["-o", "hostile", "--message-format", "json"],
        &env,
    );
    r.code(0);
    let dropped = r.artifacts()[0]["env_dropped"].clone();
    let names: Vec<(String, String)> = dropped
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["from"].as_str().unwrap().to_string(),
                d["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for n in ["GOFLAGS", "GOARCH", "CGO_ENABLED", "GOROOT", "CC"] {
        assert!(
            names.contains(&("host".into(), n.into())),
            "{n} reported dropped: {names:?}"
        );
    }
    assert!(
        names.contains(&(goenv.display().to_string(), "GOARCH".into())),
        "{names:?}"
    );
    // Without -v the human output still says which exported variables were ignored
    // (by name, one warning line); -q leaves it out.
    let human = run_env(p.path(), &["-o", "hostile"], &env);
    human.code(0);
    let warning = human
        .stderr
        .lines()
        .find(|l| l.starts_with("warning: ignoring "))
        .unwrap_or_else(|| panic!("no warning names the ignored variables\n{human}"));
    for n in ["GOFLAGS", "GOARCH", "GOOS", "CGO_ENABLED", "CC", "GOARM64"] {
        assert!(warning.contains(n), "{n} named in {warning:?}");
    }
    assert!(!warning.contains("hacked"), "no value shown: {warning:?}");
    let quiet = run_env(p.path(), &["-o", "hostile", "-q"], &env);
    quiet.code(0);
    assert!(!quiet.stderr.contains("warning"), "-q\n{quiet}");
    let a = std::fs::read(p.path().join("clean")).unwrap();
    let b = std::fs::read(p.path().join("hostile")).unwrap();
    assert!(a == b, "hostile environment changed the artifact\n{r}");
    // Plain go build in the same environment is affected (so the test can fail).
    let plain = std::process::Command::new("go")
        .args(["build", "-o", "plain", "."])
        .current_dir(p.path())
        .env_clear()
        .envs(&env)
        .env_remove("GOROOT")
        .output()
        .unwrap();
    let plain_bytes = std::fs::read(p.path().join("plain")).unwrap_or_default();
    assert!(
        !plain.status.success() || plain_bytes != a,
        "plain go build ignored the hostile environment too: the test proves nothing"
    );
}

#[test]
fn exit_code_3_when_go_build_fails_and_stderr_is_shown_unchanged() {
    let p = Project::copy_of("broken");
    run(p.path(), &[])
        .code(3)
        .stderr_has("undefined: undefinedThing");
    let r = run(p.path(), &["--message-format", "json"]);
    r.code(3);
    let failed: Vec<_> = r
        .json()
        .into_iter()
        .filter(|e| e["reason"] == "compiler-failed")
        .collect();
    assert_eq!(failed.len(), 1, "{r}");
    assert!(
        failed[0]["stderr"]
            .as_str()
            .unwrap()
            .contains("undefined: undefinedThing"),
        "{r}"
    );
    assert_eq!(
        p.ls("")
            .iter()
            .filter(|f| f.starts_with(".xbuild-go"))
            .count(),
        0,
        "no temp dir left"
    );
}

#[test]
fn exit_code_4_when_go_is_missing() {
    let p = Project::copy_of("hello");
    let env = env_with(&[("PATH", "/nonexistent")]);
    run_env(p.path(), &[], &env)
        .code(4)
        .stderr_has("`go` was not found");
    run(p.path(), &["--go", "/nonexistent/go"])
        .code(4)
        .stderr_has("--go names");
    let env = env_with(&[("XBUILD_GO_GO", "/nope/go")]);
    run_env(p.path(), &[], &env)
        .code(4)
        .stderr_has("XBUILD_GO_GO");
}

#[test]
fn exit_code_4_when_the_go_requirement_is_unmet() {
    let p = Project::with_profile("hello", "[profile.golden]\ngo = \">=1.999\"\n");
    run(p.path(), &[]).code(4).stderr_has("requires go >=1.999");
    p.file("xbuild-go.toml", "[profile.golden]\ngo = \">=1.21\"\n");
    run(p.path(), &[]).code(0);
}

#[test]
fn exit_code_2_for_usage_and_profile_errors() {
    let p = Project::copy_of("hello");
    // `ARGS` (split at white space) is a usage error whose message says `says`.
    let usage_error = |args: &str, says: &str| {
        run(p.path(), &words(args)).code(2).stderr_has(says);
    };
    usage_error("--target linux/arm46", "did you mean `linux/arm64`");
    usage_error("--profile relase", "unknown profile `relase`");
    usage_error("--bogus", "unexpected argument '--bogus'");
    usage_error("verify .", "is a directory");
    p.file("xbuild-go.toml", "[profile.golden]\npakage = \"./cmd\"\n");
    run(p.path(), &[])
        .code(2)
        .stderr_has("xbuild-go.toml:2:1")
        .stderr_has("did you mean `package`?");
    p.file("bad.toml", "[profile.golden.verify]\nstatic = \"yes\"\n");
    std::fs::remove_file(p.path().join("xbuild-go.toml")).unwrap();
    usage_error("--config bad.toml", "bad.toml:2:10");
    usage_error("--target linux/arm64,linux/amd64", "would both write");
    let empty = tempfile::tempdir().unwrap();
    run(empty.path(), &[]).code(2).stderr_has("no go.mod");
}

#[test]
fn rejected_build_leaves_previous_artifact_untouched() {
    let p = Project::copy_of("hello");
    run(p.path(), &["-o", "out/app"]).code(0);
    let before = std::fs::read(p.path().join("out/app")).unwrap();
    // Unstripped: symbols.stripped fails, exit 1.
    let r = run(
        p.path(),
        &[
            "-o",
            "out/app",
            "--ldflags",
            "-X main.version=2",
            "--message-format",
            "json",
        ],
    );
    r.code(1);
    let a = &r.artifacts()[0];
    assert_eq!(a["delivered"], false);
    assert_eq!(check(a, "symbols.stripped")["status"], "fail", "{r}");
    assert_eq!(
        std::fs::read(p.path().join("out/app")).unwrap(),
        before,
        "previous artifact untouched"
    );
    assert_eq!(p.ls("out"), ["app"], "nothing left behind");
    // Human output names the failure and the fix.
    run(
        p.path(),
        &["-o", "out/app", "--ldflags", "-X main.version=2"],
    )
    .code(1)
    .stderr_has("Rejected")
    .stderr_has("symbols.stripped")
    .stderr_has("add -s");
    // --keep-rejected keeps it beside the destination.
    run(
        p.path(),
        &[
            "-o",
            "out/app",
            "--ldflags",
            "-X main.version=2",
            "--keep-rejected",
        ],
    )
    .code(1);
    assert_eq!(p.ls("out"), ["app", "app.rejected"]);
    assert_eq!(std::fs::read(p.path().join("out/app")).unwrap(), before);
    // A rejected first build into a new directory leaves no directory behind.
    run(p.path(), &["-o", "fresh/dir/app", "--ldflags", ""]).code(1);
    assert!(
        !p.path().join("fresh").exists(),
        "created directories removed"
    );
}

#[test]
fn no_verify_delivers_without_judging() {
    let p = Project::copy_of("hello");
    let r = run(
        p.path(),
        &["--ldflags", "", "--no-verify", "--message-format", "json"],
    );
    r.code(0);
    assert_eq!(r.artifacts()[0]["delivered"], true);
    assert!(p.path().join("hello").is_file());
}

#[test]
fn profile_file_targets_output_template_and_package() {
    let p = Project::with_profile(
        "multi",
        r#"[build]
package = "./cmd/a"
output = "dist/{name}-{os}-{arch}{variant}{exe}"

[profile.release]
targets = ["linux/arm/v7", "linux/arm64", "windows/amd64"]
"#,
    );
    let r = run(
        p.path(),
        &["--profile", "release", "--message-format", "json"],
    );
    r.code(0);
    assert_eq!(
        p.ls("dist"),
        ["a-linux-arm64", "a-linux-armv7", "a-windows-amd64.exe"]
    );
    let arts = r.artifacts();
    let win = arts
        .iter()
        .find(|a| a["target"] == "windows/amd64")
        .unwrap();
    assert_eq!(check(win, "format")["actual"], "PE");
    assert_eq!(check(win, "pe.machine")["status"], "pass");
    // -C into a subdirectory still builds in the module, and -o is relative to -C.
    let r = run(
        p.path(),
        &["-C", "cmd", "--package", "./cmd/b", "-o", "b.bin"],
    );
    r.code(0);
    assert!(p.path().join("cmd/b.bin").is_file(), "{r}");
}

#[test]
fn darwin_target_is_macho_and_judged_as_such() {
    let p = Project::copy_of("hello");
    let r = run(
        p.path(),
        &["--target", "darwin/arm64", "--message-format", "json"],
    );
    r.code(0);
    let a = &r.artifacts()[0];
    assert_eq!(check(a, "format")["actual"], "Mach-O");
    assert_eq!(check(a, "macho.cputype")["status"], "pass");
    assert_eq!(a["verdict"]["facts"]["format"], "macho");
}

#[test]
fn arm64_hello_runs_under_qemu() {
    if !require_tool("qemu-aarch64-static", "running the linux/arm64 artifact") {
        return;
    }
    let p = Project::copy_of("hello");
    run(p.path(), &["--target", "linux/arm64"]).code(0);
    let bin = p.path().join("hello");
    let out = sh("qemu-aarch64-static", &[bin.to_str().unwrap()]);
    assert_eq!(out, "hello from xbuild-go\n");
    let help = sh("qemu-aarch64-static", &[bin.to_str().unwrap(), "--help"]);
    assert!(help.starts_with("Usage: hello"), "{help}");
}

#[test]
fn ldflags_with_spaces_and_quotes_reach_the_linker_intact() {
    if !require_tool("qemu-aarch64-static", "running the linux/arm64 artifact") {
        return;
    }
    let p = Project::with_profile(
        "hello",
        "[profile.golden]\nldflags = [\"-s\", \"-w\", \"-X\", \"main.version=1.0 \\\"quoted\\\" build\"]\n",
    );
    run(p.path(), &[]).code(0);
    let out = sh(
        "qemu-aarch64-static",
        &[p.path().join("hello").to_str().unwrap(), "--version"],
    );
    assert_eq!(out, "hello 1.0 \"quoted\" build\n");
}

#[test]
fn ctrl_c_stops_the_build_and_leaves_nothing() {
    let p = Project::copy_of("slow");
    let mut child = std::process::Command::new(bin())
        .args(["-a", "-o", "out/slow"])
        .current_dir(p.path())
        .env_clear()
        .envs(base_env())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until go is running (the destination directory exists), then interrupt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !p.path().join("out").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "exit 130 on Ctrl-C\n{stderr}");
    // The last line counts the target that was stopped, not "0 artifacts verified" alone.
    assert!(
        stderr.contains("Finished 0 artifacts verified, 1 interrupted in "),
        "the Finished line counts it\n{stderr}"
    );
    assert!(
        !p.path().join("out").exists(),
        "nothing left behind: {:?}",
        p.ls("out")
    );
    // No go process of this build survives.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let ps = sh("ps", &["-eo", "args"]);
    assert!(
        !ps.lines().any(|l| l.contains(p.path().to_str().unwrap())),
        "a process of the interrupted build survives:\n{ps}"
    );
}

#[test]
fn cargo_shim_argument_and_direct_run_agree() {
    let p = Project::copy_of("hello");
    run(p.path(), &["xbuild-go", "-o", "a"]).code(0);
    run(p.path(), &["build", "-o", "b"]).code(0);
    let a = std::fs::read(p.path().join("a")).unwrap();
    assert_eq!(a, std::fs::read(p.path().join("b")).unwrap());
    run(p.path(), &["--help"]).code(0).stdout_has("--target");
}

#[test]
fn runs_as_a_cargo_subcommand() {
    // cargo finds cargo-xbuild-go on PATH and passes `xbuild-go` as argv[1].
    let dir = bin().parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let p = Project::copy_of("hello");
    let out = std::process::Command::new("cargo")
        .args(["xbuild-go", "--target", "linux/arm64", "-q"])
        .current_dir(p.path())
        .env("PATH", path)
        .output()
        .unwrap();
    assert_succeeded(&out, "cargo xbuild-go failed: ");
    assert_eq!(readelf(&p.path().join("hello")).machine, "AArch64");
}

#[test]
fn a_module_needing_a_newer_go_is_exit_4_before_go_runs() {
    let p = Project::copy_of("hello");
    // (the go line's version, what stderr says); the second, the exact version needed,
    // not the series.
    for (go, says) in [
        (
            "1.999",
            [
                "go.mod:3: the module requires go >= 1.999",
                "go = \"1.999.0\"",
            ],
        ),
        (
            "1.26.99",
            ["install Go 1.26.99 or newer", "go = \"1.26.99\""],
        ),
    ] {
        p.file("go.mod", &format!("module example.com/hello\n\ngo {go}\n"));
        run(p.path(), &[]).code(4).stderr_has_all(&says);
    }
    // A pin older than the module's go line is caught the same way.
    p.file("go.mod", "module example.com/hello\n\ngo 1.23\n");
    p.file("xbuild-go.toml", "[profile.golden]\ngo = \"1.22.12\"\n");
    run(p.path(), &[]).code(4).stderr_has("would run go1.22.12");
}

#[test]
fn a_package_that_is_not_main_is_exit_2_and_nothing_is_delivered() {
    let p = Project::copy_of("multi");
    let cache = tempfile::tempdir().unwrap();
    let mut env = base_env();
    env.insert(
        "XBUILD_GO_CACHE_DIR".into(),
        cache.path().display().to_string(),
    );
    run_env(p.path(), &["--package", ".", "-o", "out/lib"], &env)
        .code(2)
        .stderr_has("`.` is not a main package");
    assert!(
        !p.path().join("out").exists(),
        "nothing delivered, no directory left"
    );
    // The package archive go made is not kept in the output cache either.
    let left: Vec<_> = walk_files(cache.path())
        .into_iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "lib"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
