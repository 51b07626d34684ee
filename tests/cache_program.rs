//! Issue 22: a shared remote Go build cache (GOCACHEPROG). Real parts: bradfitz's
//! go-cacher and go-cacher-server at the version RECIPES.md pins, installed with `go
//! install` through the module proxy into a tests-only directory (or found in
//! `$XBUILD_GO_CACHER_DIR`, where `.ci/run` installs them); the server on 127.0.0.1 with
//! a free port and a temp dir. Two "runners" build the same profile from copies of the
//! same module with their own HOME, GOCACHE, GOMODCACHE and go-cacher disk directory.
//! Small shell programs stand in for a cache program that logs its environment, one
//! that hangs, and one that is missing.

mod util;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use util::registry::free_port;
use util::{base_env, bin, copy_dir, fixture, in_ci, repo, run_env, Run};

/// The pinned go-tool-cache version (RECIPES.md, "A remote Go build cache").
const GO_CACHER_VERSION: &str = "v0.0.0-20260722201841-0bb331e19f64";
const GO_CACHER_MODULE: &str = "github.com/bradfitz/go-tool-cache";

/// The directory holding go-cacher and go-cacher-server: `$XBUILD_GO_CACHER_DIR`, else
/// installed once into target/go-cacher-tests/bin. None (and a SKIP line) when neither
/// works outside CI; under CI=true a missing server fails the test.
fn go_cacher_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = DIR.get_or_init(|| {
        let has = |d: &Path| d.join("go-cacher").is_file() && d.join("go-cacher-server").is_file();
        if let Some(d) = std::env::var_os("XBUILD_GO_CACHER_DIR").map(PathBuf::from) {
            return if has(&d) {
                Ok(d)
            } else {
                Err(format!(
                    "XBUILD_GO_CACHER_DIR={} lacks go-cacher",
                    d.display()
                ))
            };
        }
        let dir = repo().join("target/go-cacher-tests/bin");
        if has(&dir) {
            return Ok(dir);
        }
        let mut env = util::online_env();
        env.insert("GOBIN".into(), dir.display().to_string());
        env.insert("GOFLAGS".into(), String::new());
        env.insert("GOTOOLCHAIN".into(), "local".into());
        let out = Command::new("go")
            .arg("install")
            .arg(format!(
                "{GO_CACHER_MODULE}/cmd/go-cacher@{GO_CACHER_VERSION}"
            ))
            .arg(format!(
                "{GO_CACHER_MODULE}/cmd/go-cacher-server@{GO_CACHER_VERSION}"
            ))
            .current_dir(std::env::temp_dir())
            .env_clear()
            .envs(&env)
            .output()
            .map_err(|e| format!("cannot run go install: {e}"))?;
        if !out.status.success() || !has(&dir) {
            return Err(format!(
                "go install of go-cacher failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(dir)
    });
    match found {
        Ok(d) => Some(d.clone()),
        Err(e) if in_ci() => panic!("go-cacher is required under CI=true: {e}"),
        Err(e) => {
            eprintln!("SKIP: {e}");
            None
        }
    }
}

/// A go-cacher-server on 127.0.0.1 with a free port and its own cache directory.
struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(bin_dir: &Path) -> Server {
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(bin_dir.join("go-cacher-server"))
                .args(["-listen", &format!("127.0.0.1:{port}"), "-cache-dir"])
                .arg(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start go-cacher-server");
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Server {
                        child,
                        port,
                        _dir: dir,
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("go-cacher-server did not start on any free port");
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One CI runner: its own work directory holding a copy of the module, HOME, GOCACHE,
/// GOMODCACHE and go-cacher disk directory.
struct Runner {
    root: tempfile::TempDir,
}

/// The profile both runners build: -trimpath so the two work directories give the
/// same bytes, and the cache program from the profile, found on PATH, with its local
/// disk directory beside each runner's module.
fn profile(server: &str) -> String {
    format!(
        "[profile.golden]\nflags = [\"-trimpath\"]\n\
         cache-program = \"go-cacher --cache-dir=../go-cacher-disk --cache-server={server} --verbose\"\n\
         cache-program-env = [\"CACHE_TOKEN\"]\n"
    )
}

impl Runner {
    fn new(module: &str, profile_text: &str) -> Runner {
        let root = tempfile::tempdir().unwrap();
        let src = root.path().join("src");
        copy_dir(&fixture(&format!("go/{module}")), &src);
        std::fs::write(src.join("xbuild-go.toml"), profile_text).unwrap();
        for d in ["home", "gocache", "gomodcache", "go-cacher-disk"] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        Runner { root }
    }

    fn src(&self) -> PathBuf {
        self.root.path().join("src")
    }

    fn env(&self, path_first: Option<&Path>) -> BTreeMap<String, String> {
        let mut env = base_env();
        let r = self.root.path();
        env.insert("HOME".into(), r.join("home").display().to_string());
        env.insert("GOCACHE".into(), r.join("gocache").display().to_string());
        env.insert(
            "GOMODCACHE".into(),
            r.join("gomodcache").display().to_string(),
        );
        env.remove("GOPATH");
        if let Some(first) = path_first {
            let path = env.get("PATH").cloned().unwrap_or_default();
            env.insert("PATH".into(), format!("{}:{path}", first.display()));
        }
        env
    }

    fn run(&self, args: &[&str], env: &BTreeMap<String, String>) -> Run {
        run_env(&self.src(), args, env)
    }
}

/// go-cacher's closing lines: `N gets (H hits, M misses, E errors)`; the hits of all.
fn hits(stderr: &str) -> u64 {
    stderr
        .lines()
        .filter(|l| l.contains("cacher: closing;"))
        .filter_map(|l| {
            l.split_once(" gets (")?
                .1
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

#[test]
fn two_runners_share_the_remote_cache_and_build_the_same_bytes() {
    let Some(dir) = go_cacher_dir() else { return };
    let server = Server::start(&dir);
    let text = profile(&server.url());
    let (a, b) = (Runner::new("hello", &text), Runner::new("hello", &text));
    let secret = "tok-3fa9c1d2e7b8";
    let args = [
        "-v",
        "--target",
        "linux/arm64,linux/amd64",
        "-o",
        "dist/{name}-{os}-{arch}",
        "--provenance",
        "dist/provenance.json",
        "--vsa",
        "dist/vsa.json",
    ];
    let mut runs = Vec::new();
    for r in [&a, &b] {
        let mut env = r.env(Some(&dir));
        env.insert("CACHE_TOKEN".into(), secret.into());
        let run = r.run(&args, &env);
        run.code(0)
            .stderr_has("(remote cache: go-cacher)")
            .stderr_has("cache program ")
            .stderr_has("go-cacher");
        assert!(
            !run.stderr.contains(secret) && !run.stdout.contains(secret),
            "the cache-program-env value is never printed\n{run}"
        );
        runs.push(run);
    }
    // Runner B's go-cacher served objects from the server runner A filled.
    let (a_hits, b_hits) = (hits(&runs[0].stderr), hits(&runs[1].stderr));
    assert!(
        // A's two targets may share a few objects as they build side by side.
        b_hits > 100 && b_hits > 2 * a_hits,
        "runner B shows {b_hits} cache hits, runner A {a_hits}\n{}",
        runs[1]
    );
    for name in ["hello-linux-arm64", "hello-linux-amd64"] {
        let x = std::fs::read(a.src().join("dist").join(name)).unwrap();
        let y = std::fs::read(b.src().join("dist").join(name)).unwrap();
        assert!(x == y, "{name}: runner B's bytes differ from runner A's");
    }
    // The evidence names the cache program, its sha256 and its arguments.
    let prov: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.src().join("dist/provenance.json")).unwrap())
            .unwrap();
    let caches = &prov["predicate"]["buildDefinition"]["internalParameters"]["cachePrograms"];
    let one = &caches["dist/hello-linux-arm64"];
    assert_eq!(
        one["name"], "go-cacher",
        "provenance cachePrograms: {caches:#}"
    );
    assert_eq!(one["sha256"].as_str().map(str::len), Some(64), "{caches:#}");
    assert!(
        one["args"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("--verbose"))),
        "{caches:#}"
    );
    let vsa = std::fs::read_to_string(b.src().join("dist/vsa.json")).unwrap();
    assert!(
        vsa.contains("remote cache program go-cacher"),
        "VSA note: {vsa}"
    );
    // The formats' own libraries accept both (tests/evidence.rs's validator).
    if let Some(py) = std::env::var_os("XBUILD_GO_PYTHON") {
        for (kind, file) in [
            ("provenance", "dist/provenance.json"),
            ("statement", "dist/vsa.json"),
        ] {
            let o = Command::new(&py)
                .arg(repo().join("tests/evidence/validate.py"))
                .arg(kind)
                .arg(b.src().join(file))
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{kind} {file} does not validate: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    } else if in_ci() {
        panic!("XBUILD_GO_PYTHON is set by .ci/run under CI=true");
    }
}

#[test]
fn json_env_and_doctor_show_the_program() {
    let Some(dir) = go_cacher_dir() else { return };
    let server = Server::start(&dir);
    let r = Runner::new("hello", &profile(&server.url()));
    let env = r.env(Some(&dir));
    let j = r.run(&["--message-format", "json"], &env);
    j.code(0);
    let lines = j.json();
    let art = lines.iter().find(|l| l["reason"] == "artifact").unwrap();
    assert_eq!(art["cache_program"]["name"], "go-cacher", "{j}");
    // go sees GOCACHEPROG (the wrapper) and nothing of cache-program-env.
    let gocacheprog = art["env"]["GOCACHEPROG"].as_str().unwrap_or("");
    assert!(gocacheprog.contains("__cache-program"), "{j}");
    let fin = lines
        .iter()
        .find(|l| l["reason"] == "build-finished")
        .unwrap();
    assert_eq!(
        fin["cache_program"]["path"], art["cache_program"]["path"],
        "{j}"
    );
    let e = r.run(&["env", "--format", "json"], &env);
    e.code(0);
    let v: serde_json::Value = serde_json::from_str(e.stdout.trim()).unwrap();
    assert_eq!(v["cache_program"]["name"], "go-cacher", "{e}");
    let d = r.run(&["doctor"], &env);
    d.stdout_has("cache.program")
        .stdout_has("handshake answered with commands get, put, close");
}

#[test]
fn server_killed_between_runners_builds_right_or_fails_clearly() {
    let Some(dir) = go_cacher_dir() else { return };
    let mut server = Server::start(&dir);
    let text = profile(&server.url());
    let (a, b) = (Runner::new("hello", &text), Runner::new("hello", &text));
    a.run(&["-o", "out/hello"], &a.env(Some(&dir))).code(0);
    server.stop();
    let run = b.run(&["-o", "out/hello"], &b.env(Some(&dir)));
    let out = b.src().join("out/hello");
    match run.code {
        Some(0) => {
            let x = std::fs::read(a.src().join("out/hello")).unwrap();
            assert!(
                x == std::fs::read(&out).unwrap(),
                "B built other bytes\n{run}"
            );
        }
        Some(4) => {
            run.stderr_has("go-cacher").stderr_has("--no-cache-program");
            assert!(!out.exists(), "nothing is delivered\n{run}");
        }
        _ => panic!("B must build or fail with exit 4\n{run}"),
    }
    // --no-cache-program builds without it.
    b.run(
        &["-o", "out/hello", "--no-cache-program"],
        &b.env(Some(&dir)),
    )
    .code(0)
    .stderr_has("Finished");
}

/// A shell cache program that knows only `close` (every get a miss): records each
/// start and its environment beside itself.
fn logging_program(dir: &Path) -> PathBuf {
    let p = dir.join("logcacher");
    std::fs::write(
        &p,
        "#!/bin/sh\n\
         here=$(dirname \"$0\")\n\
         echo start >> \"$here/starts\"\n\
         env | sort > \"$here/env.txt\"\n\
         echo '{\"ID\":0,\"KnownCommands\":[\"close\"]}'\n\
         while IFS= read -r line; do\n\
           id=$(printf '%s' \"$line\" | sed -n 's/.*\"ID\":\\([0-9]*\\).*/\\1/p')\n\
           [ -n \"$id\" ] && echo \"{\\\"ID\\\":$id}\"\n\
           case \"$line\" in *'\"close\"'*) exit 0;; esac\n\
         done\n",
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn the_program_gets_gos_environment_plus_cache_program_env_only() {
    let tools = tempfile::tempdir().unwrap();
    logging_program(tools.path());
    let r = Runner::new(
        "hello",
        "[profile.golden]\ncache-program = \"logcacher --flag\"\ncache-program-env = [\"CACHE_TOKEN\", \"UNSET_ONE\"]\n",
    );
    let mut env = r.env(Some(tools.path()));
    env.insert("CACHE_TOKEN".into(), "tok-8d1e55aa90".into());
    env.insert("OTHER_HOST_VAR".into(), "kept-out".into());
    let j = r.run(&["--message-format", "json"], &env);
    j.code(0);
    assert!(!j.stdout.contains("tok-8d1e55aa90"), "{j}");
    let art = j.artifacts().remove(0);
    let build_env = art["env"].as_object().unwrap();
    assert!(
        !build_env.contains_key("CACHE_TOKEN"),
        "go never sees it: {art:#}"
    );
    let seen = std::fs::read_to_string(tools.path().join("env.txt")).unwrap();
    let has = |kv: &str| seen.lines().any(|l| l == kv);
    for (kv, want) in [
        ("CACHE_TOKEN=tok-8d1e55aa90", true),
        ("GOOS=linux", true),
        ("GOARCH=arm64", true),
        ("GOFLAGS=", true),
        ("OTHER_HOST_VAR=kept-out", false),
    ] {
        assert_eq!(
            has(kv),
            want,
            "cache program environment has {kv}: {want}\n{seen}"
        );
    }
    assert!(
        !seen.contains("UNSET_ONE"),
        "an unset variable is not invented\n{seen}"
    );
    assert!(
        !seen
            .lines()
            .any(|l| l.starts_with("GOCACHEPROG=") && l.contains("tok-")),
        "no secret in GOCACHEPROG\n{seen}"
    );
}

#[test]
fn a_failed_check_of_a_build_made_with_the_program_names_it_and_delivers_nothing() {
    let tools = tempfile::tempdir().unwrap();
    logging_program(tools.path());
    // The checks run as always: a size budget no Go binary meets fails the build, and
    // the failure says which cache program served its objects.
    let r = Runner::new(
        "hello",
        "[profile.golden]\ncache-program = \"logcacher\"\n[profile.golden.verify]\nmax-size = \"1KiB\"\n",
    );
    let j = r.run(&[], &r.env(Some(tools.path())));
    j.code(1);
    for needle in [
        "size.max",
        "was built with the remote cache program `logcacher`",
        "--no-cache-program",
    ] {
        assert!(j.stderr.contains(needle), "stderr names {needle:?}\n{j}");
    }
    assert!(!r.src().join("hello").exists(), "nothing delivered\n{j}");
    // Without the program the same failure says nothing of a cache.
    let k = r.run(&["--no-cache-program"], &r.env(Some(tools.path())));
    k.code(1);
    assert!(!k.stderr.contains("remote cache program"), "{k}");
}

#[test]
fn check_reproducible_builds_its_second_copy_without_the_program() {
    let tools = tempfile::tempdir().unwrap();
    logging_program(tools.path());
    let r = Runner::new(
        "hello",
        "[profile.golden]\nflags = [\"-trimpath\"]\ncache-program = \"logcacher\"\n",
    );
    let j = r.run(
        &["--check-reproducible", "--message-format", "json"],
        &r.env(Some(tools.path())),
    );
    j.code(0);
    let art = j.artifacts().remove(0);
    assert_eq!(
        util::check(&art, "build.reproducible")["status"],
        "pass",
        "{j}"
    );
    let starts = std::fs::read_to_string(tools.path().join("starts")).unwrap();
    assert_eq!(
        starts.lines().count(),
        1,
        "only the first build starts it\n{j}"
    );
}

#[test]
fn host_gocacheprog_is_resolved_like_the_key_and_dropped_by_the_flag() {
    let r = Runner::new("hello", "");
    let mut env = r.env(None);
    env.insert("GOCACHEPROG".into(), "no-such-cacher-3c1f --x".into());
    for (case, extra, code, says) in [
        ("host GOCACHEPROG missing", &[][..], 4, "host GOCACHEPROG"),
        (
            "--no-cache-program",
            &["--no-cache-program"][..],
            0,
            "Finished",
        ),
    ] {
        let args = [&["-o", "out/hello"][..], extra].concat();
        let run = r.run(&args, &env);
        assert_eq!(run.code, Some(code), "{case}\n{run}");
        assert!(run.stderr.contains(says), "{case}: says {says:?}\n{run}");
    }
}

#[test]
fn missing_program_and_old_go_are_exit_4_before_building() {
    let r = Runner::new(
        "hello",
        "[profile.golden]\ncache-program = \"no-such-cacher-7a2b\"\n",
    );
    let run = r.run(&["-o", "out/hello"], &r.env(None));
    run.code(4)
        .stderr_has("cache program `no-such-cacher-7a2b` was not found on PATH")
        .stderr_has("--no-cache-program")
        .stderr_has("xbuild-go.toml");
    assert!(!r.src().join("out/hello").exists(), "{run}");
    // A go reporting go1.22 through $GOROOT/VERSION: too old for GOCACHEPROG.
    let tools = tempfile::tempdir().unwrap();
    logging_program(tools.path());
    let goroot = tools.path().join("go122");
    std::fs::create_dir_all(goroot.join("bin")).unwrap();
    std::fs::write(
        goroot.join("VERSION"),
        "go1.22.12\ntime 2025-02-04T00:00:00Z\n",
    )
    .unwrap();
    let real_go = util::which("go").expect("go on PATH");
    let stub = goroot.join("bin/go");
    std::fs::write(
        &stub,
        format!("#!/bin/sh\nexec {} \"$@\"\n", real_go.display()),
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = r.run(
        &[
            "-o",
            "out/hello",
            "--go",
            &stub.display().to_string(),
            "--cache-program",
            &tools.path().join("logcacher").display().to_string(),
        ],
        &r.env(None),
    );
    run.code(4)
        .stderr_has("needs go >= 1.24 (GOCACHEPROG)")
        .stderr_has("go1.22.12")
        .stderr_has("--cache-program");
    assert!(
        !tools.path().join("starts").exists(),
        "never started\n{run}"
    );
}

/// Every live (not zombie) process of session `sid`, as `pid cmdline`.
fn session_members(sid: i32) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp session ...
        let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 3 && f[3].parse() == Ok(sid) && f[0] != "Z" {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            out.push(format!(
                "{pid} {}",
                String::from_utf8_lossy(&cmd).replace('\0', " ")
            ));
        }
    }
    out
}

#[test]
fn a_hanging_program_dies_with_the_tool_on_sigterm() {
    let tools = tempfile::tempdir().unwrap();
    let hang = tools.path().join("hangcacher");
    // Never answers, and ignores SIGINT and SIGTERM (so does the sleep it runs).
    std::fs::write(
        &hang,
        format!(
            "#!/bin/sh\ntrap '' INT TERM HUP\necho started > {}/started\nsleep 600\n",
            tools.path().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = Runner::new(
        "hello",
        "[profile.golden]\ncache-program = \"hangcacher\"\n",
    );
    let env = r.env(Some(tools.path()));
    let mut child = {
        use std::os::unix::process::CommandExt as _;
        let mut c = Command::new(bin());
        c.args(["-o", "out/hello"])
            .current_dir(r.src())
            .env_clear()
            .envs(&env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // SAFETY: setsid is async-signal-safe.
        unsafe {
            c.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        c.spawn().expect("spawn the tool")
    };
    let sid = child.id() as i32;
    let started = Instant::now();
    while !tools.path().join("started").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the cache program never started"
        );
        assert!(child.try_wait().unwrap().is_none(), "the tool ended early");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!(
                "the tool did not exit after SIGTERM: {:?}",
                session_members(sid)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(130), "interrupted");
    // The kernel may take a moment to reap what was killed.
    let t1 = Instant::now();
    let mut left = session_members(sid);
    while !left.is_empty() && t1.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
        left = session_members(sid);
    }
    assert!(left.is_empty(), "processes left behind: {left:?}");
    assert!(!r.src().join("out/hello").exists(), "nothing delivered");
}

#[test]
fn profile_values_of_the_keys_are_checked_before_anything_runs() {
    for (case, profile, says) in [
        ("empty", "cache-program = \"\"", "cache-program: empty"),
        (
            "bad variable name",
            "cache-program = \"logcacher\"\ncache-program-env = [\"BAD-NAME\"]",
            "cache-program-env: \"BAD-NAME\" is not a variable name",
        ),
        (
            "unclosed quote",
            "cache-program = \"'logcacher\"",
            "unclosed quote",
        ),
        (
            "unknown placeholder",
            "cache-program = \"logcacher {nosuch}\"",
            "nosuch",
        ),
        (
            "unknown key",
            "cache-programme = \"logcacher\"",
            "cache-program",
        ),
    ] {
        let r = Runner::new("hello", &format!("[profile.golden]\n{profile}\n"));
        let run = r.run(&["-o", "out/hello"], &r.env(None));
        assert_eq!(run.code, Some(2), "{case}\n{run}");
        assert!(run.stderr.contains(says), "{case}: says {says:?}\n{run}");
        assert!(
            run.stderr.contains("xbuild-go.toml"),
            "{case}: names the file\n{run}"
        );
    }
    // A placeholder is filled before the program is resolved: {profile} here.
    let tools = tempfile::tempdir().unwrap();
    logging_program(tools.path());
    let r = Runner::new(
        "hello",
        "[profile.golden]\ncache-program = \"logcacher --namespace={profile}\"\n",
    );
    let j = r.run(&["--message-format", "json"], &r.env(Some(tools.path())));
    j.code(0);
    let art = j.artifacts().remove(0);
    assert_eq!(
        art["cache_program"]["args"],
        serde_json::json!(["--namespace=golden"]),
        "{j}"
    );
}

#[test]
fn doctor_names_a_missing_program_as_an_error() {
    let r = Runner::new("hello", "");
    let d = r.run(
        &["doctor", "--cache-program", "no-such-cacher-91"],
        &r.env(None),
    );
    d.code(1);
    let line = d
        .stdout
        .lines()
        .find(|l| l.contains("cache.program"))
        .unwrap_or_else(|| panic!("no cache.program row\n{d}"));
    assert!(
        line.contains("error") && line.contains("no-such-cacher-91"),
        "the row is an error naming the program: {line}\n{d}"
    );
    d.stdout_has("--no-cache-program");
}
