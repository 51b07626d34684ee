//! `cargo xbuild-go profiles`: every profile found (and the built-in golden one),
//! fully resolved, with where each value came from. The file is read once and one
//! [`Resolver`] shares each table's inheritance chain between the profiles, so this is
//! linear in the size of the file.

use crate::cli::ProfilesArgs;
use crate::error::Exit;
use crate::pipeline;
use crate::profile::{Overrides, ProfileFile, Resolver, BUILTIN_PROFILE};
use crate::report::Reporter;
use crate::toolchain::HostEnv;

pub fn exec(args: &ProfilesArgs, host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    // Resolve the default profile first: it finds and parses the file (errors name it).
    let req = super::args::request(&args.profile, Overrides::default())?;
    let ctx = pipeline::context(&req, host.clone())?;
    let file = ctx.profile.file.clone();
    let loaded = file.as_deref().map(ProfileFile::load).transpose()?;
    let mut names: Vec<String> = loaded
        .iter()
        .flat_map(|f| f.toml.profile.keys().cloned())
        .collect();
    if !names.iter().any(|n| n == BUILTIN_PROFILE) {
        names.insert(0, BUILTIN_PROFILE.to_string());
    }
    if let Some(only) = &args.profile.profile {
        names.retain(|n| n == only);
    }
    if reporter.format.is_human() {
        reporter.print(&format!(
            "# profile file: {}",
            file.as_ref()
                .map_or("(none: built-in golden profile only)".to_string(), |f| f
                    .display()
                    .to_string())
        ));
    }
    let mut resolver = Resolver::new(loaded.as_ref());
    for name in names {
        let profile = resolver.resolve(&name, &Overrides::default())?;
        let rows = profile.explain_rows();
        if !reporter.format.is_human() {
            let settings: serde_json::Map<String, serde_json::Value> = rows
                .iter()
                .map(|(k, v, src)| {
                    (
                        k.to_string(),
                        serde_json::json!({ "value": v, "source": src }),
                    )
                })
                .collect();
            reporter.print_json(&serde_json::json!({ "profile": name, "settings": settings }));
            continue;
        }
        reporter.print(&format!("[{name}]"));
        for (k, v, src) in rows {
            reporter.print(&format!("  {k:<22} {v:<40} # {src}"));
        }
    }
    Ok(Exit::Ok)
}
