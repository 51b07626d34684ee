//! The registry side of `image`: a registry base pulled into the output cache and
//! pinned by `xbuild-go.lock` (the default: the locked digest, else resolved and
//! recorded; `--update-lock`: resolved again; `--locked`: the lock must hold the base
//! at its current digest), the `--push` destination checked before the build, and the
//! push after the proofs and the local outputs. The lock is written last, after every
//! output. A local base is not locked: its bytes are the user's files, named by path.

use std::path::{Path, PathBuf};

use crate::assemble::Assembled;
use crate::error::{failure, usage, Exit};
use crate::image::Platform;
use crate::pipeline::Context;
use crate::profile::lock::{self, Freshness, Lock};
use crate::profile::{ImageSettings, Sourced};
use crate::registry::base::{self, PulledBase, Wanted};
use crate::registry::publish::PushedImage;
use crate::registry::{http, Kind, Options, Reference, RegistryError};
use crate::sanitize::redact::Secrets;

use super::settings::at;

/// How `xbuild-go.lock` is used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LockMode {
    /// The locked digest when the lock has the base; else resolved, and recorded.
    #[default]
    Default,
    /// `--update-lock`: resolved again, and recorded.
    Update,
    /// `--locked`: the lock must have the base at the digest its tag names now, for
    /// every platform built; nothing is written to it.
    Locked,
}

/// A registry base, pulled, and what its lock entry becomes.
#[derive(Debug)]
pub struct RegistryBase {
    pub pulled: PulledBase,
    lock_file: PathBuf,
    lock: Lock,
    /// Whether the lock is to be rewritten after every output (its entry is not fresh).
    write: bool,
}

/// The registries that may be plain HTTP: `--insecure-registry` and
/// `image.insecure-registries`.
pub fn insecure(flags: &[String], image: &ImageSettings) -> Vec<String> {
    let mut out: Vec<String> = flags.to_vec();
    if let Some(list) = &image.insecure_registries {
        out.extend(list.value.iter().cloned());
    }
    out.sort();
    out.dedup();
    out
}

/// The client's options for `registry`: the insecure registries, and the proxy the
/// environment names for it.
pub fn options(ctx: &Context, registry: &str, insecure: &[String]) -> Options {
    Options {
        insecure: insecure.to_vec(),
        proxy: crate::registry::proxy_for(registry, &ctx.host),
        ..Options::default()
    }
}

/// A registry error as the run's: prefixed, with a hint when a plain-HTTP registry
/// was not named insecure.
fn registry_failure(
    prefix: &str,
    e: RegistryError,
    registry: &str,
    insecure: &[String],
) -> anyhow::Error {
    let hint = if e.kind == Kind::Unreachable
        && !http::plain_allowed(crate::registry::reference::api_host(registry), insecure)
    {
        format!(
            " (a registry that speaks plain HTTP must be named: --insecure-registry {registry}, \
             or image.insecure-registries)"
        )
    } else {
        String::new()
    };
    let message = format!("{prefix}{}{hint}", e.message);
    match e.help() {
        Some(h) => crate::error::helped(e.exit(), message, h),
        None => failure(e.exit(), message),
    }
}

/// The lock file beside the profile file (else in the working directory).
pub fn lock_file(ctx: &Context) -> PathBuf {
    match &ctx.profile.file {
        Some(f) => lock::path_beside(&ctx.work_dir.join(f)),
        None => ctx.work_dir.join(lock::LOCK_FILE),
    }
}

