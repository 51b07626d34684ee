//! What an image's files provide for what a Go binary reads at run time: the CA roots,
//! the zoneinfo and `/tmp`, found once through [`ImageContents`] for the named-image table
//! and for real images alike, so both are asked the same questions in the same order.
//!
//! The paths are Go's (`crypto/x509/root_linux.go`, `time/zoneinfo_unix.go`).

use super::images::{Entry, EntryKind, ImageContents};

/// The CA bundles Go reads on Linux, in its order (`crypto/x509/root_linux.go`).
pub const CA_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];
/// The certificate directories Go reads on Linux when no bundle loads.
pub const CA_DIRS: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs"];
/// Where Go looks for zone files on Unix (`time/zoneinfo_unix.go`), before its GOROOT zip.
pub const ZONE_DIRS: &[&str] = &[
    "/usr/share/zoneinfo",
    "/usr/share/lib/zoneinfo",
    "/usr/lib/locale/TZ",
    "/etc/zoneinfo",
];

/// The first of `paths` the image has as a `kind` with something in it (a file with bytes,
/// a directory with entries), in the order given.
pub fn first_filled(image: &dyn ImageContents, paths: &[&str], kind: EntryKind) -> Option<Entry> {
    paths
        .iter()
        .find_map(|p| image.lookup(p).filter(|e| e.kind == kind && e.filled))
}

/// What an image provides for the runtime needs that are judged by its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provided {
    /// The first CA bundle of [`CA_FILES`] the image has.
    pub ca_bundle: Option<Entry>,
    /// The first certificate directory of [`CA_DIRS`] with files in it.
    pub ca_dir: Option<Entry>,
    /// The first zoneinfo directory of [`ZONE_DIRS`] with zones in it.
    pub zoneinfo: Option<Entry>,
    /// Whatever is at `/tmp` (a directory, one hopes).
    pub tmp: Option<Entry>,
}

impl Provided {
    /// Asks the image.
    pub fn of(image: &dyn ImageContents) -> Provided {
        Provided {
            ca_bundle: first_filled(image, CA_FILES, EntryKind::File),
            ca_dir: first_filled(image, CA_DIRS, EntryKind::Dir),
            zoneinfo: first_filled(image, ZONE_DIRS, EntryKind::Dir),
            tmp: image.lookup("/tmp"),
        }
    }

    /// Where Go finds CA roots there: the bundle, else the directory.
    pub fn ca_roots(&self) -> Option<&Entry> {
        self.ca_bundle.as_ref().or(self.ca_dir.as_ref())
    }

    /// `/tmp`'s permission bits, when it is a directory.
    pub fn tmp_dir_mode(&self) -> Option<Option<u32>> {
        self.tmp
            .as_ref()
            .filter(|e| e.kind == EntryKind::Dir)
            .map(|e| e.mode)
    }
}
