//! The smoke run of a verified artifact and the `run.smoke` check it becomes: what
//! was asked ([`SmokeRequest`]), the run, and the messages of a run that did not pass.

use std::path::Path;

use crate::error::usage;
use crate::image::rootfs::RootFs;
use crate::profile::ResolvedProfile;
use crate::target::Target;
use crate::toolchain::{self, HostEnv};

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
    /// The command run, for the checks: `ARTIFACT --version`.
    fn command(&self) -> String {
        std::iter::once("ARTIFACT")
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

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
    let expected = format!("exit 0 from `{}`", req.command());
    let on = crate::target::host();
    let runner = match toolchain::smoke::runner_for(on, target, interpreter, host, env, cwd) {
        Ok(r) => r,
        Err(cannot) => {
            return not_run(
                req,
                "run.smoke",
                expected,
                "not run".into(),
                cannot.why,
                |why, at| {
                    format!(
                        "{why}; smoke-required = true ({at}) makes a smoke run that cannot happen \
                     here a failure: run on a host that can run {target}, or drop smoke-required"
                    )
                },
            )
        }
    };
    let how = runner.describe();
    let required = req.isolation_required_by.is_some();
    match toolchain::smoke::run(&runner, artifact, name, &req.args, req.timeout, required) {
        Ok(r) if !r.containment.ran() || (required && !r.containment.is_isolated()) => {
            let why = r.containment.describe();
            match &req.isolation_required_by {
                Some(at) => Check {
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
                None => not_run(
                    req,
                    "run.smoke",
                    expected,
                    format!("not run ({how}, {why})"),
                    format!(
                        "the artifact could not be kept from the tool's environment (neither \
                         namespaces nor Landlock), so it was not run: {why}"
                    ),
                    |_, at| {
                        format!(
                            "the artifact could not be kept from the tool's environment \
                             (neither namespaces nor Landlock), so it was not run; \
                             smoke-required = true ({at}) makes a smoke run that cannot happen \
                             here a failure"
                        )
                    },
                ),
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
            let ok = passed(&r);
            Check {
                id: "run.smoke".into(),
                status: if ok { Status::Pass } else { Status::Fail },
                expected: Some(expected),
                actual: ran(&r, &format!("{how}, {}", r.containment.describe()), req),
                message: (!ok).then(|| smoke_failure(&r, &runner, interpreter, req)),
            }
        }
    }
}

/// Whether a run that started passed: exit 0 in time.
fn passed(r: &toolchain::smoke::SmokeResult) -> bool {
    r.code == Some(0) && !r.timed_out && !r.interrupted
}

/// What a run that started did, `how` (in parentheses) saying where and how it ran:
/// `exit 0 (natively, ...): its first line`, `no exit within 20s (...); killed`.
fn ran(r: &toolchain::smoke::SmokeResult, how: &str, req: &SmokeRequest) -> String {
    let first_line = r
        .first_line()
        .map_or(String::new(), |l| format!(": {}", clip(l, 200)));
    if r.interrupted {
        format!("interrupted ({how})")
    } else if r.timed_out {
        format!(
            "no exit within {} ({how}); killed",
            crate::profile::duration::show_duration(req.timeout)
        )
    } else {
        match (r.code, r.signal) {
            (Some(c), _) => format!("exit {c} ({how}){first_line}"),
            (None, Some(sig)) => format!("killed by signal {sig} ({how}){first_line}"),
            (None, None) => format!("exit by signal ({how}){first_line}"),
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
        never_exited(req)
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
    why.push_str(&printed(r));
    why
}

fn never_exited(req: &SmokeRequest) -> String {
    format!(
        "the artifact did not exit within {}: a server or a prompt waits for ever; give \
         arguments that make it exit (e.g. smoke = [\"--version\"]), or raise smoke-timeout",
        crate::profile::duration::show_duration(req.timeout)
    )
}

/// The first lines a run printed, stderr first, or that it printed nothing.
fn printed(r: &toolchain::smoke::SmokeResult) -> String {
    let mut out = String::new();
    for (name, o) in [("stderr", &r.stderr), ("stdout", &r.stdout)] {
        if !o.text.trim().is_empty() {
            out.push_str(&format!(
                "\n{name}{}:\n{}",
                output_note(o),
                first_lines(&o.text)
            ));
        }
    }
    if r.stdout.bytes == 0 && r.stderr.bytes == 0 {
        out.push_str("; it printed nothing");
    }
    out
}

/// A smoke run that cannot happen here, for `why`: `skip` (`actual` "not run"), or a
/// failure (`failed` its `actual`, `required(why, at)` its message) where
/// `smoke-required = true` is set (at `at`).
fn not_run(
    req: &SmokeRequest,
    id: &str,
    expected: String,
    failed: String,
    why: String,
    required: impl FnOnce(&str, &str) -> String,
) -> crate::verify::Check {
    use crate::verify::{Check, Status};
    match &req.required_by {
        None => Check {
            id: id.into(),
            status: Status::Skip,
            expected: Some(expected),
            actual: "not run".into(),
            message: Some(why),
        },
        Some(at) => Check {
            id: id.into(),
            status: Status::Fail,
            expected: Some(expected),
            actual: failed,
            message: Some(required(&why, at)),
        },
    }
}

/// The id of the smoke run inside the `runs-on` image `entry`: `run.smoke.ENTRY`, the
/// entry cleaned as `runs-on.ENTRY` is (one cleaning for both ids).
pub fn in_image_id(entry: &str) -> String {
    let id = crate::verify::runs_on::realimage::check_id(entry);
    let clean = id.strip_prefix("runs-on.").unwrap_or(&id);
    format!("run.smoke.{clean}")
}

/// Whether the runs inside the images are due: every check passed but (perhaps) the
/// static `runs-on.*` judgements, which the runs are there to test, and the run on the
/// host (another root).
fn in_image_due(checks: &[crate::verify::Check]) -> bool {
    checks
        .iter()
        .filter(|c| !c.id.starts_with("runs-on.") && c.id != "run.smoke")
        .all(|c| c.status.passes())
}

/// What a verified artifact is, for its smoke runs.
pub struct Verified<'a> {
    pub target: &'a Target,
    /// The profile (its `runs-on`) and the policy it was verified under (the real
    /// images' file indexes).
    pub profile: &'a ResolvedProfile,
    pub policy: &'a crate::verify::Policy,
    /// The verified bytes, and the file name its private copies get.
    pub bytes: &'a [u8],
    pub name: &'a str,
    /// Its PT_INTERP.
    pub interpreter: Option<&'a str>,
    /// The checks so far.
    pub checks: &'a [crate::verify::Check],
}

/// The smoke runs of a verified artifact, as checks: `run.smoke` on the host when
/// every check passed, then `run.smoke.IMAGE` inside every `runs-on` entry, in order,
/// when every check but the static `runs-on` judgements passed (real images extracted
/// once through the context's image cache, named ones skipped). `env` is the build's
/// environment (its CC names qemu's library root) and `cwd` where tools are looked up.
pub fn smoke_checks(
    req: &SmokeRequest,
    ctx: &super::Context,
    a: &Verified,
    env: &std::collections::BTreeMap<String, String>,
    cwd: &Path,
) -> Vec<crate::verify::Check> {
    let mut out = Vec::new();
    if a.checks.iter().all(|c| c.status.passes()) {
        out.push(smoke_check(
            req,
            a.target,
            a.bytes,
            a.name,
            a.interpreter,
            env,
            &ctx.host,
            cwd,
        ));
    }
    if !in_image_due(a.checks) {
        return out;
    }
    for entry in &a.profile.verify.runs_on.value {
        let extracted = crate::image::ImageRef::is_reference(entry)
            .then(|| ctx.images.root(a.profile, a.target, &ctx.work_dir, entry));
        let static_id = crate::verify::runs_on::realimage::check_id(entry);
        let image = InImage {
            entry,
            root: extracted.as_ref().map(|r| r.as_ref().map(|e| &e.root)),
            files: a.policy.images.get(entry).map(|f| &**f),
            judged: a.checks.iter().find(|c| c.id == static_id),
            path: a.policy.path_on.get(entry).map(String::as_str),
        };
        out.push(in_image_check(
            req,
            a.target,
            &image,
            a.bytes,
            a.name,
            a.interpreter,
            &ctx.host,
            cwd,
        ));
    }
    out
}

/// One `runs-on` image to run an artifact in, and what is known of it.
pub struct InImage<'a> {
    /// The entry as the profile wrote it.
    pub entry: &'a str,
    /// Its root filesystem, extracted for the artifact's platform, or why it was not
    /// (`None`: a named image of the built-in table, which has no files).
    pub root: Option<Result<&'a RootFs, &'a crate::image::ImageError>>,
    /// Its file index (what the static judgement read), for the hints of a failure.
    pub files: Option<&'a crate::image::ImageFiles>,
    /// The static judgement `runs-on.ENTRY` of the same artifact, when it was made.
    pub judged: Option<&'a crate::verify::Check>,
    /// Where the artifact sits in the image (the entry's `path`), when the profile says:
    /// it runs from there (else from `/.xbuild-go`).
    pub path: Option<&'a str>,
}

/// The artifact's run inside one `runs-on` image as the `run.smoke.IMAGE` check: `pass`
/// on exit 0; `fail` otherwise, saying what it printed, what the static judgement said
/// and, where the output says it, the file the image lacks; `skip` for a named image
/// (no files), and (a failure with `smoke-required`) where this host cannot run the
/// target inside a root or cannot make the namespaces; `unknown` when the image is too
/// big to extract. Callable on its own: it needs only the image, the artifact's bytes
/// (`name` its file name), its PT_INTERP and the host.
#[allow(clippy::too_many_arguments)]
pub fn in_image_check(
    req: &SmokeRequest,
    target: &Target,
    image: &InImage,
    artifact: &[u8],
    name: &str,
    interpreter: Option<&str>,
    host: &HostEnv,
    cwd: &Path,
) -> crate::verify::Check {
    use crate::verify::{Check, Status};
    let id = in_image_id(image.entry);
    let entry = image.entry;
    let expected = format!("exit 0 from `{}` inside {entry}", req.command());
    let check = |status, actual: String, message: String| Check {
        id: id.clone(),
        status,
        expected: Some(expected.clone()),
        actual,
        message: Some(message),
    };
    let cannot = |why: String| {
        not_run(
            req,
            &id,
            expected.clone(),
            "not run".into(),
            why,
            |why, at| {
                format!(
                "{why}; smoke-required = true ({at}) makes a smoke run that cannot happen here \
                 a failure"
            )
            },
        )
    };
    let root = match image.root {
        None => {
            return check(
                Status::Skip,
                "not run".into(),
                format!(
                    "`{entry}` is a named image (the built-in table): it has no files to run the \
                     artifact in; to run it inside that image, name a real one in runs-on \
                     (oci:DIR[:TAG], oci-archive:FILE[:TAG] or docker-archive:FILE)"
                ),
            )
        }
        Some(Err(e)) if e.over_budget => {
            return check(
                Status::Unknown,
                "unknown".into(),
                format!("the image's root filesystem was not extracted: {e}"),
            )
        }
        Some(Err(e)) => {
            return check(
                Status::Fail,
                "not run".into(),
                format!("the image's root filesystem could not be extracted: {e}"),
            )
        }
        Some(Ok(root)) => root,
    };
    let runner = match toolchain::smoke::image_runner(target, host, cwd) {
        Ok(r) => r,
        Err(c) => return cannot(c.why),
    };
    let user = match &root.run_as {
        Ok(u) => u,
        Err(why) => return check(Status::Fail, "not run".into(), why.clone()),
    };
    let who = match root.user.as_deref() {
        Some(spec) if spec.parse::<u32>().is_ok() => format!("user {}", user.uid),
        Some(spec) => format!("user {spec} ({})", user.uid),
        None => format!("user {}", user.uid),
    };
    let how = format!(
        "inside {entry}, {}, {}, {who}",
        root.platform,
        runner.describe()
    );
    // Where the profile says the artifact sits, its links resolved inside the image.
    let at = match (image.path, image.files) {
        (None, _) => None,
        (Some(p), Some(files)) => match files.place(p) {
            Some(at) => Some(at),
            None => {
                return check(
                    Status::Fail,
                    "not run".into(),
                    format!(
                        "the artifact cannot be put at `{p}` in {entry}: a component on the way \
                         is a file, a link to nothing or a loop there"
                    ),
                )
            }
        },
        (Some(p), None) => Some(p.to_string()),
    };
    let how = match &at {
        Some(a) => format!("{how}, at {a}"),
        None => how,
    };
    let run = toolchain::smoke::run_in_image(
        &runner,
        root,
        user,
        artifact,
        name,
        at.as_deref(),
        &req.args,
        req.timeout,
    );
    let r = match run {
        Err(e) => {
            let mut why = format!("{e:#}");
            if let (Some(loader), true) = (interpreter, why.contains("No such file or directory")) {
                why.push_str(&format!(
                    "; the artifact is dynamically linked: is its loader {loader} in the image?"
                ));
            }
            return check(Status::Fail, format!("could not start ({how})"), why);
        }
        Ok(r) if !r.containment.ran() => {
            return cannot(format!(
                "this host cannot make the namespaces and the root a run inside an image \
                 needs: {}",
                r.containment.describe()
            ))
        }
        Ok(r) => r,
    };
    let ok = passed(&r);
    let judged = image.judged.map(|c| (c.id.as_str(), c.status.passes()));
    let message = if ok {
        judged.filter(|(_, p)| !p).map(|(id, _)| {
            format!("`{id}` failed, but the artifact ran inside the image: the static judgement was stricter than the run")
        })
    } else {
        Some(in_image_failure(&r, req, image.files, user, judged))
    };
    Check {
        id: id.clone(),
        status: if ok { Status::Pass } else { Status::Fail },
        expected: Some(expected.clone()),
        actual: ran(&r, &how, req),
        message,
    }
}

/// Why a run inside an image did not pass: the static judgement beside it, the file the
/// image lacks where the output says what was looked for, and the first lines printed.
fn in_image_failure(
    r: &toolchain::smoke::SmokeResult,
    req: &SmokeRequest,
    files: Option<&crate::image::ImageFiles>,
    user: &crate::image::rootfs::RunUser,
    judged: Option<(&str, bool)>,
) -> String {
    let mut why = if r.timed_out {
        never_exited(req)
    } else if r.interrupted {
        "the run was interrupted".to_string()
    } else {
        match judged {
            Some((id, true)) => format!(
                "`{id}` passed (the judgement of the image's files), but the artifact does not \
                 run inside the image"
            ),
            Some((id, false)) => {
                format!("the artifact does not run inside the image, as `{id}` said")
            }
            None => "the artifact does not run inside the image".to_string(),
        }
    };
    let said = format!("{}\n{}", r.stderr.text, r.stdout.text);
    if let Some(missing) = missing_file(&said, files, user) {
        why.push_str(&format!("; {missing}"));
    }
    why.push_str(&printed(r));
    why
}

/// What the image lacks, when the program's output says what it looked for (Go's own
/// messages, the dynamic loader's, qemu's).
fn missing_file(
    said: &str,
    files: Option<&crate::image::ImageFiles>,
    user: &crate::image::rootfs::RunUser,
) -> Option<String> {
    use crate::verify::runs_on::provides::{Provided, CA_DIRS, CA_FILES, ZONE_DIRS};
    // Without the image's index (not read), only what was looked for is named.
    let Some(has) = files.map(|f| Provided::of(f)) else {
        return [
            ("x509: ", "CA roots"),
            ("unknown time zone", "zoneinfo"),
            ("user: unknown user", "/etc/passwd"),
        ]
        .iter()
        .find(|(s, _)| said.contains(s))
        .map(|(_, what)| format!("the program looked for {what}"));
    };
    if said.contains("x509: certificate signed by unknown authority")
        || said.contains("x509: failed to load system roots")
    {
        return Some(match has.ca_roots() {
            None => format!(
                "CA roots: the image has none of Go's CA files ({}) nor certificates in {}: add \
                 ca-certificates to the image, or embed roots in the binary \
                 (import _ \"golang.org/x/crypto/x509roots/fallback\")",
                CA_FILES.join(", "),
                CA_DIRS.join(" or ")
            ),
            Some(e) => format!(
                "CA roots: the image has {}, but the peer's certificate is not signed by a root \
                 in it",
                e.path
            ),
        });
    }
    if said.contains("unknown time zone") {
        return Some(match &has.zoneinfo {
            None => format!(
                "zoneinfo: the image has none of Go's zoneinfo directories ({}): add tzdata to \
                 the image, or embed the zones in the binary (import _ \"time/tzdata\")",
                ZONE_DIRS.join(", ")
            ),
            Some(e) => format!(
                "zoneinfo: the image has {}, but not the zone asked for",
                e.path
            ),
        });
    }
    if said.contains("user: unknown userid")
        || said.contains("user: unknown user ")
        || said.contains("user: Current requires cgo or $USER set")
    {
        let passwd = files.map(|f| f.is_file("/etc/passwd"));
        return Some(if passwd == Some(true) {
            format!(
                "/etc/passwd: the image's has no entry for the user the program asked for (it runs \
                 as uid {}): add one, or set the image's User to a user it has",
                user.uid
            )
        } else {
            format!(
                "/etc/passwd: the image has none, so os/user finds no user (the program runs as \
                 uid {}): add one with that user",
                user.uid
            )
        });
    }
    if let Some(at) = said.find("Could not open '") {
        let rest = &said[at + "Could not open '".len()..];
        let path = rest.split('\'').next().unwrap_or("");
        return Some(format!(
            "{path}: the artifact's ELF interpreter is not in the image (qemu could not open it): \
             the artifact is dynamically linked for a libc the image does not have"
        ));
    }
    if said.contains("error while loading shared libraries") {
        return Some(
            "a shared library the artifact needs is not in the image (the loader says which)"
                .to_string(),
        );
    }
    None
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
