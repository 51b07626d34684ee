//! Smoke runs are contained (issue 10). The artifact is fixtures/go/hostile, built by
//! the real `go` for the host (and for linux/arm64 under qemu-aarch64-static when it is
//! installed): it daemonizes (setsid), holds stdout open in a child, floods stdout,
//! ignores SIGTERM or sleeps past the timeout. Every process it starts carries a marker
//! unique to the test in its arguments and environment; afterwards /proc must hold none.
//! The tool must finish (a hang guard kills it after 60 s and fails the test) with its
//! own peak memory under 200 MiB, and the run.smoke check must say what happened.

mod util;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use util::*;

const GUARD: Duration = Duration::from_secs(60);
const MEMORY_KIB: u64 = 200 << 10;

/// A marker no other process carries.
fn marker(case: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("xbg-smoke-{}-{case}-{nanos}", std::process::id())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Processes other than `except` whose command line or environment holds `marker`.
fn with_marker(marker: &str, except: &[u32]) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in procs.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if except.contains(&pid) {
            continue;
        }
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let environ = std::fs::read(e.path().join("environ")).unwrap_or_default();
        if contains(&cmdline, marker.as_bytes()) || contains(&environ, marker.as_bytes()) {
            found.push((pid, String::from_utf8_lossy(&cmdline).replace('\0', " ")));
        }
    }
    found
}

/// Kills what a test left behind, so a failure does not leave sleepers around.
fn kill_all(procs: &[(u32, String)]) {
    for (pid, _) in procs {
        // SAFETY: kill(2) on a pid we just found carrying our marker.
        unsafe {
            libc::kill(*pid as i32, libc::SIGKILL);
        }
    }
}

/// Fails (after cleaning up) when any process carries the marker.
fn assert_none_left(marker: &str, what: &str) {
    let left = with_marker(marker, &[]);
    kill_all(&left);
    assert!(
        left.is_empty(),
        "{what}: processes outlived the smoke run: {left:?}"
    );
}

/// Whether the run was in a PID namespace; outside one, under CI=true, a failure (CI
/// runs as root, where the tool can always make one).
fn in_namespace(check: &Value) -> bool {
    let actual = check["actual"].as_str().unwrap_or_default();
    if actual.contains(", PID, mount and network namespaces)")
        || actual.contains(", user, PID, mount and network namespaces)")
    {
        return true;
    }
    assert!(
        !in_ci(),
        "no PID namespace under CI=true (root there): {check}"
    );
    eprintln!("SKIP part: no PID namespace here ({actual})");
    false
}

/// The base environment with TMPDIR inside the project, so whatever the tool leaves
/// there (a SIGKILLed tool cannot remove its private directory) goes with the test.
fn env_for(p: &Project) -> std::collections::BTreeMap<String, String> {
    let tmp = p.path().join(".tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let env = env_with(&[("TMPDIR", &tmp.display().to_string())]);
    env
}

/// Smoke-runs the hostile artifact built for `target` as `MODE MARKER [ARGS...]` (`run`
/// is `MODE [ARGS...]`; the marker a fresh one named after the arch and mode) with
/// `timeout`, under the hang guard and the memory bound. The run.smoke check must say
/// `want`, and the tool exit 0 for a pass and 1 for a fail. The marker and the check.
fn smoke(p: &Project, target: &str, run: &str, timeout: &str, want: &str) -> (String, Value) {
    let (mode, args) = run.split_once(' ').unwrap_or((run, ""));
    let arch = target.rsplit('/').next().unwrap_or(target);
    let m = marker(&format!("{arch}-{mode}"));
    let smoke_args = format!("{mode} {m} {args}");
    let out = format!("out/{}", target.replace('/', "-"));
    let g = run_guarded(
        p.path(),
        &[
            "--target",
            target,
            "-o",
            &out,
            "--smoke",
            smoke_args.trim_end(),
            "--smoke-timeout",
            timeout,
            "--message-format",
            "json",
        ],
        &env_for(p),
        GUARD,
    );
    assert!(
        g.peak_rss_kib > 0 && g.peak_rss_kib < MEMORY_KIB,
        "peak RSS {} KiB (bound {MEMORY_KIB} KiB)\n{}",
        g.peak_rss_kib,
        g.run
    );
    g.run.code(if want == "pass" { 0 } else { 1 });
    let artifacts = g.run.artifacts();
    assert_eq!(artifacts.len(), 1, "{}", g.run);
    let c = check(&artifacts[0], "run.smoke").clone();
    assert_eq!(c["status"], want, "{run}: {c}");
    (m, c)
}

fn text<'a>(check: &'a Value, key: &str) -> &'a str {
    check[key].as_str().unwrap_or_default()
}

