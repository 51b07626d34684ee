//! Before anything builds: the working directory (`-C`), the module directory, the
//! profile file and the resolved profile ([`context`]); the `runs-on` images and the
//! policy of a target ([`policy_for`]); the profile's `go` requirement against the
//! toolchain found ([`check_requirement`]).

use std::path::{Path, PathBuf};

use super::gomod::GoMod;
use super::{images, outcache, stamp};
use crate::error::{failure, usage, Exit};
use crate::profile::{self, GoRequirement, GoVersion, Overrides, ProfileFile, ResolvedProfile};
use crate::target::Target;
use crate::toolchain::{self, ChildEnv, Go, GoEnvFile, HostEnv};
use crate::verify::{self, Policy};

/// Everything a command needs before it builds or verifies anything.
#[derive(Debug)]
pub struct Context {
    /// The working directory after `-C`.
    pub work_dir: PathBuf,
    /// Where `go build` runs: the Go module directory (holding go.mod), or a go.work
    /// workspace root with no go.mod of its own.
    pub module_dir: Option<PathBuf>,
    pub profile: ResolvedProfile,
    pub host: HostEnv,
    pub goenv: GoEnvFile,
    /// The go.mod in `module_dir`, read once (an error message when unreadable).
    pub gomod: Option<Result<GoMod, String>>,
    /// The go.work go uses there (GOWORK unset: found upward; the profile's
    /// `env.GOWORK` names another file or `off`).
    pub gowork: Option<Result<GoMod, String>>,
    /// `--version-override`: the value of `{version}`.
    pub version_override: Option<String>,
    /// The source placeholders' values, read from git on first use.
    pub source: std::sync::OnceLock<stamp::SourceVars>,
    /// Real images of `runs-on`, read once per platform.
    pub images: images::ImageCache,
    /// zig for cgo builds, found on first need (`--zig`, XBUILD_GO_ZIG, PATH, ziglang).
    pub zig: toolchain::cc::ZigFinder,
    /// The remote cache programs of the run, resolved on first need.
    pub cache_programs: super::cache::CachePrograms,
}

impl Context {
    /// The source placeholders' values, read from git and the host once per run.
    pub fn source_vars(&self) -> stamp::SourceVars {
        self.source
            .get_or_init(|| {
                stamp::SourceVars::read(
                    self.module_dir.as_deref().unwrap_or(&self.work_dir),
                    &self.work_dir,
                    &self.host,
                    self.version_override.as_deref(),
                )
            })
            .clone()
    }
}

/// The file whose `go` and `toolchain` lines select the toolchain, as go reads them:
/// go.work in workspace mode (go ignores the modules' lines then), else go.mod.
pub fn toolchain_file(ctx: &Context) -> Option<&GoMod> {
    match (&ctx.gowork, &ctx.gomod) {
        (Some(Ok(w)), _) => Some(w),
        (None, Some(Ok(m))) => Some(m),
        _ => None,
    }
}

/// Where to look and what was asked on the command line.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub cwd: PathBuf,
    pub dir: Option<&'a Path>,
    pub config: Option<&'a Path>,
    pub profile: &'a str,
    pub overrides: Overrides,
    /// `--zig`: the zig binary for cgo builds.
    pub zig: Option<&'a Path>,
}

/// The working directory: `-C DIR` against the process's, which must exist (exit 2).
pub fn work_dir(req: &Request) -> anyhow::Result<PathBuf> {
    match req.dir {
        Some(d) => {
            let d = req.cwd.join(d);
            if !d.is_dir() {
                return Err(usage(format!("-C {}: no such directory", d.display())));
            }
            Ok(d)
        }
        None => Ok(req.cwd.clone()),
    }
}

/// Resolves `-C`, the module directory, the profile file and the profile.
pub fn context(req: &Request, host: HostEnv) -> anyhow::Result<Context> {
    let work_dir = work_dir(req)?;
    let found_work = profile::find_workspace(&work_dir);
    let module_dir = profile::find_build_dir(&work_dir, found_work.as_deref());
    let file_path = match req.config {
        Some(c) => {
            let p = work_dir.join(c);
            if !p.is_file() {
                return Err(usage(format!("--config {}: no such file", p.display())));
            }
            Some(p)
        }
        None => profile::find_profile_file(module_dir.as_deref().unwrap_or(&work_dir)),
    };
    let file = file_path.as_deref().map(ProfileFile::load).transpose()?;
    let profile = profile::resolve(file.as_ref(), req.profile, &req.overrides)?;
    check_runs_on(&profile)?;
    images::check_references(&profile, &work_dir)?;
    let goenv = toolchain::read_goenv(&host);
    // GOWORK is unset in the child unless the profile's env sets it: then go uses that
    // file, or no workspace at all with `off`.
    let gowork_var = profile
        .env
        .iter()
        .find(|(k, _)| k == "GOWORK")
        .map(|(_, v)| v.value.clone());
    let (module_dir, gowork) = match gowork_var.as_deref() {
        None | Some("") => (module_dir, found_work),
        Some("off") => (profile::find_module_dir(&work_dir), None),
        Some(f) => (module_dir, Some(work_dir.join(f))),
    };
    let gomod = module_dir
        .as_deref()
        .filter(|d| d.join("go.mod").is_file())
        .map(GoMod::read);
    let gowork = gowork.as_deref().map(GoMod::read_work);
    // zig lookups are remembered beside the output cache, so warm builds ask nothing.
    let zig =
        toolchain::cc::ZigFinder::new(req.zig.map(Path::to_path_buf), outcache::root(&host).ok());
    Ok(Context {
        work_dir,
        module_dir,
        profile,
        host,
        goenv,
        gomod,
        gowork,
        version_override: req.overrides.version.clone(),
        source: std::sync::OnceLock::new(),
        images: images::ImageCache::default(),
        zig,
        cache_programs: Default::default(),
    })
}

