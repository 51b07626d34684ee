//! `verify::pclntab` against Go's own readers: every Go binary of the toolchain (GOROOT `bin`
//! and `pkg/tool`) and fixtures/go/hello built for nine targets (32/64-bit, both byte orders,
//! ELF, Mach-O, PE) must list exactly the function (`T`/`t`) symbols `go tool nm` prints; the
//! `-s -w` builds (no symbol table: PE found by the magic scan) and an ELF with its section
//! headers cut off (found by the scan) the same names; and the older layouts (Go 1.15's raw
//! table from `debug/gosym`'s test data, the Go 1.17 binary of `debug/buildinfo`'s, and a
//! Go 1.18/1.19 binary from Debian's `age` package, an externally linked PIE with no
//! `.gopclntab` section) exactly the names, in order, that `debug/gosym` reads.

mod util;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use util::*;
use xbuild_go::verify::go::pclntab::{self, Pclntab, Version};

fn goroot() -> PathBuf {
    PathBuf::from(go(&["env", "GOROOT"], &std::env::temp_dir(), &[]).trim())
}

/// Our names of a file, in table order, and the table.
fn ours(bytes: &[u8], file: &Path) -> (Vec<String>, Version, u64) {
    let t = pclntab::from_bytes(bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .unwrap_or_else(|| panic!("{}: no pclntab found", file.display()));
    let names = t
        .names()
        .map(|r| {
            r.map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        })
        .collect();
    (names, t.version, t.offset)
}

/// The `T`/`t` symbols `go tool nm` prints for a file, with the `.abi0` suffix the linker
/// adds to assembly functions' symbol names removed (pclntab has the plain names).
fn nm_functions(file: &Path) -> BTreeSet<String> {
    let text = go(
        &["tool", "nm", &file.display().to_string()],
        Path::new("/"),
        &[],
    );
    text.lines()
        .filter_map(|l| {
            let mut it = l.trim_start().splitn(3, ' ');
            let (_addr, kind, name) = (it.next()?, it.next()?, it.next()?);
            matches!(kind, "T" | "t").then(|| name.trim_end_matches(".abi0").to_string())
        })
        .collect()
}

/// Compares our names with nm's; returns the differences. The ELF symbol table spells the
/// middle dot of compiler-made names (`·1`) as `.` (PE keeps it), so both sides are compared
/// with dots; nm also lists the text markers (`runtime.text`, `runtime.etext`), cgo objects'
/// sections (`net(.text)`) and C functions (no `.` in the name), which have no pclntab
/// entry. The Mach-O symbol table Go writes leaves out the assembly functions that have no
/// package (`gogo`, `_rt0_arm64_darwin`, `go:buildid`), which pclntab has.
fn nm_differences(file: &Path, names: &[String]) -> Vec<String> {
    let dots = |n: &str| n.replace('·', ".");
    let ours: BTreeSet<String> = names.iter().map(|n| dots(n)).collect();
    let nm: BTreeSet<String> = nm_functions(file).iter().map(|n| dots(n)).collect();
    let macho = std::fs::read(file)
        .ok()
        .and_then(|b| b.get(..4).map(|m| m == [0xcf, 0xfa, 0xed, 0xfe]))
        .unwrap_or(false);
    let mut d = Vec::new();
    for n in ours.difference(&nm) {
        if !macho || n.contains('.') {
            d.push(format!("{}: ours only: {n}", file.display()));
        }
    }
    for n in nm.difference(&ours) {
        let marker = n == "runtime.text" || n == "runtime.etext" || n.contains("(.text)");
        if !marker && n.contains('.') {
            d.push(format!("{}: nm only: {n}", file.display()));
        }
    }
    if ours.is_empty() {
        d.push(format!("{}: no names", file.display()));
    }
    d
}

fn assert_none(diffs: Vec<String>) {
    assert!(
        diffs.is_empty(),
        "{} difference(s):\n{}",
        diffs.len(),
        diffs
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn toolchain_binaries_agree_with_go_tool_nm() {
    if !require_tool("go", "reading GOROOT's binaries and running go tool nm") {
        return;
    }
    let root = goroot();
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in std::iter::once(root.join("bin")).chain(
        std::fs::read_dir(root.join("pkg/tool"))
            .expect("GOROOT/pkg/tool")
            .flatten()
            .map(|e| e.path()),
    ) {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.path().is_file() {
                files.push(e.path());
            }
        }
    }
    assert!(files.len() >= 8, "few toolchain binaries: {files:?}");
    let mut diffs = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).expect("read");
        let (names, version, _) = ours(&bytes, f);
        assert_eq!(version, Version::Go120, "{}", f.display());
        diffs.extend(nm_differences(f, &names));
    }
    assert_none(diffs);
}

