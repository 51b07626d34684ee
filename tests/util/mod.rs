//! Test harness: run the real binary in a temp dir with a controlled environment, and
//! print command, cwd, status, stdout and stderr whenever an expectation fails.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cargo-xbuild-go"))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    repo().join("fixtures").join(rel)
}

/// True under CI, where optional tools are required.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Whether `tool` is on PATH. Under CI a missing tool fails the test; elsewhere the
/// test prints why it skips.
pub fn require_tool(tool: &str, why: &str) -> bool {
    if which(tool).is_some() {
        return true;
    }
    if in_ci() {
        panic!("{tool} is required under CI=true ({why}); .ci/run installs it");
    }
    eprintln!("SKIP: {tool} not found ({why})");
    false
}

pub fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// The variables every test run starts from: PATH and HOME, plus the Go caches so
/// builds stay warm across tests.
pub fn base_env() -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for k in ["PATH", "HOME", "GOCACHE", "GOMODCACHE", "GOPATH", "TMPDIR"] {
        if let Ok(v) = std::env::var(k) {
            env.insert(k.to_string(), v);
        }
    }
    // Builds need no network: every fixture uses the standard library only.
    env.insert("GOPROXY".into(), "off".into());
    env
}

/// The result of one run, with everything needed to reproduce it.
pub struct Run {
    pub cmd: String,
    pub cwd: PathBuf,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: {}\ncwd: {}\nstatus: {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.cmd,
            self.cwd.display(),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

impl Run {
    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(self.code, Some(want), "unexpected exit code\n{self}");
        self
    }
    pub fn stderr_has(&self, needle: &str) -> &Self {
        self.has("stderr", &self.stderr, needle)
    }
    pub fn stderr_has_all(&self, needles: &[&str]) -> &Self {
        for needle in needles {
            self.stderr_has(needle);
        }
        self
    }
    pub fn stdout_has(&self, needle: &str) -> &Self {
        self.has("stdout", &self.stdout, needle)
    }
    /// `text`, the stream called `name`, holds `needle`; else fails showing the run.
    fn has(&self, name: &str, text: &str, needle: &str) -> &Self {
        assert!(text.contains(needle), "{name} lacks {needle:?}\n{self}");
        self
    }
    /// The first line of stdout that starts with `prefix`; else fails showing the run.
    pub fn stdout_line(&self, prefix: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} on stdout\n{self}"))
    }
    /// The JSON Lines on stdout.
    pub fn json(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}\n{self}"))
            })
            .collect()
    }
    /// The `artifact` events.
    pub fn artifacts(&self) -> Vec<serde_json::Value> {
        self.json()
            .into_iter()
            .filter(|v| v["reason"] == "artifact")
            .collect()
    }
}

/// The run as a shell-like line: `K="v" ... /path/to/bin "arg" ...`.
pub fn command_line(args: &[&str], env: &BTreeMap<String, String>) -> String {
    let mut words: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    words.push(bin().display().to_string());
    words.extend(args.iter().map(|a| format!("{a:?}")));
    words.join(" ")
}

/// Runs the tool with exactly `env` (nothing inherited) in `cwd`.
pub fn run_env(cwd: &Path, args: &[&str], env: &BTreeMap<String, String>) -> Run {
    let out = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env)
        .output()
        .expect("spawn cargo-xbuild-go");
    Run {
        cmd: command_line(args, env),
        cwd: cwd.to_path_buf(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the tool with exactly `env` in `cwd`, inside a private mount namespace (as
/// root) where the shell command `setup` ran first (`mount ...`): what it mounts is seen
/// by this run only.
pub fn run_in_mount_namespace(
    cwd: &Path,
    setup: &str,
    args: &[&str],
    env: &BTreeMap<String, String>,
) -> Run {
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(format!("{setup} && exec \"$0\" \"$@\""))
        .arg(bin())
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env);
    let out = cmd.output().expect("spawn unshare");
    Run {
        cmd: format!("{cmd:?}"),
        cwd: cwd.to_path_buf(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A run made under a hang guard, with the tool's own peak memory.
pub struct Guarded {
    pub run: Run,
    pub elapsed: std::time::Duration,
    /// The tool process's peak resident set (VmHWM, its children not included), KiB.
    pub peak_rss_kib: u64,
}

/// Runs the tool like [`run_env`], but kills it after `limit` and fails the test (it
/// hung), and samples its peak resident memory while it runs. Output past 64 MiB per
/// stream is dropped, so a flooding tool cannot exhaust the test's memory either.
pub fn run_guarded(
    cwd: &Path,
    args: &[&str],
    env: &BTreeMap<String, String>,
    limit: std::time::Duration,
) -> Guarded {
    use std::io::Read;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 65536];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if kept.len() < 64 << 20 {
                    kept.extend_from_slice(&buf[..n]);
                }
            }
            kept
        })
    }
    let cmd = command_line(args, env);
    let started = Instant::now();
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cargo-xbuild-go");
    let out = drain(child.stdout.take().expect("piped stdout"));
    let err = drain(child.stderr.take().expect("piped stderr"));
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kib);
            }
        }
        if let Some(status) = child.try_wait().expect("waiting for cargo-xbuild-go") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
            panic!(
                "hung: still running after {limit:?}, killed\ncommand: {cmd}\ncwd: {}\n--- stderr\n{stderr}",
                cwd.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Guarded {
        run: Run {
            cmd,
            cwd: cwd.to_path_buf(),
            code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        },
        elapsed,
        peak_rss_kib: peak,
    }
}

