//! The build pipeline shared by the build commands: resolve the profile, plan each
//! target (destination, child environment, go command), build into a temporary
//! directory beside the destination, verify there, and rename into place only when
//! every check passes. A rejected or interrupted build leaves the destination as it was.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use crate::error::{failure, usage, Exit};
use crate::profile::{self, GoRequirement, GoVersion, Overrides, ProfileFile, ResolvedProfile};
use crate::report::{ArtifactReport, Reporter};
use crate::target::Target;
use crate::toolchain::{self, run, ChildEnv, Go, GoEnvFile, HostEnv};
use crate::verify::{self, Policy, Verdict};

/// Everything a command needs before it builds or verifies anything.
#[derive(Debug)]
pub struct Context {
    /// The working directory after `-C`.
    pub work_dir: PathBuf,
    /// The Go module directory (holding go.mod), when there is one.
    pub module_dir: Option<PathBuf>,
    pub profile: ResolvedProfile,
    pub host: HostEnv,
    pub goenv: GoEnvFile,
    /// The module's go.mod, read once (an error message when unreadable).
    pub gomod: Option<Result<GoMod, String>>,
}

/// What the tool needs from go.mod: the module path and the `go` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoMod {
    pub file: PathBuf,
    pub module: String,
    /// The `go` line (a minimum toolchain since Go 1.21) and its line number.
    pub go: Option<(GoVersion, usize)>,
}

impl GoMod {
    /// Reads `DIR/go.mod`.
    pub fn read(module_dir: &Path) -> Result<GoMod, String> {
        let file = module_dir.join("go.mod");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("reading `{}`: {e}", file.display()))?;
        GoMod::parse(&file, &text)
    }

    pub fn parse(file: &Path, text: &str) -> Result<GoMod, String> {
        let mut module = None;
        let mut go = None;
        for (i, line) in text.lines().enumerate() {
            let l = line.split("//").next().unwrap_or("").trim();
            let mut words = l.split_whitespace();
            match (words.next(), words.next()) {
                (Some("module"), Some(m)) if module.is_none() => {
                    module = Some(m.trim_matches('"').trim_matches('`').to_string());
                }
                (Some("go"), Some(v)) if go.is_none() => {
                    go = GoVersion::parse(v).ok().map(|v| (v, i + 1));
                }
                _ => {}
            }
        }
        let module = module.ok_or_else(|| format!("{}: no `module` line", file.display()))?;
        Ok(GoMod {
            file: file.to_path_buf(),
            module,
            go,
        })
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
    let module_dir = profile::find_module_dir(&work_dir);
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
    let goenv = toolchain::read_goenv(&host);
    let gomod = module_dir.as_deref().map(GoMod::read);
    Ok(Context {
        work_dir,
        module_dir,
        profile,
        host,
        goenv,
        gomod,
    })
}

/// One target's build, planned before anything runs.
#[derive(Debug)]
pub struct Plan {
    pub target: Target,
    pub dest: PathBuf,
    pub env: ChildEnv,
}

