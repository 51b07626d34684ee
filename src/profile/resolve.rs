//! Precedence, written once as data: a list of layers from highest to lowest
//! (command line, the named profile, the profiles it inherits, `[build]`, built-in
//! golden) and, for every setting, the first layer that sets it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::schema::{BtiPolicy, FloatAbi, LayerToml, LdflagsToml};
use super::{
    GoRequirement, Location, Output, OutputBase, ProfileFile, ResolvedProfile, Source, Sourced,
    VerifyPolicy,
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
}

/// One layer, every field optional, each value already carrying its source.
#[derive(Debug, Clone, Default)]
struct Layer {
    targets: Option<Sourced<Vec<String>>>,
    package: Option<Sourced<String>>,
    output: Option<Sourced<Output>>,
    cgo: Option<Sourced<bool>>,
    ldflags: Option<Sourced<String>>,
    flags: Option<Sourced<Vec<String>>>,
    tags: Option<Sourced<Vec<String>>>,
    rebuild_all: Option<Sourced<bool>>,
    env: BTreeMap<String, Sourced<String>>,
    pass_env: Option<Sourced<Vec<String>>>,
    go: Option<Sourced<String>>,
    smoke: Option<Sourced<Vec<String>>>,
    static_: Option<Sourced<bool>>,
    stripped: Option<Sourced<bool>>,
    buildinfo: Option<Sourced<bool>>,
    runs_on: Option<Sourced<Vec<String>>>,
    max_glibc: Option<Sourced<String>>,
    arm_float_abi: Option<Sourced<FloatAbi>>,
    aarch64_bti: Option<Sourced<BtiPolicy>>,
    max_size: Option<Sourced<String>>,
}

fn builtin() -> Layer {
    fn b<T>(v: T) -> Option<Sourced<T>> {
        Some(Sourced::new(v, Source::BuiltIn))
    }
    Layer {
        targets: b(vec!["linux/arm64".to_string()]),
        package: b(".".to_string()),
        output: Some(Sourced::new(
            Output {
                template: "{name}{exe}".to_string(),
                base: OutputBase::ModuleDir,
            },
            Source::BuiltIn,
        )),
        cgo: Some(Sourced::new(false, Source::BuiltIn)),
        ldflags: b("-s -w".to_string()),
        flags: b(vec![]),
        tags: b(vec![]),
        rebuild_all: Some(Sourced::new(false, Source::BuiltIn)),
        env: BTreeMap::new(),
        pass_env: b(vec![]),
        go: None,
        smoke: None,
        static_: Some(Sourced::new(true, Source::BuiltIn)),
        stripped: Some(Sourced::new(true, Source::BuiltIn)),
        buildinfo: Some(Sourced::new(true, Source::BuiltIn)),
        runs_on: b(vec![]),
        max_glibc: None,
        arm_float_abi: Some(Sourced::new(FloatAbi::Any, Source::BuiltIn)),
        aarch64_bti: Some(Sourced::new(BtiPolicy::Any, Source::BuiltIn)),
        max_size: None,
    }
}

fn cli_layer(o: &Overrides) -> Layer {
    fn f<T: Clone>(v: &Option<T>, flag: &'static str) -> Option<Sourced<T>> {
        v.clone().map(|v| Sourced::new(v, Source::Flag(flag)))
    }
    Layer {
        targets: f(&o.targets, "--target"),
        package: f(&o.package, "--package"),
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
        ..Layer::default()
    }
}

