//! `cargo xbuild-go init`: writes the starter profile file and says what it wrote.

use crate::cli::InitArgs;
use crate::error::Exit;
use crate::pipeline::init::{from_goreleaser, init, InitRequest};
use crate::report::Reporter;
use crate::toolchain::HostEnv;

pub fn exec(args: &InitArgs, host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    let cwd = std::env::current_dir()
        .map_err(|e| crate::error::usage(format!("cannot read the working directory: {e}")))?;
    let work_dir = match &args.dir {
        Some(d) => cwd.join(d),
        None => cwd,
    };
    let req = InitRequest {
        work_dir,
        profile: args.profile.as_deref(),
        targets: &args.targets,
        force: args.force,
        go: args.go.as_deref(),
    };
    if let Some(file) = &args.from_goreleaser {
        let file = (!file.is_empty()).then(|| std::path::Path::new(file.as_str()));
        return from_goreleaser_exec(&req, file, args.strict, reporter);
    }
    let w = init(&req, &host)?;
    let s = &w.starter;
    if !s.cgo_packages.is_empty() {
        reporter.warn(&format!(
            "{} use cgo: the profile sets cgo = true and cc = \"zig\" (a C cross compiler \
             for every target; see docs/cgo.md); install zig or `pip install ziglang`",
            s.cgo_packages.join(", ")
        ));
    }
    reporter.status(
        if w.replaced { "Replaced" } else { "Created" },
        &format!(
            "{} with profile `{}`: {} for {}",
            s.path.display(),
            s.profile,
            s.packages.join(" "),
            s.targets.join(", ")
        ),
    );
    let next = if s.profile == crate::profile::BUILTIN_PROFILE {
        "cargo xbuild-go".to_string()
    } else {
        format!("cargo xbuild-go --profile {}", s.profile)
    };
    reporter.status("Next", &format!("run `{next}` to build and verify"));
    Ok(Exit::Ok)
}

fn from_goreleaser_exec(
    req: &InitRequest,
    file: Option<&std::path::Path>,
    strict: bool,
    reporter: &Reporter,
) -> anyhow::Result<Exit> {
    let t = from_goreleaser(req, file, strict)?;
    for n in &t.notes {
        reporter.warn(&n.to_string());
    }
    if strict && t.notes.iter().any(|n| n.strict) {
        reporter.error(
            None,
            Exit::VerifyFailed,
            &format!(
                "{}: keys of builds or env do not translate (--strict); nothing written",
                t.source.display()
            ),
        );
        return Ok(Exit::VerifyFailed);
    }
    reporter.status(
        if t.replaced { "Replaced" } else { "Created" },
        &format!(
            "{} from {}: profiles {}",
            t.path.display(),
            t.source.display(),
            t.profiles.join(", ")
        ),
    );
    reporter.status(
        "Next",
        &format!(
            "run `cargo xbuild-go --profile {}` to build and verify",
            t.profiles[0]
        ),
    );
    Ok(Exit::Ok)
}