const TARGETS: &[(&str, &str)] = &[
    ("linux", "arm64"),
    ("linux", "amd64"),
    ("linux", "386"),
    ("linux", "arm"),
    ("linux", "s390x"),
    ("linux", "ppc64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
    ("windows", "386"),
];

#[test]
fn builds_for_every_layout_agree_with_go_tool_nm_stripped_or_not() {
    if !require_tool("go", "building the fixtures and running go tool nm") {
        return;
    }
    let hello = Project::copy_of("hello");
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut diffs = Vec::new();
    for &(goos, goarch) in TARGETS {
        let full = tmp.path().join(format!("hello-{goos}-{goarch}"));
        let stripped = tmp.path().join(format!("hello-{goos}-{goarch}-sw"));
        let env = [("GOOS", goos), ("GOARCH", goarch)];
        for (out, flags) in [(&full, vec![]), (&stripped, vec!["-ldflags=-s -w"])] {
            let out = out.display().to_string();
            let mut args = vec!["build", "-o", &out];
            args.extend(flags);
            args.push(".");
            go(&args, hello.path(), &env);
        }
        let (names, version, _) = ours(&std::fs::read(&full).expect("read"), &full);
        assert_eq!(version, Version::Go120, "{goos}/{goarch}");
        assert!(names.iter().any(|n| n == "main.main"), "{goos}/{goarch}");
        diffs.extend(nm_differences(&full, &names));
        // -s -w keeps the table: the same names, whether found by section or by the scan.
        let (sw, _, _) = ours(&std::fs::read(&stripped).expect("read"), &stripped);
        if sw != names {
            diffs.push(format!("{goos}/{goarch}: -s -w build has other names"));
        }
    }
    assert_none(diffs);

    // An ELF with no section headers at all: found by the magic scan of its segments.
    let sw = std::fs::read(tmp.path().join("hello-linux-arm64-sw")).expect("read");
    let mut cut = sw.clone();
    cut[0x28..0x30].fill(0); // e_shoff
    cut[0x3c..0x40].fill(0); // e_shnum, e_shstrndx
    let by_section = pclntab::from_bytes(&sw).unwrap().unwrap();
    let by_scan = pclntab::from_bytes(&cut).unwrap().unwrap();
    assert_eq!(by_scan.offset, by_section.offset);
    assert!(by_scan.names().eq(by_section.names()));
}

/// A Go program that prints the function names `debug/gosym` reads from the table at file
/// offset ARG2 of file ARG1, one per line.
const GOSYM: &str = r#"package main

import (
	"bufio"
	"debug/gosym"
	"fmt"
	"os"
	"strconv"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	off, err := strconv.ParseUint(os.Args[2], 0, 64)
	if err != nil {
		panic(err)
	}
	t, err := gosym.NewTable(nil, gosym.NewLineTable(data[off:], 0))
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriter(os.Stdout)
	for _, f := range t.Funcs {
		fmt.Fprintln(w, f.Name)
	}
	w.Flush()
}
"#;

/// Builds the gosym reader once per test.
fn gosym_reader(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("go.mod"), "module gosymnames\ngo 1.21\n").expect("go.mod");
    std::fs::write(dir.join("main.go"), GOSYM).expect("main.go");
    let exe = dir.join("gosymnames");
    go(&["build", "-o", &exe.display().to_string(), "."], dir, &[]);
    exe
}

