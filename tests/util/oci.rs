//! An OCI image layout written by hand: blobs stored by content. Each test file adds the
//! documents it needs (its own `impl Layout`).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// One platform's documents of a [`two_platform`] image.
pub struct PlatformDocs {
    /// `amd64` or `arm64`.
    pub arch: &'static str,
    pub config: Vec<u8>,
    /// The gzipped layer.
    pub layer: Vec<u8>,
    pub manifest: Vec<u8>,
}

fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn digest(b: &[u8]) -> String {
    format!("sha256:{}", sha256(b))
}

/// A linux/amd64 + linux/arm64 image written by hand: per arch the one gzipped layer
/// `layer(arch)` gives (with its uncompressed tar, for the diff id) and a config whose
/// `config` object is `config`; the index's bytes and each platform's documents.
pub fn two_platform(
    layer: impl Fn(&str) -> (Vec<u8>, Vec<u8>),
    config: &Value,
) -> (Vec<u8>, Vec<PlatformDocs>) {
    let mut docs = Vec::new();
    let mut descs = Vec::new();
    for arch in ["amd64", "arm64"] {
        let (gz, tar) = layer(arch);
        let cfg = json_bytes(&json!({
            "architecture": arch, "os": "linux", "config": config,
            "rootfs": {"type": "layers", "diff_ids": [digest(&tar)]}
        }));
        let m = json_bytes(&json!({
            "schemaVersion": 2, "mediaType": MANIFEST,
            "config": {"mediaType": CONFIG, "digest": digest(&cfg), "size": cfg.len()},
            "layers": [{"mediaType": LAYER, "digest": digest(&gz), "size": gz.len()}]
        }));
        descs.push(
            json!({"mediaType": MANIFEST, "digest": digest(&m), "size": m.len(),
                          "platform": {"os": "linux", "architecture": arch}}),
        );
        docs.push(PlatformDocs {
            arch,
            config: cfg,
            layer: gz,
            manifest: m,
        });
    }
    let index = json_bytes(&json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": descs}));
    (index, docs)
}

/// The platform `os/arch[/variant]` names (a test's own spelling, well formed).
pub fn platform(s: &str) -> xbuild_go::image::Platform {
    let mut p = s.split('/');
    xbuild_go::image::Platform {
        os: p.next().unwrap().into(),
        arch: p.next().unwrap().into(),
        variant: p.next().map(str::to_string),
    }
}

/// Lowercase hex SHA-256 of `b`.
pub fn sha256(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// An OCI image layout being written.
pub struct Layout {
    pub dir: PathBuf,
}

impl Layout {
    pub fn new(dir: &Path) -> Layout {
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Layout {
            dir: dir.to_path_buf(),
        }
    }

    /// Stores `bytes` as a blob; its descriptor.
    pub fn blob(&self, media_type: &str, bytes: &[u8]) -> Value {
        let d = sha256(bytes);
        std::fs::write(self.dir.join("blobs/sha256").join(&d), bytes).unwrap();
        json!({"mediaType": media_type, "digest": format!("sha256:{d}"), "size": bytes.len()})
    }
}
