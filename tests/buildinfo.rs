//! `verify::buildinfo` against the real `go`: fixtures/go/hello built for eleven targets
//! (with and without `-s -w`, with `-trimpath`, with tags), a module with a replaced
//! dependency and quoted `-ldflags`, a hand-made universal Mach-O, the toolchain's own
//! binaries and Go's Go 1.17 test binary (pointer format) must each parse to exactly what
//! `go version -m` prints; C binaries and text have no build info.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use util::*;
use xbuild_go::verify::go::buildinfo::{self, BuildInfo, Module};
use xbuild_go::verify::{ElfFile, MachFile, PeFile};

/// What `go version -m` printed about one file.
#[derive(Debug, Default)]
struct Printed {
    go_version: String,
    /// The module info lines, tab indent removed (the blank line after `=>` included).
    lines: Vec<String>,
}

/// Parses `go version -m F1 F2 ...`: `FILE: VERSION` lines, each followed by its
/// tab-indented module info lines.
fn go_version_m(files: &[PathBuf]) -> BTreeMap<PathBuf, Printed> {
    let mut args = vec!["version".to_string(), "-m".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = go(&args, &std::env::temp_dir(), &[]);
    let mut all: BTreeMap<PathBuf, Printed> = BTreeMap::new();
    let mut current: Option<PathBuf> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix('\t') {
            let file = current.as_ref().expect("module info before a file line");
            all.get_mut(file)
                .expect("current file")
                .lines
                .push(rest.to_string());
        } else {
            let (file, vers) = line
                .rsplit_once(": ")
                .unwrap_or_else(|| panic!("unexpected go version -m line {line:?}"));
            let file = PathBuf::from(file);
            all.insert(
                file.clone(),
                Printed {
                    go_version: vers.to_string(),
                    lines: Vec::new(),
                },
            );
            current = Some(file);
        }
    }
    all
}

/// Parses a file the way a caller would: the format's reader for its magic, then the
/// matching `buildinfo` function.
fn parse(bytes: &[u8]) -> Result<Option<BuildInfo>, String> {
    match bytes.get(..4) {
        Some([0x7f, b'E', b'L', b'F']) => {
            let elf = ElfFile::parse(bytes).map_err(|e| e.to_string())?;
            buildinfo::from_elf(&elf)
        }
        Some([b'M', b'Z', ..]) => {
            let pe = PeFile::parse(bytes).map_err(|e| e.to_string())?;
            buildinfo::from_pe(&pe)
        }
        Some([0xcf | 0xce, 0xfa, 0xed, 0xfe]) => {
            let m = MachFile::parse(bytes).map_err(|e| e.to_string())?;
            buildinfo::from_macho(&m)
        }
        // Universal binaries: the first slice, as Go does.
        _ => buildinfo::from_bytes(bytes),
    }
}

/// The columns of a printed `mod`/`dep`/`=>` line after its first word.
fn printed_module(m: &Module, word: &str) -> String {
    if m.replace.is_some() {
        format!("{word}\t{}\t{}", m.path, m.version)
    } else {
        format!("{word}\t{}\t{}\t{}", m.path, m.version, m.sum)
    }
}

/// Compares our parse of `file` with what `go version -m` printed; returns the differences.
fn differences(file: &Path, bi: &BuildInfo, printed: &Printed) -> Vec<String> {
    let mut diffs = Vec::new();
    let name = file.display();
    if bi.go_version != printed.go_version {
        diffs.push(format!(
            "{name}: go version {:?} != {:?}",
            bi.go_version, printed.go_version
        ));
    }
    // Field by field, from go's lines.
    let mut path = String::new();
    let mut modules: Vec<String> = Vec::new();
    let mut settings: Vec<&str> = Vec::new();
    for l in &printed.lines {
        if let Some(p) = l.strip_prefix("path\t") {
            path = p.to_string();
        } else if l.starts_with("mod\t") || l.starts_with("dep\t") || l.starts_with("=>\t") {
            modules.push(l.clone());
        } else if let Some(kv) = l.strip_prefix("build\t") {
            settings.push(kv);
        } else if !l.is_empty() {
            diffs.push(format!("{name}: unexpected go version -m line {l:?}"));
        }
    }
    if bi.path != path {
        diffs.push(format!("{name}: path {:?} != {path:?}", bi.path));
    }
    let mut ours: Vec<String> = Vec::new();
    for (word, m) in bi
        .main
        .iter()
        .map(|m| ("mod", m))
        .chain(bi.deps.iter().map(|d| ("dep", d)))
    {
        ours.push(printed_module(m, word));
        if let Some(r) = &m.replace {
            ours.push(printed_module(r, "=>"));
        }
    }
    if ours != modules {
        diffs.push(format!("{name}: modules {ours:?} != {modules:?}"));
    }
    if bi.settings.len() != settings.len() {
        diffs.push(format!(
            "{name}: {} settings != {} printed",
            bi.settings.len(),
            settings.len()
        ));
    }
    for ((k, v), raw) in bi.settings.iter().zip(&settings) {
        // Unquoted text is compared as is; quoted text through Go's quoting rules.
        if !raw.contains(['"', '`']) {
            if raw.split_once('=') != Some((k.as_str(), v.as_str())) {
                diffs.push(format!("{name}: setting ({k:?}, {v:?}) != {raw:?}"));
            }
        } else {
            let k = if buildinfo::key_needs_quotes(k) {
                buildinfo::quote(k)
            } else {
                k.clone()
            };
            let v = if buildinfo::value_needs_quotes(v) {
                buildinfo::quote(v)
            } else {
                v.clone()
            };
            if format!("{k}={v}") != *raw {
                diffs.push(format!("{name}: setting {k}={v} != {raw:?}"));
            }
        }
    }
    // And the whole text, as Go's BuildInfo.String() renders it.
    let mut want = format!("go\t{}\n", printed.go_version);
    for l in &printed.lines {
        want.push_str(l);
        want.push('\n');
    }
    if bi.to_string() != want {
        diffs.push(format!(
            "{name}: rendered text differs\n--- ours\n{bi}--- go version -m\n{want}"
        ));
    }
    diffs
}

