//! The agreement table of issue 20: for every (program, image) cell, the static verdict
//! (`runs-on.IMAGE`), the tool's run inside the image (`run.smoke.IMAGE`) and a reference
//! real run (tests/util/realrun.rs: umoci's unpack and runtime config, util-linux's
//! unshare, as a container runtime runs a program; none of the tool's smoke code) must
//! agree. The programs (fixtures/go/needs) each need one thing: CA roots, zoneinfo, the
//! current user, the resolver (`localhost`, and the container's own name), `/tmp`, a glibc version, a shared library found through
//! `ld.so.cache`, `DT_RUNPATH`, `$ORIGIN` (the runs-on entry's `path` saying where the
//! program sits) or `/usr/local/lib`, musl static and dynamic, and a
//! plain static Go binary as the control; the images are made from Debian's arm64
//! packages (tests/util/rootfs.rs), each with or without what one program needs.
//!
//! Done means (the words): no cell where the static verdict passes and the real
//! run fails, but the named [`EXCEPTIONS`]; none where it fails and the run succeeds;
//! `run.smoke.IMAGE` agrees with the real run in every cell. `--nocapture` prints the
//! table; a failure prints each disagreeing cell with all three outputs.
//!
//! Speed: the roots and images are cached under the target directory, the programs of
//! one linkage are one `go build`, all programs are judged by one `verify` call per half
//! of the list (each image read and extracted once per call), the two calls and the
//! real runs (two threads) run side by side.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use util::needs::{libneed, programs, Link};
use util::realrun::{self, Outcome, Unpacked};
use util::rootfs::{oci_layout_cached, qemu_for, ImageConfig, RootSpec};
use util::*;

/// Cells where the static verdict passes and the real run fails because no reading of
/// the files can decide it: (program, image, why). Kept tiny and specific.
const EXCEPTIONS: &[(&str, &str, &str)] = &[];

/// Where the RUNPATH program looks for libneed.so.1.
const RPATH_DIR: &str = "/opt/rpath/lib";
/// The directory `glibc-full`'s ld.so.conf.d lists (and its cache holds).
const CACHED_DIR: &str = "/opt/need/lib";

/// One program of the table: its name in the table, the fixture command, its linkage
/// and extra `CGO_LDFLAGS` (after `-L LIBNEED_DIR`).
struct Program {
    name: &'static str,
    cmd: &'static str,
    link: Link,
    ldflags: &'static str,
}

#[rustfmt::skip]
const PROGRAMS: &[Program] = &[
    Program { name: "plain", cmd: "plain", link: Link::Pure, ldflags: "" },
    Program { name: "ca-roots", cmd: "ca-roots", link: Link::Pure, ldflags: "" },
    Program { name: "zoneinfo", cmd: "zoneinfo", link: Link::Pure, ldflags: "" },
    Program { name: "current-user", cmd: "current-user", link: Link::Pure, ldflags: "" },
    Program { name: "resolver", cmd: "resolver", link: Link::Pure, ldflags: "" },
    Program { name: "hostname", cmd: "hostname", link: Link::Pure, ldflags: "" },
    Program { name: "tmp", cmd: "tmp", link: Link::Pure, ldflags: "" },
    Program { name: "glibc-2.36", cmd: "glibc-version", link: Link::Glibc, ldflags: "" },
    Program { name: "glibc-2.38", cmd: "glibc-new", link: Link::Glibc238, ldflags: "" },
    Program { name: "cgo-user-glibc", cmd: "cgo-user", link: Link::Glibc, ldflags: "" },
    Program { name: "cgo-user-glibc-static", cmd: "cgo-user", link: Link::GlibcStatic, ldflags: "" },
    Program { name: "cgo-user-musl-static", cmd: "cgo-user", link: Link::MuslStatic, ldflags: "" },
    Program { name: "plain-musl-static", cmd: "plain", link: Link::MuslStatic, ldflags: "" },
    Program { name: "plain-musl", cmd: "plain", link: Link::Musl, ldflags: "" },
    Program { name: "lib-needed", cmd: "sharedlib", link: Link::Glibc, ldflags: "-lneed" },
    Program { name: "lib-runpath", cmd: "sharedlib", link: Link::Glibc, ldflags: "-lneed -Wl,-rpath,/opt/rpath/lib -Wl,--enable-new-dtags" },
    Program { name: "lib-needed-musl", cmd: "sharedlib", link: Link::Musl, ldflags: "-lneed" },
    Program { name: "lib-origin", cmd: "sharedlib", link: Link::Glibc, ldflags: "-lneed -Wl,-rpath,$ORIGIN/../lib -Wl,--enable-new-dtags" },
];

