//! The build pipeline shared by the build commands: resolve the profile, plan each
//! target (destination, child environment, go command), let go write into a private
//! slot of the output cache ([`outcache`]), verify there, and deliver the verified
//! bytes atomically ([`deliver`]) only when every check passes. A rejected or
//! interrupted build leaves the destination as it was.

pub mod deliver;
pub mod evidence;
pub mod images;
pub mod outcache;
pub mod plan;
mod repro;
pub mod stamp;

pub use plan::{binary_name, import_path, plan, target_env, target_profile, toolchain_file, Plan};

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
}

/// What the tool needs from go.mod or go.work: the module path (go.mod), the `go`
/// directive and the `toolchain` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoMod {
    pub file: PathBuf,
    /// The module path; empty for a go.work file.
    pub module: String,
    /// The `go` line (a minimum toolchain since Go 1.21) and its line number.
    pub go: Option<(GoVersion, usize)>,
    /// The `toolchain` line (`go1.27.3`, or `default`) and its line number.
    pub toolchain: Option<(String, usize)>,
}

impl GoMod {
    /// Reads `DIR/go.mod`.
    pub fn read(module_dir: &Path) -> Result<GoMod, String> {
        let file = module_dir.join("go.mod");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("reading `{}`: {e}", file.display()))?;
        GoMod::parse(&file, &text)
    }

    /// Reads a go.work file (no `module` line).
    pub fn read_work(file: &Path) -> Result<GoMod, String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("reading `{}`: {e}", file.display()))?;
        Ok(GoMod::scan(file, &text))
    }

    pub fn parse(file: &Path, text: &str) -> Result<GoMod, String> {
        let m = GoMod::scan(file, text);
        if m.module.is_empty() {
            return Err(format!("{}: no `module` line", file.display()));
        }
        Ok(m)
    }

    fn scan(file: &Path, text: &str) -> GoMod {
        let mut module = None;
        let mut go = None;
        let mut toolchain = None;
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
                (Some("toolchain"), Some(t)) if toolchain.is_none() => {
                    toolchain = Some((t.to_string(), i + 1));
                }
                _ => {}
            }
        }
        GoMod {
            file: file.to_path_buf(),
            module: module.unwrap_or_default(),
            go,
            toolchain,
        }
    }

    /// `file:line` of a line of this file.
    pub fn at(&self, line: usize) -> String {
        format!("{}:{line}", self.file.display())
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
        match verify::images::find(name) {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(usage(format!(
                    "{}: unknown runs-on image `{name}`{}; known images: {}; or a real image: \
                     oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE",
                    runs_on.source,
                    crate::suggest::did_you_mean(name, verify::images::spellings()),
                    verify::images::names().join(", ")
                )))
            }
            Err(e) => return Err(usage(e)),
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

/// A smoke run of each verified artifact: asked for by the profile (`smoke = [...]`) or
/// the command line (`--smoke ARGS`), unless `--no-smoke`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmokeRequest {
    pub args: Vec<String>,
    /// Where `smoke-required = true` was set, when it is: a run that cannot happen on
    /// this host (a windows artifact, no emulator) then fails instead of being skipped.
    pub required_by: Option<String>,
    /// `--smoke-timeout`, else the profile's `smoke-timeout` (default 20s).
    pub timeout: std::time::Duration,
    /// Where `smoke-isolation = "required"` was set, when it is: a run without every
    /// namespace then fails (and the artifact is not started) instead of falling back.
    pub isolation_required_by: Option<String>,
}