/// The binary name `go build` would give the package: the last element of its import
/// path, skipping a `/vN` major-version suffix.
pub fn binary_name(gomod: &GoMod, package: &str) -> anyhow::Result<String> {
    let module = &gomod.module;
    // `go build file.go ...` names the binary after the first file.
    if let Some(stem) = package.strip_suffix(".go") {
        let base = stem.rsplit('/').next().unwrap_or(stem);
        if !base.is_empty() {
            return Ok(base.to_string());
        }
    }
    let import = if package == "." || package.starts_with("./") || package.starts_with("../") {
        let rel = package.trim_start_matches("./").trim_end_matches('/');
        if rel == "." || rel.is_empty() {
            module.clone()
        } else {
            format!("{module}/{rel}")
        }
    } else {
        package.to_string()
    };
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

/// Plans every target of the profile; rejects colliding destinations before anything runs.
pub fn plan(ctx: &Context) -> anyhow::Result<Vec<Plan>> {
    let module_dir = ctx.module_dir.as_deref().ok_or_else(|| {
        usage(format!(
            "no go.mod in {} or any parent: run in a Go module or point -C at one",
            ctx.work_dir.display()
        ))
    })?;
    let p = &ctx.profile;
    let gomod = match &ctx.gomod {
        Some(Ok(g)) => g,
        Some(Err(e)) => return Err(usage(e.clone())),
        None => return Err(usage(format!("no go.mod in {}", module_dir.display()))),
    };
    let name = binary_name(gomod, &p.package.value)?;
    let mut plans: Vec<Plan> = Vec::new();
    for t in &p.targets.value {
        let dest = p
            .output
            .value
            .expand(&name, &p.name, t, module_dir, &ctx.work_dir);
        if let Some(other) = plans.iter().find(|o| o.dest == dest) {
            return Err(usage(format!(
                "targets {} and {t} would both write {}: use an output template such as \
                 \"dist/{{name}}-{{os}}-{{arch}}{{variant}}{{exe}}\" (output = ... or -o)",
                other.target,
                dest.display()
            )));
        }
        let env = toolchain::child_env(&ctx.host, &ctx.goenv, p, t);
        plans.push(Plan {
            target: t.clone(),
            dest,
            env,
        });
    }
    Ok(plans)
}

/// Checks the profile's `go` requirement against the toolchain found (exit 4 if unmet).
pub fn check_requirement(ctx: &Context, go: &Go, env: &ChildEnv) -> anyhow::Result<()> {
    // go.mod's `go` line is a minimum toolchain (Go 1.21+); GOTOOLCHAIN=local never
    // downloads a newer one, so say so before go fails with exit 3. From files only.
    let running = match &ctx.profile.go.value {
        Some(GoRequirement::Exact(v)) => Some(v.clone()),
        _ => go.parsed_version(),
    };
    if let (Some(Ok(gomod)), Some(running)) = (&ctx.gomod, &running) {
        if let Some((need, line)) = &gomod.go {
            if running < need {
                return Err(failure(
                    Exit::Toolchain,
                    format!(
                        "{}:{line}: the module requires go >= {need}, but the build would run go{running}: \
                         install a newer Go, or pin one in the profile with go = \"{}.{}.0\" or newer \
                         (xbuild-go sets GOTOOLCHAIN=local, so go never switches by itself)",
                        gomod.file.display(),
                        need.major,
                        need.minor
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
        None => toolchain::locate::query_version(go, &env.vars)?,
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

/// A smoke run asked for by the profile (`smoke = [...]`, required: a missing emulator
/// is `unknown` and rejects) or only by `--smoke` (a missing emulator is reported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmokeRequest {
    pub args: Vec<String>,
    pub required: bool,
    pub timeout: std::time::Duration,
}

impl SmokeRequest {
    /// `--smoke ARGS` (split like go's flags: spaces, with quotes grouping) overrides the
    /// profile's arguments; the profile's `smoke` makes the run required.
    pub fn from_profile_and_flag(
        profile: &ResolvedProfile,
        flag: Option<&str>,
    ) -> anyhow::Result<Option<SmokeRequest>> {
        let required = profile.smoke.value.is_some();
        let args = match flag {
            Some(f) => Some(
                crate::verify::go_split(f)
                    .ok_or_else(|| usage(format!("--smoke {f:?}: unclosed quote")))?,
            ),
            None => profile.smoke.value.clone(),
        };
        Ok(args.map(|args| SmokeRequest {
            args,
            required,
            timeout: std::time::Duration::from_secs(20),
        }))
    }
}

/// Runs the artifact once and turns what happened into the `run.smoke` check.
fn smoke_check(
    req: &SmokeRequest,
    target: &Target,
    artifact: &Path,
    host: &HostEnv,
    cwd: &Path,
) -> crate::verify::Check {
    use crate::verify::{Check, Status};
    let expected = format!(
        "exit 0 from `{}`",
        std::iter::once("ARTIFACT".to_string())
            .chain(req.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let Some(runner) = toolchain::smoke::find_runner(target, host, cwd) else {
        let why = format!(
            "cannot run {target} here: no qemu-{}-static or qemu-{} on PATH (install qemu-user-static)",
            target.arch().and_then(|a| a.qemu).unwrap_or("?"),
            target.arch().and_then(|a| a.qemu).unwrap_or("?")
        );
        return Check {
            id: "run.smoke".into(),
            status: if req.required {
                Status::Unknown
            } else {
                Status::Pass
            },
            expected: req.required.then_some(expected),
            actual: "not run".into(),
            message: Some(why),
        };
    };
    let how = runner.describe();
    match toolchain::smoke::run(&runner, artifact, &req.args, req.timeout) {
        Err(e) => Check {
            id: "run.smoke".into(),
            status: Status::Fail,
            expected: Some(expected),
            actual: format!("could not start {how}"),
            message: Some(format!("{e:#}")),
        },
        Ok(r) => {
            let ok = r.code == Some(0) && !r.timed_out;
            let actual = if r.timed_out {
                format!("no exit within {}s {how}", req.timeout.as_secs())
            } else {
                format!(
                    "exit {} {how}{}",
                    r.code.map_or("by signal".to_string(), |c| c.to_string()),
                    r.output
                        .lines()
                        .next()
                        .map_or(String::new(), |l| format!(": {l}"))
                )
            };
            Check {
                id: "run.smoke".into(),
                status: if ok { Status::Pass } else { Status::Fail },
                expected: Some(expected),
                actual,
                message: (!ok).then(|| {
                    format!(
                        "the artifact does not start cleanly (empty environment, its directory as cwd); output:\n{}",
                        r.output
                    )
                }),
            }
        }
    }
}

/// Copies a module's source tree (without `.git` and our temporary directories).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let name_s = name.to_string_lossy();
        if name_s == ".git" || name_s.starts_with(".xbuild-go-") {
            continue;
        }
        let ft = entry.file_type()?;
        if ft.is_dir() {
            copy_tree(&entry.path(), &to.join(&name))?;
        } else if ft.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// Builds the same command a second time from a copy of the module in another
/// directory, with a fresh GOCACHE, and compares the two artifacts.
fn reproducible_check(
    first: &run::GoBuild,
    module_dir: &Path,
    artifact: &Path,
) -> anyhow::Result<crate::verify::Check> {
    use crate::verify::{Check, Status};
    let unknown = |why: String| Check {
        id: "build.reproducible".into(),
        status: Status::Unknown,
        expected: Some("byte-identical second build".into()),
        actual: "no second build".into(),
        message: Some(why),
    };
    let tmp = tempfile::Builder::new()
        .prefix("xbuild-go-repro-")
        .tempdir()
        .context("creating a directory for the second build")?;
    let src = tmp.path().join("src");
    if let Err(e) = copy_tree(module_dir, &src) {
        return Ok(unknown(format!(
            "copying {} for the second build: {e}",
            module_dir.display()
        )));
    }
    let out = tmp
        .path()
        .join("out")
        .join(artifact.file_name().unwrap_or_default());
    let mut second = first.clone();
    second.dir = src.clone();
    second.env.insert(
        "GOCACHE".into(),
        tmp.path().join("cache").display().to_string(),
    );
    if let Some(o) = second.args.iter().position(|a| a == "-o") {
        if let Some(slot) = second.args.get_mut(o + 1) {
            *slot = out.display().to_string();
        }
    }
    if let Err(e) = second.run(true) {
        if crate::error::exit_for(&e) == Exit::Interrupted {
            return Err(e);
        }
        return Ok(unknown(format!("the second build failed: {e:#}")));
    }
    let a = std::fs::read(artifact).with_context(|| format!("reading {}", artifact.display()))?;
    let b = std::fs::read(&out).with_context(|| format!("reading {}", out.display()))?;
    Ok(crate::verify::reproducible::compare(
        &a,
        &b,
        &module_dir.display().to_string(),
        &src.display().to_string(),
    ))
}

/// Options of one build run.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    pub no_verify: bool,
    pub keep_rejected: bool,
    /// Capture go's stderr (JSON output) instead of passing it through.
    pub capture_stderr: bool,
    /// Compute the artifact's sha256 (for JSON output).
    pub checksum: bool,
    /// Build a second time elsewhere with a fresh GOCACHE and compare (build.reproducible).
    pub check_reproducible: bool,
}

/// Directories `create_dir_all` made, so a failed build can remove them again.
fn create_parents(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(dir).with_context(|| format!("creating `{}`", dir.display()))?;
    missing.reverse();
    Ok(missing)
}

fn remove_created(created: &[PathBuf]) {
    for d in created.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// Builds, verifies and delivers one target. Returns its report; `go build` failures
/// and interrupts are errors.
pub fn build_one(
    ctx: &Context,
    go: &Go,
    plan: &Plan,
    opts: BuildOptions,
    smoke: Option<&SmokeRequest>,
    reporter: &Reporter,
) -> anyhow::Result<ArtifactReport> {
    let module_dir = ctx.module_dir.as_deref().unwrap_or(&ctx.work_dir);
    let parent = plan
        .dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = plan
        .dest
        .file_name()
        .ok_or_else(|| usage(format!("output `{}` names no file", plan.dest.display())))?;
    if plan.dest.is_dir() {
        return Err(usage(format!(
            "output `{}` is a directory: name the file (e.g. -o {}/{{name}})",
            plan.dest.display(),
            plan.dest.display()
        )));
    }
    let created = create_parents(parent)?;
    let result = build_in(
        ctx, go, plan, opts, smoke, reporter, module_dir, parent, file_name,
    );
    if result.as_ref().map_or(true, |r| !r.delivered) {
        remove_created(&created);
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn build_in(
    ctx: &Context,
    go: &Go,
    plan: &Plan,
    opts: BuildOptions,
    smoke: Option<&SmokeRequest>,
    reporter: &Reporter,
    module_dir: &Path,
    parent: &Path,
    file_name: &std::ffi::OsStr,
) -> anyhow::Result<ArtifactReport> {
    let p = &ctx.profile;
    // The temporary directory sits beside the destination, so the final rename is atomic.
    let tmp = tempfile::Builder::new()
        .prefix(".xbuild-go-")
        .tempdir_in(parent)
        .with_context(|| format!("creating a temporary directory in `{}`", parent.display()))?;
    let out = tmp.path().join(file_name);
    let cmd = run::GoBuild::new(
        &go.path,
        module_dir,
        plan.env.vars.clone(),
        p.rebuild_all.value,
        &p.tags.value,
        &p.ldflags.value,
        &p.flags.value,
        &p.go_args,
        &out,
        &p.package.value,
    );
    // Seed the temporary output with a copy of the current artifact: when it is up to
    // date, go sees its build ID match and skips the link (touching the file), exactly
    // as `go build -o` by hand does with an existing output.
    seed(&plan.dest, &out);
    reporter.detail(&format!("running {}", cmd.display()));
    let started = Instant::now();
    if let Err(e) = cmd.run(opts.capture_stderr) {
        if crate::error::exit_for(&e) == Exit::GoBuild {
            let msg = format!("{e}");
            let (head, stderr) = msg.split_once(":\n").unwrap_or((msg.as_str(), ""));
            reporter.go_failed(
                &plan.target.to_string(),
                stderr,
                &format!("{head} for {}", plan.target),
            );
        }
        return Err(e);
    }
    let build_ms = started.elapsed().as_millis();
    if !out.is_file() {
        return Err(failure(
            Exit::GoBuild,
            format!(
                "`go build` succeeded but wrote no file at {}: is `{}` a main package?",
                out.display(),
                p.package.value
            ),
        ));
    }
    // --no-verify still reads the facts for the report, but judges nothing.
    let policy = if opts.no_verify {
        Policy::report_only()
    } else {
        Policy::from_profile(p, Some(&plan.target))
    };
    let (mut verdict, sha256, size) = inspect(&out, &policy, opts.checksum)?;
    // A smoke run only for an artifact that passed every other check.
    if let (Some(req), true) = (smoke, verdict.passed()) {
        verdict.checks.push(smoke_check(
            req,
            &plan.target,
            &out,
            &ctx.host,
            &ctx.work_dir,
        ));
    }
    if opts.check_reproducible && verdict.passed() {
        verdict
            .checks
            .push(reproducible_check(&cmd, module_dir, &out)?);
    }
    let passed = verdict.passed();
    run::check_interrupted()?;
    let mut report = ArtifactReport {
        target: Some(plan.target.to_string()),
        profile: Some(p.name.clone()),
        path: plan.dest.clone(),
        delivered: false,
        rejected_path: None,
        sha256,
        size,
        env: Some(plan.env.vars.clone()),
        env_dropped: Some(plan.env.dropped.clone()),
        command: Some(cmd.display()),
        verdict,
        build_ms: Some(build_ms),
    };
    if passed {
        std::fs::rename(&out, &plan.dest).with_context(|| {
            format!("moving the verified artifact to `{}`", plan.dest.display())
        })?;
        report.delivered = true;
    } else if opts.keep_rejected {
        let mut kept = plan.dest.clone().into_os_string();
        kept.push(".rejected");
        let kept = PathBuf::from(kept);
        std::fs::rename(&out, &kept)
            .with_context(|| format!("keeping the rejected artifact as `{}`", kept.display()))?;
        report.rejected_path = Some(kept);
    }
    Ok(report)
}

/// Copies the destination (a regular file) to the temporary output. A copy, never a
/// link: go may write the output in place, and the destination must stay untouched
/// until the new artifact is verified. Best effort: without it go simply links.
fn seed(dest: &Path, out: &Path) {
    let is_file = std::fs::symlink_metadata(dest).is_ok_and(|m| m.file_type().is_file());
    // go refuses to overwrite an output that is not an executable ("already exists and
    // is not an object file"), so only an executable is worth seeding.
    let mut magic = [0u8; 4];
    let is_exe = is_file
        && std::fs::File::open(dest)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
            .is_ok()
        && verify::sniff(&magic).is_some();
    if is_exe && std::fs::copy(dest, out).is_err() {
        let _ = std::fs::remove_file(out);
    }
}

/// Maps a file and verifies it; returns the verdict, the sha256 (when `checksum`: hashing
/// a large binary costs more than all the checks) and the size. The file is mapped, never
/// copied whole. A file that is no executable is exit 1.
pub fn inspect(
    path: &Path,
    policy: &Policy,
    checksum: bool,
) -> anyhow::Result<(Verdict, Option<String>, u64)> {
    use std::os::unix::fs::{FileExt as _, FileTypeExt as _, OpenOptionsExt as _};
    // Only a regular file is read: a FIFO, socket or device could block the open or the
    // read forever, or never end. The type is checked through symlinks before the open,
    // the open cannot block (O_NONBLOCK), and the type is checked again on what was
    // opened, in case the path changed in between.
    let not_regular = |t: std::fs::FileType| {
        let kind = if t.is_dir() {
            "a directory"
        } else if t.is_fifo() {
            "a FIFO (named pipe)"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_block_device() || t.is_char_device() {
            "a device"
        } else {
            "not a regular file"
        };
        usage(format!(
            "`{}` is {kind}, not a regular file: verify reads executables",
            path.display()
        ))
    };
    let meta = std::fs::metadata(path).with_context(|| format!("opening `{}`", path.display()))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .with_context(|| format!("opening `{}`", path.display()))?;
    let meta = file
        .metadata()
        .with_context(|| format!("reading `{}`", path.display()))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let len = meta.len();
    // SAFETY: the file is ours (fresh in a private temporary directory) or the user's
    // input to `verify`; if another process truncates it while mapped we may read zeros
    // or fault, as every mmap-based tool (readelf, file) accepts.
    let map;
    let bytes: &[u8] = if len == 0 {
        &[]
    } else {
        map = unsafe { memmap2::Mmap::map(&file) }
            .with_context(|| format!("mapping `{}`", path.display()))?;
        &map
    };
    // The sha256 reads the file in chunks rather than through the mapping, so hashing a
    // large file does not make all of it resident: memory stays bounded.
    let sha256 = if checksum {
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut at = 0u64;
        loop {
            let n = file
                .read_at(&mut buf, at)
                .with_context(|| format!("reading `{}`", path.display()))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            at += n as u64;
        }
        Some(hex(&h.finalize()))
    } else {
        None
    };
    let verdict = verify::verify(bytes, policy)
        .map_err(|e| failure(Exit::VerifyFailed, format!("{}: {e}", path.display())))?;
    Ok((verdict, sha256, len))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_names() {
        let cases = [
            ("module example.com/hello\n", ".", "hello"),
            ("module example.com/hello // comment\n", "./", "hello"),
            ("module \"example.com/svc/v2\"\n", ".", "svc"),
            ("module example.com/multi\n", "./cmd/a", "a"),
            ("module example.com/multi\n", "./cmd/a/", "a"),
            ("module example.com/multi\n", "example.com/multi/cmd/b", "b"),
            ("// leading comment\nmodule hello\n", ".", "hello"),
            ("module example.com/x\n", "./tools/gen.go", "gen"),
        ];
        for (text, pkg, want) in cases {
            let m = GoMod::parse(Path::new("go.mod"), text).unwrap();
            assert_eq!(
                binary_name(&m, pkg).unwrap(),
                want,
                "go.mod {text:?} package {pkg}"
            );
        }
        let m = GoMod::parse(Path::new("go.mod"), "module x\n").unwrap();
        assert!(binary_name(&m, "./...").is_err(), "patterns rejected");
        assert!(
            GoMod::parse(Path::new("go.mod"), "go 1.21\n").is_err(),
            "no module line"
        );
        let m = GoMod::parse(
            Path::new("go.mod"),
            "module x\n\ngo 1.22.3 // min\ntoolchain go1.23.0\n",
        )
        .unwrap();
        assert_eq!(
            m.go.map(|(v, l)| (v.to_string(), l)),
            Some(("1.22.3".to_string(), 3))
        );
    }
}
