//! The smoke run cannot reach the tool's secrets or the host (issue 18). The artifact
//! is fixtures/go/attack, built by the real `go` through the tool with a smoke run:
//! it reads every `/proc/*/environ` it can, looking for a secret the test put in the
//! tool's environment (and in a sleeping process of the artifact's own uid), lists the
//! PIDs it sees, writes `/root/pwned-*` and into the test's directory, dials a listener
//! the test opened on 127.0.0.1, rewrites and renames over its own executable and every
//! file of the output cache, and prints one line saying what worked and its uid.
//!
//! Cases: as invoked (root under CI: PID, mount and network namespaces, run as 65534),
//! under qemu-user, as an unprivileged user (a user namespace too), root under a
//! seccomp filter that lets only user namespaces through (nobody in a user namespace),
//! and under one refusing unshare(2) as container runtimes' default profiles do (the
//! Landlock fallback; with `smoke-isolation = "required"`, a failing check and no run).

mod util;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use sha2::{Digest, Sha256};
use util::seccomp::refuse_unshare;
use util::*;

/// The ids an unprivileged tool runs as, in the case of its own (a root test drops).
const USER: u32 = 1000;

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}-{nanos}", std::process::id())
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How the tool is started.
#[derive(Clone, Copy, PartialEq, Eq)]
enum As {
    Invoked,
    /// Run as [`USER`] (the test must be root).
    User,
    /// Under a seccomp filter that makes unshare(2) fail with EPERM.
    NoUnshare,
    /// Under a seccomp filter that lets only unshare(2) with CLONE_NEWUSER through.
    UserOnly,
}

/// One attack: the project, the secret, the listener, and where the artifact aims.
struct Attack {
    p: Project,
    secret: String,
    listener: TcpListener,
    cache: std::path::PathBuf,
    rootfile: std::path::PathBuf,
    /// A process of the artifact's own uid holding the secret, as a parent shell would.
    sidecar: std::process::Child,
}

impl Drop for Attack {
    fn drop(&mut self) {
        let _ = self.sidecar.kill();
        let _ = self.sidecar.wait();
        let _ = std::fs::remove_file(&self.rootfile);
    }
}

impl Attack {
    fn new(how: As) -> Attack {
        let p = Project::copy_of("attack");
        let u = unique();
        let secret = format!("s3cr3t-{u}");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a listener on 127.0.0.1");
        listener.set_nonblocking(true).unwrap();
        let cache = p.path().join(".cache");
        std::fs::create_dir_all(p.path().join(".tmp")).unwrap();
        // The uid the artifact will run as: 65534 for a root tool, else the tool's.
        let artifact_uid = match how {
            As::User => USER,
            _ if is_root() => 65534,
            // SAFETY: getuid cannot fail.
            _ => unsafe { libc::getuid() },
        };
        let mut sidecar = Command::new("sleep");
        sidecar
            .arg("60")
            .env_clear()
            .env("XBUILD_TEST_SECRET", &secret)
            .stdin(Stdio::null());
        if is_root() {
            sidecar.uid(artifact_uid).gid(artifact_uid);
        }
        let sidecar = sidecar.spawn().expect("spawn the sidecar");
        if how == As::User {
            let chown = Command::new("chown")
                .args(["-R", &format!("{USER}:{USER}")])
                .arg(p.path())
                .status()
                .unwrap();
            assert!(chown.success());
        }
        Attack {
            rootfile: std::path::PathBuf::from(format!("/root/pwned-{u}")),
            p,
            secret,
            listener,
            cache,
            sidecar,
        }
    }

    fn env(&self, how: As) -> BTreeMap<String, String> {
        let mut env = base_env();
        env.insert(
            "TMPDIR".into(),
            self.p.path().join(".tmp").display().to_string(),
        );
        env.insert(
            "XBUILD_GO_CACHE_DIR".into(),
            self.cache.display().to_string(),
        );
        env.insert("XBUILD_TEST_SECRET".into(), self.secret.clone());
        if how == As::User {
            // go's own cache, kept across runs (the first one builds the standard library).
            let gocache = std::env::temp_dir().join(format!("xbuild-go-test-gocache-{USER}"));
            std::fs::create_dir_all(&gocache).unwrap();
            let chown = Command::new("chown")
                .args(["-R", &format!("{USER}:{USER}")])
                .arg(&gocache)
                .status()
                .unwrap();
            assert!(chown.success());
            env.insert("GOCACHE".into(), gocache.display().to_string());
            env.insert("HOME".into(), self.p.path().display().to_string());
            env.remove("GOPATH");
            env.remove("GOMODCACHE");
        }
        env
    }

