//! Precedence, written once as data: a list of layers from highest to lowest
//! (command line, the named profile, the profiles it inherits, `[build]`, built-in
//! golden) and, for every setting, the first layer that sets it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::schema::{BtiPolicy, FloatAbi, LayerToml, LdflagsToml, Libc, SmokeIsolation};
use super::{
    CcSetting, GoRequirement, Location, Output, OutputBase, ProfileFile, ResolvedProfile, Source,
    Sourced, VerifyPolicy,
};
use crate::error::usage;
use crate::suggest::did_you_mean;
use crate::target::Target;

/// The name of the built-in profile, and the default `--profile`.
pub const BUILTIN_PROFILE: &str = "golden";

/// Settings from the command line; each `Some` overrides every profile layer.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub targets: Option<Vec<String>>,
    pub package: Option<String>,
    /// `-o`: a path or template relative to the working directory.
    pub output: Option<String>,
    pub cgo: Option<bool>,
    pub ldflags: Option<String>,
    pub tags: Option<Vec<String>>,
    pub rebuild_all: Option<bool>,
    /// Added to the profile's `pass-env`.
    pub pass_env: Vec<String>,
    pub go_args: Vec<String>,
    /// `--stamp KEY=VALUE`, added to (and overriding keys of) the profile's `stamp`.
    pub stamp: Vec<(String, String)>,
    /// `--static` / `--no-static`: the `verify.static` requirement for this run.
    pub static_: Option<bool>,
    /// `--version-override`: the value of `{version}` (not a profile setting).
    pub version: Option<String>,
}

/// One layer, every field optional, each value already carrying its source.
#[derive(Debug, Clone, Default)]
pub(super) struct Layer {
    targets: Option<Sourced<Vec<String>>>,
    package: Option<Sourced<Vec<String>>>,
    output: Option<Sourced<Output>>,
    cgo: Option<Sourced<bool>>,
    cc: Option<Sourced<String>>,
    libc: Option<Sourced<Libc>>,
    glibc: Option<Sourced<String>>,
    ldflags: Option<Sourced<String>>,
    flags: Option<Sourced<Vec<String>>>,
    tags: Option<Sourced<Vec<String>>>,
    rebuild_all: Option<Sourced<bool>>,
    env: BTreeMap<String, Sourced<String>>,
    pass_env: Option<Sourced<Vec<String>>>,
    go: Option<Sourced<String>>,
    smoke: Option<Sourced<Vec<String>>>,
    smoke_required: Option<Sourced<bool>>,
    smoke_timeout: Option<Sourced<String>>,
    smoke_isolation: Option<Sourced<SmokeIsolation>>,
    static_: Option<Sourced<bool>>,
    stripped: Option<Sourced<bool>>,
    buildinfo: Option<Sourced<bool>>,
    runs_on: Option<Sourced<Vec<String>>>,
    max_glibc: Option<Sourced<String>>,
    arm_float_abi: Option<Sourced<FloatAbi>>,
    aarch64_bti: Option<Sourced<BtiPolicy>>,
    max_size: Option<Sourced<String>>,
    /// `-X` stamps, merged key by key like `env`.
    stamp: BTreeMap<String, Sourced<String>>,
    /// `target."OS/ARCH[/VARIANT]"` tables of this layer, in the file's order.
    target_tables: Vec<(TargetKey, Layer)>,
}

/// The key of a per-target table: a whole target, or `os/arch` for all its variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TargetKey {
    target: Target,
    /// True when the key names a variant (`linux/arm/v7`): an exact match.
    exact: bool,
}

impl TargetKey {
    fn parse(key: &str) -> Result<TargetKey, String> {
        let target = Target::parse(key)?;
        Ok(TargetKey {
            exact: key.trim().split('/').count() == 3,
            target,
        })
    }

    fn matches(&self, t: &Target) -> bool {
        if self.exact {
            &self.target == t
        } else {
            self.target.goos() == t.goos() && self.target.goarch() == t.goarch()
        }
    }
}

fn builtin() -> Layer {
    fn b<T>(v: T) -> Option<Sourced<T>> {
        Some(Sourced::new(v, Source::BuiltIn))
    }
    Layer {
        targets: b(vec!["linux/arm64".to_string()]),
        package: b(vec![".".to_string()]),
        output: Some(Sourced::new(
            Output {
                template: "{name}{exe}".to_string(),
                base: OutputBase::ModuleDir,
            },
            Source::BuiltIn,
        )),
        cgo: Some(Sourced::new(false, Source::BuiltIn)),
        cc: b("auto".to_string()),
        libc: Some(Sourced::new(Libc::Glibc, Source::BuiltIn)),
        glibc: None,
        ldflags: b("-s -w".to_string()),
        flags: b(vec![]),
        tags: b(vec![]),
        rebuild_all: Some(Sourced::new(false, Source::BuiltIn)),
        env: BTreeMap::new(),
        pass_env: b(vec![]),
        go: None,
        smoke: None,
        smoke_required: Some(Sourced::new(false, Source::BuiltIn)),
        smoke_timeout: None,
        smoke_isolation: Some(Sourced::new(SmokeIsolation::BestEffort, Source::BuiltIn)),
        static_: Some(Sourced::new(true, Source::BuiltIn)),
        stripped: Some(Sourced::new(true, Source::BuiltIn)),
        buildinfo: Some(Sourced::new(true, Source::BuiltIn)),
        runs_on: b(vec![]),
        max_glibc: None,
        arm_float_abi: Some(Sourced::new(FloatAbi::Any, Source::BuiltIn)),
        aarch64_bti: Some(Sourced::new(BtiPolicy::Any, Source::BuiltIn)),
        max_size: None,
        stamp: BTreeMap::new(),
        target_tables: Vec::new(),
    }
}

fn cli_layer(o: &Overrides) -> Layer {
    fn f<T: Clone>(v: &Option<T>, flag: &'static str) -> Option<Sourced<T>> {
        v.clone().map(|v| Sourced::new(v, Source::Flag(flag)))
    }
    Layer {
        targets: f(&o.targets, "--target"),
        package: o
            .package
            .as_ref()
            .map(|p| Sourced::new(vec![p.clone()], Source::Flag("--package"))),
        output: o.output.as_ref().map(|t| {
            Sourced::new(
                Output {
                    template: t.clone(),
                    base: OutputBase::WorkDir,
                },
                Source::Flag("-o"),
            )
        }),
        cgo: f(&o.cgo, "--cgo/--no-cgo"),
        ldflags: f(&o.ldflags, "--ldflags"),
        tags: f(&o.tags, "--tags"),
        rebuild_all: f(&o.rebuild_all, "--rebuild-all"),
        static_: f(&o.static_, "--static/--no-static"),
        stamp: o
            .stamp
            .iter()
            .map(|(k, v)| (k.clone(), Sourced::new(v.clone(), Source::Flag("--stamp"))))
            .collect(),
        ..Layer::default()
    }
}

