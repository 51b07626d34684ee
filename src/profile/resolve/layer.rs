//! One layer of a profile, every value optional and sourced: the built-in golden
//! profile, the command line, or a TOML table (`[build]`, `[profile.NAME]`, and their
//! `target."OS/ARCH[/VARIANT]"` tables) of a profile file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::overrides::Overrides;
use super::values::{check_env, check_stamp, go_quote};
use crate::error::usage;
use crate::profile::schema::{
    BtiPolicy, FloatAbi, ImageToml, LayerToml, LdflagsToml, Libc, RunsOnToml, SmokeIsolation,
    TargetToml, VerifyToml,
};
use crate::profile::{Location, Output, OutputBase, ProfileFile, Source, Sourced};
use crate::target::Target;

/// One layer, every field optional, each value already carrying its source.
#[derive(Debug, Clone, Default)]
pub(super) struct Layer {
    pub(super) targets: Option<Sourced<Vec<String>>>,
    pub(super) package: Option<Sourced<Vec<String>>>,
    pub(super) output: Option<Sourced<Output>>,
    pub(super) mtime: Option<Sourced<String>>,
    pub(super) cgo: Option<Sourced<bool>>,
    pub(super) cc: Option<Sourced<String>>,
    pub(super) libc: Option<Sourced<Libc>>,
    pub(super) glibc: Option<Sourced<String>>,
    pub(super) ldflags: Option<Sourced<String>>,
    pub(super) flags: Option<Sourced<Vec<String>>>,
    pub(super) tags: Option<Sourced<Vec<String>>>,
    pub(super) rebuild_all: Option<Sourced<bool>>,
    pub(super) env: BTreeMap<String, Sourced<String>>,
    pub(super) pass_env: Option<Sourced<Vec<String>>>,
    pub(super) go: Option<Sourced<String>>,
    pub(super) smoke: Option<Sourced<Vec<String>>>,
    pub(super) smoke_required: Option<Sourced<bool>>,
    pub(super) smoke_timeout: Option<Sourced<String>>,
    pub(super) smoke_isolation: Option<Sourced<SmokeIsolation>>,
    pub(super) static_: Option<Sourced<bool>>,
    pub(super) stripped: Option<Sourced<bool>>,
    pub(super) buildinfo: Option<Sourced<bool>>,
    pub(super) runs_on: Option<Sourced<Vec<String>>>,
    /// The needs each `runs-on` entry written as a table accepts, by image; set with
    /// `runs_on`, from the same line.
    pub(super) runs_on_accept: Option<Sourced<BTreeMap<String, Vec<String>>>>,
    /// Where the artifact sits in each `runs-on` image whose table says `path`.
    pub(super) runs_on_path: Option<Sourced<BTreeMap<String, String>>>,
    pub(super) accept_needs: Option<Sourced<Vec<String>>>,
    pub(super) max_glibc: Option<Sourced<String>>,
    pub(super) arm_float_abi: Option<Sourced<FloatAbi>>,
    pub(super) aarch64_bti: Option<Sourced<BtiPolicy>>,
    pub(super) max_size: Option<Sourced<String>>,
    /// `-X` stamps, merged key by key like `env`.
    pub(super) stamp: BTreeMap<String, Sourced<String>>,
    /// `cache-program`: a GOCACHEPROG command, or "" (`--no-cache-program`) for none.
    pub(super) cache_program: Option<Sourced<String>>,
    pub(super) cache_program_env: Option<Sourced<Vec<String>>>,
    /// `target."OS/ARCH[/VARIANT]"` tables of this layer, in the file's order.
    pub(super) target_tables: Vec<(TargetKey, Layer)>,
    /// Where this layer's `image` table is (set when it has one).
    pub(super) image_table: Option<Sourced<()>>,
    pub(super) image_base: Option<Sourced<String>>,
    pub(super) image_repository: Option<Sourced<String>>,
    pub(super) image_tags: Option<Sourced<Vec<String>>>,
    pub(super) image_path: Option<Sourced<String>>,
    pub(super) image_entrypoint: Option<Sourced<Vec<String>>>,
    pub(super) image_cmd: Option<Sourced<Vec<String>>>,
    pub(super) image_user: Option<Sourced<String>>,
    pub(super) image_workdir: Option<Sourced<String>>,
    pub(super) image_env: Option<Sourced<BTreeMap<String, String>>>,
    pub(super) image_labels: Option<Sourced<BTreeMap<String, String>>>,
    pub(super) image_annotations: Option<Sourced<BTreeMap<String, String>>>,
    pub(super) image_ports: Option<Sourced<Vec<String>>>,
    pub(super) image_insecure_registries: Option<Sourced<Vec<String>>>,
}

