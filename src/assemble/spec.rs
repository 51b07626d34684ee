//! What the user asks of the image, as the keys of `[profile.NAME.image]` will say it
//! (`entrypoint`, `cmd`, `user`, `workdir`, `env`, `labels`, `annotations`, `ports`),
//! the values of the standard annotations, and the binaries with their paths; each
//! checked here, before anything is made, with an error naming the key.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::AssembleError;

/// The most binaries one platform's layer holds.
pub const MAX_BINARIES: usize = 64;
/// The longest path a binary may have in the image (what the layer's ustar headers
/// hold: a 155-byte prefix and a 100-byte name).
pub const MAX_BINARY_PATH: usize = 255;
/// The latest `SOURCE_DATE_EPOCH` taken: the largest time a ustar header holds (11 octal
/// digits, in the year 2242).
pub const MAX_EPOCH: u64 = 0o777_7777_7777;
/// The most entries of each of `env`, `labels`, `annotations` and `ports`, and of
/// `entrypoint` and `cmd`.
pub const MAX_ENTRIES: usize = 1024;
/// The user a config gets when neither the profile nor a non-root base names one:
/// distroless's `nonroot`.
pub const DEFAULT_USER: &str = "65532:65532";

/// Annotations the tool writes itself, which `annotations` may not set.
pub const OWN_ANNOTATIONS: &[&str] = &[
    "org.opencontainers.image.base.name",
    "org.opencontainers.image.base.digest",
    "org.opencontainers.image.ref.name",
    "org.opencontainers.image.created",
];

/// A binary for the appended layer: its bytes (the verified artifact) and its absolute
/// path in the image. It is written with mode 0755, owned by 0:0.
#[derive(Clone)]
pub struct BinaryInLayer {
    pub path: String,
    pub bytes: Arc<[u8]>,
}

impl std::fmt::Debug for BinaryInLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} bytes)", self.path, self.bytes.len())
    }
}

/// The config and annotations asked of the image: every field is optional, and the base
/// fills in what is left (see each field).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSpec {
    /// `Entrypoint`. Default: `[path]` of the one binary (with several, it must be set).
    /// `[]` leaves the image without one.
    pub entrypoint: Option<Vec<String>>,
    /// `Cmd`. Default: none (the base's is dropped with its entrypoint, as Docker does
    /// when a Dockerfile sets `ENTRYPOINT`).
    pub cmd: Option<Vec<String>>,
    /// `User`. Default: the base's user when it is not root, else [`DEFAULT_USER`].
    pub user: Option<String>,
    /// `WorkingDir` (absolute). Default: the base's.
    pub workdir: Option<String>,
    /// Variables set over the base's `Env` (same name replaced in place, new ones
    /// appended in name order; the base's `PATH` is kept unless set here).
    pub env: BTreeMap<String, String>,
    /// `Labels`, over the base's.
    pub labels: BTreeMap<String, String>,
    /// Annotations of the index and every manifest, over the tool's own (which the
    /// [`OWN_ANNOTATIONS`] may not be).
    pub annotations: BTreeMap<String, String>,
    /// `ExposedPorts`, over the base's: `8080`, `8080/tcp`, `53/udp`, `9/sctp`.
    pub ports: Vec<String>,
    /// `org.opencontainers.image.version`.
    pub version: Option<String>,
    /// `org.opencontainers.image.revision` (the git commit).
    pub revision: Option<String>,
    /// `org.opencontainers.image.source` (the git remote, credentials stripped).
    pub source: Option<String>,
    /// `org.opencontainers.image.title`.
    pub title: Option<String>,
}

fn bad_char(s: &str) -> bool {
    s.chars().any(|c| c == '\0')
}

fn count(key: &str, n: usize) -> Result<(), AssembleError> {
    if n > MAX_ENTRIES {
        return Err(AssembleError::usage(format!(
            "image.{key} has {n} entries; at most {MAX_ENTRIES} are taken"
        )));
    }
    Ok(())
}

/// `8080` → `8080/tcp`; `53/udp` as written.
pub fn port(p: &str) -> Result<String, AssembleError> {
    let (num, proto) = p.split_once('/').unwrap_or((p, "tcp"));
    let ok_num = !num.is_empty()
        && num.len() <= 5
        && num.bytes().all(|b| b.is_ascii_digit())
        && num.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
    if !ok_num || !["tcp", "udp", "sctp"].contains(&proto) {
        return Err(AssembleError::usage(format!(
            "image.ports: `{}` is not a port: write NUMBER or NUMBER/PROTOCOL (1-65535; tcp, udp or sctp), e.g. `8080` or `53/udp`",
            p.escape_debug()
        )));
    }
    Ok(format!("{}/{proto}", num.trim_start_matches('0')))
}

