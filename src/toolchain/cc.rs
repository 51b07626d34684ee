//! The C toolchain of a cgo build, chosen per target from the profile's `cc`, `libc`
//! and `glibc`: the profile's own `env.CC`, a command it names, Debian's cross gcc, or
//! `zig cc -target ...` composed for the target, libc and glibc floor; and the link
//! flags that choice needs so users never meet zig's and musl's traps:
//!
//! - musl: go's internal linker cannot link it (`relocation target nanosleep not
//!   defined`), so `-linkmode=external`; static (the default with musl) adds `-static`
//!   to `-extldflags`.
//! - zig: `zig cc` ignores the `-s` go passes to the external linker, so a stripping
//!   profile (`-s` in ldflags) adds `-Wl,--strip-all` to `-extldflags`.
//! - one distinct `CC` per target, libc and floor (the triple is in it), so go's build
//!   cache never reuses cgo objects of one libc for another.
//!
//! Looks files up on PATH; runs only zig and python3 (to find and ask zig).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use crate::error::{failure, usage, Exit};
use crate::profile::{go_quote, CcSetting, Libc, ResolvedProfile};
use crate::target::Target;

use super::hostenv::HostEnv;
use super::locate::{cross_compiler, default_cc, find_tool};
use super::zig::{self, Zig, ZigProblem};

/// What kind of C compiler a cgo build runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `CC` from the profile's `env` table (it wins over `cc`).
    ProfileEnv,
    /// A command named by `cc`.
    Command,
    /// Debian's cross gcc, or the host's gcc for a native build.
    Gcc,
    /// `zig cc -target ...`.
    Zig,
}

/// One flag added to `-ldflags`, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkFlag {
    pub flag: String,
    pub why: String,
}

/// The C toolchain chosen for one target of a cgo build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CToolchain {
    pub kind: Kind,
    /// `CC` to set, or `None` when the profile's env sets it.
    pub cc: Option<String>,
    /// `CXX` to set, when one is known.
    pub cxx: Option<String>,
    /// Why this compiler: the `cc` setting with its source, and what it found.
    pub why: String,
    /// Flags added to `-ldflags`, in order.
    pub link_flags: Vec<LinkFlag>,
    /// The zig version, for zig.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zig_version: Option<String>,
}

/// zig as found with one PATH.
type FoundZig = (Option<String>, Result<Zig, ZigProblem>);
/// The glibc range of one zig binary.
type GlibcRange = (PathBuf, Result<(String, String), String>);

/// zig, located once per run (for each PATH it is looked up in) and its bundled glibc
/// range asked once, on first need.
#[derive(Debug, Default)]
pub struct ZigFinder {
    /// `--zig`, if given.
    pub flag: Option<PathBuf>,
    /// Where earlier lookups are remembered (the output cache root), if anywhere.
    pub memo: Option<PathBuf>,
    found: Mutex<Vec<FoundZig>>,
    glibc: Mutex<Vec<GlibcRange>>,
}

impl ZigFinder {
    pub fn new(flag: Option<PathBuf>, memo: Option<PathBuf>) -> ZigFinder {
        ZigFinder {
            flag,
            memo,
            ..ZigFinder::default()
        }
    }

    /// zig as [`zig::locate`] finds it with this PATH.
    pub fn get(
        &self,
        host: &HostEnv,
        path_var: Option<&str>,
        cwd: &Path,
    ) -> Result<Zig, ZigProblem> {
        let key = path_var.map(str::to_string);
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, r)) = found.iter().find(|(k, _)| *k == key) {
            return r.clone();
        }
        let r = zig::locate(
            self.flag.as_deref(),
            host,
            path_var,
            cwd,
            self.memo.as_deref(),
        );
        found.push((key, r.clone()));
        r
    }

    /// The glibc versions this zig bundles, lowest and highest.
    pub fn glibc_range(&self, zig: &Zig, host: &HostEnv) -> Result<(String, String), String> {
        let mut known = self.glibc.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, r)) = known.iter().find(|(p, _)| *p == zig.path) {
            return r.clone();
        }
        let r = zig::bundled_glibc(zig, host, self.memo.as_deref());
        known.push((zig.path.clone(), r.clone()));
        r
    }
}

