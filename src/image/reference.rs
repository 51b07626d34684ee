//! Image references in the containers-transport syntax (`oci:DIR[:TAG]`,
//! `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:NAME:TAG|:@N]`), told apart from
//! the names of the image table (`debian:12-slim`).

use std::fmt;
use std::path::{Path, PathBuf};

/// How the image is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transport {
    /// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/`).
    OciDir,
    /// A tar file holding an OCI image layout.
    OciArchive,
    /// A tar file as `docker save` and `skopeo copy ... docker-archive:` write it
    /// (`manifest.json`, configs and layer tars).
    DockerArchive,
}

impl Transport {
    /// The prefix as written, without the colon.
    pub fn name(self) -> &'static str {
        match self {
            Transport::OciDir => "oci",
            Transport::OciArchive => "oci-archive",
            Transport::DockerArchive => "docker-archive",
        }
    }
}

/// A parsed image reference. Only [`ImageRef::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageRef {
    pub transport: Transport,
    /// The directory or file, as written (relative paths are resolved by the caller).
    pub path: PathBuf,
    /// `oci`, `oci-archive`: the tag (the `org.opencontainers.image.ref.name`
    /// annotation). `docker-archive`: a `NAME:TAG` from `RepoTags`, or `@N`, the N-th
    /// image of `manifest.json`.
    pub selector: Option<String>,
}

/// Transports of the containers tools that name images elsewhere than in a local file:
/// recognised only to say how to make a local copy.
const REMOTE: &[&str] = &[
    "docker://",
    "docker-daemon:",
    "containers-storage:",
    "dir:",
    "ostree:",
    "sif:",
];

impl ImageRef {
    /// `None` when `s` is not in the transport syntax (a name from the image table);
    /// `Some(Err)` when it is, but cannot be used.
    pub fn parse(s: &str) -> Option<Result<ImageRef, String>> {
        let s = s.trim();
        for remote in REMOTE {
            if s.starts_with(remote) {
                return Some(Err(format!(
                    "`{s}`: runs-on reads images stored in local files, not the `{}` transport: \
                     copy the image first, e.g. `skopeo copy {s} oci:DIR:TAG`, and name `oci:DIR:TAG`",
                    remote.trim_end_matches(['/', ':'])
                )));
            }
        }
        let (transport, rest) = if let Some(r) = s.strip_prefix("oci-archive:") {
            (Transport::OciArchive, r)
        } else if let Some(r) = s.strip_prefix("docker-archive:") {
            (Transport::DockerArchive, r)
        } else if let Some(r) = s.strip_prefix("oci:") {
            (Transport::OciDir, r)
        } else {
            return None;
        };
        Some(ImageRef::parse_rest(s, transport, rest))
    }