    /// Builds and smoke-runs the attack for linux/amd64 through the tool.
    fn run(&self, how: As) -> Run {
        self.run_for(how, "linux/amd64")
    }

    /// Builds and smoke-runs the attack for `target` through the tool.
    fn run_for(&self, how: As, target: &str) -> Run {
        let port = self.listener.local_addr().unwrap().port().to_string();
        let smoke = format!(
            "attack {} {port} {} {}",
            self.cache.display(),
            self.p.path().display(),
            self.rootfile.display()
        );
        let args = [
            "--target",
            target,
            "-o",
            "out/attack",
            "--smoke",
            &smoke,
            "--message-format",
            "json",
        ];
        let env = self.env(how);
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .current_dir(self.p.path())
            .env_clear()
            .envs(&env)
            .stdin(Stdio::null());
        match how {
            As::Invoked => {}
            As::User => {
                cmd.uid(USER).gid(USER);
            }
            As::NoUnshare => refuse_unshare(&mut cmd, false),
            As::UserOnly => refuse_unshare(&mut cmd, true),
        }
        let out = cmd.output().expect("spawn cargo-xbuild-go");
        Run {
            // The command's Debug form is a shell line: its directory, `env -i` and
            // every variable, the binary and its arguments.
            cmd: format!(
                "{cmd:?}{}",
                match how {
                    As::Invoked => "",
                    As::User => " (as uid 1000)",
                    As::NoUnshare => " (under a seccomp filter refusing unshare)",
                    As::UserOnly =>
                        " (under a seccomp filter refusing unshare without CLONE_NEWUSER)",
                }
            ),
            cwd: self.p.path().to_path_buf(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// What must hold whatever the containment: no secret anywhere, no write outside,
    /// no connection to the listener, and the delivery is the verified bytes.
    fn assert_nothing_reached(&self, r: &Run) {
        assert!(
            !r.stdout.contains(&self.secret) && !r.stderr.contains(&self.secret),
            "the secret leaked into the tool's output\n{r}"
        );
        for f in [self.rootfile.clone(), self.p.path().join("pwned")] {
            assert!(!f.exists(), "the artifact wrote {}\n{r}", f.display());
        }
        let mut leaked = Vec::new();
        scan(self.p.path(), self.secret.as_bytes(), &mut leaked);
        assert!(leaked.is_empty(), "the secret is in {leaked:?}\n{r}");
        match self.listener.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Ok((mut conn, from)) => {
                let mut got = Vec::new();
                let _ = conn.read_to_end(&mut got);
                panic!(
                    "the listener got a connection from {from}: {:?}\n{r}",
                    String::from_utf8_lossy(&got)
                );
            }
            Err(e) => panic!("accept: {e}"),
        }
    }

    /// The delivered file is the bytes the tool verified and reported, not the payload.
    fn assert_delivered_verified(&self, r: &Run, a: &Value) {
        self.assert_delivered_verified_for(r, a, ("amd64", ("GOAMD64", "v1")));
    }

    /// [`Attack::assert_delivered_verified`] for GOARCH `arch` with its variant variable.
    fn assert_delivered_verified_for(
        &self,
        r: &Run,
        a: &Value,
        (arch, level): (&str, (&str, &str)),
    ) {
        assert_eq!(a["delivered"], true, "{a}\n{r}");
        let delivered = std::fs::read(self.p.path().join("out/attack")).unwrap();
        assert_ne!(
            delivered.as_slice(),
            b"PWNED-BY-THE-SMOKE-RUN",
            "the payload was delivered\n{r}"
        );
        assert_eq!(
            a["sha256"].as_str(),
            Some(sha256(&delivered).as_str()),
            "the delivered file is what the tool verified\n{r}"
        );
        let plain = bare_go_build(
            self.p.path(),
            &scrubbed_env(base_env(), "linux", arch, level),
            &["-ldflags=-s -w"],
            ".",
            &self.p.path().join(".tmp/plain"),
        );
        assert_eq!(
            sha256(&plain),
            sha256(&delivered),
            "the delivered file is a plain go build of the program\n{r}"
        );
    }
}

/// Files under `dir` holding `needle`.
fn scan(dir: &Path, needle: &[u8], found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => scan(&path, needle, found),
            Ok(t) if t.is_file() => {
                let bytes = std::fs::read(&path).unwrap_or_default();
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    found.push(path.display().to_string());
                }
            }
            _ => {}
        }
    }
}

