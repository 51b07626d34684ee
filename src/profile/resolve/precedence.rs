//! Precedence, written once as data: the first layer that sets a value wins; each
//! value is then parsed and checked into the [`ResolvedProfile`], errors naming where
//! it was set.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::layer::Layer;
use super::overrides::Overrides;
use super::stack::Stack;
use super::values::{check_glibc_version, check_stamp, is_env_name};
use crate::error::usage;
use crate::profile::schema::Libc;
use crate::profile::{duration, parse_size, placeholders};
use crate::profile::{
    CcSetting, GoRequirement, ImageSettings, ResolvedProfile, Source, Sourced, VerifyPolicy,
    DEFAULT_IMAGE_PATH, DEFAULT_IMAGE_TAGS,
};
use crate::target::Target;

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

/// A value parsed, keeping its source; an error is prefixed with where it was set.
fn parsed<T, U>(
    v: Sourced<T>,
    parse: impl FnOnce(&T) -> Result<U, String>,
) -> anyhow::Result<Sourced<U>> {
    let value = parse(&v.value).map_err(|e| usage(format!("{}{e}", at(&v.source))))?;
    Ok(Sourced::new(value, v.source))
}

/// A value that may be unset: none when no layer sets it (built in) or the nearest
/// layer sets it to `""`, else parsed like [`parsed`].
fn optional<U>(
    v: Option<Sourced<String>>,
    parse: impl FnOnce(&String) -> Result<U, String>,
) -> anyhow::Result<Sourced<Option<U>>> {
    match v {
        None => Ok(Sourced::new(None, Source::BuiltIn)),
        Some(v) if v.value.trim().is_empty() => Ok(Sourced::new(None, v.source)),
        Some(v) => parsed(v, |v| parse(v).map(Some)),
    }
}

