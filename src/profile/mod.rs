//! Profiles: the `xbuild-go.toml` schema, where the file is found, and how the
//! layers (command line, named profile, inherited profiles, `[build]`, built-in golden)
//! resolve into one [`ResolvedProfile`] whose every value knows where it came from.
//!
//! Reads files only; no processes, no terminal, no process environment.

mod discover;
pub mod duration;
pub mod placeholders;
mod resolve;
pub mod schema;

pub use discover::{find_build_dir, find_module_dir, find_profile_file, find_workspace};
pub(crate) use resolve::{check_stamp, go_quote, GO_SPACE};
pub use resolve::{is_env_name, resolve, Overrides, Resolver, BUILTIN_PROFILE};
pub use schema::{BtiPolicy, FloatAbi, Libc, SmokeIsolation};

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::error::usage;
use crate::target::Target;

/// The profile file's name.
pub const FILE_NAME: &str = "xbuild-go.toml";

/// Where a resolved value came from, for `env --explain` and error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The built-in golden profile.
    BuiltIn,
    /// The `[build]` table.
    Build(Location),
    /// The named profile's own table.
    Profile { name: String, at: Location },
    /// A profile the named one inherits from.
    Inherited { name: String, at: Location },
    /// A command-line flag.
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::BuiltIn => f.write_str("built-in golden profile"),
            Source::Build(at) => write!(f, "[build] at {at}"),
            Source::Profile { name, at } => write!(f, "profile `{name}` at {at}"),
            Source::Inherited { name, at } => write!(f, "inherited from profile `{name}` at {at}"),
            Source::Flag(flag) => write!(f, "command-line flag {flag}"),
        }
    }
}

/// `file:line:column`, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    pub fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}

/// What a relative `output` is relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputBase {
    /// The Go module directory (the built-in default `{name}`).
    ModuleDir,
    /// The directory of the profile file that set it.
    Dir(PathBuf),
    /// The working directory (`-o` on the command line, after `-C`).
    WorkDir,
}

/// An output path template (`dist/{name}-{os}-{arch}{variant}{exe}`) and its base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub template: String,
    pub base: OutputBase,
}

/// Placeholders an output template may use.
pub const OUTPUT_PLACEHOLDERS: &[&str] = &["name", "os", "arch", "variant", "exe", "profile"];

impl Output {
    /// Expands the template for one target. `name` is the main package's binary name.
    pub fn expand(
        &self,
        name: &str,
        profile: &str,
        target: &Target,
        module_dir: &Path,
        work_dir: &Path,
    ) -> PathBuf {
        let text = self
            .template
            .replace("{name}", name)
            .replace("{os}", target.goos())
            .replace("{arch}", target.goarch())
            .replace("{variant}", target.variant().unwrap_or(""))
            .replace("{exe}", target.exe_suffix())
            .replace("{profile}", profile);
        let path = PathBuf::from(text);
        if path.is_absolute() {
            return path;
        }
        match &self.base {
            OutputBase::ModuleDir => module_dir.join(path),
            OutputBase::Dir(d) => d.join(path),
            OutputBase::WorkDir => work_dir.join(path),
        }
    }

