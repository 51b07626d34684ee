//! `cargo xbuild-go init`: a starter `xbuild-go.toml` for the Go module of the working
//! directory, building every main package `go list` finds, written atomically.

pub mod goreleaser;
mod writer;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{helped, usage, Exit};
use crate::profile::{self, BUILTIN_PROFILE};
use crate::target::Target;
use crate::toolchain::{self, HostEnv};

pub use writer::{render, Starter};

/// The targets `init` writes without `--targets`.
pub const DEFAULT_TARGETS: &[&str] = &["linux/amd64", "linux/arm64"];

/// What `init` was asked for.
#[derive(Debug, Clone)]
pub struct InitRequest<'a> {
    pub work_dir: PathBuf,
    pub profile: Option<&'a str>,
    pub targets: &'a [String],
    pub force: bool,
    pub go: Option<&'a Path>,
}

/// What `init` wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub starter: Starter,
    pub text: String,
    /// Whether a file was replaced (`--force`).
    pub replaced: bool,
}

/// Finds the module, lists its main packages and writes the starter profile file.
/// An existing file without `force`, no module, no main package or a bad target is
/// exit 2; no go is exit 4.
pub fn init(req: &InitRequest, host: &HostEnv) -> anyhow::Result<Written> {
    let module_dir = profile::find_module_dir(&req.work_dir).ok_or_else(|| {
        helped(
            Exit::Usage,
            format!(
                "no go.mod in {} or a parent: init writes the profile of a Go module",
                req.work_dir.display()
            ),
            "run `go mod init MODULE` first",
        )
    })?;
    let (path, replaced) = profile_path(&module_dir, req.force)?;
    let targets = parse_targets(req.targets)?;
    let gomod = super::GoMod::read(&module_dir).map_err(usage)?;
    let go = toolchain::locate(req.go, host, &req.work_dir)?;
    // The scrubbed environment of a build, with cgo on so that files importing "C" are
    // listed rather than excluded by their build constraint.
    let builtin = profile::resolve(None, BUILTIN_PROFILE, &Default::default())?;
    let goenv = toolchain::read_goenv(host);
    let mut env = toolchain::child_env(host, &goenv, &builtin, &targets[0]).vars;
    env.insert("CGO_ENABLED".into(), "1".into());
    let mains = toolchain::list_module_mains(&go, &module_dir, &env)?;
    if mains.is_empty() {
        return Err(usage(format!(
            "{}: module {} has no main package (go list ./...): nothing to build",
            module_dir.display(),
            gomod.module
        )));
    }
    let mut packages: Vec<String> = mains
        .iter()
        .map(|m| relative_package(&module_dir, &m.dir, &m.import_path))
        .collect();
    packages.sort();
    packages.dedup();
    let starter = Starter {
        module: gomod.module.clone(),
        profile: req.profile.unwrap_or(BUILTIN_PROFILE).to_string(),
        targets: targets.iter().map(Target::to_string).collect(),
        packages,
        go: gomod.go.as_ref().map(|(v, _)| v.to_string()),
        cgo_packages: mains
            .iter()
            .filter(|m| m.cgo)
            .map(|m| m.import_path.clone())
            .collect(),
        path,
    };
    let text = render(&starter);
    write_atomically(&starter.path, &text, req.force)?;
    Ok(Written {
        starter,
        text,
        replaced,
    })
}

fn parse_targets(given: &[String]) -> anyhow::Result<Vec<Target>> {
    let list: Vec<String> = if given.is_empty() {
        DEFAULT_TARGETS.iter().map(|s| s.to_string()).collect()
    } else {
        given
            .iter()
            .flat_map(|g| g.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    if list.is_empty() {
        return Err(usage("--targets: no target given"));
    }
    let mut out: Vec<Target> = Vec::new();
    for t in &list {
        let parsed = Target::parse(t).map_err(|e| usage(format!("--targets {t}: {e}")))?;
        if !out.contains(&parsed) {
            out.push(parsed);
        }
    }
    Ok(out)
}

/// `.` or `./sub/dir` for a package directory inside the module; the import path for
/// one outside it (a replace directive's directory).
fn relative_package(module_dir: &Path, dir: &Path, import_path: &str) -> String {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    match canon(dir).strip_prefix(canon(module_dir)) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            format!("./{}", parts.join("/"))
        }
        Err(_) => import_path.to_string(),
    }
}

