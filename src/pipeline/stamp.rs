//! Version stamping: the placeholders of `stamp`, `ldflags`, `flags` and `env` values
//! filled for one binary and target, and each stamp added to ldflags as `-X key=value`.
//! Source placeholders (`{version}`, `{commit}`, ...) come from git, asked once per run
//! and only when a value uses one; `--version-override` or `XBUILD_GO_VERSION` set the
//! version, `SOURCE_DATE_EPOCH` the date.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::usage;
use crate::profile::{placeholders, ResolvedProfile, Source};
use crate::target::Target;
use crate::toolchain::{vcs, HostEnv};

/// The variable that sets `{version}` (as `--version-override` does).
pub const VERSION_VAR: &str = "XBUILD_GO_VERSION";

/// The source placeholders' values, and where each came from.
#[derive(Debug, Clone, Default)]
pub struct SourceVars {
    values: BTreeMap<&'static str, String>,
    /// Where each value came from, named as a user would look for it.
    from: BTreeMap<&'static str, String>,
    /// One line per value saying where it came from, for `-v` and `env --explain`.
    pub origins: Vec<String>,
    /// `{commit-date}` as seconds since 1970 (`SOURCE_DATE_EPOCH`, else HEAD's commit
    /// time), when known: the epoch of an image.
    pub epoch: Option<i64>,
}

impl SourceVars {
    /// Reads git (the checkout `dir` holding the module; git found on the host's PATH
    /// from `work_dir`), the host's CI and release variables and `--version-override`.
    pub fn read(
        dir: &Path,
        work_dir: &Path,
        host: &HostEnv,
        version_override: Option<&str>,
    ) -> SourceVars {
        let git = which::which_in("git", host.get("PATH").cloned(), work_dir).ok();
        let facts = git
            .as_deref()
            .map(|g| vcs::source_facts(g, dir))
            .unwrap_or_default();
        let host = |k: &str| host.get(k).filter(|v| !v.is_empty()).cloned();
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
        let (version, version_from) = if let Some(v) = version_override {
            (v.to_string(), "--version-override".to_string())
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
        let sde = host("SOURCE_DATE_EPOCH").and_then(|e| e.parse::<i64>().ok());
        let epoch = sde.or(facts.commit_time);
        let (date, date_from) = match sde {
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
        let from = BTreeMap::from([
            ("version", version_from.clone()),
            ("tag", tag_from.to_string()),
            ("commit", "git rev-parse HEAD".to_string()),
            ("short-commit", "git rev-parse HEAD".to_string()),
            ("commit-date", date_from.to_string()),
            ("dirty", "git status".to_string()),
        ]);
        SourceVars {
            values,
            from,
            origins,
            epoch,
        }
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }

    /// Where the value of `name` came from (`XBUILD_GO_VERSION`, `git describe --tags`...).
    pub fn from(&self, name: &str) -> Option<String> {
        self.from.get(name).cloned()
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
        "profile" => Some(profile.name.clone()),
        other => target.placeholder(other).or_else(|| source().get(other)),
    }
}

/// Where the value of placeholder `n` comes from, for an error that refuses it.
pub fn origin(n: &str, source: &dyn Fn() -> SourceVars) -> String {
    match n {
        "name" => "the binary's name (its package's directory)".to_string(),
        n if placeholders::TARGET.contains(&n) => "the target".to_string(),
        "profile" => "the profile's name (--profile)".to_string(),
        other => source().from(other).unwrap_or_else(|| "git".to_string()),
    }
}

/// Flags whose value go splits into words (cmd/internal/quoted), as `-NAME=VALUE` or
/// `-NAME VALUE`; the per-package ones may start with `PATTERN=`.
const SPLIT_FLAGS: &[&str] = &["ldflags", "gcflags", "asmflags", "gccgoflags", "toolexec"];

/// Variables of the child whose value go splits into words.
const SPLIT_VARS: &[&str] = crate::envvars::WORD_SPLIT;

/// Fills placeholders with a value's source and a way to name where each came from.
struct Filler<'a> {
    vars: &'a dyn Fn(&str) -> Option<String>,
    origin: &'a dyn Fn(&str) -> String,
}

impl Filler<'_> {
    /// `template` filled as one word: the text of one argument.
    fn plain(&self, what: &str, template: &str, source: &Source) -> anyhow::Result<String> {
        placeholders::expand(template, self.vars)
            .map_err(|e| usage(format!("{source}: {what}: {e}")))
    }

