//! `cargo xbuild-go doctor` through the real binary: every kind of line provoked by the
//! environment that causes it (a fake GOROOT, a go env -w file with GOARCH, a second
//! fake `go` on PATH, exported GOFLAGS, an unmet `go` requirement, cgo without a C
//! compiler, qemu present or not), checked in the JSON object and the exit code.
//! No test builds anything; each runs `go version` and `go env` at most a few times.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use util::*;

/// The base environment with the user's own go env -w file kept out of the way.
fn clean_env(scratch: &Path) -> BTreeMap<String, String> {
    let mut env = base_env();
    env.insert(
        "GOENV".into(),
        scratch.join("no-such-go-env").display().to_string(),
    );
    env
}

/// Runs `doctor --message-format json ARGS` and returns the run and its one object.
fn doctor(cwd: &Path, args: &[&str], env: &BTreeMap<String, String>) -> (Run, Value) {
    let mut all = vec!["doctor", "--message-format", "json"];
    all.extend_from_slice(args);
    let r = run_env(cwd, &all, env);
    let objects = r.json();
    assert_eq!(objects.len(), 1, "doctor prints one JSON object\n{r}");
    let v = objects.into_iter().next().unwrap_or_default();
    assert_eq!(v["reason"], "doctor", "{r}");
    assert_eq!(v["schema"], 1, "{r}");
    for c in v["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks\n{r}"))
    {
        let level = c["level"].as_str().unwrap_or("");
        assert!(
            ["ok", "warn", "error"].contains(&level),
            "bad level in {c}\n{r}"
        );
        assert!(c["message"].is_string(), "no message in {c}\n{r}");
        assert_eq!(
            c["fix"].is_null(),
            level == "ok",
            "a fix on every warn and error line, none on ok lines: {c}\n{r}"
        );
    }
    let errors = v["checks"]
        .as_array()
        .map_or(0, |cs| cs.iter().filter(|c| c["level"] == "error").count());
    assert_eq!(v["ok"], errors == 0, "ok agrees with the lines\n{r}");
    assert!(!r.stderr.contains("panicked"), "{r}");
    (r, v)
}

/// [`doctor`] with no arguments: it exits `code`, and its one `id` line is at `level`
/// and names every needle. The run and the object.
fn doctor_line(
    cwd: &Path,
    env: &BTreeMap<String, String>,
    code: i32,
    id: &str,
    level: &str,
    needles: &[&str],
) -> (Run, Value) {
    let (r, v) = doctor(cwd, &[], env);
    r.code(code);
    expect(one(&v, id, &r), level, needles, &r);
    (r, v)
}

/// The `go.other` line naming `go`; `r` is printed when there is none.
fn go_other_naming<'a>(v: &'a Value, go: &Path, r: &Run) -> &'a Value {
    all(v, "go.other")
        .into_iter()
        .find(|c| {
            c["message"]
                .as_str()
                .unwrap_or("")
                .contains(&*go.to_string_lossy())
        })
        .unwrap_or_else(|| panic!("the fake go is not listed\n{r}"))
}

/// Every check with `id`.
fn all<'a>(v: &'a Value, id: &str) -> Vec<&'a Value> {
    v["checks"]
        .as_array()
        .map(|cs| cs.iter().filter(|c| c["id"] == id).collect())
        .unwrap_or_default()
}

/// The one check with `id`; `r` is printed when it is missing.
fn one<'a>(v: &'a Value, id: &str, r: &Run) -> &'a Value {
    let found = all(v, id);
    assert_eq!(found.len(), 1, "expected one `{id}` line\n{r}");
    found[0]
}

fn expect(c: &Value, level: &str, needles: &[&str], r: &Run) {
    assert_eq!(c["level"], level, "level of {c}\n{r}");
    let text = format!("{} {}", c["message"], c["fix"]);
    for n in needles {
        assert!(text.contains(n), "{c} lacks {n:?}\n{r}");
    }
}

