//! `verify` (and a build's verification) refuses files that are not executables (issue
//! 18): object files, core dumps, shared libraries, ELF files without program headers,
//! Mach-O objects and dylibs, PE DLLs and PE files without IMAGE_FILE_EXECUTABLE_IMAGE
//! fail `elf.type`, `macho.filetype` or `pe.characteristics` (exit 1); a profile whose
//! `-buildmode` is `c-shared` expects the shared library instead, and `c-archive` is
//! refused (exit 2) before anything builds.
//!
//! Real files come from gcc (`-c`, `-shared`) and go (`-buildmode=c-shared`, `pie`,
//! static-pie, c-archive, windows and darwin executables), built by the commands below
//! into the test target directory; the crafted ones are those files with one header
//! field patched, each patch said where it is made. Nothing here is a committed blob.

mod util;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use util::*;

/// A main package; with cgo it has one C export (a pure Go build leaves that file out),
/// so `go build` makes an executable of it, and with cgo a C shared library, plugin or C
/// archive.
const MAIN_GO: &str = "package main\n\nfunc main() { println(\"exec-type\") }\n";
const EXPORT_GO: &str = r#"//go:build cgo

package main

import "C"

//export ExecTypeHello
func ExecTypeHello() C.int { return 42 }
"#;

const HELLO_C: &str = "int exec_type_hello(void) { return 42; }\n";

/// The module the Go files are built from.
fn module() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exec-type-module");
        std::fs::create_dir_all(&dir).unwrap();
        write_tree(
            &dir,
            &[
                ("go.mod", "module exectype\n\ngo 1.22\n"),
                ("main.go", MAIN_GO),
                ("export.go", EXPORT_GO),
            ],
        );
        dir
    })
}

/// `name` built once (per target directory) by `make(out)`; the path.
fn built(name: &str, make: impl FnOnce(&Path)) -> PathBuf {
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exec-type");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(name);
    if !out.exists() {
        let tmp = dir.join(format!("{name}.{}.tmp", std::process::id()));
        make(&tmp);
        std::fs::rename(&tmp, &out).unwrap();
    }
    out
}

/// `go build ARGS -o OUT .` in the module, hermetic (see `util::go`), with `env`.
fn go_build(name: &str, args: &[&str], env: &[(&str, &str)]) -> PathBuf {
    built(name, |out| {
        let mut a = vec!["build", "-trimpath"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["-o", out.to_str().unwrap(), "."]);
        go(&a, module(), env);
    })
}

const CGO: (&str, &str) = ("CGO_ENABLED", "1");

/// `gcc ARGS -o OUT hello.c` ([`HELLO_C`], written beside the outputs: in the module,
/// cgo would compile it into the Go builds).
fn gcc(name: &str, args: &[&str]) -> PathBuf {
    built(name, |out| {
        let src = out.with_file_name("hello.c");
        std::fs::write(&src, HELLO_C).unwrap();
        let o = std::process::Command::new("gcc")
            .args(args)
            .arg("-o")
            .arg(out)
            .arg(&src)
            .output()
            .unwrap();
        assert_succeeded(&o, &format!("gcc {args:?}: "));
    })
}

/// A copy of `from` under `name` with `patch` applied to its bytes.
fn crafted(name: &str, from: &Path, patch: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(from).unwrap();
    patch(&mut bytes);
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("exec-type")
        .join(name);
    std::fs::write(&out, &bytes).unwrap();
    out
}

fn le16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn le32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Sets a PE file's COFF Characteristics to `change` of them. The field is at e_lfanew
/// (at 0x3c) + 4 (the signature) + 18.
fn pe_characteristics(b: &mut [u8], change: impl FnOnce(u16) -> u16) {
    let at = u32::from_le_bytes(b[0x3c..0x40].try_into().unwrap()) as usize + 4 + 18;
    let ch = u16::from_le_bytes([b[at], b[at + 1]]);
    le16(b, at, change(ch));
}

