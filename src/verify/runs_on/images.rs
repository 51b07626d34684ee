//! The base-image table (`images.toml`, compiled in): what each image ships, so
//! `runs-on.IMAGE` can say whether an artifact will start there and why not: its libc,
//! loaders and libraries, and the files Go reads at run time (CA bundle, zoneinfo,
//! `/etc/passwd`, resolver files, `/tmp`), each fact with its source.
//!
//! The judgement asks an image about files through [`ImageContents`]; the table implements it
//! from its listed files, and a reader of real images (OCI layouts) can implement it from
//! the layers.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The libc an image provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Libc {
    Glibc,
    Musl,
    None,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImage {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    libc: Libc,
    glibc: Option<String>,
    arches: Vec<String>,
    loaders: String,
    libraries: String,
    /// File sets (named below) whose union is what the image has.
    #[serde(default)]
    files: Vec<String>,
    source: String,
}

/// One file or directory an image has, with where that fact comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    /// Absolute path; a trailing `/` marks a directory.
    path: String,
    /// Permission bits in octal, e.g. "1777".
    mode: Option<String>,
    /// What is in it, when that matters (e.g. the users in /etc/passwd).
    note: Option<String>,
    source: String,
}

/// Something an image does not have, with where that fact comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAbsent {
    /// Paths that are absent.
    paths: Vec<String>,
    /// What that means, e.g. "no CA bundle".
    what: String,
    source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFileSet {
    #[serde(default)]
    has: Vec<RawEntry>,
    #[serde(default)]
    absent: Vec<RawAbsent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    loaders: BTreeMap<String, Vec<String>>,
    libraries: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    files: BTreeMap<String, RawFileSet>,
    image: Vec<RawImage>,
}

/// A file or a directory (or, in a real image, something else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    /// A device, FIFO or socket: never what a need asks for.
    Other,
}

/// What an image has at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub kind: EntryKind,
    /// Permission bits (e.g. 0o1777), when known.
    pub mode: Option<u32>,
    /// What is in it, when that matters.
    pub note: Option<String>,
    /// Where the fact comes from.
    pub source: String,
    /// Whether there is something in it: a file with bytes, a directory with entries.
    /// True for every file the table lists.
    pub filled: bool,
}

/// The user an image runs as (its config's `User`, root when unset), and whether its
/// `/etc/passwd` lists that user (`None`: the file could not be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunsAs {
    pub user: String,
    pub listed: Option<bool>,
}

/// A documented absence: paths an image lacks and what that means ("no CA bundle").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Absent {
    pub paths: Vec<String>,
    pub what: String,
    pub source: String,
}

/// The files an image has: what the runtime-needs judgement asks. The table answers from
/// its listed files; a reader of real images answers from the layers (symlinks resolved).
pub trait ImageContents {
    /// The libc the image provides (its loader and `libc.so`).
    fn libc(&self) -> Libc;
    /// The entry at an absolute path (a directory given with or without a trailing `/`),
    /// or `None` when the image has nothing there.
    fn lookup(&self, path: &str) -> Option<Entry>;
    /// What the image is documented to lack that covers `path` ("no CA bundle"), for
    /// messages; `None` when nothing is said.
    fn absence(&self, _path: &str) -> Option<String> {
        None
    }
    /// The user the image runs as and whether `/etc/passwd` lists it; `None` when the
    /// image does not say (the table does not record a user).
    fn runs_as(&self) -> Option<RunsAs> {
        None
    }
}

impl ImageContents for Image {
    fn libc(&self) -> Libc {
        self.libc
    }

    fn lookup(&self, path: &str) -> Option<Entry> {
        let want = path.trim_end_matches('/');
        self.files.iter().find(|e| e.path == want).cloned()
    }

    fn absence(&self, path: &str) -> Option<String> {
        let want = path.trim_end_matches('/');
        self.absent
            .iter()
            .find(|a| a.paths.iter().any(|p| p.trim_end_matches('/') == want))
            .map(|a| a.what.clone())
    }
}

/// One base image.
#[derive(Debug, Clone)]
pub struct Image {
    pub name: String,
    pub aliases: Vec<String>,
    pub libc: Libc,
    /// glibc version, e.g. "2.36", for glibc images.
    pub glibc: Option<String>,
    /// GOARCH values the image is published for.
    pub arches: Vec<String>,
    /// Dynamic loader paths it ships.
    pub loaders: Vec<String>,
    /// Shared libraries (DT_NEEDED names) it ships.
    pub libraries: Vec<String>,
    /// Files Go may read at run time that the image has (paths without a trailing `/`).
    pub files: Vec<Entry>,
    /// What it is documented to lack.
    pub absent: Vec<Absent>,
    pub source: String,
}

