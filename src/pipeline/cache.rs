//! The remote Go build cache of a run (issue 22): which command a plan's build uses
//! (the profile's `cache-program`, else `--cache-program`, else a host or `go env -w`
//! `GOCACHEPROG`; none with `--no-cache-program`), resolved once per distinct command
//! before anything builds, and attached to the plan's environment through the wrapper
//! of [`crate::toolchain::cacheprog`].

use std::sync::{Mutex, OnceLock};

use crate::profile::{GoVersion, ResolvedProfile};
use crate::toolchain::cacheprog::{self, Attached, CacheProgram, Session};
use crate::toolchain::childenv::Origin;
use crate::toolchain::{ChildEnv, HostEnv};

/// The run's cache programs: resolved by command, and the private directory of the
/// wrapper's spec files (removed when the run ends).
#[derive(Debug, Default)]
pub struct CachePrograms {
    session: OnceLock<Session>,
    resolved: Mutex<Vec<(String, CacheProgram)>>,
}

/// The command a build of `profile` would give its cache program, and where it came
/// from; `None` when there is none. A host `GOCACHEPROG` is dropped from `env` when
/// the profile decides (`--no-cache-program`, or its own command).
pub fn wanted(profile: &ResolvedProfile, env: &mut ChildEnv) -> Option<(String, String)> {
    match profile.cache_program.value.as_deref() {
        Some("") => {
            cacheprog::drop_host(env, "--no-cache-program: no cache program this run");
            None
        }
        Some(c) => {
            cacheprog::drop_host(env, "replaced by the profile's cache-program");
            let from = match &profile.cache_program.source {
                crate::profile::Source::Flag(f) => f.to_string(),
                s => format!("cache-program ({s})"),
            };
            Some((c.to_string(), from))
        }
        None => {
            let from = match env.origins.get("GOCACHEPROG") {
                Some(Origin::Host) => "host GOCACHEPROG".to_string(),
                Some(Origin::GoEnvFile { file }) => format!("GOCACHEPROG in {}", file.display()),
                _ => return None,
            };
            let c = env
                .vars
                .get("GOCACHEPROG")
                .filter(|c| !c.trim().is_empty())?;
            Some((c.clone(), from))
        }
    }
}

impl CachePrograms {
    /// The cache program of `command`, resolved on first use (exit 4 when not found or
    /// when `go_version` is older than 1.24).
    pub fn resolve(
        &self,
        command: &str,
        from: &str,
        profile: &ResolvedProfile,
        host: &HostEnv,
        cwd: &std::path::Path,
        go_version: Option<&GoVersion>,
    ) -> anyhow::Result<CacheProgram> {
        if let Ok(known) = self.resolved.lock() {
            if let Some((_, p)) = known.iter().find(|(c, _)| c == command) {
                return Ok(p.clone());
            }
        }
        let p = cacheprog::resolve(
            command,
            from,
            &profile.cache_program_env.value,
            host,
            cwd,
            go_version,
        )?;
        if let Ok(mut known) = self.resolved.lock() {
            known.push((command.to_string(), p.clone()));
        }
        Ok(p)
    }

    /// Resolves the cache program a build of `profile` uses, if any, and sets the
    /// wrapper as `GOCACHEPROG` of `env`.
    pub fn attach(
        &self,
        profile: &ResolvedProfile,
        env: &mut ChildEnv,
        host: &HostEnv,
        cwd: &std::path::Path,
        go_version: Option<&GoVersion>,
    ) -> anyhow::Result<Option<Attached>> {
        let Some((command, from)) = wanted(profile, env) else {
            return Ok(None);
        };
        let program = self.resolve(&command, &from, profile, host, cwd, go_version)?;
        let session = match self.session.get() {
            Some(s) => s,
            None => {
                let s = Session::new(host)?;
                // Another thread may have won: either directory serves.
                let _ = self.session.set(s);
                self.session
                    .get()
                    .ok_or_else(|| anyhow::anyhow!("cache program session vanished"))?
            }
        };
        let attached = session.attach(&program, host)?;
        attached.apply(env);
        Ok(Some(attached))
    }
}

/// A failed `go build` of a plan with a cache program: when the wrapper noted an
/// error of the program, or go's own words name GOCACHEPROG, the failure is the cache
/// program's (exit 4, naming it, suggesting `--no-cache-program`); else it stays go's.
pub fn blame(c: &Attached, e: anyhow::Error, target: &crate::target::Target) -> anyhow::Error {
    let text = format!("{e:#}");
    let said = c.fault().or_else(|| {
        cacheprog::go_blames_program(&text).then(|| {
            text.lines()
                .find(|l| l.contains("GOCACHEPROG"))
                .unwrap_or("")
                .trim()
                .to_string()
        })
    });
    match said {
        Some(said) => crate::error::failure(
            crate::error::Exit::Toolchain,
            format!(
                "the cache program `{}` ({}) failed while building {target}: {}; nothing was \
                 delivered; check it (`cargo xbuild-go doctor`), or {}",
                c.program.shown_command(),
                c.program.from,
                crate::sanitize::redact::urls(said.lines().next().unwrap_or("")),
                cacheprog::NO_CACHE_HINT
            ),
        ),
        None => e,
    }
}