#[test]
fn a_passing_run_passes_and_says_how_it_was_contained() {
    let p = Project::copy_of("hostile");
    let (m, c) = smoke(&p, "linux/amd64", "ok", "20s", "pass");
    assert!(text(&c, "actual").starts_with("exit 0 (natively, "), "{c}");
    assert!(text(&c, "actual").ends_with(&format!("ok {m}")), "{c}");
    assert!(text(&c, "actual").contains("namespace"), "{c}");
}

#[test]
fn a_daemon_started_by_the_artifact_does_not_outlive_the_run() {
    let p = Project::copy_of("hostile");
    let (m, c) = smoke(&p, "linux/amd64", "daemon", "20s", "pass");
    assert!(text(&c, "actual").contains("daemon started pid="), "{c}");
    if in_namespace(&c) {
        assert_none_left(&m, "setsid daemon");
    } else {
        kill_all(&with_marker(&m, &[]));
    }
}

#[test]
fn a_child_holding_stdout_does_not_stall_the_tool() {
    // Before: the tool read stdout to EOF, so it waited for the child (300 s).
    let p = Project::copy_of("hostile");
    let (m, c) = smoke(&p, "linux/amd64", "hold", "20s", "pass");
    assert!(text(&c, "actual").contains("child holding stdout"), "{c}");
    // The child stayed in the group, so it is killed with or without a namespace.
    assert_none_left(&m, "child holding stdout");
}

#[test]
fn flooding_stdout_is_capped_counted_and_cut_at_the_deadline() {
    let p = Project::copy_of("hostile");
    // Forever: gigabytes in a few seconds; the tool keeps 64 KiB and counts the rest.
    let (m, c) = smoke(&p, "linux/amd64", "flood -1 0", "4s", "fail");
    assert!(
        text(&c, "actual").starts_with("no exit within 4s (natively, "),
        "{c}"
    );
    let message = text(&c, "message");
    let total: u64 = message
        .split(" bytes in all; the first 65536 kept, the rest dropped")
        .next()
        .and_then(|s| s.rsplit('(').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no byte count in {c}"));
    assert!(total > 65536, "{c}");
    assert!(message.len() < 4096, "the report holds a few lines: {c}");
    assert_none_left(&m, "flood");

    // Exactly 100 MiB, then exit 1: counted to the byte.
    let (_, c) = smoke(&p, "linux/amd64", "flood 104857600 1", "20s", "fail");
    assert!(text(&c, "actual").starts_with("exit 1 (natively, "), "{c}");
    assert!(
        text(&c, "message").contains("(104857600 bytes in all; the first 65536 kept"),
        "{c}"
    );
}

#[test]
fn ignoring_sigterm_or_sleeping_past_the_timeout_is_killed_at_the_deadline() {
    let p = Project::copy_of("hostile");
    for mode in ["ignore-term", "sleep"] {
        let (m, c) = smoke(&p, "linux/amd64", mode, "3s", "fail");
        let actual = text(&c, "actual");
        assert!(
            actual.starts_with("no exit within 3s (natively, ") && actual.ends_with("); killed"),
            "{mode}: {c}"
        );
        assert_none_left(&m, mode);
    }
}

#[test]
fn the_run_has_an_empty_environment_and_a_private_home_removed_afterwards() {
    let p = Project::copy_of("hostile");
    // The program exits 3 on purpose, so its output is in the report.
    let (_, c) = smoke(&p, "linux/amd64", "env", "20s", "fail");
    let line = text(&c, "actual")
        .split_once(": env=")
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| panic!("no env line in {c}"));
    let (env, rest) = line.split_once(" write=").expect("write=");
    let vars: Vec<&str> = env.split(',').collect();
    assert_eq!(vars.len(), 2, "only HOME and TMPDIR: {c}");
    let home = vars[0].strip_prefix("HOME=").expect("HOME first");
    let tmp = vars[1].strip_prefix("TMPDIR=").expect("TMPDIR second");
    let private = std::path::Path::new(home).parent().expect("HOME's parent");
    assert_eq!(std::path::Path::new(tmp).parent(), Some(private), "{c}");
    assert_eq!(
        private.parent(),
        Some(p.path().join(".tmp").as_path()),
        "in the tool's TMPDIR: {c}"
    );
    assert!(rest.starts_with("<nil>"), "TMPDIR writable: {c}");
    assert!(
        !private.exists(),
        "the private directory {} is removed afterwards",
        private.display()
    );
    if in_namespace(&c) {
        assert!(rest.ends_with("pid=1"), "PID 1 of its namespace: {c}");
    }
}