const TABLE: &str = include_str!("images.toml");

fn load() -> Result<Vec<Image>, String> {
    let raw: RawTable = toml::from_str(TABLE).map_err(|e| format!("images.toml: {e}"))?;
    raw.image
        .into_iter()
        .map(|i| {
            let loaders = raw.loaders.get(&i.loaders).ok_or_else(|| {
                format!(
                    "images.toml: image {} names unknown loader set {}",
                    i.name, i.loaders
                )
            })?;
            let libraries = raw.libraries.get(&i.libraries).ok_or_else(|| {
                format!(
                    "images.toml: image {} names unknown library set {}",
                    i.name, i.libraries
                )
            })?;
            let mut files = Vec::new();
            let mut absent = Vec::new();
            for set in &i.files {
                let fs = raw.files.get(set).ok_or_else(|| {
                    format!("images.toml: image {} names unknown file set {set}", i.name)
                })?;
                for e in &fs.has {
                    files.push(entry(e).map_err(|m| format!("images.toml: file set {set}: {m}"))?);
                }
                absent.extend(fs.absent.iter().map(|a| Absent {
                    paths: a.paths.clone(),
                    what: a.what.clone(),
                    source: a.source.clone(),
                }));
            }
            for a in &absent {
                for p in &a.paths {
                    if files.iter().any(|f| f.path == p.trim_end_matches('/')) {
                        return Err(format!(
                            "images.toml: image {} both has and lacks {p}",
                            i.name
                        ));
                    }
                }
            }
            if (i.libc == Libc::Glibc) != i.glibc.is_some() {
                return Err(format!(
                    "images.toml: image {}: `glibc` is required exactly for glibc images",
                    i.name
                ));
            }
            Ok(Image {
                name: i.name,
                aliases: i.aliases,
                libc: i.libc,
                glibc: i.glibc,
                arches: i.arches,
                loaders: loaders.clone(),
                libraries: libraries.clone(),
                files,
                absent,
                source: i.source,
            })
        })
        .collect()
}

/// A listed file as an [`Entry`]: an absolute path, a trailing `/` for directories, an
/// octal mode, a source.
fn entry(e: &RawEntry) -> Result<Entry, String> {
    if !e.path.starts_with('/') || e.path.len() < 2 {
        return Err(format!("path {:?} is not absolute", e.path));
    }
    if e.source.trim().is_empty() {
        return Err(format!("{} has no source", e.path));
    }
    let mode = match &e.mode {
        None => None,
        Some(m) => Some(
            u32::from_str_radix(m, 8)
                .map_err(|_| format!("{}: mode {m:?} is not octal", e.path))?,
        ),
    };
    Ok(Entry {
        path: e.path.trim_end_matches('/').to_string(),
        kind: if e.path.ends_with('/') {
            EntryKind::Dir
        } else {
            EntryKind::File
        },
        mode,
        note: e.note.clone(),
        source: e.source.clone(),
        filled: true,
    })
}

/// Every known image. The table is compiled in and tested, so an error here is a bug
/// in images.toml; it is reported, not panicked on.
pub fn all() -> Result<&'static [Image], String> {
    static IMAGES: OnceLock<Result<Vec<Image>, String>> = OnceLock::new();
    IMAGES.get_or_init(load).as_deref().map_err(Clone::clone)
}

/// Finds an image by name or alias (a `docker.io/library/` or `library/` prefix is ignored).
pub fn find(name: &str) -> Result<Option<&'static Image>, String> {
    let n = name
        .trim()
        .trim_start_matches("docker.io/")
        .trim_start_matches("library/");
    Ok(all()?
        .iter()
        .find(|i| i.name == n || i.aliases.iter().any(|a| a == n)))
}

/// The canonical image names, for listing.
pub fn names() -> Vec<&'static str> {
    all()
        .map(|imgs| imgs.iter().map(|i| i.name.as_str()).collect())
        .unwrap_or_default()
}

/// Every name users may write (names and aliases), for did-you-mean.
pub fn spellings() -> Vec<&'static str> {
    all()
        .map(|imgs| {
            imgs.iter()
                .flat_map(|i| std::iter::once(&i.name).chain(&i.aliases))
                .map(String::as_str)
                .collect()
        })
        .unwrap_or_default()
}