    /// The refusal of placeholder `n` (value `v`) in `what`, naming where it came from.
    fn refuse(&self, what: &str, source: &Source, n: &str, v: &str, why: &str) -> anyhow::Error {
        usage(format!(
            "{source}: {what}: the value of `{{{n}}}` ({v:?}, from {}) {why}",
            (self.origin)(n)
        ))
    }

    /// One word of a value go splits (`template`, e.g. `main.version={version}`),
    /// filled and quoted back for go, so what a placeholder holds stays in the word.
    /// A value go cannot carry there is refused, naming the placeholder.
    fn word(&self, what: &str, template: &str, source: &Source) -> anyhow::Result<String> {
        let (word, used) = placeholders::expand_used(template, self.vars)
            .map_err(|e| usage(format!("{source}: {what}: {e}")))?;
        for (n, v) in &used {
            if v.contains(['\0', '\n', '\r']) {
                return Err(self.refuse(
                    what,
                    source,
                    n,
                    v,
                    "holds a NUL or line break, which no go flag carries",
                ));
            }
        }
        crate::profile::go_quote(&word).map_err(|_| {
            let culprit = used
                .iter()
                .find(|(_, v)| v.contains(['\'', '"']))
                .or_else(|| {
                    used.iter()
                        .find(|(_, v)| v.contains(crate::profile::GO_SPACE))
                })
                .or(used.first());
            match culprit {
                Some((n, v)) => self.refuse(
                    what,
                    source,
                    n,
                    v,
                    "leaves the word with a space and both kinds of quote, which go's flag \
                     syntax cannot quote (it has no escapes): use one kind of quote, or no space",
                ),
                None => usage(format!(
                    "{source}: {what}: `{word}` holds a space and both kinds of quote, which \
                     go's flag syntax cannot quote"
                )),
            }
        })
    }

    /// A value go splits into words: split first (as go will), each word filled and
    /// quoted back. A value with no placeholder is left exactly as written.
    fn words(&self, what: &str, template: &str, source: &Source) -> anyhow::Result<String> {
        if !placeholders::uses_any(template) {
            return Ok(template.to_string());
        }
        let words = crate::verify::go_split(template).ok_or_else(|| {
            usage(format!(
                "{source}: {what}: `{template}` has an unclosed quote (go splits it on spaces, \
                 a word starting with ' or \" running to the next one)"
            ))
        })?;
        let mut out = Vec::with_capacity(words.len());
        for w in &words {
            out.push(self.word(what, w, source)?);
        }
        Ok(out.join(" "))
    }

    /// A `-gcflags=[PATTERN=]WORDS`-style value: the pattern filled as text that may not
    /// move the `=` or hold a space or quote, the words as [`Filler::words`].
    fn per_package(&self, what: &str, template: &str, source: &Source) -> anyhow::Result<String> {
        let lead = template.len() - template.trim_start().len();
        let rest = &template[lead..];
        if rest.starts_with('-') || !rest.contains('=') {
            return self.words(what, template, source);
        }
        let (pattern, flags) = rest.split_once('=').unwrap_or((rest, ""));
        let (filled, used) = placeholders::expand_used(pattern, self.vars)
            .map_err(|e| usage(format!("{source}: {what}: {e}")))?;
        if let Some((n, v)) = used.iter().find(|(_, v)| {
            v.contains(['=', '\'', '"', '\0']) || v.contains(crate::profile::GO_SPACE)
        }) {
            return Err(self.refuse(
                what,
                source,
                n,
                v,
                "holds `=`, a space or a quote, which would change the package pattern",
            ));
        }
        Ok(format!(
            "{}{filled}={}",
            &template[..lead],
            self.words(what, flags, source)?
        ))
    }

