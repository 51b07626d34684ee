//! Version stamping: the placeholders of `stamp`, `ldflags`, `flags` and `env` values
//! filled for one binary and target, and each stamp added to ldflags as `-X key=value`.
//! Source placeholders (`{version}`, `{commit}`, ...) come from git, asked once per run
//! and only when a value uses one; `--version-override` or `XBUILD_GO_VERSION` set the
//! version, `SOURCE_DATE_EPOCH` the date.

use std::collections::BTreeMap;

use super::Context;
use crate::error::usage;
use crate::profile::{placeholders, ResolvedProfile};
use crate::target::Target;
use crate::toolchain::vcs;

/// The variable that sets `{version}` (as `--version-override` does).
pub const VERSION_VAR: &str = "XBUILD_GO_VERSION";

/// The source placeholders' values, and where each came from.
#[derive(Debug, Clone, Default)]
pub struct SourceVars {
    values: BTreeMap<&'static str, String>,
    /// One line per value saying where it came from, for `-v` and `env --explain`.
    pub origins: Vec<String>,
}

impl SourceVars {
    /// Reads git (the checkout holding the module) and the overrides.
    pub fn read(ctx: &Context) -> SourceVars {
        let dir = ctx.module_dir.as_deref().unwrap_or(&ctx.work_dir);
        let git = which::which_in("git", ctx.host.get("PATH").cloned(), &ctx.work_dir).ok();
        let facts = git
            .as_deref()
            .map(|g| vcs::source_facts(g, dir))
            .unwrap_or_default();
        let host = |k: &str| ctx.host.get(k).filter(|v| !v.is_empty()).cloned();
        let mut origins = Vec::new();
        let ref_tag = (host("GITHUB_REF_TYPE").as_deref() == Some("tag"))
            .then(|| host("GITHUB_REF_NAME"))
            .flatten();
        let (tag, tag_from) = match (&facts.tag, &ref_tag) {
            (Some(t), _) => (t.clone(), "git describe --tags"),
            (None, Some(t)) => (t.clone(), "GITHUB_REF_NAME (a tag ref)"),
            (None, None) => (String::new(), "no tag"),
        };
        let short = facts
            .commit
            .as_deref()
            .map(|c| c.chars().take(12).collect::<String>());
        let (version, version_from) = if let Some(v) = &ctx.version_override {
            (v.clone(), "--version-override".to_string())
        } else if let Some(v) = host(VERSION_VAR) {
            (v, VERSION_VAR.to_string())
        } else if !tag.is_empty() {
            (
                tag.strip_prefix('v').unwrap_or(&tag).to_string(),
                format!("tag {tag} ({tag_from})"),
            )
        } else {
            let v = match &short {
                Some(s) => format!("0.0.0-dev+{s}"),
                None => "0.0.0-dev".to_string(),
            };
            (
                v,
                "no tag at or before HEAD: a development version (tag a release, or set \
                 --version-override / XBUILD_GO_VERSION)"
                    .to_string(),
            )
        };
        origins.push(format!("{{version}} = {version}: {version_from}"));
        let (date, date_from) = match host("SOURCE_DATE_EPOCH").and_then(|e| e.parse::<i64>().ok())
        {
            Some(e) => (vcs::rfc3339_utc(e), "SOURCE_DATE_EPOCH"),
            None => match facts.commit_time {
                Some(t) => (vcs::rfc3339_utc(t), "HEAD's commit time"),
                None => ("unknown".to_string(), "no commit"),
            },
        };
        origins.push(format!("{{commit-date}} = {date}: {date_from}"));
        let unknown = || "unknown".to_string();
        let values = BTreeMap::from([
            ("version", version),
            ("tag", tag),
            ("commit", facts.commit.clone().unwrap_or_else(unknown)),
            ("short-commit", short.unwrap_or_else(unknown)),
            ("commit-date", date),
            ("dirty", facts.dirty.map_or_else(unknown, |d| d.to_string())),
        ]);
        if facts.commit.is_none() {
            origins.push(
                "{commit}, {short-commit}, {dirty} = unknown: not a git checkout (or no git)"
                    .to_string(),
            );
        }
        SourceVars { values, origins }
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }
}

/// The value of placeholder `n` for binary `name` of `profile` on `target`: the
/// artifact's own, else the source's (read on first use).
pub fn var(
    n: &str,
    name: &str,
    target: &Target,
    profile: &ResolvedProfile,
    source: &dyn Fn() -> SourceVars,
) -> Option<String> {
    match n {
        "name" => Some(name.to_string()),
        "os" => Some(target.goos().to_string()),
        "arch" => Some(target.goarch().to_string()),
        "variant" => Some(target.variant().unwrap_or("").to_string()),
        "exe" => Some(target.exe_suffix().to_string()),
        "profile" => Some(profile.name.clone()),
        other => source().get(other),
    }
}

/// `profile` with every placeholder of ldflags, flags, env and stamp values filled, and
/// each stamp appended to ldflags as `-X key=value` (quoted for go's flag parser).
pub fn fill(
    profile: &ResolvedProfile,
    vars: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<ResolvedProfile> {
    let mut p = profile.clone();
    let expand = |what: &str, v: &str, source: &crate::profile::Source| {
        placeholders::expand(v, vars).map_err(|e| usage(format!("{source}: {what}: {e}")))
    };
    p.ldflags.value = expand("ldflags", &p.ldflags.value, &p.ldflags.source)?;
    for f in p.flags.value.iter_mut() {
        *f = expand("flags", f, &profile.flags.source)?;
    }
    for (k, v) in p.env.iter_mut() {
        v.value = expand(k, &v.value, &v.source)?;
        if v.value.contains('\0') {
            return Err(usage(format!(
                "{}: env {k}: the value holds a NUL byte",
                v.source
            )));
        }
    }
    let mut ldflags = p.ldflags.value.clone();
    for (k, v) in p.stamp.iter_mut() {
        v.value = expand(k, &v.value, &v.source)?;
        crate::profile::check_stamp(k, &v.value)
            .map_err(|e| usage(format!("{}: {e}", v.source)))?;
        let x = crate::profile::go_quote(&format!("{k}={}", v.value))
            .map_err(|e| usage(format!("{}: stamp {k}: {e}", v.source)))?;
        if !ldflags.is_empty() {
            ldflags.push(' ');
        }
        ldflags.push_str("-X ");
        ldflags.push_str(&x);
    }
    p.ldflags.value = ldflags;
    Ok(p)
}