/// Starts the tool on a sleeping artifact, waits until the artifact runs, sends `sig`
/// to the tool alone and returns its exit code. Fails when the tool is still running
/// 15 s later.
fn signal_during_smoke(sig: i32, mode: &str, m: &str) -> Option<i32> {
    let p = Project::copy_of("hostile");
    let mut child = Command::new(bin())
        .args([
            "--target",
            "linux/amd64",
            "-o",
            "out/app",
            "--smoke",
            &format!("{mode} {m}"),
            "--smoke-timeout",
            "120s",
            "-q",
        ])
        .current_dir(p.path())
        .env_clear()
        .envs(env_for(&p))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cargo-xbuild-go");
    let tool = child.id();
    let started = Instant::now();
    while with_marker(m, &[tool]).is_empty() {
        if started.elapsed() > GUARD || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the smoke run of `{mode}` never started");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(tool as i32, sig);
    }
    let signalled = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if signalled.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
            let _ = child.wait();
            kill_all(&with_marker(m, &[]));
            panic!("signal {sig}: the tool was still running 15 s later");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_and_sigterm_stop_a_smoke_run_at_once() {
    for (sig, name) in [(libc::SIGINT, "sigint"), (libc::SIGTERM, "sigterm")] {
        let m = marker(name);
        let code = signal_during_smoke(sig, "ignore-term", &m);
        assert_eq!(code, Some(130), "{name}: exit 130");
        assert_none_left(&m, name);
    }
}

#[test]
fn a_killed_tool_leaves_no_smoke_process_behind() {
    // SIGKILL cannot be handled: PR_SET_PDEATHSIG takes the run down with the tool.
    let m = marker("sigkill");
    let code = signal_during_smoke(libc::SIGKILL, "ignore-term", &m);
    assert_eq!(code, None, "killed by the signal");
    let started = Instant::now();
    while !with_marker(&m, &[]).is_empty() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_none_left(&m, "after SIGKILL of the tool");
}

#[test]
fn contained_under_qemu_too() {
    if !require_tool("qemu-aarch64-static", "smoke runs under qemu-user") {
        return;
    }
    let p = Project::copy_of("hostile");
    for mode in ["daemon", "hold"] {
        let (m, c) = smoke(&p, "linux/arm64", mode, "20s", "pass");
        assert!(
            text(&c, "actual").contains("(under qemu-aarch64-static, "),
            "{mode}: {c}"
        );
        if mode == "hold" || in_namespace(&c) {
            assert_none_left(&m, &format!("{mode} under qemu"));
        } else {
            kill_all(&with_marker(&m, &[]));
        }
    }
    let (m, c) = smoke(&p, "linux/arm64", "sleep", "3s", "fail");
    assert!(
        text(&c, "actual").starts_with("no exit within 3s (under qemu-aarch64-static, "),
        "{c}"
    );
    assert_none_left(&m, "sleep under qemu");
}
