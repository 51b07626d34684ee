//! Planning: every (package, target) of the profile becomes a [`Plan`] before anything
//! runs: the per-target profile (its `target."..."` tables applied, placeholders such
//! as `{version}` filled), the binary's name and destination (collisions refused), and
//! the child environment with the toolchain go.mod asks for.

use std::path::{Path, PathBuf};

use super::context::{toolchain_file, Context};
use super::gomod::GoMod;
use super::stamp;
use crate::error::usage;
use crate::profile::{self, GoRequirement, GoVersion, ResolvedProfile};
use crate::target::Target;
use crate::toolchain::cc::{self, CToolchain};
use crate::toolchain::{self, ChildEnv, Go};

/// One binary for one target, planned before anything runs.
#[derive(Debug)]
pub struct Plan {
    pub target: Target,
    /// The Go package this plan builds, as go reads it in the module directory.
    pub package: String,
    /// The binary's name (`{name}`).
    pub name: String,
    pub dest: PathBuf,
    pub env: ChildEnv,
    /// The profile for this target and binary: `target."..."` tables applied, every
    /// placeholder filled (stamps already in `ldflags` as `-X` flags) and the C
    /// toolchain's link flags appended to `ldflags`.
    pub profile: ResolvedProfile,
    /// The C toolchain of a cgo build (its CC/CXX are in `env`).
    pub c_toolchain: Option<CToolchain>,
    /// The remote cache program of the build (its wrapper is `GOCACHEPROG` in `env`).
    pub cache_program: Option<toolchain::cacheprog::Attached>,
}

/// `a/b/../c` → `a/c`, as Go's `filepath.Join` cleans a relative package path.
fn clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The import path of `package` as go reads it in `run_dir`: a relative package
/// (`.`, `./cmd/a`, `../lib`) is the path of the go.mod that holds its directory
/// (a workspace member, or a nested module) plus the rest.
pub fn import_path(run_dir: &Path, package: &str) -> String {
    let relative = package == "."
        || package == ".."
        || package.starts_with("./")
        || package.starts_with("../");
    if !relative {
        return package.to_string();
    }
    let dir = clean(&run_dir.join(package));
    let module =
        profile::find_module_dir(&dir).and_then(|m| GoMod::read(&m).ok().map(|g| (m, g.module)));
    match module {
        Some((m, path)) => {
            let rest = dir.strip_prefix(&m).unwrap_or(Path::new(""));
            let rest = rest.to_string_lossy();
            if rest.is_empty() {
                path
            } else {
                format!("{path}/{rest}")
            }
        }
        None => dir.to_string_lossy().into_owned(),
    }
}

/// The binary name `go build` would give the package: the last element of its import
/// path, skipping a `/vN` major-version suffix.
pub fn binary_name(run_dir: &Path, package: &str) -> anyhow::Result<String> {
    // `go build file.go ...` names the binary after the first file.
    if let Some(stem) = package.strip_suffix(".go") {
        let base = stem.rsplit('/').next().unwrap_or(stem);
        if !base.is_empty() {
            return Ok(base.to_string());
        }
    }
    let import = import_path(run_dir, package.trim_end_matches('/'));
    if import.contains("...") {
        return Err(usage(format!(
            "package `{package}` is a pattern: xbuild-go builds one main package per profile; name it (e.g. ./cmd/server)"
        )));
    }
    let parts: Vec<&str> = import
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let is_major =
        |p: &str| p.len() > 1 && p.starts_with('v') && p[1..].chars().all(|c| c.is_ascii_digit());
    let name = match parts.as_slice() {
        [.., prev, last] if is_major(last) => prev,
        [.., last] => last,
        [] => {
            return Err(usage(format!(
                "cannot name the binary of package `{package}`"
            )))
        }
    };
    Ok(name.to_string())
}

