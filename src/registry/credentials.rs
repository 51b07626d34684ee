//! Finding a registry's credentials the way docker, podman and crane do, in the files
//! they write, and saying which source was used (never its value).
//!
//! The files, first that has an entry for the registry wins:
//! 1. `$REGISTRY_AUTH_FILE` (podman, skopeo, buildah: named on purpose, so first);
//! 2. `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json` (docker, crane);
//! 3. `${XDG_RUNTIME_DIR}/containers/auth.json`, then `~/.config/containers/auth.json`
//!    (podman's defaults).
//!
//! In each, as docker reads it: `credHelpers[registry]` (a helper for that registry),
//! else `credsStore` (a helper for every registry), else `auths[registry]` with a
//! base64 `auth` (`user:password`), `username`/`password`, an `identitytoken` (an
//! OAuth2 refresh token for the token service) or a `registrytoken` (a bearer token).
//! `auths` keys match by host: `https://127.0.0.1:5000/v2/` is `127.0.0.1:5000`, and
//! `https://index.docker.io/v1/`, `index.docker.io` and `registry-1.docker.io` are
//! `docker.io`. A helper that knows no credentials for the registry, or an empty entry,
//! passes on to the next file; none anywhere is anonymous access.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use super::helper::{self, Answer};
use super::reference::{DOCKER_HUB, DOCKER_HUB_API};
use super::{Kind, RegistryError};
use crate::sanitize::escape;

/// The largest credentials file read.
pub const MAX_CONFIG: u64 = 4 << 20;

/// What the registry is asked with.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    Anonymous,
    Basic {
        username: String,
        password: String,
    },
    /// An OAuth2 refresh token, exchanged at the token service.
    IdentityToken(String),
    /// A bearer token used as it is.
    RegistryToken(String),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the values.
        f.write_str(match self {
            Credential::Anonymous => "Anonymous",
            Credential::Basic { .. } => "Basic(***)",
            Credential::IdentityToken(_) => "IdentityToken(***)",
            Credential::RegistryToken(_) => "RegistryToken(***)",
        })
    }
}

impl Credential {
    /// The secret values, for the redaction layer.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Credential::Anonymous => Vec::new(),
            Credential::Basic { username, password } => {
                let b64 = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{password}"));
                vec![password.clone(), b64]
            }
            Credential::IdentityToken(t) | Credential::RegistryToken(t) => vec![t.clone()],
        }
    }
}

/// A credential and where it came from, in words (`auths entry "127.0.0.1:5000" of
/// /home/u/.docker/config.json`).
#[derive(Debug, Clone)]
pub struct Found {
    pub credential: Credential,
    pub source: String,
}

impl Found {
    /// No credential; `source` says where none was found.
    pub fn anonymous(source: impl Into<String>) -> Found {
        Found {
            credential: Credential::Anonymous,
            source: source.into(),
        }
    }
}

#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
    #[serde(default)]
    registrytoken: Option<String>,
}

/// The registry a config key names: scheme and path dropped, lower-case, Docker Hub's
/// aliases as `docker.io`.
pub fn key_host(key: &str) -> String {
    let k = key.trim();
    let k = k.split_once("://").map_or(k, |(_, rest)| rest);
    let k = k.split('/').next().unwrap_or(k).to_ascii_lowercase();
    match k.as_str() {
        "index.docker.io" | DOCKER_HUB_API => DOCKER_HUB.to_string(),
        _ => k,
    }
}

/// The server URL a credential helper is asked about (Docker Hub's is its v1 URL, as
/// `docker login` stores it).
pub fn helper_server(registry: &str) -> String {
    if key_host(registry) == DOCKER_HUB {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    }
}

