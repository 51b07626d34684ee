//! The OCI distribution client: references, credentials, authentication, pull and
//! push, over one synchronous HTTP stack (ureq with rustls). Beside
//! [`crate::toolchain`] in the layers, as it talks to the outside world (the network,
//! and the credential helpers it runs); it imports `image` for digests and bounds,
//! `toolchain::locate` to find a helper, and the neutral helpers.
//!
//! The room in layers, each file importing only those below it:
//! - [`reference`] (`HOST[:PORT]/REPO[:TAG][@DIGEST]` by Docker's rules) and
//!   [`challenge`] (`WWW-Authenticate` parameters), pure;
//! - [`helper`] (`docker-credential-NAME get`, bounded in time and output), then
//!   [`credentials`] (docker's, podman's and crane's files: which source, never its
//!   value, is reported);
//! - [`http`] (one request: HTTPS unless the host may be plain, timeouts, bounded
//!   redirects and bodies), then [`session`] (the ping, Basic and Bearer tokens, one
//!   refresh on 401, every secret registered for masking);
//! - [`client`] (manifests and blobs, verified while they stream), then [`push`]
//!   (uploads, cross-repository mounts, manifests) and [`referrers`] (the referrers
//!   API and its tag-schema fallback);
//! - [`cache`] (the private, content-addressed OCI layout of pulled bases), then
//!   [`base`] (a registry base pulled into it, fetching only what it lacks) and
//!   [`publish`] (an assembled image pushed, and its referrer artifacts).
//!
//! Every error message leaves this room masked by the session's secrets (the
//! credentials found and the tokens received, through [`crate::sanitize::redact`]) and
//! carries a [`Kind`] that decides its exit code ([`RegistryError::exit`]).

pub mod base;
pub mod cache;
pub mod challenge;
pub mod client;
pub mod credentials;
pub mod helper;
pub mod http;
pub mod publish;
pub mod push;
pub mod reference;
pub mod referrers;
pub mod session;

pub use client::{Client, Described, Manifest};
pub use credentials::{Credential, Found};
pub use push::{BlobData, Pushed};
pub use reference::Reference;
pub use referrers::{Referrers, Via};

use std::fmt;
use std::time::Duration;

use crate::error::{failure, Exit};

/// What went wrong talking to a registry; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A reference, tag or digest as written is not valid (exit 2).
    Reference,
    /// The manifest, tag or blob is not in the registry (exit 2: the user named it).
    NotFound,
    /// The registry could not be reached: name resolution, connection, TLS, timeouts,
    /// a plain-HTTP endpoint that is not allowed (exit 4).
    Unreachable,
    /// 401: the credentials were refused, or none were found (exit 4).
    Unauthorized,
    /// 403: the credentials do not allow this (exit 4).
    Denied,
    /// Content that does not match its digest or its size (exit 4).
    Corrupt,
    /// A response larger than its bound (exit 4).
    TooLarge,
    /// The credentials could not be read: a broken config file, a failing helper
    /// (exit 4).
    Credentials,
    /// An answer the distribution spec does not allow (exit 4).
    Protocol,
    /// The image has no manifest for a platform asked for; the message names those it
    /// has (exit 2: the user asked for it).
    Platform,
    /// The local cache of registry bases could not be used (exit 4).
    Cache,
}

/// An error of the registry client: what failed, and which [`Kind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    pub kind: Kind,
    pub message: String,
    /// The HTTP status, when the registry answered one.
    pub status: Option<u16>,
}

impl RegistryError {
    pub fn new(kind: Kind, message: impl Into<String>) -> RegistryError {
        RegistryError {
            kind,
            message: message.into(),
            status: None,
        }
    }

    /// The exit code this error ends the tool with: 2 for what the user wrote, 4 for
    /// the environment (the registry, the network, the credentials).
    pub fn exit(&self) -> Exit {
        match self.kind {
            Kind::Reference | Kind::NotFound | Kind::Platform => Exit::Usage,
            _ => Exit::Toolchain,
        }
    }

    /// As an `anyhow::Error` whose exit code [`crate::error::exit_for`] finds.
    pub fn into_failure(self) -> anyhow::Error {
        match self.help() {
            Some(h) => crate::error::helped(self.exit(), self.message, h),
            None => failure(self.exit(), self.message),
        }
    }