/// Whether `user` names root (`root`, `0`, `0:0`, `root:root`, ...) or nobody.
pub fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("");
    name.is_empty() || name == "root" || name.bytes().all(|b| b == b'0')
}

impl ImageSpec {
    /// Checks every field; the error names the key and says what to write.
    pub fn check(&self) -> Result<(), AssembleError> {
        for (key, list) in [("entrypoint", &self.entrypoint), ("cmd", &self.cmd)] {
            if let Some(list) = list {
                count(key, list.len())?;
                if list.iter().any(|s| bad_char(s)) {
                    return Err(AssembleError::usage(format!(
                        "image.{key} holds a NUL character"
                    )));
                }
            }
        }
        if let Some(u) = &self.user {
            if u.is_empty() || u.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(AssembleError::usage(format!(
                    "image.user `{}`: write NAME, UID, NAME:GROUP or UID:GID, e.g. `65532:65532`",
                    u.escape_debug()
                )));
            }
        }
        if let Some(w) = &self.workdir {
            if !w.starts_with('/') || bad_char(w) {
                return Err(AssembleError::usage(format!(
                    "image.workdir `{}` is not an absolute path",
                    w.escape_debug()
                )));
            }
        }
        count("env", self.env.len())?;
        for (k, v) in &self.env {
            if k.is_empty() || k.contains('=') || bad_char(k) || bad_char(v) {
                return Err(AssembleError::usage(format!(
                    "image.env: `{}` is not a variable name (no `=`, not empty)",
                    k.escape_debug()
                )));
            }
        }
        for (key, map) in [("labels", &self.labels), ("annotations", &self.annotations)] {
            count(key, map.len())?;
            if let Some(k) = map.keys().find(|k| k.is_empty() || bad_char(k)) {
                return Err(AssembleError::usage(format!(
                    "image.{key}: `{}` is not a key",
                    k.escape_debug()
                )));
            }
        }
        if let Some(k) = self
            .annotations
            .keys()
            .find(|k| OWN_ANNOTATIONS.contains(&k.as_str()))
        {
            return Err(AssembleError::usage(format!(
                "image.annotations: `{k}` is written by the tool itself (from the base, the tag and the epoch) and cannot be set"
            )));
        }
        count("ports", self.ports.len())?;
        for p in &self.ports {
            port(p)?;
        }
        Ok(())
    }
}

/// The `created` date of an epoch, checked against [`MAX_EPOCH`].
pub fn created(epoch: u64) -> Result<String, AssembleError> {
    if epoch > MAX_EPOCH {
        return Err(AssembleError::usage(format!(
            "SOURCE_DATE_EPOCH {epoch} is past what a layer's tar headers hold (at most {MAX_EPOCH}, in 2242)"
        )));
    }
    Ok(crate::date::rfc3339_utc(epoch as i64))
}

/// Checks one binary's path: absolute, no empty, `.` or `..` component, no control
/// character, at most [`MAX_BINARY_PATH`] bytes.
pub fn binary_path(path: &str) -> Result<(), AssembleError> {
    let shown = path.escape_debug();
    let bad = |why: &str| {
        Err(AssembleError::usage(format!(
            "image.path `{shown}`: {why}, e.g. `/usr/local/bin/app`"
        )))
    };
    if !path.starts_with('/') || path.len() < 2 {
        return bad("a binary's path must be absolute and name a file");
    }
    if path.len() > MAX_BINARY_PATH {
        return bad(&format!(
            "longer than {MAX_BINARY_PATH} bytes, what the layer's tar headers hold"
        ));
    }
    if path.chars().any(char::is_control) {
        return bad("it holds a control character");
    }
    if path[1..]
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return bad("write it without empty, `.` or `..` components or a trailing `/`");
    }
    Ok(())
}

/// Between one and `max` things (`(singular, plural)`) in `whole`.
pub fn one_to(
    n: usize,
    max: usize,
    (one, many): (&str, &str),
    whole: &str,
) -> Result<(), AssembleError> {
    if n == 0 {
        return Err(AssembleError::usage(format!(
            "{whole} needs at least one {one}"
        )));
    }
    if n > max {
        return Err(AssembleError::usage(format!(
            "{n} {many}: {whole} holds at most {max}"
        )));
    }
    Ok(())
}