/// The real go, as the tests find it.
fn real_go() -> PathBuf {
    which("go").expect("go on PATH (the tests need Go)")
}

fn write_script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn host_goarch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

#[test]
fn clean_environment_is_healthy() {
    let p = Project::copy_of("hello");
    let env = clean_env(p.path());
    let (r, v) = doctor(p.path(), &[], &env);
    r.code(0);
    assert_eq!(v["ok"], true, "{r}");
    for c in v["checks"].as_array().unwrap() {
        assert_ne!(
            c["level"], "error",
            "a clean environment has no errors: {c}\n{r}"
        );
    }
    let go = real_go();
    expect(
        one(&v, "go", &r),
        "ok",
        &[&go.display().to_string(), "first on PATH"],
        &r,
    );
    expect(one(&v, "go.version", &r), "ok", &["VERSION"], &r);
    expect(one(&v, "goroot", &r), "ok", &["not set"], &r);
    expect(one(&v, "goenv", &r), "ok", &["does not exist"], &r);
    expect(
        one(&v, "env", &r),
        "ok",
        &["no build-affecting variable"],
        &r,
    );
    let hostos = sh("go", &["env", "GOHOSTOS"]);
    let hostarch = sh("go", &["env", "GOHOSTARCH"]);
    expect(
        one(&v, "host", &r),
        "ok",
        &[
            &format!("GOHOSTOS={}", hostos.trim()),
            &format!("GOHOSTARCH={}", hostarch.trim()),
        ],
        &r,
    );
    one(&v, "cache.GOCACHE", &r);
    one(&v, "cache.GOMODCACHE", &r);
    expect(
        one(&v, "profile", &r),
        "ok",
        &["`golden`", "linux/arm64"],
        &r,
    );
    expect(one(&v, "profile.go", &r), "ok", &[], &r);
    expect(
        one(&v, "cgo.linux/arm64", &r),
        "ok",
        &["not needed (cgo = false)"],
        &r,
    );
    one(&v, "qemu.linux/arm64", &r);

    // The same findings on the human screen, one line each, on stdout.
    let h = run_env(p.path(), &["doctor"], &env);
    h.code(0);
    h.stdout_has("  ok    go ").stdout_has(" 0 errors");
    assert!(
        !h.stdout.contains("  error "),
        "no error lines on a clean screen\n{h}"
    );
}

#[test]
fn fake_goroot_is_an_error() {
    let p = Project::copy_of("hello");
    let fake = p.path().join("old-go");
    std::fs::create_dir_all(&fake).unwrap();
    std::fs::write(
        fake.join("VERSION"),
        "go1.19.0\ntime 2022-08-02T16:54:33Z\n",
    )
    .unwrap();
    let mut env = clean_env(p.path());
    env.insert("GOROOT".into(), fake.display().to_string());
    doctor_line(
        p.path(),
        &env,
        1,
        "goroot",
        "error",
        &[
            &fake.display().to_string(),
            "go1.19.0",
            "syscall table offset",
            "unset GOROOT",
        ],
    );
    let h = run_env(p.path(), &["doctor"], &env);
    h.code(1).stdout_has("  error goroot");

    // GOROOT exported as the toolchain's own root is harmless.
    let own = sh("go", &["env", "GOROOT"]);
    env.insert("GOROOT".into(), own.trim().to_string());
    doctor_line(p.path(), &env, 0, "goroot", "ok", &["own root"]);

    // Another copy of the same release: a warning.
    let copy = p.path().join("copy-go");
    std::fs::create_dir_all(&copy).unwrap();
    let version = sh("go", &["env", "GOVERSION"]);
    std::fs::write(copy.join("VERSION"), format!("{}\n", version.trim())).unwrap();
    env.insert("GOROOT".into(), copy.display().to_string());
    doctor_line(
        p.path(),
        &env,
        0,
        "goroot",
        "warn",
        &["another copy of the same release", "unset GOROOT"],
    );

    // A GOROOT that does not exist makes plain go fail outright.
    env.insert(
        "GOROOT".into(),
        p.path().join("nowhere").display().to_string(),
    );
    doctor_line(p.path(), &env, 1, "goroot", "error", &["unset GOROOT"]);
}