/// What the choice is made from.
pub struct Request<'a> {
    /// The profile of this target (its `target."..."` tables applied).
    pub profile: &'a ResolvedProfile,
    pub target: &'a Target,
    pub host: &'a HostEnv,
    pub work_dir: &'a Path,
    pub zig: &'a ZigFinder,
}

impl Request<'_> {
    /// The PATH compilers are looked up in: the profile's `env.PATH`, else the host's.
    pub fn path_var(&self) -> Option<&str> {
        self.env("PATH")
            .or(self.host.get("PATH").map(String::as_str))
    }

    fn env(&self, key: &str) -> Option<&str> {
        self.profile
            .env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.value.as_str())
    }

    fn lookup(&self, name: &str) -> Option<PathBuf> {
        find_tool(name, self.path_var(), self.work_dir)
    }

    fn native(&self) -> bool {
        let (os, arch) = crate::target::host();
        self.target.goos() == os && self.target.goarch() == arch
    }

    /// Why zig rather than gcc: musl or a glibc floor, which Debian's cross gcc cannot
    /// give (it links the glibc of its own release).
    fn zig_reason(&self) -> Option<String> {
        let p = self.profile;
        match (p.libc.value, &p.glibc.value) {
            (Libc::Musl, _) => Some(format!("libc = \"musl\" ({})", p.libc.source)),
            (Libc::Glibc, Some(f)) => Some(format!("glibc = \"{f}\" ({})", p.glibc.source)),
            _ => None,
        }
    }
}

/// The C toolchain for a cgo build of one target, `None` without cgo. A compiler that
/// is missing or unusable is exit 4 before go runs, naming the ways to get one; a
/// setting that cannot work (`cc = "gcc"` with musl) is exit 2.
pub fn choose(req: &Request) -> anyhow::Result<Option<CToolchain>> {
    if !req.profile.cgo.value {
        return Ok(None);
    }
    pick(req).map(Some)
}

/// What a cgo build of the target would run, whether or not the profile has cgo on.
pub fn pick(req: &Request) -> anyhow::Result<CToolchain> {
    let p = req.profile;
    let setting = format!("cc = \"{}\" ({})", p.cc.value, p.cc.source);
    let mut chosen = if let Some(cc) = req.env("CC") {
        from_env(req, cc)?
    } else {
        match &p.cc.value {
            CcSetting::Command(cmd) => command(req, cmd, &setting)?,
            CcSetting::Gcc => {
                if p.libc.value == Libc::Musl {
                    return Err(usage(format!(
                        "{}: cc = \"gcc\" runs Debian's gcc, which links glibc, but libc = \
                         \"musl\" ({}): use cc = \"zig\" (or \"auto\"), or name a musl compiler \
                         such as cc = \"aarch64-linux-musl-gcc\"",
                        p.cc.source, p.libc.source
                    )));
                }
                gcc(req, &setting)?.map_err(|e| failure(Exit::Toolchain, e))?
            }
            CcSetting::Zig => with_zig(req, &setting).map_err(|e| e.into_error())?,
            CcSetting::Auto => auto(req, &setting)?,
        }
    };
    chosen.link_flags = link_flags(p, chosen.kind, chosen.cc.as_deref().or(req.env("CC")));
    Ok(chosen)
}

/// The C toolchains that could build the target, for doctor: Debian's cross gcc (or
/// the host's gcc for a native build) and zig with its triple, each found or not.
pub fn available(req: &Request) -> String {
    let gcc = match gcc(req, "") {
        Ok(Ok(t)) => format!(
            "{} gcc {}",
            if req.native() { "host" } else { "cross" },
            t.why.rsplit('(').next().unwrap_or("").trim_end_matches(')')
        ),
        Ok(Err(why)) => why,
        Err(e) => format!("{e:#}"),
    };
    let zig = match with_zig(req, "") {
        Ok(t) => format!(
            "zig {} for {}",
            t.zig_version.as_deref().unwrap_or("?"),
            t.why.rsplit(" for ").next().unwrap_or("")
        ),
        Err(e) => e.message().trim_start_matches(": ").to_string(),
    };
    format!("installed: {gcc}; {zig}")
}

