//! The artifact is exactly what go builds, and only this build's bytes: VCS stamping in
//! a clean checkout, workspaces and vendor directories, a tampered destination or cache,
//! SIGKILL of the tool, cleanup of only what a run created, and `-o DIR/`.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use util::*;

/// The environment the tool gives go for linux/arm64 under the golden profile.
fn bare_env() -> BTreeMap<String, String> {
    scrubbed_env(base_env(), "linux", "arm64", ("GOARM64", "v8.0"))
}

/// `go build -ldflags='-s -w' -o OUT PKG` in `dir` with [`bare_env`].
fn bare_build(dir: &Path, pkg: &str, out: &Path) -> Vec<u8> {
    bare_go_build(dir, &bare_env(), &["-ldflags=-s -w"], pkg, out)
}

/// `go version -m` of a file, as text.
fn go_version_m(file: &Path) -> String {
    sh("go", &["version", "-m", file.to_str().unwrap()])
}

/// An environment with a private output cache, so a test can look into it.
fn env_with_cache(cache: &Path) -> BTreeMap<String, String> {
    let env = env_with(&[("XBUILD_GO_CACHE_DIR", &cache.display().to_string())]);
    env
}

#[test]
fn a_clean_checkout_stays_clean_and_matches_go_build_three_times() {
    // The destination inside the module is ignored, as a project would ignore it.
    let Some(p) = hello_checkout("VCS stamping", &[(".gitignore", "/hello\n/bare\n")]) else {
        return;
    };
    let outside = tempfile::tempdir().unwrap();
    let bare = bare_build(p.path(), ".", &outside.path().join("bare"));
    assert!(
        go_version_m(&outside.path().join("bare")).contains("vcs.modified=false"),
        "the fixture checkout is clean to begin with"
    );
    for (i, dest) in [
        p.path().join("hello"),
        outside.path().join("out/app"),
        p.path().join("hello"),
    ]
    .iter()
    .enumerate()
    {
        run(
            p.path(),
            &["--target", "linux/arm64", "-o", dest.to_str().unwrap()],
        )
        .code(0);
        let got = std::fs::read(dest).unwrap();
        assert!(
            got == bare,
            "build {} to {}: bytes differ from a bare go build\n{}",
            i + 1,
            dest.display(),
            go_version_m(dest)
        );
        let m = go_version_m(dest);
        assert!(m.contains("vcs.modified=false"), "build {}: {m}", i + 1);
        assert_eq!(
            git(p.path(), &["status", "--porcelain", "--ignored=no"]),
            "",
            "the work tree stays clean after build {}",
            i + 1
        );
    }
}

/// The tool's linux/arm64 build of `module` to `out/NAME` is byte for byte what a bare
/// go build makes (to `out/bare-NAME`); else fails saying `what`.
fn assert_like_bare_go_build(module: &Path, out: &Path, name: &str, what: &str) {
    let bare = bare_build(module, ".", &out.join(format!("bare-{name}")));
    let dest = out.join(name);
    run(
        module,
        &["--target", "linux/arm64", "-o", dest.to_str().unwrap()],
    )
    .code(0);
    assert!(
        std::fs::read(&dest).unwrap() == bare,
        "{what}: bytes differ from go build\n{}",
        go_version_m(&dest)
    );
}

