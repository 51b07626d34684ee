//! zig as the C compiler of cgo builds: found with `--zig`, else `XBUILD_GO_ZIG`, else
//! `zig` on PATH, else the `ziglang` Python package (`pip install ziglang`, whose
//! binary `python3 -m ziglang` runs); its version checked (too old is exit 4); the
//! glibc versions it bundles read from `zig targets`; and the `-target` triple for a
//! Go target, libc and glibc floor.

use std::path::{Path, PathBuf};

use crate::profile::Libc;
use crate::target::Target;

use super::hostenv::HostEnv;

/// The variable that points the tool at a `zig` binary.
pub const ZIG_VAR: &str = "XBUILD_GO_ZIG";

/// The oldest zig driven: `x86` (not `i386`) target names and `zig cc` accepting the
/// flags go passes to its C compiler.
pub const MIN_ZIG: (u32, u32, u32) = (0, 11, 0);

/// How to get zig, for messages.
pub const INSTALL_HINT: &str = "install zig (`pip install ziglang` puts it in a Python \
     environment, where `python3 -m ziglang` finds it), put `zig` on PATH, or point --zig / \
     XBUILD_GO_ZIG at the binary";

/// Where the zig binary came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZigFrom {
    Flag,
    Variable,
    Path,
    /// The `ziglang` package of this Python interpreter.
    Python(PathBuf),
}

impl ZigFrom {
    pub fn describe(&self) -> String {
        match self {
            ZigFrom::Flag => "--zig".to_string(),
            ZigFrom::Variable => ZIG_VAR.to_string(),
            ZigFrom::Path => "PATH".to_string(),
            ZigFrom::Python(py) => format!("the ziglang package of {}", py.display()),
        }
    }
}

/// A usable zig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zig {
    pub path: PathBuf,
    pub from: ZigFrom,
    /// As `zig version` prints it: `0.17.1`, `0.14.0-dev.367+a57479afc`.
    pub version: String,
}

/// Why there is no usable zig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZigProblem {
    /// Nothing found where zig is looked for.
    NotFound(String),
    /// A zig was named or found but cannot be used (missing file, too old, broken).
    Unusable(String),
}

impl ZigProblem {
    pub fn message(&self) -> &str {
        match self {
            ZigProblem::NotFound(m) | ZigProblem::Unusable(m) => m,
        }
    }
}

/// Finds zig as the module doc says and checks its version. `path_var` is the PATH
/// tools are looked up in (the profile's `env.PATH`, else the host's). With `memo` (a
/// directory), earlier answers of python3 and zig are reused while the files they
/// came from are unchanged, so a warm build runs neither.
pub fn locate(
    flag: Option<&Path>,
    host: &HostEnv,
    path_var: Option<&str>,
    cwd: &Path,
    memo: Option<&Path>,
) -> Result<Zig, ZigProblem> {
    let named = |p: &Path, via: &str| -> Result<PathBuf, ZigProblem> {
        let found = if p.components().count() > 1 || p.is_absolute() {
            let abs = cwd.join(p);
            abs.is_file().then_some(abs)
        } else {
            super::locate::find_tool(&p.to_string_lossy(), path_var, cwd)
        };
        found.ok_or_else(|| {
            ZigProblem::Unusable(format!(
                "{via} names `{}`, which does not exist: {INSTALL_HINT}",
                p.display()
            ))
        })
    };
    let (path, from) = if let Some(p) = flag {
        (named(p, "--zig")?, ZigFrom::Flag)
    } else if let Some(p) = host.get(ZIG_VAR).filter(|v| !v.is_empty()) {
        (named(Path::new(p), ZIG_VAR)?, ZigFrom::Variable)
    } else if let Some(p) = super::locate::find_tool("zig", path_var, cwd) {
        (p, ZigFrom::Path)
    } else {
        match from_python(host, path_var, cwd, memo) {
            Some(found) => found?,
            None => {
                return Err(ZigProblem::NotFound(format!(
                    "zig was not found (no --zig, no {ZIG_VAR}, no `zig` on PATH, no ziglang \
                     package for python3)"
                )))
            }
        }
    };
    let version = query_version(&path, host, memo)?;
    Ok(Zig {
        path,
        from,
        version,
    })
}

