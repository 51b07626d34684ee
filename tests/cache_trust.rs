//! The output cache, the zig lookups and delivery cannot be subverted (issue 18), each
//! attack performed for real: another user (uid 65534, through `setpriv`) plants a
//! patched binary with a matching stat record in a cache it can write to; symlinks
//! planted at every file the tool keeps in the cache; forged zig lookups; an artifact
//! that rewrites its own file during its smoke run; `-o` naming a FIFO, a socket or a
//! device, and `-o /dev/null`.
//!
//! The attacks by another user need root (to act as uid 65534): without it a test
//! skips, and fails under CI=true.

mod util;

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::Command;

use util::*;

const NOBODY: u32 = 65534;

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// True when the test can act as root and as uid 65534; a SKIP otherwise (a failure
/// under CI=true).
fn require_root(why: &str) -> bool {
    if is_root() && which("setpriv").is_some() {
        return true;
    }
    if in_ci() {
        panic!("this test needs root and setpriv under CI=true ({why})");
    }
    eprintln!("SKIP: not root, or no setpriv ({why})");
    false
}

/// Runs `script` with sh as uid/gid 65534 ("the other user"); it must succeed.
fn as_nobody(script: &str) {
    let out = Command::new("setpriv")
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
            "sh",
            "-c",
            script,
        ])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("spawn setpriv");
    assert_succeeded(&out, &format!("as uid {NOBODY}: {script}\n"));
}

/// A temporary directory other users may enter (0755), for what uid 65534 touches.
fn open_tempdir() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    t
}

fn env_with_cache(cache: &Path) -> BTreeMap<String, String> {
    let env = env_with(&[("XBUILD_GO_CACHE_DIR", &cache.display().to_string())]);
    env
}

/// Every directory and file below `dir`, `dir` included.
fn walk(dir: &Path) -> Vec<PathBuf> {
    walk_tree(dir, true)
}

/// The cached artifact named `name` (exactly one).
fn slot_file(cache: &Path, name: &str) -> PathBuf {
    let found: Vec<PathBuf> = walk(&cache.join("out"))
        .into_iter()
        .filter(|f| f.file_name().is_some_and(|n| n == name) && f.is_file())
        .collect();
    assert_eq!(found.len(), 1, "one cached {name}: {found:?}");
    found[0].clone()
}

fn chown_all(dir: &Path, uid: u32) {
    for p in walk(dir) {
        std::os::unix::fs::lchown(&p, Some(uid), Some(uid)).unwrap();
    }
}