fn gosym_names(reader: &Path, file: &Path, offset: u64) -> Vec<String> {
    let out = Command::new(reader)
        .arg(file)
        .arg(format!("{offset:#x}"))
        .output()
        .expect("run gosym reader");
    assert_succeeded(&out, &format!("gosym reader on {}: ", file.display()));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn older_layouts_agree_with_debug_gosym() {
    if !require_tool("go", "locating GOROOT's test data and running debug/gosym") {
        return;
    }
    let root = goroot();
    let tmp = tempfile::tempdir().expect("tempdir");
    let reader = gosym_reader(tmp.path());

    // Go 1.15: the raw table debug/gosym's tests use (a gzipped hello world's .gopclntab).
    if require_tool("gzip", "unpacking debug/gosym/testdata/pcln115.gz") {
        let gz = root.join("src/debug/gosym/testdata/pcln115.gz");
        let out = Command::new("gzip")
            .arg("-dc")
            .arg(&gz)
            .output()
            .expect("gzip");
        assert!(out.status.success(), "gzip -dc {}", gz.display());
        let raw = tmp.path().join("pcln115");
        std::fs::write(&raw, &out.stdout).expect("write");
        let t = Pclntab::parse(&out.stdout, 0).expect("Go 1.15 table");
        assert_eq!(
            (t.version, t.ptr_size, t.big_endian),
            (Version::Go12, 8, false)
        );
        let names: Vec<String> = t
            .names()
            .map(|r| String::from_utf8_lossy(r.expect("name")).into_owned())
            .collect();
        assert!(names.iter().any(|n| n == "main.main"), "{names:?}");
        assert_eq!(names, gosym_names(&reader, &raw, 0), "Go 1.15 names");
    }

    // Go 1.17: debug/buildinfo's test binary, also against go tool nm.
    let b64 = std::fs::read(root.join("src/debug/buildinfo/testdata/go117/go117.base64"))
        .expect("go117.base64");
    let go117 = tmp.path().join("go117");
    std::fs::write(&go117, base64_decode(&b64)).expect("write");
    let bytes = std::fs::read(&go117).expect("read");
    let (names, version, offset) = ours(&bytes, &go117);
    assert_eq!(version, Version::Go116);
    assert_eq!(names, gosym_names(&reader, &go117, offset), "Go 1.17 names");
    assert_none(nm_differences(&go117, &names));

    // Go 1.18/1.19: Debian 12's age, built by golang-1.19, externally linked as a PIE with
    // its table inside .data.rel.ro and no symbols: only the scan finds it.
    if require_tool(
        "age",
        "a Go 1.19 binary (Debian 12's age package; .ci/run installs it)",
    ) {
        let age = which("age").expect("age on PATH");
        let bytes = std::fs::read(&age).expect("read age");
        let (names, version, offset) = ours(&bytes, &age);
        let built_by = go(
            &["version", &age.display().to_string()],
            Path::new("/"),
            &[],
        );
        if built_by.contains("go1.18") || built_by.contains("go1.19") {
            assert_eq!(version, Version::Go118, "{built_by}");
        }
        assert!(names.iter().any(|n| n == "main.main"), "{}", age.display());
        assert_eq!(names, gosym_names(&reader, &age, offset), "{built_by}");
    }
}

#[test]
fn truncated_binaries_are_errors_or_nothing_never_panics() {
    if !require_tool("go", "building the fixture") {
        return;
    }
    let hello = Project::copy_of("hello");
    let out = hello.path().join("hello");
    go(
        &[
            "build",
            "-ldflags=-s -w",
            "-o",
            &out.display().to_string(),
            ".",
        ],
        hello.path(),
        &[("GOOS", "linux"), ("GOARCH", "arm64")],
    );
    let bytes = std::fs::read(&out).expect("read");
    let t = pclntab::from_bytes(&bytes).unwrap().unwrap();
    let start = t.offset as usize;
    // Cut inside the table: the section runs past the end of the file, an error naming it.
    for cut in [start + 8, start + 100, start + 5000, bytes.len() - 1] {
        match pclntab::from_bytes(&bytes[..cut]) {
            Err(e) => assert!(e.message.contains("0x"), "{e}"),
            Ok(Some(t)) => {
                let _ = t.names().count();
            }
            Ok(None) => {}
        }
    }
}
