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

/// One `doctor --message-format json` run and its one object.
struct Doctor {
    r: Run,
    v: Value,
}

impl std::fmt::Display for Doctor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.r.fmt(f)
    }
}

/// Runs `doctor --message-format json ARGS` and checks the object's frame: one object,
/// every line at a known level with a message, a fix exactly on warn and error lines,
/// and `ok` agreeing with the lines.
fn doctor(cwd: &Path, args: &[&str], env: &BTreeMap<String, String>) -> Doctor {
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
    Doctor { r, v }
}

impl Doctor {
    /// It exited `want`.
    fn code(&self, want: i32) -> &Self {
        self.r.code(want);
        self
    }

    /// Every check with `id`.
    fn all(&self, id: &str) -> Vec<&Value> {
        self.v["checks"]
            .as_array()
            .map(|cs| cs.iter().filter(|c| c["id"] == id).collect())
            .unwrap_or_default()
    }

    /// The one check with `id`.
    fn one(&self, id: &str) -> &Value {
        let found = self.all(id);
        assert_eq!(found.len(), 1, "expected one `{id}` line\n{self}");
        found[0]
    }

    /// `c` is at `level` and names every needle in its message or fix.
    fn expect(&self, c: &Value, level: &str, needles: &[&str]) {
        assert_eq!(c["level"], level, "level of {c}\n{self}");
        let text = format!("{} {}", c["message"], c["fix"]);
        for n in needles {
            assert!(text.contains(n), "{c} lacks {n:?}\n{self}");
        }
    }

    /// Its one `id` line is at `level` and names every needle.
    fn line(&self, id: &str, level: &str, needles: &[&str]) -> &Self {
        self.expect(self.one(id), level, needles);
        self
    }