impl SmokeRequest {
    /// `--smoke ARGS` (split like go's flags: spaces, with quotes grouping) overrides the
    /// profile's arguments; `--no-smoke` turns the run off; `--smoke-timeout` overrides
    /// the profile's `smoke-timeout`.
    pub fn from_profile_and_flag(
        profile: &ResolvedProfile,
        flag: Option<&str>,
        no_smoke: bool,
        timeout: Option<std::time::Duration>,
    ) -> anyhow::Result<Option<SmokeRequest>> {
        if no_smoke {
            return Ok(None);
        }
        let args = match flag {
            Some(f) => Some(
                crate::verify::go_split(f)
                    .ok_or_else(|| usage(format!("--smoke {f:?}: unclosed quote")))?,
            ),
            None => profile.smoke.value.clone(),
        };
        Ok(args.map(|args| SmokeRequest {
            args,
            required_by: profile
                .smoke_required
                .value
                .then(|| profile.smoke_required.source.to_string()),
            timeout: timeout.unwrap_or(profile.smoke_timeout.value),
            isolation_required_by: (profile.smoke_isolation.value
                == crate::profile::SmokeIsolation::Required)
                .then(|| profile.smoke_isolation.source.to_string()),
        }))
    }
}

/// Runs the artifact once and turns what happened into the `run.smoke` check: `pass`
/// on exit 0, `fail` otherwise, `skip` (or `fail` with `smoke-required`) when this
/// host cannot run it, or cannot isolate it (`fail` with `smoke-isolation = "required"`
/// when it is not fully isolated). `artifact` is the verified bytes (the run gets a
/// private copy named `name`), `interpreter` its PT_INTERP, `env` the build's
/// environment (its CC names the sysroot qemu takes libraries from).
#[allow(clippy::too_many_arguments)]
fn smoke_check(
    req: &SmokeRequest,
    target: &Target,
    artifact: &[u8],
    name: &str,
    interpreter: Option<&str>,
    env: &std::collections::BTreeMap<String, String>,
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
    let runner = match toolchain::smoke::runner_for(target, interpreter, host, env, cwd) {
        Ok(r) => r,
        Err(cannot) => {
            let why = cannot.why;
            return match &req.required_by {
                None => Check {
                    id: "run.smoke".into(),
                    status: Status::Skip,
                    expected: Some(expected),
                    actual: "not run".into(),
                    message: Some(why),
                },
                Some(at) => Check {
                    id: "run.smoke".into(),
                    status: Status::Fail,
                    expected: Some(expected),
                    actual: "not run".into(),
                    message: Some(format!(
                        "{why}; smoke-required = true ({at}) makes a smoke run that cannot \
                         happen here a failure: run on a host that can run {target}, or \
                         drop smoke-required"
                    )),
                },
            };
        }
    };
    let how = runner.describe();
    let required = req.isolation_required_by.is_some();
    match toolchain::smoke::run(&runner, artifact, name, &req.args, req.timeout, required) {
        Ok(r) if !r.containment.ran() || (required && !r.containment.is_isolated()) => {
            let why = r.containment.describe();
            match (&req.isolation_required_by, &req.required_by) {
                (Some(at), _) => Check {
                    id: "run.smoke".into(),
                    status: Status::Fail,
                    expected: Some(format!("{expected}, isolated")),
                    actual: format!("not run ({how}, {why})"),
                    message: Some(format!(
                        "smoke-isolation = \"required\" ({at}) makes a smoke run without its \
                         own PID, mount and network namespaces a failure, and this one could \
                         not have them: {why}; run where the kernel allows namespaces (root, or \
                         unprivileged user namespaces), or set smoke-isolation = \"best-effort\""
                    )),
                },
                (None, Some(at)) => Check {
                    id: "run.smoke".into(),
                    status: Status::Fail,
                    expected: Some(expected),
                    actual: format!("not run ({how}, {why})"),
                    message: Some(format!(
                        "the artifact could not be kept from the tool's environment (neither \
                         namespaces nor Landlock), so it was not run; smoke-required = true \
                         ({at}) makes a smoke run that cannot happen here a failure"
                    )),
                },
                (None, None) => Check {
                    id: "run.smoke".into(),
                    status: Status::Skip,
                    expected: Some(expected),
                    actual: "not run".into(),
                    message: Some(format!(
                        "the artifact could not be kept from the tool's environment (neither \
                         namespaces nor Landlock), so it was not run: {why}"
                    )),
                },
            }
        }
        Err(e) => Check {
            id: "run.smoke".into(),
            status: Status::Fail,
            expected: Some(expected),
            actual: format!("could not start {how}"),
            message: Some(format!("{e:#}")),
        },
        Ok(r) => {
            let ok = r.code == Some(0) && !r.timed_out && !r.interrupted;
            let how = format!("({how}, {})", r.containment.describe());
            let first_line = r
                .first_line()
                .map_or(String::new(), |l| format!(": {}", clip(l, 200)));
            let actual = if r.interrupted {
                format!("interrupted {how}")
            } else if r.timed_out {
                format!(
                    "no exit within {} {how}; killed",
                    crate::profile::duration::show_duration(req.timeout)
                )
            } else {
                match (r.code, r.signal) {
                    (Some(c), _) => format!("exit {c} {how}{first_line}"),
                    (None, Some(sig)) => format!("killed by signal {sig} {how}{first_line}"),
                    (None, None) => format!("exit by signal {how}{first_line}"),
                }
            };
            Check {
                id: "run.smoke".into(),
                status: if ok { Status::Pass } else { Status::Fail },
                expected: Some(expected),
                actual,
                message: (!ok).then(|| smoke_failure(&r, &runner, interpreter, req)),
            }
        }
    }
}

