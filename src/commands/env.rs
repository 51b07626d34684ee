//! `cargo xbuild-go env`: the environment `go build` gets, per target, as people read
//! it (redacted: no host secret is shown); with `--explain`, where every value came
//! from and what was dropped (by name and reason); with `--format`, what the tool
//! decides, for a shell, make, `$GITHUB_ENV`, JSON or a Dockerfile.

use crate::cli::{EnvArgs, EnvFormatArg};
use crate::error::{usage, Exit};
use crate::pipeline;
use crate::profile::Overrides;
use crate::report::envfmt::{self, EnvFormat};
use crate::report::{MessageFormat, Reporter};
use crate::sanitize::redact;
use crate::toolchain::{self, run::shell_quote, HostEnv};

pub fn exec(args: &EnvArgs, host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    let overrides = Overrides {
        targets: super::args::targets(&args.profile),
        version: args.version_override.clone(),
        pass_env: args.pass_env.clone(),
        cache_program: args.cache.cache_program.clone(),
        no_cache_program: args.cache.no_cache_program,
        ..Overrides::default()
    };
    let req = super::args::request(&args.profile, overrides)?;
    let ctx = pipeline::context(&req, host)?;
    let p = &ctx.profile;
    // The local go's version decides whether a go.mod toolchain line switches; read from
    // files only, and not required: without a go the line is taken as it stands.
    let local = toolchain::locate(args.profile.go.as_deref(), &ctx.host, &ctx.work_dir)
        .ok()
        .and_then(|go| go.parsed_version());
    let several = p.targets.value.len() > 1;
    let format = args.format.map(|f| match f {
        EnvFormatArg::Shell => EnvFormat::Shell,
        EnvFormatArg::Make => EnvFormat::Make,
        EnvFormatArg::Github => EnvFormat::Github,
        EnvFormatArg::Json => EnvFormat::Json,
        EnvFormatArg::Dockerfile => EnvFormat::Dockerfile,
    });
    if let Some(f) = format.filter(|f| *f != EnvFormat::Json) {
        // One environment per file: GOOS can have one value.
        let [target] = p.targets.value.as_slice() else {
            return Err(usage(format!(
                "env --format {} describes one target, and the profile has {}: pass --target",
                f.name(),
                p.targets.value.len()
            )));
        };
        let mut tp = pipeline::target_profile(&ctx, target)?;
        let mut env = pipeline::target_env(&ctx, &tp, target, local.as_ref());
        pipeline::plan::c_toolchain(&ctx, &mut tp, &mut env, target)?;
        let text = envfmt::render(f, &env.decided())
            .map_err(|e| usage(format!("env --format {}: {e}", f.name())))?;
        reporter.print_export(&text)?;
        return Ok(Exit::Ok);
    }
    let json = reporter.format == MessageFormat::Json || format == Some(EnvFormat::Json);
    // Where the build writes each binary, planned as a build plans it. `env` is where
    // one looks when a build fails: a plan that fails (outside a module, a pattern
    // matching nothing, a refused value) is shown as the reason, not as env's failure.
    let outputs = if args.explain || json {
        pipeline::plan::outputs(&ctx, args.profile.go.as_deref()).map_err(|e| format!("{e:#}"))
    } else {
        Ok(Vec::new())
    };
    for target in &p.targets.value {
        let own = pipeline::target_profile(&ctx, target)?;
        let paths: Result<Vec<String>, &String> = match &outputs {
            Ok(o) => Ok(o
                .iter()
                .filter(|(t, _)| t == target)
                .flat_map(|(_, paths)| paths)
                .map(|p| crate::sanitize::escape::lossless(p).into_owned())
                .collect()),
            Err(e) => Err(e),
        };
        let mut tp = own.clone();
        let mut env = pipeline::target_env(&ctx, &tp, target, local.as_ref());
        let c = pipeline::plan::c_toolchain(&ctx, &mut tp, &mut env, target)?;
        // The remote cache program a build would use, resolved as a build resolves it.
        let cache_program = match pipeline::cache::wanted(&tp, &mut env) {
            Some((command, from)) => Some(
                ctx.cache_programs
                    .resolve(
                        &command,
                        &from,
                        &tp,
                        &ctx.host,
                        &ctx.work_dir,
                        local.as_ref(),
                    )?
                    .shown(),
            ),
            None => None,
        };
        let link_flags = c.as_ref().map_or(&[][..], |c| c.link_flags.as_slice());
        if json {
            let decided = env.decided();
            let origins: serde_json::Map<String, serde_json::Value> = decided
                .keys()
                .map(|k| (k.clone(), serde_json::Value::String(env.decided_origin(k))))
                .collect();
            reporter.print_json(&serde_json::json!({
                "target": target.to_string(),
                "profile": p.name,
                "env": decided,
                "origins": origins,
                "dropped": redact::dropped(&env.dropped),
                "c_toolchain": c.as_ref().map(|c| serde_json::json!({
                    "kind": c.kind,
                    "cc": env.vars.get("CC"),
                    "cxx": env.vars.get("CXX"),
                    "origin": env.decided_origin("CC"),
                    "zig_version": c.zig_version,
                })),
                "link_flags": link_flags,
                "ldflags": tp.ldflags.value,
                "cache_program": cache_program,
                "outputs": paths.as_ref().ok(),
                "outputs_error": paths.as_ref().err(),
            }));
            continue;
        }
        if several || args.explain {
            reporter.print(&format!("# {target} ({} profile)", p.name));
        }
        for (k, v) in &env.vars {
            let shown = reporter.clean_value(&redact::value(k, v));
            let line = format!("{}={}", reporter.clean_value(k), shell_quote(&shown));
            if args.explain {
                let why = env.origins.get(k).map(|o| o.explain()).unwrap_or_default();
                reporter.print(&format!("{line:<40} # {}", reporter.clean_value(&why)));
            } else {
                reporter.print(&line);
            }
        }
        if args.explain {
            for f in link_flags {
                reporter.print(&format!(
                    "{:<40} # C toolchain, {}",
                    format!("-ldflags += {}", reporter.clean_value(&f.flag)),
                    reporter.clean_value(&f.why)
                ));
            }
            if !env.dropped.is_empty() {
                reporter.print("# dropped (values are never shown):");
                for d in &env.dropped {
                    reporter.print(&format!(
                        "#   {} ({}): {}",
                        reporter.clean_value(&d.name),
                        reporter.clean_value(&d.from),
                        d.reason
                    ));
                }
            }
            if let Some(c) = &cache_program {
                reporter.print(&format!(
                    "# cache program: {} {} (sha256 {}, from {}; go gets GOCACHEPROG naming \
                     the tool's wrapper)",
                    reporter.clean_value(&c.path),
                    reporter.clean_value(&c.args.join(" ")),
                    c.sha256,
                    reporter.clean_value(&c.from)
                ));
            }
            match &paths {
                Ok(paths) => {
                    for path in paths {
                        reporter.print(&format!("# output: {}", reporter.clean_value(path)));
                    }
                }
                Err(e) => reporter.print(&format!(
                    "# output: none planned, a build stops here: {}",
                    reporter.clean_value(e)
                )),
            }
            reporter.print("# resolved settings:");
            // The profile's own values: the C toolchain's link flags are listed above.
            for (key, value, source) in own.explain_rows() {
                reporter.print(&format!(
                    "#   {key} = {}  ({})",
                    reporter.clean_value(&value),
                    reporter.clean_value(&source)
                ));
            }
        }
    }
    Ok(Exit::Ok)
}