/// The bytes go's flag splitter (cmd/internal/quoted) separates fields on.
pub(crate) const GO_SPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// Quotes one flag for Go's `-ldflags` parser (cmd/internal/quoted.Split): fields split
/// on whitespace; a field that starts with a quote runs to the matching quote, with no
/// escapes. A flag holding whitespace and both kinds of quote cannot be written.
pub(crate) fn go_quote(arg: &str) -> Result<String, String> {
    let plain = !arg.is_empty() && !arg.contains(GO_SPACE) && !arg.starts_with(['\'', '"']);
    if plain {
        Ok(arg.to_string())
    } else if !arg.contains('\'') {
        Ok(format!("'{arg}'"))
    } else if !arg.contains('"') {
        Ok(format!("\"{arg}\""))
    } else {
        Err(format!(
            "ldflags element `{arg}` holds whitespace and both kinds of quote: go's -ldflags syntax cannot express it"
        ))
    }
}

type SourceFn<'a> = &'a dyn Fn(Location) -> Source;

fn take<T: Clone>(
    v: &Option<Spanned<T>>,
    s: &dyn Fn(std::ops::Range<usize>) -> Source,
) -> Option<Sourced<T>> {
    v.as_ref()
        .map(|sp| Sourced::new(sp.get_ref().clone(), s(sp.span())))
}

/// `ldflags` as one string in go's syntax (a list is joined with go's quoting).
fn ldflags_of(
    file: &ProfileFile,
    v: &Option<Spanned<LdflagsToml>>,
    s: &dyn Fn(std::ops::Range<usize>) -> Source,
) -> anyhow::Result<Option<Sourced<String>>> {
    let Some(sp) = v else { return Ok(None) };
    let text = match sp.get_ref() {
        LdflagsToml::Str(s) => s.clone(),
        LdflagsToml::List(l) => l
            .iter()
            .map(|a| go_quote(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| usage(format!("{}: {e}", file.location(sp.span().start))))?
            .join(" "),
    };
    Ok(Some(Sourced::new(text, s(sp.span()))))
}

/// `env` and `stamp` tables: keys checked, values sourced.
fn env_of(
    file: &ProfileFile,
    t: &Option<BTreeMap<String, Spanned<String>>>,
    s: &dyn Fn(std::ops::Range<usize>) -> Source,
) -> anyhow::Result<BTreeMap<String, Sourced<String>>> {
    let mut env = BTreeMap::new();
    for (k, v) in t.iter().flatten() {
        check_env(k, v.get_ref(), &file.location(v.span().start))?;
        env.insert(k.clone(), Sourced::new(v.get_ref().clone(), s(v.span())));
    }
    Ok(env)
}

fn stamp_of(
    file: &ProfileFile,
    t: &Option<BTreeMap<String, Spanned<String>>>,
    s: &dyn Fn(std::ops::Range<usize>) -> Source,
) -> anyhow::Result<BTreeMap<String, Sourced<String>>> {
    let mut stamp = BTreeMap::new();
    for (k, v) in t.iter().flatten() {
        let at = file.location(v.span().start);
        check_stamp(k, v.get_ref()).map_err(|e| usage(format!("{at}: {e}")))?;
        stamp.insert(k.clone(), Sourced::new(v.get_ref().clone(), s(v.span())));
    }
    Ok(stamp)
}

/// A stamp is `-X importpath.name=value`: the key must be a qualified Go variable name,
/// the value one go can receive.
pub(crate) fn check_stamp(key: &str, value: &str) -> Result<(), String> {
    let ok = key.contains('.')
        && !key.starts_with('.')
        && !key.ends_with('.')
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || "._-/~+".contains(c));
    if !ok {
        return Err(format!(
            "stamp key {key:?} is not a Go variable such as \"main.version\" or \
             \"example.com/app/internal/build.Commit\""
        ));
    }
    if value.contains(['\0', '\n', '\r']) {
        return Err(format!(
            "the value of stamp {key} holds a NUL or line break, which -ldflags cannot carry"
        ));
    }
    Ok(())
}

fn verify_fields(
    layer: &mut Layer,
    verify: Option<&super::schema::VerifyToml>,
    s: &dyn Fn(std::ops::Range<usize>) -> Source,
) {
    let Some(v) = verify else { return };
    layer.static_ = take(&v.static_, s);
    layer.stripped = take(&v.stripped, s);
    layer.buildinfo = take(&v.buildinfo, s);
    layer.runs_on = take(&v.runs_on, s);
    layer.max_glibc = take(&v.max_glibc, s);
    layer.arm_float_abi = take(&v.arm_float_abi, s);
    layer.aarch64_bti = take(&v.aarch64_bti, s);
    layer.max_size = take(&v.max_size, s);
}

/// Converts a `target."OS/ARCH"` table into a layer.
fn target_layer(
    file: &ProfileFile,
    t: &super::schema::TargetToml,
    source: SourceFn,
) -> anyhow::Result<Layer> {
    let s = |span: std::ops::Range<usize>| source(file.location(span.start));
    let mut layer = Layer {
        cgo: take(&t.cgo, &s),
        cc: take(&t.cc, &s),
        libc: take(&t.libc, &s),
        glibc: take(&t.glibc, &s),
        ldflags: ldflags_of(file, &t.ldflags, &s)?,
        flags: take(&t.flags, &s),
        tags: take(&t.tags, &s),
        env: env_of(file, &t.env, &s)?,
        stamp: stamp_of(file, &t.stamp, &s)?,
        smoke: take(&t.smoke, &s),
        smoke_required: take(&t.smoke_required, &s),
        smoke_timeout: take(&t.smoke_timeout, &s),
        smoke_isolation: take(&t.smoke_isolation, &s),
        ..Layer::default()
    };
    verify_fields(&mut layer, t.verify.as_ref(), &s);
    Ok(layer)
}

