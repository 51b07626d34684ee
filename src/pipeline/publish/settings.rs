//! What `image` is asked, read before anything builds: the base reference (local, or a
//! registry's, which [`super::remote`] pulls), the [`ImageSpec`] of
//! `[profile.NAME.image]`, the tags filled, each binary's path, the outputs with their
//! placeholders checked, and the epoch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::assemble::{spec, ImageSpec};
use crate::error::usage;
use crate::image::{ImageRef, Platform};
use crate::profile::{placeholders, ImageSettings, Source, Sourced};
use crate::registry::reference::Reference;
use crate::target::Target;

/// The base of an image, parsed.
#[derive(Debug, Clone)]
pub enum BaseRef {
    /// `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:…]`.
    Local(ImageRef),
    /// `HOST[:PORT]/repo[:tag|@sha256:…]`, by Docker's rules.
    Registry(Reference),
}

/// The error prefix of a value set at `source`.
pub(super) fn at(source: &Source) -> String {
    match source {
        Source::BuiltIn => String::new(),
        s => format!("{s}: "),
    }
}

/// The base of the image table, parsed: a local image in the syntax of `runs-on`, else a
/// registry reference; none, or neither, is exit 2 naming the key.
pub fn base_ref(settings: &ImageSettings) -> anyhow::Result<(BaseRef, Sourced<String>)> {
    let Some(base) = settings.base.clone() else {
        return Err(usage(format!(
            "{}image.base: the image table names no base; add e.g. base = \"oci:base:1\" \
             (a local OCI layout), \"oci-archive:base.tar\" or \"docker-archive:base.tar\"",
            at(&settings.table)
        )));
    };
    let parsed = match ImageRef::parse(&base.value) {
        Some(Ok(r)) => BaseRef::Local(r),
        Some(Err(e)) => return Err(usage(format!("{}image.base: {e}", at(&base.source)))),
        None => match Reference::parse(&base.value) {
            Ok(r) => BaseRef::Registry(r),
            Err(e) => {
                return Err(usage(format!(
                    "{}image.base: `{}` is neither a local image (oci:DIR[:TAG], \
                     oci-archive:FILE, docker-archive:FILE) nor a registry reference: {e}",
                    at(&base.source),
                    base.value
                )))
            }
        },
    };
    Ok((parsed, base))
}

/// The spec of the image table, with the annotations of the source; checked (exit 2,
/// naming the key and where the table is).
pub fn image_spec(
    settings: &ImageSettings,
    annotations: SourceAnnotations,
) -> anyhow::Result<ImageSpec> {
    fn value<T: Clone>(v: &Option<Sourced<T>>) -> Option<T> {
        v.as_ref().map(|s| s.value.clone())
    }
    let map = |v: &Option<Sourced<BTreeMap<String, String>>>| value(v).unwrap_or_default();
    let s = ImageSpec {
        entrypoint: value(&settings.entrypoint),
        cmd: value(&settings.cmd),
        user: value(&settings.user),
        workdir: value(&settings.workdir),
        env: map(&settings.env),
        labels: map(&settings.labels),
        annotations: map(&settings.annotations),
        ports: value(&settings.ports).unwrap_or_default(),
        version: annotations.version,
        revision: annotations.revision,
        source: annotations.source,
        title: annotations.title,
    };
    s.check()
        .map_err(|e| usage(format!("{}{}", at(&settings.table), e.message)))?;
    Ok(s)
}

/// The `org.opencontainers.image.*` annotations that come from the source.
#[derive(Debug, Clone, Default)]
pub struct SourceAnnotations {
    pub version: Option<String>,
    pub revision: Option<String>,
    pub source: Option<String>,
    pub title: Option<String>,
}

/// A git remote without its credentials: `https://user:token@host/x` → `https://host/x`
/// (then through the redaction layer, for what is left).
pub fn remote_without_credentials(remote: &str) -> String {
    let stripped = match remote.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            match rest[..end].rfind('@') {
                Some(i) => format!("{scheme}://{}", &rest[i + 1..]),
                None => remote.to_string(),
            }
        }
        None => remote.to_string(),
    };
    crate::sanitize::redact::urls(&stripped).into_owned()
}