/// The stat record the tool keeps beside a cached artifact (outcache.rs `stamp`).
fn stamp(file: &Path) -> String {
    let m = std::fs::symlink_metadata(file).unwrap();
    format!(
        "{} {} {} {} {} {} {}\n",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    )
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `bytes` with the first `from` changed to `to` (same length).
fn patched(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern in the binary");
    let mut b = bytes.to_vec();
    b[at..at + to.len()].copy_from_slice(to);
    b
}

/// Uid 65534 replaces the cached `slot` with `planted` (a file it can read) and
/// rewrites the stat record to match, as the tool would have written it.
fn plant(t: &Path, slot: &Path, planted: &Path) {
    as_nobody(&format!(
        "cp '{p}' '{s}.new' && mv -f '{s}.new' '{s}'",
        p = planted.display(),
        s = slot.display()
    ));
    let record = t.join("record");
    std::fs::write(&record, stamp(slot)).unwrap();
    std::fs::set_permissions(&record, std::fs::Permissions::from_mode(0o644)).unwrap();
    as_nobody(&format!(
        "cat '{}' > '{}.stat'",
        record.display(),
        slot.display()
    ));
    assert_eq!(
        std::fs::read_to_string(format!("{}.stat", slot.display())).unwrap(),
        stamp(slot),
        "the planted record matches the planted file"
    );
}

#[test]
fn a_cache_another_user_can_write_is_refused_and_nothing_planted_is_delivered() {
    if !require_root("acting as uid 65534") {
        return;
    }
    let p = Project::copy_of("hello");
    let t = open_tempdir();
    let cache = t.path().join("cache");
    let env = env_with_cache(&cache);
    let dest = p.path().join("out/hello");
    let args = ["--target", "linux/arm64", "-o", "out/hello"];
    run_env(p.path(), &args, &env).code(0);
    let genuine = std::fs::read(&dest).unwrap();
    let forged = patched(&genuine, b"hello from", b"HELLO FROM");
    let planted = t.path().join("planted");
    std::fs::write(&planted, &forged).unwrap();
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o755)).unwrap();
    let slot = slot_file(&cache, "hello");
    let slot_dir = slot.parent().unwrap().to_path_buf();

    // 1. The whole cache belongs to the other user, who plants its binary.
    chown_all(&cache, NOBODY);
    plant(t.path(), &slot, &planted);
    std::fs::remove_file(&dest).unwrap();
    let r = run_env(p.path(), &args, &env);
    r.code(4)
        .stderr_has(&cache.display().to_string())
        .stderr_has("uid 65534")
        .stderr_has("XBUILD_GO_CACHE_DIR");
    assert!(
        !dest.exists(),
        "nothing delivered from a foreign cache\n{r}"
    );

    // 2. The cache is ours, but `out` is writable by everyone: the other user swaps
    //    in a slot of its own.
    chown_all(&cache, 0);
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o711)).unwrap();
    let out = cache.join("out");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).unwrap();
    as_nobody(&format!(
        "mv '{d}' '{d}.gone' && mkdir '{d}' && touch '{d}/lock' '{d}/module'",
        d = slot_dir.display()
    ));
    plant(t.path(), &slot, &planted);
    let r = run_env(p.path(), &args, &env);
    r.code(4)
        .stderr_has(&out.display().to_string())
        .stderr_has("chmod go-w");
    assert!(!dest.exists(), "nothing delivered\n{r}");

    // 3. `out` closed again, the planted slot left: it belongs to the other user.
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o700)).unwrap();
    let r = run_env(p.path(), &args, &env);
    r.code(4).stderr_has(&slot_dir.display().to_string());
    assert!(!dest.exists(), "nothing delivered\n{r}");

    // 4. A directory above the cache that others may write to (not sticky).
    let shared = t.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let r = run_env(p.path(), &args, &env_with_cache(&shared.join("cache")));
    r.code(4)
        .stderr_has(&shared.display().to_string())
        .stderr_has("writable by its group or by others");

    // The planted slot removed, the cache is trusted again and builds the genuine bytes.
    std::fs::remove_dir_all(&slot_dir).unwrap();
    std::fs::remove_dir_all(format!("{}.gone", slot_dir.display())).unwrap();
    run_env(p.path(), &args, &env).code(0);
    assert!(
        std::fs::read(&dest).unwrap() == genuine,
        "the genuine build"
    );
}

/// A file outside the cache that a symlink in it points at: its bytes, inode and mtime.
struct Victim {
    path: PathBuf,
    before: (Vec<u8>, u64, i64, i64),
}

impl Victim {
    fn new(dir: &Path, name: &str) -> Victim {
        let path = dir.join(name);
        std::fs::write(&path, format!("victim {name}\n")).unwrap();
        Victim {
            before: Victim::facts(&path),
            path,
        }
    }
    fn facts(p: &Path) -> (Vec<u8>, u64, i64, i64) {
        let m = std::fs::metadata(p).unwrap();
        (
            std::fs::read(p).unwrap(),
            m.ino(),
            m.mtime(),
            m.mtime_nsec(),
        )
    }
    fn plant_at(&self, link: &Path) {
        let _ = std::fs::remove_file(link);
        std::os::unix::fs::symlink(&self.path, link).unwrap();
    }
    fn unchanged(&self, what: &str, r: &Run) {
        assert!(
            Victim::facts(&self.path) == self.before,
            "{what}: the file a planted symlink points at was changed\n{r}"
        );
    }
}