/// `CC` from the profile's env: used as it is; it must exist.
fn from_env(req: &Request, cc: &str) -> anyhow::Result<CToolchain> {
    let source = req
        .profile
        .env
        .iter()
        .find(|(k, _)| k == "CC")
        .map(|(_, v)| v.source.to_string())
        .unwrap_or_default();
    let word = first_word(cc);
    let Some(path) = req.lookup(&word) else {
        return Err(failure(
            Exit::Toolchain,
            format!(
                "CC = {cc:?} from the profile's env ({source}) is not found on PATH: cgo \
                 builds for {} fail{}",
                req.target,
                install_gcc_hint(req.target, req.native())
            ),
        ));
    };
    Ok(CToolchain {
        kind: Kind::ProfileEnv,
        cc: None,
        cxx: None,
        why: format!("env.CC ({source}): {}", path.display()),
        link_flags: Vec::new(),
        zig_version: None,
    })
}

/// A command named by `cc`: it must exist; its C++ sibling is guessed from its name.
fn command(req: &Request, cmd: &str, setting: &str) -> anyhow::Result<CToolchain> {
    let word = first_word(cmd);
    let Some(path) = req.lookup(&word) else {
        return Err(failure(
            Exit::Toolchain,
            format!(
                "{setting}: `{word}` is not found on PATH: cgo builds for {} fail; install it, \
                 or set cc = \"auto\"",
                req.target
            ),
        ));
    };
    Ok(CToolchain {
        kind: Kind::Command,
        cc: Some(cmd.to_string()),
        cxx: cxx_of(cmd),
        why: format!("{setting}: {}", path.display()),
        link_flags: Vec::new(),
        zig_version: None,
    })
}

/// The C++ compiler beside a C compiler command: `...gcc` → `...g++`, `...clang` →
/// `...clang++`, `zig cc` → `zig c++`.
fn cxx_of(cc: &str) -> Option<String> {
    let mut words = cc.splitn(2, ' ');
    let first = words.next()?;
    let rest = words.next().map(|r| format!(" {r}")).unwrap_or_default();
    if let Some(stem) = first.strip_suffix("gcc") {
        return Some(format!("{stem}g++{rest}"));
    }
    if first.ends_with("clang") {
        return Some(format!("{first}++{rest}"));
    }
    let base = Path::new(first).file_name()?.to_str()?;
    if base == "zig" {
        if let Some(r) = rest.strip_prefix(" cc") {
            return Some(format!("{first} c++{r}"));
        }
    }
    None
}

/// The first word of a command as go splits it (quotes group).
fn first_word(cmd: &str) -> String {
    crate::verify::go_split(cmd)
        .and_then(|w| w.into_iter().next())
        .unwrap_or_default()
}

/// `; install it (Debian/Ubuntu: apt-get install PKG), ...`.
fn install_gcc_hint(target: &Target, native: bool) -> String {
    match cross_compiler(target) {
        Some((cmd, pkg)) if !native => format!(
            "; install it, or use Debian's cross compiler (apt-get install {pkg}; then \
             CC = \"{cmd}\"), or zig (cc = \"zig\")"
        ),
        _ => "; install it, or set env.CC to an installed compiler".to_string(),
    }
}

/// Debian's cross gcc for the target, or go's default compiler for a native build:
/// `Ok(Err(why))` when it is not installed, with the package to install.
fn gcc(req: &Request, setting: &str) -> anyhow::Result<Result<CToolchain, String>> {
    let target = req.target;
    if req.native() {
        let default = default_cc(target.goos());
        return Ok(match req.lookup(default) {
            Some(path) => Ok(CToolchain {
                kind: Kind::Gcc,
                cc: Some(default.to_string()),
                cxx: cxx_of(default),
                why: format!(
                    "{setting}: native build, the host's {default} ({})",
                    path.display()
                ),
                link_flags: Vec::new(),
                zig_version: None,
            }),
            None => Err(format!(
                "native cgo build, but the host's C compiler `{default}` is not on PATH \
                 (Debian/Ubuntu: apt-get install {default})"
            )),
        });
    }
    let Some((cmd, pkg)) = cross_compiler(target) else {
        return Ok(Err(format!("no Debian cross gcc is known for {target}")));
    };
    Ok(match req.lookup(&cmd) {
        Some(path) => {
            let cxx = cmd.strip_suffix("gcc").map(|s| format!("{s}g++"));
            Ok(CToolchain {
                kind: Kind::Gcc,
                cxx: cxx.filter(|c| req.lookup(c).is_some()),
                cc: Some(cmd.clone()),
                why: format!(
                    "{setting}: Debian's cross gcc for {target} ({})",
                    path.display()
                ),
                link_flags: Vec::new(),
                zig_version: None,
            })
        }
        None => Err(format!(
            "Debian's cross gcc for {target} ({cmd}) is not on PATH (apt-get install {pkg})"
        )),
    })
}

