//! Streams and files: a write error on stdout or stderr is exit 2 (a closed pipe stays
//! quiet); the tool's files are replaced atomically, never written through a symbolic
//! link, with the umask's mode; every failure under `--message-format json|github` is
//! machine-readable, and a run that started always finishes with what it completed;
//! file names that are not UTF-8 keep their verdict; checksums files read back with
//! `sha256sum -c`.

mod util;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use util::*;

/// Runs the tool with `stdout`/`stderr` as given; returns (exit code, stderr text if
/// captured).
fn run_to(cwd: &Path, args: &[&str], stdout: Stdio, stderr: Stdio) -> (Option<i32>, String) {
    let out = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(base_env())
        .stdout(stdout)
        .stderr(stderr)
        .output()
        .expect("spawn cargo-xbuild-go");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn dev_full() -> Stdio {
    Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full"),
    )
}

#[test]
fn a_write_error_on_stdout_or_stderr_is_exit_2() {
    let p = Project::copy_of("hello");
    for args in [
        &["env", "--explain"][..],
        &["profiles", "--message-format", "json"][..],
        &["-o", "out-json", "--message-format", "json"][..],
        &["--help"][..],
    ] {
        let (code, stderr) = run_to(p.path(), args, dev_full(), Stdio::piped());
        assert_eq!(code, Some(2), "{args:?} >/dev/full\n{stderr}");
        if args[0] != "--help" {
            assert!(
                stderr.contains("error: writing to stdout"),
                "{args:?} says so\n{stderr}"
            );
        }
    }
    // The human format writes to stderr.
    let (code, _) = run_to(p.path(), &["-o", "out-human"], Stdio::null(), dev_full());
    assert_eq!(code, Some(2), "2>/dev/full");
    // The same runs to working streams succeed (so the test can fail).
    let (code, stderr) = run_to(
        p.path(),
        &["-o", "out-human"],
        Stdio::null(),
        Stdio::piped(),
    );
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    let p = Project::copy_of("hello");
    // A pipe whose reading end is closed before the tool starts: every write is EPIPE.
    let mut fds = [0i32; 2];
    // SAFETY: pipe(2) fills two descriptors we then own; closing the read end and
    // handing the write end to Stdio touches no other memory.
    let write_end = unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
        libc::close(fds[0]);
        use std::os::fd::FromRawFd;
        std::os::fd::OwnedFd::from_raw_fd(fds[1])
    };
    let (code, stderr) = run_to(
        p.path(),
        &["env", "--explain"],
        Stdio::from(write_end),
        Stdio::piped(),
    );
    assert_eq!(code, Some(0), "EPIPE is not an error\n{stderr}");
    assert!(stderr.is_empty(), "nothing said about it: {stderr}");
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn junit_and_checksums_replace_a_symlink_atomically_with_the_umask_mode() {
    let p = Project::copy_of("hello");
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, p.path().join("junit.xml")).unwrap();
    std::os::unix::fs::symlink(&victim, p.path().join("SHA256SUMS")).unwrap();
    for (umask, want) in [("027", 0o640), ("022", 0o644)] {
        let out = Command::new("sh")
            .args(["-c", &format!("umask {umask}; exec \"$0\" \"$@\"")])
            .arg(bin())
            .args([
                "-o",
                "app",
                "--junit",
                "junit.xml",
                "--checksums",
                "SHA256SUMS",
            ])
            .current_dir(p.path())
            .env_clear()
            .envs(base_env())
            .output()
            .unwrap();
        assert_succeeded(&out, "");
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "precious\n",
            "written through the link"
        );
        for f in ["junit.xml", "SHA256SUMS"] {
            let path = p.path().join(f);
            let meta = std::fs::symlink_metadata(&path).unwrap();
            assert!(meta.file_type().is_file(), "{f} is now a file");
            assert_eq!(mode(&path), want, "{f} under umask {umask}");
        }
        assert!(std::fs::read_to_string(p.path().join("junit.xml"))
            .unwrap()
            .contains("<testsuites"));
        assert!(std::fs::read_to_string(p.path().join("SHA256SUMS"))
            .unwrap()
            .ends_with("  app\n"));
    }
    let mut leftovers = p.ls(".");
    leftovers.retain(|f| f.ends_with(".tmp"));
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// The error events of a JSON run; every stdout line must be JSON.
fn errors(r: &Run) -> Vec<serde_json::Value> {
    r.json()
        .into_iter()
        .filter(|e| e["reason"] == "error")
        .collect()
}