#[test]
fn a_workspace_member_and_a_vendored_module_match_go_build() {
    let ws = tempfile::tempdir().unwrap();
    let w = ws.path();
    // A workspace with an app and a library it imports.
    for (rel, text) in [
        ("go.work", "go 1.21\n\nuse (\n\t./app\n\t./lib\n)\n"),
        ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
        (
            "lib/lib.go",
            "package lib\n\nfunc Greeting() string { return \"hello from lib\" }\n",
        ),
        (
            "app/go.mod",
            "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v0.0.0\n",
        ),
        (
            "app/main.go",
            "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Greeting()) }\n",
        ),
    ] {
        let f = w.join(rel);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    assert_like_bare_go_build(&w.join("app"), out.path(), "app", "workspace member");

    // The same app as a module that vendors the library through a replace.
    let v = tempfile::tempdir().unwrap();
    let m = v.path().join("app");
    copy_dir(&w.join("app"), &m);
    copy_dir(&w.join("lib"), &v.path().join("lib"));
    std::fs::write(
        m.join("go.mod"),
        "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
    )
    .unwrap();
    go(&["mod", "vendor"], &m, &[]);
    assert!(m.join("vendor/modules.txt").is_file());
    assert_like_bare_go_build(&m, out.path(), "vendored", "vendored module");
}

/// Changes the first occurrence of `from` in `file` to `to` (same length), in place.
fn patch(file: &Path, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(file).unwrap();
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| {
            panic!(
                "{:?} not in {}",
                String::from_utf8_lossy(from),
                file.display()
            )
        });
    bytes[at..at + to.len()].copy_from_slice(to);
    std::fs::write(file, bytes).unwrap();
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_tampered_destination_or_cache_is_replaced_by_the_genuine_build() {
    let p = Project::copy_of("hello");
    let cache = tempfile::tempdir().unwrap();
    let env = env_with_cache(cache.path());
    let args = [
        "--target",
        "linux/arm64",
        "-o",
        "out/hello",
        "--message-format",
        "json",
    ];
    let first = run_env(p.path(), &args, &env);
    first.code(0);
    let dest = p.path().join("out/hello");
    let genuine = std::fs::read(&dest).unwrap();
    assert_eq!(first.artifacts()[0]["sha256"], sha256(&genuine));
    let build_id = |f: &Path| sh("go", &["tool", "buildid", f.to_str().unwrap()]);
    let genuine_id = build_id(&dest);
    // A rebuild delivers the genuine bytes and reports their digest; else fails saying
    // `what`.
    let delivers_genuine = |what: &str| {
        let r = run_env(p.path(), &args, &env);
        r.code(0);
        assert!(std::fs::read(&dest).unwrap() == genuine, "{what}\n{r}");
        assert_eq!(r.artifacts()[0]["sha256"], sha256(&genuine), "{r}");
    };

    // 1. The destination: a string in .rodata changed, the Go build ID intact.
    patch(&dest, b"hello from", b"HELLO FROM");
    let tampered = std::fs::read(&dest).unwrap();
    assert_ne!(tampered, genuine);
    assert_eq!(build_id(&dest), genuine_id, "build ID kept");
    delivers_genuine("the tampered destination was not replaced");

    // 2. The cache slot itself, the same way.
    let slots: Vec<PathBuf> = walk_files(cache.path())
        .into_iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "hello"))
        .collect();
    assert_eq!(slots.len(), 1, "one cached artifact: {slots:?}");
    patch(&slots[0], b"hello from", b"HELLO FROM");
    std::fs::remove_file(&dest).unwrap();
    delivers_genuine("the tampered cache was delivered");
    assert!(
        std::fs::read(&slots[0]).unwrap() == genuine,
        "the slot was rebuilt"
    );
}

/// (pid, ppid, pgid, args) of every process.
fn processes() -> Vec<(i32, i32, i32, String)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r.to_string()) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.first() == Some(&"Z") {
            continue;
        }
        let (Some(ppid), Some(pgid)) = (
            f.get(1).and_then(|s| s.parse().ok()),
            f.get(2).and_then(|s| s.parse().ok()),
        ) else {
            continue;
        };
        let args = std::fs::read(e.path().join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        v.push((pid, ppid, pgid, args));
    }
    v
}

