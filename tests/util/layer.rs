//! Layer tars written entry by entry (hostile ones included: device nodes, setuid files,
//! links out of the root, sparse files claiming any size), and an OCI layout of one
//! image made of them, for tests that build images by hand.

use std::path::Path;

use serde_json::{json, Value};

use super::oci::{sha256, Layout};

/// What one entry of a layer is.
#[derive(Clone)]
pub enum Kind<'a> {
    File(&'a [u8]),
    Dir,
    Symlink(&'a str),
    HardLink(&'a str),
    /// A character device (8, 0: what /dev/sda is).
    CharDevice,
    /// A GNU sparse file of this real size, with no data in the layer.
    Sparse(u64),
}

/// One entry: its path in the layer, mode and kind.
#[derive(Clone)]
pub struct Entry<'a>(pub &'a str, pub u32, pub Kind<'a>);

/// The tar of `entries`, in order.
pub fn tar(entries: &[Entry]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for Entry(path, mode, kind) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        h.set_mode(*mode);
        h.set_size(0);
        let (ty, data): (tar::EntryType, &[u8]) = match kind {
            Kind::File(bytes) => (tar::EntryType::Regular, bytes),
            Kind::Dir => (tar::EntryType::Directory, &[]),
            Kind::Symlink(_) => (tar::EntryType::Symlink, &[]),
            Kind::HardLink(_) => (tar::EntryType::Link, &[]),
            Kind::CharDevice => {
                h.set_device_major(8).unwrap();
                h.set_device_minor(0).unwrap();
                (tar::EntryType::Char, &[])
            }
            Kind::Sparse(real) => {
                h.as_gnu_mut().unwrap().set_real_size(*real);
                (tar::EntryType::GNUSparse, &[])
            }
        };
        h.set_entry_type(ty);
        h.set_size(data.len() as u64);
        match kind {
            // Long targets too (a GNU long-link record).
            Kind::Symlink(to) | Kind::HardLink(to) => b.append_link(&mut h, path, to).unwrap(),
            _ => b.append_data(&mut h, path, data).unwrap(),
        }
    }
    b.into_inner().unwrap()
}

/// A tar of the tree at `root` as it is (links kept, not followed).
pub fn tar_dir(root: &Path) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(false);
    b.append_dir_all(".", root).unwrap();
    b.into_inner().unwrap()
}

/// An OCI layout at `dir` of one linux/`goarch` image of `layers`, its config's
/// `config` object as given; its `oci:` reference.
pub fn image(dir: &Path, goarch: &str, layers: &[&[u8]], config: Value) -> String {
    let l = Layout::new(dir);
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|t| format!("sha256:{}", sha256(t)))
        .collect();
    let c = json!({"architecture": goarch, "os": "linux", "config": config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids}});
    let c = l.blob(
        "application/vnd.oci.image.config.v1+json",
        &serde_json::to_vec(&c).unwrap(),
    );
    let descs: Vec<Value> = layers
        .iter()
        .map(|t| l.blob("application/vnd.oci.image.layer.v1.tar", t))
        .collect();
    let m = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": c, "layers": descs});
    let m = l.blob(
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&m).unwrap(),
    );
    let index = json!({"schemaVersion": 2, "manifests": [m]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    format!("oci:{}", dir.display())
}