/// Checks the binaries of one platform: at least one, at most [`MAX_BINARIES`], each
/// path valid, no two at one path and none below another.
pub fn binaries(bins: &[BinaryInLayer]) -> Result<(), AssembleError> {
    one_to(
        bins.len(),
        MAX_BINARIES,
        ("binary", "binaries"),
        "one platform's layer",
    )?;
    let mut seen = BTreeSet::new();
    for b in bins {
        binary_path(&b.path)?;
        if !seen.insert(b.path.as_str()) {
            return Err(AssembleError::usage(format!(
                "two binaries go to `{}`: give each its own image.path",
                b.path
            )));
        }
    }
    for b in bins {
        if let Some(under) = bins
            .iter()
            .find(|o| o.path.starts_with(&format!("{}/", b.path)))
        {
            return Err(AssembleError::usage(format!(
                "`{}` is a binary, so `{}` cannot be below it",
                b.path, under.path
            )));
        }
    }
    Ok(())
}

/// The entrypoint: the spec's, or the path of the one binary.
pub fn entrypoint(spec: &ImageSpec, bins: &[BinaryInLayer]) -> Result<Vec<String>, String> {
    binaries(bins).map_err(|e| e.message)?;
    match (&spec.entrypoint, bins) {
        (Some(e), _) => Ok(e.clone()),
        (None, [one]) => Ok(vec![one.path.clone()]),
        (None, _) => Err(format!(
            "{} binaries go into the image: image.entrypoint must say which one starts",
            bins.len()
        )),
    }
}

/// Checks a tag as an OCI layout's `org.opencontainers.image.ref.name` and a registry
/// tag take it: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn tag(t: &str) -> Result<(), AssembleError> {
    let ok = !t.is_empty()
        && t.len() <= 128
        && t.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_alphanumeric() || b == b'_' || (i > 0 && (b == b'.' || b == b'-'))
        });
    if !ok {
        return Err(AssembleError::usage(format!(
            "tag `{}` is not a valid tag: letters, digits, `_`, `.` and `-`, at most 128, not starting with `.` or `-`",
            t.escape_debug()
        )));
    }
    Ok(())
}

