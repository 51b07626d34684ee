//! One registry's session: the ping (`GET /v2/`: which scheme answers, and which
//! challenge), then every request with the authorization it needs: none, Basic, or a
//! Bearer token from the challenge's realm for the request's scopes (`repository:NAME:
//! pull[,push]`), fetched with the credential (Basic, or an identity token as an OAuth2
//! refresh token) and cached per scope set. A 401 is answered once: the challenge it
//! carries is taken (with any scope it adds) and a fresh token fetched; a second 401
//! is an error naming the credential source. Every credential and token is registered
//! with the redaction layer, and every error leaving the session is masked by it.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use base64::Engine as _;
use serde::Deserialize;
use ureq::http::Method;

use super::challenge::{self, Challenge};
use super::credentials::{Credential, Found};
use super::http::{self, Body, Http, Request, Response};
use super::reference::api_host;
use super::{Kind, Options, RegistryError, MAX_SMALL};
use crate::sanitize::redact::Secrets;

/// What a request needs of a repository.
#[derive(Debug, Clone, Copy)]
pub enum Access<'a> {
    Pull(&'a str),
    Push(&'a str),
}

impl Access<'_> {
    /// The token scope: `repository:NAME:pull` or `repository:NAME:pull,push`.
    pub fn scope(&self) -> String {
        match self {
            Access::Pull(r) => format!("repository:{r}:pull"),
            Access::Push(r) => format!("repository:{r}:pull,push"),
        }
    }
}

#[derive(Clone)]
struct Ping {
    /// `https://host:port`, or `http://` for a host that may be plain and has no TLS.
    base: String,
    /// `None`: the registry let the ping in without credentials.
    challenge: Option<Challenge>,
}

#[derive(Default)]
struct State {
    ping: Option<Ping>,
    tokens: BTreeMap<String, String>,
    secret_values: Vec<String>,
    secrets: Secrets,
}

/// A session with one registry.
pub struct Session {
    pub http: Http,
    /// The registry as references name it.
    pub registry: String,
    found: Found,
    state: Mutex<State>,
}

/// What a query or form value keeps as it is: RFC 3986's unreserved characters.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a query or form value (unreserved characters kept).
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

/// The challenge a client answers among several: Bearer with a realm first, then Basic.
fn pick(headers: &[&str]) -> Option<Challenge> {
    let all: Vec<Challenge> = headers.iter().flat_map(|h| challenge::parse(h)).collect();
    all.iter()
        .find(|c| c.scheme == "bearer" && c.param("realm").is_some())
        .or_else(|| all.iter().find(|c| c.scheme == "basic"))
        .or_else(|| all.first())
        .cloned()
}

#[derive(Deserialize)]
struct TokenReply {
    #[serde(default)]
    token: String,
    #[serde(default)]
    access_token: String,
}