    fn parse_rest(s: &str, transport: Transport, rest: &str) -> Result<ImageRef, String> {
        // As the containers tools split it: the path is everything before the first
        // colon, so a path cannot hold one.
        let (path, selector) = match rest.split_once(':') {
            Some((p, sel)) => (p, Some(sel)),
            None => (rest, None),
        };
        if path.is_empty() {
            return Err(format!(
                "`{s}` names no {}: write {}",
                match transport {
                    Transport::OciDir => "directory",
                    _ => "file",
                },
                match transport {
                    Transport::OciDir => "oci:DIR[:TAG], e.g. oci:images/base:latest",
                    Transport::OciArchive => "oci-archive:FILE[:TAG], e.g. oci-archive:base.tar",
                    Transport::DockerArchive => "docker-archive:FILE, e.g. docker-archive:base.tar",
                }
            ));
        }
        if path.chars().any(char::is_control) {
            return Err(format!("`{}` holds a control character", s.escape_debug()));
        }
        let selector = match selector {
            None => None,
            Some("") => {
                return Err(format!(
                    "`{s}` ends with `:` but names no {}",
                    if transport == Transport::DockerArchive {
                        "image (NAME:TAG or @N)"
                    } else {
                        "tag"
                    }
                ))
            }
            Some(sel) => {
                if sel.chars().any(|c| c.is_control() || c.is_whitespace()) {
                    return Err(format!(
                        "`{}`: the tag holds a space or control character",
                        s.escape_debug()
                    ));
                }
                if transport == Transport::DockerArchive {
                    let index_ok = sel
                        .strip_prefix('@')
                        .map(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
                    if index_ok == Some(false) || (index_ok.is_none() && !sel.contains(':')) {
                        return Err(format!(
                            "`{s}`: after the file, docker-archive takes NAME:TAG (from the archive's RepoTags) or @N (the N-th image, from 0)"
                        ));
                    }
                }
                Some(sel.to_string())
            }
        };
        Ok(ImageRef {
            transport,
            path: PathBuf::from(path),
            selector,
        })
    }

    /// True when `s` is written in the transport syntax (valid or not).
    pub fn is_reference(s: &str) -> bool {
        ImageRef::parse(s).is_some()
    }

    /// The path made absolute against `base` (the profile file's directory, or the
    /// working directory).
    pub fn resolve(&self, base: &Path) -> PathBuf {
        if self.path.is_absolute() {
            self.path.clone()
        } else {
            base.join(&self.path)
        }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.transport.name(), self.path.display())?;
        if let Some(s) = &self.selector {
            write!(f, ":{s}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_names_are_told_apart() {
        for (s, want) in [
            ("oci:img", Some((Transport::OciDir, "img", None))),
            (
                "oci:./images/base:latest",
                Some((Transport::OciDir, "./images/base", Some("latest"))),
            ),
            (
                "oci-archive:/tmp/base.tar:v1",
                Some((Transport::OciArchive, "/tmp/base.tar", Some("v1"))),
            ),
            (
                "docker-archive:base.tar",
                Some((Transport::DockerArchive, "base.tar", None)),
            ),
            (
                "docker-archive:base.tar:example.com/base:1",
                Some((
                    Transport::DockerArchive,
                    "base.tar",
                    Some("example.com/base:1"),
                )),
            ),
            (
                "docker-archive:base.tar:@1",
                Some((Transport::DockerArchive, "base.tar", Some("@1"))),
            ),
            ("debian:12-slim", None),
            ("alpine:3.20", None),
            ("docker.io/library/debian:12-slim", None),
            ("distroless/static", None),
        ] {
            let got = ImageRef::parse(s).map(|r| {
                let r = r.unwrap_or_else(|e| panic!("{s}: {e}"));
                (
                    r.transport,
                    r.path.to_string_lossy().into_owned(),
                    r.selector,
                )
            });
            let want = want.map(|(t, p, sel)| (t, p.to_string(), sel.map(str::to_string)));
            assert_eq!(got, want, "case {s}");
        }
    }

    #[test]
    fn bad_references_say_what_to_write() {
        for (s, needle) in [
            ("oci:", "names no directory"),
            ("oci-archive:", "names no file"),
            ("oci:img:", "names no tag"),
            ("docker-archive:x.tar:latest", "NAME:TAG"),
            ("docker-archive:x.tar:@x", "@N"),
            ("docker://debian:12", "skopeo copy"),
            ("containers-storage:debian", "local files"),
        ] {
            match ImageRef::parse(s) {
                Some(Err(e)) => assert!(e.contains(needle), "case {s}: {e}"),
                other => panic!("case {s}: {other:?}"),
            }
        }
    }

    #[test]
    fn relative_paths_resolve_against_the_base() {
        let r = ImageRef::parse("oci:img:t").unwrap().unwrap();
        assert_eq!(r.resolve(Path::new("/p")), PathBuf::from("/p/img"));
        let r = ImageRef::parse("oci:/abs/img").unwrap().unwrap();
        assert_eq!(r.resolve(Path::new("/p")), PathBuf::from("/abs/img"));
        assert_eq!(r.to_string(), "oci:/abs/img");
    }
}