    /// The `flags` list: each element is one argument of go build, so a value stays in
    /// it; where go splits an element's value (`-ldflags=`, `-gcflags=`, ...), that value
    /// is filled word by word.
    fn flags(&self, flags: &[String], source: &Source) -> anyhow::Result<Vec<String>> {
        let split_name = |f: &str| {
            let name = f.strip_prefix("--").or_else(|| f.strip_prefix('-'))?;
            SPLIT_FLAGS.iter().copied().find(|s| *s == name)
        };
        let mut out = Vec::with_capacity(flags.len());
        let mut value_of: Option<&str> = None;
        for f in flags {
            let filled = if let Some(name) = value_of.take() {
                self.per_package(&format!("flags -{name}"), f, source)?
            } else if let Some((flag, value)) =
                f.split_once('=').filter(|(k, _)| split_name(k).is_some())
            {
                let name = split_name(flag).unwrap_or_default();
                format!(
                    "{flag}={}",
                    self.per_package(&format!("flags -{name}"), value, source)?
                )
            } else {
                value_of = split_name(f);
                self.plain("flags", f, source)?
            };
            out.push(filled);
        }
        Ok(out)
    }
}

/// `profile` with every placeholder of ldflags, flags, env and stamp values filled, and
/// each stamp appended to ldflags as `-X key=value` (quoted for go's flag parser).
/// Wherever go splits a value into words (ldflags, `-gcflags=`-style flags, CC and the
/// CGO_*FLAGS variables), it is split first, each word filled and quoted back: what a
/// placeholder holds stays in the word it was written in, so no value adds a flag, and
/// one go cannot quote is refused naming the placeholder and `origin` (where its value
/// came from).
pub fn fill(
    profile: &ResolvedProfile,
    vars: &dyn Fn(&str) -> Option<String>,
    origin: &dyn Fn(&str) -> String,
) -> anyhow::Result<ResolvedProfile> {
    let f = Filler { vars, origin };
    let mut p = profile.clone();
    p.ldflags.value = f.words("ldflags", &p.ldflags.value, &p.ldflags.source)?;
    p.flags.value = f.flags(&profile.flags.value, &profile.flags.source)?;
    for (k, v) in p.env.iter_mut() {
        v.value = if SPLIT_VARS.contains(&k.as_str()) {
            f.words(&format!("env {k}"), &v.value, &v.source)?
        } else {
            f.plain(k, &v.value, &v.source)?
        };
        if v.value.contains('\0') {
            return Err(usage(format!(
                "{}: env {k}: the value holds a NUL byte",
                v.source
            )));
        }
    }
    let mut ldflags = p.ldflags.value.clone();
    for (k, v) in p.stamp.iter_mut() {
        let what = format!("stamp {k}");
        let x = f.word(&what, &format!("{k}={}", v.value), &v.source)?;
        v.value = f.plain(&what, &v.value, &v.source)?;
        crate::profile::check_stamp(k, &v.value)
            .map_err(|e| usage(format!("{}: {e}", v.source)))?;
        if !ldflags.is_empty() {
            ldflags.push(' ');
        }
        ldflags.push_str("-X ");
        ldflags.push_str(&x);
    }
    p.ldflags.value = ldflags;
    if let Some(m) = p.mtime.value.clone() {
        let filled = f.plain("mtime", &m, &p.mtime.source)?;
        let secs = crate::date::parse_epoch(&filled).map_err(|e| {
            if filled == "unknown" {
                usage(format!(
                    "{}: mtime = \"{m}\": the commit date is unknown (no git commit and no \
                     SOURCE_DATE_EPOCH): commit, set SOURCE_DATE_EPOCH, or give the seconds",
                    p.mtime.source
                ))
            } else {
                usage(format!("{}: mtime: {e}", p.mtime.source))
            }
        })?;
        p.mtime.value = Some(secs.to_string());
    }
    // A GOCACHEPROG command is split by go like a flag value.
    if let Some(c) = p.cache_program.value.clone() {
        let filled = f.words("cache-program", &c, &p.cache_program.source)?;
        p.cache_program.value = Some(filled);
    }
    Ok(p)
}

#[cfg(test)]
mod tests;
