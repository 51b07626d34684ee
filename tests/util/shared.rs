//! Small helpers several test files used to carry a copy of each.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use super::{base_env, Project};

/// The host's GOARCH, so a smoke run is native.
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

/// Every file below `dir`, depth first.
pub fn walk_files(dir: &Path) -> Vec<PathBuf> {
    walk_tree(dir, false)
}

/// Every file below `dir`, depth first; with `dirs`, each directory too, before what
/// it holds (`dir` first).
pub fn walk_tree(dir: &Path, dirs: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if dirs {
        out.push(dir.to_path_buf());
    }
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk_tree(&e.path(), dirs));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// Every path below `dir` (directories too with `dirs`), relative and sorted; none when
/// `dir` does not exist.
pub fn relative_paths(dir: &Path, dirs: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let is_dir = p.is_dir();
            if dirs || !is_dir {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
            if is_dir {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Host build variables that would change a plain `go build` (the tool must drop them).
pub const HOSTILE_GO_VARS: &[(&str, &str)] = &[
    ("GOFLAGS", "-ldflags=-X=main.version=hacked"),
    ("GOARCH", "amd64"),
    ("GOOS", "windows"),
    ("CGO_ENABLED", "1"),
    ("GOROOT", "/nonexistent"),
];

/// The base environment with `vars` set on top.
pub fn env_with(vars: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut env = base_env();
    for (k, v) in vars {
        env.insert(k.to_string(), v.to_string());
    }
    env
}

/// A copy of `hello` with a file only linux/amd64 compiles, and it does not compile
/// (`undefinedOnAmd64`).
pub fn broken_on_amd64() -> Project {
    let p = Project::copy_of("hello");
    p.file(
        "broken_amd64.go",
        "//go:build linux && amd64\n\npackage main\n\nvar _ = undefinedOnAmd64\n",
    );
    p
}

/// `env --target TARGET --format FORMAT` in `p`; it must exit 0.
pub fn env_run(p: &Project, target: &str, format: &str) -> super::Run {
    let r = super::run(p.path(), &["env", "--target", target, "--format", format]);
    r.code(0);
    r
}

/// The words of `s` (split at white space): a command line written as one string.
pub fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

/// `out` is of a command that succeeded; else fails with `what` then its stderr.
pub fn assert_succeeded(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Like [`assert_succeeded`], with its stdout before its stderr.
pub fn assert_succeeded_saying_all(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A TOML basic string holding exactly `v`.
pub fn toml_str(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A copy of the `hello` fixture whose `golden` profile sets exactly `values` as `env`.
pub fn golden_env_project(values: &[(&str, &str)]) -> Project {
    let p = Project::copy_of("hello");
    let env: Vec<String> = values
        .iter()
        .map(|(k, v)| format!("{k} = {}", toml_str(v)))
        .collect();
    p.file(
        "xbuild-go.toml",
        &format!("[profile.golden]\nenv = {{ {} }}\n", env.join(", ")),
    );
    p
}

/// Standard base64 (RFC 4648): the bytes that `text`'s alphabet characters spell, with
/// padding, line breaks and anything else skipped.
pub fn base64_decode(text: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextets: Vec<u32> = text
        .iter()
        .filter_map(|c| ALPHABET.iter().position(|a| a == c))
        .map(|v| v as u32)
        .collect();
    // Four sextets are three bytes; a last group of two or three is one or two.
    sextets
        .chunks(4)
        .flat_map(|group| {
            let n = (0..4).fold(0, |n, i| n << 6 | group.get(i).copied().unwrap_or(0));
            n.to_be_bytes()[1..group.len()].to_vec()
        })
        .collect()
}

/// Writes `text` to `path` as an executable script.
pub fn write_script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A stand-in `go` at `path`: it writes its arguments, one a line, to `log/argv` and its
/// environment, sorted, to `log/env`, and copies `payload` to the file after its `-o`.
pub fn fake_go_script(path: &Path, log: &Path, payload: &Path) -> PathBuf {
    write_script(
        path,
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > {log}/argv\nenv | sort > {log}/env\n\
             out=''; prev=''\nfor a in \"$@\"; do [ \"$prev\" = -o ] && out=\"$a\"; prev=\"$a\"; done\n\
             cp {payload} \"$out\"\n",
            log = log.display(),
            payload = payload.display()
        ),
    );
    path.to_path_buf()
}

/// A copy of `hello` with `files` (relative path, text) written into it, all committed
/// as a git checkout, when git is here (for `why`); else None after a SKIP (a failure
/// under CI=true).
pub fn hello_checkout(why: &str, files: &[(&str, &str)]) -> Option<Project> {
    if !super::require_tool("git", why) {
        return None;
    }
    let p = Project::copy_of("hello");
    super::write_tree(p.path(), files);
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &["commit", "-qm", "fixture"],
    ] {
        super::git(p.path(), args);
    }
    Some(p)
}

/// The string at JSON `pointer` ("" for the element itself) of every element of the
/// array `v`; fails showing `v` when it is no array or an element has no such string.
pub fn strings<'a>(v: &'a serde_json::Value, pointer: &str) -> Vec<&'a str> {
    let items = v.as_array().unwrap_or_else(|| panic!("not an array: {v}"));
    items
        .iter()
        .map(|e| {
            e.pointer(pointer)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_else(|| panic!("no string at {pointer:?} in {e} of {v}"))
        })
        .collect()
}

/// The check `c` says `status` and its message holds `needle`; else fails showing it.
pub fn assert_check(c: &serde_json::Value, status: &str, needle: &str) {
    assert_eq!(c["status"], status, "{c}");
    let message = c["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "message lacks {needle:?}: {c}");
}

/// Every check of `ids` in `artifact` passed; else fails naming `what`, the id and the
/// check.
pub fn assert_passed(artifact: &serde_json::Value, ids: &[&str], what: &str) {
    for id in ids {
        let c = super::check(artifact, id);
        assert_eq!(c["status"], "pass", "{what} {id}: {c}");
    }
}

/// The Python of the virtual environment with the evidence formats' libraries
/// (`XBUILD_GO_PYTHON`, with in-toto-attestation and cyclonedx-python-lib): under CI it
/// must be there; elsewhere `None`, the validation skipped with the reason.
pub fn formats_python() -> Option<PathBuf> {
    let p = std::env::var_os("XBUILD_GO_PYTHON").map(PathBuf::from);
    let usable = p.as_ref().is_some_and(|p| {
        std::process::Command::new(p)
            .args([
                "-c",
                "import in_toto_attestation, cyclonedx.validation.json",
            ])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if usable {
        return p;
    }
    if super::in_ci() {
        panic!(
            "XBUILD_GO_PYTHON={p:?} is not a Python with in-toto-attestation and \
             cyclonedx-python-lib under CI=true; .ci/run installs them"
        );
    }
    eprintln!(
        "SKIP validation with the formats' libraries: set XBUILD_GO_PYTHON to a Python \
         with in-toto-attestation and cyclonedx-python-lib (.ci/run makes one)"
    );
    None
}

/// Validates `files` as `kind` (provenance, statement, sbom) with
/// tests/evidence/validate.py under `python` (from [`formats_python`]).
pub fn validate_evidence(python: &Path, kind: &str, files: &[PathBuf]) {
    let o = std::process::Command::new(python)
        .arg(super::repo().join("tests/evidence/validate.py"))
        .arg(kind)
        .args(files)
        .output()
        .unwrap();
    assert_succeeded_saying_all(&o, &format!("{kind} validation failed for {files:?}:\n"));
}

/// schema/events-v1.json compiled: its schemas and the index of the events schema.
pub fn events_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let text = std::fs::read_to_string(super::repo().join("schema/events-v1.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("events-v1.json", value).unwrap();
    let idx = compiler
        .compile("events-v1.json", &mut schemas)
        .unwrap_or_else(|e| panic!("{e:#}"));
    (schemas, idx)
}

/// A refused run: exit 2, each of `needles` in its stderr or stdout, and no artifact
/// judged (what an image refused before any file is read must give).
pub fn assert_refused_unjudged(r: &super::Run, case: &str, needles: &[&str]) {
    assert_eq!(r.code, Some(2), "case {case}\n{r}");
    for n in needles {
        assert!(
            r.stderr.contains(n) || r.stdout.contains(n),
            "case {case}: {n:?} not in the output\n{r}"
        );
    }
    assert!(r.artifacts().is_empty(), "case {case}: nothing judged\n{r}");
}