#[test]
fn goenv_file_with_goarch_warns() {
    let p = Project::copy_of("hello");
    let file = p.path().join("go-env");
    std::fs::write(
        &file,
        "GOARCH=386\nGOPROXY=off\nGOTELEMETRY=off\nGOTOOLCHAIN=local\n",
    )
    .unwrap();
    let mut env = clean_env(p.path());
    env.insert("GOENV".into(), file.display().to_string());
    let (r, v) = doctor(p.path(), &[], &env);
    r.code(0);
    let shown = file.display().to_string();
    expect(
        one(&v, "goenv", &r),
        "ok",
        &[
            &shown,
            "4 keys",
            "GOARCH, GOPROXY, GOTELEMETRY, GOTOOLCHAIN",
        ],
        &r,
    );
    expect(
        one(&v, "goenv.GOARCH", &r),
        "warn",
        &[
            "GOARCH=386",
            &shown,
            "GOARCH=386 instead",
            "go env -u GOARCH",
        ],
        &r,
    );
    expect(
        one(&v, "goenv.GOPROXY", &r),
        "ok",
        &["honoured by xbuild-go builds"],
        &r,
    );
    expect(one(&v, "goenv.GOTELEMETRY", &r), "ok", &["ignored"], &r);
    expect(
        one(&v, "goenv.GOTOOLCHAIN", &r),
        "ok",
        &["what xbuild-go builds use too"],
        &r,
    );

    // A go env -w file that cannot be read breaks plain go commands.
    env.insert("GOENV".into(), p.path().display().to_string());
    let (r, v) = doctor(p.path(), &[], &env);
    expect(one(&v, "goenv", &r), "warn", &["cannot read"], &r);
}

#[test]
fn second_go_on_path_is_listed_with_its_version() {
    let p = Project::copy_of("hello");
    let fake_bin = p.path().join("fake-bin");
    let fake = fake_bin.join("go");
    write_script(&fake, "#!/bin/sh\necho 'go version go1.20.1 linux/amd64'\n");
    let real = real_go();
    let mut env = clean_env(p.path());
    let path = env.get("PATH").cloned().unwrap_or_default();

    // After the real one: shadowed, listed with its version.
    env.insert("PATH".into(), format!("{path}:{}", fake_bin.display()));
    let (r, v) = doctor_line(
        p.path(),
        &env,
        0,
        "go",
        "ok",
        &[&real.display().to_string(), "first on PATH"],
    );
    let other = go_other_naming(&v, &fake, &r);
    expect(other, "warn", &["go1.20.1", "shadowed"], &r);

    // Before it, with XBUILD_GO_GO choosing the real one: plain go runs the fake.
    env.insert("PATH".into(), format!("{}:{path}", fake_bin.display()));
    env.insert("XBUILD_GO_GO".into(), real.display().to_string());
    let (r, v) = doctor_line(p.path(), &env, 0, "go", "ok", &["from XBUILD_GO_GO"]);
    let other = go_other_naming(&v, &fake, &r);
    expect(other, "warn", &["go1.20.1", "first on PATH"], &r);

    // A second copy of the same release is only listed.
    let version = sh("go", &["env", "GOVERSION"]);
    write_script(
        &fake,
        &format!(
            "#!/bin/sh\necho 'go version {} linux/amd64'\n",
            version.trim()
        ),
    );
    env.remove("XBUILD_GO_GO");
    env.insert("PATH".into(), format!("{path}:{}", fake_bin.display()));
    let (r, v) = doctor(p.path(), &[], &env);
    let other = go_other_naming(&v, &fake, &r);
    expect(other, "ok", &["the same release"], &r);

    // --go wins over the variable, and says so.
    env.insert("XBUILD_GO_GO".into(), real.display().to_string());
    let (r, v) = doctor(p.path(), &["--go", &real.display().to_string()], &env);
    expect(one(&v, "go", &r), "ok", &["from --go"], &r);
}

