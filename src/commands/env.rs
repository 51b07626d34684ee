//! `cargo xbuild-go env`: the environment `go build` gets, per target; with
//! `--explain`, where every value came from and what was dropped.

use crate::cli::EnvArgs;
use crate::error::Exit;
use crate::pipeline;
use crate::profile::{Overrides, Sourced};
use crate::report::MessageFormat;
use crate::toolchain::{self, run::shell_quote, HostEnv};

pub fn exec(args: &EnvArgs, host: HostEnv) -> anyhow::Result<Exit> {
    let reporter = super::reporter(&args.output_args, &host);
    let overrides = Overrides {
        targets: super::targets(&args.profile),
        pass_env: args.pass_env.clone(),
        ..Overrides::default()
    };
    let req = super::request(&args.profile, overrides)?;
    let ctx = pipeline::context(&req, host)?;
    let p = &ctx.profile;
    let several = p.targets.value.len() > 1;
    for target in &p.targets.value {
        let env = toolchain::child_env(&ctx.host, &ctx.goenv, p, target);
        if reporter.format == MessageFormat::Json {
            let origins: serde_json::Map<String, serde_json::Value> = env
                .origins
                .iter()
                .map(|(k, o)| (k.clone(), serde_json::Value::String(o.explain())))
                .collect();
            reporter.print_json(&serde_json::json!({
                "target": target.to_string(),
                "profile": p.name,
                "env": env.vars,
                "origins": origins,
                "dropped": env.dropped,
            }));
            continue;
        }
        if several || args.explain {
            reporter.print(&format!("# {target} ({} profile)", p.name));
        }
        for (k, v) in &env.vars {
            let line = format!("{k}={}", shell_quote(v));
            if args.explain {
                let why = env.origins.get(k).map(|o| o.explain()).unwrap_or_default();
                reporter.print(&format!("{line:<40} # {why}"));
            } else {
                reporter.print(&line);
            }
        }
        if args.explain {
            if !env.dropped.is_empty() {
                reporter.print("# dropped:");
                for d in &env.dropped {
                    reporter.print(&format!(
                        "#   {}={} ({}): {}",
                        d.name,
                        shell_quote(&d.value),
                        d.from,
                        d.reason
                    ));
                }
            }
            reporter.print("# resolved settings:");
            for (key, value, source) in settings(p) {
                reporter.print(&format!("#   {key} = {value}  ({source})"));
            }
        }
    }
    Ok(Exit::Ok)
}

fn settings(p: &crate::profile::ResolvedProfile) -> Vec<(&'static str, String, String)> {
    fn row<T>(
        key: &'static str,
        s: &Sourced<T>,
        show: impl Fn(&T) -> String,
    ) -> (&'static str, String, String) {
        (key, show(&s.value), s.source.to_string())
    }
    let list = |v: &Vec<String>| format!("{v:?}");
    let v = &p.verify;
    vec![
        row("targets", &p.targets, |t| {
            format!("{:?}", t.iter().map(|t| t.to_string()).collect::<Vec<_>>())
        }),
        row("package", &p.package, |s| format!("{s:?}")),
        row("output", &p.output, |o| format!("{:?}", o.template)),
        row("cgo", &p.cgo, |b| b.to_string()),
        row("ldflags", &p.ldflags, |s| format!("{s:?}")),
        row("flags", &p.flags, list),
        row("tags", &p.tags, list),
        row("rebuild-all", &p.rebuild_all, |b| b.to_string()),
        row("go", &p.go, |g| {
            g.as_ref()
                .map_or("(any)".to_string(), |g| format!("{:?}", g.to_string()))
        }),
        row("verify.static", &v.static_, |b| b.to_string()),
        row("verify.stripped", &v.stripped, |b| b.to_string()),
        row("verify.buildinfo", &v.buildinfo, |b| b.to_string()),
        row("verify.runs-on", &v.runs_on, list),
        row("verify.max-glibc", &v.max_glibc, |m| {
            m.clone().unwrap_or_else(|| "(none)".into())
        }),
        row("verify.arm-float-abi", &v.arm_float_abi, |a| {
            format!("{a:?}").to_lowercase()
        }),
        row("verify.aarch64-bti", &v.aarch64_bti, |a| {
            format!("{a:?}").to_lowercase()
        }),
        row("verify.max-size", &v.max_size, |m| {
            m.map_or("(none)".to_string(), |n| n.to_string())
        }),
    ]
}