/// The run.smoke check of the only artifact, and the artifact.
fn smoke_of(r: &Run) -> (Value, Value) {
    let artifacts = r.artifacts();
    assert_eq!(artifacts.len(), 1, "one artifact\n{r}");
    (
        check(&artifacts[0], "run.smoke").clone(),
        artifacts[0].clone(),
    )
}

/// `key=value` of the artifact's report line.
fn said<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|w| w.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

/// The artifact's report line, from a passing check.
fn report_line(c: &Value, r: &Run) -> String {
    assert_eq!(c["status"], "pass", "{c}\n{r}");
    let actual = c["actual"].as_str().unwrap_or_default();
    actual
        .split_once("): ")
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| panic!("no report line in {c}\n{r}"))
}

fn assert_denied(line: &str, r: &Run) {
    assert_eq!(said(line, "leaks"), "[]", "no secret found: {line}\n{r}");
    for key in ["root", "outside", "dial", "self"] {
        assert_eq!(said(line, key), "denied", "{key}: {line}\n{r}");
    }
    assert_eq!(
        said(line, "cache"),
        "0/0",
        "the output cache unseen: {line}\n{r}"
    );
}

/// The attack started `how`, built and smoke-run for `target`: exit 0. The attack, the
/// run, the smoke check and the artifact event.
fn attacked(how: As, target: &str) -> (Attack, Run, Value, Value) {
    let a = Attack::new(how);
    let r = a.run_for(how, target);
    r.code(0);
    let (c, artifact) = smoke_of(&r);
    (a, r, c, artifact)
}

/// The smoke check `c` says every probe was denied; when `isolated` (which CI=true
/// requires) the artifact saw only itself in /proc (under qemu, qemu is PID 1 and the
/// artifact its guest, in the same process); it never ran as host root.
fn assert_contained(c: &Value, r: &Run, isolated: bool) {
    assert!(
        isolated || !in_ci(),
        "every namespace under CI=true (root there): {c}\n{r}"
    );
    let line = report_line(c, r);
    assert_denied(&line, r);
    if isolated {
        assert_only_itself(&line, r);
    } else {
        eprintln!("SKIP part: no namespaces here ({})", c["actual"]);
    }
    if is_root() {
        assert_ne!(said(&line, "uid"), "0", "never host root: {line}\n{r}");
    }
}

#[test]
fn the_artifact_reaches_no_secret_no_host_and_not_what_is_delivered() {
    let (a, r, c, artifact) = attacked(As::Invoked, "linux/amd64");
    let actual = c["actual"].as_str().unwrap_or_default();
    let isolated = actual.contains(", PID, mount and network namespaces)")
        || actual.contains(", user, PID, mount and network namespaces)");
    assert_contained(&c, &r, isolated);
    a.assert_nothing_reached(&r);
    a.assert_delivered_verified(&r, &artifact);
}

/// The report line says the artifact saw only itself in /proc.
fn assert_only_itself(line: &str, r: &Run) {
    assert_eq!(
        said(line, "pids"),
        "1[1]",
        "only itself in /proc: {line}\n{r}"
    );
}

/// The attack started `how`, run natively in a user, PID, mount and network namespace:
/// exit 0, every probe denied, only itself in /proc. The attack, the run, the artifact
/// and the report line.
fn in_every_namespace(how: As) -> (Attack, Run, Value, String) {
    let (a, r, c, artifact) = attacked(how, "linux/amd64");
    assert!(
        c["actual"]
            .as_str()
            .unwrap_or_default()
            .contains("(natively, user, PID, mount and network namespaces)"),
        "{c}\n{r}"
    );
    let line = report_line(&c, &r);
    assert_denied(&line, &r);
    assert_only_itself(&line, &r);
    (a, r, artifact, line)
}