/// Runs the tool with the base environment.
pub fn run(cwd: &Path, args: &[&str]) -> Run {
    run_env(cwd, args, &base_env())
}

/// Runs the tool with the base environment and `--message-format json` after `args`.
pub fn run_json(cwd: &Path, args: &[&str]) -> Run {
    run(cwd, &[args, &["--message-format", "json"]].concat())
}

/// A scratch copy of a fixture module, so builds write into a temp dir.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn copy_of(fixture_module: &str) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&fixture(&format!("go/{fixture_module}")), dir.path());
        Project { dir }
    }
    /// A copy of `fixture_module` whose `xbuild-go.toml` holds `profile`.
    pub fn with_profile(fixture_module: &str, profile: &str) -> Project {
        let p = Project::copy_of(fixture_module);
        p.file("xbuild-go.toml", profile);
        p
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn file(&self, rel: &str, text: &str) -> &Self {
        let p = self.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
        self
    }
    /// Every file name directly in `rel`, sorted.
    pub fn ls(&self, rel: &str) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.path().join(rel))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Runs an external command and returns stdout; panics with everything on failure.
pub fn sh(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {cmd}: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What readelf says about an ELF file, for cross-checking our verdicts.
#[derive(Debug, PartialEq, Eq)]
pub struct ReadElf {
    pub class: String,
    pub data: String,
    pub machine: String,
    pub flags: u32,
    pub interpreter: Option<String>,
    pub needed: Vec<String>,
    pub has_symtab: bool,
    pub has_debug: bool,
    pub arm_vfp_args: Option<String>,
    pub arm_cpu_arch: Option<String>,
    pub properties: String,
}

impl ReadElf {
    /// "big" or "little", as the tool's facts name the byte order readelf shows.
    pub fn endian(&self) -> &'static str {
        if self.data.contains("big") {
            "big"
        } else {
            "little"
        }
    }
}