/// Parses every file and compares it with `go version -m`; panics listing all differences.
fn assert_agree(files: &[PathBuf]) -> BTreeMap<PathBuf, BuildInfo> {
    let printed = go_version_m(files);
    let mut diffs = Vec::new();
    let mut parsed = BTreeMap::new();
    for f in files {
        let bytes = std::fs::read(f).expect("read binary");
        let Some(p) = printed.get(f) else {
            diffs.push(format!("{}: go version -m printed nothing", f.display()));
            continue;
        };
        match parse(&bytes) {
            Ok(Some(bi)) => {
                diffs.extend(differences(f, &bi, p));
                parsed.insert(f.clone(), bi);
            }
            other => diffs.push(format!("{}: {other:?}", f.display())),
        }
    }
    assert!(
        diffs.is_empty(),
        "{} difference(s):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    parsed
}

/// GOOS, GOARCH and extra environment of one build.
type Target = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const TARGETS: &[Target] = &[
    ("linux", "arm64", &[]),
    ("linux", "amd64", &[]),
    ("linux", "386", &[]),
    ("linux", "arm", &[("GOARM", "6")]),
    ("linux", "s390x", &[]),
    ("linux", "ppc64", &[]),
    ("darwin", "arm64", &[]),
    ("darwin", "amd64", &[]),
    ("windows", "amd64", &[]),
    ("windows", "386", &[]),
    ("windows", "arm64", &[]),
];

struct Build {
    name: String,
    dir: PathBuf,
    goos: &'static str,
    goarch: &'static str,
    env: Vec<(&'static str, &'static str)>,
    flags: Vec<&'static str>,
}

impl Build {
    fn out(&self, tmp: &Path) -> PathBuf {
        tmp.join(&self.name)
    }
}

/// A module whose dependency is replaced by a directory (no network needed).
fn replaced_module(root: &Path) -> PathBuf {
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write("dep/go.mod", "module example.com/dep\n\ngo 1.21\n");
    write(
        "dep/dep.go",
        "package dep\n\nfunc Hello() string { return \"hi\" }\n",
    );
    write(
        "app/go.mod",
        "module example.com/app\n\ngo 1.21\n\nrequire example.com/dep v1.2.3\n\nreplace example.com/dep v1.2.3 => ../dep\n",
    );
    write(
        "app/main.go",
        "package main\n\nimport \"example.com/dep\"\n\nfunc main() { println(dep.Hello()) }\n",
    );
    root.join("app")
}

/// A universal Mach-O of `slices` (each aligned to 2^14), as lipo makes.
fn universal(slices: &[&[u8]]) -> Vec<u8> {
    const ALIGN: usize = 1 << 14;
    let mut out = Vec::new();
    out.extend_from_slice(&0xcafe_babe_u32.to_be_bytes());
    out.extend_from_slice(&(slices.len() as u32).to_be_bytes());
    let mut offset = ALIGN;
    let mut bodies = Vec::new();
    for s in slices {
        // cputype and cpusubtype from the thin header (little endian).
        let cputype = u32::from_le_bytes(s[4..8].try_into().expect("4 bytes"));
        let subtype = u32::from_le_bytes(s[8..12].try_into().expect("4 bytes"));
        for v in [cputype, subtype, offset as u32, s.len() as u32, 14] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        bodies.push((offset, *s));
        offset = (offset + s.len()).div_ceil(ALIGN) * ALIGN;
    }
    for (at, s) in bodies {
        out.resize(at, 0);
        out.extend_from_slice(s);
    }
    out
}

#[test]
fn builds_for_every_target_agree_with_go_version_m() {
    if !require_tool("go", "building the fixtures and running go version -m") {
        return;
    }
    let hello = Project::copy_of("hello");
    let tmp = tempfile::tempdir().expect("tempdir");
    let replaced = replaced_module(&tmp.path().join("replaced-src"));

    let mut builds: Vec<Build> = Vec::new();
    for &(goos, goarch, env) in TARGETS {
        for (suffix, flags) in [("", vec![]), ("-sw", vec!["-ldflags=-s -w"])] {
            builds.push(Build {
                name: format!("hello-{goos}-{goarch}{suffix}"),
                dir: hello.path().to_path_buf(),
                goos,
                goarch,
                env: env.to_vec(),
                flags,
            });
        }
    }
    builds.push(Build {
        name: "hello-trimpath".into(),
        dir: hello.path().to_path_buf(),
        goos: "linux",
        goarch: "amd64",
        env: vec![],
        flags: vec!["-trimpath", "-ldflags=-s -w"],
    });
    builds.push(Build {
        name: "hello-tags".into(),
        dir: hello.path().to_path_buf(),
        goos: "linux",
        goarch: "arm64",
        env: vec![],
        flags: vec!["-tags=netgo,osusergo"],
    });
    builds.push(Build {
        name: "replaced".into(),
        dir: replaced,
        goos: "linux",
        goarch: "amd64",
        env: vec![],
        flags: vec!["-ldflags=-s -X 'main.x=say \"hi\"\ttab'"],
    });

    // Builds run a few at a time; they share the warm build cache.
    let started = Instant::now();
    let width = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 6));
    for chunk in builds.chunks(width) {
        std::thread::scope(|s| {
            for b in chunk {
                let out = b.out(tmp.path());
                s.spawn(move || {
                    let mut args = vec!["build", "-o"];
                    let out = out.display().to_string();
                    args.push(&out);
                    args.extend(b.flags.iter().copied());
                    args.push(".");
                    let mut env = vec![("GOOS", b.goos), ("GOARCH", b.goarch)];
                    env.extend(b.env.iter().copied());
                    go(&args, &b.dir, &env);
                });
            }
        });
    }
    eprintln!("{} builds in {:?}", builds.len(), started.elapsed());

    // A universal binary of the two darwin builds: Go (and we) read the first slice.
    let arm = std::fs::read(tmp.path().join("hello-darwin-arm64")).expect("read");
    let amd = std::fs::read(tmp.path().join("hello-darwin-amd64-sw")).expect("read");
    let fat = tmp.path().join("hello-darwin-universal");
    std::fs::write(&fat, universal(&[&amd, &arm])).expect("write universal");

    let mut files: Vec<PathBuf> = builds.iter().map(|b| b.out(tmp.path())).collect();
    files.push(fat.clone());
    let parsed = assert_agree(&files);

    // What the builds asked for is what the build info says.
    let goversion = go(&["env", "GOVERSION"], hello.path(), &[]);
    let goversion = goversion.trim();
    for b in &builds {
        let bi = &parsed[&b.out(tmp.path())];
        let name = &b.name;
        assert_eq!(bi.setting("GOOS"), Some(b.goos), "{name}");
        assert_eq!(bi.setting("GOARCH"), Some(b.goarch), "{name}");
        assert_eq!(bi.setting("CGO_ENABLED"), Some("0"), "{name}");
        assert_eq!(bi.go_version, goversion, "{name}");
        let sw = b.flags.contains(&"-ldflags=-s -w");
        let trimpath = b.flags.contains(&"-trimpath");
        assert_eq!(
            bi.setting("-ldflags") == Some("-s -w"),
            sw && !trimpath,
            "{name}: -trimpath drops -ldflags"
        );
        assert_eq!(
            bi.setting("-trimpath"),
            trimpath.then_some("true"),
            "{name}"
        );
        if b.goarch == "arm" {
            assert_eq!(bi.setting("GOARM"), Some("6"), "{name}");
        }
        if name.starts_with("hello") {
            assert_eq!(bi.path, "example.com/hello", "{name}");
            assert_eq!(
                bi.main,
                Some(Module {
                    path: "example.com/hello".into(),
                    version: "(devel)".into(),
                    sum: String::new(),
                    replace: None,
                }),
                "{name}"
            );
            assert!(bi.deps.is_empty(), "{name}");
        }
    }
    let tags = &parsed[&tmp.path().join("hello-tags")];
    assert_eq!(tags.setting("-tags"), Some("netgo,osusergo"));
    let rep = &parsed[&tmp.path().join("replaced")];
    assert_eq!(
        rep.setting("-ldflags"),
        Some("-s -X 'main.x=say \"hi\"\ttab'")
    );
    let dep = rep.deps.first().expect("one dependency");
    assert_eq!(
        (dep.path.as_str(), dep.version.as_str()),
        ("example.com/dep", "v1.2.3")
    );
    assert_eq!(
        dep.replace.as_deref().map(|r| r.path.as_str()),
        Some("../dep")
    );
    assert_eq!(
        parsed[&fat],
        parsed[&tmp.path().join("hello-darwin-amd64-sw")],
        "the universal binary reads as its first slice"
    );
}