/// Converts a TOML table into a layer; `source` makes the provenance of a span.
fn toml_layer(file: &ProfileFile, t: &LayerToml, source: SourceFn) -> anyhow::Result<Layer> {
    let s = |span: std::ops::Range<usize>| source(file.location(span.start));
    let dir = file
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut target_tables = Vec::new();
    for (key, table) in t.target.iter().flatten() {
        let at = file.location(table.span().start);
        let k = TargetKey::parse(key)
            .map_err(|e| usage(format!("{at}: target table \"{key}\": {e}")))?;
        target_tables.push((k, target_layer(file, table.get_ref(), source)?));
    }
    let mut layer = Layer {
        targets: take(&t.targets, &s),
        package: t
            .package
            .as_ref()
            .map(|sp| Sourced::new(sp.get_ref().to_vec(), s(sp.span()))),
        output: t.output.as_ref().map(|sp| {
            Sourced::new(
                Output {
                    template: sp.get_ref().clone(),
                    base: OutputBase::Dir(dir.clone()),
                },
                s(sp.span()),
            )
        }),
        cgo: take(&t.cgo, &s),
        cc: take(&t.cc, &s),
        libc: take(&t.libc, &s),
        glibc: take(&t.glibc, &s),
        ldflags: ldflags_of(file, &t.ldflags, &s)?,
        flags: take(&t.flags, &s),
        tags: take(&t.tags, &s),
        rebuild_all: take(&t.rebuild_all, &s),
        env: env_of(file, &t.env, &s)?,
        pass_env: take(&t.pass_env, &s),
        go: take(&t.go, &s),
        smoke: take(&t.smoke, &s),
        smoke_required: take(&t.smoke_required, &s),
        smoke_timeout: take(&t.smoke_timeout, &s),
        smoke_isolation: take(&t.smoke_isolation, &s),
        stamp: stamp_of(file, &t.stamp, &s)?,
        target_tables,
        ..Layer::default()
    };
    verify_fields(&mut layer, t.verify.as_ref(), &s);
    Ok(layer)
}

/// A glibc version as `glibc` and `max-glibc` take it: `MAJOR.MINOR[.PATCH]`, digits.
fn check_glibc_version(v: &str) -> Result<(), String> {
    let v = v.trim();
    let ok = v.split('.').count() >= 2
        && v.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !ok {
        return Err("expected a glibc version such as \"2.31\"".to_string());
    }
    if let Some(big) = v.split('.').find(|p| p.parse::<u32>().is_err()) {
        return Err(format!("version component `{big}` is out of range"));
    }
    Ok(())
}

/// Whether a name is a portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One entry of a profile's `env`: the key must be a variable name
/// (`[A-Za-z_][A-Za-z0-9_]*`, so no consumer of `env --format` can read it as code),
/// the value must hold no NUL (no process can receive it), and keys a profile setting
/// owns are refused.
fn check_env(key: &str, value: &str, at: &Location) -> anyhow::Result<()> {
    if key.is_empty() {
        return Err(usage(format!("{at}: `env` has an empty variable name")));
    }
    if !is_env_name(key) {
        return Err(usage(format!(
            "{at}: `env` key {key:?} is not a variable name: use letters, digits and `_`, \
             not starting with a digit"
        )));
    }
    if value.contains('\0') {
        return Err(usage(format!(
            "{at}: the value of `env` key {key} holds a NUL byte, which no process can receive"
        )));
    }
    let owner = match key {
        "GOFLAGS" => "`flags` (and `ldflags`, `tags`), so the printed go command is what runs",
        "GOOS" | "GOARCH" => "`targets`",
        "CGO_ENABLED" => "`cgo`",
        "GOTOOLCHAIN" => "`go` (an exact version pins the toolchain)",
        "GOROOT" => "nothing: go finds its own root, and a stale GOROOT breaks builds",
        "GOENV" => "nothing: the scrub sets GOENV=off",
        "GOARM" | "GOAMD64" | "GOARM64" | "GO386" | "GOMIPS" | "GOMIPS64" | "GOPPC64"
        | "GORISCV64" => "the target's variant (e.g. linux/arm/v7, linux/amd64/v3)",
        _ => return Ok(()),
    };
    Err(usage(format!(
        "{at}: `env` may not set {key}; it is set by {owner}"
    )))
}

/// Calls `$m!` with the name of every single-valued field of [`Layer`] (all but `env`),
/// so the memo below lists them once.
macro_rules! with_layer_fields {
    ($m:ident) => {
        $m! {
            targets,
            package,
            output,
            cgo,
            cc,
            libc,
            glibc,
            ldflags,
            flags,
            tags,
            rebuild_all,
            pass_env,
            go,
            smoke,
            smoke_required,
            smoke_timeout,
            smoke_isolation,
            static_,
            stripped,
            buildinfo,
            runs_on,
            max_glibc,
            arm_float_abi,
            aarch64_bti,
            max_size
        }
    };
}

macro_rules! define_providers {
    ($($f:ident),*) => {
        /// For one profile table: which table of its inheritance chain (itself or an
        /// ancestor) provides each field, and the nearest one that sets `env` keys.
        #[derive(Debug, Clone, Copy, Default)]
        struct Providers {
            $($f: Option<u32>,)*
            env: Option<u32>,
            stamp: Option<u32>,
            tables: Option<u32>,
        }

        impl Providers {
            /// A table's providers from its own layer and its parent's providers.
            fn of(layer: &Layer, me: u32, parent: Option<&Providers>) -> Providers {
                Providers {
                    $($f: if layer.$f.is_some() { Some(me) } else { parent.and_then(|p| p.$f) },)*
                    env: if layer.env.is_empty() { parent.and_then(|p| p.env) } else { Some(me) },
                    stamp: if layer.stamp.is_empty() { parent.and_then(|p| p.stamp) } else { Some(me) },
                    tables: if layer.target_tables.is_empty() {
                        parent.and_then(|p| p.tables)
                    } else {
                        Some(me)
                    },
                }
            }
        }

        impl Resolver<'_> {
            /// The chain of `named` as one layer: each field from the table that provides
            /// it, labelled inherited when that is not `named` itself.
            fn merged(&self, named: u32) -> Layer {
                let p = self.providers[named as usize].unwrap_or_default();
                let pick = |j: u32| self.layers[j as usize].as_ref();
                Layer {
                    $($f: p.$f.and_then(|j| {
                        pick(j)?.$f.clone().map(|v| relabel(v, j != named))
                    }),)*
                    env: self.merged_map(named, p.env, |l| &l.env, |p| p.env),
                    stamp: self.merged_map(named, p.stamp, |l| &l.stamp, |p| p.stamp),
                    target_tables: self.merged_tables(p.tables),
                }
            }
        }
    };
}
with_layer_fields!(define_providers);