/// Writes `text` to `path` through a temporary file in the same directory, renamed
/// into place; without `replace` a file that appeared meanwhile is kept (exit 2).
fn write_atomically(path: &Path, text: &str, replace: bool) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let io = |e: std::io::Error| usage(format!("writing {}: {e}", path.display()));
    let mut tmp = tempfile::Builder::new()
        .prefix(".xbuild-go.toml.")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(text.as_bytes()).map_err(io)?;
    // A profile file is an ordinary file of the project (a temporary one is 0600).
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    if replace {
        tmp.persist(path).map_err(|e| io(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            helped(
                Exit::Usage,
                format!("{} already exists: {}", path.display(), e.error),
                "pass --force to replace it",
            )
        })?;
    }
    Ok(())
}

/// `init --from-goreleaser`: what was written and the notes.
#[derive(Debug, Clone)]
pub struct Translated {
    pub path: PathBuf,
    pub source: PathBuf,
    pub profiles: Vec<String>,
    pub notes: Vec<goreleaser::Note>,
    pub replaced: bool,
}

/// The profile file `init` writes in `module_dir`, and whether one is there already:
/// an existing file without `force` is exit 2.
fn profile_path(module_dir: &Path, force: bool) -> anyhow::Result<(PathBuf, bool)> {
    let path = module_dir.join(profile::FILE_NAME);
    let replaced = path.exists();
    if replaced && !force {
        return Err(helped(
            Exit::Usage,
            format!("{} already exists", path.display()),
            "edit it, or pass --force to replace it",
        ));
    }
    Ok((path, replaced))
}

/// Translates the goreleaser config (FILE, else the default names in the module
/// directory) into the module's xbuild-go.toml. With `strict`, a note that counts
/// writes nothing; the caller exits 1.
pub fn from_goreleaser(
    req: &InitRequest,
    file: Option<&Path>,
    strict: bool,
) -> anyhow::Result<Translated> {
    let module_dir =
        profile::find_module_dir(&req.work_dir).unwrap_or_else(|| req.work_dir.clone());
    let source = goreleaser::find(&req.work_dir, file)?;
    let (path, replaced) = profile_path(&module_dir, req.force)?;
    let gomod = super::GoMod::read(&module_dir).ok();
    // goreleaser's project name without project_name or a release repository: the last
    // element of the module path, else the directory name.
    let fallback = gomod
        .as_ref()
        .and_then(|m| m.module.rsplit('/').next())
        .filter(|n| !n.is_empty())
        .map(String::from)
        .or_else(|| {
            module_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "app".into());
    let mut t = goreleaser::load(&source, &fallback)?;
    // goreleaser runs go in `dir`; a profile builds from the module directory, so a
    // `dir` that is a module of its own is not a package of this one.
    for b in &t.builds {
        if let Some((dir, line)) = &b.dir {
            if dir != "." && module_dir.join(dir).join("go.mod").is_file() {
                t.notes.push(goreleaser::Note {
                    path: format!("builds[{}].dir", b.index),
                    line: *line,
                    text: format!(
                        "not translated: {dir} is a module of its own (it holds a go.mod); \
                         translate from there: cargo xbuild-go -C {dir} init --from-goreleaser FILE"
                    ),
                    strict: true,
                });
            }
        }
    }
    let go = gomod.and_then(|m| m.go.map(|(v, _)| v.to_string()));
    let out = Translated {
        path: path.clone(),
        source: source.clone(),
        profiles: t.builds.iter().map(|b| b.name.clone()).collect(),
        notes: t.notes.clone(),
        replaced,
    };
    if strict && t.notes.iter().any(|n| n.strict) {
        return Ok(out);
    }
    write_atomically(
        &path,
        &goreleaser::render(&t, &source, go.as_deref()),
        req.force,
    )?;
    Ok(out)
}
