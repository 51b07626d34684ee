//! Redaction: what of the host's secrets may reach output. Nothing, by three rules
//! applied here and nowhere else:
//!
//! 1. A variable whose name looks like a credential (`*TOKEN*`, `*SECRET*`,
//!    `*PASSWORD*`, `*PASSWD*`, `*_KEY`, `*AUTH*`, `*CREDENTIAL*`, `*COOKIE*`, `*NETRC*`,
//!    `GOAUTH`) is shown as `***`, wherever its value came from ([`value`]).
//! 2. Credentials in URLs are shown as `user:***@` (or `***@` for a bare token), and
//!    the values of credential-like query keys as `?token=***` (the key kept), in
//!    variable values and in any free text the tool prints ([`urls`]).
//! 3. The values behind rules 1 and 2 in the host environment, the `go env -w` file and
//!    the netrc file are masked as `***` wherever they appear in anything printed or
//!    written: go's and the smoke run's output, error messages, command lines, JSON,
//!    JUnit ([`Secrets::mask`]). Values shorter than [`MIN_SECRET_LEN`] are left to
//!    rules 1 and 2, so a `TOKEN=1` does not blank every `1`.
//!
//! Dropped variables are reported by name and reason only: their values never leave
//! the child environment's builder.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

/// What a hidden value is shown as.
pub const MASK: &str = "***";

/// Secrets shorter than this are not masked in free text (rules 1 and 2 still apply).
pub const MIN_SECRET_LEN: usize = 6;

/// Whether a variable's name says its value is a credential.
pub fn is_credential_name(name: &str) -> bool {
    const PARTS: &[&str] = &[
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "AUTH",
        "CREDENTIAL",
        "COOKIE",
        "NETRC",
        "APIKEY",
        "API_KEY",
        "PRIVATE_KEY",
    ];
    let n = name.to_ascii_uppercase();
    n == "GOAUTH" || n.ends_with("_KEY") || PARTS.iter().any(|p| n.contains(p))
}

/// The value of a build setting when it may be shown as it is: only for variables
/// whose values come from a short closed set (GOOS, GOARCH, CGO_ENABLED, the arch
/// levels, GOTOOLCHAIN, ...) and only when the value looks like one of them. Anything
/// else (GOFLAGS, CC, CGO_CFLAGS, GOEXPERIMENT, GODEBUG, ...) is reported by name.
pub fn setting<'a>(name: &str, value: &'a str) -> Option<&'a str> {
    let plain = !value.is_empty()
        && value.len() <= 32
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ',' | '+' | '-' | '_'));
    (crate::envvars::is_closed_set(name) && plain && !is_credential_name(name)).then_some(value)
}

/// Proxy variables may hold `user:pass@host:port` without a scheme.
fn is_proxy_name(name: &str) -> bool {
    name.to_ascii_uppercase().ends_with("_PROXY")
}

/// A variable's value as it may be shown: `***` for credential-like names (an empty
/// value stays empty), URL credentials hidden otherwise.
pub fn value<'a>(name: &str, value: &'a str) -> Cow<'a, str> {
    if is_credential_name(name) {
        return if value.is_empty() {
            Cow::Borrowed("")
        } else {
            Cow::Borrowed(MASK)
        };
    }
    if is_proxy_name(name) && !value.contains("://") {
        if let Some(hidden) = authority(value, 0) {
            return Cow::Owned(hidden);
        }
    }
    urls(value)
}

/// A whole environment as it may be shown.
pub fn env(vars: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    vars.iter()
        .map(|(k, v)| (k.clone(), value(k, v).into_owned()))
        .collect()
}

/// Where an authority (`[userinfo@]host[:port]`) that starts at `start` ends.
fn authority_end(text: &str, start: usize) -> usize {
    text[start..]
        .find(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '/' | '?' | '#' | '"' | '\'' | '<' | '>' | ',' | '|' | ';' | '\\' | '`'
                )
        })
        .map_or(text.len(), |n| start + n)
}

/// `text` with the userinfo of the authority starting at `start` hidden, if it has one.
fn authority(text: &str, start: usize) -> Option<String> {
    let end = authority_end(text, start);
    let at = text[start..end].rfind('@')? + start;
    let userinfo = &text[start..at];
    let shown = match userinfo.split_once(':') {
        Some((user, _)) if !user.is_empty() => format!("{user}:{MASK}"),
        _ => MASK.to_string(),
    };
    Some(format!("{}{shown}{}", &text[..start], &text[at..]))
}