/// A value set by a profile, labelled as inherited when another profile asked for it.
fn relabel<T>(mut v: Sourced<T>, inherited: bool) -> Sourced<T> {
    if inherited {
        if let Source::Profile { name, at } = v.source {
            v.source = Source::Inherited { name, at };
        }
    }
    v
}

/// Resolves profiles of one file, each table converted and its inheritance chain walked
/// once however many profiles share it: resolving every profile of a file is linear in
/// its size (2,000 profiles, or a 5,000-deep chain). Iterative, so no depth overflows
/// the stack.
pub struct Resolver<'f> {
    file: Option<&'f ProfileFile>,
    /// `[profile.NAME]` tables, in the file's (sorted) order.
    tables: Vec<(&'f str, &'f Spanned<LayerToml>)>,
    index: HashMap<&'f str, u32>,
    /// Each table as a layer, converted when first needed (its values labelled as the
    /// profile's own).
    layers: Vec<Option<Layer>>,
    /// The table each one inherits from (none: the built-in golden profile).
    parents: Vec<Option<u32>>,
    /// Set once a table's whole chain is known to be valid.
    providers: Vec<Option<Providers>>,
    /// Tables on the chain being walked, to find cycles.
    on_path: Vec<bool>,
    /// `[build]`, converted and checked once.
    build: Option<Option<Layer>>,
}