#[test]
fn exported_build_variables_warn_with_their_effect() {
    let p = Project::copy_of("hello");
    // (variable, value, words of the effect, whether the value may be shown): only
    // plain settings are shown; GOFLAGS or CC could carry anything, secrets included.
    let cases: &[(&str, &str, &str, bool)] = &[
        ("GOFLAGS", "-race", "add its flags to every go build", false),
        ("GOOS", "windows", "GOOS=windows instead", true),
        ("GOARCH", "386", "GOARCH=386 instead", true),
        ("CGO_ENABLED", "1", "link libc", true),
        ("GOARM", "5", "ARMv5", true),
        ("GOAMD64", "v3", "GOAMD64=v3", true),
        ("CC", "clang", "run its command as the C compiler", false),
    ];
    for (name, value, effect, shown) in cases {
        let mut env = clean_env(p.path());
        env.insert(name.to_string(), value.to_string());
        let (r, v) = doctor(p.path(), &[], &env);
        r.code(0);
        let line = one(&v, &format!("env.{name}"), &r);
        let exported = if *shown {
            value.to_string()
        } else {
            "exported (value not shown)".to_string()
        };
        expect(
            line,
            "warn",
            &[
                &exported,
                effect,
                "xbuild-go builds drop it",
                &format!("unset {name}"),
            ],
            &r,
        );
        if !shown {
            assert!(
                !r.stdout.contains(value),
                "{name}'s value {value:?} is printed\n{r}"
            );
        }
        assert!(all(&v, "env").is_empty(), "no `env` all-clear line\n{r}");
    }

    // Empty is no effect; GOTOOLCHAIN=local is what builds use; pass-env lets CC through.
    p.file("xbuild-go.toml", "[profile.golden]\npass-env = [\"CC\"]\n");
    let mut env = clean_env(p.path());
    env.insert("GOFLAGS".into(), String::new());
    env.insert("GOTOOLCHAIN".into(), "local".into());
    env.insert("CC".into(), "clang".into());
    let (r, v) = doctor_line(p.path(), &env, 0, "env.GOFLAGS", "ok", &["empty"]);
    expect(one(&v, "env.GOTOOLCHAIN", &r), "ok", &["use too"], &r);
    expect(one(&v, "env.CC", &r), "ok", &["pass-env"], &r);
}

#[test]
fn unmet_go_requirement_is_an_error() {
    let p = Project::copy_of("hello");
    p.file("xbuild-go.toml", "[profile.golden]\ngo = \">=1.999\"\n");
    let env = clean_env(p.path());
    doctor_line(
        p.path(),
        &env,
        1,
        "profile.go",
        "error",
        &[">=1.999", "xbuild-go.toml:2", "install a matching Go"],
    );
    run_env(p.path(), &["doctor"], &env)
        .code(1)
        .stdout_has("  error profile.go");

    // A requirement the go found meets.
    p.file("xbuild-go.toml", "[profile.golden]\ngo = \">=1.21\"\n");
    doctor_line(
        p.path(),
        &env,
        0,
        "profile.go",
        "ok",
        &[">=1.21", "meets it"],
    );

    // A pinned release that is not downloaded cannot be fetched with GOPROXY=off.
    p.file("xbuild-go.toml", "[profile.golden]\ngo = \"1.22.12\"\n");
    let mut env = env.clone();
    env.insert(
        "GOMODCACHE".into(),
        p.path().join("empty-modcache").display().to_string(),
    );
    env.insert("GOPROXY".into(), "off".into());
    doctor_line(
        p.path(),
        &env,
        0,
        "profile.go",
        "warn",
        &[
            "pinned to go1.22.12",
            "GOPROXY=off",
            "GOTOOLCHAIN=go1.22.12 go version",
        ],
    );
}

