//! The checks `merge` makes before it writes anything: every subject and checksum line
//! names a file under `--root` with the recorded sha256; no two inputs disagree about a
//! name; the runners built the same thing (source, profile, toolchain, tool); every VSA
//! passed. Each failure is one message naming the file, the runner and both values.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::discover::{statements, Doc, Kind};

/// The fields of "the runners built the same thing", as `--allow-differing` names them.
pub const FIELDS: &[&str] = &[
    "commit",
    "dirty",
    "profile",
    "profile-file",
    "toolchain",
    "tool",
];

/// How many files under `--root` are indexed at most.
const MAX_ROOT_FILES: usize = 200_000;

/// An artifact every input agrees on: its name in the documents, where it is under
/// `--root` (relative, `/`-separated) and its sha256; the runners that named it.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub name: String,
    pub rel: String,
    pub sha256: String,
    pub runners: Vec<String>,
}

/// The files under `--root` by file name, hashed when asked.
pub struct Root {
    dir: PathBuf,
    by_name: BTreeMap<String, Vec<PathBuf>>,
    hashes: BTreeMap<PathBuf, Option<String>>,
}

impl Root {
    /// Indexes `dir` without following links.
    pub fn index(dir: &Path) -> anyhow::Result<Root> {
        let mut by_name: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        let mut stack = vec![(dir.to_path_buf(), 0usize)];
        let mut count = 0;
        while let Some((d, depth)) = stack.pop() {
            let list = std::fs::read_dir(&d).map_err(|e| {
                crate::error::usage(format!(
                    "--root `{}`: {e}",
                    crate::sanitize::escape::path(&d)
                ))
            })?;
            for e in list.flatten() {
                count += 1;
                if count > MAX_ROOT_FILES {
                    return Err(crate::error::usage(format!(
                        "--root `{}` holds more than {MAX_ROOT_FILES} files; name the \
                         directory the artifacts are in",
                        crate::sanitize::escape::path(dir)
                    )));
                }
                let Ok(ft) = e.file_type() else { continue };
                let p = e.path();
                if ft.is_dir() && depth < 32 {
                    stack.push((p, depth + 1));
                } else if ft.is_file() {
                    by_name
                        .entry(e.file_name().to_string_lossy().into_owned())
                        .or_default()
                        .push(p);
                }
            }
        }
        for v in by_name.values_mut() {
            v.sort();
        }
        Ok(Root {
            dir: dir.to_path_buf(),
            by_name,
            hashes: BTreeMap::new(),
        })
    }

    fn hash(&mut self, p: &Path) -> Option<String> {
        if let Some(h) = self.hashes.get(p) {
            return h.clone();
        }
        let h = (|| {
            use sha2::Digest;
            let (mut f, _) = crate::input::file::open(p).ok()?;
            let mut hasher = sha2::Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = f.read(&mut buf).ok()?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            Some(crate::digest::hex(&hasher.finalize()))
        })();
        self.hashes.insert(p.to_path_buf(), h.clone());
        h
    }

    /// Finds `name` (a document's name for a file) under the root: at `root/name`,
    /// else any file of the same file name; the one with `sha256`. `Err` says what was
    /// found instead.
    pub fn find(&mut self, name: &str, sha256: &str) -> Result<String, String> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        let direct = self.dir.join(name.trim_start_matches('/'));
        if !name.starts_with('/') && !name.split('/').any(|c| c == "..") && direct.is_file() {
            candidates.push(direct);
        }
        let base = name.rsplit('/').next().unwrap_or(name);
        candidates.extend(self.by_name.get(base).cloned().unwrap_or_default());
        let mut seen = Vec::new();
        for c in candidates {
            match self.hash(&c) {
                Some(h) if h == sha256 => {
                    let rel = c.strip_prefix(&self.dir).unwrap_or(&c);
                    return Ok(rel.to_string_lossy().into_owned());
                }
                Some(h) => seen.push(format!(
                    "`{}` has sha256 {h}",
                    crate::sanitize::escape::path(c.strip_prefix(&self.dir).unwrap_or(&c))
                )),
                None => {}
            }
        }
        if seen.is_empty() {
            Err("no file of that name is under --root".to_string())
        } else {
            seen.dedup();
            Err(seen.join(", "))
        }
    }
}