#[test]
fn symlinks_planted_in_the_cache_are_replaced_never_followed() {
    let p = Project::copy_of("hello");
    let cache = tempfile::tempdir().unwrap();
    let victims = tempfile::tempdir().unwrap();
    let env = env_with_cache(cache.path());
    let args = ["--target", "linux/arm64", "-o", "out/hello"];
    run_env(p.path(), &args, &env).code(0);
    let dest = p.path().join("out/hello");
    let genuine = std::fs::read(&dest).unwrap();
    let slot = slot_file(cache.path(), "hello");
    let dir = slot.parent().unwrap();
    let planted: Vec<(&str, PathBuf)> = vec![
        ("out/.swept", cache.path().join("out/.swept")),
        ("lock", dir.join("lock")),
        ("module", dir.join("module")),
        ("hello.stat", dir.join("hello.stat")),
        ("the cached artifact", slot.clone()),
        ("zig-lookups.json", cache.path().join("zig-lookups.json")),
        // The temporary names of earlier versions, for this and the next few runs.
        ("old .stat temp", dir.join("hello.stat.1.tmp")),
    ];
    let victims: Vec<(&str, Victim)> = planted
        .iter()
        .enumerate()
        .map(|(i, (what, link))| {
            let v = Victim::new(victims.path(), &format!("v{i}"));
            v.plant_at(link);
            (*what, v)
        })
        .collect();
    std::fs::remove_file(&dest).unwrap();
    let r = run_env(p.path(), &args, &env);
    r.code(0);
    for (what, v) in &victims {
        v.unchanged(what, &r);
    }
    for (what, link) in &planted[..5] {
        let m = std::fs::symlink_metadata(link).unwrap();
        assert!(m.is_file(), "{what}: replaced by a regular file\n{r}");
    }
    assert!(
        std::fs::read(&dest).unwrap() == genuine,
        "the genuine build delivered\n{r}"
    );
}

/// A fake zig that logs its arguments and says it is `version`.
fn fake_zig(dir: &Path, version: &str) -> (PathBuf, PathBuf) {
    let zig = dir.join("zig");
    let log = dir.join("zig.log");
    std::fs::write(
        &zig,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\ncase \"$1\" in version) echo {version};; esac\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&zig, std::fs::Permissions::from_mode(0o755)).unwrap();
    (zig, log)
}

#[test]
fn forged_zig_lookups_are_not_trusted() {
    let t = tempfile::tempdir().unwrap();
    let (zig, log) = fake_zig(t.path(), "0.10.0");
    let p = Project::copy_of("hello");
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\ntargets = [\"linux/arm64\"]\ncgo = true\ncc = \"zig\"\nlibc = \"musl\"\n",
    );
    let key = format!("version {}", zig.display());
    let victim = Victim::new(t.path(), "victim.json");
    let forged = serde_json::json!([
        // No files: once trusted for ever, and the forged version passed the check.
        {"key": key, "files": [], "value": "0.13.0"},
    ]);
    let malformed = serde_json::json!([
        {"key": key, "files": "everything", "value": "0.13.0"},
        {"key": key, "files": [[zig, "0 0 0 0.0 0.0"]], "value": "0.13.0", "extra": 1},
        {"key": key, "value": "0.13.0"},
    ]);
    std::fs::write(&victim.path, forged.to_string()).unwrap();
    let victim = Victim {
        before: Victim::facts(&victim.path),
        path: victim.path,
    };
    type Plant<'a> = (&'a str, &'a dyn Fn(&Path));
    let cases: [Plant; 3] = [
        ("an entry with no files", &|f| {
            std::fs::write(f, forged.to_string()).unwrap()
        }),
        ("malformed entries", &|f| {
            std::fs::write(f, malformed.to_string()).unwrap()
        }),
        ("a symlink to a forged file", &|f| victim.plant_at(f)),
    ];
    for (case, plant) in cases {
        let cache = tempfile::tempdir().unwrap();
        let mut env = env_with_cache(cache.path());
        env.insert("XBUILD_GO_ZIG".into(), zig.display().to_string());
        let lookups = cache.path().join("zig-lookups.json");
        plant(&lookups);
        let _ = std::fs::remove_file(&log);
        let r = run_env(p.path(), &[], &env);
        r.code(4).stderr_has("too old");
        let asked = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            asked.lines().any(|l| l == "version"),
            "{case}: zig was not asked its version: {asked:?}\n{r}"
        );
        victim.unchanged(case, &r);
        // Rebuilt: a regular file whose entry names the zig binary.
        let m = std::fs::symlink_metadata(&lookups).unwrap();
        assert!(m.is_file(), "{case}: lookups replaced by a regular file");
        let text = std::fs::read_to_string(&lookups).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let entry = v
            .as_array()
            .and_then(|a| a.iter().find(|e| e["key"] == key.as_str()))
            .unwrap_or_else(|| panic!("{case}: no entry for zig: {text}"));
        assert_eq!(entry["value"], "0.10.0", "{case}: {text}");
        assert_eq!(entry["files"][0][0], zig.display().to_string(), "{case}");
        assert!(
            !text.contains("0.13.0"),
            "{case}: forged entry kept: {text}"
        );
    }
}

const TAMPERING_MAIN: &str = r#"package main

import (
	"bytes"
	"fmt"
	"os"
)

