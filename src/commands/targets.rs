//! `cargo xbuild-go targets`: the GOOS/GOARCH pairs this go supports, with the
//! first-class and cgo marks Go gives them and the variants each arch accepts.

use crate::cli::TargetsArgs;
use crate::error::Exit;
use crate::report::{MessageFormat, Reporter};
use crate::target;
use crate::toolchain::{self, HostEnv};

pub fn exec(args: &TargetsArgs, host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    let cwd = std::env::current_dir()?;
    let go = toolchain::locate(args.go.as_deref(), &host, &cwd)?;
    // The scrubbed environment of a build for the default target, so the answer does
    // not depend on the shell's GOOS/GOARCH or GOFLAGS.
    let profile =
        crate::profile::resolve(None, crate::profile::BUILTIN_PROFILE, &Default::default())?;
    let goenv = toolchain::read_goenv(&host);
    let env = toolchain::child_env(&host, &goenv, &profile, &profile.targets.value[0]);
    let list = toolchain::dist_list(&go, &env.vars)?;
    for t in &list {
        let level = target::arch(&t.goarch).and_then(|a| a.level);
        let variants: Vec<&str> = level
            .map(|l| l.values.iter().map(|(d, _)| *d).collect())
            .unwrap_or_default();
        let known = target::Target::parse(&format!("{}/{}", t.goos, t.goarch)).is_ok();
        if reporter.format == MessageFormat::Json {
            reporter.print_json(&serde_json::json!({
                "target": format!("{}/{}", t.goos, t.goarch),
                "first_class": t.first_class,
                "cgo": t.cgo_supported,
                "level_var": level.map(|l| l.var),
                "default": level.map(|l| l.default),
                "variants": variants,
                "known": known,
            }));
            continue;
        }
        let mut line = format!(
            "{:<18} {:<12} {:<4}",
            format!("{}/{}", t.goos, t.goarch),
            if t.first_class { "first-class" } else { "" },
            if t.cgo_supported { "cgo" } else { "" }
        );
        if let Some(l) = level {
            line.push_str(&format!(
                " {}={} (variants {})",
                l.var,
                l.default,
                variants.join(" ")
            ));
        }
        if !known {
            line.push_str("  (not in xbuild-go's target table yet)");
        }
        reporter.print(line.trim_end());
    }
    Ok(Exit::Ok)
}