/// The tags filled: source placeholders (`{version}`, `{commit}`, …), `{profile}`, and
/// `{name}` when one binary goes in; each checked as a registry tag (exit 2). A `+` in
/// the value of a placeholder (a development version `0.0.0-dev+abc`) becomes `-`, as a
/// tag cannot hold it.
pub fn tags(
    settings: &ImageSettings,
    vars: &dyn Fn(&str) -> Option<String>,
    one_name: Option<&str>,
    profile: &str,
) -> anyhow::Result<Vec<String>> {
    let t = &settings.tags;
    let mut out: Vec<String> = Vec::new();
    for template in &t.value {
        let filled = placeholders::expand(template, |n| match n {
            "name" => one_name.map(str::to_string),
            "profile" => Some(profile.to_string()),
            n if placeholders::TARGET.contains(&n) => None,
            other => vars(other).map(|v| v.replace('+', "-")),
        })
        .map_err(|e| {
            usage(format!(
                "{}image.tags: {e} (a tag names the whole multi-platform image: {{os}}, \
                 {{arch}}, {{variant}} and {{exe}} have no value there, nor {{name}} with \
                 several binaries)",
                at(&t.source)
            ))
        })?;
        spec::tag(&filled).map_err(|e| usage(format!("{}image.tags: {e}", at(&t.source))))?;
        if !out.contains(&filled) {
            out.push(filled);
        }
    }
    Ok(out)
}

/// Where the binary `name` goes: `image.path` filled (`/usr/local/bin/{name}`).
pub fn binary_path(
    settings: &ImageSettings,
    vars: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<String> {
    let p = &settings.path;
    let filled = placeholders::expand(&p.value, vars)
        .map_err(|e| usage(format!("{}image.path: {e}", at(&p.source))))?;
    spec::binary_path(&filled).map_err(|e| usage(format!("{}{}", at(&p.source), e.message)))?;
    Ok(filled)
}

/// The outputs asked for, paths made absolute against the working directory.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub layout: Option<PathBuf>,
    pub oci_archive: Option<PathBuf>,
    /// One file per platform, in the order of the platforms.
    pub docker_archives: Vec<(Platform, PathBuf)>,
}

impl Outputs {
    pub fn is_empty(&self) -> bool {
        self.layout.is_none() && self.oci_archive.is_none() && self.docker_archives.is_empty()
    }

    /// Every path, for the check that nothing was written.
    pub fn paths(&self) -> Vec<&Path> {
        self.layout
            .iter()
            .chain(&self.oci_archive)
            .map(PathBuf::as_path)
            .chain(self.docker_archives.iter().map(|(_, p)| p.as_path()))
            .collect()
    }
}

/// The docker-archive path of every platform: `{os}`, `{arch}` and `{variant}` filled
/// (the target's variant as written, empty without one); with several platforms the
/// paths must differ (`{arch}`, and `{variant}` when two differ only by variant), exit
/// 2 otherwise.
pub fn docker_archives(
    template: &str,
    work_dir: &Path,
    targets: &[(Target, Platform)],
) -> anyhow::Result<Vec<(Platform, PathBuf)>> {
    const KNOWN: &[&str] = &["os", "arch", "variant"];
    placeholders::check(template, KNOWN).map_err(|e| usage(format!("--docker-archive: {e}")))?;
    let mut out: Vec<(Platform, PathBuf)> = Vec::new();
    for (t, p) in targets {
        let filled = placeholders::expand(template, |n| match n {
            "os" => Some(t.goos().to_string()),
            "arch" => Some(t.goarch().to_string()),
            "variant" => Some(t.variant().unwrap_or("").to_string()),
            _ => None,
        })
        .map_err(|e| usage(format!("--docker-archive: {e}")))?;
        let path = work_dir.join(filled);
        if let Some((other, _)) = out.iter().find(|(_, q)| q == &path) {
            let hint = if other.arch == p.arch {
                "{variant}"
            } else {
                "{arch}"
            };
            return Err(usage(format!(
                "--docker-archive {template}: a docker-archive holds one platform, and {other} \
                 and {p} would both be written to `{}`: put {hint} in the path, e.g. \
                 --docker-archive dist/image-{{arch}}{{variant}}.tar",
                crate::sanitize::escape::path(&path)
            )));
        }
        out.push((p.clone(), path));
    }
    Ok(out)
}