    /// The `go.other` line naming `go`.
    fn go_other(&self, go: &Path) -> &Value {
        self.all("go.other")
            .into_iter()
            .find(|c| {
                c["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains(&*go.to_string_lossy())
            })
            .unwrap_or_else(|| panic!("the fake go is not listed\n{self}"))
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
    let d = doctor(p.path(), &[], &env);
    d.code(0);
    assert_eq!(d.v["ok"], true, "{d}");
    for c in d.v["checks"].as_array().unwrap() {
        assert_ne!(
            c["level"], "error",
            "a clean environment has no errors: {c}\n{d}"
        );
    }
    let go = real_go();
    d.line("go", "ok", &[&go.display().to_string(), "first on PATH"]);
    d.line("go.version", "ok", &["VERSION"]);
    d.line("goroot", "ok", &["not set"]);
    d.line("goenv", "ok", &["does not exist"]);
    d.line("env", "ok", &["no build-affecting variable"]);
    let hostos = sh("go", &["env", "GOHOSTOS"]);
    let hostarch = sh("go", &["env", "GOHOSTARCH"]);
    d.line(
        "host",
        "ok",
        &[
            &format!("GOHOSTOS={}", hostos.trim()),
            &format!("GOHOSTARCH={}", hostarch.trim()),
        ],
    );
    d.one("cache.GOCACHE");
    d.one("cache.GOMODCACHE");
    d.line("profile", "ok", &["`golden`", "linux/arm64"]);
    d.line("profile.go", "ok", &[]);
    d.line("cgo.linux/arm64", "ok", &["not needed (cgo = false)"]);
    d.one("qemu.linux/arm64");

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
    doctor(p.path(), &[], &env).code(1).line(
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
    doctor(p.path(), &[], &env)
        .code(0)
        .line("goroot", "ok", &["own root"]);

    // Another copy of the same release: a warning.
    let copy = p.path().join("copy-go");
    std::fs::create_dir_all(&copy).unwrap();
    let version = sh("go", &["env", "GOVERSION"]);
    std::fs::write(copy.join("VERSION"), format!("{}\n", version.trim())).unwrap();
    env.insert("GOROOT".into(), copy.display().to_string());
    doctor(p.path(), &[], &env).code(0).line(
        "goroot",
        "warn",
        &["another copy of the same release", "unset GOROOT"],
    );

    // A GOROOT that does not exist makes plain go fail outright.
    env.insert(
        "GOROOT".into(),
        p.path().join("nowhere").display().to_string(),
    );
    doctor(p.path(), &[], &env)
        .code(1)
        .line("goroot", "error", &["unset GOROOT"]);
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
    let d = doctor(p.path(), &[], &env);
    d.code(0);
    let shown = file.display().to_string();
    d.line(
        "goenv",
        "ok",
        &[
            &shown,
            "4 keys",
            "GOARCH, GOPROXY, GOTELEMETRY, GOTOOLCHAIN",
        ],
    );
    d.line(
        "goenv.GOARCH",
        "warn",
        &[
            "GOARCH=386",
            &shown,
            "GOARCH=386 instead",
            "go env -u GOARCH",
        ],
    );
    d.line("goenv.GOPROXY", "ok", &["honoured by xbuild-go builds"]);
    d.line("goenv.GOTELEMETRY", "ok", &["ignored"]);
    d.line(
        "goenv.GOTOOLCHAIN",
        "ok",
        &["what xbuild-go builds use too"],
    );

    // A go env -w file that cannot be read breaks plain go commands.
    env.insert("GOENV".into(), p.path().display().to_string());
    let d = doctor(p.path(), &[], &env);
    d.line("goenv", "warn", &["cannot read"]);
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
    let d = doctor(p.path(), &[], &env);
    d.code(0)
        .line("go", "ok", &[&real.display().to_string(), "first on PATH"]);
    let other = d.go_other(&fake);
    d.expect(other, "warn", &["go1.20.1", "shadowed"]);

    // Before it, with XBUILD_GO_GO choosing the real one: plain go runs the fake.
    env.insert("PATH".into(), format!("{}:{path}", fake_bin.display()));
    env.insert("XBUILD_GO_GO".into(), real.display().to_string());
    let d = doctor(p.path(), &[], &env);
    d.code(0).line("go", "ok", &["from XBUILD_GO_GO"]);
    let other = d.go_other(&fake);
    d.expect(other, "warn", &["go1.20.1", "first on PATH"]);

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
    let d = doctor(p.path(), &[], &env);
    let other = d.go_other(&fake);
    d.expect(other, "ok", &["the same release"]);

    // --go wins over the variable, and says so.
    env.insert("XBUILD_GO_GO".into(), real.display().to_string());
    let d = doctor(p.path(), &["--go", &real.display().to_string()], &env);
    d.line("go", "ok", &["from --go"]);
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
        let d = doctor(p.path(), &[], &env);
        d.code(0);
        let line = d.one(&format!("env.{name}"));
        let exported = if *shown {
            value.to_string()
        } else {
            "exported (value not shown)".to_string()
        };
        d.expect(
            line,
            "warn",
            &[
                &exported,
                effect,
                "xbuild-go builds drop it",
                &format!("unset {name}"),
            ],
        );
        if !shown {
            assert!(
                !d.r.stdout.contains(value),
                "{name}'s value {value:?} is printed\n{d}"
            );
        }
        assert!(d.all("env").is_empty(), "no `env` all-clear line\n{d}");
    }

    // Empty is no effect; GOTOOLCHAIN=local is what builds use; pass-env lets CC through.
    p.file("xbuild-go.toml", "[profile.golden]\npass-env = [\"CC\"]\n");
    let mut env = clean_env(p.path());
    env.insert("GOFLAGS".into(), String::new());
    env.insert("GOTOOLCHAIN".into(), "local".into());
    env.insert("CC".into(), "clang".into());
    let d = doctor(p.path(), &[], &env);
    d.code(0).line("env.GOFLAGS", "ok", &["empty"]);
    d.line("env.GOTOOLCHAIN", "ok", &["use too"]);
    d.line("env.CC", "ok", &["pass-env"]);
}

#[test]
fn unmet_go_requirement_is_an_error() {
    let p = Project::copy_of("hello");
    p.file("xbuild-go.toml", "[profile.golden]\ngo = \">=1.999\"\n");
    let env = clean_env(p.path());
    doctor(p.path(), &[], &env).code(1).line(
        "profile.go",
        "error",
        &[">=1.999", "xbuild-go.toml:2", "install a matching Go"],
    );
    run_env(p.path(), &["doctor"], &env)
        .code(1)
        .stdout_has("  error profile.go");

    // A requirement the go found meets.
    p.file("xbuild-go.toml", "[profile.golden]\ngo = \">=1.21\"\n");
    doctor(p.path(), &[], &env)
        .code(0)
        .line("profile.go", "ok", &[">=1.21", "meets it"]);

    // A pinned release that is not downloaded cannot be fetched with GOPROXY=off.
    p.file("xbuild-go.toml", "[profile.golden]\ngo = \"1.22.12\"\n");
    let mut env = env.clone();
    env.insert(
        "GOMODCACHE".into(),
        p.path().join("empty-modcache").display().to_string(),
    );
    env.insert("GOPROXY".into(), "off".into());
    doctor(p.path(), &[], &env).code(0).line(
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
    let d = doctor(p.path(), &["--profile", "nosuch"], &env);
    d.code(1);
    d.line("profile", "error", &["nosuch"]);
    d.one("go");
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
    doctor(p.path(), &[], &env).code(1).line(
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
    let d = doctor(p.path(), &[], &bare_env);
    d.code(1);
    d.line(
        &format!("cgo.{cross}"),
        "error",
        &[
            "no C compiler for it was found",
            "apt-get install gcc-",
            "pip install ziglang",
        ],
    );
    d.line("zig", "ok", &["zig was not found", "pip install ziglang"]);
    // A zig too old to drive is a warning on its own line, and no way out for musl.
    let old = p.path().join("old-zig");
    write_script(&old, "#!/bin/sh\necho 0.9.1\n");
    bare_env.insert("XBUILD_GO_ZIG".into(), old.display().to_string());
    p.file(
        "xbuild-go.toml",
        &format!("[profile.golden]\ncgo = true\nlibc = \"musl\"\ntargets = [\"{cross}\"]\n"),
    );
    let d = doctor(p.path(), &[], &bare_env);
    d.code(1);
    d.line("zig", "warn", &["zig 0.9.1, too old"]);
    d.line(&format!("cgo.{cross}"), "error", &["too old"]);
    // With the cross compiler installed, cc = "auto" picks it.
    if which("aarch64-linux-gnu-gcc").is_some() {
        p.file(
            "xbuild-go.toml",
            "[profile.golden]\ncgo = true\ntargets = [\"linux/arm64\"]\n",
        );
        let d = doctor(p.path(), &[], &env);
        d.line(
            "cgo.linux/arm64",
            "ok",
            &[
                "(built-in golden profile): Debian's cross gcc for linux/arm64",
                "aarch64-linux-gnu-gcc",
                "installed: cross gcc",
            ],
        );
    }

    // Not needed, but a CC the profile names is missing: a warning.
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\ncgo = false\ntargets = [\"linux/arm64\"]\nenv = { CC = \"no-such-gcc-xbuild\" }\n",
    );
    doctor(p.path(), &[], &env).code(0).line(
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
    let d = doctor(p.path(), &[], &env);
    let c = d.one(&format!("cgo.{native}"));
    if which("gcc").is_some() {
        d.code(0);
        d.expect(c, "ok", &["native build, the host's gcc"]);
    } else {
        d.code(1);
        d.expect(c, "error", &["`gcc` is not on PATH"]);
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
    doctor(p.path(), &[], &env)
        .code(0)
        .line("cgo.linux/arm64", "ok", &["env.CC ("]);
}

#[test]
fn qemu_presence_is_reported_per_target() {
    let p = Project::copy_of("hello");
    let env = clean_env(p.path());
    let d = doctor(p.path(), &["--target", "linux/arm64,darwin/arm64"], &env);
    d.code(0);
    let c = d.one("qemu.linux/arm64");
    if host_goarch() == "arm64" {
        d.expect(c, "ok", &["native"]);
    } else if which("qemu-aarch64-static").is_some() {
        d.expect(c, "ok", &["qemu-aarch64-static"]);
    } else if which("qemu-aarch64").is_some() {
        d.expect(c, "ok", &["qemu-aarch64"]);
    } else {
        d.expect(c, "warn", &["qemu-aarch64-static", "qemu-user-static"]);
    }
    d.line(
        "qemu.darwin/arm64",
        "ok",
        &["skipped", "qemu-user cannot run Mach-O files"],
    );
    let native = format!("linux/{}", host_goarch());
    let d = doctor(p.path(), &["--target", &native], &env);
    d.line(&format!("qemu.{native}"), "ok", &["native"]);

    // With only go's own directory on PATH there is no emulator: a warning, never an error.
    if host_goarch() != "arm64" {
        let mut bare = env.clone();
        let go_dir = real_go().parent().unwrap().display().to_string();
        bare.insert("PATH".into(), go_dir);
        let d = doctor(p.path(), &["--target", "linux/arm64"], &bare);
        d.code(0);
        d.line(
            "qemu.linux/arm64",
            "warn",
            &["qemu-aarch64-static", "apt-get install qemu-user-static"],
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
    let d = doctor(p.path(), &["--go", &go.display().to_string()], &env);
    d.code(1);
    d.line("go", "ok", &["from --go", "go1.20.1"]);
    d.line(
        "go.version",
        "error",
        &[
            "go1.20.1",
            "go1.19.0",
            "syscall table offset",
            "reinstall Go",
        ],
    );
}

#[test]
fn missing_go_is_an_error_but_the_rest_is_still_reported() {
    let p = Project::copy_of("hello");
    let mut env = clean_env(p.path());
    let empty = p.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    env.insert("PATH".into(), empty.display().to_string());
    let d = doctor(p.path(), &[], &env);
    d.code(1).line("go", "error", &["not found", "install Go"]);
    d.one("goenv");
    d.one("profile");
    d.one("cgo.linux/arm64");
    d.one("qemu.linux/arm64");

    env.insert("XBUILD_GO_GO".into(), "/nonexistent/go".into());
    doctor(p.path(), &[], &env)
        .code(1)
        .line("go", "error", &["XBUILD_GO_GO", "/nonexistent/go"]);
}

#[test]
fn caches_report_size_and_writability() {
    let p = Project::copy_of("hello");
    let cache = p.path().join("cache");
    std::fs::create_dir_all(cache.join("00")).unwrap();
    std::fs::write(cache.join("00/a-d"), vec![0u8; 3 * 1024]).unwrap();
    let mut env = clean_env(p.path());
    env.insert("GOCACHE".into(), cache.display().to_string());
    doctor(p.path(), &[], &env).code(0).line(
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
    doctor(p.path(), &[], &env).code(1).line(
        "cache.GOCACHE",
        "error",
        &["cannot be created", "point GOCACHE at a writable directory"],
    );

    env.insert("GOCACHE".into(), "off".into());
    doctor(p.path(), &[], &env)
        .code(1)
        .line("cache.GOCACHE", "error", &["GOCACHE=off"]);
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
    let d = doctor(p.path(), &["--go", &bad.display().to_string()], &env);
    d.code(1);
    d.line(
        "go.version",
        "error",
        &["does not run", &bad.display().to_string()],
    );
    d.line("host", "error", &["`go env` fails"]);

    // One later on PATH that fails is listed as such.
    let failing_bin = p.path().join("failing-bin");
    write_script(
        &failing_bin.join("go"),
        "#!/bin/sh\necho boom >&2\nexit 3\n",
    );
    let mut env = clean_env(p.path());
    let path = env.get("PATH").cloned().unwrap_or_default();
    env.insert("PATH".into(), format!("{path}:{}", failing_bin.display()));
    let d = doctor(p.path(), &[], &env);
    d.code(0);
    let other = d
        .all("go.other")
        .into_iter()
        .find(|c| c["message"].as_str().unwrap_or("").contains("failing-bin"))
        .unwrap_or_else(|| panic!("the failing go is not listed\n{d}"));
    d.expect(other, "warn", &["does not run", "status 3", "boom"]);
}