#[test]
fn run_by_an_unprivileged_user_the_artifact_gets_a_user_namespace() {
    if !is_root() {
        // Not root: the case above ran the tool unprivileged already.
        assert!(
            !in_ci(),
            "CI runs the tests as root, which this case drops from"
        );
        eprintln!("SKIP: this case drops from root to uid {USER}; the test is not root");
        return;
    }
    let (a, r, artifact, line) = in_every_namespace(As::User);
    assert_eq!(
        said(&line, "uid"),
        USER.to_string(),
        "its own uid: {line}\n{r}"
    );
    a.assert_nothing_reached(&r);
    a.assert_delivered_verified(&r, &artifact);
}

#[test]
fn where_the_kernel_refuses_namespaces_landlock_keeps_the_secrets() {
    let (a, r, c, artifact) = attacked(As::NoUnshare, "linux/amd64");
    assert!(
        c["actual"].as_str().unwrap_or_default().contains(
            "(natively, process group and Landlock only: unshare: Operation not permitted"
        ),
        "{c}\n{r}"
    );
    let line = report_line(&c, &r);
    // The PIDs are the host's here; their environments are out of Landlock's reach.
    assert_denied(&line, &r);
    if is_root() {
        assert_eq!(said(&line, "uid"), "65534", "never host root: {line}\n{r}");
    }
    a.assert_nothing_reached(&r);
    a.assert_delivered_verified(&r, &artifact);
}

#[test]
fn smoke_isolation_required_turns_the_fallback_into_a_failure_without_a_run() {
    let a = Attack::new(As::NoUnshare);
    a.p.file(
        "xbuild-go.toml",
        "[profile.golden]\nsmoke-isolation = \"required\"\n",
    );
    let r = a.run(As::NoUnshare);
    r.code(1);
    let (c, artifact) = smoke_of(&r);
    assert_eq!(c["status"], "fail", "{c}\n{r}");
    assert_eq!(artifact["delivered"], false, "{artifact}\n{r}");
    let actual = c["actual"].as_str().unwrap_or_default();
    assert!(
        actual.starts_with("not run (natively, not isolated: unshare: "),
        "{c}\n{r}"
    );
    let message = c["message"].as_str().unwrap_or_default();
    for needle in [
        "smoke-isolation = \"required\" (",
        "xbuild-go.toml:2:",
        "unshare: Operation not permitted",
    ] {
        assert!(message.contains(needle), "{needle}: {c}\n{r}");
    }
    a.assert_nothing_reached(&r);

    // `profiles` shows the key and where it was set; best-effort is the default.
    let shown = run(a.p.path(), &["profiles"]);
    shown.code(0);
    assert!(
        shown.stdout.lines().any(|l| {
            l.split_whitespace()
                .take(2)
                .eq(["smoke-isolation", "\"required\""])
                && l.contains("xbuild-go.toml:2:")
        }),
        "profiles shows smoke-isolation and where it was set\n{shown}"
    );
    a.p.file("xbuild-go.toml", "[profile.golden]\n");
    let shown = run(a.p.path(), &["profiles"]);
    assert!(
        shown.stdout.lines().any(|l| l
            .split_whitespace()
            .take(2)
            .eq(["smoke-isolation", "\"best-effort\""])),
        "best-effort by default\n{shown}"
    );
}

#[test]
fn under_qemu_the_artifact_is_as_contained() {
    if !require_tool("qemu-aarch64-static", "smoke runs under qemu-user") {
        return;
    }
    let (a, r, c, artifact) = attacked(As::Invoked, "linux/arm64");
    let actual = c["actual"].as_str().unwrap_or_default();
    assert!(actual.contains("(under qemu-aarch64-static, "), "{c}\n{r}");
    let isolated = actual.contains("PID, mount and network namespaces)");
    assert_contained(&c, &r, isolated);
    a.assert_nothing_reached(&r);
    a.assert_delivered_verified_for(&r, &artifact, ("arm64", ("GOARM64", "v8.0")));
}

#[test]
fn root_refused_privileged_namespaces_drops_to_nobody_in_a_user_namespace() {
    if !is_root() {
        assert!(!in_ci(), "CI runs the tests as root");
        eprintln!("SKIP: this case is about a root tool; the test is not root");
        return;
    }
    let (a, r, artifact, line) = in_every_namespace(As::UserOnly);
    assert_eq!(said(&line, "uid"), "65534", "nobody, not root: {line}\n{r}");
    a.assert_nothing_reached(&r);
    a.assert_delivered_verified(&r, &artifact);
}