/// Refuses, before anything builds, a destination the writers would refuse after the
/// proofs (exit 2): a layout path that is a file or a directory that is neither empty
/// nor a layout, an archive path that is a directory.
/// `p` with `.` components and doubled separators gone, for comparing destinations.
fn lexical(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

pub fn check_destinations(outputs: &Outputs) -> anyhow::Result<()> {
    let shown = |p: &Path| crate::sanitize::escape::path(p);
    if let Some(dir) = &outputs.layout {
        if let Ok(meta) = dir.symlink_metadata() {
            if !meta.is_dir() {
                return Err(usage(format!(
                    "--oci-layout `{}` exists and is not a directory",
                    shown(dir)
                )));
            }
            let empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
            if !empty && !dir.join("oci-layout").is_file() {
                return Err(usage(format!(
                    "--oci-layout `{}` is a directory that is neither empty nor an OCI layout: \
                     name a new directory",
                    shown(dir)
                )));
            }
        }
    }
    let archives = outputs
        .oci_archive
        .iter()
        .map(|p| ("--oci-archive", p))
        .chain(
            outputs
                .docker_archives
                .iter()
                .map(|(_, p)| ("--docker-archive", p)),
        );
    let mut seen: Vec<(&str, PathBuf)> = Vec::new();
    if let Some(dir) = &outputs.layout {
        seen.push(("--oci-layout", lexical(dir)));
    }
    for (flag, file) in archives {
        let at = lexical(file);
        if let Some((other, _)) = seen.iter().find(|(_, p)| *p == at || at.starts_with(p)) {
            return Err(usage(format!(
                "{flag} `{}` is also where {other} writes: give each output its own path",
                shown(file)
            )));
        }
        seen.push((flag, at));
        if file.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            return Err(usage(format!(
                "{flag} `{}` is a directory: name the archive file",
                shown(file)
            )));
        }
    }
    Ok(())
}

/// The epoch of the image (seconds since 1970): `SOURCE_DATE_EPOCH` (a value of the
/// host snapshot: exit 2 when it is not a number), else HEAD's commit time, else 0.
pub fn epoch(source_date_epoch: Option<&str>, commit_time: Option<i64>) -> anyhow::Result<u64> {
    match source_date_epoch.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.parse::<u64>().map_err(|_| {
            usage(format!(
                "SOURCE_DATE_EPOCH={s:?} is not a number of seconds since 1970 (the image's \
                 time comes from it)"
            ))
        }),
        None => Ok(commit_time.and_then(|t| u64::try_from(t).ok()).unwrap_or(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_lose_their_credentials() {
        for (case, remote, want) in [
            (
                "https token",
                "https://user:tok@example.test/o/r.git",
                "https://example.test/o/r.git",
            ),
            (
                "user only",
                "https://user@example.test/o/r",
                "https://example.test/o/r",
            ),
            (
                "plain",
                "https://example.test/o/r",
                "https://example.test/o/r",
            ),
            (
                "scp-like",
                "git@example.test:o/r.git",
                "git@example.test:o/r.git",
            ),
        ] {
            assert_eq!(remote_without_credentials(remote), want, "{case}");
        }
    }

    #[test]
    fn epoch_from_the_snapshot_then_the_commit_then_zero() {
        for (case, sde, commit, want) in [
            ("sde wins", Some("1700000000"), Some(5), Some(1_700_000_000)),
            ("commit time", None, Some(1234), Some(1234)),
            ("empty sde ignored", Some(""), Some(7), Some(7)),
            ("nothing", None, None, Some(0)),
            ("bad sde", Some("yesterday"), Some(7), None),
        ] {
            assert_eq!(epoch(sde, commit).ok(), want, "{case}");
        }
    }

    #[test]
    fn docker_archive_paths_must_tell_platforms_apart() {
        let t = |s: &str| {
            let t = Target::parse(s).unwrap();
            let p = Platform::of_target(&t);
            (t, p)
        };
        let two = [t("linux/amd64"), t("linux/arm64")];
        let dir = Path::new("/w");
        assert!(
            docker_archives("img.tar", dir, &two).is_err(),
            "no {{arch}}"
        );
        let ok = docker_archives("img-{arch}.tar", dir, &two).unwrap();
        assert_eq!(ok[1].1, Path::new("/w/img-arm64.tar"));
        let arms = [t("linux/arm/v6"), t("linux/arm/v7")];
        let e = docker_archives("img-{arch}.tar", dir, &arms).unwrap_err();
        assert!(format!("{e}").contains("{variant}"), "{e}");
        assert!(docker_archives("img-{arch}{variant}.tar", dir, &arms).is_ok());
        assert!(
            docker_archives("img.tar", dir, &two[..1]).is_ok(),
            "one platform"
        );
    }
}