    /// Rejects placeholders we do not know, e.g. `{arc}`, and control characters (a
    /// newline in a file name would split lines of logs and checksum files).
    pub fn validate(&self) -> Result<(), String> {
        if self.template.chars().any(char::is_control) {
            return Err(format!(
                "output template {:?} holds a control character: name the file without one",
                self.template
            ));
        }
        let mut rest = self.template.as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(format!(
                    "unclosed `{{` in output template `{}`",
                    self.template
                ));
            };
            let key = &after[..close];
            if !OUTPUT_PLACEHOLDERS.contains(&key) {
                return Err(format!(
                    "unknown placeholder `{{{key}}}` in output template `{}`{}; known: {}",
                    self.template,
                    crate::suggest::did_you_mean(key, OUTPUT_PLACEHOLDERS.iter().copied()),
                    OUTPUT_PLACEHOLDERS
                        .iter()
                        .map(|p| format!("{{{p}}}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
            rest = &after[close + 1..];
        }
        Ok(())
    }
}

/// The Go toolchain requirement of the `go` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoRequirement {
    /// `>=1.21`: the toolchain found must be at least this.
    AtLeast(GoVersion),
    /// `1.22.12`: pinned; run exactly this toolchain through `GOTOOLCHAIN=go1.22.12`.
    Exact(GoVersion),
    /// `1.22.x`: any patch release of one minor version.
    Series { major: u32, minor: u32 },
}

impl GoRequirement {
    pub fn parse(s: &str) -> Result<GoRequirement, String> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix(">=") {
            return GoVersion::parse(rest.trim()).map(GoRequirement::AtLeast);
        }
        if let Some(series) = s.strip_suffix(".x").or_else(|| s.strip_suffix(".*")) {
            let v = GoVersion::parse(series)?;
            if v.patch.is_some() {
                return Err(format!(
                    "go = \"{s}\": a series is MAJOR.MINOR.x, e.g. \"1.22.x\""
                ));
            }
            return Ok(GoRequirement::Series {
                major: v.major,
                minor: v.minor,
            });
        }
        let v = GoVersion::parse(s)?;
        if v.patch.is_none() {
            return Err(format!(
                "go = \"{s}\": an exact pin needs a patch release (e.g. \"{}.{}.0\"); use \">={s}\" for a minimum",
                v.major, v.minor
            ));
        }
        Ok(GoRequirement::Exact(v))
    }

    pub fn is_met_by(&self, found: &GoVersion) -> bool {
        match self {
            GoRequirement::AtLeast(min) => found >= min,
            GoRequirement::Exact(v) => found == v,
            GoRequirement::Series { major, minor } => {
                found.major == *major && found.minor == *minor
            }
        }
    }
}

impl fmt::Display for GoRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoRequirement::AtLeast(v) => write!(f, ">={v}"),
            GoRequirement::Exact(v) => write!(f, "{v}"),
            GoRequirement::Series { major, minor } => write!(f, "{major}.{minor}.x"),
        }
    }
}

/// A Go release version, `1.22` or `1.22.12` (prereleases such as `1.23rc1` compare as
/// their base release).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: Option<u32>,
}