/// The environment of our probes of zig and python: the host's PATH and HOME (zig
/// keeps its cache under it) and Python's own variables (a virtual environment,
/// pyenv), built as data.
fn probe_env(host: &HostEnv) -> std::collections::BTreeMap<String, String> {
    host.iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "PATH" | "HOME" | "XDG_CACHE_HOME" | "VIRTUAL_ENV"
            ) || k.starts_with("PYTHON")
                || k.starts_with("PYENV")
                || k.starts_with("ZIG_")
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The zig binary of the `ziglang` Python package: `None` when there is no python3 or
/// it has no such package.
fn from_python(
    host: &HostEnv,
    path_var: Option<&str>,
    cwd: &Path,
    memo: Option<&Path>,
) -> Option<Result<(PathBuf, ZigFrom), ZigProblem>> {
    let python = super::locate::find_tool("python3", path_var, cwd)?;
    let mut env = probe_env(host);
    if let Some(p) = path_var {
        env.insert("PATH".into(), p.to_string());
    }
    // Which package python3 imports depends on the interpreter and Python's variables.
    let key = format!(
        "python {} {:?}",
        python.display(),
        env.iter()
            .filter(|(k, _)| k.starts_with("PYTHON") || k.as_str() == "VIRTUAL_ENV")
            .collect::<Vec<_>>()
    );
    // The answer names zig's path: trusted only from an entry that names the
    // interpreter and that very zig among the files it depends on.
    if let Some(e) = memo.and_then(|m| memo::get(m, &key, &[&python])) {
        let zig = PathBuf::from(&e.value);
        if e.files.iter().any(|(f, _)| *f == zig) {
            return Some(Ok((zig, ZigFrom::Python(python))));
        }
    }
    // Where the package is, without running zig through Python on every compile.
    let out = super::probe::probe(
        &python,
        &[
            "-c",
            "import os, sys, ziglang; sys.stdout.write(os.path.dirname(ziglang.__file__))",
        ],
        &env,
    )
    .ok()?;
    let dir = PathBuf::from(out.trim());
    let zig = dir.join("zig");
    Some(if zig.is_file() {
        if let Some(m) = memo {
            // Valid while the interpreter, the package directory and zig are unchanged.
            let real = std::fs::canonicalize(&python).unwrap_or_else(|_| python.clone());
            memo::put(
                m,
                &key,
                &[&python, &real, &dir, &zig],
                &zig.to_string_lossy(),
            );
        }
        Ok((zig, ZigFrom::Python(python)))
    } else {
        Err(ZigProblem::Unusable(format!(
            "the ziglang package of {} ({}) holds no zig binary: reinstall it (pip install \
             --force-reinstall ziglang)",
            python.display(),
            dir.display()
        )))
    })
}

/// `zig version` (remembered per binary), checked against [`MIN_ZIG`].
fn query_version(zig: &Path, host: &HostEnv, memo: Option<&Path>) -> Result<String, ZigProblem> {
    let key = format!("version {}", zig.display());
    // Re-read from the binary whenever its identity changed (or no entry names it).
    let version = match memo.and_then(|m| memo::get(m, &key, &[zig])) {
        Some(e) => e.value,
        None => {
            let out = super::probe::probe(zig, &["version"], &probe_env(host))
                .map_err(|e| ZigProblem::Unusable(format!("{e}: {INSTALL_HINT}")))?;
            let v = out.trim().to_string();
            if let (Some(m), Some(_)) = (memo, parse_version(&v)) {
                memo::put(m, &key, &[zig], &v);
            }
            v
        }
    };
    let Some(parsed) = parse_version(&version) else {
        return Err(ZigProblem::Unusable(format!(
            "`{} version` printed {version:?}, not a zig version: {INSTALL_HINT}",
            zig.display()
        )));
    };
    if parsed < MIN_ZIG {
        let (a, b, c) = MIN_ZIG;
        return Err(ZigProblem::Unusable(format!(
            "{} is zig {version}, too old: xbuild-go needs zig {a}.{b}.{c} or newer \
             (pip install --upgrade ziglang, or point --zig / XBUILD_GO_ZIG at a newer zig)",
            zig.display()
        )));
    }
    Ok(version)
}

