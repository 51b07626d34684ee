//! Reading container images (OCI layout, oci-archive, docker-archive) into a bounded
//! file index that verify's pure `runs-on` judgement consumes.
//!
//! [`read`] picks the manifest for a platform ([`manifest`]), applies the layers in
//! order ([`layers`]: gzip, zstd or plain tar; whiteouts and opaque directories; hard
//! links; symlinks resolved inside the root) into an [`ImageFiles`] index of names,
//! types, modes, sizes and link targets, then reads the bytes of the few small files
//! a judgement needs ([`SMALL_FILES`], `/etc/ld.so.conf.d/*`, `/etc/ld.so.cache`, musl's
//! `/etc/ld-musl-*.path`, the `libc.so.6` the loader would use; [`ldpath`] searches as
//! the loaders do). Nothing is extracted to disk, no file of a layout is reached through a
//! symlink or read unless regular ([`crate::input::file`]), every digest is verified
//! (sha256, sha512; others refused), no JSON document with a key twice is accepted, and
//! every step is bounded: [`BUDGETS`] lists each budget, as docs/security.md does. Past
//! one, [`read`] returns an index marked [`ImageFiles::over_budget`], judged `unknown`.
//!
//! For a smoke run inside the image, [`rootfs`] writes the tree the same index describes
//! into a private directory (the only part of this module that writes files).

pub mod files;
pub mod layers;
pub mod ldcache;
mod ldconf;
pub mod ldpath;
pub mod manifest;
mod reference;
pub mod rootfs;
mod source;
pub mod tarwalk;

pub use files::{ImageFiles, Kind, Lookup, Node, Small};
pub use reference::{ImageRef, Transport};
pub use source::{sniff, Source};

use std::fmt;
use std::path::Path;

use crate::target::{write_platform, Target};

/// Why an image could not be read: it is damaged or hostile (the image is refused,
/// exit 2), or reading it would pass a budget (the judgement is `unknown`, with why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageError {
    pub message: String,
    /// A budget (one of those [`BUDGETS`] lists) would be passed: not proof of a bad
    /// image, only that this tool will not spend more on it.
    pub over_budget: bool,
    /// The image is readable but has no manifest for the platform asked for (the
    /// message names the platforms it has): what the user asked of it is wrong.
    pub lacks_platform: bool,
}

impl ImageError {
    /// The image is damaged or hostile.
    pub fn new(message: impl Into<String>) -> ImageError {
        ImageError {
            message: message.into(),
            over_budget: false,
            lacks_platform: false,
        }
    }

    /// Reading the image would pass a budget.
    pub fn budget(message: impl Into<String>) -> ImageError {
        ImageError {
            over_budget: true,
            ..ImageError::new(message)
        }
    }