var marker = "genuine-artifact-marker"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--tamper" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		b, err := os.ReadFile(exe)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		// The upper-case marker is made at run time: the genuine binary holds none.
		from := []byte(marker)
		b = bytes.Replace(b, from, bytes.ToUpper(from), -1)
		if err := os.WriteFile(exe+".new", b, 0o755); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		if err := os.Rename(exe+".new", exe); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("replaced", exe)
		return
	}
	fmt.Println(marker)
}
"#;

#[test]
fn a_smoke_run_that_replaces_its_own_file_does_not_change_what_is_delivered() {
    let p = Project::copy_of("hello");
    p.file("main.go", TAMPERING_MAIN);
    let cache = tempfile::tempdir().unwrap();
    let env = env_with_cache(cache.path());
    let (os, arch) = (std::env::consts::OS, go_arch());
    let target = format!("{os}/{arch}");
    let args = [
        "--target",
        &target,
        "-o",
        "out/app",
        "--smoke=--tamper",
        "--message-format",
        "json",
    ];
    let r = run_env(p.path(), &args, &env);
    r.code(0);
    let art = &r.artifacts()[0];
    assert_eq!(check(art, "run.smoke")["status"], "pass", "{r}");
    let delivered = std::fs::read(p.path().join("out/app")).unwrap();
    assert_eq!(
        art["sha256"],
        sha256(&delivered),
        "the delivered bytes are the verified ones\n{r}"
    );
    let find = |b: &[u8], s: &[u8]| b.windows(s.len()).any(|w| w == s);
    assert!(find(&delivered, b"genuine-artifact-marker"), "{r}");
    assert!(
        !find(&delivered, b"GENUINE-ARTIFACT-MARKER"),
        "tampered bytes delivered"
    );
    // The replaced file is not trusted again: no cached file holds the tampered bytes.
    for f in walk(cache.path()).into_iter().filter(|f| f.is_file()) {
        let b = std::fs::read(&f).unwrap();
        assert!(
            !find(&b, b"GENUINE-ARTIFACT-MARKER"),
            "the tampered file stays in the cache: {}",
            f.display()
        );
    }
    // The next build links afresh and delivers the same genuine bytes.
    std::fs::remove_file(p.path().join("out/app")).unwrap();
    let again = run_env(p.path(), &args[..4], &env);
    again.code(0);
    assert!(
        std::fs::read(p.path().join("out/app")).unwrap() == delivered,
        "{again}"
    );
}

fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// (file type bits, inode, rdev) of a node, not following a symlink.
fn node(p: &Path) -> (u32, u64, u64) {
    let m = std::fs::symlink_metadata(p).unwrap();
    (m.mode() & 0o170000, m.ino(), m.rdev())
}

#[test]
fn output_to_a_fifo_socket_or_device_is_exit_2_and_the_node_is_untouched() {
    let p = Project::copy_of("hello");
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("fifo");
    sh("mkfifo", &[fifo.to_str().unwrap()]);
    let sock = t.path().join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let link = t.path().join("link-to-fifo");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let mut nodes = vec![
        (fifo.clone(), "a FIFO"),
        (sock.clone(), "a socket"),
        (link.clone(), "a symlink to a FIFO"),
    ];
    // A device node of our own (/dev/zero's numbers): needs root to make.
    let dev = t.path().join("zero");
    if is_root() {
        sh("mknod", &[dev.to_str().unwrap(), "c", "1", "5"]);
        nodes.push((dev.clone(), "a device"));
    } else if in_ci() {
        panic!("making a device node needs root under CI=true");
    }
    for (path, kind) in nodes {
        let before = node(&path);
        let r = run(
            p.path(),
            &["--target", "linux/arm64", "-o", path.to_str().unwrap()],
        );
        r.code(2)
            .stderr_has(&path.display().to_string())
            .stderr_has(kind)
            .stderr_has("not a regular file");
        assert_eq!(node(&path), before, "{kind} untouched\n{r}");
    }
    let left: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with(".xbuild-go"))
        .collect();
    assert!(left.is_empty(), "no temporary file left: {left:?}");
}

