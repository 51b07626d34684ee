//! Real images named in `runs-on` (`oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`,
//! `docker-archive:FILE`): where a relative path is taken from, reading each once per
//! platform (a cache shared by parallel builds), and handing them to a policy. An image
//! that cannot be read (damaged or hostile), or has no manifest for the platform, is a
//! configuration error (exit 2) naming the reference and the profile line; one whose
//! reading would pass a budget is handed on marked so, and judged `unknown`. For the
//! smoke runs inside them, each image's root filesystem is extracted once per platform
//! ([`ImageCache::root`]) into a private directory removed with the cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::usage;
use crate::image::rootfs::RootFs;
use crate::image::{self, ImageError, ImageFiles, ImageRef, Platform, Transport};
use crate::profile::{ResolvedProfile, Source};
use crate::target::Target;
use crate::verify::Policy;

type Key = (ImageRef, PathBuf, Platform);

/// Images read so far, by reference, base directory and platform; and the root
/// filesystems extracted.
#[derive(Debug, Default)]
pub struct ImageCache {
    read: Mutex<BTreeMap<Key, Result<Arc<ImageFiles>, String>>>,
    roots: Mutex<BTreeMap<Key, Result<Arc<Extracted>, ImageError>>>,
}

/// An image's root filesystem, extracted for a smoke run inside it, in the private
/// directory that holds it (removed when the last holder drops it).
#[derive(Debug)]
pub struct Extracted {
    pub root: RootFs,
    _dir: tempfile::TempDir,
}

/// The directory a relative image path is taken against: the profile file's that set
/// `runs-on`, else the working directory.
pub fn base_dir(source: &Source, work_dir: &Path) -> PathBuf {
    let file = match source {
        Source::Build(at) | Source::Profile { at, .. } | Source::Inherited { at, .. } => {
            Some(&at.file)
        }
        Source::BuiltIn | Source::Flag(_) => None,
    };
    file.and_then(|f| f.parent())
        .map(|d| work_dir.join(d))
        .unwrap_or_else(|| work_dir.to_path_buf())
}

/// What to do next when the local image `r`, at `path`, is not there (no file, or a
/// directory that is no OCI layout): the command that writes one, and, where a registry
/// image may stand instead (`image.base`), that. `None` when it is there.
pub fn missing_image_help(r: &ImageRef, path: &Path, registry_ok: bool) -> Option<String> {
    let there = match r.transport {
        Transport::OciDir => path.join("oci-layout").is_file(),
        Transport::OciArchive | Transport::DockerArchive => path.is_file(),
    };
    if there {
        return None;
    }
    let shown = crate::sanitize::escape::path(&r.path);
    let tag = r.selector.as_deref().unwrap_or("TAG");
    Some(match r.transport {
        Transport::OciDir => format!(
            "write the layout with `skopeo copy --all docker://IMAGE oci:{shown}:{tag}`{}",
            if registry_ok {
                ", or name a registry image (REGISTRY/REPOSITORY:TAG) instead"
            } else {
                ""
            }
        ),
        Transport::OciArchive => {
            format!("write the archive with `skopeo copy --all docker://IMAGE oci-archive:{shown}`")
        }
        Transport::DockerArchive => format!(
            "write the archive with `docker save IMAGE -o {shown}` or `skopeo copy \
             docker://IMAGE docker-archive:{shown}`"
        ),
    })
}

