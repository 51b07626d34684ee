//! An OCI image layout written by hand: blobs stored by content. Each test file adds the
//! documents it needs (its own `impl Layout`).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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