/// Whether a URL query key says its value is a credential (case-insensitive): `token`,
/// `access_token`, `auth`, `key`, `apikey`, `api_key`, `password`, `secret`,
/// `signature`, `sig`, `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`,
/// `X-Goog-Signature`, `X-Goog-Credential` and the like.
pub fn is_credential_query_key(key: &str) -> bool {
    const EXACT: &[&str] = &[
        "auth", "key", "sig", "pass", "pwd", "code", "jwt", "session", "sas",
    ];
    const PARTS: &[&str] = &[
        "token",
        "secret",
        "password",
        "passwd",
        "signature",
        "credential",
        "apikey",
        "api_key",
        "api-key",
        "authorization",
        "private_key",
        "access_key",
        "session_key",
    ];
    let k = key.trim().to_ascii_lowercase();
    EXACT.contains(&k.as_str())
        || k.ends_with("_key")
        || k.ends_with("-key")
        || PARTS.iter().any(|p| k.contains(p))
}

/// Where the path and query of a URL whose authority ended at `start` of `text` end:
/// at whitespace, a quote, a list separator (`,` `|`) or the next `://`.
fn url_end(text: &str, start: usize) -> usize {
    let tail = &text[start..];
    if !tail.starts_with(['/', '?', '#']) {
        return start;
    }
    let stop = tail
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ',' | '|' | '`'))
        .unwrap_or(tail.len());
    let next = tail[..stop].find("://").unwrap_or(stop);
    start + next.min(stop)
}

/// The credential pairs of a URL's path-and-query `rest`: the value ranges of every
/// `key=value` of its query whose key is credential-like.
fn query_secrets(rest: &str) -> Vec<std::ops::Range<usize>> {
    let Some(q) = rest.find('?') else {
        return Vec::new();
    };
    let end = rest[q..].find('#').map_or(rest.len(), |h| q + h);
    let mut out = Vec::new();
    let mut at = q + 1;
    for pair in rest[q + 1..end].split(['&', ';']) {
        if let Some((k, v)) = pair.split_once('=') {
            if !v.is_empty() && is_credential_query_key(k) {
                let from = at + k.len() + 1;
                out.push(from..from + v.len());
            }
        }
        at += pair.len() + 1;
    }
    out
}

/// Every `scheme://user:password@` in `text` shown as `scheme://user:***@` (and
/// `scheme://token@` as `scheme://***@`), and every credential-like query value
/// (`?token=...`, `&X-Amz-Signature=...`, see [`is_credential_query_key`]) as `***`.
pub fn urls(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !(text.contains('@') || text.contains('?')) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(sep) = rest.find("://") {
        let start = sep + 3;
        let end = authority_end(rest, start);
        match authority(&rest[..end], start) {
            Some(hidden) => out.push_str(&hidden),
            None => out.push_str(&rest[..end]),
        }
        let tail = url_end(rest, end);
        let query = &rest[end..tail];
        let mut shown = 0;
        for r in query_secrets(query) {
            out.push_str(&query[shown..r.start]);
            out.push_str(MASK);
            shown = r.end;
        }
        out.push_str(&query[shown..]);
        rest = &rest[tail..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The secret parts of a value (rules 1 and 2), for masking in free text.
fn secret_parts(name: &str, value: &str, out: &mut Vec<String>) {
    if value.is_empty() {
        return;
    }
    if is_credential_name(name) {
        out.push(value.to_string());
        // A multi-line credential (a key file's content): each line on its own too.
        out.extend(value.lines().map(str::to_string));
    }
    let mut starts: Vec<usize> = value.match_indices("://").map(|(i, _)| i + 3).collect();
    if is_proxy_name(name) && starts.is_empty() {
        starts.push(0);
    }
    for start in starts {
        let end = authority_end(value, start);
        if let Some(at) = value[start..end].rfind('@') {
            let userinfo = &value[start..start + at];
            match userinfo.split_once(':') {
                Some((_, password)) => out.push(password.to_string()),
                None => out.push(userinfo.to_string()),
            }
        }
        let query = &value[end..url_end(value, end)];
        out.extend(
            query_secrets(query)
                .into_iter()
                .map(|r| query[r].to_string()),
        );
    }
}

/// Words of a command line (a cache program's arguments) as they may be shown: URL
/// credentials and credential-like query values hidden ([`urls`]), and the value of a
/// flag whose name looks like a credential (`--access-token=X`, `--access-token X`).
pub fn arguments(words: &[String]) -> Vec<String> {
    let flag = |f: &str| f.trim_start_matches('-').replace('-', "_");
    let mut out = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| words[p].as_str());
        let after_secret_flag = previous.is_some_and(|p| {
            p.starts_with('-') && !p.contains('=') && is_credential_name(&flag(p))
        });
        if after_secret_flag && !w.starts_with('-') {
            out.push(MASK.to_string());
            continue;
        }
        if let Some((name, _)) = w.split_once('=').filter(|_| w.starts_with('-')) {
            if is_credential_name(&flag(name)) {
                out.push(format!("{name}={MASK}"));
                continue;
            }
        }
        out.push(urls(w).into_owned());
    }
    out
}

/// The host's secret values, masked in everything the tool prints or writes. Clones
/// share one list: a secret learnt later ([`Secrets::add`], a registry's credential or
/// token) is masked by every holder from then on.
#[derive(Clone, Default)]
pub struct Secrets {
    /// Each secret and its JSON- and XML-escaped spellings, longest first.
    needles: std::sync::Arc<std::sync::RwLock<Vec<String>>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} spellings)", self.read().len())
    }
}