/// Checks the `runs-on` references of a profile without reading them (the platform is
/// not known yet): the syntax, and that the directory or file is there.
pub fn check_references(profile: &ResolvedProfile, work_dir: &Path) -> anyhow::Result<()> {
    let runs_on = &profile.verify.runs_on;
    for entry in &runs_on.value {
        let Some(parsed) = ImageRef::parse(entry) else {
            continue;
        };
        let r = parsed.map_err(|e| usage(format!("{}: runs-on {e}", runs_on.source)))?;
        let path = r.resolve(&base_dir(&runs_on.source, work_dir));
        let ok = match r.transport {
            Transport::OciDir => path.is_dir(),
            Transport::OciArchive | Transport::DockerArchive => path.is_file(),
        };
        if !ok {
            let message = format!(
                "{}: runs-on image `{entry}`: {} `{}` {}",
                runs_on.source,
                match r.transport {
                    Transport::OciDir => "directory",
                    _ => "file",
                },
                crate::sanitize::escape::path(&path),
                if path.exists() {
                    match r.transport {
                        Transport::OciDir => {
                            "is not a directory (for a tar file write oci-archive:)"
                        }
                        _ => "is not a file (for an OCI layout directory write oci:)",
                    }
                } else {
                    "does not exist"
                }
            );
            return Err(match missing_image_help(&r, &path, false) {
                Some(help) => crate::error::helped(crate::error::Exit::Usage, message, help),
                None => usage(message),
            });
        }
    }
    Ok(())
}

impl ImageCache {
    /// The real images of `profile`'s `runs-on`, read for `target`, into `policy`.
    pub fn attach(
        &self,
        profile: &ResolvedProfile,
        target: &Target,
        work_dir: &Path,
        policy: &mut Policy,
    ) -> anyhow::Result<()> {
        let runs_on = &profile.verify.runs_on;
        let base = base_dir(&runs_on.source, work_dir);
        let platform = Platform::of_target(target);
        for entry in &runs_on.value {
            let Some(parsed) = ImageRef::parse(entry) else {
                continue;
            };
            let r = parsed.map_err(|e| usage(format!("{}: runs-on {e}", runs_on.source)))?;
            let files = self
                .get(&r, &base, &platform, entry)
                .map_err(|e| usage(format!("runs-on image `{entry}` ({}): {e}", runs_on.source)))?;
            policy.images.insert(entry.clone(), files);
        }
        Ok(())
    }

    /// The root filesystem of the `runs-on` image `entry` (a reference) for `target`,
    /// extracted once (targets of one platform share it): why not, when it cannot be
    /// (past a budget: [`ImageError::over_budget`]).
    pub fn root(
        &self,
        profile: &ResolvedProfile,
        target: &Target,
        work_dir: &Path,
        entry: &str,
    ) -> Result<Arc<Extracted>, ImageError> {
        let runs_on = &profile.verify.runs_on;
        let r = match ImageRef::parse(entry) {
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(ImageError::new(e)),
            None => return Err(ImageError::new(format!("`{entry}` is no image reference"))),
        };
        let base = base_dir(&runs_on.source, work_dir);
        let key = (r.clone(), base.clone(), Platform::of_target(target));
        // One extraction at a time; other targets wait, and then find it done.
        let mut roots = self.roots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(done) = roots.get(&key) {
            return done.clone();
        }
        let extracted = crate::toolchain::smoke::private_dir("xbuild-go-rootfs-")
            .map_err(|e| ImageError::new(format!("{e:#}")))
            .and_then(|dir| {
                let into = dir.path().join("root");
                std::fs::create_dir(&into)
                    .map_err(|e| ImageError::new(format!("creating `{}`: {e}", into.display())))?;
                let mut root = image::rootfs::extract(&r, &base, &key.2, &into)?;
                root.reference = entry.to_string();
                Ok(Arc::new(Extracted { root, _dir: dir }))
            });
        roots.insert(key, extracted.clone());
        extracted
    }

    fn get(
        &self,
        r: &ImageRef,
        base: &Path,
        platform: &Platform,
        written: &str,
    ) -> Result<Arc<ImageFiles>, String> {
        let key = (r.clone(), base.to_path_buf(), platform.clone());
        // One reader per image at a time; parallel builds of other targets wait, and
        // then find it read.
        let mut read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(done) = read.get(&key) {
            return done.clone();
        }
        let result = image::read(r, base, platform)
            .map(|mut f| {
                f.reference = written.to_string();
                Arc::new(f)
            })
            .map_err(|e| e.to_string());
        read.insert(key, result.clone());
        result
    }
}

#[cfg(test)]
mod tests;
