//! One HTTP request to a registry or its token service, on ureq: HTTPS by default,
//! plain HTTP (or HTTPS with any certificate) only for loopback hosts and those named
//! insecure; connect and read timeouts on every request and a time budget for every
//! body, so nothing hangs; redirects followed by hand (at most
//! [`super::MAX_REDIRECTS`], `Authorization` dropped when the host changes, never from
//! HTTPS down to a host that may not be plain); bodies read up to a bound.

use std::io::Read;
use std::net::Ipv4Addr;
use std::time::Duration;

use ureq::http::{self as h, HeaderMap, Method};

use super::{Kind, Options, RegistryError, MAX_REDIRECTS};

/// `host[:port]` without the port (`[::1]:5000` → `[::1]`).
pub fn host_name(host_port: &str) -> &str {
    if host_port.starts_with('[') {
        return host_port.find(']').map_or(host_port, |i| &host_port[..=i]);
    }
    host_port.split(':').next().unwrap_or(host_port)
}

/// Whether `host[:port]` is a loopback host: `localhost`, `127.0.0.0/8`, `[::1]`.
pub fn is_loopback(host_port: &str) -> bool {
    let name = host_name(host_port).to_ascii_lowercase();
    name == "localhost"
        || name == "[::1]"
        || name.parse::<Ipv4Addr>().is_ok_and(|a| a.is_loopback())
}

/// Whether `host[:port]` may be reached over plain HTTP: a loopback host, or one
/// `insecure` names (as `HOST` or `HOST:PORT`).
pub fn plain_allowed(host_port: &str, insecure: &[String]) -> bool {
    let hp = host_port.to_ascii_lowercase();
    is_loopback(&hp)
        || insecure.iter().any(|i| {
            let i = i.to_ascii_lowercase();
            i == hp || i == host_name(&hp)
        })
}

/// A URL's scheme and authority (`https`, `host:port`), if it is an http(s) URL
/// without credentials in it.
pub fn origin(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some((scheme, authority))
}

/// `location` (absolute, scheme-relative, absolute-path or relative) resolved against
/// the URL it came from.
pub fn join(base: &str, location: &str) -> Option<String> {
    if location.contains("://") {
        origin(location)?;
        return Some(location.to_string());
    }
    let (scheme, authority) = origin(base)?;
    if let Some(rest) = location.strip_prefix("//") {
        let url = format!("{scheme}://{rest}");
        origin(&url)?;
        return Some(url);
    }
    if location.starts_with('/') {
        return Some(format!("{scheme}://{authority}{location}"));
    }
    // Relative to the base's directory (its path without the query).
    let path_start = base.find("://").map_or(0, |i| i + 3) + authority.len();
    let path = &base[path_start..];
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let dir = if dir.is_empty() { "/" } else { dir };
    Some(format!("{scheme}://{authority}{dir}{location}"))
}

/// What a request sends.
pub enum Body<'a> {
    Empty,
    Bytes(&'a [u8]),
}

impl Body<'_> {
    fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
        }
    }
}

/// One request.
pub struct Request<'a> {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body<'a>,
    /// The bytes the response body is expected to hold, for its time budget.
    pub expect: u64,
}

impl<'a> Request<'a> {
    pub fn new(method: Method, url: impl Into<String>) -> Request<'a> {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Body::Empty,
            expect: 0,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Request<'a> {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, body: Body<'a>) -> Request<'a> {
        self.body = body;
        self
    }

    /// `METHOD URL` as messages name a request (credentials in the URL hidden).
    pub fn shown(&self) -> String {
        format!(
            "{} {}",
            self.method,
            crate::sanitize::redact::urls(&self.url)
        )
    }
}

/// A response: status, headers, the URL that answered, and the body still to read.
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub url: String,
    body: ureq::Body,
}

impl Response {
    /// A header's value, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of a header (`WWW-Authenticate` may come several times).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }

    /// The body's `Content-Length`, when it says one.
    pub fn content_length(&self) -> Option<u64> {
        self.header("content-length")?.trim().parse().ok()
    }

    /// The body as a reader (bounded by the request's time budget, not in size).
    pub fn into_reader(self) -> impl Read {
        self.body.into_reader()
    }

    /// The body, at most `max` bytes; a longer one is a [`Kind::TooLarge`] error.
    pub fn read_bounded(self, max: u64, what: &str) -> Result<Vec<u8>, RegistryError> {
        if let Some(n) = self.content_length().filter(|n| *n > max) {
            return Err(too_large(what, n, max));
        }
        let url = self.url.clone();
        let v = crate::input::file::read_up_to(self.into_reader(), 0, max + 1).map_err(|e| {
            RegistryError::new(Kind::Unreachable, format!("reading {what} from {url}: {e}"))
        })?;
        if v.len() as u64 > max {
            return Err(too_large(what, v.len() as u64, max));
        }
        Ok(v)
    }