#[test]
fn every_failure_is_machine_readable() {
    let p = Project::copy_of("hello");
    // (case, profile file, arguments, exit, words of the message)
    let cases: &[(&str, &str, &[&str], i32, &str)] = &[
        (
            "profile error",
            "[profile.golden]\npakage = \".\"\n",
            &[],
            2,
            "xbuild-go.toml:2:1",
        ),
        (
            "go requirement",
            "[profile.golden]\ngo = \">=99.0\"\n",
            &[],
            4,
            "requires go >=99.0",
        ),
        (
            "go not found",
            "",
            &["--go", "/nonexistent/go"],
            4,
            "/nonexistent/go",
        ),
        ("bad -o", "", &["-o", "go.mod/app"], 2, "go.mod"),
        (
            "unknown target",
            "",
            &["--target", "linux/arm46"],
            2,
            "linux/arm64",
        ),
        (
            "env usage",
            "",
            &[
                "env",
                "--target",
                "linux/arm64,linux/amd64",
                "--format",
                "shell",
            ],
            2,
            "pass --target",
        ),
        (
            "verify missing",
            "",
            &["verify", "no-such-file"],
            2,
            "no-such-file",
        ),
    ];
    for (case, profile, args, exit, needle) in cases {
        p.file("xbuild-go.toml", profile);
        let mut json = args.to_vec();
        json.extend(["--message-format", "json"]);
        let r = run(p.path(), &json);
        r.code(*exit);
        let e = errors(&r);
        assert_eq!(e.len(), 1, "case {case}: one error event\n{r}");
        assert_eq!(e[0]["exit"], *exit, "case {case}\n{r}");
        assert!(
            e[0]["message"].as_str().unwrap().contains(needle),
            "case {case}: {needle:?}\n{r}"
        );
        assert_eq!(
            r.stdout.contains("build-started"),
            r.stdout.contains("build-finished"),
            "case {case}: build-finished whenever build-started\n{r}"
        );
        let mut gh = args.to_vec();
        gh.extend(["--message-format", "github"]);
        let r = run(p.path(), &gh);
        r.code(*exit);
        let line = r
            .stdout
            .lines()
            // (an error about the profile file also has file=, line= and col=)
            .find(|l| l.starts_with("::error ") && l.contains("title=cargo xbuild-go::"))
            .unwrap_or_else(|| panic!("case {case}: an ::error annotation\n{r}"));
        assert!(line.contains(needle), "case {case}: {line}");
    }
}

#[test]
fn a_failure_mid_run_still_reports_and_writes_what_completed() {
    let p = Project::copy_of("hello");
    // linux/amd64's destination directory cannot be made (a file is in the way): an I/O
    // error for that target only, while linux/arm64 is delivered.
    std::fs::create_dir_all(p.path().join("dist")).unwrap();
    std::fs::write(p.path().join("dist/amd64"), "in the way\n").unwrap();
    let r = run(
        p.path(),
        &[
            "--target",
            "linux/arm64,linux/amd64",
            "-o",
            "dist/{arch}/app",
            "--junit",
            "junit.xml",
            "--checksums",
            "dist/SHA256SUMS",
            "--message-format",
            "json",
        ],
    );
    r.code(2);
    let events = r.json();
    let reasons: Vec<&str> = events
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.first(), Some(&"build-started"), "{r}");
    assert_eq!(reasons.last(), Some(&"build-finished"), "{r}");
    let err = errors(&r);
    assert_eq!(err.len(), 1, "{r}");
    assert_eq!(err[0]["target"], "linux/amd64", "{r}");
    assert_eq!(err[0]["exit"], 2, "{r}");
    let finished = events.last().unwrap();
    assert_eq!(finished["artifacts"], 1, "{r}");
    assert_eq!(finished["failed"], 1, "{r}");
    assert_eq!(finished["success"], false, "{r}");
    let sums = std::fs::read_to_string(p.path().join("dist/SHA256SUMS")).unwrap();
    assert!(
        sums.ends_with("  arm64/app\n") && sums.lines().count() == 1,
        "{sums}"
    );
    let xml = std::fs::read_to_string(p.path().join("junit.xml")).unwrap();
    assert!(
        xml.contains("classname=\"linux/amd64\" name=\"build\"") && xml.contains("dist/amd64"),
        "{xml}"
    );
    assert!(xml.contains("classname=\"linux/arm64 "), "{xml}");
}