/// Where the programs sit in the `glibc-origin` image (its `runs-on` entry's `path`):
/// `$ORIGIN/../lib` is `/app/lib` there.
const ORIGIN_PATH: &str = "/app/bin/app";

/// The images of the table: (name, root, config). `lib` is libneed.so.1's bytes.
fn images(lib: &[u8], arch: &str) -> Vec<(&'static str, RootSpec, ImageConfig)> {
    let root = ImageConfig::default();
    let as_user = |u: &str| ImageConfig {
        user: Some(u.into()),
        ..ImageConfig::default()
    };
    // Nothing at all: what a plain static binary needs.
    let empty = RootSpec::new(arch, &[]);
    // distroless/static's shape: no libc, files for a Go binary, the nonroot user.
    let mut static_base = RootSpec::new(
        arch,
        &["base-files", "netbase", "tzdata", "ca-certificates"],
    );
    static_base
        .file(
            "etc/passwd",
            "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
        )
        .file("etc/group", "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n")
        .file("etc/nsswitch.conf", "hosts: files dns\n");
    // Everything, and a library directory the loader cache lists.
    let mut full = RootSpec::debian_base(arch);
    full.blob(&format!("{CACHED_DIR}/libneed.so.1"), lib)
        .file("etc/ld.so.conf.d/need.conf", &format!("{CACHED_DIR}\n"));
    // glibc alone: no /tmp, no /etc/passwd, no zoneinfo, no CA roots.
    let mut bare = RootSpec::new(arch, &["libc6", "libc-bin"]);
    bare.ldconfig = Some("new".into());
    // The library in /usr/local/lib, which the cache does not list (glibc then does
    // not look there; Debian's libc.conf would have listed it).
    let mut usrlocal = RootSpec::debian_12_slim(arch);
    usrlocal
        .blob("usr/local/lib/libneed.so.1", lib)
        .file("etc/ld.so.conf", "")
        .file("etc/ld.so.conf.d/libc.conf", "");
    // The library where the RUNPATH program looks, and nowhere the cache lists.
    let mut rpath = RootSpec::debian_12_slim(arch);
    rpath.blob(&format!("{RPATH_DIR}/libneed.so.1"), lib);
    // The library beside the program's directory, for `$ORIGIN/../lib`.
    let mut origin = RootSpec::debian_12_slim(arch);
    origin.blob("app/lib/libneed.so.1", lib);
    // musl's loader with its default path (Debian's path file removed), libneed in
    // /usr/local/lib, base-files' /tmp; no users, no zoneinfo.
    let mut musl = RootSpec::new(arch, &["musl", "base-files"]);
    musl.blob("usr/local/lib/libneed.so.1", lib)
        .without(&format!("etc/ld-musl-{}.path", musl_arch(arch)));
    vec![
        ("empty", empty, root.clone()),
        ("static-base", static_base, as_user("nonroot")),
        ("glibc-full", full, root.clone()),
        ("glibc-slim", RootSpec::debian_12_slim(arch), root.clone()),
        ("glibc-bare", bare, root.clone()),
        ("glibc-usrlocal", usrlocal, root.clone()),
        ("glibc-rpath", rpath, root.clone()),
        (
            "glibc-uid",
            RootSpec::debian_12_slim(arch),
            as_user("65532"),
        ),
        ("glibc-origin", origin, root.clone()),
        ("musl", musl, root),
    ]
}

/// musl's name of a Debian architecture (its loader's and path file's).
fn musl_arch(arch: &str) -> &str {
    match arch {
        "arm64" => "aarch64",
        "amd64" => "x86_64",
        other => other,
    }
}

/// The programs and images of the amd64 part of the table: the pure Go ones, natively,
/// on the images they tell apart (cheap: no cross toolchain, no emulator).
const AMD64_PROGRAMS: &[&str] = &[
    "plain",
    "ca-roots",
    "zoneinfo",
    "current-user",
    "resolver",
    "hostname",
    "tmp",
];
const AMD64_IMAGES: &[&str] = &[
    "empty",
    "static-base",
    "glibc-slim",
    "glibc-bare",
    "glibc-uid",
    "musl",
];