impl Secrets {
    /// Collects the secrets of the host environment, the `go env -w` file's
    /// `KEY=VALUE` pairs and a netrc file's text (its `password` and `account` tokens).
    pub fn collect<'a>(
        host: impl IntoIterator<Item = (&'a str, &'a str)>,
        goenv: impl IntoIterator<Item = (&'a str, &'a str)>,
        netrc: Option<&str>,
    ) -> Secrets {
        let mut found = Vec::new();
        for (k, v) in host.into_iter().chain(goenv) {
            secret_parts(k, v, &mut found);
        }
        if let Some(text) = netrc {
            let mut words = text.split_whitespace();
            while let Some(w) = words.next() {
                if w == "password" || w == "account" {
                    if let Some(secret) = words.next() {
                        found.push(secret.to_string());
                    }
                }
            }
        }
        let mut needles = Vec::new();
        for s in found {
            let s = s.trim();
            if s.chars().count() < MIN_SECRET_LEN {
                continue;
            }
            let json = serde_json::to_string(s).unwrap_or_default();
            let json = json
                .strip_prefix('"')
                .and_then(|j| j.strip_suffix('"'))
                .unwrap_or(s);
            for spelling in [s, json, &super::escape::xml(s)] {
                if !spelling.is_empty() && !needles.iter().any(|n| n == spelling) {
                    needles.push(spelling.to_string());
                }
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Secrets {
            needles: std::sync::Arc::new(std::sync::RwLock::new(needles)),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<String>> {
        self.needles.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds `other`'s secrets to this list (and so to every clone of it).
    pub fn add(&self, other: &Secrets) {
        if std::sync::Arc::ptr_eq(&self.needles, &other.needles) {
            return;
        }
        let more: Vec<String> = other.read().clone();
        let mut w = self.needles.write().unwrap_or_else(|p| p.into_inner());
        for n in more {
            if !w.contains(&n) {
                w.push(n);
            }
        }
        w.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// `text` with every secret replaced by `***`.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for n in self.read().iter() {
            if out.contains(n.as_str()) {
                out = Cow::Owned(out.replace(n.as_str(), MASK));
            }
        }
        out
    }

    /// Rules 2 and 3 together: what free text becomes before it is shown.
    pub fn clean<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.mask(text) {
            Cow::Borrowed(t) => urls(t),
            Cow::Owned(t) => Cow::Owned(urls(&t).into_owned()),
        }
    }
}

/// A dropped variable as JSON shows it: name, where it was, why; the value is always
/// `***` (the field stays for schema 1 readers).
#[derive(Debug, Serialize)]
pub struct DroppedShown<'a> {
    pub name: &'a str,
    pub value: &'static str,
    pub from: &'a str,
    pub reason: &'a str,
}

/// The dropped list as JSON shows it.
pub fn dropped(list: &[crate::envvars::Dropped]) -> Vec<DroppedShown<'_>> {
    list.iter()
        .map(|d| DroppedShown {
            name: &d.name,
            value: MASK,
            from: &d.from,
            reason: &d.reason,
        })
        .collect()
}

#[cfg(test)]
mod tests;