#[test]
fn file_names_that_are_not_utf8_keep_their_verdict() {
    let dir = tempfile::tempdir().unwrap();
    // (fixture, name bytes, target, exit): an arm64 file judged for amd64 is rejected.
    let cases: &[(&str, &[u8], &str, i32)] = &[
        ("aarch64-dynamic", b"dyn-\xff\xfe", "linux/amd64", 1),
        ("aarch64-static-nolibc", b"static-\xff", "linux/arm64", 0),
    ];
    for (fixture_name, name, target, exit) in cases {
        let file = dir.path().join(OsStr::from_bytes(name));
        std::fs::copy(fixture(&format!("bin/{fixture_name}")), &file).unwrap();
        let out = Command::new(bin())
            .arg("verify")
            .arg(OsStr::from_bytes(name))
            .args(["--target", target, "--message-format", "json"])
            .current_dir(dir.path())
            .env_clear()
            .envs(base_env())
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).expect("JSON is UTF-8");
        assert_eq!(out.status.code(), Some(*exit), "{fixture_name}: {stdout}");
        let v: serde_json::Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("one artifact line: {e}\n{stdout}"));
        assert_eq!(v["reason"], "artifact", "{v}");
        assert_eq!(v["verdict"]["checks"][0]["id"], "format", "{v}");
        let lossy: String = String::from_utf8_lossy(name)
            .chars()
            .take_while(|c| *c != '\u{fffd}')
            .collect();
        assert!(
            v["path"].as_str().unwrap().starts_with(&lossy)
                && v["path"].as_str().unwrap().contains("\\xff"),
            "{v}"
        );
        let raw: Vec<u8> = v["path_bytes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap() as u8)
            .collect();
        assert_eq!(raw, *name, "the raw bytes name the file");
    }
}

#[test]
fn checksum_files_escape_names_as_sha256sum_does() {
    if !require_tool("sha256sum", "reading the checksums back") {
        return;
    }
    let p = Project::copy_of("hello");
    let args =
        "--target linux/arm64,linux/amd64 -o dist/back\\slash-{arch} --checksums dist/SHA256SUMS";
    let r = run(p.path(), &words(args));
    r.code(0);
    let sums = std::fs::read_to_string(p.path().join("dist/SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 2, "{sums}");
    for line in sums.lines() {
        assert!(
            line.starts_with('\\') && line.contains("  back\\\\slash-"),
            "escaped as sha256sum writes it: {line:?}"
        );
    }
    let out = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(p.path().join("dist"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "sha256sum -c: {said}");
    assert_eq!(said.matches(": OK").count(), 2, "{said}");

    // A checksums file beside the artifacts' directory names them relative to the
    // working directory, never by the host's absolute path.
    run(
        p.path(),
        &words("-q -o dist/plain --checksums ev/SHA256SUMS"),
    )
    .code(0);
    let sums = std::fs::read_to_string(p.path().join("ev/SHA256SUMS")).unwrap();
    assert!(
        sums.ends_with("  dist/plain\n") && sums.lines().count() == 1,
        "{sums}"
    );
    let out = Command::new("sha256sum")
        .args(["-c", "ev/SHA256SUMS"])
        .current_dir(p.path())
        .output()
        .unwrap();
    assert_succeeded_saying_all(&out, "sha256sum -c ev/SHA256SUMS: ");

    // A working directory whose name holds a newline, a backslash and a CR (output
    // templates cannot): the name is escaped, and the file still reads back.
    let odd = p.path().join("new\nline\\back\rcr");
    std::fs::create_dir_all(&odd).unwrap();
    run(&odd, &["-q", "-o", "app", "--checksums", "../ODD.SUMS"]).code(0);
    let sums = std::fs::read(p.path().join("ODD.SUMS")).unwrap();
    assert_eq!(
        sums.first(),
        Some(&b'\\'),
        "{}",
        String::from_utf8_lossy(&sums)
    );
    assert_eq!(sums.iter().filter(|b| **b == b'\n').count(), 1, "one line");
    let out = Command::new("sha256sum")
        .args(["-c", "ODD.SUMS"])
        .current_dir(p.path())
        .output()
        .unwrap();
    assert_succeeded_saying_all(&out, "sha256sum -c: ");
}