/// The key of a per-target table: a whole target, or `os/arch` for all its variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TargetKey {
    pub(super) target: Target,
    /// True when the key names a variant (`linux/arm/v7`): an exact match.
    pub(super) exact: bool,
}

impl TargetKey {
    fn parse(key: &str) -> Result<TargetKey, String> {
        let target = Target::parse(key)?;
        Ok(TargetKey {
            exact: key.trim().split('/').count() == 3,
            target,
        })
    }

    pub(super) fn matches(&self, t: &Target) -> bool {
        if self.exact {
            &self.target == t
        } else {
            self.target.goos() == t.goos() && self.target.goarch() == t.goarch()
        }
    }
}

pub(super) fn builtin() -> Layer {
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
        runs_on_accept: Some(Sourced::new(BTreeMap::new(), Source::BuiltIn)),
        runs_on_path: Some(Sourced::new(BTreeMap::new(), Source::BuiltIn)),
        accept_needs: b(vec![]),
        max_glibc: None,
        arm_float_abi: Some(Sourced::new(FloatAbi::Any, Source::BuiltIn)),
        aarch64_bti: Some(Sourced::new(BtiPolicy::Any, Source::BuiltIn)),
        max_size: None,
        stamp: BTreeMap::new(),
        cache_program: None,
        cache_program_env: b(vec![]),
        target_tables: Vec::new(),
        ..Layer::default()
    }
}