/// Why zig cannot serve a target.
#[derive(Debug)]
enum ZigError {
    /// Not found anywhere: exit 4, with the ways to get it.
    NotFound(String),
    /// Found but unusable, or cannot give what was asked: exit 4.
    Unusable(String),
    /// zig cannot target this at all (darwin, ppc64): exit 2 when zig was asked for.
    NoTarget(String),
}

impl ZigError {
    fn message(&self) -> &str {
        match self {
            ZigError::NotFound(m) | ZigError::Unusable(m) | ZigError::NoTarget(m) => m,
        }
    }

    fn into_error(self) -> anyhow::Error {
        match self {
            ZigError::NotFound(m) => crate::error::helped(Exit::Toolchain, m, zig::INSTALL_HINT),
            ZigError::Unusable(m) => failure(Exit::Toolchain, m),
            ZigError::NoTarget(m) => usage(m),
        }
    }
}

/// `zig cc -target ...` for the target, libc and floor.
fn with_zig(req: &Request, setting: &str) -> Result<CToolchain, ZigError> {
    let p = req.profile;
    let floor = match p.libc.value {
        Libc::Glibc => p.glibc.value.as_deref(),
        Libc::Musl => None,
    };
    let zt = zig::target_of(req.target, p.libc.value, floor)
        .map_err(|e| ZigError::NoTarget(format!("{setting}: {e}")))?;
    let z = req
        .zig
        .get(req.host, req.path_var(), req.work_dir)
        .map_err(|e| match e {
            ZigProblem::NotFound(m) => ZigError::NotFound(format!("{setting}: {m}")),
            ZigProblem::Unusable(m) => ZigError::Unusable(format!("{setting}: {m}")),
        })?;
    if let Some(f) = floor {
        let (_, newest) = req
            .zig
            .glibc_range(&z, req.host)
            .map_err(ZigError::Unusable)?;
        if zig::glibc_newer(f, &newest) {
            return Err(ZigError::Unusable(format!(
                "glibc = \"{f}\" ({}): zig {} bundles glibc up to {newest} and cannot target a \
                 newer one (it would silently link {newest}); lower the floor, or upgrade zig \
                 (pip install --upgrade ziglang)",
                p.glibc.source, z.version
            )));
        }
    }
    let quoted = go_quote(&z.path.to_string_lossy()).map_err(|_| {
        ZigError::Unusable(format!(
            "the zig path {} holds whitespace and both kinds of quote: go cannot run it as CC; \
             point --zig / XBUILD_GO_ZIG at a path without them",
            z.path.display()
        ))
    })?;
    let tail = std::iter::once(format!("-target {}", zt.triple))
        .chain(zt.cpu_flags.iter().map(|f| f.to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(CToolchain {
        kind: Kind::Zig,
        cc: Some(format!("{quoted} cc {tail}")),
        cxx: Some(format!("{quoted} c++ {tail}")),
        why: format!(
            "{setting}: zig {} ({}, from {}) for {}",
            z.version,
            z.path.display(),
            z.from.describe(),
            zt.triple
        ),
        link_flags: Vec::new(),
        zig_version: Some(z.version.clone()),
    })
}

/// `cc = "auto"`: Debian's cross gcc when installed (the host's gcc for a native build)
/// and the profile asks for neither musl nor a glibc floor; else zig; else exit 4
/// naming both ways to get a compiler.
fn auto(req: &Request, setting: &str) -> anyhow::Result<CToolchain> {
    let zig_reason = req.zig_reason();
    let gcc = if zig_reason.is_none() {
        match gcc(req, setting)? {
            Ok(t) => return Ok(t),
            Err(why) => Some(why),
        }
    } else {
        None
    };
    let zig_err = match with_zig(req, setting) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    let target = req.target;
    let (cmd, pkg) = cross_compiler(target).unzip();
    Err(match (zig_reason, gcc, zig_err) {
        // musl or a floor: only zig can give it, so its problem is the problem.
        (Some(reason), _, ZigError::NotFound(m)) => crate::error::helped(
            Exit::Toolchain,
            format!(
                "cgo = true with {reason} for {target} needs zig (Debian's cross gcc links the \
                 glibc of its own release): {m}"
            ),
            zig::INSTALL_HINT,
        ),
        (Some(_), _, e @ ZigError::NoTarget(_)) => e.into_error(),
        (Some(_), _, e) => e.into_error(),
        // A found zig that cannot work is worth saying as it is.
        (None, _, ZigError::Unusable(m)) => failure(Exit::Toolchain, m),
        (None, gcc, e) => failure(
            Exit::Toolchain,
            format!(
                "cgo = true for {target} but no C compiler for it was found: {}; and {}. Install \
                 {}, or zig (`pip install ziglang`, or point --zig / XBUILD_GO_ZIG at it), or \
                 set cc / env.CC in the profile",
                gcc.unwrap_or_default(),
                e.message(),
                match (&cmd, &pkg) {
                    (Some(cmd), Some(pkg)) if !req.native() =>
                        format!("Debian's cross compiler {cmd} (apt-get install {pkg})"),
                    _ => "a C compiler".to_string(),
                }
            ),
        ),
    })
}

/// The flags a cgo build adds to `-ldflags` for its libc and compiler (see the module
/// doc), given the profile's own ldflags: a `-linkmode` the profile sets wins, and its
/// `-extldflags` are kept (ours are appended to them, as one flag that comes last).
pub fn link_flags(p: &ResolvedProfile, kind: Kind, cc: Option<&str>) -> Vec<LinkFlag> {
    let own = crate::verify::go_split(&p.ldflags.value).unwrap_or_default();
    let value_of = |name: &str| -> Option<Option<String>> {
        let mut found = None;
        let mut it = own.iter();
        while let Some(a) = it.next() {
            let bare = a.trim_start_matches('-');
            if !a.starts_with('-') {
                continue;
            }
            if bare == name {
                found = Some(it.next().cloned());
            } else if let Some(v) = bare.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                found = Some(Some(v.to_string()));
            }
        }
        found
    };
    let musl = p.libc.value == Libc::Musl;
    let mut out = Vec::new();
    let libc_at = format!("libc = \"musl\" ({})", p.libc.source);
    if musl && value_of("linkmode").is_none() {
        out.push(LinkFlag {
            flag: "-linkmode=external".to_string(),
            why: format!(
                "{libc_at}: go's internal linker cannot link musl's libc (`relocation target \
                 nanosleep not defined`); the C compiler links"
            ),
        });
    }
    let existing = value_of("extldflags").flatten().unwrap_or_default();
    let mut extra: Vec<(&str, String)> = Vec::new();
    if musl && p.verify.static_.value {
        extra.push((
            "-static",
            format!(
                "{libc_at} with static = true ({}): a static binary, for alpine, \
                 distroless/static and scratch",
                p.verify.static_.source
            ),
        ));
    }
    let zig_cc = kind == Kind::Zig
        || cc.is_some_and(|c| {
            Path::new(&first_word(c))
                .file_name()
                .is_some_and(|n| n == "zig")
        });
    let strips = own
        .iter()
        .any(|a| a == "-s" || a == "-s=true" || a == "--s");
    if zig_cc && strips {
        extra.push((
            "-Wl,--strip-all",
            format!(
                "ldflags has -s ({}) and zig cc ignores the -s go passes to it: the linker strips",
                p.ldflags.source
            ),
        ));
    }
    let words: Vec<&str> = existing.split_whitespace().collect();
    extra.retain(|(f, _)| !words.contains(f));
    if !extra.is_empty() {
        let value = words
            .iter()
            .copied()
            .chain(extra.iter().map(|(f, _)| *f))
            .collect::<Vec<_>>()
            .join(" ");
        let flag = format!("-extldflags={value}");
        out.push(LinkFlag {
            flag: go_quote(&flag).unwrap_or(flag),
            why: extra
                .iter()
                .map(|(f, w)| format!("{f}: {w}"))
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    out
}

impl CToolchain {
    /// The profile's ldflags with this toolchain's flags appended.
    pub fn ldflags(&self, ldflags: &str) -> String {
        std::iter::once(ldflags.trim())
            .chain(self.link_flags.iter().map(|f| f.flag.as_str()))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{resolve, Overrides, ProfileFile};

    fn profile(text: &str) -> ResolvedProfile {
        let f = ProfileFile::parse(Path::new("/r/xbuild-go.toml"), text.to_string()).unwrap();
        resolve(Some(&f), "golden", &Overrides::default()).unwrap()
    }

    #[test]
    fn cxx_follows_the_c_compiler() {
        for (cc, want) in [
            ("aarch64-linux-gnu-gcc", Some("aarch64-linux-gnu-g++")),
            ("gcc", Some("g++")),
            ("clang --target=x", Some("clang++ --target=x")),
            (
                "/opt/zig/zig cc -target aarch64-linux-musl",
                Some("/opt/zig/zig c++ -target aarch64-linux-musl"),
            ),
            ("tcc", None),
        ] {
            assert_eq!(cxx_of(cc).as_deref(), want, "{cc}");
        }
    }

    /// (case, profile text, kind, expected flags)
    #[test]
    fn link_flags_per_libc_compiler_and_own_ldflags() {
        let cases: &[(&str, &str, Kind, &[&str])] = &[
            ("glibc_gcc_adds_nothing", "cgo = true\n", Kind::Gcc, &[]),
            (
                "glibc_zig_strips",
                "cgo = true\n",
                Kind::Zig,
                &["-extldflags=-Wl,--strip-all"],
            ),
            (
                "glibc_zig_without_s_adds_nothing",
                "cgo = true\nldflags = [\"-w\"]\n",
                Kind::Zig,
                &[],
            ),
            (
                "musl_zig_static_stripped",
                "cgo = true\nlibc = \"musl\"\n",
                Kind::Zig,
                &[
                    "-linkmode=external",
                    "'-extldflags=-static -Wl,--strip-all'",
                ],
            ),
            (
                "musl_command_static",
                "cgo = true\nlibc = \"musl\"\n",
                Kind::Command,
                &["-linkmode=external", "-extldflags=-static"],
            ),
            (
                "musl_not_static",
                "cgo = true\nlibc = \"musl\"\nldflags = []\n[profile.golden.verify]\nstatic = false\n",
                Kind::Zig,
                &["-linkmode=external"],
            ),
            (
                "own_linkmode_and_extldflags_kept",
                "cgo = true\nlibc = \"musl\"\nldflags = [\"-s\", \"-linkmode\", \"internal\", \"-extldflags\", \"-Wl,-z,now -static\"]\n",
                Kind::Zig,
                &["'-extldflags=-Wl,-z,now -static -Wl,--strip-all'"],
            ),
        ];
        for (case, text, kind, want) in cases {
            let p = profile(&format!("[profile.golden]\n{text}"));
            let got: Vec<String> = link_flags(&p, *kind, None)
                .into_iter()
                .map(|f| f.flag)
                .collect();
            assert_eq!(got, *want, "case {case}");
        }
        // A zig in env.CC strips as zig does.
        let p = profile("[profile.golden]\ncgo = true\n");
        let f = link_flags(
            &p,
            Kind::ProfileEnv,
            Some("/x/zig cc -target x86_64-linux-gnu"),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        let t = CToolchain {
            kind: Kind::Zig,
            cc: None,
            cxx: None,
            why: String::new(),
            link_flags: f,
            zig_version: None,
        };
        assert_eq!(t.ldflags("-s -w"), "-s -w -extldflags=-Wl,--strip-all");
    }

    #[test]
    fn musl_with_gcc_is_a_profile_error_and_no_cgo_chooses_nothing() {
        let host = HostEnv::new();
        let zig = ZigFinder::new(None, None);
        let t = Target::parse("linux/arm64").unwrap();
        let p = profile("[profile.golden]\ncgo = true\ncc = \"gcc\"\nlibc = \"musl\"\n");
        let req = Request {
            profile: &p,
            target: &t,
            host: &host,
            work_dir: Path::new("/"),
            zig: &zig,
        };
        let e = choose(&req).unwrap_err();
        assert_eq!(crate::error::exit_for(&e), Exit::Usage, "{e:#}");
        assert!(format!("{e}").contains("xbuild-go.toml:4:8"), "{e}");
        let p = profile("[profile.golden]\ncc = \"zig\"\n");
        let req = Request { profile: &p, ..req };
        assert_eq!(choose(&req).unwrap(), None);
    }
}