    /// The first line of an error body (at most 200 characters, escaped), for messages.
    pub fn error_text(self) -> String {
        let bytes = self
            .read_bounded(super::MAX_SMALL, "an error body")
            .unwrap_or_default();
        super::first_line(&bytes)
    }
}

fn too_large(what: &str, n: u64, max: u64) -> RegistryError {
    RegistryError::new(
        Kind::TooLarge,
        format!("{what} is {n} bytes or more; at most {max} are read"),
    )
}

/// The HTTP client of one registry session.
pub struct Http {
    agent: ureq::Agent,
    /// The agent for hosts that may be reached with any certificate.
    lax: ureq::Agent,
    pub options: Options,
}

impl Http {
    pub fn new(options: &Options) -> Http {
        let agent = |verify: bool| -> ureq::Agent {
            let proxy = options
                .proxy
                .as_deref()
                .and_then(|p| ureq::Proxy::new(p).ok());
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .proxy(proxy)
                .user_agent(concat!("cargo-xbuild-go/", env!("CARGO_PKG_VERSION")))
                .timeout_resolve(Some(options.timeouts.connect))
                .timeout_connect(Some(options.timeouts.connect))
                .timeout_send_request(Some(options.timeouts.read))
                .timeout_recv_response(Some(options.timeouts.read))
                .tls_config(
                    ureq::tls::TlsConfig::builder()
                        .disable_verification(!verify)
                        .build(),
                )
                .build()
                .into()
        };
        Http {
            agent: agent(true),
            lax: agent(false),
            options: options.clone(),
        }
    }

    /// Whether `host[:port]` may be reached over plain HTTP.
    pub fn plain_allowed(&self, host_port: &str) -> bool {
        plain_allowed(host_port, &self.options.insecure)
    }

    /// The time a body of `bytes` may take: the read timeout, plus the bytes at the
    /// slowest rate allowed.
    pub fn budget(&self, bytes: u64) -> Duration {
        self.options.timeouts.read
            + Duration::from_secs(bytes / self.options.timeouts.min_rate.max(1))
    }

    /// Sends `req` once, following no redirect. An error means no response came.
    pub fn send(&self, req: &mut Request<'_>) -> Result<Response, RegistryError> {
        let shown = req.shown();
        let (scheme, authority) = origin(&req.url).ok_or_else(|| {
            RegistryError::new(
                Kind::Protocol,
                format!("{shown}: not an http(s) URL without credentials"),
            )
        })?;
        let lax = self.plain_allowed(authority);
        if scheme == "http" && !lax {
            return Err(RegistryError::new(
                Kind::Unreachable,
                format!(
                    "{shown}: plain HTTP to `{authority}` is refused (only loopback hosts and registries named insecure may be reached without TLS)"
                ),
            ));
        }
        let agent = if lax { &self.lax } else { &self.agent };
        let mut b = h::Request::builder()
            .method(req.method.clone())
            .uri(req.url.as_str());
        for (k, v) in &req.headers {
            b = b.header(*k, v.as_str());
        }
        let len = req.body.len();
        if !matches!(req.body, Body::Empty)
            || matches!(req.method, Method::PUT | Method::POST | Method::PATCH)
        {
            b = b.header("content-length", len.to_string());
        }
        let send_budget = self.budget(len);
        let recv_budget = self.budget(req.expect);
        let map = |e: ureq::Error| unreachable(&shown, &e, self);
        let result = match &mut req.body {
            Body::Empty => {
                let r = b.body(()).map_err(|e| bad_request(&shown, e))?;
                let r = agent
                    .configure_request(r)
                    .timeout_recv_body(Some(recv_budget))
                    .build();
                agent.run(r)
            }
            Body::Bytes(bytes) => {
                let r = b.body(*bytes).map_err(|e| bad_request(&shown, e))?;
                let r = agent
                    .configure_request(r)
                    .timeout_send_body(Some(send_budget))
                    .timeout_recv_body(Some(recv_budget))
                    .build();
                agent.run(r)
            }
        };
        let resp = result.map_err(map)?;
        let (parts, body) = resp.into_parts();
        Ok(Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            url: req.url.clone(),
            body,
        })
    }

    /// Sends a GET or HEAD, following redirects: at most [`MAX_REDIRECTS`], the
    /// `Authorization` header dropped once the host is not the first one's.
    pub fn fetch(&self, req: &mut Request<'_>) -> Result<Response, RegistryError> {
        let first_host = origin(&req.url).map(|(_, a)| a.to_ascii_lowercase());
        for _ in 0..=MAX_REDIRECTS {
            let resp = self.send(req)?;
            if !matches!(resp.status, 301 | 302 | 303 | 307 | 308) {
                return Ok(resp);
            }
            let shown = req.shown();
            let location = resp.header("location").map(str::to_string).ok_or_else(|| {
                RegistryError::new(
                    Kind::Protocol,
                    format!("{shown}: redirect ({}) without a Location", resp.status),
                )
            })?;
            let next = join(&req.url, &location).ok_or_else(|| {
                RegistryError::new(
                    Kind::Protocol,
                    format!(
                        "{shown}: redirect to `{}`, not an http(s) URL without credentials",
                        crate::sanitize::escape::text(&location)
                    ),
                )
            })?;
            let host = origin(&next).map(|(_, a)| a.to_ascii_lowercase());
            if host != first_host {
                req.headers
                    .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
            }
            req.url = next;
        }
        Err(RegistryError::new(
            Kind::Protocol,
            format!("{}: more than {MAX_REDIRECTS} redirects", req.shown()),
        ))
    }
}