impl GoVersion {
    /// Parses `1.22`, `1.22.12`, `go1.22.12`, `go1.23rc1`.
    pub fn parse(s: &str) -> Result<GoVersion, String> {
        let t = s.trim().trim_start_matches("go");
        let bad = || format!("`{s}` is not a Go version (expected e.g. 1.22 or 1.22.12)");
        let mut parts = t.split('.');
        let num = |p: Option<&str>| -> Result<Option<u32>, String> {
            match p {
                None => Ok(None),
                Some(p) => {
                    let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
                    if digits.is_empty() {
                        return Err(bad());
                    }
                    digits
                        .parse()
                        .map(Some)
                        .map_err(|_| format!("`{s}`: version component `{digits}` is out of range"))
                }
            }
        };
        let major = num(parts.next())?.ok_or_else(bad)?;
        let minor = num(parts.next())?.ok_or_else(bad)?;
        let patch = num(parts.next())?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(GoVersion {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(p) = self.patch {
            write!(f, ".{p}")?;
        }
        Ok(())
    }
}

/// Parses a size such as `40MiB`, `1.5 KiB`, `512k`, `2000000` into bytes (a fraction
/// of a byte is dropped). Exact integer arithmetic: a size past `u64::MAX` bytes is an
/// error, never a silently clamped value.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let not_a_size = || format!("`{s}` is not a size (expected e.g. 40MiB)");
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
        return Err(not_a_size());
    }
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "k" | "K" | "KB" | "kB" => 1000,
        "KiB" => 1 << 10,
        "M" | "MB" => 1_000_000,
        "MiB" => 1 << 20,
        "G" | "GB" => 1_000_000_000,
        "GiB" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{s}` (use B, KB, KiB, MB, MiB, GB or GiB)"
            ))
        }
    };
    let too_large = || {
        format!(
            "`{s}` is out of range: a size is at most {} bytes",
            u64::MAX
        )
    };
    let whole = if int.is_empty() {
        0
    } else {
        int.parse::<u64>().map_err(|_| too_large())?
    };
    // The fraction times the unit, in whole bytes: digits past the 12th cannot reach a
    // byte (the largest unit is below 10^10).
    let digits = &frac[..frac.len().min(12)];
    let scale = 10u128.pow(digits.len() as u32);
    let part = if digits.is_empty() {
        0
    } else {
        digits.parse::<u128>().map_err(|_| not_a_size())? * u128::from(mult) / scale
    };
    u128::from(whole)
        .checked_mul(u128::from(mult))
        .and_then(|b| b.checked_add(part))
        .and_then(|b| u64::try_from(b).ok())
        .ok_or_else(too_large)
}

/// `cc`: which C compiler cgo builds run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CcSetting {
    /// Debian's cross gcc for the target when installed (the host's gcc for a native
    /// build), else zig; zig first when the profile asks for musl or a glibc floor,
    /// which Debian's cross gcc cannot give.
    Auto,
    /// `zig cc -target ...`, composed per target, libc and glibc floor.
    Zig,
    /// Debian's cross gcc for the target (`aarch64-linux-gnu-gcc`), or the host's gcc
    /// for a native build.
    Gcc,
    /// A command of the user's, as `CC` (split on spaces by go).
    Command(String),
}

impl CcSetting {
    /// `"auto"`, `"zig"`, `"gcc"`, or any other non-empty command.
    pub fn parse(s: &str) -> Result<CcSetting, String> {
        match s.trim() {
            "" => {
                Err("cc = \"\": name \"auto\", \"zig\", \"gcc\" or a compiler command".to_string())
            }
            "auto" => Ok(CcSetting::Auto),
            "zig" => Ok(CcSetting::Zig),
            "gcc" => Ok(CcSetting::Gcc),
            c if c.contains(['\0', '\n', '\r']) => Err(format!(
                "cc = {c:?}: a compiler command holds no NUL or line break"
            )),
            c => Ok(CcSetting::Command(c.to_string())),
        }
    }
}

impl fmt::Display for CcSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CcSetting::Auto => f.write_str("auto"),
            CcSetting::Zig => f.write_str("zig"),
            CcSetting::Gcc => f.write_str("gcc"),
            CcSetting::Command(c) => f.write_str(c),
        }
    }
}

/// The verification policy of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// No PT_INTERP, no DT_NEEDED. Default true.
    pub static_: Sourced<bool>,
    /// No `.symtab`, no `.debug_*`/`.zdebug_*`. Default true.
    pub stripped: Sourced<bool>,
    /// Build settings recorded by Go must match the profile. Default true.
    pub buildinfo: Sourced<bool>,
    /// Base images the artifact must run on. Default empty.
    pub runs_on: Sourced<Vec<String>>,
    /// Highest GLIBC_x.y a dynamic build may need. Default: no limit.
    pub max_glibc: Sourced<Option<String>>,
    /// 32-bit arm float ABI. Default any.
    pub arm_float_abi: Sourced<FloatAbi>,
    /// AArch64 BTI marking. Default any.
    pub aarch64_bti: Sourced<BtiPolicy>,
    /// File size budget in bytes. Default: none.
    pub max_size: Sourced<Option<u64>>,
}

/// A profile with every value resolved and sourced. Valid by construction: targets are
/// parsed, the output template checked, sizes and versions parsed.
#[derive(Debug, Clone)]
pub struct ResolvedProfile {
    pub name: String,
    /// The profile file in effect, if any.
    pub file: Option<PathBuf>,
    pub targets: Sourced<Vec<Target>>,
    /// Go packages or patterns (`./cmd/...`); every main package matched is built.
    pub package: Sourced<Vec<String>>,
    pub output: Sourced<Output>,
    pub cgo: Sourced<bool>,
    /// The C compiler of cgo builds. Default auto.
    pub cc: Sourced<CcSetting>,
    /// The C library of cgo builds. Default glibc.
    pub libc: Sourced<Libc>,
    /// The glibc floor of cgo builds (`2.28`), meaningful with zig. Default none.
    pub glibc: Sourced<Option<String>>,
    /// In `go build -ldflags` syntax.
    pub ldflags: Sourced<String>,
    pub flags: Sourced<Vec<String>>,
    pub tags: Sourced<Vec<String>>,
    pub rebuild_all: Sourced<bool>,
    /// Variables set after the scrub.
    pub env: Vec<(String, Sourced<String>)>,
    /// `-X` stamps (`main.version` → a template such as `{version}`), added to ldflags.
    pub stamp: Vec<(String, Sourced<String>)>,
    /// Host variables let through the scrub.
    pub pass_env: Vec<Sourced<String>>,
    pub go: Sourced<Option<GoRequirement>>,
    /// Arguments of a smoke run of each artifact. Default: none.
    pub smoke: Sourced<Option<Vec<String>>>,
    /// A smoke run that cannot happen on this host (a windows artifact, no emulator)
    /// fails instead of being skipped. Default false.
    pub smoke_required: Sourced<bool>,
    /// How long a smoke run may take before it is killed and fails. Default 20s.
    pub smoke_timeout: Sourced<std::time::Duration>,
    /// Whether a smoke run without full isolation (namespaces) fails. Default
    /// best-effort.
    pub smoke_isolation: Sourced<SmokeIsolation>,
    pub verify: VerifyPolicy,
    /// Arguments after `--`, passed to `go build` verbatim.
    pub go_args: Vec<String>,
    /// The layers it was resolved from (for [`ResolvedProfile::for_target`]).
    stack: std::sync::Arc<resolve::Stack>,
}

impl ResolvedProfile {
    /// Every resolved setting as (key, value, source), for `env --explain` and `profiles`.
    pub fn explain_rows(&self) -> Vec<(&'static str, String, String)> {
        let p = self;
        fn row<T>(
            key: &'static str,
            s: &Sourced<T>,
            show: impl Fn(&T) -> String,
        ) -> (&'static str, String, String) {
            (key, show(&s.value), s.source.to_string())
        }
        let list = |v: &Vec<String>| format!("{v:?}");
        let v = &p.verify;
        vec![
            row("targets", &p.targets, |t| {
                format!("{:?}", t.iter().map(|t| t.to_string()).collect::<Vec<_>>())
            }),
            row("package", &p.package, |v| {
                if v.len() == 1 {
                    format!("{:?}", v[0])
                } else {
                    format!("{v:?}")
                }
            }),
            row("output", &p.output, |o| format!("{:?}", o.template)),
            row("cgo", &p.cgo, |b| b.to_string()),
            row("cc", &p.cc, |c| format!("{:?}", c.to_string())),
            row("libc", &p.libc, |l| format!("{:?}", l.as_str())),
            row("glibc", &p.glibc, |g| {
                g.as_ref()
                    .map_or("(none)".to_string(), |g| format!("{g:?}"))
            }),
            row("ldflags", &p.ldflags, |s| format!("{s:?}")),
            row("flags", &p.flags, list),
            row("tags", &p.tags, list),
            row("rebuild-all", &p.rebuild_all, |b| b.to_string()),
            row("go", &p.go, |g| {
                g.as_ref()
                    .map_or("(any)".to_string(), |g| format!("{:?}", g.to_string()))
            }),
            (
                "stamp",
                if p.stamp.is_empty() {
                    "{}".to_string()
                } else {
                    format!(
                        "{{ {} }}",
                        p.stamp
                            .iter()
                            .map(|(k, v)| format!("{k:?} = {:?}", v.value))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                p.stamp
                    .iter()
                    .map(|(_, v)| v.source.to_string())
                    .next()
                    .unwrap_or_else(|| "built-in golden profile".to_string()),
            ),
            row("smoke", &p.smoke, |s| {
                s.as_ref()
                    .map_or("(none)".to_string(), |a| format!("{a:?}"))
            }),
            row("smoke-required", &p.smoke_required, |b| b.to_string()),
            row("smoke-timeout", &p.smoke_timeout, |d| {
                format!("{:?}", duration::show_duration(*d))
            }),
            row("smoke-isolation", &p.smoke_isolation, |i| {
                format!("{:?}", i.as_str())
            }),
            row("verify.static", &v.static_, |b| b.to_string()),
            row("verify.stripped", &v.stripped, |b| b.to_string()),
            row("verify.buildinfo", &v.buildinfo, |b| b.to_string()),
            row("verify.runs-on", &v.runs_on, list),
            row("verify.max-glibc", &v.max_glibc, |m| {
                m.clone().unwrap_or_else(|| "(none)".into())
            }),
            row("verify.arm-float-abi", &v.arm_float_abi, |a| {
                format!("{a:?}").to_lowercase()
            }),
            row("verify.aarch64-bti", &v.aarch64_bti, |a| {
                format!("{a:?}").to_lowercase()
            }),
            row("verify.max-size", &v.max_size, |m| {
                m.map_or("(none)".to_string(), |n| n.to_string())
            }),
        ]
    }
}

/// A parsed profile file, kept with its text (and where each line starts) so spans
/// become lines and columns in O(log n).
#[derive(Debug)]
pub struct ProfileFile {
    pub path: PathBuf,
    pub text: String,
    pub toml: schema::FileToml,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
}

impl ProfileFile {
    /// Reads and parses a profile file. Errors name file, line and column, including
    /// bytes that are not UTF-8.
    pub fn load(path: &Path) -> anyhow::Result<ProfileFile> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading profile file `{}`", path.display()))
            .map_err(|e| usage(format!("{e:#}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let bad = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            // The prefix up to the first bad byte is valid UTF-8 by construction.
            let valid = std::str::from_utf8(&bytes[..bad]).unwrap_or_default();
            let at = location_in(path, valid, &line_starts(valid), bad);
            usage(format!(
                "{at}: invalid UTF-8 (byte 0x{:02x} at offset {bad}): a profile file is UTF-8 text",
                bytes.get(bad).copied().unwrap_or(0)
            ))
        })?;
        Self::parse(path, text)
    }

    /// Parses profile text read from `path`.
    pub fn parse(path: &Path, text: String) -> anyhow::Result<ProfileFile> {
        let starts = line_starts(&text);
        match toml::from_str::<schema::FileToml>(&text) {
            Ok(toml) => Ok(ProfileFile {
                path: path.to_path_buf(),
                text,
                toml,
                line_starts: starts,
            }),
            Err(e) => {
                let msg = e.message().trim().to_string();
                // toml reports a key with too many dotted parts without a span: find it.
                let offset = e.span().map(|s| s.start).or_else(|| {
                    (msg == "recursion limit")
                        .then(|| deep_key_offset(&text))
                        .flatten()
                });
                let at = offset
                    .map(|o| location_in(path, &text, &starts, o))
                    .map(|l| format!("{l}: "))
                    .unwrap_or_else(|| format!("{}: ", path.display()));
                let msg = if msg == "recursion limit" {
                    format!(
                        "recursion limit: a dotted key or table header has more than {TOML_KEY_DEPTH} parts"
                    )
                } else {
                    msg
                };
                let hint = unknown_field_hint(&msg);
                Err(usage(format!("{at}{msg}{hint}")))
            }
        }
    }

    /// The location of a byte offset in this file.
    pub fn location(&self, offset: usize) -> Location {
        location_in(&self.path, &self.text, &self.line_starts, offset)
    }
}

/// The most dotted parts toml accepts in one key (its parser's recursion limit).
const TOML_KEY_DEPTH: usize = 80;

/// Byte offsets where lines start: 0 and after every `\n`.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// `file:line:column` of a byte offset; the column counts characters.
fn location_in(path: &Path, text: &str, starts: &[usize], offset: usize) -> Location {
    let offset = offset.min(text.len());
    // The last line starting at or before the offset.
    let line = starts.partition_point(|&s| s <= offset).max(1);
    let start = starts.get(line - 1).copied().unwrap_or(0);
    let column = text
        .get(start..offset)
        .map_or(offset - start, |l| l.chars().count())
        + 1;
    Location {
        file: path.to_path_buf(),
        line,
        column,
    }
}

/// Where the first key with more dotted parts than toml accepts starts: a run of key
/// characters, dots and quoted parts on one line with at least [`TOML_KEY_DEPTH`]
/// unquoted dots (keys never span lines).
fn deep_key_offset(text: &str) -> Option<usize> {
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let mut run_start: Option<usize> = None;
        let mut dots = 0;
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let keyish = c.is_ascii_alphanumeric() || "-_.\"' \t".contains(c);
            if !keyish {
                run_start = None;
                dots = 0;
                continue;
            }
            if run_start.is_none() && !c.is_whitespace() {
                run_start = Some(i);
            }
            match c {
                '.' => dots += 1,
                '"' | '\'' => {
                    // A quoted part: skip to its closing quote (`\"` escapes in basic strings).
                    let mut escaped = false;
                    for (_, q) in chars.by_ref() {
                        if q == c && !escaped {
                            break;
                        }
                        escaped = c == '"' && q == '\\' && !escaped;
                    }
                }
                _ => {}
            }
            if dots >= TOML_KEY_DEPTH {
                return run_start.map(|s| line_start + s);
            }
        }
        line_start += line.len();
    }
    None
}