/// What follows the first `:` on the first line of `text` that starts with `name`
/// (after indentation), trimmed: readelf's `Name: value` lines.
fn value_after(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find(|line| line.trim_start().starts_with(name))
        .and_then(|line| line.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

pub fn readelf(path: &Path) -> ReadElf {
    let p = path.to_str().unwrap();
    let h = sh("readelf", &["-h", "-W", p]);
    let field = |name: &str| value_after(&h, name).unwrap_or_default();
    let flags_text = field("Flags:");
    let flags = u32::from_str_radix(
        flags_text
            .split(|c: char| c == ',' || c.is_whitespace())
            .next()
            .unwrap_or("0")
            .trim_start_matches("0x"),
        16,
    )
    .unwrap_or_else(|_| panic!("readelf flags {flags_text:?}"));
    let l = sh("readelf", &["-l", "-W", p]);
    let interpreter = l
        .lines()
        .find_map(|line| line.split("[Requesting program interpreter: ").nth(1))
        .map(|s| s.trim_end_matches(']').to_string());
    let d = sh("readelf", &["-d", "-W", p]);
    let needed = d
        .lines()
        .filter(|line| line.contains("(NEEDED)"))
        .filter_map(|line| line.split("Shared library: [").nth(1))
        .map(|s| s.trim_end_matches(']').to_string())
        .collect();
    let s = sh("readelf", &["-S", "-W", p]);
    let has_symtab = s.lines().any(|line| line.contains(" SYMTAB "));
    let has_debug = s
        .lines()
        .any(|line| line.contains(" .debug_") || line.contains(" .zdebug_"));
    let a = sh("readelf", &["-A", "-W", p]);
    let attr = |name: &str| value_after(&a, name);
    ReadElf {
        class: field("Class:"),
        data: field("Data:"),
        machine: field("Machine:"),
        flags,
        interpreter,
        needed,
        has_symtab,
        has_debug,
        arm_vfp_args: attr("Tag_ABI_VFP_args"),
        arm_cpu_arch: attr("Tag_CPU_arch:"),
        properties: sh("readelf", &["-n", "-W", p]),
    }
}

/// The check with `id` in an artifact event.
pub fn check<'a>(artifact: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    artifact["verdict"]["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {artifact:#}"))
}

pub mod cases;
pub mod guard;
pub mod images_out;
pub mod layer;
pub mod needs;
pub mod oci;
pub mod realrun;
pub mod registry;
pub mod rootfs;
pub mod seccomp;
pub mod shared;
#[allow(unused_imports)]
pub use shared::*;

/// Writes `files` (relative path, text) under `root`, making directories.
pub fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let f = root.join(rel);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
}

/// `git ARGS` in `dir` with a fixed identity and dates (so commits are reproducible),
/// ignoring the system config; its stdout. A failure fails the test.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
        .output()
        .unwrap();
    assert_succeeded(&o, &format!("git {args:?}: "));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `base` plus exactly what the tool sets for `os/arch` (with its arch-level variable)
/// under the golden profile, for a bare `go build` to compare against.
pub fn scrubbed_env(
    mut base: BTreeMap<String, String>,
    os: &str,
    arch: &str,
    level: (&str, &str),
) -> BTreeMap<String, String> {
    for (k, v) in [
        ("GOENV", "off"),
        ("GOFLAGS", ""),
        ("GOTOOLCHAIN", "local"),
        ("GOOS", os),
        ("GOARCH", arch),
        (level.0, level.1),
        ("CGO_ENABLED", "0"),
    ] {
        base.insert(k.into(), v.into());
    }
    base
}

/// `go build ARGS -o OUT PKG` in `dir` with exactly `env`; the output's bytes.
pub fn bare_go_build(
    dir: &Path,
    env: &BTreeMap<String, String>,
    args: &[&str],
    pkg: &str,
    out: &Path,
) -> Vec<u8> {
    let o = Command::new("go")
        .arg("build")
        .args(args)
        .arg("-o")
        .arg(out)
        .arg(pkg)
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .output()
        .unwrap();
    assert_succeeded(
        &o,
        &format!("bare go build {args:?} {pkg} in {}: ", dir.display()),
    );
    std::fs::read(out).unwrap()
}

/// The zig the tests drive, found as the tool finds it: `XBUILD_GO_ZIG`, else `zig` on
/// PATH, else the binary of the `ziglang` package of `python3` on PATH (.ci/run puts
/// its virtual environment first on PATH).
pub fn find_zig() -> Option<PathBuf> {
    if let Some(z) = std::env::var_os("XBUILD_GO_ZIG").filter(|z| !z.is_empty()) {
        return Some(PathBuf::from(z));
    }
    which("zig").or_else(ziglang_zig)
}

/// The zig binary of the `ziglang` package of `python3` on PATH.
pub fn ziglang_zig() -> Option<PathBuf> {
    let out = Command::new(which("python3")?)
        .args([
            "-c",
            "import os, sys, ziglang; sys.stdout.write(os.path.dirname(ziglang.__file__))",
        ])
        .output()
        .ok()?;
    let zig = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("zig");
    (out.status.success() && zig.is_file()).then_some(zig)
}

/// Like [`require_tool`], for zig: its path, or a SKIP (a failure under CI=true).
pub fn require_zig(why: &str) -> Option<PathBuf> {
    if let Some(z) = find_zig() {
        return Some(z);
    }
    if in_ci() {
        panic!("zig is required under CI=true ({why}); .ci/run installs the ziglang package");
    }
    eprintln!("SKIP: zig not found ({why}): pip install ziglang");
    None
}