fn bad_request(shown: &str, e: h::Error) -> RegistryError {
    RegistryError::new(
        Kind::Protocol,
        format!("{shown}: cannot make the request: {e}"),
    )
}

/// Why no response came, in words.
fn unreachable(shown: &str, e: &ureq::Error, http: &Http) -> RegistryError {
    let why = match e {
        ureq::Error::Timeout(t) => match t {
            ureq::Timeout::Resolve | ureq::Timeout::Connect => format!(
                "timed out connecting (limit {} s)",
                http.options.timeouts.connect.as_secs()
            ),
            ureq::Timeout::RecvBody | ureq::Timeout::SendBody => format!(
                "timed out transferring the body (limit {} s plus 1 s per {} KiB)",
                http.options.timeouts.read.as_secs(),
                http.options.timeouts.min_rate >> 10
            ),
            _ => format!(
                "timed out waiting for an answer (limit {} s)",
                http.options.timeouts.read.as_secs()
            ),
        },
        ureq::Error::HostNotFound => "the host name does not resolve".to_string(),
        ureq::Error::Io(io) => format!("{io}"),
        other => other.to_string(),
    };
    RegistryError::new(Kind::Unreachable, format!("{shown}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_named_hosts_may_be_plain() {
        let insecure = vec!["reg.internal".to_string(), "other:5000".to_string()];
        for (host, want) in [
            ("localhost", true),
            ("localhost:5000", true),
            ("LOCALHOST:1", true),
            ("127.0.0.1:5000", true),
            ("127.8.9.10", true),
            ("[::1]:5000", true),
            ("[::1]", true),
            ("reg.internal:443", true),
            ("other:5000", true),
            ("other:5001", false),
            ("128.0.0.1", false),
            ("localhost.example.com", false),
            ("127.0.0.1.example.com", false),
            ("[::2]:5000", false),
            ("ghcr.io", false),
        ] {
            assert_eq!(plain_allowed(host, &insecure), want, "case {host}");
        }
    }

    #[test]
    fn plain_http_to_other_hosts_is_refused_before_connecting() {
        let http = Http::new(&Options::default());
        for url in ["http://registry.example/v2/", "http://10.0.0.1:5000/v2/"] {
            let mut req = Request::new(Method::GET, url);
            let e = http.send(&mut req).err().expect(url);
            assert_eq!(e.kind, Kind::Unreachable, "case {url}");
            assert!(e.message.contains("plain HTTP"), "case {url}: {e}");
        }
        let mut req = Request::new(Method::GET, "https://user:pw@registry.example/v2/");
        let e = http.send(&mut req).err().expect("userinfo");
        assert_eq!(e.kind, Kind::Protocol);
        assert!(!e.message.contains("pw@"), "{e}");
    }

    #[test]
    fn locations_resolve_as_browsers_do() {
        let base = "https://r.example:5000/v2/app/blobs/uploads/?x=1";
        for (loc, want) in [
            (
                "/v2/app/blobs/uploads/abc?_state=s",
                Some("https://r.example:5000/v2/app/blobs/uploads/abc?_state=s"),
            ),
            (
                "abc",
                Some("https://r.example:5000/v2/app/blobs/uploads/abc"),
            ),
            (
                "https://s3.example/b?sig=1",
                Some("https://s3.example/b?sig=1"),
            ),
            ("//cdn.example/x", Some("https://cdn.example/x")),
            ("ftp://x/y", None),
            ("https://user:pw@evil.example/", None),
            ("//user@evil.example/", None),
        ] {
            assert_eq!(join(base, loc).as_deref(), want, "case {loc}");
        }
        assert_eq!(join("http://h:1", "x").as_deref(), Some("http://h:1/x"));
        assert_eq!(origin("https://h:1/v2/"), Some(("https", "h:1")));
        assert_eq!(origin("file:///etc/passwd"), None);
    }
}