#[test]
fn a_profile_that_does_not_resolve_is_an_error_line() {
    let p = Project::copy_of("hello");
    let env = clean_env(p.path());
    let (r, v) = doctor(p.path(), &["--profile", "nosuch"], &env);
    r.code(1);
    expect(one(&v, "profile", &r), "error", &["nosuch"], &r);
    one(&v, "go", &r);
}

#[test]
fn cgo_needs_a_c_compiler_for_each_target() {
    let p = Project::copy_of("hello");
    let env = clean_env(p.path());

    // A CC that is not installed.
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\ncgo = true\ntargets = [\"linux/arm64\"]\nenv = { CC = \"no-such-gcc-xbuild\" }\n",
    );
    doctor_line(
        p.path(),
        &env,
        1,
        "cgo.linux/arm64",
        "error",
        &["no-such-gcc-xbuild", "not found", "gcc-aarch64-linux-gnu"],
    );

    // No CC, no cross gcc and no zig for a cross target: both ways are named.
    let cross = if host_goarch() == "arm64" {
        "linux/riscv64"
    } else {
        "linux/arm64"
    };
    p.file(
        "xbuild-go.toml",
        &format!("[profile.golden]\ncgo = true\ntargets = [\"{cross}\"]\n"),
    );
    let bare = p.path().join("go-only-bin");
    std::fs::create_dir_all(&bare).unwrap();
    std::os::unix::fs::symlink(real_go(), bare.join("go")).unwrap();
    let mut bare_env = env.clone();
    bare_env.insert("PATH".into(), bare.display().to_string());
    let (r, v) = doctor(p.path(), &[], &bare_env);
    r.code(1);
    expect(
        one(&v, &format!("cgo.{cross}"), &r),
        "error",
        &[
            "no C compiler for it was found",
            "apt-get install gcc-",
            "pip install ziglang",
        ],
        &r,
    );
    expect(
        one(&v, "zig", &r),
        "ok",
        &["zig was not found", "pip install ziglang"],
        &r,
    );
    // A zig too old to drive is a warning on its own line, and no way out for musl.
    let old = p.path().join("old-zig");
    write_script(&old, "#!/bin/sh\necho 0.9.1\n");
    bare_env.insert("XBUILD_GO_ZIG".into(), old.display().to_string());
    p.file(
        "xbuild-go.toml",
        &format!("[profile.golden]\ncgo = true\nlibc = \"musl\"\ntargets = [\"{cross}\"]\n"),
    );
    let (r, v) = doctor(p.path(), &[], &bare_env);
    r.code(1);
    expect(one(&v, "zig", &r), "warn", &["zig 0.9.1, too old"], &r);
    expect(
        one(&v, &format!("cgo.{cross}"), &r),
        "error",
        &["too old"],
        &r,
    );
    // With the cross compiler installed, cc = "auto" picks it.
    if which("aarch64-linux-gnu-gcc").is_some() {
        p.file(
            "xbuild-go.toml",
            "[profile.golden]\ncgo = true\ntargets = [\"linux/arm64\"]\n",
        );
        let (r, v) = doctor(p.path(), &[], &env);
        expect(
            one(&v, "cgo.linux/arm64", &r),
            "ok",
            &[
                "(built-in golden profile): Debian's cross gcc for linux/arm64",
                "aarch64-linux-gnu-gcc",
                "installed: cross gcc",
            ],
            &r,
        );
    }

    // Not needed, but a CC the profile names is missing: a warning.
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\ncgo = false\ntargets = [\"linux/arm64\"]\nenv = { CC = \"no-such-gcc-xbuild\" }\n",
    );
    doctor_line(
        p.path(),
        &env,
        0,
        "cgo.linux/arm64",
        "warn",
        &["not needed (cgo = false)", "no-such-gcc-xbuild"],
    );

    // A native cgo build runs go's default compiler.
    let native = format!("linux/{}", host_goarch());
    p.file(
        "xbuild-go.toml",
        &format!("[profile.golden]\ncgo = true\ntargets = [\"{native}\"]\n"),
    );
    let (r, v) = doctor(p.path(), &[], &env);
    let c = one(&v, &format!("cgo.{native}"), &r);
    if which("gcc").is_some() {
        r.code(0);
        expect(c, "ok", &["native build, the host's gcc"], &r);
    } else {
        r.code(1);
        expect(c, "error", &["`gcc` is not on PATH"], &r);
    }

    // A CC that is installed: the real go stands in for a compiler that exists.
    let real = real_go();
    p.file(
        "xbuild-go.toml",
        &format!(
            "[profile.golden]\ncgo = true\ntargets = [\"linux/arm64\"]\nenv = {{ CC = \"{}\" }}\n",
            real.display()
        ),
    );
    doctor_line(p.path(), &env, 0, "cgo.linux/arm64", "ok", &["env.CC ("]);
}