/// Plans every main package of the profile for every target; rejects colliding
/// destinations before anything runs. `go` decides the toolchain line (its version)
/// and lists the packages of patterns such as `./cmd/...` (one `go list` per target,
/// only when the profile has a pattern).
pub fn plan(ctx: &Context, go: &Go) -> anyhow::Result<Vec<Plan>> {
    let module_dir = module_dir(ctx)?;
    let local = go.parsed_version();
    let mut plans: Vec<Plan> = Vec::new();
    for t in &ctx.profile.targets.value {
        for (package, name, tp, dest) in binaries(ctx, Some(go), None, t, module_dir)? {
            let planned = plans
                .iter()
                .map(|o| (o.package.as_str(), &o.target, &*o.dest));
            refuse_collision(planned, &package, t, &dest)?;
            let read = || ctx.source_vars();
            let vars = |n: &str| stamp::var(n, &name, t, &tp, &read);
            let origin = |n: &str| stamp::origin(n, &read);
            let mut profile = stamp::fill(&tp, &vars, &origin)?;
            let mut env = target_env_of(ctx, &profile, t, local.as_ref());
            // A cgo build without a usable C compiler fails deep in runtime/cgo: choose
            // one now, or say which to install before go runs.
            let c_toolchain = c_toolchain(ctx, &mut profile, &mut env, t)?;
            let cache_program = ctx.cache_programs.attach(
                &profile,
                &mut env,
                &ctx.host,
                &ctx.work_dir,
                local.as_ref(),
            )?;
            plans.push(Plan {
                target: t.clone(),
                package,
                name,
                dest,
                env,
                profile,
                c_toolchain,
                cache_program,
            });
        }
    }
    Ok(plans)
}

/// The Go module directory, or the error every planning command gives without one.
fn module_dir(ctx: &Context) -> anyhow::Result<&Path> {
    let module_dir = ctx.module_dir.as_deref().ok_or_else(|| {
        crate::error::helped(
            crate::error::Exit::Usage,
            format!(
                "no go.mod or go.work in {} or any parent",
                crate::sanitize::escape::path(&ctx.work_dir)
            ),
            "run in a Go module or workspace, point -C at one, or make one with \
             `go mod init MODULE`",
        )
    })?;
    for f in [&ctx.gomod, &ctx.gowork].into_iter().flatten() {
        if let Err(e) = f {
            return Err(usage(e.clone()));
        }
    }
    Ok(module_dir)
}

/// A binary of one target: its package, its name, the target's profile (placeholders
/// not yet filled: the output needs none of them) and its destination.
type Binary = (String, String, ResolvedProfile, PathBuf);

/// Every binary of target `t`: each package (patterns listed by `go`), its name, the
/// target's profile, and its [`destination`]. Without `go`, a
/// pattern package locates one (`go_flag`: `--go`).
fn binaries(
    ctx: &Context,
    go: Option<&Go>,
    go_flag: Option<&Path>,
    t: &Target,
    module_dir: &Path,
) -> anyhow::Result<Vec<Binary>> {
    let tp = ctx.profile.for_target(t)?;
    // A buildmode whose output this tool cannot verify (an archive) is refused before
    // anything builds, --no-verify or not.
    crate::verify::kind_of(&tp).map_err(usage)?;
    let located;
    let go = match go {
        Some(g) => Some(g),
        None if tp.package.value.iter().any(|p| p.contains("...")) => {
            located = toolchain::locate(go_flag, &ctx.host, &ctx.work_dir)?;
            Some(&located)
        }
        None => None,
    };
    let local = go.and_then(Go::parsed_version);
    let mut env = target_env_of(ctx, &tp, t, local.as_ref());
    // `go list` runs before the cache program is resolved: never with a host one.
    env.vars.remove("GOCACHEPROG");
    let mut out = Vec::new();
    for package in packages(ctx, go, &tp, &env, module_dir)? {
        let name = binary_name(module_dir, &package)?;
        let dest = destination(ctx, &tp, t, &name, module_dir)?;
        out.push((package, name, tp.clone(), dest));
    }
    Ok(out)
}

/// Two binaries that would write the same file are refused (any number may discard
/// into /dev/null): `planned` holds the (package, target, destination) of those before.
fn refuse_collision<'a>(
    mut planned: impl Iterator<Item = (&'a str, &'a Target, &'a Path)>,
    package: &str,
    t: &Target,
    dest: &Path,
) -> anyhow::Result<()> {
    if dest == Path::new("/dev/null") {
        return Ok(());
    }
    if let Some((other, ot, _)) = planned.find(|(_, _, d)| *d == dest) {
        return Err(usage(format!(
            "{other} for {ot} and {package} for {t} would both write {}: use an output template \
             such as \"dist/{{name}}-{{os}}-{{arch}}{{variant}}{{exe}}\" (output = ... or -o)",
            dest.display()
        )));
    }
    Ok(())
}