fn have_tools() -> bool {
    let ok = util::rootfs::require_tools("the agreement table's images")
        && require_tool("qemu-aarch64-static", "running arm64 programs")
        && require_tool("go", "building the programs")
        && require_tool("aarch64-linux-gnu-gcc", "cgo builds for linux/arm64")
        && require_zig("musl and glibc 2.38 builds").is_some();
    if !ok {
        return false;
    }
    if let Some(why) = realrun::unavailable() {
        assert!(
            !in_ci(),
            "the reference runs: {why}; under CI=true this must run"
        );
        eprintln!("SKIP: the reference runs: {why}");
        return false;
    }
    true
}

/// The programs built into `dir` for `goarch`: one `go build` per (linkage, flags), by
/// name.
fn build_programs(
    dir: &Path,
    goarch: &str,
    progs: &[&'static Program],
) -> BTreeMap<&'static str, PathBuf> {
    let lib = libneed(goarch, &dir.join("libneed"));
    let mut groups: BTreeMap<(String, &str), Vec<&Program>> = BTreeMap::new();
    for p in progs.iter().copied() {
        groups
            .entry((format!("{:?}", p.link), p.ldflags))
            .or_default()
            .push(p);
    }
    let mut out = BTreeMap::new();
    for (i, ((_, ldflags), progs)) in groups.into_iter().enumerate() {
        let cmds: Vec<&str> = progs.iter().map(|p| p.cmd).collect();
        let flags = if ldflags.is_empty() {
            String::new()
        } else {
            format!("-L{} {ldflags}", lib.display())
        };
        let built = programs(
            &cmds,
            goarch,
            progs[0].link,
            &flags,
            &dir.join(format!("g{i}")),
        );
        for (p, file) in progs.iter().zip(built) {
            let named = dir.join(p.name);
            std::fs::rename(&file, &named).unwrap();
            out.insert(p.name, named);
        }
    }
    out
}

/// What the tool said of one cell.
#[derive(Clone, Debug, Default)]
struct Said {
    static_status: String,
    static_text: String,
    smoke_status: String,
    smoke_text: String,
}