/// The credential files to look in, in order, for the environment `env`.
pub fn files(env: &BTreeMap<String, String>) -> Vec<PathBuf> {
    let var = |k: &str| env.get(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut out = Vec::new();
    out.extend(var("REGISTRY_AUTH_FILE"));
    match var("DOCKER_CONFIG") {
        Some(d) => out.push(d.join("config.json")),
        None => out.extend(var("HOME").map(|h| h.join(".docker/config.json"))),
    }
    out.extend(var("XDG_RUNTIME_DIR").map(|d| d.join("containers/auth.json")));
    out.extend(var("HOME").map(|h| h.join(".config/containers/auth.json")));
    out
}

fn broken(path: &Path, why: impl fmt::Display) -> RegistryError {
    RegistryError::new(
        Kind::Credentials,
        format!("credentials file `{}`: {why}", escape::path(path)),
    )
}

/// The credential for `registry` (as references name it) in the files of `env`.
pub fn find(registry: &str, env: &BTreeMap<String, String>) -> Result<Found, RegistryError> {
    let mut looked = Vec::new();
    for path in files(env) {
        if !path.exists() {
            continue;
        }
        looked.push(escape::path(&path));
        let bytes = crate::input::file::read(&path, MAX_CONFIG).map_err(|e| broken(&path, e))?;
        crate::input::json::no_duplicate_keys(&bytes).map_err(|e| broken(&path, e))?;
        // serde's messages may quote a value: only the position is shown.
        let config: ConfigFile = serde_json::from_slice(&bytes).map_err(|e| {
            broken(
                &path,
                format!(
                    "not a docker/containers auth file (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        if let Some(found) = in_file(&config, &path, registry, env)? {
            return Ok(found);
        }
    }
    Ok(Found::anonymous(if looked.is_empty() {
        "no credentials (no credentials file exists)".to_string()
    } else {
        format!(
            "no credentials (none for `{registry}` in {})",
            looked.join(", ")
        )
    }))
}

/// The credential `config` (read from `path`) holds for `registry`, if any.
fn in_file(
    config: &ConfigFile,
    path: &Path,
    registry: &str,
    env: &BTreeMap<String, String>,
) -> Result<Option<Found>, RegistryError> {
    let want = key_host(registry);
    // An exact key first, then any key naming the same host.
    let matching = |keys: Vec<&String>| -> Option<String> {
        keys.iter()
            .find(|k| k.as_str() == registry)
            .or_else(|| keys.iter().find(|k| key_host(k) == want))
            .map(|k| k.to_string())
    };
    let shown = escape::path(path);
    let helper = matching(config.cred_helpers.keys().collect())
        .map(|k| {
            (
                config.cred_helpers[&k].clone(),
                format!("credHelpers entry `{k}`"),
            )
        })
        .or_else(|| {
            config
                .creds_store
                .clone()
                .filter(|s| !s.is_empty())
                .map(|s| (s, "credsStore".to_string()))
        });
    if let Some((name, how)) = helper {
        let program =
            helper::locate(&name, env).map_err(|e| broken(path, format!("{how}: {e}")))?;
        let source = format!("credential helper `docker-credential-{name}` ({how} of {shown})");
        let answer = helper::get(&program, &helper_server(registry), env)
            .map_err(|e| RegistryError::new(Kind::Credentials, format!("{source}: {e}")))?;
        return Ok(match answer {
            Answer::Basic(username, password) => Some(Found {
                credential: Credential::Basic { username, password },
                source,
            }),
            Answer::IdentityToken(t) => Some(Found {
                credential: Credential::IdentityToken(t),
                source,
            }),
            Answer::NotFound => None,
        });
    }
    let Some(key) = matching(config.auths.keys().collect()) else {
        return Ok(None);
    };
    let entry = &config.auths[&key];
    let source = format!("auths entry `{}` of {shown}", escape::text(&key));
    let field = |f: &str| format!("auths entry `{}`: `{f}`", escape::text(&key));
    let credential = if let Some(t) = entry.identitytoken.as_ref().filter(|t| !t.is_empty()) {
        Credential::IdentityToken(t.clone())
    } else if let Some(t) = entry.registrytoken.as_ref().filter(|t| !t.is_empty()) {
        Credential::RegistryToken(t.clone())
    } else if let Some(a) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(a.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .ok_or_else(|| {
                broken(
                    path,
                    format!("{} is not base64 of UTF-8 text", field("auth")),
                )
            })?;
        let (username, password) = decoded.split_once(':').ok_or_else(|| {
            broken(
                path,
                format!("{} does not decode to user:password", field("auth")),
            )
        })?;
        Credential::Basic {
            username: username.to_string(),
            password: password.to_string(),
        }
    } else if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
        Credential::Basic {
            username: u.clone(),
            password: p.clone(),
        }
    } else {
        return Ok(None);
    };
    Ok(Some(Found { credential, source }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|&(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn keys_match_by_host() {
        for (key, want) in [
            ("https://index.docker.io/v1/", "docker.io"),
            ("index.docker.io", "docker.io"),
            ("registry-1.docker.io", "docker.io"),
            ("docker.io", "docker.io"),
            ("https://127.0.0.1:5000/v2/", "127.0.0.1:5000"),
            ("http://Reg.Example", "reg.example"),
            ("ghcr.io/team", "ghcr.io"),
        ] {
            assert_eq!(key_host(key), want, "case {key}");
        }
        assert_eq!(helper_server("docker.io"), "https://index.docker.io/v1/");
        assert_eq!(helper_server("127.0.0.1:5000"), "127.0.0.1:5000");
    }

    #[test]
    fn files_are_looked_at_in_order() {
        let e = env(&[
            ("REGISTRY_AUTH_FILE", "/a/auth.json"),
            ("DOCKER_CONFIG", "/d"),
            ("XDG_RUNTIME_DIR", "/run/user/1"),
            ("HOME", "/h"),
        ]);
        let got: Vec<String> = files(&e).iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            got,
            [
                "/a/auth.json",
                "/d/config.json",
                "/run/user/1/containers/auth.json",
                "/h/.config/containers/auth.json"
            ]
        );
        let got: Vec<String> = files(&env(&[("HOME", "/h")]))
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(
            got,
            ["/h/.docker/config.json", "/h/.config/containers/auth.json"]
        );
    }

    #[test]
    fn entries_of_each_form_are_read_and_the_source_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let b64 = base64::engine::general_purpose::STANDARD.encode("alice:s3cret:with:colons");
        let text = format!(
            r#"{{"auths": {{
                "https://127.0.0.1:5000/v2/": {{"auth": "{b64}"}},
                "plain.example": {{"username": "bob", "password": "pw123456"}},
                "id.example": {{"identitytoken": "refresh-token-1"}},
                "tok.example": {{"registrytoken": "bearer-token-1"}},
                "empty.example": {{}},
                "bad.example": {{"auth": "!!!"}},
                "nocolon.example": {{"auth": "{}"}}
            }}}}"#,
            base64::engine::general_purpose::STANDARD.encode("nocolon")
        );
        std::fs::write(&path, text).unwrap();
        let e = env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())]);
        let basic = |u: &str, p: &str| Credential::Basic {
            username: u.into(),
            password: p.into(),
        };
        for (registry, want, source) in [
            (
                "127.0.0.1:5000",
                basic("alice", "s3cret:with:colons"),
                "auths entry `https://127.0.0.1:5000/v2/`",
            ),
            (
                "plain.example",
                basic("bob", "pw123456"),
                "auths entry `plain.example`",
            ),
            (
                "id.example",
                Credential::IdentityToken("refresh-token-1".into()),
                "auths entry `id.example`",
            ),
            (
                "tok.example",
                Credential::RegistryToken("bearer-token-1".into()),
                "auths entry `tok.example`",
            ),
            (
                "empty.example",
                Credential::Anonymous,
                "no credentials (none for `empty.example`",
            ),
            (
                "other.example",
                Credential::Anonymous,
                "no credentials (none for `other.example`",
            ),
        ] {
            let found = find(registry, &e).unwrap_or_else(|e| panic!("case {registry}: {e}"));
            assert_eq!(found.credential, want, "case {registry}");
            assert!(
                found.source.starts_with(source),
                "case {registry}: {}",
                found.source
            );
        }
        for (registry, needle) in [
            ("bad.example", "`auth` is not base64"),
            ("nocolon.example", "does not decode to user:password"),
        ] {
            let err = find(registry, &e).unwrap_err();
            assert_eq!(err.kind, Kind::Credentials, "case {registry}");
            assert!(
                err.message.contains(needle),
                "case {registry}: {}",
                err.message
            );
        }
        assert_eq!(format!("{:?}", basic("alice", "s3cret")), "Basic(***)");
    }

    #[test]
    fn broken_files_are_named_without_their_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        for (text, needle) in [
            (
                r#"{"auths": {"h": {"auth": ["hunter2-secret"]}}}"#,
                "line 1",
            ),
            (r#"{"auths": {}, "auths": {}}"#, "auths"),
            ("not json", "not a docker/containers auth file"),
        ] {
            std::fs::write(&path, text).unwrap();
            let e = env(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())]);
            let err = find("h", &e).unwrap_err();
            assert!(err.message.contains(needle), "case {text}: {}", err.message);
            assert!(
                err.message.contains("config.json"),
                "case {text}: {}",
                err.message
            );
            assert!(
                !err.message.contains("hunter2"),
                "case {text}: {}",
                err.message
            );
        }
    }

    #[test]
    fn helper_names_cannot_be_paths() {
        for name in ["../x", "a/b", "", "x y"] {
            assert!(!helper::name_ok(name), "case {name:?}");
        }
        assert!(helper::name_ok("desktop.exe"));
        assert!(helper::name_ok("ecr-login"));
    }
}