#[test]
fn output_over_a_file_no_build_wrote_is_exit_2_and_the_file_is_untouched() {
    let p = Project::copy_of("hello");
    let elf = std::fs::read(fixture("bin/aarch64-static-nolibc")).unwrap();
    // (case, what is at the destination, exit, left untouched)
    let cases: &[(&str, &[u8], i32, bool)] = &[
        ("go.mod typed as -o", b"module example.com/hello\n", 2, true),
        ("a shell script", b"#!/bin/sh\necho hi\n", 2, true),
        ("an empty file", b"", 0, false),
        ("an earlier build's ELF", &elf, 0, false),
    ];
    for (case, before, code, untouched) in cases {
        let dest = p.path().join("out-file");
        std::fs::write(&dest, before).unwrap();
        let r = run(
            p.path(),
            &["--target", "linux/arm64", "-o", dest.to_str().unwrap()],
        );
        r.code(*code);
        if *untouched {
            r.stderr_has("already exists and is not an executable or object file");
        }
        let after = std::fs::read(&dest).unwrap();
        assert_eq!(
            after == *before,
            *untouched,
            "{case}: replaced or kept\n{r}"
        );
    }
}

/// Runs the tool in a private mount namespace where /dev/null is a bind mount of
/// itself: a mount point cannot be renamed over, so even a broken tool cannot replace
/// the machine's /dev/null while this test runs.
fn run_with_dev_null_pinned(cwd: &Path, args: &[&str], env: &BTreeMap<String, String>) -> Run {
    run_in_mount_namespace(cwd, "mount --bind /dev/null /dev/null", args, env)
}

#[test]
fn output_dev_null_verifies_and_discards() {
    if !require_root("a private mount namespace pins /dev/null") {
        return;
    }
    let p = Project::copy_of("hello");
    let before = node(Path::new("/dev/null"));
    let json = run(
        p.path(),
        &[
            "--target",
            "linux/arm64",
            "-o",
            "app",
            "--message-format",
            "json",
        ],
    );
    json.code(0);
    let want = json.artifacts()[0]["sha256"].clone();
    let args = [
        "--target",
        "linux/arm64",
        "-o",
        "/dev/null",
        "--message-format",
        "json",
    ];
    let r = run_with_dev_null_pinned(p.path(), &args, &base_env());
    r.code(0);
    let art = &r.artifacts()[0];
    assert_eq!(art["delivered"], false, "{r}");
    assert_eq!(art["discarded"], true, "{r}");
    assert_eq!(art["path"], "/dev/null", "{r}");
    assert_eq!(art["sha256"], want, "the same verified bytes\n{r}");
    // The line keeps to the JSON schema, `discarded` included.
    let (schemas, idx) = events_schema();
    for line in r.json() {
        if let Err(e) = schemas.validate(&line, idx) {
            panic!("line does not validate: {e:#}\n{line}");
        }
    }
    let human = run_with_dev_null_pinned(p.path(), &args[..4], &base_env());
    human.code(0).stderr_has("Verified").stderr_has("discarded");
    assert_eq!(node(Path::new("/dev/null")), before, "/dev/null untouched");
    let dev: Vec<_> = std::fs::read_dir("/dev")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".xbuild-go"))
        .map(|e| e.path())
        .collect();
    assert!(dev.is_empty(), "nothing written in /dev: {dev:?}");
}

#[test]
fn output_dev_stdout_is_exit_2_even_when_stdout_is_a_regular_file() {
    if !require_root("a private /dev in a mount namespace") {
        return;
    }
    // /dev/stdout is a symlink to /proc/self/fd/1; with stdout a regular file, a rename
    // over it would replace the symlink in /dev. Run where /dev is a private tmpfs, so
    // even a broken tool cannot touch the machine's.
    let p = Project::copy_of("hello");
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("stdout.txt");
    let script = format!(
        "mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 && \
         ln -s /proc/self/fd/1 /dev/stdout && \"$0\" \"$@\" > '{}'; code=$?; \
         test -L /dev/stdout || echo 'REPLACED /dev/stdout' >&2; \
         ls -a /dev >&2; exit $code",
        out.display()
    );
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .arg(bin())
        .args(["--target", "linux/arm64", "-o", "/dev/stdout"])
        .current_dir(p.path())
        .env_clear()
        .envs(base_env());
    let o = cmd.output().expect("spawn unshare");
    let r = Run {
        cmd: format!("{cmd:?}"),
        cwd: p.path().to_path_buf(),
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    r.code(2)
        .stderr_has("output `/dev/stdout` is in /dev, not a regular file");
    assert!(!r.stderr.contains("REPLACED"), "{r}");
    assert!(
        !r.stderr.contains(".xbuild-go"),
        "a temporary file in /dev\n{r}"
    );
    assert_eq!(std::fs::metadata(&out).unwrap().len(), 0, "{r}");
}