/// serde reports "unknown field `pakage`, expected one of `package`, ..."; add the
/// closest spelling.
fn unknown_field_hint(msg: &str) -> String {
    let Some(rest) = msg.strip_prefix("unknown field `") else {
        return String::new();
    };
    let Some(end) = rest.find('`') else {
        return String::new();
    };
    let field = &rest[..end];
    let all = schema::LAYER_KEYS
        .iter()
        .chain(schema::VERIFY_KEYS)
        .chain(schema::FILE_KEYS)
        .copied()
        // Only suggest keys that the message says are valid here.
        .filter(|k| msg.contains(&format!("`{k}`")));
    crate::suggest::did_you_mean(field, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_requirements() {
        let v = |s| GoVersion::parse(s).unwrap();
        let cases = [
            (">=1.21", "go1.26.8", true),
            (">=1.21", "go1.20.14", false),
            (">= 1.22.3", "1.22.3", true),
            (">=1.22.3", "1.22.2", false),
            ("1.22.12", "go1.22.12", true),
            ("1.22.12", "go1.22.11", false),
            (">=1.23", "go1.23rc1", true),
            ("1.22.x", "go1.22.12", true),
            ("1.22.x", "go1.22", true),
            ("1.22.x", "go1.23.0", false),
            ("1.22.*", "go1.21.9", false),
        ];
        for (req, found, ok) in cases {
            let r = GoRequirement::parse(req).unwrap();
            assert_eq!(r.is_met_by(&v(found)), ok, "requirement {req} vs {found}");
        }
        assert!(
            GoRequirement::parse("1.22").is_err(),
            "exact pin without patch"
        );
        assert!(GoRequirement::parse(">=banana").is_err());
        let e = GoRequirement::parse(">=1.99999999999999999999").unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        assert!(GoRequirement::parse("1.22.3.x").is_err());
    }

    #[test]
    fn sizes() {
        for (s, want) in [
            ("40MiB", Some(40 << 20)),
            ("1.5 KiB", Some(1536)),
            ("2000", Some(2000)),
            ("3MB", Some(3_000_000)),
            ("3 furlongs", None),
            ("MiB", None),
            (".5KiB", Some(512)),
            ("1.", Some(1)),
            ("0.0000000000000000000001GiB", Some(0)),
            ("16777215.999999999999GiB", Some(18_014_398_509_481_983)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("17179869184GiB", None),
            ("99999999999999999999999999GiB", None),
            (".", None),
            ("1.2.3MiB", None),
            ("-1MiB", None),
        ] {
            assert_eq!(parse_size(s).ok(), want, "size {s}");
        }
    }

    #[test]
    fn output_templates() {
        let t = Target::parse("linux/arm/v7").unwrap();
        let o = Output {
            template: "dist/{name}-{os}-{arch}{variant}{exe}".into(),
            base: OutputBase::Dir("/repo".into()),
        };
        assert!(o.validate().is_ok());
        assert_eq!(
            o.expand("app", "golden", &t, Path::new("/m"), Path::new("/w")),
            PathBuf::from("/repo/dist/app-linux-armv7")
        );
        let w = Target::parse("windows/amd64").unwrap();
        let o = Output {
            template: "{name}{exe}".into(),
            base: OutputBase::WorkDir,
        };
        assert_eq!(
            o.expand("app", "golden", &w, Path::new("/m"), Path::new("/w")),
            PathBuf::from("/w/app.exe")
        );
        let bad = Output {
            template: "{name}-{arc}".into(),
            base: OutputBase::ModuleDir,
        };
        let err = bad.validate().unwrap_err();
        assert!(err.contains("did you mean `arch`"), "{err}");
    }

    #[test]
    fn locations_are_one_based() {
        let text = "a = 1\nbb = 2\n";
        let starts = line_starts(text);
        for (offset, want) in [
            (7, (2, 2)),
            (0, (1, 1)),
            (5, (1, 6)),
            (6, (2, 1)),
            (99, (3, 1)),
        ] {
            let l = location_in(Path::new("f.toml"), text, &starts, offset);
            assert_eq!((l.line, l.column), want, "offset {offset}");
        }
        // Columns count characters, not bytes.
        let text = "k = \"é\" x";
        let l = location_in(
            Path::new("f.toml"),
            text,
            &line_starts(text),
            text.len() - 1,
        );
        assert_eq!((l.line, l.column), (1, 9));
    }
}