fn go_exe() -> PathBuf {
    go_build(
        "go-linux-amd64",
        &[],
        &[("GOOS", "linux"), ("GOARCH", "amd64")],
    )
}

fn go_windows_exe() -> PathBuf {
    go_build(
        "go-windows-amd64.exe",
        &[],
        &[("GOOS", "windows"), ("GOARCH", "amd64")],
    )
}

fn go_darwin_exe() -> PathBuf {
    go_build(
        "go-darwin-arm64",
        &[],
        &[("GOOS", "darwin"), ("GOARCH", "arm64")],
    )
}

fn verify_json(file: &Path, args: &[&str]) -> Run {
    verify_json_in(module(), file, args)
}

/// `verify --message-format json FILE ARGS` in `dir`.
fn verify_json_in(dir: &Path, file: &Path, args: &[&str]) -> Run {
    let mut a = vec!["verify", "--message-format", "json", file.to_str().unwrap()];
    a.extend_from_slice(args);
    run(dir, &a)
}

/// A copy of the module with `profile` as its xbuild-go.toml.
fn module_with(profile: &str) -> tempfile::TempDir {
    let p = tempfile::tempdir().unwrap();
    for f in ["go.mod", "main.go", "export.go"] {
        std::fs::copy(module().join(f), p.path().join(f)).unwrap();
    }
    std::fs::write(p.path().join("xbuild-go.toml"), profile).unwrap();
    p
}

/// Fails unless the check's `key` is a string holding `needle`; `what` names the case.
fn assert_says(c: &serde_json::Value, key: &str, needle: &str, what: &str) {
    assert!(
        c[key].as_str().is_some_and(|v| v.contains(needle)),
        "{what}: {key} does not say {needle:?}: {c}"
    );
}

/// The check `id` of the only artifact of `r`.
fn the_check(r: &Run, id: &str) -> serde_json::Value {
    let a = r.artifacts();
    assert_eq!(a.len(), 1, "one artifact\n{r}");
    check(&a[0], id).clone()
}