/// Pulls the registry base `r` (written as `written`) for `platforms` into the output
/// cache, as `mode` says; with `--locked`, a lock that is missing, stale or moved is
/// exit 4 naming the base and both digests, before anything is built or written.
pub fn pull_base(
    ctx: &Context,
    r: &Reference,
    written: &Sourced<String>,
    platforms: &[Platform],
    mode: LockMode,
    insecure: &[String],
) -> anyhow::Result<RegistryBase> {
    let prefix = format!("{}image.base: ", at(&written.source));
    let lock_file = lock_file(ctx);
    let lock = Lock::load(&lock_file)?.unwrap_or_default();
    let profile = ctx.profile.name.as_str();
    let key = r.to_string();
    let entry = lock.get(profile, &key).cloned();
    let options = options(ctx, &r.registry, insecure);
    let cache_dir = crate::pipeline::outcache::root(&ctx.host)?.join("bases");
    let fail = |e: RegistryError| registry_failure(&prefix, e, &r.registry, insecure);
    let locked = match mode {
        LockMode::Update => None,
        LockMode::Default => entry.as_ref().map(|e| e.digest.clone()),
        LockMode::Locked => {
            let Some(e) = &entry else {
                Freshness::Missing.require(&lock_file, profile, &key)?;
                return Err(usage("unreachable: a missing entry is refused"));
            };
            let current = base::current_digest(r, &ctx.host, &options).map_err(fail)?;
            if current != e.digest {
                Freshness::Moved {
                    locked: e.digest.clone(),
                    current,
                }
                .require(&lock_file, profile, &key)?;
            }
            Some(e.digest.clone())
        }
    };
    let wanted = Wanted {
        reference: r,
        platforms,
        locked: locked.as_deref(),
    };
    let pulled = base::pull(&wanted, &cache_dir, &ctx.host, &options).map_err(fail)?;
    let fresh = lock::check(&lock, profile, &key, &pulled.current());
    if mode == LockMode::Locked {
        fresh.require(&lock_file, profile, &key)?;
    }
    Ok(RegistryBase {
        write: fresh != Freshness::Fresh && mode != LockMode::Locked,
        pulled,
        lock_file,
        lock,
    })
}

impl RegistryBase {
    /// Records the base in the lock when its entry is not fresh (atomically, mode
    /// [`lock::MODE`]); the file written, if any.
    pub fn write_lock(&self, profile: &str) -> anyhow::Result<Option<&Path>> {
        if !self.write {
            return Ok(None);
        }
        let mut lock = self.lock.clone();
        lock.set(self.pulled.lock_entry(profile));
        crate::privfs::replace_mode(&self.lock_file, lock.render().as_bytes(), lock::MODE)
            .map_err(|e| {
                failure(
                    Exit::Toolchain,
                    format!(
                        "writing `{}`: {e}",
                        crate::sanitize::escape::path(&self.lock_file)
                    ),
                )
            })?;
        Ok(Some(&self.lock_file))
    }
}

/// Where `--push` goes: the repository, and the tags the index is put under (none
/// beyond the reference's own when it names one).
#[derive(Debug, Clone)]
pub struct Push {
    pub dest: Reference,
    pub tags: Vec<String>,
}

/// `image.repository` as a reference: Docker's grammar (lowercase path components, an
/// optional registry host), naming neither a tag nor a digest. Checked whenever the key is
/// set, pushed or not: it is also the name in docker-archive `RepoTags` and the title.
pub fn repository(repo: &Sourced<String>) -> anyhow::Result<Reference> {
    let what = format!("{}image.repository", at(&repo.source));
    let r = Reference::parse(&repo.value)
        .map_err(|e| usage(format!("{what}: `{}`: {}", repo.value, e.message)))?;
    if r.digest.is_some() || r.tag.is_some() {
        return Err(usage(format!(
            "{what}: `{}` names a {}; the repository is named alone and image.tags gives the tags",
            repo.value,
            if r.digest.is_some() { "digest" } else { "tag" }
        )));
    }
    Ok(r)
}

/// The destination of `--push` (`""`: `--push` alone, to `image.repository` under every
/// tag; else `REF`, under its tag, or every tag when it names none). Exit 2 naming the
/// key or the flag for what cannot be pushed to.
pub fn destination(push: &str, image: &ImageSettings, tags: &[String]) -> anyhow::Result<Push> {
    let repo_only = |r: &Reference, what: &str| -> anyhow::Result<()> {
        if r.digest.is_some() {
            return Err(usage(format!(
                "{what}: `{r}` names a digest; push to a repository or a tag"
            )));
        }
        Ok(())
    };
    if push.is_empty() {
        let Some(repo) = &image.repository else {
            return Err(usage(format!(
                "{}image.repository: --push alone pushes to image.repository:TAG of every tag, \
                 and the image table names no repository; set repository = \"HOST/NAME\" or \
                 give --push=HOST/NAME:TAG",
                at(&image.table)
            )));
        };
        let r = repository(repo)?;
        return Ok(Push {
            dest: r,
            tags: tags.to_vec(),
        });
    }
    let r = Reference::parse(push).map_err(|e| usage(format!("--push={push}: {}", e.message)))?;
    repo_only(&r, &format!("--push={push}"))?;
    let tags = if r.tag.is_some() {
        Vec::new()
    } else {
        tags.to_vec()
    };
    Ok(Push { dest: r, tags })
}