#[test]
fn sigkill_of_the_tool_takes_the_go_build_with_it() {
    let p = Project::copy_of("hello");
    let cache = tempfile::tempdir().unwrap();
    // Every compiler go starts first sleeps, as a long compile would: a grandchild of
    // the tool that PR_SET_PDEATHSIG on go alone would not stop.
    let tools = tempfile::tempdir().unwrap();
    let slow = tools.path().join("slow-toolexec");
    std::fs::write(&slow, "#!/bin/sh\nsleep 60\nexec \"$@\"\n").unwrap();
    sh("chmod", &["+x", slow.to_str().unwrap()]);
    std::fs::create_dir_all(p.path().join("out")).unwrap();
    // A stale temporary file of a killed run, and a file that only looks like one.
    std::fs::write(p.path().join("out/.xbuild-go-tmp.99999999.0badf00d"), b"x").unwrap();
    std::fs::write(p.path().join("out/.xbuild-go-tmp-notours"), b"x").unwrap();
    let toolexec = format!("-toolexec={}", slow.display());
    let mut child = Command::new(bin())
        .args(["-o", "out/hello", "--", "-a", &toolexec])
        .current_dir(p.path())
        .env_clear()
        .envs(env_with_cache(cache.path()))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let tool = child.id() as i32;
    // Wait until go runs a (sleeping) compiler.
    let deadline = Instant::now() + Duration::from_secs(60);
    let go_pgid = loop {
        let ps = processes();
        let go = ps.iter().find(|(_, ppid, _, _)| *ppid == tool).map(|p| p.0);
        if let Some(go) = go {
            if ps
                .iter()
                .any(|(_, _, pgid, args)| *pgid == go && args.contains("sleep 60"))
            {
                break go;
            }
        }
        assert!(Instant::now() < deadline, "go never started a compiler");
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<_> = processes()
            .into_iter()
            .filter(|(_, _, pgid, _)| *pgid == go_pgid)
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "processes of the killed build survive: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The next run delivers and sweeps what a killed run left, and nothing else.
    run_env(
        p.path(),
        &["-o", "out/hello"],
        &env_with_cache(cache.path()),
    )
    .code(0);
    assert_eq!(p.ls("out"), [".xbuild-go-tmp-notours", "hello"]);
}

#[test]
fn a_rejected_build_removes_only_the_directories_it_created() {
    let p = Project::copy_of("hello");
    std::fs::create_dir_all(p.path().join("dist/E")).unwrap();
    // Unstripped: rejected.
    run(p.path(), &["--ldflags", "-w", "-o", "dist/N/../E/../O/app"]).code(1);
    assert_eq!(p.ls("dist"), ["E"], "E survives, N and O are gone");
    // The same with the directories given absolute and through a symlink.
    std::os::unix::fs::symlink(p.path().join("dist/E"), p.path().join("link")).unwrap();
    run(p.path(), &["--ldflags", "-w", "-o", "link/../E/new/app"]).code(1);
    assert_eq!(p.ls("dist"), ["E"]);
    assert!(p.ls("dist/E").is_empty());
}

#[test]
fn output_naming_a_directory_writes_the_binary_into_it() {
    let p = Project::copy_of("hello");
    std::fs::create_dir(p.path().join("bin")).unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["-o", "out/"], "out/hello"),
        (&["-o", "out/"], "out/hello"), // now an existing directory, with a slash
        (&["-o", "bin"], "bin/hello"),
        (
            &["-o", "win/", "--target", "windows/amd64"],
            "win/hello.exe",
        ),
    ];
    for (args, want) in cases {
        let r = run(p.path(), args);
        r.code(0);
        let f = p.path().join(want);
        assert!(f.is_file(), "{args:?} should write {want}\n{r}");
        assert!(
            r.stderr.contains(want),
            "{args:?}: the report names {want}\n{r}"
        );
    }
    // Several targets into one directory collide, before anything runs.
    run(
        p.path(),
        &["-o", "bin", "--target", "linux/arm64,linux/amd64"],
    )
    .code(2)
    .stderr_has("would both write");
}

/// Runs the tool with `ro` unwritable: a directory of mode 0555 where that stops this
/// user, else (root) a read-only tmpfs mounted on it in a private mount namespace, so
/// nothing outside this run sees it. Returns the run and the errno's words to expect.
fn run_with_unwritable(cwd: &Path, ro: &Path, args: &[&str]) -> (Run, &'static str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(ro).unwrap();
    std::fs::set_permissions(ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = ro.join("probe");
    if std::fs::write(&probe, b"").is_err() {
        return (run(cwd, args), "Permission denied");
    }
    // Root writes through 0555: mount a read-only file system there instead.
    std::fs::remove_file(&probe).unwrap();
    let mut env = base_env();
    env.insert("RO".into(), ro.display().to_string());
    let r = run_in_mount_namespace(cwd, "mount -t tmpfs -o ro tmpfs \"$RO\"", args, &env);
    (r, "Read-only file system")
}

#[test]
fn an_unwritable_output_directory_is_exit_4_naming_the_path_and_the_errno() {
    let p = Project::copy_of("hello");
    let ro = p.path().join("ro");
    // (case, args, the path the error names, exit): the environment is in the way (4);
    // a path through a file is what the user wrote (2).
    let cases: [(&str, &[&str], &str, i32); 7] = [
        ("-o into it", &["-o", "ro/app"], "ro`", 4),
        ("-o below it", &["-o", "ro/sub/app"], "ro/sub`", 4),
        ("--checksums", &["--checksums", "ro/SUMS"], "ro/SUMS`", 4),
        ("--junit", &["--junit", "ro/junit.xml"], "ro/junit.xml`", 4),
        (
            "--provenance",
            &["--provenance", "ro/p.json"],
            "ro/p.json`",
            4,
        ),
        ("--sbom", &["--sbom", "ro/sbom"], "ro/sbom`", 4),
        (
            "-o through a file",
            &["-o", "go.mod/app"],
            "go.mod` is a file",
            2,
        ),
    ];
    for (case, args, names, code) in cases {
        let (r, errno) = run_with_unwritable(p.path(), &ro, args);
        assert_eq!(r.code, Some(code), "{case}: exit code\n{r}");
        let error = r
            .stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_else(|| panic!("{case}: no error line\n{r}"));
        assert!(error.contains(names), "{case}: names {names}\n{r}");
        if code == 4 {
            assert!(error.contains(errno), "{case}: says {errno:?}\n{r}");
        }
    }
    assert!(p.ls("ro").is_empty(), "nothing was left in ro/");
}