#[test]
fn files_that_are_not_executables_fail_their_type_check() {
    if !require_tool("gcc", "object files and shared libraries made by gcc") {
        return;
    }
    let exe = go_exe();
    let win = go_windows_exe();
    let mac = go_darwin_exe();
    let cases: Vec<(&str, PathBuf, &str, &[&str], &str)> = vec![
        (
            "gcc_object",
            gcc("hello.o", &["-c"]),
            "elf.type",
            &["ET_REL (relocatable object)"],
            "an object file",
        ),
        (
            "gcc_shared",
            gcc("libhello.so", &["-shared", "-fPIC"]),
            "elf.type",
            &["ET_DYN (shared object)"],
            "-buildmode=c-shared or plugin",
        ),
        (
            "go_c_shared",
            go_build("go-c-shared.so", &["-buildmode=c-shared"], &[CGO]),
            "elf.type",
            &["ET_DYN (shared object)"],
            "set that -buildmode in the profile's flags",
        ),
        (
            // e_type (offset 0x10, ELF64 little-endian) set to ET_CORE (4).
            "crafted_core",
            crafted("core", &exe, |b| le16(b, 0x10, 4)),
            "elf.type",
            &["ET_CORE (core dump)"],
            "core dump",
        ),
        (
            // e_phnum (offset 0x38) set to 0: an ET_EXEC with no program headers.
            "crafted_no_program_headers",
            crafted("no-phdrs", &exe, |b| le16(b, 0x38, 0)),
            "elf.type",
            &["ET_EXEC (executable), no program headers"],
            "without program headers",
        ),
        (
            // filetype (offset 12 of the 64-bit Mach-O header) set to MH_OBJECT (1).
            "crafted_macho_object",
            crafted("macho-object", &mac, |b| le32(b, 12, 1)),
            "macho.filetype",
            &["MH_OBJECT (relocatable object)"],
            "an object file",
        ),
        (
            // filetype set to MH_DYLIB (6).
            "crafted_macho_dylib",
            crafted("macho-dylib", &mac, |b| le32(b, 12, 6)),
            "macho.filetype",
            &["MH_DYLIB (dynamic library)"],
            "-buildmode=c-shared or plugin",
        ),
        (
            // COFF Characteristics |= IMAGE_FILE_DLL (0x2000).
            "crafted_pe_dll",
            crafted("pe-dll.exe", &win, |b| {
                pe_characteristics(b, |ch| ch | 0x2000)
            }),
            "pe.characteristics",
            &["DLL"],
            "a DLL, not a program",
        ),
        (
            // COFF Characteristics &= !IMAGE_FILE_EXECUTABLE_IMAGE (0x0002).
            "crafted_pe_not_executable_image",
            crafted("pe-not-image.exe", &win, |b| {
                pe_characteristics(b, |ch| ch & !0x0002)
            }),
            "pe.characteristics",
            &[],
            "not a linked image",
        ),
    ];
    for (case, file, id, found, hint) in &cases {
        // Without a target, and against the file's own target: the type is judged either way.
        let target = match *id {
            "macho.filetype" => "darwin/arm64",
            "pe.characteristics" => "windows/amd64",
            _ => "linux/amd64",
        };
        for args in [&[][..], &["--target", target][..]] {
            let r = verify_json(file, args);
            r.code(1);
            let c = the_check(&r, id);
            assert_eq!(c["status"], "fail", "case {case} {args:?}: {c}\n{r}");
            let actual = c["actual"].as_str().unwrap();
            for f in *found {
                assert_says(&c, "actual", f, &format!("case {case} {args:?}"));
            }
            let msg = c["message"].as_str().unwrap();
            assert!(
                msg.starts_with(actual) && msg.contains("expected an executable"),
                "case {case} {args:?}: the message names what was found and expected: {c}"
            );
            assert_says(&c, "message", hint, &format!("case {case} {args:?}"));
            let artifacts = r.artifacts();
            let failed: Vec<&str> = artifacts[0]["verdict"]["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["status"] != "pass")
                .map(|c| c["id"].as_str().unwrap())
                .collect();
            if args.is_empty() {
                assert_eq!(failed, [*id], "case {case}: only the type is judged");
            }
        }
        // The human report names the check.
        run(module(), &["verify", file.to_str().unwrap()])
            .code(1)
            .stderr_has(id);
    }
}

#[test]
fn executables_of_every_kind_pass() {
    if !require_tool("gcc", "cgo builds") {
        return;
    }
    let cases: Vec<(&str, PathBuf, &str, &str, &str)> = vec![
        ("go_default", go_exe(), "linux/amd64", "elf.type", "ET_EXEC"),
        (
            "go_cgo_pie",
            go_build("go-cgo-pie", &["-buildmode=pie"], &[CGO]),
            "linux/amd64",
            "elf.type",
            "ET_DYN with DF_1_PIE",
        ),
        (
            "go_internal_pie",
            go_build("go-pie", &["-buildmode=pie"], &[]),
            "linux/amd64",
            "elf.type",
            "ET_DYN with DF_1_PIE",
        ),
        (
            // static-pie: ET_DYN, DF_1_PIE, no PT_INTERP.
            "go_static_pie",
            go_build(
                "go-static-pie",
                &[
                    "-buildmode=pie",
                    "-ldflags=-linkmode=external -extldflags=-static-pie",
                ],
                &[CGO],
            ),
            "linux/amd64",
            "elf.type",
            "ET_DYN with DF_1_PIE",
        ),
        (
            "go_windows",
            go_windows_exe(),
            "windows/amd64",
            "pe.characteristics",
            "EXECUTABLE_IMAGE",
        ),
        (
            "go_darwin",
            go_darwin_exe(),
            "darwin/arm64",
            "macho.filetype",
            "MH_EXECUTE",
        ),
    ];
    for (case, file, target, id, found) in &cases {
        for args in [&[][..], &["--target", target][..]] {
            let r = verify_json(file, args);
            r.code(0);
            let c = the_check(&r, id);
            assert_eq!(c["status"], "pass", "case {case} {args:?}: {c}");
            assert_says(&c, "actual", found, &format!("case {case} {args:?}"));
            assert!(
                c["expected"].as_str().unwrap().starts_with("an executable"),
                "case {case} {args:?}: {c}"
            );
            if *case == "go_static_pie" {
                let facts = &r.artifacts()[0]["verdict"]["facts"];
                assert_eq!(facts["interpreter"], serde_json::Value::Null, "{facts}");
                assert_eq!(facts["static"], true, "{facts}");
            }
        }
    }
}

/// A profile that builds a C shared library from the module.
const C_SHARED: &str = r#"[profile.golden]
targets = ["linux/amd64"]
cgo = true
flags = ["-buildmode=c-shared"]

[profile.golden.verify]
static = false
"#;

#[test]
fn a_c_shared_profile_expects_a_shared_object() {
    if !require_tool("gcc", "cgo builds") {
        return;
    }
    let p = module_with(C_SHARED);
    // The build verifies what it made as a shared object, and delivers it.
    let r = run(
        p.path(),
        &["build", "--message-format", "json", "-o", "libhello.so"],
    );
    r.code(0);
    let c = the_check(&r, "elf.type");
    assert_eq!(c["status"], "pass", "{c}");
    assert_eq!(c["actual"], "ET_DYN (shared object)", "{c}");
    let want = "shared object (ET_DYN without DF_1_PIE)";
    assert_says(&c, "expected", want, "the build");
    let so = p.path().join("libhello.so");
    assert!(so.is_file(), "delivered\n{r}");
    // verify with the profile agrees; without it, a shared library is no executable.
    let golden = ["--profile", "golden"];
    let r = verify_json_in(p.path(), Path::new("libhello.so"), &golden);
    r.code(0);
    assert_eq!(the_check(&r, "elf.type")["status"], "pass");
    let r = verify_json_in(p.path(), Path::new("libhello.so"), &[]);
    r.code(1);
    assert_eq!(the_check(&r, "elf.type")["status"], "fail");
    // An executable judged against the c-shared profile fails the other way.
    let pie = go_build("go-cgo-pie", &["-buildmode=pie"], &[CGO]);
    let r = verify_json_in(p.path(), &pie, &golden);
    r.code(1);
    let c = the_check(&r, "elf.type");
    assert_eq!(c["status"], "fail", "{c}");
    let why = "not the library the profile's -buildmode makes";
    assert_says(&c, "message", why, "an executable against c-shared");
}

#[test]
fn a_c_archive_profile_is_refused_before_the_build() {
    let p = module_with(&C_SHARED.replace("c-shared", "c-archive"));
    for (args, mode, at) in [
        (&["build"][..], "c-archive", "xbuild-go.toml:4:9"),
        (
            &["build", "--no-verify"][..],
            "c-archive",
            "xbuild-go.toml:4:9",
        ),
        (
            &["build", "--", "-buildmode=archive"][..],
            "archive",
            "arguments after `--`",
        ),
    ] {
        run(p.path(), args)
            .code(2)
            .stderr_has(&format!("-buildmode={mode} makes an ar archive"))
            .stderr_has(at)
            .stderr_has("neither verifies nor delivers archives");
        assert!(
            std::fs::read_dir(p.path()).unwrap().count() == 4,
            "{args:?}: nothing was built or delivered"
        );
    }
    // Given to verify, an archive is no executable (exit 1), and a c-archive profile is
    // refused (exit 2).
    if !require_tool("gcc", "cgo builds") {
        return;
    }
    let archive = go_build("go-c-archive.a", &["-buildmode=c-archive"], &[CGO]);
    run(p.path(), &["verify", archive.to_str().unwrap()])
        .code(1)
        .stderr_has("an ar archive");
    run(
        p.path(),
        &["verify", "--profile", "golden", archive.to_str().unwrap()],
    )
    .code(2)
    .stderr_has("-buildmode=c-archive makes an ar archive");
}