/// (name, sha256) of every file a document names.
pub fn named(doc: &Doc) -> Vec<(String, String)> {
    match &doc.kind {
        Kind::Checksums(entries) => entries
            .iter()
            .map(|e| {
                (
                    String::from_utf8_lossy(&e.name).into_owned(),
                    e.sha256.clone(),
                )
            })
            .collect(),
        Kind::Provenance(v) | Kind::Vsa(v) => v["subject"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|s| {
                        Some((
                            s["name"].as_str()?.to_string(),
                            s["digest"]["sha256"].as_str()?.to_ascii_lowercase(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Every named file found under the root with its digest, and no two inputs
/// disagreeing; the artifacts by name, or the failures.
pub fn artifacts(docs: &[Doc], root: &mut Root, problems: &mut Vec<String>) -> Vec<Artifact> {
    let mut by_name: BTreeMap<String, Artifact> = BTreeMap::new();
    for d in docs {
        for (name, sha) in named(d) {
            if let Some(a) = by_name.get_mut(&name) {
                if a.sha256 != sha {
                    problems.push(format!(
                        "two runners claim `{name}` with different bytes: {} ({}) has sha256 {}, \
                         {} (`{}`) has sha256 {sha}",
                        a.runners.join(", "),
                        a.rel,
                        a.sha256,
                        d.runner,
                        d.shown
                    ));
                } else if !a.runners.contains(&d.runner) {
                    a.runners.push(d.runner.clone());
                }
                continue;
            }
            match root.find(&name, &sha) {
                Ok(rel) => {
                    by_name.insert(
                        name.clone(),
                        Artifact {
                            name,
                            rel,
                            sha256: sha,
                            runners: vec![d.runner.clone()],
                        },
                    );
                }
                Err(found) => problems.push(format!(
                    "`{name}` named by `{}` (runner {}) with sha256 {sha}: {found}",
                    d.shown, d.runner
                )),
            }
        }
    }
    // The same file found under two names must not carry two digests: a checksum
    // line `app` and a subject `dist/app` of one runner are one file.
    let mut by_rel: BTreeMap<&str, &Artifact> = BTreeMap::new();
    for a in by_name.values() {
        if let Some(b) = by_rel.get(a.rel.as_str()) {
            if b.sha256 != a.sha256 {
                problems.push(format!(
                    "`{}` is named `{}` and `{}` with different digests",
                    a.rel, b.name, a.name
                ));
            }
        } else {
            by_rel.insert(&a.rel, a);
        }
    }
    by_name.into_values().collect()
}

/// One identity field of a provenance.
fn field(v: &Value, name: &str) -> Option<String> {
    let deps = v["predicate"]["buildDefinition"]["resolvedDependencies"].as_array();
    let source = deps.and_then(|d| d.iter().find(|d| d["name"] == "source"));
    let ext = &v["predicate"]["buildDefinition"]["externalParameters"];
    let version = &v["predicate"]["runDetails"]["builder"]["version"];
    let s = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    match name {
        "commit" => source.and_then(|d| s(&d["digest"]["gitCommit"])),
        "dirty" => source.and_then(|d| s(&d["annotations"]["dirty"])),
        "profile" => s(&ext["profile"]),
        "profile-file" => {
            let f = &ext["profileFile"];
            s(&f["path"]).map(|p| format!("{p} (sha256 {})", f["sha256"].as_str().unwrap_or("?")))
        }
        "toolchain" => s(&version["go"]),
        "tool" => s(&version["cargo-xbuild-go"]),
        _ => None,
    }
}

/// The runners built the same thing: each field of [`FIELDS`] not allowed to differ
/// has one value across the provenance documents.
pub fn same_build(docs: &[Doc], allowed: &[String], problems: &mut Vec<String>) {
    let provs = statements(docs, Kind::provenance);
    for name in FIELDS {
        if allowed.iter().any(|a| a == name) {
            continue;
        }
        let Some((first, v0)) = provs.first() else {
            return;
        };
        let want = field(v0, name);
        for (d, v) in &provs[1..] {
            let got = field(v, name);
            if got != want {
                let show = |x: &Option<String>| x.clone().unwrap_or_else(|| "none".into());
                problems.push(format!(
                    "runners differ in {name}: {} (`{}`) has {}, {} (`{}`) has {} \
                     (--allow-differing {name} accepts this)",
                    first.runner,
                    first.shown,
                    show(&want),
                    d.runner,
                    d.shown,
                    show(&got)
                ));
                break;
            }
        }
    }
}

/// Every input VSA passed.
pub fn vsas_passed(docs: &[Doc], problems: &mut Vec<String>) {
    for d in docs {
        if let Kind::Vsa(v) = &d.kind {
            let result = v["predicate"]["verificationResult"]
                .as_str()
                .unwrap_or("none");
            if result != "PASSED" {
                let failed: Vec<&str> = v["predicate"]["checkResults"]
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .filter(|r| r["passed"] == false)
                            .filter_map(|r| r["subject"].as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                problems.push(format!(
                    "`{}` (runner {}): the verification summary is {result}{}",
                    d.shown,
                    d.runner,
                    if failed.is_empty() {
                        String::new()
                    } else {
                        format!(" (failed: {})", failed.join(", "))
                    }
                ));
            }
        }
    }
}

/// No target built twice with different bytes: two runners whose provenance records
/// one (target, package) must have delivered the same digest, whatever the file name.
pub fn same_target_same_bytes(docs: &[Doc], problems: &mut Vec<String>) {
    // (target, package) → (runner, artifact name, sha256)
    let mut seen: BTreeMap<(String, String), (String, String, String)> = BTreeMap::new();
    for d in docs {
        let Kind::Provenance(v) = &d.kind else {
            continue;
        };
        let digests: BTreeMap<String, String> = named(d).into_iter().collect();
        let builds = v["predicate"]["buildDefinition"]["externalParameters"]["builds"].as_array();
        for b in builds.into_iter().flatten() {
            let (Some(t), Some(p), Some(a)) = (
                b["target"].as_str(),
                b["package"].as_str(),
                b["artifact"].as_str(),
            ) else {
                continue;
            };
            let Some(sha) = digests.get(a) else { continue };
            let key = (t.to_string(), p.to_string());
            match seen.get(&key) {
                Some((runner, name, other)) if other != sha && *runner != d.runner => problems
                    .push(format!(
                        "{t} (package {p}) was built twice with different bytes: runner {runner} \
                         delivered `{name}` sha256 {other}, runner {} delivered `{a}` sha256 {sha}",
                        d.runner
                    )),
                Some(_) => {}
                None => {
                    seen.insert(key, (d.runner.clone(), a.to_string(), sha.clone()));
                }
            }
        }
    }
}