/// Checks a docker-archive's `RepoTags` entry, `NAME:TAG` as `docker load` takes it:
/// an optional registry host (with a port), then lowercase path components
/// (`[a-z0-9]` runs joined by `.`, `_`, `__` or dashes), then `:` and a [`tag`].
pub fn repo_tag(s: &str) -> Result<(), AssembleError> {
    let bad = || {
        AssembleError::usage(format!(
            "`{}` is not NAME:TAG as docker load takes it, e.g. `example.com/app:1.2.0` or `app:latest`",
            s.escape_debug()
        ))
    };
    let slash = s.rfind('/').map_or(0, |i| i + 1);
    let (name, t) = match s[slash..].rfind(':') {
        Some(i) => (&s[..slash + i], &s[slash + i + 1..]),
        None => return Err(bad()),
    };
    tag(t).map_err(|_| bad())?;
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 {
        let host = parts[0];
        let is_host = host.contains(['.', ':']) || host == "localhost";
        if is_host {
            let (h, port) = host.split_once(':').unwrap_or((host, "1"));
            let host_ok = !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit());
            if !host_ok {
                return Err(bad());
            }
            parts.remove(0);
        }
    }
    let component_ok = |c: &str| {
        let b = c.as_bytes();
        let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
        !b.is_empty()
            && alnum(b[0])
            && alnum(b[b.len() - 1])
            && c.split(['.', '_', '-']).all(|run| run.bytes().all(alnum))
            && !c.contains("..")
            && !c.contains("___")
            && !c.contains("._")
            && !c.contains("_.")
    };
    if parts.is_empty() || !parts.iter().all(|c| component_ok(c)) || name.len() > 255 {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(path: &str) -> BinaryInLayer {
        BinaryInLayer {
            path: path.into(),
            bytes: Arc::from(&b"x"[..]),
        }
    }

    #[test]
    fn ports_are_read_as_docker_writes_them() {
        for (p, want) in [
            ("8080", Some("8080/tcp")),
            ("53/udp", Some("53/udp")),
            ("9/sctp", Some("9/sctp")),
            ("0", None),
            ("65536", None),
            ("80/http", None),
            ("", None),
            ("8080-8081", None),
        ] {
            assert_eq!(port(p).ok().as_deref(), want, "case {p:?}");
        }
    }

    #[test]
    fn root_is_told_from_other_users() {
        for (u, root) in [
            ("", true),
            ("root", true),
            ("0", true),
            ("0:0", true),
            ("root:1000", true),
            ("65532", false),
            ("nonroot", false),
            ("1000:0", false),
        ] {
            assert_eq!(is_root(u), root, "case {u:?}");
        }
    }

    #[test]
    fn binary_paths_must_be_plain_absolute_paths() {
        for (p, ok) in [
            ("/usr/local/bin/app", true),
            ("/app", true),
            ("app", false),
            ("/", false),
            ("/usr//bin/app", false),
            ("/usr/../etc/passwd", false),
            ("/usr/bin/", false),
            ("/usr/bin/a\npp", false),
        ] {
            assert_eq!(binary_path(p).is_ok(), ok, "case {p:?}");
        }
        assert!(binary_path(&format!("/{}", "a".repeat(300))).is_err());
        let e = binaries(&[bin("/a/b"), bin("/a/b/c")]).unwrap_err();
        assert!(e.message.contains("cannot be below it"), "{e}");
        let e = binaries(&[bin("/a"), bin("/a")]).unwrap_err();
        assert!(e.message.contains("two binaries"), "{e}");
        assert!(binaries(&[bin("/a/b"), bin("/a/bc")]).is_ok());
    }

    #[test]
    fn several_binaries_need_an_entrypoint() {
        let spec = ImageSpec::default();
        assert_eq!(entrypoint(&spec, &[bin("/app")]).unwrap(), ["/app"]);
        let e = entrypoint(&spec, &[bin("/a"), bin("/b")]).unwrap_err();
        assert!(e.contains("image.entrypoint"), "{e}");
        let spec = ImageSpec {
            entrypoint: Some(vec!["/b".into(), "serve".into()]),
            ..ImageSpec::default()
        };
        assert_eq!(
            entrypoint(&spec, &[bin("/a"), bin("/b")]).unwrap(),
            ["/b", "serve"]
        );
    }

    #[test]
    fn tags_and_repo_tags_follow_the_reference_grammar() {
        for (t, ok) in [
            ("1.2.0", true),
            ("latest", true),
            ("_x", true),
            (".x", false),
            ("-x", false),
            ("a/b", false),
            ("a:b", false),
            ("", false),
        ] {
            assert_eq!(tag(t).is_ok(), ok, "tag {t:?}");
        }
        assert!(tag(&"a".repeat(129)).is_err());
        for (r, ok) in [
            ("app:1", true),
            ("example.com/team/app:1.2.0", true),
            ("localhost:5000/app:latest", true),
            ("127.0.0.1:5000/a_b/c-d:v1", true),
            ("App:1", false),
            ("app", false),
            ("app:", false),
            ("example.com:x/app:1", false),
            ("/app:1", false),
            ("a..b:1", false),
        ] {
            assert_eq!(repo_tag(r).is_ok(), ok, "repo tag {r:?}");
        }
    }

    #[test]
    fn specs_are_checked_key_by_key() {
        let with = |f: &dyn Fn(&mut ImageSpec)| {
            let mut s = ImageSpec::default();
            f(&mut s);
            s.check().map_err(|e| e.message)
        };
        assert!(with(&|_| {}).is_ok());
        for (case, f, needle) in [
            (
                "relative workdir",
                Box::new(|s: &mut ImageSpec| s.workdir = Some("srv".into()))
                    as Box<dyn Fn(&mut ImageSpec)>,
                "image.workdir",
            ),
            (
                "env name with =",
                Box::new(|s: &mut ImageSpec| {
                    s.env.insert("A=B".into(), "x".into());
                }),
                "image.env",
            ),
            (
                "own annotation",
                Box::new(|s: &mut ImageSpec| {
                    s.annotations
                        .insert("org.opencontainers.image.base.digest".into(), "x".into());
                }),
                "written by the tool",
            ),
            (
                "bad port",
                Box::new(|s: &mut ImageSpec| s.ports.push("http".into())),
                "image.ports",
            ),
            (
                "user with a space",
                Box::new(|s: &mut ImageSpec| s.user = Some("a b".into())),
                "image.user",
            ),
        ] {
            let e = with(&*f).expect_err(case);
            assert!(e.contains(needle), "case {case}: {e}");
        }
        assert!(created(MAX_EPOCH + 1).is_err());
        assert_eq!(created(0).unwrap(), "1970-01-01T00:00:00Z");
    }
}