/// `0.17.1` → (0, 17, 1); a development build `0.14.0-dev.367+a57479afc` counts as its
/// base release.
pub fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let base = v.trim().split(['-', '+']).next()?;
    let mut parts = base.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().unwrap_or(Some(0))?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

/// The glibc versions zig can target, lowest and highest, from `zig targets` (ZON in
/// recent releases, JSON in older ones: both list them under `glibc`).
/// Remembered per binary in `memo`, when given.
pub fn bundled_glibc(
    zig: &Zig,
    host: &HostEnv,
    memo: Option<&Path>,
) -> Result<(String, String), String> {
    let key = format!("glibc {}", zig.path.display());
    if let Some((lo, hi)) = memo
        .and_then(|m| memo::get(m, &key, &[&zig.path]))
        .and_then(|e| {
            e.value
                .split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
    {
        return Ok((lo, hi));
    }
    let out = super::probe::probe(&zig.path, &["targets"], &probe_env(host))?;
    let range = glibc_range(&out)
        .ok_or_else(|| format!("`{} targets` lists no glibc versions", zig.path.display()))?;
    if let Some(m) = memo {
        memo::put(m, &key, &[&zig.path], &format!("{} {}", range.0, range.1));
    }
    Ok(range)
}

/// Earlier answers of python3 and zig, in `DIR/zig-lookups.json` (DIR: the output
/// cache root): each with the files it came from and their identity (device, inode,
/// size, mtime and ctime: ctime moves on every write and no process but root can set it
/// back), used only while all of them are unchanged (a `pip install --upgrade
/// ziglang` replaces zig, so it is asked again). An entry must name at least the
/// binary whose answer it holds; one that names none, or is malformed, is ignored and
/// rebuilt. The file is read only from a directory that belongs to this user and no
/// one else can write to ([`crate::privfs`]), opened with `O_NOFOLLOW`, and replaced
/// through a fresh `O_EXCL` name. Best effort: an unreadable or unwritable file means
/// asking again.
mod memo {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Serialize};

    use crate::privfs;

    const FILE: &str = "zig-lookups.json";
    /// Entries kept at most (the oldest go first).
    const MAX: usize = 64;
    /// The file is read up to this size; a larger one is ignored (and replaced).
    const MAX_BYTES: u64 = 1 << 20;

    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
    #[serde(deny_unknown_fields)]
    pub struct Entry {
        pub key: String,
        pub files: Vec<(PathBuf, String)>,
        pub value: String,
    }

    fn stamp(path: &Path) -> Option<String> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(format!(
            "{} {} {} {}.{} {}.{}",
            m.dev(),
            m.ino(),
            m.len(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec()
        ))
    }

    /// The entries of the file that are well formed; none when the directory or the
    /// file cannot be trusted.
    fn load(dir: &Path) -> Vec<Entry> {
        if privfs::check_tree(dir).is_err() {
            return Vec::new();
        }
        let Ok(Some(bytes)) = privfs::read_own(&dir.join(FILE), MAX_BYTES) else {
            return Vec::new();
        };
        let Ok(values) = serde_json::from_slice::<Vec<serde_json::Value>>(&bytes) else {
            return Vec::new();
        };
        values
            .into_iter()
            .filter_map(|v| serde_json::from_value::<Entry>(v).ok())
            .filter(|e| !e.files.is_empty())
            .collect()
    }

    /// The remembered answer for `key`, if its entry names every file of `must` and all
    /// its files are unchanged.
    pub fn get(dir: &Path, key: &str, must: &[&Path]) -> Option<Entry> {
        let e = load(dir).into_iter().find(|e| e.key == key)?;
        let names = |p: &Path| e.files.iter().any(|(f, _)| f == p);
        let fresh = e
            .files
            .iter()
            .all(|(p, s)| stamp(p).as_deref() == Some(s.as_str()));
        (fresh && must.iter().all(|p| names(p))).then_some(e)
    }

    pub fn put(dir: &Path, key: &str, files: &[&Path], value: &str) {
        if files.is_empty() {
            return;
        }
        let Some(files) = files
            .iter()
            .map(|p| Some((p.to_path_buf(), stamp(p)?)))
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        let Ok(dir) = privfs::trusted_dir(dir) else {
            return;
        };
        let mut all = load(&dir);
        all.retain(|e| e.key != key);
        all.push(Entry {
            key: key.to_string(),
            files,
            value: value.to_string(),
        });
        let skip = all.len().saturating_sub(MAX);
        let Ok(text) = serde_json::to_vec(&all[skip..]) else {
            return;
        };
        // Written beside under a fresh name and renamed: a concurrent reader sees one
        // whole file, and a symlink at either name is never followed.
        let _ = privfs::replace(&dir.join(FILE), &text);
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// A temporary directory with a `zig` file in it, and the path of a memo
        /// directory beside it (not made yet).
        fn zig_and_memo() -> (tempfile::TempDir, PathBuf, PathBuf) {
            let d = tempfile::tempdir().unwrap();
            let zig = d.path().join("zig");
            std::fs::write(&zig, "v1").unwrap();
            let memo = d.path().join("memo");
            (d, zig, memo)
        }

        #[test]
        fn an_answer_holds_while_its_files_are_unchanged() {
            let (_d, zig, memo) = zig_and_memo();
            let value = |k: &str| get(&memo, k, &[&zig]).map(|e| e.value);
            assert_eq!(value("version z"), None);
            put(&memo, "version z", &[&zig], "0.17.1");
            assert_eq!(value("version z").as_deref(), Some("0.17.1"));
            assert_eq!(value("version other"), None);
            // An entry that does not name the binary asked is not its answer.
            assert!(get(&memo, "version z", &[&memo]).is_none());
            // Rewritten in place, even with its mtime set back: ctime moved.
            let mtime = std::fs::metadata(&zig).unwrap().modified().unwrap();
            std::fs::write(&zig, "v2").unwrap();
            std::fs::File::options()
                .write(true)
                .open(&zig)
                .unwrap()
                .set_modified(mtime)
                .unwrap();
            assert_eq!(value("version z"), None);
            put(&memo, "version z", &[&zig], "0.17.1");
            // Replaced (a reinstall): asked again.
            std::fs::remove_file(&zig).unwrap();
            std::fs::write(&zig, "v2, longer").unwrap();
            assert_eq!(value("version z"), None);
            std::fs::remove_file(&zig).unwrap();
            assert_eq!(value("version z"), None);
            // A file that is not ours is ignored.
            std::fs::write(memo.join(FILE), "not json").unwrap();
            assert_eq!(value("version z"), None);
        }

        #[test]
        fn entries_without_files_or_malformed_are_ignored() {
            let (_d, zig, memo) = zig_and_memo();
            std::fs::create_dir(&memo).unwrap();
            let key = format!("version {}", zig.display());
            let forged = serde_json::json!([
                {"key": key, "files": [], "value": "0.13.0"},
                {"key": "python x", "files": "nope", "value": "/bin/sh"},
                {"key": "glibc z", "files": [[zig, stamp(&zig).unwrap()]], "value": "2.17 2.38"},
            ]);
            std::fs::write(memo.join(FILE), forged.to_string()).unwrap();
            assert!(get(&memo, &key, &[&zig]).is_none(), "no files: not trusted");
            assert!(get(&memo, "python x", &[]).is_none(), "malformed");
            assert_eq!(
                get(&memo, "glibc z", &[&zig]).map(|e| e.value).as_deref(),
                Some("2.17 2.38"),
                "a well-formed entry beside them still counts"
            );
            put(&memo, &key, &[&zig], "0.14.0");
            let text = std::fs::read_to_string(memo.join(FILE)).unwrap();
            assert!(!text.contains("0.13.0") && !text.contains("nope"), "{text}");
        }
    }
}

/// The lowest and highest version of the `glibc` list of `zig targets` output.
pub fn glibc_range(targets: &str) -> Option<(String, String)> {
    let mut lines = targets.lines();
    lines.find(|l| {
        let t = l.trim();
        (t.starts_with(".glibc") || t.starts_with("\"glibc\"")) && t.ends_with(['{', '['])
    })?;
    let mut versions: Vec<(Vec<u32>, String)> = Vec::new();
    for l in lines {
        let t = l.trim().trim_end_matches(',');
        if t.starts_with('}') || t.starts_with(']') {
            break;
        }
        let v = t.trim_matches('"');
        let key: Option<Vec<u32>> = v.split('.').map(|p| p.parse().ok()).collect();
        if let Some(key) = key {
            versions.push((key, short(v)));
        }
    }
    versions.sort();
    Some((versions.first()?.1.clone(), versions.last()?.1.clone()))
}

/// `2.28.0` → `2.28`.
fn short(v: &str) -> String {
    v.strip_suffix(".0").unwrap_or(v).to_string()
}

/// Compares glibc versions numerically (`2.9` < `2.28`).
pub fn glibc_newer(a: &str, b: &str) -> bool {
    let key = |v: &str| -> Vec<u32> {
        let mut k: Vec<u32> = v.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        while k.last() == Some(&0) {
            k.pop();
        }
        k
    };
    key(a) > key(b)
}

/// What `zig cc` is told for one target: the `-target` triple and CPU flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZigTarget {
    /// `aarch64-linux-gnu.2.28`, `arm-linux-musleabihf`.
    pub triple: String,
    /// `-mcpu=arm1176jzf_s` for GOARM=6, ...
    pub cpu_flags: Vec<&'static str>,
}