/// The highest GLIBC_x.y version `readelf -V` shows in a file's version needs.
pub fn readelf_glibc_max(path: &Path) -> Option<String> {
    let v = sh("readelf", &["-V", "-W", path.to_str().unwrap()]);
    let mut versions: Vec<(Vec<u32>, String)> = v
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter_map(|w| w.strip_prefix("GLIBC_"))
        .filter_map(|ver| {
            let key: Option<Vec<u32>> = ver.split('.').map(|p| p.parse().ok()).collect();
            key.map(|k| (k, ver.to_string()))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, v)| v)
}

/// Runs a built artifact, under qemu-user for another architecture (`-L` the Debian
/// cross sysroot for dynamic builds). Returns (status success, stdout, stderr).
pub fn run_artifact(path: &Path, goarch: &str, sysroot: Option<&str>) -> (bool, String, String) {
    let host = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let mut cmd = if goarch == host {
        Command::new(path)
    } else {
        let qemu = match goarch {
            "arm64" => "qemu-aarch64-static",
            "arm" => "qemu-arm-static",
            "amd64" => "qemu-x86_64-static",
            other => panic!("no qemu for {other}"),
        };
        let mut c = Command::new(qemu);
        if let Some(root) = sysroot {
            c.args(["-L", root]);
        }
        c.arg(path);
        c
    };
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", path.display()));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether the opt-in suite of real modules through the module proxy runs
/// (`XBUILD_GO_REAL_MODULES=1`, which `.ci/run` sets).
pub fn real_modules_enabled() -> bool {
    if std::env::var("XBUILD_GO_REAL_MODULES").is_ok_and(|v| v == "1") {
        return true;
    }
    eprintln!("SKIP: set XBUILD_GO_REAL_MODULES=1 to build real modules through the module proxy");
    false
}

/// The test environment with the module proxy allowed (base_env turns it off).
pub fn online_env() -> BTreeMap<String, String> {
    let mut env = base_env();
    env.remove("GOPROXY");
    for k in ["GOPROXY", "GONOSUMDB", "GOPRIVATE", "GOSUMDB"] {
        if let Ok(v) = std::env::var(k) {
            env.insert(k.into(), v);
        }
    }
    env
}

/// Downloads `module@version` and copies its source into a writable directory.
pub fn fetch(module: &str, version: &str) -> tempfile::TempDir {
    let o = Command::new("go")
        .args(["mod", "download", "-json", &format!("{module}@{version}")])
        .env_clear()
        .envs(online_env())
        .env("GOFLAGS", "-mod=mod")
        .output()
        .unwrap();
    assert_succeeded_saying_all(&o, &format!("go mod download {module}@{version}: "));
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let dir = info["Dir"].as_str().expect("Dir in go mod download -json");
    let t = tempfile::tempdir().unwrap();
    copy_dir(Path::new(dir), t.path());
    let chmod = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(t.path())
        .status()
        .unwrap();
    assert!(chmod.success());
    t
}

/// The environment of every `go` run: the base environment (PATH, HOME, caches), nothing
/// else inherited, and the variables that make builds hermetic.
pub fn go_env() -> BTreeMap<String, String> {
    let mut env = base_env();
    for (k, v) in [
        ("GOFLAGS", ""),
        ("GOENV", "off"),
        ("GOTOOLCHAIN", "local"),
        ("GOPROXY", "off"),
        ("CGO_ENABLED", "0"),
    ] {
        env.insert(k.into(), v.into());
    }
    env
}

/// `go ARGS` in `cwd` with [`go_env`] plus `extra`; its stdout. A failure fails the test.
pub fn go(args: &[&str], cwd: &Path, extra: &[(&str, &str)]) -> String {
    let out = Command::new("go")
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(go_env())
        .envs(extra.iter().copied())
        .output()
        .expect("spawn go");
    let what = format!(
        "go {args:?} {extra:?} in {} failed: {}\n",
        cwd.display(),
        out.status
    );
    assert_succeeded(&out, &what);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An earlier build's output at a destination (an ELF's magic, so the build may replace
/// it as go build would), for tests that check a failed build leaves it intact.
pub const PREVIOUS: &[u8] = b"\x7fELF previous build";