/// Why a smoke run that started did not pass, and its output (stderr first: that is
/// where a failing program, qemu and the dynamic loader say why).
fn smoke_failure(
    r: &toolchain::smoke::SmokeResult,
    runner: &toolchain::smoke::Runner,
    interpreter: Option<&str>,
    req: &SmokeRequest,
) -> String {
    use toolchain::smoke::Runner;
    let err = &r.stderr.text;
    let root = match runner {
        Runner::Emulator { root: Some(r), .. } => format!(" (qemu's -L {})", r.display()),
        _ => String::new(),
    };
    let mut why = if r.timed_out {
        format!(
            "the artifact did not exit within {}: a server or a prompt waits for ever; give \
             arguments that make it exit (e.g. smoke = [\"--version\"]), or raise \
             smoke-timeout",
            crate::profile::duration::show_duration(req.timeout)
        )
    } else if err.contains("Could not open '") && matches!(runner, Runner::Emulator { .. }) {
        format!(
            "qemu found no ELF interpreter{}{root}: the artifact is dynamically linked; set \
             QEMU_LD_PREFIX to a directory holding the target's loader and libraries",
            interpreter.map_or(String::new(), |i| format!(" {i}"))
        )
    } else if err.contains("error while loading shared libraries") {
        format!(
            "the dynamic loader{root} found the artifact's loader but not a library it needs: \
             install the target's package for that library, or set QEMU_LD_PREFIX to a \
             directory that has it"
        )
    } else if r.interrupted {
        "the run was interrupted".to_string()
    } else {
        "the artifact does not start cleanly; it ran as a private copy in a private working \
         directory, stdin from /dev/null, and an environment holding only a private HOME \
         and TMPDIR (with namespaces: a read-only root, no network; see docs/security.md)"
            .to_string()
    };
    for (name, out) in [("stderr", &r.stderr), ("stdout", &r.stdout)] {
        if !out.text.trim().is_empty() {
            why.push_str(&format!(
                "\n{name}{}:\n{}",
                output_note(out),
                first_lines(&out.text)
            ));
        }
    }
    if r.stdout.bytes == 0 && r.stderr.bytes == 0 {
        why.push_str("; it printed nothing");
    }
    why
}

/// At most `max` characters of `s`, marked when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

/// The first few lines of a smoke run's output, for the report.
fn first_lines(output: &str) -> String {
    output
        .lines()
        .take(5)
        .map(|l| clip(l, 200))
        .collect::<Vec<_>>()
        .join("\n")
}

