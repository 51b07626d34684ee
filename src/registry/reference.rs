//! Registry references, `HOST[:PORT]/REPO[:TAG][@DIGEST]`, read by Docker's rules
//! (distribution's `reference.ParseNormalizedNamed`): no host means `docker.io`, a
//! one-component name on `docker.io` gets `library/`, `index.docker.io` is `docker.io`,
//! and the API of `docker.io` is at `registry-1.docker.io`. The grammar of names, tags
//! and digests is the OCI distribution spec's; anything else is refused with what is
//! wrong (a usage error).

use std::fmt;
use std::str::FromStr;

use oci_spec::image::Digest;

use super::{Kind, RegistryError};

/// Docker Hub as references name it.
pub const DOCKER_HUB: &str = "docker.io";
/// Where Docker Hub's registry API answers.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// The tag taken when a reference names neither tag nor digest.
pub const DEFAULT_TAG: &str = "latest";
/// The longest name (`HOST/REPO`), as Docker counts it.
pub const MAX_NAME: usize = 255;
/// The longest tag the distribution spec allows.
pub const MAX_TAG: usize = 128;

/// A parsed registry reference. Only [`Reference::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    /// The registry as references name it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`,
    /// `[::1]:5000` (credentials are looked up under this name).
    pub registry: String,
    /// The repository inside it: `library/debian`, `team/app`.
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:…` (or `sha512:…`), when the reference pins one.
    pub digest: Option<String>,
}

fn bad(input: &str, why: impl fmt::Display) -> RegistryError {
    RegistryError::new(
        Kind::Reference,
        format!(
            "`{}` is not a registry reference: {why} (write HOST[:PORT]/REPO[:TAG][@sha256:HEX], e.g. 127.0.0.1:5000/team/app:1.0)",
            input.escape_debug()
        ),
    )
}

/// Whether `c` is a lower-case letter or a digit (the alphabet of name components).
fn alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// A path component: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn component_ok(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator run: `.`, `_`, `__`, or any number of `-`.
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &s[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// A host: dot-separated labels of letters, digits and inner `-`, or an IPv6 address in
/// brackets; then an optional `:PORT`.
fn host_ok(s: &str) -> bool {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            p => match p.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => return false,
            },
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(s), None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
        if port.parse::<u32>().map_or(true, |p| p == 0 || p > 65535) {
            return false;
        }
    }
    host.map_or(true, |h| {
        !h.is_empty()
            && h.split('.').all(|label| {
                let b = label.as_bytes();
                !b.is_empty()
                    && b[0].is_ascii_alphanumeric()
                    && b[b.len() - 1].is_ascii_alphanumeric()
                    && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            })
    })
}

/// A tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn tag_ok(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_TAG
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// Checks a digest's spelling and that its algorithm is one this tool verifies.
pub fn parse_digest(s: &str) -> Result<Digest, String> {
    let d = Digest::from_str(s).map_err(|_| {
        format!(
            "`{}` is not a digest (write sha256:<64 hex digits>)",
            s.escape_debug()
        )
    })?;
    crate::image::manifest::supported(&d).map_err(|e| e.message)?;
    Ok(d)
}

impl Reference {
    /// Parses `s` by Docker's rules; the error says what is wrong with it.
    pub fn parse(s: &str) -> Result<Reference, RegistryError> {
        let input = s;
        if s.is_empty() {
            return Err(bad(input, "it is empty"));
        }
        if let Some(c) = s.chars().find(|c| c.is_control() || c.is_whitespace()) {
            return Err(bad(input, format!("it holds {c:?}")));
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(bad(
                input,
                format!("a reference has no `{scheme}://`: name the registry host alone"),
            ));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                if d.is_empty() {
                    return Err(bad(input, "it ends with `@` but names no digest"));
                }
                (
                    r,
                    Some(parse_digest(d).map_err(|e| bad(input, e))?.to_string()),
                )
            }
            None => (s, None),
        };
        // The tag is after the last `:` that no `/` follows (a host's port has one).
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i + 1..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
            _ => (rest, None),
        };
        if let Some(t) = tag {
            if t.is_empty() {
                return Err(bad(input, "it ends with `:` but names no tag"));
            }
            if !tag_ok(t) {
                return Err(bad(
                    input,
                    format!(
                        "the tag `{t}` is not valid (letters, digits, `_`, `.` and `-`, not first `.` or `-`, at most {MAX_TAG} characters)"
                    ),
                ));
            }
        }
        if name.is_empty() {
            return Err(bad(input, "it names no repository"));
        }
        // The first component is a host when it looks like one: a `.` or `:` in it, the
        // name `localhost`, or any upper-case letter (repository names have none).
        let (registry, path) = match name.split_once('/') {
            Some((first, path))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.starts_with('[')
                    || first.bytes().any(|c| c.is_ascii_uppercase()) =>
            {
                (first.to_string(), path.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        if !host_ok(&registry) {
            return Err(bad(input, format!("`{registry}` is not a registry host")));
        }
        let registry = if registry == "index.docker.io" {
            DOCKER_HUB.to_string()
        } else {
            registry
        };
        let repository = if registry == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        if repository.bytes().any(|c| c.is_ascii_uppercase()) {
            return Err(bad(
                input,
                format!("the repository `{repository}` must be lower-case"),
            ));
        }
        if let Some(c) = repository.split('/').find(|c| !component_ok(c)) {
            return Err(bad(
                input,
                if c.is_empty() {
                    "the repository has an empty path component".to_string()
                } else {
                    format!(
                        "`{c}` is not a repository path component (lower-case letters and digits, separated by one `.`, one or two `_`, or `-`)"
                    )
                },
            ));
        }
        if registry.len() + 1 + repository.len() > MAX_NAME {
            return Err(bad(
                input,
                format!("the name is longer than {MAX_NAME} characters"),
            ));
        }
        Ok(Reference {
            registry,
            repository,
            tag: tag.map(str::to_string),
            digest,
        })
    }

    /// What the manifest is fetched by: the digest when pinned, else the tag, else
    /// `latest`.
    pub fn object(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or(DEFAULT_TAG)
    }

    /// The host (and port) the registry API answers on.
    pub fn api_host(&self) -> &str {
        api_host(&self.registry)
    }

    /// The same repository with another tag and no digest.
    pub fn with_tag(&self, tag: &str) -> Result<Reference, RegistryError> {
        if !tag_ok(tag) {
            return Err(bad(
                &format!("{self}"),
                format!("the tag `{tag}` is not valid"),
            ));
        }
        Ok(Reference {
            tag: Some(tag.to_string()),
            digest: None,
            ..self.clone()
        })
    }
}

/// The API host of a registry as references name it (`docker.io` →
/// `registry-1.docker.io`; any other is itself).
pub fn api_host(registry: &str) -> &str {
    if registry == DOCKER_HUB || registry == "index.docker.io" {
        DOCKER_HUB_API
    } else {
        registry
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn references_normalise_as_docker_does() {
        let pinned = format!("debian@sha256:{HEX}");
        let both = format!("127.0.0.1:5000/team/app:1.0@sha256:{HEX}");
        let cases: &[(&str, &str, &str, Option<&str>, bool)] = &[
            // input, registry, repository, tag, pinned
            ("debian", "docker.io", "library/debian", None, false),
            (
                "debian:12-slim",
                "docker.io",
                "library/debian",
                Some("12-slim"),
                false,
            ),
            (
                "library/debian:12",
                "docker.io",
                "library/debian",
                Some("12"),
                false,
            ),
            (
                "docker.io/debian",
                "docker.io",
                "library/debian",
                None,
                false,
            ),
            (
                "index.docker.io/team/app",
                "docker.io",
                "team/app",
                None,
                false,
            ),
            ("team/app:v1", "docker.io", "team/app", Some("v1"), false),
            ("localhost/app", "localhost", "app", None, false),
            (
                "localhost:5000/app:x",
                "localhost:5000",
                "app",
                Some("x"),
                false,
            ),
            (
                "127.0.0.1:5000/a/b/c",
                "127.0.0.1:5000",
                "a/b/c",
                None,
                false,
            ),
            ("[::1]:5000/app:1", "[::1]:5000", "app", Some("1"), false),
            (
                "ghcr.io/o/r:latest",
                "ghcr.io",
                "o/r",
                Some("latest"),
                false,
            ),
            ("Registry/app", "Registry", "app", None, false),
            ("a.b/x__y.z-w---v", "a.b", "x__y.z-w---v", None, false),
            (&pinned, "docker.io", "library/debian", None, true),
            (&both, "127.0.0.1:5000", "team/app", Some("1.0"), true),
        ];
        for (input, registry, repo, tag, pinned) in cases {
            let r = Reference::parse(input).unwrap_or_else(|e| panic!("case {input}: {e}"));
            assert_eq!(
                (
                    r.registry.as_str(),
                    r.repository.as_str(),
                    r.tag.as_deref(),
                    r.digest.is_some()
                ),
                (*registry, *repo, *tag, *pinned),
                "case {input}"
            );
        }
        let r = Reference::parse("debian").unwrap();
        assert_eq!(
            (r.object(), r.api_host()),
            ("latest", "registry-1.docker.io")
        );
        assert_eq!(r.to_string(), "docker.io/library/debian");
        let r = Reference::parse(&both).unwrap();
        assert_eq!(r.object(), format!("sha256:{HEX}"));
        assert_eq!(r.to_string(), both);
        assert_eq!(r.api_host(), "127.0.0.1:5000");
    }

    #[test]
    fn bad_references_say_what_is_wrong() {
        let long_tag = format!("app:{}", "t".repeat(129));
        let long_name = format!("h.io/{}", "a".repeat(260));
        for (input, needle) in [
            ("", "empty"),
            ("app:", "names no tag"),
            ("app@", "names no digest"),
            ("app@sha256:abc", "not a digest"),
            (
                "app@md5:d41d8cd98f00b204e9800998ecf8427e",
                "not an algorithm this tool verifies",
            ),
            ("docker.io/Team/App", "must be lower-case"),
            ("h.io/a//b", "empty path component"),
            ("h.io/-a", "`-a` is not a repository path component"),
            ("h.io/a..b", "`a..b`"),
            ("h.io/a___b", "`a___b`"),
            ("app:.x", "the tag `.x`"),
            (&long_tag, "the tag"),
            (&long_name, "longer than 255"),
            ("https://h.io/app", "no `https://`"),
            ("h.io:99999/app", "not a registry host"),
            ("h.io:/app", "not a registry host"),
            ("[zz]:5000/app", "not a registry host"),
            ("-h.io/app", "not a registry host"),
            ("h.io/app name", "holds ' '"),
            ("/app", "empty path component"),
        ] {
            match Reference::parse(input) {
                Err(e) => {
                    assert_eq!(e.kind, Kind::Reference, "case {input}");
                    assert!(e.message.contains(needle), "case {input}: {}", e.message);
                    assert!(e.message.contains("HOST[:PORT]/REPO"), "case {input}");
                }
                Ok(r) => panic!("case {input}: parsed as {r:?}"),
            }
        }
    }

    #[test]
    fn with_tag_keeps_the_repository_and_checks_the_tag() {
        let r = Reference::parse("127.0.0.1:5000/app@sha256:".to_string().as_str());
        assert!(r.is_err());
        let r = Reference::parse("127.0.0.1:5000/app:1").unwrap();
        assert_eq!(r.with_tag("2").unwrap().to_string(), "127.0.0.1:5000/app:2");
        assert!(r.with_tag("-x").is_err());
    }
}