    /// The image has no manifest for the platform asked for.
    pub fn lacks_platform(message: impl Into<String>) -> ImageError {
        ImageError {
            lacks_platform: true,
            ..ImageError::new(message)
        }
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ImageError {}

/// An image platform: `linux/arm/v7`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    pub os: String,
    /// GOARCH spelling, as image indexes use it.
    pub arch: String,
    pub variant: Option<String>,
}

impl Platform {
    /// The platform a target's binaries run on: `linux/arm/v7` for linux/arm with
    /// GOARM=7 (the default), `linux/amd64/v3` for GOAMD64=v3, the variant as written
    /// otherwise.
    pub fn of_target(t: &Target) -> Platform {
        let variant = match (t.goarch(), t.level()) {
            ("arm", Some((_, goarm))) => Some(format!("v{goarm}")),
            ("amd64", Some((_, level))) if level != "v1" => Some(level.to_string()),
            _ => t.variant().map(str::to_string),
        };
        Platform {
            os: t.goos().to_string(),
            arch: t.goarch().to_string(),
            variant,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_platform(f, &self.os, &self.arch, self.variant.as_deref())
    }
}

/// Small files whose bytes are read with the image (each at most [`SMALL_CAP`]).
pub const SMALL_FILES: &[&str] = &[
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/os-release",
    "/etc/debian_version",
    "/etc/alpine-release",
    "/etc/ld.so.conf",
];

/// The most bytes of a small file read.
pub const SMALL_CAP: u64 = 64 << 10;
/// The most bytes of `libc.so.6` read (for its version definitions).
pub const LIBC_CAP: u64 = 32 << 20;
/// The most file bytes held for one image, all files together.
pub const MAX_LOADED: u64 = 64 << 20;
/// The most `/etc/ld.so.conf.d/*.conf` files read (the rest are not).
pub const MAX_CONF_FILES: usize = 64;

/// One budget of reading an image: its constant's name, value, and whether it counts
/// bytes (else things: entries, files, levels).
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub value: u64,
    pub bytes: bool,
}

const fn limit(name: &'static str, value: u64, bytes: bool) -> Limit {
    Limit { name, value, bytes }
}

/// Every budget the image reader keeps, as docs/security.md lists them (a test checks
/// the two agree). Past one of them the read stops and a judgement is `unknown`.
pub const BUDGETS: &[Limit] = &[
    limit("MAX_JSON", manifest::MAX_JSON, true),
    limit("MAX_INDEX_DEPTH", manifest::MAX_INDEX_DEPTH as u64, false),
    limit("MAX_INDEXES", manifest::MAX_INDEXES as u64, false),
    limit("MAX_DESCRIPTORS", manifest::MAX_DESCRIPTORS as u64, false),
    limit("MAX_LAYERS", manifest::MAX_LAYERS as u64, false),
    limit("MAX_ARCHIVE_ENTRIES", source::MAX_ARCHIVE_ENTRIES, false),
    limit("MAX_UNPACKED", layers::MAX_UNPACKED, true),
    limit("MAX_ENTRIES", layers::MAX_ENTRIES, false),
    limit("MAX_EXTENSION", tarwalk::MAX_EXTENSION, true),
    limit("MAX_FILES", files::MAX_FILES as u64, false),
    limit("MAX_PATH", files::MAX_PATH as u64, true),
    limit("MAX_PATH_DEPTH", files::MAX_PATH_DEPTH as u64, false),
    limit("MAX_PATH_BYTES", files::MAX_PATH_BYTES, true),
    limit("MAX_HOPS", files::MAX_HOPS as u64, false),
    limit("MAX_WALK", files::MAX_WALK, false),
    limit("MAX_LOOKUP_WALK", files::MAX_LOOKUP_WALK, false),
    limit("MAX_INCLUDE_DEPTH", ldconf::MAX_INCLUDE_DEPTH as u64, false),
    limit("MAX_INCLUDE_READS", ldconf::MAX_INCLUDE_READS as u64, false),
    limit("MAX_GLOB_TESTS", ldconf::MAX_GLOB_TESTS as u64, false),
    limit("MAX_CONF_DIRS", ldconf::MAX_CONF_DIRS as u64, false),
    limit("MAX_LDCACHE", ldcache::MAX_LDCACHE, true),
    limit("MAX_STEPS", ldcache::MAX_STEPS as u64, false),
    limit("MAX_CONF_FILES", MAX_CONF_FILES as u64, false),
    limit("SMALL_CAP", SMALL_CAP, true),
    limit("LIBC_CAP", LIBC_CAP, true),
    limit("MAX_LOADED", MAX_LOADED, true),
    limit("MAX_ROOTFS", rootfs::MAX_ROOTFS, true),
];

/// Reads the image `r` names (a relative path is taken against `base`) for `platform`:
/// the index of its files, and the bytes of the small files a judgement reads. The
/// error says what is wrong, without the reference (the caller names it).
///
/// Past a budget the read stops and the index comes back empty but for
/// [`ImageFiles::over_budget`], which says which budget and why (a judgement on it is
/// `unknown`); a damaged or hostile image is an error.
pub fn read(r: &ImageRef, base: &Path, platform: &Platform) -> Result<ImageFiles, ImageError> {
    match read_bounded(r, base, platform) {
        Err(e) if e.over_budget => {
            let mut files = ImageFiles::new(&r.to_string(), platform.clone());
            files.over_budget = Some(e.message);
            Ok(files)
        }
        other => other,
    }
}

/// An image opened and its manifest for `platform` picked, with the index of the files
/// its layers leave (no file's bytes read yet), and what the reading may still spend.
struct Indexed {
    source: Source,
    picked: manifest::Picked,
    files: ImageFiles,
    budget: layers::Budget,
}

fn index(r: &ImageRef, base: &Path, platform: &Platform) -> Result<Indexed, ImageError> {
    let source = open(r, base)?;
    let (picked, files, budget) = index_in(&source, r, platform)?;
    Ok(Indexed {
        source,
        picked,
        files,
        budget,
    })
}

/// Opens the directory or archive `r` names (a relative path taken against `base`),
/// to read one or more platforms from it with [`read_from`].
pub fn open(r: &ImageRef, base: &Path) -> Result<Source, ImageError> {
    let path = r.resolve(base);
    match r.transport {
        Transport::OciDir => Source::dir(&path),
        Transport::OciArchive | Transport::DockerArchive => Source::archive(&path),
    }
}

/// The manifest for `platform` picked from an opened source, and the index of the
/// files its layers leave.
fn index_in(
    source: &Source,
    r: &ImageRef,
    platform: &Platform,
) -> Result<(manifest::Picked, ImageFiles, layers::Budget), ImageError> {
    let picked = manifest::pick(source, r, platform)?;
    let mut files = ImageFiles::new(&r.to_string(), picked.platform.clone());
    files.manifest = picked.manifest_digest.clone();
    files.user = picked.user.clone();
    files.layers = picked.layers.len();
    let mut budget = layers::Budget::default();
    for (i, blob) in picked.layers.iter().enumerate() {
        layers::apply(source, i, blob, &mut files, &mut budget)?;
    }
    Ok((picked, files, budget))
}

fn read_bounded(r: &ImageRef, base: &Path, platform: &Platform) -> Result<ImageFiles, ImageError> {
    let source = open(r, base)?;
    read_from(&source, r, platform).map(|(_, files)| files)
}

/// Reads the image for `platform` from an opened source: the documents picked (the
/// manifest, config and layers, as stored) and the file index with its small files, as
/// [`read`] does. Past a budget this is an error marked [`ImageError::over_budget`].
pub fn read_from(
    source: &Source,
    r: &ImageRef,
    platform: &Platform,
) -> Result<(manifest::Picked, ImageFiles), ImageError> {
    let (picked, mut files, mut budget) = index_in(source, r, platform)?;
    // The small files, the loaders' configuration and cache, and the libc of glibc's
    // built-in directories (the usual case) in one walk.
    let (system, _) = ldpath::glibc_dirs(&files, &picked.platform.arch);
    let mut wanted: Vec<String> = SMALL_FILES.iter().map(|s| s.to_string()).collect();
    wanted.extend(
        files
            .list_dir("/etc/ld.so.conf.d")
            .iter()
            .filter(|n| n.ends_with(".conf"))
            .take(MAX_CONF_FILES)
            .map(|n| format!("/etc/ld.so.conf.d/{n}")),
    );
    wanted.extend(
        files
            .list_dir("/etc")
            .iter()
            .filter(|n| n.starts_with("ld-musl-") && n.ends_with(".path"))
            .take(MAX_CONF_FILES)
            .map(|n| format!("/etc/{n}")),
    );
    let mut first = files.to_load(&wanted, SMALL_CAP);
    first.extend(files.to_load(&[ldpath::LDCACHE.to_string()], ldcache::MAX_LDCACHE));
    let libc: Vec<String> = system.iter().map(|d| format!("{d}/libc.so.6")).collect();
    first.extend(files.to_load(&libc, LIBC_CAP));
    layers::load(
        source,
        &picked.layers,
        &mut files,
        first,
        LIBC_CAP,
        &mut budget,
    )?;
    let (dirs, over) = ldconf::conf_dirs(&files);
    files.conf_dirs = dirs;
    if let Some(why) = over {
        return Err(ImageError::budget(why));
    }
    // The cache may put another libc first.
    let more = files.to_load(&ldpath::libc_paths(&files, &picked.platform.arch), LIBC_CAP);
    layers::load(
        source,
        &picked.layers,
        &mut files,
        more,
        LIBC_CAP,
        &mut budget,
    )?;
    Ok((picked, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_map_to_the_platforms_their_machines_pull() {
        for (target, want) in [
            ("linux/arm64", "linux/arm64"),
            ("linux/arm", "linux/arm/v7"),
            ("linux/arm/v6", "linux/arm/v6"),
            ("linux/amd64", "linux/amd64"),
            ("linux/amd64/v3", "linux/amd64/v3"),
            ("linux/arm64/v8.2", "linux/arm64/v8.2"),
            ("linux/riscv64", "linux/riscv64"),
        ] {
            let t = Target::parse(target).unwrap();
            assert_eq!(Platform::of_target(&t).to_string(), want, "case {target}");
        }
    }
}