/// Where each binary of every target of the profile goes, as [`plan`] plans it (the
/// same expansion and refusals) without choosing a C toolchain or a cache program: what
/// `matrix` and `env --explain` show. Each target's list is what `--target T` builds
/// (a matrix runs one target per runner), so two binaries of one target that would
/// write the same file are refused, two targets' are not. Go is located (`go_flag`:
/// `--go`) only when a package is a pattern (`./cmd/...`) to list.
pub fn outputs(
    ctx: &Context,
    go_flag: Option<&Path>,
) -> anyhow::Result<Vec<(Target, Vec<PathBuf>)>> {
    let module_dir = module_dir(ctx)?;
    let mut out = Vec::new();
    for t in &ctx.profile.targets.value {
        let mut seen: Vec<(String, PathBuf)> = Vec::new();
        for (package, _, _, dest) in binaries(ctx, None, go_flag, t, module_dir)? {
            let before = seen.iter().map(|(p, d)| (p.as_str(), t, d.as_path()));
            refuse_collision(before, &package, t, &dest)?;
            seen.push((package, dest));
        }
        out.push((t.clone(), seen.into_iter().map(|(_, d)| d).collect()));
    }
    Ok(out)
}

/// The packages to build: each of `package` as given, except patterns (`./cmd/...`),
/// which go lists (for this target, so build constraints apply) and of which every
/// main package is kept. A pattern matching no main package is an error.
fn packages(
    ctx: &Context,
    go: Option<&Go>,
    profile: &ResolvedProfile,
    env: &ChildEnv,
    module_dir: &Path,
) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for p in &profile.package.value {
        let found = if let (true, Some(go)) = (p.contains("..."), go) {
            let mains =
                toolchain::list_main_packages(go, module_dir, &env.vars, &profile.tags.value, p)?;
            if mains.is_empty() {
                return Err(usage(format!(
                    "{}: package pattern `{p}` matches no main package{}",
                    profile.package.source,
                    if ctx.profile.targets.value.len() > 1 {
                        " for this target"
                    } else {
                        ""
                    }
                )));
            }
            mains
        } else {
            refuse_missing_dir(p, &profile.package.source, module_dir)?;
            vec![p.clone()]
        };
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// A relative package (`./nope`, `../x`) that names nothing in `module_dir`, where go
/// reads it, is what the user wrote: exit 2 before go runs, naming the package, where
/// it came from (the profile line or the flag) and the module directory. Import paths
/// (`example.com/x`) and patterns are go's to resolve.
fn refuse_missing_dir(
    package: &str,
    source: &crate::profile::Source,
    module_dir: &Path,
) -> anyhow::Result<()> {
    let relative = package.starts_with("./") || package.starts_with("../");
    let path = clean(&module_dir.join(package));
    if !relative || std::fs::symlink_metadata(&path).is_ok() {
        return Ok(());
    }
    Err(usage(format!(
        "{source}: package `{}`: no directory `{}` in the module directory `{}`",
        crate::sanitize::escape::value(package),
        crate::sanitize::escape::path(&path),
        crate::sanitize::escape::path(module_dir)
    )))
}

/// A toolchain other than the local one, chosen as Go's default `GOTOOLCHAIN=auto`
/// would: the go.mod (or go.work) `toolchain` line when it names a newer Go than the
/// local one. The profile's exact `go = "X.Y.Z"` pin overrides it (child_env sets that).
/// Returns the toolchain name and where the choice came from.
pub fn toolchain_line_choice(ctx: &Context, local: Option<&GoVersion>) -> Option<(String, String)> {
    if matches!(ctx.profile.go.value, Some(GoRequirement::Exact(_))) {
        return None;
    }
    let file = toolchain_file(ctx)?;
    let (name, line) = file.toolchain.as_ref()?;
    let wanted = name
        .strip_prefix("go")
        .and_then(|v| GoVersion::parse(v).ok())?;
    let newer = local.map_or(true, |l| &wanted > l);
    newer.then(|| {
        (
            name.clone(),
            format!("the toolchain line at {}", file.at(*line)),
        )
    })
}

/// The profile of one target as its first binary's build gets it: the target's tables
/// applied and every placeholder filled (stamps in ldflags).
pub fn target_profile(ctx: &Context, target: &Target) -> anyhow::Result<ResolvedProfile> {
    let tp = ctx.profile.for_target(target)?;
    let name = ctx
        .module_dir
        .as_deref()
        .and_then(|m| binary_name(m, tp.package.value.first()?).ok())
        .unwrap_or_default();
    let read = || ctx.source_vars();
    let vars = |n: &str| stamp::var(n, &name, target, &tp, &read);
    let origin = |n: &str| stamp::origin(n, &read);
    stamp::fill(&tp, &vars, &origin)
}

/// The child environment of one target, with the toolchain the `toolchain` line asks
/// for (given the local go's version, when known), as a build would get it.
pub fn target_env(
    ctx: &Context,
    profile: &ResolvedProfile,
    target: &Target,
    local: Option<&GoVersion>,
) -> ChildEnv {
    target_env_of(ctx, profile, target, local)
}

fn target_env_of(
    ctx: &Context,
    profile: &ResolvedProfile,
    target: &Target,
    local: Option<&GoVersion>,
) -> ChildEnv {
    let mut env = toolchain::child_env(&ctx.host, &ctx.goenv, profile, target);
    if let Some((name, why)) = toolchain_line_choice(ctx, local) {
        toolchain::childenv::pin_toolchain(&mut env, &name, why);
    }
    env
}

/// The C toolchain of a cgo build of one target (none without cgo), applied: its
/// `CC`/`CXX` set in the child environment and its link flags appended to the
/// profile's `ldflags`, so the command, the report and `go.buildinfo` all see them.
/// No compiler is exit 4, naming the ways to get one.
pub fn c_toolchain(
    ctx: &Context,
    profile: &mut ResolvedProfile,
    env: &mut ChildEnv,
    target: &Target,
) -> anyhow::Result<Option<CToolchain>> {
    let chosen = cc::choose(&cc::Request {
        profile,
        target,
        host: &ctx.host,
        work_dir: &ctx.work_dir,
        zig: &ctx.zig,
    })?;
    if let Some(t) = &chosen {
        toolchain::childenv::apply_c_toolchain(env, t);
        profile.ldflags.value = t.ldflags(&profile.ldflags.value);
    }
    Ok(chosen)
}

/// Where binary `name` of `profile` (one target's) is delivered:
/// the output template filled through [`stamp::var`] (git read only when it names a
/// source placeholder), a source value that could move the path refused (exit 2,
/// naming the placeholder, its value, where it came from and the profile line), a
/// directory given a file of the binary's name, and a control character refused. Every
/// command that shows an output path asks here, so it is the path the build writes.
pub fn destination(
    ctx: &Context,
    profile: &ResolvedProfile,
    target: &Target,
    name: &str,
    module_dir: &Path,
) -> anyhow::Result<PathBuf> {
    let read = || ctx.source_vars();
    let vars = |n: &str| stamp::var(n, name, target, profile, &read);
    let output = &profile.output;
    let path = output
        .value
        .expand(&vars, module_dir, &ctx.work_dir)
        .map_err(|r| {
            use crate::sanitize::escape;
            usage(format!(
                "{}: output `{}`: the value of `{{{}}}` (\"{}\", from {}) {}",
                output.source,
                escape::value(&output.value.template),
                r.placeholder,
                escape::value(&r.value),
                escape::value(&stamp::origin(&r.placeholder, &read)),
                r.why
            ))
        })?;
    let dest = super::deliver::into_dir_if_dir(path, &format!("{name}{}", target.exe_suffix()));
    refuse_control_characters(&dest, module_dir, ctx)?;
    Ok(dest)
}

/// An output path whose own part (what the template and the package name made, below
/// the directory it is relative to) holds a control character is refused: such a name
/// would split log lines and checksum files.
fn refuse_control_characters(dest: &Path, module_dir: &Path, ctx: &Context) -> anyhow::Result<()> {
    let profile_dir = ctx.profile.file.as_deref().and_then(Path::parent);
    let own = [Some(module_dir), Some(ctx.work_dir.as_path()), profile_dir]
        .into_iter()
        .flatten()
        .filter_map(|base| dest.strip_prefix(base).ok())
        .min_by_key(|rest| rest.as_os_str().len())
        .unwrap_or(dest);
    if own.to_string_lossy().chars().any(char::is_control) {
        return Err(usage(format!(
            "output `{}` holds a control character: name the file without one",
            crate::sanitize::escape::path(dest)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