fn goroot() -> PathBuf {
    PathBuf::from(go(&["env", "GOROOT"], &std::env::temp_dir(), &[]).trim())
}

#[test]
fn toolchain_binaries_agree_with_go_version_m() {
    if !require_tool("go", "reading the toolchain's binaries") {
        return;
    }
    let root = goroot();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![root.join("bin")];
    if let Ok(rd) = std::fs::read_dir(root.join("pkg/tool")) {
        dirs.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    for d in dirs {
        if let Ok(rd) = std::fs::read_dir(&d) {
            files.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    files.sort();
    assert!(
        files.len() >= 4,
        "too few toolchain binaries under {}: {files:?}",
        root.display()
    );
    let parsed = assert_agree(&files);

    // The largest one, parsed repeatedly: the same answer every time (its cost is
    // printed; timings are benchmarks' business, not a test's).
    let largest = files
        .iter()
        .max_by_key(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .expect("a file");
    let bytes = std::fs::read(largest).expect("read");
    if let Ok(elf) = ElfFile::parse(&bytes) {
        let runs: u32 = 200;
        let t = Instant::now();
        for _ in 0..runs {
            let bi = buildinfo::from_elf(&elf).expect("parses");
            assert_eq!(bi.as_ref(), parsed.get(largest));
        }
        let each = t.elapsed() / runs;
        eprintln!(
            "from_elf on {} ({} bytes): {each:?} per call",
            largest.display(),
            bytes.len()
        );
    }
}

/// Go's own test binaries for `debug/buildinfo`: a Go 1.17 hello world (the pointer
/// format, the only pre-1.18 binary on the machine) and a C hello world.
#[test]
fn go117_pointer_format_and_go_test_data() {
    if !require_tool("go", "locating GOROOT") {
        return;
    }
    let testdata = goroot().join("src/debug/buildinfo/testdata");
    let Ok(go117) = std::fs::read(testdata.join("go117/go117.base64")) else {
        eprintln!("SKIP: no {}", testdata.join("go117").display());
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("go117");
    std::fs::write(&file, base64_decode(&go117)).expect("write");
    let parsed = assert_agree(std::slice::from_ref(&file));
    let bi = &parsed[&file];
    assert_eq!(bi.go_version, "go1.17");
    assert_eq!(bi.path, "example.com/go117");
    assert_eq!(
        bi.main.as_ref().map(|m| m.path.as_str()),
        Some("example.com/go117")
    );
    if let Ok(notgo) = std::fs::read(testdata.join("notgo/notgo.base64")) {
        assert_eq!(parse(&base64_decode(&notgo)), Ok(None), "notgo");
    }
}

#[test]
fn non_go_files_have_no_build_info() {
    for name in [
        "aarch64-static-nolibc",
        "aarch64-dynamic",
        "aarch64-dynamic-unstripped",
        "aarch64-bti",
        "armhf-dynamic",
        "armhf-static-nolibc",
        "armel-static-nolibc-soft",
        "x86_64-dynamic",
        "not-elf.txt",
    ] {
        let bytes = std::fs::read(fixture("bin").join(name)).expect("fixture");
        assert_eq!(parse(&bytes), Ok(None), "{name}");
        assert_eq!(buildinfo::from_bytes(&bytes), Ok(None), "{name}");
    }
    let elf_bytes = std::fs::read(fixture("bin/aarch64-static-nolibc")).expect("fixture");
    let elf = ElfFile::parse(&elf_bytes).expect("C binary parses");
    assert_eq!(buildinfo::from_elf(&elf), Ok(None));
    // A truncated file is an error or nothing, never a panic.
    let truncated = std::fs::read(fixture("bin/truncated-elf")).expect("fixture");
    assert!(!matches!(buildinfo::from_bytes(&truncated), Ok(Some(_))));
}
