//! Doctor's `cache.program` row (issue 22): the remote Go build cache program a build
//! would use (the profile's `cache-program`, `--cache-program`, else a host or `go env
//! -w` GOCACHEPROG), found, hashed, the go found able to run it (1.24+), and a live
//! handshake: started, its `KnownCommands` line read within a timeout, closed.

use std::collections::BTreeMap;

use super::check::{Check, Inputs, Level};
use crate::profile::ResolvedProfile;
use crate::toolchain::cacheprog::{self, HANDSHAKE_TIMEOUT, NO_CACHE_HINT};

const ID: &str = "cache.program";

/// The command a build would give its cache program, and where it came from.
fn wanted(p: &ResolvedProfile, own: &BTreeMap<String, String>) -> Option<(String, String)> {
    match p.cache_program.value.as_deref() {
        Some("") => None,
        Some(c) => Some((
            c.to_string(),
            match &p.cache_program.source {
                crate::profile::Source::Flag(f) => f.to_string(),
                s => format!("cache-program ({s})"),
            },
        )),
        None => own
            .get("GOCACHEPROG")
            .filter(|c| !c.trim().is_empty())
            .map(|c| {
                (
                    c.clone(),
                    "GOCACHEPROG of the host or go env -w file".to_string(),
                )
            }),
    }
}

/// The row, or none when no cache program is configured.
pub(super) fn cache_line(
    p: &ResolvedProfile,
    i: &Inputs,
    own: &BTreeMap<String, String>,
) -> Option<Check> {
    let (command, from) = wanted(p, own)?;
    let version = i.go.as_ref().ok().and_then(|g| g.parsed_version());
    let program = match cacheprog::resolve(
        &command,
        &from,
        &p.cache_program_env.value,
        i.host,
        i.work_dir,
        version.as_ref(),
    ) {
        Ok(program) => program,
        Err(e) => {
            return Some(Check::with_fix(
                Level::Error,
                ID,
                format!("{e:#}"),
                format!("install the program or correct the command, or {NO_CACHE_HINT}"),
            ))
        }
    };
    // The program sees go's environment plus its cache-program-env variables.
    let mut env = own.clone();
    for k in &program.env_names {
        if let Some(v) = i.host.get(k) {
            env.insert(k.clone(), v.clone());
        }
    }
    let shown = program.shown_command();
    Some(
        match cacheprog::handshake(&program, &env, HANDSHAKE_TIMEOUT) {
            Ok(known) => Check::ok(
                ID,
                format!(
                    "{shown} (sha256 {}, from {from}): found, go supports GOCACHEPROG, handshake \
                 answered with commands {}",
                    program.sha256,
                    known.join(", ")
                ),
            ),
            Err(e) => Check::with_fix(
                Level::Error,
                ID,
                format!("{shown} (from {from}): {e}"),
                format!(
                    "check that the program speaks Go's GOCACHEPROG protocol and that its cache \
                 server is reachable, or {NO_CACHE_HINT}"
                ),
            ),
        },
    )
}