pub(super) fn cli_layer(o: &Overrides) -> Layer {
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
        cache_program: if o.no_cache_program {
            Some(Sourced::new(
                String::new(),
                Source::Flag("--no-cache-program"),
            ))
        } else {
            f(&o.cache_program, "--cache-program")
        },
        stamp: o
            .stamp
            .iter()
            .map(|(k, v)| (k.clone(), Sourced::new(v.clone(), Source::Flag("--stamp"))))
            .collect(),
        ..Layer::default()
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

/// The `image` table's keys, each sourced at its own line.
fn image_fields(
    layer: &mut Layer,
    image: Option<&Spanned<ImageToml>>,
    s: &dyn Fn(std::ops::Range<usize>) -> Source,
) {
    let Some(sp) = image else { return };
    let i = sp.get_ref();
    layer.image_table = Some(Sourced::new((), s(sp.span())));
    layer.image_base = take(&i.base, s);
    layer.image_repository = take(&i.repository, s);
    layer.image_tags = take(&i.tags, s);
    layer.image_path = take(&i.path, s);
    layer.image_entrypoint = take(&i.entrypoint, s);
    layer.image_cmd = take(&i.cmd, s);
    layer.image_user = take(&i.user, s);
    layer.image_workdir = take(&i.workdir, s);
    layer.image_env = take(&i.env, s);
    layer.image_labels = take(&i.labels, s);
    layer.image_annotations = take(&i.annotations, s);
    layer.image_ports = take(&i.ports, s);
    layer.image_insecure_registries = take(&i.insecure_registries, s);
}

fn verify_fields(
    layer: &mut Layer,
    verify: Option<&VerifyToml>,
    s: &dyn Fn(std::ops::Range<usize>) -> Source,
) {
    let Some(v) = verify else { return };
    layer.static_ = take(&v.static_, s);
    layer.stripped = take(&v.stripped, s);
    layer.buildinfo = take(&v.buildinfo, s);
    if let Some(r) = &v.runs_on {
        let source = s(r.span());
        let images = r.get_ref().iter().map(|e| e.image().to_string()).collect();
        let accept = r
            .get_ref()
            .iter()
            .filter_map(|e| match e {
                RunsOnToml::Table(t) => Some((t.image.clone(), t.accept_needs.clone())),
                RunsOnToml::Image(_) => None,
            })
            .collect();
        let paths = r
            .get_ref()
            .iter()
            .filter_map(|e| match e {
                RunsOnToml::Table(t) => Some((t.image.clone(), t.path.clone()?)),
                RunsOnToml::Image(_) => None,
            })
            .collect();
        layer.runs_on = Some(Sourced::new(images, source.clone()));
        layer.runs_on_accept = Some(Sourced::new(accept, source.clone()));
        layer.runs_on_path = Some(Sourced::new(paths, source));
    }
    layer.accept_needs = take(&v.accept_needs, s);
    layer.max_glibc = take(&v.max_glibc, s);
    layer.arm_float_abi = take(&v.arm_float_abi, s);
    layer.aarch64_bti = take(&v.aarch64_bti, s);
    layer.max_size = take(&v.max_size, s);
}

/// The keys a `target."OS/ARCH"` table may set (the cgo, C toolchain, go flag, env,
/// stamp and smoke groups), converted alike from such a table and from a profile's own
/// (`$t` is a [`TargetToml`] or a [`LayerToml`]): the one list of them. The `verify`
/// sub-table is [`verify_fields`]'.
macro_rules! per_target_layer {
    ($file:expr, $t:expr, $s:expr) => {
        Layer {
            cgo: take(&$t.cgo, $s),
            cc: take(&$t.cc, $s),
            libc: take(&$t.libc, $s),
            glibc: take(&$t.glibc, $s),
            ldflags: ldflags_of($file, &$t.ldflags, $s)?,
            flags: take(&$t.flags, $s),
            tags: take(&$t.tags, $s),
            env: env_of($file, &$t.env, $s)?,
            stamp: stamp_of($file, &$t.stamp, $s)?,
            smoke: take(&$t.smoke, $s),
            smoke_required: take(&$t.smoke_required, $s),
            smoke_timeout: take(&$t.smoke_timeout, $s),
            smoke_isolation: take(&$t.smoke_isolation, $s),
            ..Layer::default()
        }
    };
}

/// Converts a `target."OS/ARCH"` table into a layer.
fn target_layer(file: &ProfileFile, t: &TargetToml, source: SourceFn) -> anyhow::Result<Layer> {
    let s = |span: std::ops::Range<usize>| source(file.location(span.start));
    let mut layer = per_target_layer!(file, t, &s);
    verify_fields(&mut layer, t.verify.as_ref(), &s);
    Ok(layer)
}

/// Converts a TOML table into a layer; `source` makes the provenance of a span.
pub(super) fn toml_layer(
    file: &ProfileFile,
    t: &LayerToml,
    source: SourceFn,
) -> anyhow::Result<Layer> {
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
        mtime: t
            .mtime
            .as_ref()
            .map(|sp| Sourced::new(sp.get_ref().text(), s(sp.span()))),
        rebuild_all: take(&t.rebuild_all, &s),
        pass_env: take(&t.pass_env, &s),
        go: take(&t.go, &s),
        cache_program: take(&t.cache_program, &s),
        cache_program_env: take(&t.cache_program_env, &s),
        target_tables,
        ..per_target_layer!(file, t, &s)
    };
    verify_fields(&mut layer, t.verify.as_ref(), &s);
    image_fields(&mut layer, t.image.as_ref(), &s);
    Ok(layer)
}