impl Session {
    pub fn new(registry: &str, found: Found, options: &Options) -> Session {
        let s = Session {
            http: Http::new(options),
            registry: registry.to_string(),
            found,
            state: Mutex::new(State::default()),
        };
        for v in s.found.credential.secrets() {
            s.register(&v);
        }
        s
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the credential came from, in words (never its value).
    pub fn source(&self) -> &str {
        &self.found.source
    }

    /// Registers a secret value with the redaction layer.
    fn register(&self, value: &str) {
        let mut st = self.state();
        if value.is_empty() || st.secret_values.iter().any(|v| v == value) {
            return;
        }
        st.secret_values.push(value.to_string());
        st.secrets = Secrets::collect(
            st.secret_values
                .iter()
                .map(|v| ("REGISTRY_SECRET", v.as_str())),
            std::iter::empty(),
            None,
        );
    }

    /// The session's secrets (credentials and tokens so far), for masking.
    pub fn secrets(&self) -> Secrets {
        self.state().secrets.clone()
    }

    /// `e` with every secret of the session masked.
    pub fn clean(&self, mut e: RegistryError) -> RegistryError {
        e.message = self.state().secrets.clean(&e.message).into_owned();
        e
    }

    /// The scheme and host the registry answers on (`https://h:5000`), pinging it once.
    pub fn base(&self) -> Result<String, RegistryError> {
        self.ping().map(|p| p.base).map_err(|e| self.clean(e))
    }

    fn ping(&self) -> Result<Ping, RegistryError> {
        if let Some(p) = self.state().ping.clone() {
            return Ok(p);
        }
        let host = api_host(&self.registry).to_string();
        let mut schemes = vec!["https"];
        if self.http.plain_allowed(&host) {
            schemes.push("http");
        }
        let mut tried = Vec::new();
        for scheme in schemes {
            let base = format!("{scheme}://{host}");
            let mut req = Request::new(Method::GET, format!("{base}/v2/"));
            let resp = match self.http.fetch(&mut req) {
                Ok(r) => r,
                Err(e) if e.kind == Kind::Unreachable => {
                    tried.push(e.message);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let challenge = match resp.status {
                200..=299 => None,
                401 => pick(&resp.header_all("www-authenticate")),
                status => {
                    let said = resp.error_text();
                    return Err(RegistryError {
                        kind: if status >= 500 { Kind::Unreachable } else { Kind::Protocol },
                        message: format!(
                            "registry `{}`: GET {base}/v2/ answered {status}{}: not an OCI distribution registry, or not now",
                            self.registry,
                            if said.is_empty() { String::new() } else { format!(" ({said})") }
                        ),
                        status: Some(status),
                    });
                }
            };
            let ping = Ping { base, challenge };
            self.state().ping = Some(ping.clone());
            return Ok(ping);
        }
        Err(RegistryError::new(
            Kind::Unreachable,
            format!(
                "cannot reach registry `{}`: tried {}",
                self.registry,
                tried.join("; then ")
            ),
        ))
    }

    /// Sends `req` (its URL absolute, or a path such as `/v2/…` on the registry) with
    /// the authorization `access` needs; GET and HEAD follow redirects. 401 and 403 are
    /// errors; any other status is the caller's to judge.
    pub fn send(
        &self,
        req: &mut Request<'_>,
        access: &[Access<'_>],
    ) -> Result<Response, RegistryError> {
        self.send_inner(req, access).map_err(|e| self.clean(e))
    }

    fn send_inner(
        &self,
        req: &mut Request<'_>,
        access: &[Access<'_>],
    ) -> Result<Response, RegistryError> {
        let ping = self.ping()?;
        if req.url.starts_with('/') {
            req.url = format!("{}{}", ping.base, req.url);
        }
        let mut scopes: Vec<String> = access.iter().map(Access::scope).collect();
        let mut fresh = false;
        loop {
            req.headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
            // Credentials go to the registry's own host only, never to another host
            // an upload's Location names.
            let host = |u: &str| http::origin(u).map(|(_, a)| a.to_ascii_lowercase());
            if host(&req.url) == host(&ping.base) {
                if let Some(a) = self.authorization(&scopes, fresh)? {
                    req.headers.push(("authorization", a));
                }
            }
            let resp = if matches!(req.method, Method::GET | Method::HEAD) {
                self.http.fetch(req)?
            } else {
                self.http.send(req)?
            };
            match resp.status {
                401 if !fresh => {
                    if let Some(ch) = pick(&resp.header_all("www-authenticate")) {
                        if ch.scheme == "bearer" {
                            for s in ch
                                .param("scope")
                                .unwrap_or("")
                                .split(' ')
                                .filter(|s| !s.is_empty())
                            {
                                if !scopes.iter().any(|have| have == s) {
                                    scopes.push(s.to_string());
                                }
                            }
                        }
                        let mut st = self.state();
                        if let Some(p) = st.ping.as_mut() {
                            p.challenge = Some(ch);
                        }
                    }
                    fresh = true;
                }
                401 => return Err(self.refused(req, resp, 401)),
                403 => return Err(self.refused(req, resp, 403)),
                _ => return Ok(resp),
            }
        }
    }

    /// The error of a 401 or 403, naming the credential source.
    fn refused(&self, req: &Request<'_>, resp: Response, status: u16) -> RegistryError {
        let said = resp.error_text();
        let said = if said.is_empty() {
            String::new()
        } else {
            format!(": {said}")
        };
        let shown = req.shown();
        let message = match (status, &self.found.credential) {
            (401, Credential::Anonymous) => format!(
                "registry `{}` needs credentials for {shown} (401 Unauthorized{said}), and there are {}; log in with `docker login {}` (or podman's, or crane's)",
                self.registry,
                self.found.source.strip_prefix("no credentials").map_or(self.found.source.clone(), |r| format!("none{r}")),
                self.registry
            ),
            (401, _) => format!(
                "registry `{}` refused the credentials from {} (401 Unauthorized on {shown}{said})",
                self.registry, self.found.source
            ),
            _ => format!(
                "registry `{}` denied {shown} to {} (403 Forbidden{said})",
                self.registry,
                match self.found.credential {
                    Credential::Anonymous => "anonymous access".to_string(),
                    _ => format!("the credentials from {}", self.found.source),
                }
            ),
        };
        RegistryError {
            kind: if status == 401 {
                Kind::Unauthorized
            } else {
                Kind::Denied
            },
            message,
            status: Some(status),
        }
    }

    /// The `Authorization` value for a request needing `scopes`, fetching a token when
    /// the registry asks for Bearer (`fresh`: never the cached one).
    fn authorization(
        &self,
        scopes: &[String],
        fresh: bool,
    ) -> Result<Option<String>, RegistryError> {
        let challenge = self.state().ping.as_ref().and_then(|p| p.challenge.clone());
        let Some(ch) = challenge else {
            return Ok(None);
        };
        match (ch.scheme.as_str(), &self.found.credential) {
            ("basic", Credential::Basic { username, password }) => {
                let b64 = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{password}"));
                Ok(Some(format!("Basic {b64}")))
            }
            ("bearer", Credential::RegistryToken(t)) => Ok(Some(format!("Bearer {t}"))),
            ("bearer", _) => {
                let key = scopes.join(" ");
                if !fresh {
                    if let Some(t) = self.state().tokens.get(&key) {
                        return Ok(Some(format!("Bearer {t}")));
                    }
                }
                let token = self.fetch_token(&ch, scopes)?;
                self.state().tokens.insert(key, token.clone());
                Ok(Some(format!("Bearer {token}")))
            }
            _ => Ok(None),
        }
    }

    /// A token from the challenge's realm for `scopes`.
    fn fetch_token(&self, ch: &Challenge, scopes: &[String]) -> Result<String, RegistryError> {
        let realm = ch.param("realm").unwrap_or_default();
        if http::origin(realm).is_none() {
            return Err(RegistryError::new(
                Kind::Protocol,
                format!(
                    "registry `{}` names the token realm `{}`, not an http(s) URL",
                    self.registry,
                    crate::sanitize::escape::text(realm)
                ),
            ));
        }
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(s) = ch.param("service") {
            params.push(("service", s.to_string()));
        }
        params.extend(scopes.iter().map(|s| ("scope", s.clone())));
        let query = |params: &[(&str, String)]| {
            params
                .iter()
                .map(|(k, v)| format!("{k}={}", encode(v)))
                .collect::<Vec<_>>()
                .join("&")
        };
        let form;
        let mut req = match &self.found.credential {
            Credential::IdentityToken(t) => {
                params.push(("grant_type", "refresh_token".to_string()));
                params.push(("refresh_token", t.clone()));
                params.push(("client_id", "cargo-xbuild-go".to_string()));
                form = query(&params);
                Request::new(Method::POST, realm)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::Bytes(form.as_bytes()))
            }
            cred => {
                if let Credential::Basic { username, .. } = cred {
                    params.push(("account", username.clone()));
                }
                let sep = if realm.contains('?') { '&' } else { '?' };
                let mut r = Request::new(Method::GET, format!("{realm}{sep}{}", query(&params)));
                if let Credential::Basic { username, password } = cred {
                    let b64 = base64::engine::general_purpose::STANDARD
                        .encode(format!("{username}:{password}"));
                    r = r.header("authorization", format!("Basic {b64}"));
                }
                r
            }
        };
        let resp = if req.method == Method::GET {
            self.http.fetch(&mut req)?
        } else {
            self.http.send(&mut req)?
        };
        let shown = format!("{} {}", req.method, realm);
        match resp.status {
            200..=299 => {}
            401 | 403 => {
                let status = resp.status;
                let said = resp.error_text();
                return Err(RegistryError {
                    kind: Kind::Unauthorized,
                    message: format!(
                        "the token service of registry `{}` refused {} ({shown} answered {}{})",
                        self.registry,
                        match self.found.credential {
                            Credential::Anonymous =>
                                format!("anonymous access ({})", self.found.source),
                            _ => format!("the credentials from {}", self.found.source),
                        },
                        status,
                        if said.is_empty() {
                            String::new()
                        } else {
                            format!(": {said}")
                        }
                    ),
                    status: Some(status),
                });
            }
            s => {
                return Err(RegistryError {
                    kind: if s >= 500 {
                        Kind::Unreachable
                    } else {
                        Kind::Protocol
                    },
                    message: format!(
                        "the token service of registry `{}`: {shown} answered {s}",
                        self.registry
                    ),
                    status: Some(s),
                })
            }
        }
        let bytes = resp.read_bounded(MAX_SMALL, "a token response")?;
        let reply: TokenReply = serde_json::from_slice(&bytes).map_err(|e| {
            RegistryError::new(
                Kind::Protocol,
                format!(
                    "{shown}: the token response is not JSON with `token` (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let token = if reply.token.is_empty() {
            reply.access_token
        } else {
            reply.token
        };
        if token.is_empty() || token.chars().any(|c| c.is_control() || c == ' ') {
            return Err(RegistryError::new(
                Kind::Protocol,
                format!("{shown}: the token response holds no usable `token` or `access_token`"),
            ));
        }
        self.register(&token);
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode("repository:team/app:pull,push"),
            "repository%3Ateam%2Fapp%3Apull%2Cpush"
        );
        assert_eq!(encode("a-b.c_d~"), "a-b.c_d~");
        assert_eq!(encode("é "), "%C3%A9%20");
    }

    #[test]
    fn bearer_is_preferred_to_basic() {
        let c = pick(&[
            r#"Basic realm="b""#,
            r#"Bearer realm="https://t/token",service="s""#,
        ])
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        let c = pick(&[r#"Basic realm="b""#]).unwrap();
        assert_eq!(c.scheme, "basic");
        assert!(pick(&[]).is_none());
    }

    #[test]
    fn credentials_are_masked_in_errors() {
        let found = Found {
            credential: Credential::Basic {
                username: "alice".into(),
                password: "correct-horse-battery".into(),
            },
            source: "test".into(),
        };
        let s = Session::new("127.0.0.1:1", found, &Options::default());
        s.register("token-abcdef-123");
        let e = s.clean(RegistryError::new(
            Kind::Unauthorized,
            "said correct-horse-battery and token-abcdef-123 and YWxpY2U6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5",
        ));
        assert_eq!(e.message, "said *** and *** and ***");
    }
}