impl<'f> Resolver<'f> {
    pub fn new(file: Option<&'f ProfileFile>) -> Resolver<'f> {
        let tables: Vec<(&str, &Spanned<LayerToml>)> = file
            .into_iter()
            .flat_map(|f| f.toml.profile.iter().map(|(k, v)| (k.as_str(), v)))
            .collect();
        let n = tables.len();
        Resolver {
            file,
            index: tables
                .iter()
                .enumerate()
                .map(|(i, (name, _))| (*name, i as u32))
                .collect(),
            tables,
            layers: vec![None; n],
            parents: vec![None; n],
            providers: vec![None; n],
            on_path: vec![false; n],
            build: None,
        }
    }

    /// Resolves the named profile from the file (if any), the built-in golden profile
    /// and the command line.
    pub fn resolve(&mut self, name: &str, cli: &Overrides) -> anyhow::Result<ResolvedProfile> {
        let mut layers = vec![cli_layer(cli)];
        if let Some(named) = self.chain(name)? {
            layers.push(self.merged(named));
        }
        if let Some(build) = self.build_layer()? {
            layers.push(build.clone());
        }
        layers.push(builtin());
        let stack = std::sync::Arc::new(Stack {
            layers,
            cli: cli.clone(),
        });
        finish(
            name,
            self.file.map(|f| f.path.clone()),
            &stack.layers,
            cli,
            stack.clone(),
        )
    }

    fn unknown(&self, name: &str, via: Option<Location>) -> anyhow::Error {
        let mut names: Vec<&str> = self.tables.iter().map(|(n, _)| *n).collect();
        if !names.contains(&BUILTIN_PROFILE) {
            names.push(BUILTIN_PROFILE);
        }
        let where_ = match (via, self.file) {
            (Some(at), _) => format!("{at}: "),
            (None, Some(f)) => format!("{}: ", f.path.display()),
            (None, None) => String::new(),
        };
        usage(format!(
            "{where_}unknown profile `{name}`{}; profiles: {}",
            did_you_mean(name, names.iter().copied()),
            names.join(", ")
        ))
    }

    /// The table of `name` with its whole chain checked, converted and memoized; `None`
    /// for the built-in golden profile when the file has no such table. A name missing
    /// from the file is fine only for golden.
    fn chain(&mut self, name: &str) -> anyhow::Result<Option<u32>> {
        let Some(&start) = self.index.get(name) else {
            if name == BUILTIN_PROFILE {
                return Ok(None);
            }
            return Err(self.unknown(name, None));
        };
        if self.providers[start as usize].is_some() {
            return Ok(Some(start));
        }
        let mut path = Vec::new();
        let walked = self.walk(start, &mut path);
        for &i in &path {
            self.on_path[i as usize] = false;
        }
        walked?;
        let Some(file) = self.file else {
            return Ok(None);
        };
        // Convert named first, as the chain reads, so the first error is the nearest.
        for &i in &path {
            if self.layers[i as usize].is_none() {
                let name = self.tables[i as usize].0;
                let layer = toml_layer(file, self.tables[i as usize].1.get_ref(), &|at| {
                    Source::Profile {
                        name: name.to_string(),
                        at,
                    }
                })?;
                self.layers[i as usize] = Some(layer);
            }
        }
        for &i in path.iter().rev() {
            let parent = self.parents[i as usize].and_then(|p| self.providers[p as usize]);
            if let Some(layer) = &self.layers[i as usize] {
                self.providers[i as usize] = Some(Providers::of(layer, i, parent.as_ref()));
            }
        }
        Ok(Some(start))
    }

    /// Follows `inherits` from `start` until the built-in profile or a table already
    /// resolved, pushing every table passed; errors on an unknown name or a cycle.
    fn walk(&mut self, start: u32, path: &mut Vec<u32>) -> anyhow::Result<()> {
        let mut current = start;
        let mut via: Option<Location> = None;
        loop {
            if self.on_path[current as usize] {
                let cycle: Vec<&str> = path
                    .iter()
                    .chain([&current])
                    .map(|&i| self.tables[i as usize].0)
                    .collect();
                let at = via.map(|l| format!("{l}: ")).unwrap_or_default();
                return Err(usage(format!(
                    "{at}profile inheritance cycle: {}",
                    cycle.join(" -> ")
                )));
            }
            self.on_path[current as usize] = true;
            path.push(current);
            let Some(parent) = &self.tables[current as usize].1.get_ref().inherits else {
                return Ok(());
            };
            let at = self.file.map(|f| f.location(parent.span().start));
            match self.index.get(parent.get_ref().as_str()) {
                Some(&p) => {
                    self.parents[current as usize] = Some(p);
                    if self.providers[p as usize].is_some() {
                        return Ok(());
                    }
                    current = p;
                    via = at;
                }
                None if parent.get_ref() == BUILTIN_PROFILE => return Ok(()),
                None => return Err(self.unknown(parent.get_ref(), at)),
            }
        }
    }

    /// The tables of a chain that hold something, nearest first, from the nearest one
    /// (`next`) on; only such tables are visited.
    fn holders(&self, mut next: Option<u32>, next_of: fn(&Providers) -> Option<u32>) -> Vec<u32> {
        let mut holders = Vec::new();
        while let Some(j) = next {
            holders.push(j);
            next = self.parents[j as usize]
                .and_then(|p| self.providers[p as usize])
                .and_then(|p| next_of(&p));
        }
        holders
    }

    /// `env` (or `stamp`) of the chain of `named`, merged key by key with nearer tables
    /// winning.
    fn merged_map(
        &self,
        named: u32,
        next: Option<u32>,
        get: fn(&Layer) -> &BTreeMap<String, Sourced<String>>,
        next_of: fn(&Providers) -> Option<u32>,
    ) -> BTreeMap<String, Sourced<String>> {
        let mut map = BTreeMap::new();
        for &j in self.holders(next, next_of).iter().rev() {
            for (k, v) in self.layers[j as usize].iter().flat_map(get) {
                map.insert(k.clone(), relabel(v.clone(), j != named));
            }
        }
        map
    }

    /// Every per-target table of the chain, the nearest profile's first.
    fn merged_tables(&self, next: Option<u32>) -> Vec<(TargetKey, Layer)> {
        self.holders(next, |p| p.tables)
            .iter()
            .flat_map(|&j| {
                self.layers[j as usize]
                    .iter()
                    .flat_map(|l| l.target_tables.clone())
            })
            .collect()
    }

    /// `[build]` as a layer; `inherits` is not allowed there.
    fn build_layer(&mut self) -> anyhow::Result<Option<&Layer>> {
        if self.build.is_none() {
            let layer = match self.file.and_then(|f| Some((f, f.toml.build.as_ref()?))) {
                None => None,
                Some((f, build)) => {
                    if let Some(inh) = &build.get_ref().inherits {
                        return Err(usage(format!(
                            "{}: `inherits` is not allowed in [build]; [build] applies to every profile",
                            f.location(inh.span().start)
                        )));
                    }
                    Some(toml_layer(f, build.get_ref(), &Source::Build)?)
                }
            };
            self.build = Some(layer);
        }
        Ok(self.build.as_ref().and_then(Option::as_ref))
    }
}

/// Resolves the named profile from the file (if any), the built-in golden profile and
/// the command line. To resolve several profiles of one file, use one [`Resolver`].
pub fn resolve(
    file: Option<&ProfileFile>,
    name: &str,
    cli: &Overrides,
) -> anyhow::Result<ResolvedProfile> {
    Resolver::new(file).resolve(name, cli)
}

/// The layers a profile was resolved from, kept so that each target can be resolved
/// again with its `target."..."` tables in place.
#[derive(Debug)]
pub(super) struct Stack {
    /// Command line, the named profile's chain, `[build]`, built-in.
    layers: Vec<Layer>,
    cli: Overrides,
}

impl ResolvedProfile {
    /// This profile for one target: the `target."OS/ARCH[/VARIANT]"` tables that match
    /// it (of the named profile's chain, nearest first, then `[build]`'s; an exact key
    /// before an `os/arch` one) rank between the command line and the profile. A
    /// profile without such tables is returned as it is.
    pub fn for_target(&self, target: &Target) -> anyhow::Result<ResolvedProfile> {
        let stack = &self.stack;
        let mut tables: Vec<&Layer> = Vec::new();
        for layer in &stack.layers {
            for exact in [true, false] {
                tables.extend(
                    layer
                        .target_tables
                        .iter()
                        .filter(|(k, _)| k.exact == exact && k.matches(target))
                        .map(|(_, l)| l),
                );
            }
        }
        if tables.is_empty() {
            return Ok(self.clone());
        }
        let mut layers: Vec<Layer> = Vec::with_capacity(stack.layers.len() + tables.len());
        layers.push(stack.layers[0].clone());
        layers.extend(tables.into_iter().cloned());
        layers.extend(stack.layers[1..].iter().cloned());
        finish(
            &self.name,
            self.file.clone(),
            &layers,
            &stack.cli,
            stack.clone(),
        )
    }
}

/// The first layer that sets a field: the whole precedence rule.
fn first<T: Clone>(
    layers: &[Layer],
    get: impl Fn(&Layer) -> &Option<Sourced<T>>,
) -> Option<Sourced<T>> {
    layers.iter().find_map(|l| get(l).clone())
}

fn at(source: &Source) -> String {
    match source {
        Source::Build(at) | Source::Profile { at, .. } | Source::Inherited { at, .. } => {
            format!("{at}: ")
        }
        Source::Flag(f) => format!("{f}: "),
        Source::BuiltIn => String::new(),
    }
}

fn finish(
    name: &str,
    file: Option<PathBuf>,
    layers: &[Layer],
    cli: &Overrides,
    stack: std::sync::Arc<Stack>,
) -> anyhow::Result<ResolvedProfile> {
    // Every field below has a built-in value, so `first` finds one; the expect
    // documents that invariant of `builtin()`.
    macro_rules! pick {
        ($field:ident) => {
            first(layers, |l| &l.$field).expect(concat!("built-in sets ", stringify!($field)))
        };
    }
    let raw_targets = pick!(targets);
    let mut targets = Vec::new();
    for t in raw_targets.value.iter().flat_map(|t| t.split(',')) {
        if t.trim().is_empty() {
            continue;
        }
        let parsed =
            Target::parse(t).map_err(|e| usage(format!("{}{e}", at(&raw_targets.source))))?;
        if !targets.contains(&parsed) {
            targets.push(parsed);
        }
    }
    if targets.is_empty() {
        return Err(usage(format!(
            "{}no targets: give --target or `targets = [\"linux/arm64\"]`",
            at(&raw_targets.source)
        )));
    }
    let output = pick!(output);
    output
        .value
        .validate()
        .map_err(|e| usage(format!("{}{e}", at(&output.source))))?;

    let go = match first(layers, |l| &l.go) {
        None => Sourced::new(None, Source::BuiltIn),
        Some(g) => Sourced::new(
            Some(
                GoRequirement::parse(&g.value)
                    .map_err(|e| usage(format!("{}{e}", at(&g.source))))?,
            ),
            g.source,
        ),
    };
    let max_size = match first(layers, |l| &l.max_size) {
        None => Sourced::new(None, Source::BuiltIn),
        Some(m) if m.value.trim().is_empty() => Sourced::new(None, m.source),
        Some(m) => Sourced::new(
            Some(
                super::parse_size(&m.value)
                    .map_err(|e| usage(format!("{}max-size: {e}", at(&m.source))))?,
            ),
            m.source,
        ),
    };
    let smoke_timeout = match first(layers, |l| &l.smoke_timeout) {
        None => Sourced::new(super::duration::DEFAULT_SMOKE_TIMEOUT, Source::BuiltIn),
        Some(t) => Sourced::new(
            super::duration::parse_smoke_timeout(&t.value)
                .map_err(|e| usage(format!("{}smoke-timeout: {e}", at(&t.source))))?,
            t.source,
        ),
    };
    let libc = pick!(libc);
    let cc = pick!(cc);
    let cc = Sourced::new(
        CcSetting::parse(&cc.value).map_err(|e| usage(format!("{}{e}", at(&cc.source))))?,
        cc.source,
    );
    let glibc = match first(layers, |l| &l.glibc) {
        None => Sourced::new(None, Source::BuiltIn),
        Some(g) if g.value.trim().is_empty() => Sourced::new(None, g.source),
        Some(g) => {
            check_glibc_version(&g.value)
                .map_err(|e| usage(format!("{}glibc = \"{}\": {e}", at(&g.source), g.value)))?;
            Sourced::new(Some(g.value.trim().to_string()), g.source)
        }
    };
    let max_glibc = match first(layers, |l| &l.max_glibc) {
        // No limit set anywhere: a glibc floor is also the limit, so the version needs
        // of the binary prove it.
        None => match (&glibc.value, libc.value) {
            (Some(floor), Libc::Glibc) => Sourced::new(Some(floor.clone()), glibc.source.clone()),
            _ => Sourced::new(None, Source::BuiltIn),
        },
        Some(m) if m.value.trim().is_empty() => Sourced::new(None, m.source),
        Some(m) => {
            check_glibc_version(&m.value)
                .map_err(|e| usage(format!("{}max-glibc = \"{}\": {e}", at(&m.source), m.value)))?;
            Sourced::new(Some(m.value.clone()), m.source)
        }
    };

    // env and stamp merge key by key, higher layers winning; lists and scalars replace.
    let mut env: BTreeMap<String, Sourced<String>> = BTreeMap::new();
    let mut stamp: BTreeMap<String, Sourced<String>> = BTreeMap::new();
    for l in layers.iter().rev() {
        for (k, v) in &l.env {
            env.insert(k.clone(), v.clone());
        }
        for (k, v) in &l.stamp {
            stamp.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in &stamp {
        if v.source == Source::Flag("--stamp") {
            check_stamp(k, &v.value).map_err(|e| usage(format!("--stamp: {e}")))?;
        }
    }
    // Placeholders in values are checked now (an unknown one is an error at its line);
    // they are filled per target when the build is planned.
    let known: Vec<&str> = super::placeholders::all().collect();
    let check = |what: &str, value: &str, source: &Source| -> anyhow::Result<()> {
        super::placeholders::check(value, &known)
            .map(|_| ())
            .map_err(|e| usage(format!("{}{what}: {e}", at(source))))
    };
    let ldflags = pick!(ldflags);
    check("ldflags", &ldflags.value, &ldflags.source)?;
    let flags = pick!(flags);
    for f in &flags.value {
        check("flags", f, &flags.source)?;
    }
    for (k, v) in env.iter().chain(&stamp) {
        check(k, &v.value, &v.source)?;
    }
    let cgo = pick!(cgo);
    // With cgo, go links glibc dynamically unless told otherwise: `static` defaults to
    // false then, and stays whatever a profile or --static/--no-static says. musl is
    // linked statically (static stays true): that is what it is for.
    let static_ = match pick!(static_) {
        s if s.source == Source::BuiltIn && cgo.value && libc.value == Libc::Glibc => {
            Sourced::new(false, Source::BuiltIn)
        }
        s => s,
    };
    let package = pick!(package);
    if package.value.is_empty() || package.value.iter().any(|p| p.trim().is_empty()) {
        return Err(usage(format!(
            "{}package: name a Go package, e.g. \".\" or \"./cmd/server\"",
            at(&package.source)
        )));
    }
    // go reads an argument that starts with `-` as a flag (`-toolexec=...` runs a
    // program for every tool): no package path starts so.
    if let Some(p) = package
        .value
        .iter()
        .find(|p| p.trim_start().starts_with('-'))
    {
        return Err(usage(format!(
            "{}package: {p:?} starts with `-`, which go would read as a flag, not a package; \
             name a package path such as \"./cmd/server\"",
            at(&package.source)
        )));
    }
    let mut pass_env: Vec<Sourced<String>> = {
        let p = pick!(pass_env);
        p.value
            .iter()
            .map(|v| Sourced::new(v.clone(), p.source.clone()))
            .collect()
    };
    for v in &cli.pass_env {
        if !pass_env.iter().any(|p| &p.value == v) {
            pass_env.push(Sourced::new(v.clone(), Source::Flag("--pass-env")));
        }
    }
    if let Some(bad) = pass_env.iter().find(|p| !is_env_name(&p.value)) {
        return Err(usage(format!(
            "{}pass-env: {:?} is not a variable name",
            at(&bad.source),
            bad.value
        )));
    }
    if output.value.template.contains("{profile}") && name.chars().any(char::is_control) {
        return Err(usage(format!(
            "{}output: the profile name {name:?} holds a control character",
            at(&output.source)
        )));
    }
    let tags = pick!(tags);
    let tags = Sourced::new(
        tags.value
            .iter()
            .flat_map(|t| t.split([',', ' ']))
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        tags.source,
    );

    Ok(ResolvedProfile {
        name: name.to_string(),
        file,
        targets: Sourced::new(targets, raw_targets.source),
        package,
        output,
        cgo,
        cc,
        libc,
        glibc,
        ldflags,
        flags,
        tags,
        rebuild_all: pick!(rebuild_all),
        env: env.into_iter().collect(),
        stamp: stamp.into_iter().collect(),
        pass_env,
        go,
        smoke: first(layers, |l| &l.smoke).map_or_else(
            || Sourced::new(None, Source::BuiltIn),
            |s| Sourced::new(Some(s.value), s.source),
        ),
        smoke_required: pick!(smoke_required),
        smoke_timeout,
        smoke_isolation: pick!(smoke_isolation),
        verify: VerifyPolicy {
            static_,
            stripped: pick!(stripped),
            buildinfo: pick!(buildinfo),
            runs_on: pick!(runs_on),
            max_glibc,
            arm_float_abi: pick!(arm_float_abi),
            aarch64_bti: pick!(aarch64_bti),
            max_size,
        },
        go_args: cli.go_args.clone(),
        stack,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> ProfileFile {
        ProfileFile::parse(Path::new("/repo/xbuild-go.toml"), text.to_string()).expect("parses")
    }

    fn err_of(text: &str, profile: &str) -> String {
        match ProfileFile::parse(Path::new("/repo/xbuild-go.toml"), text.to_string()) {
            Err(e) => format!("{e:#}"),
            Ok(f) => format!(
                "{:#}",
                resolve(Some(&f), profile, &Overrides::default()).unwrap_err()
            ),
        }
    }

    const FILE: &str = r#"[build]
package = "./cmd/server"
ldflags = ["-s"]

[profile.golden]
cgo = false

[profile.base]
targets = ["linux/amd64"]
tags = ["netgo"]
env = { GOPROXY = "off", A = "base" }

[profile.release]
inherits = "base"
flags = ["-trimpath"]
env = { A = "release" }

[profile.release.verify]
max-size = "40MiB"
"#;

    /// (case name, profile, overrides, field, expected value, expected source text)
    #[test]
    fn precedence_table() {
        let f = file(FILE);
        let cli_tags = Overrides {
            tags: Some(vec!["osusergo".into()]),
            ..Overrides::default()
        };
        let cli_target = Overrides {
            targets: Some(vec!["linux/arm/v7,linux/riscv64".into()]),
            ..Overrides::default()
        };
        let none = Overrides::default();
        type Get = fn(&ResolvedProfile) -> (String, String);
        let cases: &[(&str, &str, &Overrides, Get, &str, &str)] = &[
            (
                "builtin_targets_when_nothing_sets_them",
                "golden",
                &none,
                |r| {
                    (
                        format!(
                            "{:?}",
                            r.targets
                                .value
                                .iter()
                                .map(|t| t.to_string())
                                .collect::<Vec<_>>()
                        ),
                        r.targets.source.to_string(),
                    )
                },
                "[\"linux/arm64\"]",
                "built-in golden profile",
            ),
            (
                "build_table_overrides_builtin",
                "golden",
                &none,
                |r| (r.package.value.join(","), r.package.source.to_string()),
                "./cmd/server",
                "[build] at /repo/xbuild-go.toml:2:11",
            ),
            (
                "build_ldflags_list_joined",
                "golden",
                &none,
                |r| (r.ldflags.value.clone(), r.ldflags.source.to_string()),
                "-s",
                "[build] at /repo/xbuild-go.toml:3:11",
            ),
            (
                "named_profile_over_build",
                "release",
                &none,
                |r| (format!("{:?}", r.flags.value), r.flags.source.to_string()),
                "[\"-trimpath\"]",
                "profile `release` at /repo/xbuild-go.toml:15:9",
            ),
            (
                "inherited_over_build",
                "release",
                &none,
                |r| (format!("{:?}", r.tags.value), r.tags.source.to_string()),
                "[\"netgo\"]",
                "inherited from profile `base` at /repo/xbuild-go.toml:10:8",
            ),
            (
                "cli_over_inherited",
                "release",
                &cli_tags,
                |r| (format!("{:?}", r.tags.value), r.tags.source.to_string()),
                "[\"osusergo\"]",
                "command-line flag --tags",
            ),
            (
                "cli_targets_comma_list",
                "release",
                &cli_target,
                |r| {
                    (
                        r.targets
                            .value
                            .iter()
                            .map(|t| t.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                        r.targets.source.to_string(),
                    )
                },
                "linux/arm/v7 linux/riscv64",
                "command-line flag --target",
            ),
            (
                "env_merges_per_key_named_wins",
                "release",
                &none,
                |r| {
                    (
                        format!(
                            "{:?}",
                            r.env
                                .iter()
                                .map(|(k, v)| format!("{k}={}", v.value))
                                .collect::<Vec<_>>()
                        ),
                        r.env[0].1.source.to_string(),
                    )
                },
                "[\"A=release\", \"GOPROXY=off\"]",
                "profile `release` at /repo/xbuild-go.toml:16:13",
            ),
            (
                "verify_subtable_of_named_profile",
                "release",
                &none,
                |r| {
                    (
                        format!("{:?}", r.verify.max_size.value),
                        r.verify.max_size.source.to_string(),
                    )
                },
                "Some(41943040)",
                "profile `release` at /repo/xbuild-go.toml:19:12",
            ),
            (
                "verify_default_from_builtin",
                "release",
                &none,
                |r| {
                    (
                        r.verify.static_.value.to_string(),
                        r.verify.static_.source.to_string(),
                    )
                },
                "true",
                "built-in golden profile",
            ),
            (
                "file_golden_overrides_builtin_golden",
                "golden",
                &none,
                |r| (r.cgo.value.to_string(), r.cgo.source.to_string()),
                "false",
                "profile `golden` at /repo/xbuild-go.toml:6:7",
            ),
        ];
        for (case, profile, cli, get, want_value, want_source) in cases {
            let r = resolve(Some(&f), profile, cli).unwrap_or_else(|e| panic!("{case}: {e:#}"));
            let (value, source) = get(&r);
            assert_eq!(
                (value.as_str(), source.as_str()),
                (*want_value, *want_source),
                "case {case}"
            );
        }
    }

    /// smoke-isolation: best-effort built in, set by a profile, inherited, overridden by
    /// a target table, each with where it was set.
    #[test]
    fn smoke_isolation_resolves_per_profile_and_target() {
        let f = file(
            r#"[profile.base]
smoke-isolation = "required"
[profile.child]
inherits = "base"
[profile.loose]
inherits = "base"
[profile.loose.target."linux/arm64"]
smoke-isolation = "best-effort"
"#,
        );
        let arm64 = Target::parse("linux/arm64").unwrap();
        let cases: &[(&str, Option<&str>, SmokeIsolation, &str)] = &[
            ("golden", None, SmokeIsolation::BestEffort, "built-in"),
            ("base", None, SmokeIsolation::Required, ":2:19"),
            ("child", None, SmokeIsolation::Required, ":2:19"),
            ("loose", None, SmokeIsolation::Required, ":2:19"),
            (
                "loose",
                Some("linux/arm64"),
                SmokeIsolation::BestEffort,
                ":8:19",
            ),
        ];
        for (profile, target, want, at) in cases {
            let p = resolve(Some(&f), profile, &Overrides::default()).unwrap();
            let p = match target {
                Some(_) => p.for_target(&arm64).unwrap(),
                None => p,
            };
            let got = &p.smoke_isolation;
            assert_eq!(got.value, *want, "case {profile} {target:?}");
            assert!(
                got.source.to_string().contains(at),
                "case {profile} {target:?}: set at {}",
                got.source
            );
        }
    }

    /// cc, libc and glibc: defaults, per-target tables, the floor as the glibc limit
    /// (unless max-glibc is set), and static kept true with musl.
    #[test]
    fn c_toolchain_keys_resolve_per_target() {
        let f = file(
            r#"[profile.golden]
cgo = true
glibc = "2.28"
[profile.golden.target."linux/arm/v7"]
libc = "musl"
cc = "zig"
[profile.golden.target."linux/riscv64"]
cc = "riscv64-linux-gnu-gcc -O1"
[profile.golden.target."linux/riscv64".verify]
max-glibc = "2.36"
"#,
        );
        let p = resolve(Some(&f), "golden", &Overrides::default()).unwrap();
        let t = |s: &str| p.for_target(&Target::parse(s).unwrap()).unwrap();
        let cases: &[(&str, &str, &str, &str, &str, bool)] = &[
            // (target, cc, libc, glibc, max-glibc with its line, static)
            ("linux/arm64", "auto", "glibc", "2.28", "2.28 :3:9", false),
            ("linux/arm/v7", "zig", "musl", "2.28", "none", true),
            (
                "linux/riscv64",
                "riscv64-linux-gnu-gcc -O1",
                "glibc",
                "2.28",
                "2.36 :10:13",
                false,
            ),
        ];
        for (target, cc, libc, glibc, max, static_) in cases {
            let r = t(target);
            let m = &r.verify.max_glibc;
            let max_got = m.value.as_ref().map_or("none".to_string(), |v| {
                let s = m.source.to_string();
                format!("{v} :{}", s.rsplit_once(".toml:").map_or("", |x| x.1))
            });
            assert_eq!(
                (
                    r.cc.value.to_string().as_str(),
                    r.libc.value.as_str(),
                    r.glibc.value.as_deref().unwrap_or(""),
                    max_got.as_str(),
                    r.verify.static_.value
                ),
                (*cc, *libc, *glibc, *max, *static_),
                "case {target}"
            );
        }
        let b = resolve(None, "golden", &Overrides::default()).unwrap();
        assert_eq!(
            (b.cc.value.clone(), b.libc.value, b.glibc.value.clone()),
            (CcSetting::Auto, Libc::Glibc, None)
        );
    }

    #[test]
    fn no_file_is_builtin_golden() {
        let r = resolve(None, "golden", &Overrides::default()).unwrap();
        assert_eq!(r.ldflags.value, "-s -w");
        assert!(
            !r.cgo.value
                && !r.rebuild_all.value
                && r.verify.static_.value
                && r.verify.stripped.value
        );
        let e = resolve(None, "relase", &Overrides::default()).unwrap_err();
        assert!(format!("{e}").contains("unknown profile `relase`"), "{e}");
    }

    #[test]
    fn ldflags_elements_are_quoted_for_go() {
        let f = file("[profile.golden]\nldflags = [\"-s\", \"-X\", \"main.msg=hello world\", \"-X\", \"main.q=it's here\", \"-X\", \"main.r=it's\"]\n");
        let r = resolve(Some(&f), "golden", &Overrides::default()).unwrap();
        assert_eq!(
            r.ldflags.value,
            "-s -X 'main.msg=hello world' -X \"main.q=it's here\" -X main.r=it's"
        );
        let f = file("[profile.golden]\nldflags = [\"-X\", \"main.x=a 'b' \\\"c\\\"\"]\n");
        let e = resolve(Some(&f), "golden", &Overrides::default()).unwrap_err();
        assert!(format!("{e}").contains("xbuild-go.toml:2:11"), "{e}");
        assert!(format!("{e}").contains("cannot express"), "{e}");
    }

    #[test]
    fn errors_name_file_line_column_and_suggest() {
        let cases: &[(&str, &str, &str, &[&str])] = &[
            (
                "unknown_key",
                "[profile.golden]\npakage = \".\"\n",
                "golden",
                &[
                    "/repo/xbuild-go.toml:2:1",
                    "unknown field `pakage`",
                    "did you mean `package`?",
                ],
            ),
            (
                "unknown_verify_key",
                "[profile.golden.verify]\nstripd = true\n",
                "golden",
                &["/repo/xbuild-go.toml:2:1", "did you mean `stripped`?"],
            ),
            (
                "wrong_type",
                "[profile.golden]\ncgo = \"yes\"\n",
                "golden",
                &["/repo/xbuild-go.toml:2:7", "bool"],
            ),
            (
                "bad_enum",
                "[profile.golden.verify]\naarch64-bti = \"always\"\n",
                "golden",
                &["/repo/xbuild-go.toml:2:15", "require"],
            ),
            (
                "unknown_profile",
                "[profile.release]\n",
                "relase",
                &["unknown profile `relase`", "did you mean `release`?"],
            ),
            (
                "unknown_inherited",
                "[profile.a]\ninherits = \"goldn\"\n",
                "a",
                &[
                    "/repo/xbuild-go.toml:2:12",
                    "unknown profile `goldn`",
                    "did you mean `golden`?",
                ],
            ),
            (
                "cycle",
                "[profile.a]\ninherits = \"b\"\n[profile.b]\ninherits = \"a\"\n",
                "a",
                &["/repo/xbuild-go.toml:4:12", "cycle: a -> b -> a"],
            ),
            (
                "bad_target",
                "[profile.golden]\ntargets = [\"linux/arm46\"]\n",
                "golden",
                &["/repo/xbuild-go.toml:2:11", "did you mean `linux/arm64`"],
            ),
            (
                "inherits_in_build",
                "[build]\ninherits = \"golden\"\n",
                "golden",
                &["/repo/xbuild-go.toml:2:12", "not allowed in [build]"],
            ),
            (
                "env_owns_goarch",
                "[profile.golden]\nenv = { GOARCH = \"amd64\" }\n",
                "golden",
                &["/repo/xbuild-go.toml:2:18", "`env` may not set GOARCH"],
            ),
            (
                "bad_size",
                "[profile.golden.verify]\nmax-size = \"big\"\n",
                "golden",
                &["/repo/xbuild-go.toml:2:12", "not a size"],
            ),
            (
                "bad_go",
                "[profile.golden]\ngo = \"1.22\"\n",
                "golden",
                &["/repo/xbuild-go.toml:2:6", "exact pin needs a patch"],
            ),
            (
                "bad_template",
                "[build]\noutput = \"{nme}\"\n",
                "golden",
                &["/repo/xbuild-go.toml:2:10", "did you mean `name`"],
            ),
            (
                "not_toml",
                "[profile.golden\n",
                "golden",
                &["/repo/xbuild-go.toml:1:"],
            ),
        ];
        for (case, text, profile, needles) in cases {
            let e = err_of(text, profile);
            for n in *needles {
                assert!(e.contains(n), "case {case}: `{n}` not in error: {e}");
            }
        }
    }
}