/// Every `runs-on` image must be one the tool knows, or a reference to a real image
/// (checked by [`images::check_references`]): a configuration error (exit 2) naming the
/// profile line, before anything builds.
fn check_runs_on(profile: &ResolvedProfile) -> anyhow::Result<()> {
    let runs_on = &profile.verify.runs_on;
    for name in &runs_on.value {
        if crate::image::ImageRef::is_reference(name) {
            continue;
        }
        match verify::runs_on::images::find(name) {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(usage(format!(
                    "{}: unknown runs-on image `{name}`{}; known images: {}; or a real image: \
                     oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE",
                    runs_on.source,
                    crate::suggest::did_you_mean(name, verify::runs_on::images::spellings()),
                    verify::runs_on::images::names().join(", ")
                )))
            }
            Err(e) => return Err(usage(e)),
        }
    }
    check_accept_needs(profile)
}

/// Every need `accept-needs` names (the verify table's, a target's, a `runs-on` entry's)
/// must be one `runs-on` judges, and every `runs-on` entry's `path` an absolute file
/// path: a configuration error (exit 2) naming the profile line.
fn check_accept_needs(profile: &ResolvedProfile) -> anyhow::Result<()> {
    let v = &profile.verify;
    let per_image = v.runs_on_accept.value.values();
    let lists = std::iter::once((&v.accept_needs.source, &v.accept_needs.value))
        .chain(per_image.map(|n| (&v.runs_on_accept.source, n)));
    let known = verify::runs_on::needs::NEEDS;
    let paths = &v.runs_on_path;
    for (image, path) in &paths.value {
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        let bad = !path.starts_with('/')
            || path.contains('\0')
            || parts
                .iter()
                .any(|c| c.is_empty() || *c == "." || *c == "..");
        if bad {
            return Err(usage(format!(
                "{}: runs-on `{image}` has path = {path:?}: where the artifact sits in the \
                 image must be an absolute file path without `.`, `..` or empty components, \
                 e.g. \"/usr/local/bin/app\"",
                paths.source
            )));
        }
    }
    for (source, needs) in lists {
        if let Some(n) = needs.iter().find(|n| !known.contains(&n.as_str())) {
            return Err(usage(format!(
                "{source}: accept-needs names `{n}`, which is not a runtime need{}; the needs are {}",
                crate::suggest::did_you_mean(n, known.iter().copied()),
                known.join(", ")
            )));
        }
    }
    Ok(())
}

/// The policy of a profile for a target, with the real images of its `runs-on` read
/// for the target's platform (exit 2 when one cannot be, or when the profile's
/// `-buildmode` makes what this tool does not verify: an archive).
pub fn policy_for(
    ctx: &Context,
    profile: &ResolvedProfile,
    target: &Target,
) -> anyhow::Result<Policy> {
    verify::kind_of(profile).map_err(usage)?;
    check_accept_needs(profile)?;
    let mut policy = Policy::from_profile(profile, Some(target));
    ctx.images
        .attach(profile, target, &ctx.work_dir, &mut policy)?;
    Ok(policy)
}

/// Checks the profile's `go` requirement against the toolchain found (exit 4 if unmet).
pub fn check_requirement(ctx: &Context, go: &Go, env: &ChildEnv) -> anyhow::Result<()> {
    // The go line is a minimum toolchain (Go 1.21+); xbuild-go never lets go switch to
    // a newer one for it, so say so before go fails with exit 3. From files only.
    let pinned = env
        .vars
        .get("GOTOOLCHAIN")
        .and_then(|t| t.strip_prefix("go"))
        .and_then(|v| GoVersion::parse(v).ok());
    let running = pinned.or_else(|| go.parsed_version());
    if let (Some(file), Some(running)) = (toolchain_file(ctx), &running) {
        if let Some((need, line)) = &file.go {
            if running < need {
                let exact = GoVersion {
                    patch: Some(need.patch.unwrap_or(0)),
                    ..need.clone()
                };
                return Err(failure(
                    Exit::Toolchain,
                    format!(
                        "{}: the {} requires go >= {need}, but the build would run go{running}: \
                         install Go {exact} or newer, or pin it in the profile with go = \"{exact}\" \
                         (GOTOOLCHAIN fetches it; xbuild-go never lets go switch by itself)",
                        file.at(*line),
                        if file.module.is_empty() { "workspace" } else { "module" },
                    ),
                ));
            }
        }
    }
    let req = match &ctx.profile.go.value {
        // A pin runs exactly that toolchain through GOTOOLCHAIN; nothing more to check.
        None | Some(GoRequirement::Exact(_)) => return Ok(()),
        Some(r) => r,
    };
    let found = match go.parsed_version() {
        Some(v) => v,
        // No VERSION file beside the binary: ask go (only in this case).
        None => toolchain::go::query_version(go, &env.vars)?,
    };
    if !req.is_met_by(&found) {
        return Err(failure(
            Exit::Toolchain,
            format!(
                "the profile requires go {req} ({}), but {} is go{found}: install a matching Go, \
                 or pin one with an exact go = \"X.Y.Z\" (GOTOOLCHAIN fetches it)",
                ctx.profile.go.source,
                go.path.display()
            ),
        ));
    }
    Ok(())
}
