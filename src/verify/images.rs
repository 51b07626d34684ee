//! The base-image table (`images.toml`, compiled in): what each image ships, so
//! `runs-on.IMAGE` can say whether an artifact will start there and why not.

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
    source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    loaders: BTreeMap<String, Vec<String>>,
    libraries: BTreeMap<String, Vec<String>>,
    image: Vec<RawImage>,
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
                source: i.source,
            })
        })
        .collect()
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
    fn versions_compare_numerically() {
        assert!(version_le("2.4", "2.31"));
        assert!(version_le("2.31", "2.31"));
        assert!(!version_le("2.34", "2.31"));
        assert!(version_le("2.17", "2.28"));
    }
}