/// Pushes each referrer into `push`'s repository (after the image): the referrers API,
/// else the `sha256-<hex>` tag of its subject. Each manifest's digest and how it is
/// listed, and the credentials and tokens used (for masking other output).
pub fn push_referrers(
    ctx: &Context,
    push: &Push,
    attached: &[super::referrers::Attached],
    insecure: &[String],
) -> anyhow::Result<(Vec<(String, crate::registry::Via)>, Secrets)> {
    if attached.is_empty() {
        return Ok((Vec::new(), Secrets::default()));
    }
    let options = options(ctx, &push.dest.registry, insecure);
    let fail = |e: RegistryError| {
        registry_failure(
            &format!("--push {} (referrers): ", push.dest),
            e,
            &push.dest.registry,
            insecure,
        )
    };
    let client =
        crate::registry::Client::for_reference(&push.dest, &ctx.host, &options).map_err(fail)?;
    let mut out = Vec::new();
    for a in attached {
        let r = crate::registry::publish::push_artifact(
            &client,
            &push.dest.repository,
            &a.artifact(),
            &a.subject,
        )
        .map_err(fail)?;
        out.push(r);
    }
    Ok((out, client.secrets()))
}

/// Pushes the assembled image to `push` (the base's layers mounted from its repository
/// when it is in the same registry).
pub fn push(
    ctx: &Context,
    image: &Assembled,
    push: &Push,
    base: Option<&RegistryBase>,
    insecure: &[String],
) -> anyhow::Result<PushedImage> {
    let options = options(ctx, &push.dest.registry, insecure);
    let mount = base.map(|b| &b.pulled.mount);
    crate::registry::publish::push_image(image, &push.dest, &push.tags, mount, &ctx.host, &options)
        .map_err(|e| {
            registry_failure(
                &format!("--push {}: ", push.dest),
                e,
                &push.dest.registry,
                insecure,
            )
        })
}