    /// What to do next, when there is something to say (cargo's `help:` line).
    pub fn help(&self) -> Option<&'static str> {
        match self.kind {
            Kind::NotFound => Some(
                "check the image's repository and tag (`skopeo list-tags docker://REPOSITORY` \
                 lists its tags), or pin a base that exists with `repository@sha256:…`",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RegistryError {}

/// The first non-empty line of what a registry or helper said, at most 200
/// characters, escaped for a message.
pub fn first_line(said: &[u8]) -> String {
    let text = String::from_utf8_lossy(said);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let short: String = line.chars().take(200).collect();
    crate::sanitize::escape::text(&short).into_owned()
}

/// How long a connection may take to open (name resolution included), by default.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the registry may take to send a response's headers, or a small body
/// (a manifest, a token), by default.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The slowest transfer a blob is given time for, by default: a blob of N bytes may
/// take [`READ_TIMEOUT`] plus N / this many seconds to arrive or to be sent.
pub const MIN_RATE: u64 = 256 << 10;
/// Blobs larger than this are uploaded in chunks (`PATCH`) of this size, by default;
/// smaller ones in one `PUT`.
pub const CHUNK_SIZE: u64 = 32 << 20;
/// The most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;
/// The largest token response, error body or referrers page read.
pub const MAX_SMALL: u64 = 1 << 20;

/// How long the client waits, at most.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Opening a connection, name resolution included; default [`CONNECT_TIMEOUT`].
    pub connect: Duration,
    /// An answer's headers, or a small body; default [`READ_TIMEOUT`]. A body of N
    /// bytes gets N / `min_rate` seconds more.
    pub read: Duration,
    /// The slowest transfer given time for, in bytes per second; default [`MIN_RATE`].
    pub min_rate: u64,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            connect: CONNECT_TIMEOUT,
            read: READ_TIMEOUT,
            min_rate: MIN_RATE,
        }
    }
}

/// How the client talks to registries.
#[derive(Debug, Clone)]
pub struct Options {
    /// Hosts (`HOST` or `HOST:PORT`) that may be reached over plain HTTP, or over
    /// HTTPS with any certificate, as Docker's `insecure-registries`; loopback hosts
    /// (`localhost`, `127.0.0.0/8`, `[::1]`) always may. Default: none.
    pub insecure: Vec<String>,
    pub timeouts: Timeouts,
    /// Blobs up to this size go up in one `PUT`, larger ones in `PATCH`es of it;
    /// default [`CHUNK_SIZE`].
    pub chunk_size: u64,
    /// An HTTP(S) proxy URL for every request of the session. Default: none;
    /// [`proxy_for`] picks one from the environment as curl does (none for a
    /// loopback host).
    pub proxy: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            insecure: Vec::new(),
            timeouts: Timeouts::default(),
            chunk_size: CHUNK_SIZE,
            proxy: None,
        }
    }
}

/// The proxy the environment names for `host` (`HTTPS_PROXY`, then `ALL_PROXY`, either
/// case), unless `NO_PROXY` lists it (a name, a `.suffix`, or `*`) or it is a
/// loopback host.
pub fn proxy_for(host: &str, env: &std::collections::BTreeMap<String, String>) -> Option<String> {
    let get = |k: &str| {
        env.get(k)
            .or_else(|| env.get(&k.to_ascii_lowercase()))
            .filter(|v| !v.is_empty())
    };
    if http::is_loopback(host) {
        return None;
    }
    let name = http::host_name(host).to_ascii_lowercase();
    if let Some(no) = get("NO_PROXY") {
        for entry in no.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let entry = entry.to_ascii_lowercase();
            let bare = entry.trim_start_matches('.');
            if entry == "*" || name == bare || name.ends_with(&format!(".{bare}")) {
                return None;
            }
        }
    }
    get("HTTPS_PROXY").or_else(|| get("ALL_PROXY")).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_exit_codes() {
        for (kind, exit) in [
            (Kind::Reference, Exit::Usage),
            (Kind::NotFound, Exit::Usage),
            (Kind::Unreachable, Exit::Toolchain),
            (Kind::Unauthorized, Exit::Toolchain),
            (Kind::Denied, Exit::Toolchain),
            (Kind::Corrupt, Exit::Toolchain),
            (Kind::Credentials, Exit::Toolchain),
            (Kind::Platform, Exit::Usage),
            (Kind::Cache, Exit::Toolchain),
        ] {
            let e = RegistryError::new(kind, "x");
            assert_eq!(e.exit(), exit, "case {kind:?}");
            assert_eq!(
                crate::error::exit_for(&e.into_failure()),
                exit,
                "case {kind:?}"
            );
        }
    }

    #[test]
    fn proxies_follow_the_environment_but_never_for_loopback() {
        let env = |pairs: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
            pairs.iter().map(|&(k, v)| (k.into(), v.into())).collect()
        };
        let e = env(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("NO_PROXY", "internal.example,.corp"),
        ]);
        for (host, want) in [
            ("ghcr.io", Some("http://proxy:3128")),
            ("internal.example:5000", None),
            ("a.corp", None),
            ("corp", None),
            ("127.0.0.1:5000", None),
            ("localhost", None),
            ("[::1]:5000", None),
        ] {
            assert_eq!(proxy_for(host, &e).as_deref(), want, "case {host}");
        }
        let e = env(&[("all_proxy", "http://p:1")]);
        assert_eq!(proxy_for("ghcr.io", &e).as_deref(), Some("http://p:1"));
        assert_eq!(proxy_for("ghcr.io", &env(&[])), None);
    }
}