/// ` (N bytes in all; the first M kept, the rest dropped)` for a stream longer than the
/// cap.
fn output_note(out: &toolchain::smoke::Output) -> String {
    if out.truncated() {
        format!(
            " ({} bytes in all; the first {} kept, the rest dropped)",
            out.bytes,
            toolchain::smoke::OUTPUT_CAP
        )
    } else {
        String::new()
    }
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
    // Nothing ever replaces a FIFO, socket or device; /dev/null verifies and discards.
    let discard = deliver::destination(&plan.dest)? == deliver::Destination::Discard;
    let root = outcache::trusted_root(&ctx.host)?;
    outcache::sweep_orphans(&root);
    let created = if discard {
        Vec::new()
    } else {
        deliver::sweep(parent);
        deliver::create_parents(parent)?
    };
    let result = build_in(
        ctx, go, plan, opts, smoke, reporter, module_dir, &root, file_name, discard,
    );
    if result.as_ref().map_or(true, |r| !r.delivered) {
        deliver::remove_created(&created);
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
    cache_root: &Path,
    file_name: &std::ffi::OsStr,
    discard: bool,
) -> anyhow::Result<ArtifactReport> {
    let p = &plan.profile;
    // go writes into this build's private slot of the output cache: nothing of ours is
    // in the work tree while go runs, go's up-to-date check still works across runs,
    // and the destination's current bytes are never an input.
    let module_key = std::fs::canonicalize(module_dir).unwrap_or_else(|_| module_dir.to_path_buf());
    let target = plan.target.to_string();
    let key = outcache::SlotKey {
        module_dir: &module_key,
        package: &plan.package,
        target: &target,
        profile: &p.name,
        file_name,
    };
    let slot = outcache::Slot::open(
        cache_root,
        &key,
        || {
            reporter.detail(&format!(
                "waiting for another run building {target} of the same package and profile"
            ))
        },
        run::check_interrupted,
    )?;
    let out = slot.output.clone();
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
        &plan.package,
    );
    reporter.detail(&format!("running {}", cmd.display()));
    let started = Instant::now();
    let ran = cmd.run(opts.capture_stderr);
    if let Ok(said) = &ran {
        reporter.go_said(said);
    }
    if let Err(e) = ran {
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
    // The bytes go wrote, read once: every check, the sha256, the smoke run and the
    // delivery below use this snapshot, never the slot's path again.
    let Some(snap) = slot.snapshot()? else {
        return Err(usage(format!(
            "`{}` is not a main package: go build wrote no executable (name a package \
             with `package main` and a main function)",
            plan.package
        )));
    };
    // go build -o of a package that is not `main` writes its archive: not an error of
    // the artifact, of the request.
    if snap.bytes.starts_with(b"!<arch>\n") {
        slot.forget()?;
        return Err(usage(format!(
            "`{}` is not a main package: go build made a package archive, not an \
             executable (name a package with `package main` and a main function)",
            plan.package
        )));
    }
    slot.record(&snap)?;
    // --no-verify still reads the facts for the report, but judges nothing.
    let policy = if opts.no_verify {
        Policy::report_only()
    } else {
        policy_for(ctx, p, &plan.target)?
    };
    let shown = crate::report::escape::path(&out);
    let mut verdict = verify::verify(&snap.bytes, &policy)
        .map_err(|e| failure(Exit::VerifyFailed, format!("{shown}: {e}")))?;
    let size = snap.bytes.len() as u64;
    let sha256 = opts.checksum.then(|| hex(&Sha256::digest(&snap.bytes)));
    // A smoke run only for an artifact that passed every other check.
    if let (Some(req), true) = (smoke, verdict.passed()) {
        // The run gets a private copy of the snapshot just verified, never the slot.
        let name = plan
            .dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let check = smoke_check(
            req,
            &plan.target,
            &snap.bytes,
            name.as_deref().unwrap_or("artifact"),
            verdict.facts.interpreter.as_deref(),
            &plan.env.vars,
            &ctx.host,
            module_dir,
        );
        verdict.checks.push(check);
    }
    if opts.check_reproducible && verdict.passed() {
        verdict.checks.push(repro::reproducible_check(
            ctx,
            &cmd,
            module_dir,
            file_name,
            &snap.bytes,
        )?);
    }
    // The artifact may have written or replaced its own file while it ran: what is
    // verified and delivered is the snapshot either way, but the slot is not trusted
    // again (go links afresh next time).
    if !slot.still_holds(&snap) {
        reporter.detail(&format!(
            "{} changed after go wrote it (during the smoke run?): delivering the verified \
             snapshot; the cache slot is emptied",
            crate::report::shown(&out)
        ));
        slot.forget()?;
    }
    let passed = verdict.passed();
    run::check_interrupted()?;
    let mut report = ArtifactReport {
        target: Some(plan.target.to_string()),
        profile: Some(p.name.clone()),
        path: plan.dest.clone(),
        delivered: false,
        discarded: false,
        rejected_path: None,
        sha256,
        size,
        env: Some(plan.env.vars.clone()),
        env_dropped: Some(plan.env.dropped.clone()),
        command: Some(cmd.display()),
        verdict,
        build_ms: Some(build_ms),
        c_toolchain: plan.c_toolchain.clone(),
    };
    if discard {
        // -o /dev/null: verified, and nothing written anywhere.
        report.discarded = passed;
    } else if passed {
        let how = deliver::deliver(Some(&snap.file), &snap.bytes, &plan.dest)?;
        if how == deliver::Delivered::Unchanged {
            reporter.detail(&format!(
                "{} already holds these bytes",
                crate::report::shown(&plan.dest)
            ));
        }
        report.delivered = true;
    } else if opts.keep_rejected {
        let mut kept = plan.dest.clone().into_os_string();
        kept.push(".rejected");
        let kept = PathBuf::from(kept);
        deliver::write_beside(&snap.bytes, &kept)?;
        report.rejected_path = Some(kept);
    }
    if !passed {
        slot.forget()?;
    }
    Ok(report)
}

/// Maps a file and verifies it; returns the verdict, the sha256 (when `checksum`: hashing
/// a large binary costs more than all the checks) and the size. The file is mapped, never
/// copied whole. A file that is no executable is exit 1; one that is not a regular file
/// (a FIFO, socket, device or directory) is exit 2 at once, without waiting on it.
pub fn inspect(
    path: &Path,
    policy: &Policy,
    checksum: bool,
) -> anyhow::Result<(Verdict, Option<String>, u64)> {
    use std::os::unix::fs::{FileExt as _, OpenOptionsExt as _};
    let shown = crate::report::escape::path(path);
    // Only a regular file is read: a FIFO, socket or device could block the open or the
    // read forever, or never end. The type is checked through symlinks before the open,
    // the open cannot block (O_NONBLOCK), and the type is checked again on what was
    // opened, in case the path changed in between.
    let not_regular = |t: std::fs::FileType| {
        usage(format!(
            "`{shown}` is {}, not a regular file: verify reads executables",
            deliver::kind_of(t)
        ))
    };
    let meta = std::fs::metadata(path).with_context(|| format!("opening `{shown}`"))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .with_context(|| format!("opening `{shown}`"))?;
    let meta = file
        .metadata()
        .with_context(|| format!("reading `{shown}`"))?;
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
        map = unsafe { memmap2::Mmap::map(&file) }.with_context(|| format!("mapping `{shown}`"))?;
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
                .with_context(|| format!("reading `{shown}`"))?;
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
        .map_err(|e| failure(Exit::VerifyFailed, format!("{shown}: {e}")))?;
    Ok((verdict, sha256, len))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mod_and_go_work_lines() {
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
        assert_eq!(m.toolchain, Some(("go1.23.0".to_string(), 4)));
        let w = GoMod::scan(
            Path::new("go.work"),
            "go 1.23\n\ntoolchain go1.24.1\nuse ./a\n",
        );
        assert_eq!(w.module, "");
        assert_eq!(w.go.map(|(v, _)| v.to_string()), Some("1.23".to_string()));
        assert_eq!(w.toolchain, Some(("go1.24.1".to_string(), 3)));
    }
}