/// Doctor's `lock` line about the profile's registry base: `None` when the profile has
/// no image on a registry base. `Ok(message)` when the lock holds the base at the
/// digest its tag names now, for every linux target; `Err((message, fix))` when the
/// lock is missing, unreadable, stale or moved, or the registry could not be asked.
pub fn doctor_line(ctx: &Context) -> Option<Result<String, (String, String)>> {
    let image = ctx.profile.image.as_ref()?;
    let (super::settings::BaseRef::Registry(r), _) = super::settings::base_ref(image).ok()? else {
        return None;
    };
    let file = lock_file(ctx);
    let profile = ctx.profile.name.as_str();
    let key = r.to_string();
    let lock = match Lock::load(&file) {
        Ok(l) => l.unwrap_or_default(),
        Err(e) => {
            return Some(Err((
                format!("{e:#}"),
                "correct or remove the lock file; `cargo xbuild-go image --update-lock` writes it again".into(),
            )))
        }
    };
    let Some(entry) = lock.get(profile, &key) else {
        let why = Freshness::Missing
            .describe(&file, profile, &key)
            .unwrap_or_default();
        return Some(Err((
            why,
            "run `cargo xbuild-go image` once (it records the base) and commit xbuild-go.lock"
                .into(),
        )));
    };
    let insecure = insecure(&[], image);
    let options = options(ctx, &r.registry, &insecure);
    let current = match base::current_digest(&r, &ctx.host, &options) {
        Ok(d) => d,
        Err(e) => {
            return Some(Err((
                format!("cannot tell whether the lock of `{key}` is current: {}", e.message),
                "check the registry and the credentials (docs/registry.md); runs still use the locked digest".into(),
            )))
        }
    };
    let mut missing: Vec<String> = Vec::new();
    for t in ctx
        .profile
        .targets
        .value
        .iter()
        .filter(|t| t.goos() == "linux")
    {
        let p = Platform::of_target(t).to_string();
        if !entry.platforms.contains_key(&p) && !missing.contains(&p) {
            missing.push(p);
        }
    }
    let fresh = if current != entry.digest {
        Freshness::Moved {
            locked: entry.digest.clone(),
            current,
        }
    } else if !missing.is_empty() {
        Freshness::PlatformsDiffer { platforms: missing }
    } else {
        Freshness::Fresh
    };
    Some(match fresh.describe(&file, profile, &key) {
        None => Ok(format!(
            "{} locks `{key}` at {} (its tag's digest now)",
            crate::sanitize::escape::path(&file),
            entry.digest
        )),
        Some(why) => Err((
            format!("stale lock: {why}"),
            "`cargo xbuild-go image --update-lock` follows the tag (commit the new lock); \
             default runs keep the locked digest, --locked fails"
                .into(),
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Source;

    fn settings(repository: Option<&str>, insecure: &[&str]) -> ImageSettings {
        ImageSettings {
            table: Source::BuiltIn,
            base: None,
            repository: repository.map(|r| Sourced::new(r.to_string(), Source::BuiltIn)),
            tags: Sourced::new(vec!["{version}".into()], Source::BuiltIn),
            path: Sourced::new("/usr/local/bin/{name}".into(), Source::BuiltIn),
            entrypoint: None,
            cmd: None,
            user: None,
            workdir: None,
            env: None,
            labels: None,
            annotations: None,
            ports: None,
            insecure_registries: (!insecure.is_empty()).then(|| {
                Sourced::new(
                    insecure.iter().map(|s| s.to_string()).collect(),
                    Source::BuiltIn,
                )
            }),
        }
    }

    #[test]
    fn push_destinations_follow_the_flag_then_the_repository() {
        let tags = vec!["1.2.0".to_string(), "latest".to_string()];
        for (case, push, repository, want) in [
            (
                "--push alone",
                "",
                Some("127.0.0.1:5000/app"),
                Ok(("127.0.0.1:5000/app", vec!["1.2.0", "latest"])),
            ),
            (
                "docker rules",
                "",
                Some("hello"),
                Ok(("docker.io/library/hello", vec!["1.2.0", "latest"])),
            ),
            (
                "REF with a tag: that tag alone",
                "127.0.0.1:5000/other:v9",
                None,
                Ok(("127.0.0.1:5000/other:v9", vec![])),
            ),
            (
                "REF without a tag: every tag",
                "127.0.0.1:5000/other",
                Some("ignored.test/x"),
                Ok(("127.0.0.1:5000/other", vec!["1.2.0", "latest"])),
            ),
            ("no repository", "", None, Err("image.repository")),
            (
                "a repository naming a tag",
                "",
                Some("127.0.0.1:5000/app:1"),
                Err("names a tag"),
            ),
            (
                "REF naming a digest",
                "127.0.0.1:5000/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                None,
                Err("names a digest"),
            ),
            ("REF that is none", "Not A Ref", None, Err("--push=Not A Ref")),
        ] {
            let got = destination(push, &settings(repository, &[]), &tags);
            match (got, want) {
                (Ok(p), Ok((dest, t))) => {
                    assert_eq!(p.dest.to_string(), dest, "case {case}");
                    assert_eq!(p.tags, t, "case {case}");
                }
                (Err(e), Err(needle)) => {
                    assert!(format!("{e}").contains(needle), "case {case}: {e}");
                    assert_eq!(crate::error::exit_for(&e), Exit::Usage, "case {case}");
                }
                (got, _) => panic!("case {case}: {got:?}"),
            }
        }
    }

    #[test]
    fn insecure_registries_add_up_and_allow_plain_http() {
        let s = settings(None, &["reg.lan:5000", "b.lan"]);
        let all = insecure(&["b.lan".into(), "flag.lan".into()], &s);
        assert_eq!(all, ["b.lan", "flag.lan", "reg.lan:5000"]);
        for (host, want) in [
            ("reg.lan:5000", true),
            ("reg.lan:5001", false),
            ("flag.lan:443", true),
            ("other.lan", false),
            ("127.0.0.1:5000", true),
        ] {
            assert_eq!(http::plain_allowed(host, &all), want, "case {host}");
        }
        // A host not named yet gets the hint; one named already does not.
        for (host, hint) in [("other.lan", true), ("reg.lan:5000", false)] {
            let why = format!("cannot reach registry `{host}`");
            let e = registry_failure(
                "x: ",
                RegistryError::new(Kind::Unreachable, why),
                host,
                &all,
            );
            let shown = format!("{e}");
            let found = if hint {
                shown.contains(&format!("--insecure-registry {host}"))
            } else {
                shown.contains("--insecure-registry")
            };
            assert_eq!(found, hint, "case {host}: {e}");
        }
    }
}