/// The zig target of a Go target, libc and glibc floor. GOARM picks the arm ABI and
/// CPU: 7 is zig's armv7-a hard-float baseline, 6 the ARM1176JZF-S (hard float, as
/// Raspberry Pi OS and alpine's armhf); 5 is refused (see below).
pub fn target_of(target: &Target, libc: Libc, floor: Option<&str>) -> Result<ZigTarget, String> {
    if target.goos() != "linux" {
        return Err(format!(
            "xbuild-go drives zig for Linux targets only, not {target}"
        ));
    }
    let mut cpu_flags = Vec::new();
    let (arch, abi) = match target.goarch() {
        "arm64" => ("aarch64", ""),
        "amd64" => ("x86_64", ""),
        "386" => ("x86", ""),
        "riscv64" => ("riscv64", ""),
        "ppc64le" => {
            // clang's default IEEE 128-bit long double needs glibc 2.32's *ieee128
            // functions (`undefined symbol: __snprintfieee128` below that); the IBM
            // format is what Debian's gcc uses and every glibc has.
            if libc == Libc::Glibc {
                cpu_flags.push("-mabi=ibmlongdouble");
            }
            ("powerpc64le", "")
        }
        "s390x" => ("s390x", ""),
        "loong64" => ("loongarch64", ""),
        "mips64" | "mips64le" => {
            return Err(format!(
                "zig cannot compile cgo for {target}: it rejects the -mhard-float go passes \
                 (`target architecture mips64el has no LLVM CPU feature named \"hard-float\"`); \
                 use Debian's cross gcc (cc = \"gcc\")"
            ))
        }
        "arm" => match target.level().map(|(_, v)| v) {
            // ARMv5 has no atomic instructions: gcc's libgcc supplies __sync_* through
            // the kernel's helpers, zig's compiler runtime does not, so runtime/cgo
            // fails to link (`undefined symbol: __sync_val_compare_and_swap_4`).
            Some("5") => {
                return Err(format!(
                    "zig cannot link cgo for {target} (GOARM=5, ARMv5): its compiler runtime \
                     lacks the __sync_* helpers ARMv5 needs (ld.lld: undefined symbol: \
                     __sync_val_compare_and_swap_4); use Debian's arm-linux-gnueabi-gcc \
                     (apt-get install gcc-arm-linux-gnueabi; cc = \"gcc\"), or target \
                     linux/arm/v6"
                ))
            }
            Some("6") => {
                cpu_flags.push("-mcpu=arm1176jzf_s");
                ("arm", "eabihf")
            }
            _ => ("arm", "eabihf"),
        },
        other => {
            return Err(format!(
                "xbuild-go knows no zig target for GOARCH={other} (linux/{other})"
            ))
        }
    };
    let triple = match (libc, floor) {
        (Libc::Glibc, Some(f)) => format!("{arch}-linux-gnu{abi}.{f}"),
        (Libc::Glibc, None) => format!("{arch}-linux-gnu{abi}"),
        (Libc::Musl, _) => format!("{arch}-linux-musl{abi}"),
    };
    Ok(ZigTarget { triple, cpu_flags })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for (v, want) in [
            ("0.17.1", Some((0, 17, 1))),
            ("0.14.0-dev.367+a57479afc\n", Some((0, 14, 0))),
            ("0.11", Some((0, 11, 0))),
            ("zig", None),
            ("", None),
            ("1.2.3.4", None),
        ] {
            assert_eq!(parse_version(v), want, "{v:?}");
        }
        assert!(parse_version("0.10.1").unwrap() < MIN_ZIG);
        assert!(parse_version("0.11.0").unwrap() >= MIN_ZIG);
    }

    #[test]
    fn glibc_list_of_zon_and_json() {
        let zon = ".{\n    .libc = .{\n        \"x86_64-linux-gnu\",\n    },\n    .glibc = .{\n        \"2.0.0\",\n        \"2.9.0\",\n        \"2.28.0\",\n        \"2.44.0\",\n    },\n    .cpus = .{\n    },\n}\n";
        assert_eq!(
            glibc_range(zon),
            Some(("2.0".to_string(), "2.44".to_string()))
        );
        let json = "{\n \"glibc\": [\n  \"2.17.0\",\n  \"2.38.0\"\n ],\n \"cpus\": {}\n}";
        assert_eq!(
            glibc_range(json),
            Some(("2.17".to_string(), "2.38".to_string()))
        );
        assert_eq!(glibc_range("{}"), None);
        assert!(glibc_newer("2.45", "2.44"));
        assert!(glibc_newer("2.28", "2.9"));
        assert!(!glibc_newer("2.28.0", "2.28"));
    }

    #[test]
    fn zig_targets_per_go_target_and_libc() {
        let t = |s: &str| Target::parse(s).unwrap();
        type Case<'a> = (&'a str, Libc, Option<&'a str>, &'a str, &'a [&'a str]);
        let cases: &[Case] = &[
            (
                "linux/arm64",
                Libc::Glibc,
                Some("2.28"),
                "aarch64-linux-gnu.2.28",
                &[],
            ),
            ("linux/arm64", Libc::Musl, None, "aarch64-linux-musl", &[]),
            ("linux/amd64", Libc::Glibc, None, "x86_64-linux-gnu", &[]),
            ("linux/386", Libc::Musl, None, "x86-linux-musl", &[]),
            (
                "linux/arm/v7",
                Libc::Glibc,
                Some("2.28"),
                "arm-linux-gnueabihf.2.28",
                &[],
            ),
            (
                "linux/arm/v6",
                Libc::Musl,
                None,
                "arm-linux-musleabihf",
                &["-mcpu=arm1176jzf_s"],
            ),
            ("linux/riscv64", Libc::Musl, None, "riscv64-linux-musl", &[]),
            (
                "linux/ppc64le",
                Libc::Glibc,
                Some("2.28"),
                "powerpc64le-linux-gnu.2.28",
                &["-mabi=ibmlongdouble"],
            ),
            (
                "linux/ppc64le",
                Libc::Musl,
                None,
                "powerpc64le-linux-musl",
                &[],
            ),
            ("linux/s390x", Libc::Glibc, None, "s390x-linux-gnu", &[]),
            (
                "linux/loong64",
                Libc::Glibc,
                Some("2.36"),
                "loongarch64-linux-gnu.2.36",
                &[],
            ),
        ];
        for (target, libc, floor, triple, cpu) in cases {
            let z = target_of(&t(target), *libc, *floor).unwrap();
            assert_eq!(
                (z.triple.as_str(), z.cpu_flags.as_slice()),
                (*triple, *cpu),
                "{target} {libc:?} {floor:?}"
            );
        }
        assert!(target_of(&t("darwin/arm64"), Libc::Glibc, None).is_err());
        let v5 = target_of(&t("linux/arm/v5"), Libc::Musl, None).unwrap_err();
        assert!(v5.contains("__sync_val_compare_and_swap_4"), "{v5}");
        assert!(target_of(&t("linux/ppc64"), Libc::Glibc, None).is_err());
        assert!(target_of(&t("linux/mips64le"), Libc::Glibc, None).is_err());
    }
}
