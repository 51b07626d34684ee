//! `--oci-layout OUT`: the runners' image layouts (each written by `image --oci-layout`
//! for its platforms) made into one layout whose tags name one multi-platform image
//! index: every blob copied (its digest checked while it is read, never through a
//! link), the index annotations kept, each platform once (two runners giving one
//! platform different manifests is refused), and the referrers (the SBOM and
//! provenance artifacts listed in each `index.json`) kept.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::input::file;

const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The largest `index.json` or index blob read.
const MAX_JSON: u64 = 4 << 20;

/// The merged layout, planned: what `write` copies and writes.
#[derive(Debug, Default)]
pub struct Plan {
    /// tag → the merged image index.
    pub tags: BTreeMap<String, Value>,
    /// The referrer descriptors of every runner's `index.json`.
    pub referrers: Vec<Value>,
    /// digest hex → (layout dir, size), each blob once.
    pub blobs: BTreeMap<String, (PathBuf, u64)>,
    /// Platforms, for the report.
    pub platforms: Vec<String>,
}

fn read_json(root: &std::fs::File, dir: &Path, rel: &str) -> Result<Value, String> {
    let (f, len) = file::open_in(root, dir, rel).map_err(|e| e.to_string())?;
    let bytes = file::read_bounded(f, len, MAX_JSON, &dir.join(rel)).map_err(|e| e.to_string())?;
    crate::input::json::no_duplicate_keys(&bytes)
        .map_err(|e| format!("`{}`: refused: {e}", dir.join(rel).display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("`{}`: {e}", dir.join(rel).display()))
}

fn hex_of(digest: &Value) -> Option<&str> {
    let h = digest.as_str()?.strip_prefix("sha256:")?;
    (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).then_some(h)
}

fn platform(d: &Value) -> String {
    let p = &d["platform"];
    let mut s = format!(
        "{}/{}",
        p["os"].as_str().unwrap_or("?"),
        p["architecture"].as_str().unwrap_or("?")
    );
    if let Some(v) = p["variant"].as_str() {
        s.push('/');
        s.push_str(v);
    }
    s
}

/// Plans the merge of `layouts` ((runner, dir)); every refusal goes to `problems`.
pub fn plan(layouts: &[(String, PathBuf)], problems: &mut Vec<String>) -> Plan {
    let mut out = Plan::default();
    // tag → platform → (manifest descriptor, runner)
    let mut by_tag: BTreeMap<String, BTreeMap<String, (Value, String)>> = BTreeMap::new();
    let mut annotations: BTreeMap<String, Value> = BTreeMap::new();
    for (runner, dir) in layouts {
        let shown = dir.display();
        let root = match file::open_root(dir) {
            Ok(r) => r,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        let top = match read_json(&root, dir, "index.json") {
            Ok(v) => v,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        // Every blob of the layout, each a regular file named by its digest.
        let blobs = dir.join("blobs/sha256");
        let mut names: Vec<String> = std::fs::read_dir(&blobs)
            .map(|l| {
                l.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        for n in names {
            match file::open_in(&root, dir, &format!("blobs/sha256/{n}")) {
                Ok((_, len)) if n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    out.blobs.entry(n).or_insert((dir.clone(), len));
                }
                Ok(_) => problems.push(format!("`{shown}/blobs/sha256/{n}`: not a digest")),
                Err(e) => problems.push(e.to_string()),
            }
        }
        for d in top["manifests"].as_array().into_iter().flatten() {
            let Some(tag) = d["annotations"][REF_NAME].as_str() else {
                out.referrers.push(d.clone());
                continue;
            };
            let Some(h) = hex_of(&d["digest"]) else {
                problems.push(format!("`{shown}/index.json`: tag {tag} has a bad digest"));
                continue;
            };
            if d["mediaType"] != INDEX {
                problems.push(format!(
                    "`{shown}`: tag {tag} is no image index (`image --oci-layout` writes one)"
                ));
                continue;
            }
            let index = match read_json(&root, dir, &format!("blobs/sha256/{h}")) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            annotations
                .entry(tag.to_string())
                .or_insert_with(|| index["annotations"].clone());
            let slot = by_tag.entry(tag.to_string()).or_default();
            for m in index["manifests"].as_array().into_iter().flatten() {
                let p = platform(m);
                match slot.get(&p) {
                    Some((other, by)) if other["digest"] != m["digest"] => problems.push(format!(
                        "tag {tag}, platform {p}: runner {by} has {}, runner {runner} has {}",
                        other["digest"].as_str().unwrap_or("?"),
                        m["digest"].as_str().unwrap_or("?")
                    )),
                    Some(_) => {}
                    None => {
                        slot.insert(p, (m.clone(), runner.clone()));
                    }
                }
            }
        }
    }
    for (tag, platforms) in by_tag {
        let manifests: Vec<Value> = platforms.values().map(|(m, _)| m.clone()).collect();
        for p in platforms.keys() {
            if !out.platforms.contains(p) {
                out.platforms.push(p.clone());
            }
        }
        let mut index = json!({ "schemaVersion": 2, "mediaType": INDEX, "manifests": manifests });
        if let Some(a) = annotations.get(&tag).filter(|a| a.is_object()) {
            index["annotations"] = a.clone();
        }
        out.tags.insert(tag, index);
    }
    for d in &out.referrers {
        if let Some(h) = hex_of(&d["digest"]) {
            if !out.blobs.contains_key(h) {
                problems.push(format!("a referrer's blob {h} is in no input layout"));
            }
        }
    }
    out
}

/// Writes the planned layout at `dest` (which must not exist): whole under a temporary
/// name beside it, then renamed.
pub fn write(plan: &Plan, dest: &Path) -> anyhow::Result<()> {
    let err = |what: &str, e: std::io::Error| {
        crate::error::writing(
            format_args!(
                "--oci-layout `{}`: {what}",
                crate::sanitize::escape::path(dest)
            ),
            &e,
        )
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| err("creating its directory", e))?;
    let tmp = parent.join(format!(".xbuild-go-tmp.{}.{name}", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let blobs = tmp.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).map_err(|e| err("creating blobs/", e))?;
        std::fs::write(
            tmp.join("oci-layout"),
            b"{\"imageLayoutVersion\":\"1.0.0\"}",
        )
        .map_err(|e| err("writing oci-layout", e))?;
        for (hex, (dir, len)) in &plan.blobs {
            let root = file::open_root(dir).map_err(|e| crate::error::usage(e.to_string()))?;
            let (mut f, _) = file::open_in(&root, dir, &format!("blobs/sha256/{hex}"))
                .map_err(|e| crate::error::usage(e.to_string()))?;
            let mut out =
                std::fs::File::create(blobs.join(hex)).map_err(|e| err("writing a blob", e))?;
            use sha2::Digest;
            let mut h = sha2::Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            let mut n_total = 0u64;
            loop {
                let n = f.read(&mut buf).map_err(|e| err("reading a blob", e))?;
                if n == 0 {
                    break;
                }
                n_total += n as u64;
                h.update(&buf[..n]);
                std::io::Write::write_all(&mut out, &buf[..n])
                    .map_err(|e| err("writing a blob", e))?;
            }
            let got = crate::digest::hex(&h.finalize());
            if got != *hex || n_total != *len {
                return Err(crate::error::failure(
                    crate::error::Exit::VerifyFailed,
                    format!(
                        "`{}/blobs/sha256/{hex}` has sha256 {got}: refused",
                        dir.display()
                    ),
                ));
            }
        }
        let mut top: Vec<Value> = Vec::new();
        for (tag, index) in &plan.tags {
            let bytes = serde_json::to_vec(index)?;
            let hex = crate::digest::sha256_hex(&bytes);
            std::fs::write(blobs.join(&hex), &bytes).map_err(|e| err("writing the index", e))?;
            top.push(json!({
                "mediaType": INDEX,
                "digest": format!("sha256:{hex}"),
                "size": bytes.len(),
                "annotations": { REF_NAME: tag },
            }));
        }
        top.extend(plan.referrers.iter().cloned());
        let index = json!({ "schemaVersion": 2, "mediaType": INDEX, "manifests": top });
        std::fs::write(tmp.join("index.json"), serde_json::to_vec_pretty(&index)?)
            .map_err(|e| err("writing index.json", e))?;
        std::fs::rename(&tmp, dest).map_err(|e| err("renaming into place", e))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}