/// Compares dotted versions numerically: "2.4" < "2.31".
pub fn version_le(a: &str, b: &str) -> bool {
    let parse = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parse(a) <= parse(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_spec_images_are_known() {
        let imgs = all().unwrap();
        for (name, libc, glibc) in [
            ("distroless/static", Libc::None, None),
            ("distroless/base-debian12", Libc::Glibc, Some("2.36")),
            ("alpine:3.20", Libc::Musl, None),
            ("debian:10-slim", Libc::Glibc, Some("2.28")),
            ("debian:11-slim", Libc::Glibc, Some("2.31")),
            ("debian:12-slim", Libc::Glibc, Some("2.36")),
            ("debian:13-slim", Libc::Glibc, Some("2.41")),
            ("ubuntu:20.04", Libc::Glibc, Some("2.31")),
            ("ubuntu:22.04", Libc::Glibc, Some("2.35")),
            ("ubuntu:24.04", Libc::Glibc, Some("2.39")),
            ("ubi8", Libc::Glibc, Some("2.28")),
            ("ubi9", Libc::Glibc, Some("2.34")),
            ("scratch", Libc::None, None),
            (
                "docker.io/library/debian:12-slim",
                Libc::Glibc,
                Some("2.36"),
            ),
        ] {
            let i = find(name)
                .unwrap()
                .unwrap_or_else(|| panic!("{name} unknown"));
            assert_eq!((i.libc, i.glibc.as_deref()), (libc, glibc), "{name}");
        }
        let mut seen = std::collections::BTreeSet::new();
        for i in imgs {
            for n in std::iter::once(&i.name).chain(&i.aliases) {
                assert!(seen.insert(n.clone()), "name {n} used twice");
            }
            for a in &i.arches {
                assert!(
                    crate::target::arch(a).is_some(),
                    "{}: unknown arch {a}",
                    i.name
                );
            }
        }
        assert_eq!(find("alpine:2.0").unwrap().map(|i| i.name.as_str()), None);
    }

    #[test]
    fn images_have_the_files_go_reads_with_sources() {
        let has = |image: &str, path: &str| {
            let i = find(image).unwrap().unwrap();
            let e = i.lookup(path);
            if let Some(e) = &e {
                assert!(!e.source.is_empty(), "{image} {path}: no source");
            }
            e
        };
        let static_ = "distroless/static";
        assert!(has(static_, "/etc/ssl/certs/ca-certificates.crt").is_some());
        assert_eq!(
            has(static_, "/usr/share/zoneinfo/").map(|e| e.kind),
            Some(EntryKind::Dir)
        );
        let passwd = has(static_, "/etc/passwd").unwrap();
        assert_eq!(
            passwd.note.as_deref(),
            Some("root 0, nobody 65534, nonroot 65532")
        );
        assert!(has(static_, "/etc/group").is_some());
        assert_eq!(
            has(static_, "/etc/nsswitch.conf").and_then(|e| e.note),
            Some("hosts: files dns".to_string())
        );
        assert_eq!(has(static_, "/tmp").and_then(|e| e.mode), Some(0o1777));
        assert_eq!(find(static_).unwrap().unwrap().libc, Libc::None);
        for path in [
            "/etc/passwd",
            "/tmp",
            "/usr/share/zoneinfo",
            "/etc/ssl/cert.pem",
        ] {
            assert!(has("scratch", path).is_none(), "scratch {path}");
        }
        let slim = find("debian:12-slim").unwrap().unwrap();
        assert!(slim.lookup("/etc/ssl/certs/ca-certificates.crt").is_none());
        assert_eq!(
            slim.absence("/etc/ssl/certs/ca-certificates.crt")
                .as_deref(),
            Some("no CA bundle")
        );
        assert!(slim.lookup("/usr/share/zoneinfo").is_some());
        let alpine = find("alpine:3.20").unwrap().unwrap();
        assert!(alpine.lookup("/etc/ssl/cert.pem").is_some());
        assert!(alpine.lookup("/usr/share/zoneinfo").is_none());
        assert!(alpine.lookup("/etc/passwd").is_some());
        // Every image says something about the CA bundle and /etc/passwd.
        for i in all().unwrap() {
            for p in ["/etc/ssl/certs/ca-certificates.crt", "/etc/passwd"] {
                let said = i.lookup(p).is_some()
                    || i.absence(p).is_some()
                    || (p != "/etc/passwd"
                        && i.lookup("/etc/pki/tls/certs/ca-bundle.crt").is_some());
                assert!(said, "{}: nothing said about {p}", i.name);
            }
        }
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version_le("2.4", "2.31"));
        assert!(version_le("2.31", "2.31"));
        assert!(!version_le("2.34", "2.31"));
        assert!(version_le("2.17", "2.28"));
    }
}