#[test]
fn qemu_presence_is_reported_per_target() {
    let p = Project::copy_of("hello");
    let env = clean_env(p.path());
    let (r, v) = doctor(p.path(), &["--target", "linux/arm64,darwin/arm64"], &env);
    r.code(0);
    let c = one(&v, "qemu.linux/arm64", &r);
    if host_goarch() == "arm64" {
        expect(c, "ok", &["native"], &r);
    } else if which("qemu-aarch64-static").is_some() {
        expect(c, "ok", &["qemu-aarch64-static"], &r);
    } else if which("qemu-aarch64").is_some() {
        expect(c, "ok", &["qemu-aarch64"], &r);
    } else {
        expect(c, "warn", &["qemu-aarch64-static", "qemu-user-static"], &r);
    }
    expect(
        one(&v, "qemu.darwin/arm64", &r),
        "ok",
        &["skipped", "qemu-user cannot run Mach-O files"],
        &r,
    );
    let native = format!("linux/{}", host_goarch());
    let (r, v) = doctor(p.path(), &["--target", &native], &env);
    expect(
        one(&v, &format!("qemu.{native}"), &r),
        "ok",
        &["native"],
        &r,
    );

    // With only go's own directory on PATH there is no emulator: a warning, never an error.
    if host_goarch() != "arm64" {
        let mut bare = env.clone();
        let go_dir = real_go().parent().unwrap().display().to_string();
        bare.insert("PATH".into(), go_dir);
        let (r, v) = doctor(p.path(), &["--target", "linux/arm64"], &bare);
        r.code(0);
        expect(
            one(&v, "qemu.linux/arm64", &r),
            "warn",
            &["qemu-aarch64-static", "apt-get install qemu-user-static"],
            &r,
        );
    }
}

#[test]
fn go_binary_and_its_root_disagree() {
    let p = Project::copy_of("hello");
    let root = p.path().join("mixed-go");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("VERSION"), "go1.19.0\n").unwrap();
    let cache = p.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let go = root.join("bin/go");
    write_script(
        &go,
        &format!(
            "#!/bin/sh\ncase \"$1\" in\n\
             version) echo 'go version go1.20.1 linux/amd64' ;;\n\
             env) echo '{{\"GOROOT\":\"{root}\",\"GOHOSTOS\":\"linux\",\"GOHOSTARCH\":\"amd64\",\
             \"GOCACHE\":\"{cache}\",\"GOMODCACHE\":\"{cache}\",\"GOVERSION\":\"go1.20.1\",\"GOPROXY\":\"off\"}}' ;;\n\
             *) exit 2 ;;\nesac\n",
            root = root.display(),
            cache = cache.display()
        ),
    );
    let env = clean_env(p.path());
    let (r, v) = doctor(p.path(), &["--go", &go.display().to_string()], &env);
    r.code(1);
    expect(one(&v, "go", &r), "ok", &["from --go", "go1.20.1"], &r);
    expect(
        one(&v, "go.version", &r),
        "error",
        &[
            "go1.20.1",
            "go1.19.0",
            "syscall table offset",
            "reinstall Go",
        ],
        &r,
    );
}