/// Quotes one flag for Go's `-ldflags` parser (cmd/internal/quoted.Split): fields split
/// on whitespace; a field that starts with a quote runs to the matching quote, with no
/// escapes. A flag holding whitespace and both kinds of quote cannot be written.
fn go_quote(arg: &str) -> Result<String, String> {
    let plain =
        !arg.is_empty() && !arg.contains(char::is_whitespace) && !arg.starts_with(['\'', '"']);
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

/// Converts a TOML table into a layer; `source` makes the provenance of a span.
fn toml_layer(
    file: &ProfileFile,
    t: &LayerToml,
    source: &dyn Fn(Location) -> Source,
) -> anyhow::Result<Layer> {
    let s = |span: std::ops::Range<usize>| source(file.location(span.start));
    fn take<T: Clone>(
        v: &Option<Spanned<T>>,
        s: &dyn Fn(std::ops::Range<usize>) -> Source,
    ) -> Option<Sourced<T>> {
        v.as_ref()
            .map(|sp| Sourced::new(sp.get_ref().clone(), s(sp.span())))
    }
    let dir = file
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let ldflags = match &t.ldflags {
        None => None,
        Some(sp) => {
            let text = match sp.get_ref() {
                LdflagsToml::Str(s) => s.clone(),
                LdflagsToml::List(l) => l
                    .iter()
                    .map(|a| go_quote(a))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| usage(format!("{}: {e}", file.location(sp.span().start))))?
                    .join(" "),
            };
            Some(Sourced::new(text, s(sp.span())))
        }
    };
    let mut env = BTreeMap::new();
    for (k, v) in t.env.iter().flatten() {
        check_env(k, v.get_ref(), &file.location(v.span().start))?;
        env.insert(k.clone(), Sourced::new(v.get_ref().clone(), s(v.span())));
    }
    let verify = t.verify.as_ref();
    Ok(Layer {
        targets: take(&t.targets, &s),
        package: take(&t.package, &s),
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
        ldflags,
        flags: take(&t.flags, &s),
        tags: take(&t.tags, &s),
        rebuild_all: take(&t.rebuild_all, &s),
        env,
        pass_env: take(&t.pass_env, &s),
        go: take(&t.go, &s),
        smoke: take(&t.smoke, &s),
        static_: verify.and_then(|v| take(&v.static_, &s)),
        stripped: verify.and_then(|v| take(&v.stripped, &s)),
        buildinfo: verify.and_then(|v| take(&v.buildinfo, &s)),
        runs_on: verify.and_then(|v| take(&v.runs_on, &s)),
        max_glibc: verify.and_then(|v| take(&v.max_glibc, &s)),
        arm_float_abi: verify.and_then(|v| take(&v.arm_float_abi, &s)),
        aarch64_bti: verify.and_then(|v| take(&v.aarch64_bti, &s)),
        max_size: verify.and_then(|v| take(&v.max_size, &s)),
    })
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

/// The chain of profile tables, named first, then what it inherits. A name missing from
/// the file is fine only for the built-in golden profile.
fn chain<'f>(
    file: Option<&'f ProfileFile>,
    name: &str,
) -> anyhow::Result<Vec<(String, &'f Spanned<LayerToml>)>> {
    let profiles = file.map(|f| &f.toml.profile);
    let known = || {
        let mut names: Vec<&str> = profiles
            .into_iter()
            .flat_map(|p| p.keys().map(String::as_str))
            .collect();
        if !names.contains(&BUILTIN_PROFILE) {
            names.push(BUILTIN_PROFILE);
        }
        names
    };
    let mut out: Vec<(String, &Spanned<LayerToml>)> = Vec::new();
    let mut current = name.to_string();
    let mut via: Option<Location> = None;
    loop {
        let Some(table) = profiles.and_then(|p| p.get(&current)) else {
            if current == BUILTIN_PROFILE {
                return Ok(out);
            }
            let names = known();
            let where_ = match (&via, file) {
                (Some(at), _) => format!("{at}: "),
                (None, Some(f)) => format!("{}: ", f.path.display()),
                (None, None) => String::new(),
            };
            return Err(usage(format!(
                "{where_}unknown profile `{current}`{}; profiles: {}",
                did_you_mean(&current, names.iter().copied()),
                names.join(", ")
            )));
        };
        if out.iter().any(|(n, _)| *n == current) {
            let cycle: Vec<&str> = out
                .iter()
                .map(|(n, _)| n.as_str())
                .chain([current.as_str()])
                .collect();
            let at = via.map(|l| format!("{l}: ")).unwrap_or_default();
            return Err(usage(format!(
                "{at}profile inheritance cycle: {}",
                cycle.join(" -> ")
            )));
        }
        out.push((current.clone(), table));
        match &table.get_ref().inherits {
            None => return Ok(out),
            Some(parent) => {
                let f = file.expect("a table came from a file");
                via = Some(f.location(parent.span().start));
                current = parent.get_ref().clone();
            }
        }
    }
}

/// Resolves the named profile from the file (if any), the built-in golden profile and
/// the command line.
pub fn resolve(
    file: Option<&ProfileFile>,
    name: &str,
    cli: &Overrides,
) -> anyhow::Result<ResolvedProfile> {
    let mut layers = vec![cli_layer(cli)];
    if let Some(f) = file {
        for (i, (pname, table)) in chain(Some(f), name)?.into_iter().enumerate() {
            let source: Box<dyn Fn(Location) -> Source> = if i == 0 {
                let n = pname.clone();
                Box::new(move |at| Source::Profile {
                    name: n.clone(),
                    at,
                })
            } else {
                let n = pname.clone();
                Box::new(move |at| Source::Inherited {
                    name: n.clone(),
                    at,
                })
            };
            layers.push(toml_layer(f, table.get_ref(), &*source)?);
        }
        if let Some(build) = &f.toml.build {
            if let Some(inh) = &build.get_ref().inherits {
                return Err(usage(format!(
                    "{}: `inherits` is not allowed in [build]; [build] applies to every profile",
                    f.location(inh.span().start)
                )));
            }
            layers.push(toml_layer(f, build.get_ref(), &Source::Build)?);
        }
    } else {
        chain(None, name)?;
    }
    layers.push(builtin());
    finish(name, file.map(|f| f.path.clone()), &layers, cli)
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
    let max_glibc = match first(layers, |l| &l.max_glibc) {
        None => Sourced::new(None, Source::BuiltIn),
        Some(m) if m.value.trim().is_empty() => Sourced::new(None, m.source),
        Some(m) => {
            let ok = m.value.split('.').count() >= 2
                && m.value
                    .split('.')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err(usage(format!(
                    "{}max-glibc = \"{}\": expected a glibc version such as \"2.31\"",
                    at(&m.source),
                    m.value
                )));
            }
            Sourced::new(Some(m.value.clone()), m.source)
        }
    };

    // env merges key by key, higher layers winning; lists and scalars replace.
    let mut env: BTreeMap<String, Sourced<String>> = BTreeMap::new();
    for l in layers.iter().rev() {
        for (k, v) in &l.env {
            env.insert(k.clone(), v.clone());
        }
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
        package: pick!(package),
        output,
        cgo: pick!(cgo),
        ldflags: pick!(ldflags),
        flags: pick!(flags),
        tags,
        rebuild_all: pick!(rebuild_all),
        env: env.into_iter().collect(),
        pass_env,
        go,
        smoke: first(layers, |l| &l.smoke).map_or_else(
            || Sourced::new(None, Source::BuiltIn),
            |s| Sourced::new(Some(s.value), s.source),
        ),
        verify: VerifyPolicy {
            static_: pick!(static_),
            stripped: pick!(stripped),
            buildinfo: pick!(buildinfo),
            runs_on: pick!(runs_on),
            max_glibc,
            arm_float_abi: pick!(arm_float_abi),
            aarch64_bti: pick!(aarch64_bti),
            max_size,
        },
        go_args: cli.go_args.clone(),
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
                |r| (r.package.value.clone(), r.package.source.to_string()),
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