pub(super) fn finish(
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

    let mtime = match first(layers, |l| &l.mtime) {
        None => Sourced::new(None, Source::BuiltIn),
        Some(m) => {
            // Only the source's placeholders: one mtime for every file of the run.
            for n in crate::profile::placeholders::ARTIFACT {
                if m.value.contains(&format!("{{{n}}}")) {
                    return Err(usage(format!(
                        "{}mtime = \"{}\": {{{n}}} differs per file; use seconds since 1970, an RFC 3339 date or {{commit-date}}",
                        at(&m.source),
                        m.value
                    )));
                }
            }
            if !crate::profile::placeholders::uses_any(&m.value) {
                crate::date::parse_epoch(&m.value)
                    .map_err(|e| usage(format!("{}mtime: {e}", at(&m.source))))?;
            }
            Sourced::new(Some(m.value), m.source)
        }
    };
    let go = match first(layers, |l| &l.go) {
        None => Sourced::new(None, Source::BuiltIn),
        Some(g) => parsed(g, |v| GoRequirement::parse(v).map(Some))?,
    };
    let max_size = optional(first(layers, |l| &l.max_size), |v| {
        parse_size(v).map_err(|e| format!("max-size: {e}"))
    })?;
    let smoke_timeout = match first(layers, |l| &l.smoke_timeout) {
        None => Sourced::new(duration::DEFAULT_SMOKE_TIMEOUT, Source::BuiltIn),
        Some(t) => parsed(t, |v| {
            duration::parse_smoke_timeout(v).map_err(|e| format!("smoke-timeout: {e}"))
        })?,
    };
    let libc = pick!(libc);
    let cc = parsed(pick!(cc), |v| CcSetting::parse(v))?;
    let glibc = optional(first(layers, |l| &l.glibc), |v| {
        check_glibc_version(v).map_err(|e| format!("glibc = \"{v}\": {e}"))?;
        Ok(v.trim().to_string())
    })?;
    let max_glibc = match first(layers, |l| &l.max_glibc) {
        // No limit set anywhere: a glibc floor is also the limit, so the version needs
        // of the binary prove it.
        None => match (&glibc.value, libc.value) {
            (Some(floor), Libc::Glibc) => Sourced::new(Some(floor.clone()), glibc.source.clone()),
            _ => Sourced::new(None, Source::BuiltIn),
        },
        max_glibc => optional(max_glibc, |v| {
            check_glibc_version(v).map_err(|e| format!("max-glibc = \"{v}\": {e}"))?;
            Ok(v.clone())
        })?,
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
    let known: Vec<&str> = placeholders::all().collect();
    let check = |what: &str, value: &str, source: &Source| -> anyhow::Result<()> {
        placeholders::check(value, &known)
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
    let cache_program = first(layers, |l| &l.cache_program).map_or_else(
        || Sourced::new(None, Source::BuiltIn),
        |s| Sourced::new(Some(s.value), s.source),
    );
    if let Some(c) = cache_program.value.as_deref() {
        check("cache-program", c, &cache_program.source)?;
        if c.trim().is_empty() && cache_program.source != Source::Flag("--no-cache-program") {
            return Err(usage(format!(
                "{}cache-program: empty: name a GOCACHEPROG command such as \
                 \"go-cacher --cache-server=http://127.0.0.1:31364\", or leave the key out",
                at(&cache_program.source)
            )));
        }
    }
    let cache_program_env = pick!(cache_program_env);
    if let Some(bad) = cache_program_env.value.iter().find(|v| !is_env_name(v)) {
        return Err(usage(format!(
            "{}cache-program-env: {bad:?} is not a variable name",
            at(&cache_program_env.source)
        )));
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

    let image = image_settings(layers, &known)?;

    Ok(ResolvedProfile {
        name: name.to_string(),
        file,
        targets: Sourced::new(targets, raw_targets.source),
        package,
        output,
        mtime,
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
            runs_on_accept: pick!(runs_on_accept),
            runs_on_path: pick!(runs_on_path),
            accept_needs: pick!(accept_needs),
            max_glibc,
            arm_float_abi: pick!(arm_float_abi),
            aarch64_bti: pick!(aarch64_bti),
            max_size,
        },
        image,
        go_args: cli.go_args.clone(),
        cache_program,
        cache_program_env,
        stack,
    })
}

/// `[profile.NAME.image]` resolved key by key (the nearest layer that sets a key wins,
/// as in `verify`); none when no layer has an `image` table. Placeholders of `tags` and
/// `path` and the names of `env` are checked here, at their lines.
fn image_settings(layers: &[Layer], known: &[&str]) -> anyhow::Result<Option<ImageSettings>> {
    let Some(table) = first(layers, |l| &l.image_table) else {
        return Ok(None);
    };
    let tags = first(layers, |l| &l.image_tags).unwrap_or_else(|| {
        Sourced::new(
            DEFAULT_IMAGE_TAGS.iter().map(|t| t.to_string()).collect(),
            Source::BuiltIn,
        )
    });
    if tags.value.is_empty() {
        return Err(usage(format!(
            "{}image.tags: name at least one tag, e.g. [\"{{version}}\"]",
            at(&tags.source)
        )));
    }
    for t in &tags.value {
        placeholders::check(t, known)
            .map_err(|e| usage(format!("{}image.tags: {e}", at(&tags.source))))?;
    }
    let path = first(layers, |l| &l.image_path)
        .unwrap_or_else(|| Sourced::new(DEFAULT_IMAGE_PATH.to_string(), Source::BuiltIn));
    placeholders::check(&path.value, known)
        .map_err(|e| usage(format!("{}image.path: {e}", at(&path.source))))?;
    let env = first(layers, |l| &l.image_env);
    if let Some(env) = &env {
        if let Some(bad) = env.value.keys().find(|k| !is_env_name(k)) {
            return Err(usage(format!(
                "{}image.env: {bad:?} is not a variable name",
                at(&env.source)
            )));
        }
    }
    let base = first(layers, |l| &l.image_base);
    if let Some(b) = base.as_ref().filter(|b| b.value.trim().is_empty()) {
        return Err(usage(format!(
            "{}image.base: name the base image, e.g. \"oci:base:1\"",
            at(&b.source)
        )));
    }
    Ok(Some(ImageSettings {
        table: table.source,
        base,
        repository: first(layers, |l| &l.image_repository),
        tags,
        path,
        entrypoint: first(layers, |l| &l.image_entrypoint),
        cmd: first(layers, |l| &l.image_cmd),
        user: first(layers, |l| &l.image_user),
        workdir: first(layers, |l| &l.image_workdir),
        env,
        labels: first(layers, |l| &l.image_labels),
        annotations: first(layers, |l| &l.image_annotations),
        ports: first(layers, |l| &l.image_ports),
        insecure_registries: first(layers, |l| &l.image_insecure_registries),
    }))
}