#[test]
fn missing_go_is_an_error_but_the_rest_is_still_reported() {
    let p = Project::copy_of("hello");
    let mut env = clean_env(p.path());
    let empty = p.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    env.insert("PATH".into(), empty.display().to_string());
    let (r, v) = doctor_line(
        p.path(),
        &env,
        1,
        "go",
        "error",
        &["not found", "install Go"],
    );
    one(&v, "goenv", &r);
    one(&v, "profile", &r);
    one(&v, "cgo.linux/arm64", &r);
    one(&v, "qemu.linux/arm64", &r);

    env.insert("XBUILD_GO_GO".into(), "/nonexistent/go".into());
    doctor_line(
        p.path(),
        &env,
        1,
        "go",
        "error",
        &["XBUILD_GO_GO", "/nonexistent/go"],
    );
}

#[test]
fn caches_report_size_and_writability() {
    let p = Project::copy_of("hello");
    let cache = p.path().join("cache");
    std::fs::create_dir_all(cache.join("00")).unwrap();
    std::fs::write(cache.join("00/a-d"), vec![0u8; 3 * 1024]).unwrap();
    let mut env = clean_env(p.path());
    env.insert("GOCACHE".into(), cache.display().to_string());
    doctor_line(
        p.path(),
        &env,
        0,
        "cache.GOCACHE",
        "ok",
        &[
            &cache.display().to_string(),
            "3.0 KiB in 1 file",
            "writable",
        ],
    );

    // Under a regular file the cache can never be created: every go build would fail.
    let blocked = p.path().join("go.mod").join("cache");
    env.insert("GOCACHE".into(), blocked.display().to_string());
    doctor_line(
        p.path(),
        &env,
        1,
        "cache.GOCACHE",
        "error",
        &["cannot be created", "point GOCACHE at a writable directory"],
    );

    env.insert("GOCACHE".into(), "off".into());
    doctor_line(
        p.path(),
        &env,
        1,
        "cache.GOCACHE",
        "error",
        &["GOCACHE=off"],
    );
}

#[test]
fn a_go_that_does_not_run_is_an_error() {
    let p = Project::copy_of("hello");
    // An executable of no known format: exec fails as it would for a go built for
    // another machine.
    let bad = p.path().join("bad-go/bin/go");
    write_script(&bad, "");
    std::fs::write(&bad, b"\x7fELF\x02\x01\x01garbage").unwrap();
    let env = clean_env(p.path());
    let (r, v) = doctor(p.path(), &["--go", &bad.display().to_string()], &env);
    r.code(1);
    expect(
        one(&v, "go.version", &r),
        "error",
        &["does not run", &bad.display().to_string()],
        &r,
    );
    expect(one(&v, "host", &r), "error", &["`go env` fails"], &r);

    // One later on PATH that fails is listed as such.
    let failing_bin = p.path().join("failing-bin");
    write_script(
        &failing_bin.join("go"),
        "#!/bin/sh\necho boom >&2\nexit 3\n",
    );
    let mut env = clean_env(p.path());
    let path = env.get("PATH").cloned().unwrap_or_default();
    env.insert("PATH".into(), format!("{path}:{}", failing_bin.display()));
    let (r, v) = doctor(p.path(), &[], &env);
    r.code(0);
    let other = all(&v, "go.other")
        .into_iter()
        .find(|c| c["message"].as_str().unwrap_or("").contains("failing-bin"))
        .unwrap_or_else(|| panic!("the failing go is not listed\n{r}"));
    expect(other, "warn", &["does not run", "status 3", "boom"], &r);
}