/// One `verify FILE... --target linux/GOARCH --smoke agreement` in `dir` over every
/// image: what it said of each (program, image).
fn verify_all(
    goarch: &str,
    dir: &Path,
    files: &[(&'static str, PathBuf)],
    images: &[(&'static str, String)],
) -> BTreeMap<(&'static str, &'static str), Said> {
    let list: Vec<String> = images
        .iter()
        .map(|(n, r)| match path_in(n) {
            Some(p) => format!("{{ image = {r:?}, path = {p:?} }}"),
            None => format!("{r:?}"),
        })
        .collect();
    std::fs::write(
        dir.join("xbuild-go.toml"),
        format!(
            "[build.verify]\nbuildinfo = false\n\n[profile.golden.verify]\nstatic = false\n\
             stripped = false\nruns-on = [{}]\n",
            list.join(", ")
        ),
    )
    .unwrap();
    let mut args = vec!["verify", "--message-format", "json"];
    let paths: Vec<String> = files.iter().map(|(_, f)| f.display().to_string()).collect();
    args.extend(paths.iter().map(String::as_str));
    let target = format!("linux/{goarch}");
    args.extend(["--target", &target, "--smoke", "agreement"]);
    let r = run(dir, &args);
    assert!(matches!(r.code, Some(0 | 1)), "{r}");
    let arts = r.artifacts();
    assert_eq!(arts.len(), files.len(), "one artifact per file\n{r}");
    let mut out = BTreeMap::new();
    for ((name, file), art) in files.iter().zip(&arts) {
        assert!(
            art["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(&*file.file_name().unwrap().to_string_lossy())),
            "artifacts in the order of the files: {name} is {}",
            art["path"]
        );
        for (image, r) in images {
            let text = |c: &serde_json::Value| {
                format!("{} | {} | {}", c["expected"], c["actual"], c["message"])
            };
            let st = check(art, &format!("runs-on.{r}"));
            let sm = art["verdict"]["checks"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["id"] == format!("run.smoke.{r}")));
            out.insert(
                (*name, *image),
                Said {
                    static_status: st["status"].as_str().unwrap_or("").to_string(),
                    static_text: text(st),
                    smoke_status: sm
                        .map_or("absent", |c| c["status"].as_str().unwrap_or(""))
                        .to_string(),
                    smoke_text: sm.map_or_else(|| format!("no run.smoke.{r} check"), text),
                },
            );
        }
    }
    out
}

/// Where the programs are put in image `name` (its `runs-on` entry's `path`), if not
/// where the run puts them by itself.
fn path_in(name: &str) -> Option<&'static str> {
    (name == "glibc-origin").then_some(ORIGIN_PATH)
}

/// One architecture's part of the table.
struct Part {
    table: String,
    bad: Vec<String>,
    static_ok: usize,
    smoke_ok: usize,
    total: usize,
    exceptions_used: Vec<String>,
    prepared: std::time::Duration,
}

/// The cells of `progs` on the images (all, or those `keep` names) for `goarch`, in
/// the scratch directory `d`.
fn part(goarch: &str, progs: &[&'static Program], keep: Option<&[&str]>, d: &Path) -> Part {
    let started = std::time::Instant::now();
    std::fs::create_dir_all(d).unwrap();
    let lib_dir = libneed(goarch, &d.join("lib"));
    let lib = std::fs::read(lib_dir.join("libneed.so.1")).unwrap();
    // The images (cached) and the programs, side by side.
    let (layouts, built) = std::thread::scope(|s| {
        let imgs = s.spawn(|| {
            images(&lib, goarch)
                .into_iter()
                .filter(|(name, _, _)| keep.map_or(true, |k| k.contains(name)))
                .map(|(name, spec, config)| {
                    (name, oci_layout_cached(&spec.build(), goarch, &config))
                })
                .collect::<Vec<_>>()
        });
        let built = build_programs(&d.join("bin"), goarch, progs);
        (imgs.join().unwrap(), built)
    });
    let prepared = started.elapsed();
    let refs: Vec<(&'static str, String)> = layouts
        .iter()
        .map(|(n, l)| (*n, format!("oci:{}:t", l.display())))
        .collect();
    let files: Vec<(&'static str, PathBuf)> = progs
        .iter()
        .map(|p| (p.name, built[p.name].clone()))
        .collect();
    let qemu = qemu_for(goarch);
    // The tool (two verify calls, half the programs each) and the real runs (two
    // threads), side by side.
    let real: Mutex<BTreeMap<(&str, &str), Outcome>> = Mutex::new(BTreeMap::new());
    let said = std::thread::scope(|s| {
        let (a, b) = files.split_at(files.len() / 2);
        let va = {
            let dir = d.join("verify-a");
            std::fs::create_dir(&dir).unwrap();
            let refs = &refs;
            s.spawn(move || verify_all(goarch, &dir, a, refs))
        };
        let vb = {
            let dir = d.join("verify-b");
            std::fs::create_dir(&dir).unwrap();
            let refs = &refs;
            s.spawn(move || verify_all(goarch, &dir, b, refs))
        };
        let unpacked: Vec<(&str, Unpacked)> = layouts
            .iter()
            .map(|(n, l)| (*n, realrun::unpack_cached(l, "t", qemu, path_in(n))))
            .collect();
        let cells: Mutex<Vec<(&str, &Path, &str, &Unpacked)>> = Mutex::new(
            files
                .iter()
                .flat_map(|(p, f)| unpacked.iter().map(move |(i, u)| (*p, f.as_path(), *i, u)))
                .collect(),
        );
        std::thread::scope(|rs| {
            for _ in 0..2 {
                rs.spawn(|| loop {
                    let Some((p, f, i, u)) = cells.lock().unwrap().pop() else {
                        break;
                    };
                    let o = u.run(f, p, &["agreement"]);
                    real.lock().unwrap().insert((p, i), o);
                });
            }
        });
        let mut said = va.join().unwrap();
        said.extend(vb.join().unwrap());
        said
    });
    let real = real.into_inner().unwrap();
    // The table.
    let mut table = format!("linux/{goarch}:\n");
    let mut bad = Vec::new();
    let (mut static_ok, mut smoke_ok, mut total) = (0, 0, 0);
    let cols: Vec<&str> = refs.iter().map(|(n, _)| *n).collect();
    table.push_str(&format!("{:<24}", "program \\ image"));
    for c in &cols {
        table.push_str(&format!(" {c:>14}"));
    }
    table.push('\n');
    let mut exceptions_used = Vec::new();
    for p in progs {
        table.push_str(&format!("{:<24}", p.name));
        for i in &cols {
            total += 1;
            let s = &said[&(p.name, *i)];
            let r = &real[&(p.name, *i)];
            let st = s.static_status == "pass";
            let sm = s.smoke_status == "pass";
            let re = r.passed();
            let exception = EXCEPTIONS
                .iter()
                .find(|(ep, ei, _)| *ep == p.name && ei == i);
            let static_agrees = st == re || (st && !re && exception.is_some());
            if st != re && exception.is_some() {
                exceptions_used.push(format!("{} on {i}", p.name));
            }
            static_ok += usize::from(st == re);
            smoke_ok += usize::from(sm == re);
            let mark = |b: bool| if b { "+" } else { "-" };
            table.push_str(&format!(
                " {:>14}",
                format!(
                    "{}{}{}{}",
                    mark(st),
                    mark(sm),
                    mark(re),
                    if static_agrees && sm == re { " " } else { "!" }
                )
            ));
            // Where the entry says the program sits, the tool's run puts it there.
            if let Some(at) = path_in(i).filter(|_| sm) {
                if !s.smoke_text.contains(&format!(", at {at})")) {
                    bad.push(format!(
                        "cell {} on {i} (linux/{goarch}): the run does not say it ran at {at}: {}",
                        p.name, s.smoke_text
                    ));
                }
            }
            if !static_agrees || sm != re {
                bad.push(format!(
                    "cell {} on {i} (linux/{goarch}):\n  static runs-on: {} {}\n  run.smoke:      {} {}\n  real run:       exit {:?}\n    stdout: {}\n    stderr: {}",
                    p.name,
                    s.static_status,
                    s.static_text,
                    s.smoke_status,
                    s.smoke_text,
                    r.code,
                    r.stdout.trim(),
                    r.stderr.trim()
                ));
            }
        }
        table.push('\n');
    }
    Part {
        table,
        bad,
        static_ok,
        smoke_ok,
        total,
        exceptions_used,
        prepared,
    }
}

#[test]
fn static_verdicts_in_image_smoke_runs_and_real_runs_agree_in_every_cell() {
    if !have_tools() {
        return;
    }
    let started = std::time::Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let all: Vec<&'static Program> = PROGRAMS.iter().collect();
    let pure: Vec<&'static Program> = PROGRAMS
        .iter()
        .filter(|p| AMD64_PROGRAMS.contains(&p.name))
        .collect();
    let parts = [
        part("arm64", &all, None, &tmp.path().join("arm64")),
        part(
            "amd64",
            &pure,
            Some(AMD64_IMAGES),
            &tmp.path().join("amd64"),
        ),
    ];
    let sum = |f: fn(&Part) -> usize| parts.iter().map(f).sum::<usize>();
    let (static_ok, smoke_ok, total) =
        (sum(|p| p.static_ok), sum(|p| p.smoke_ok), sum(|p| p.total));
    let table: String = parts
        .iter()
        .map(|p| p.table.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let bad: Vec<&String> = parts.iter().flat_map(|p| &p.bad).collect();
    let exceptions_used: Vec<&String> = parts.iter().flat_map(|p| &p.exceptions_used).collect();
    let prepared: Vec<String> = parts
        .iter()
        .map(|p| format!("{:.1?}", p.prepared))
        .collect();
    eprintln!(
        "agreement table (static, run.smoke, real; + pass, - fail; ! disagreeing)\n{table}\n\
         static vs real: {static_ok}/{total} cells agree; run.smoke vs real: {smoke_ok}/{total}; \
         exceptions used: {exceptions_used:?}\nprepared in {} (arm64, amd64), all in {:.1?}",
        prepared.join(", "),
        started.elapsed()
    );
    assert!(
        bad.is_empty(),
        "{} disagreeing cell(s):\n{}\n\n{table}",
        bad.len(),
        bad.iter()
            .map(|b| b.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        EXCEPTIONS
            .iter()
            .all(|(p, i, _)| exceptions_used.iter().any(|u| **u == format!("{p} on {i}"))),
        "an exception no cell needs any more: {EXCEPTIONS:?} (used: {exceptions_used:?})"
    );
}
