//! `cargo xbuild-go merge`: the fan-in of per-runner results into one verified release
//! (docs/ci.md). Inner layers, bottom up: [`discover`] finds the inputs and recognises
//! each by content, bounded; [`checks`] makes every check before anything is written;
//! [`render`] makes the merged documents in memory and [`oci`] the merged image layout;
//! this file writes them, atomically
//! and through the report layer's redaction, only when every check passed.

pub mod checks;
pub mod discover;
pub mod oci;
pub mod render;

use std::path::{Path, PathBuf};

use crate::error::Exit;
use crate::report::Reporter;

/// What to merge and what to write; paths relative to `cwd`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub cwd: PathBuf,
    pub inputs: Vec<PathBuf>,
    pub root: Option<PathBuf>,
    pub checksums: Option<PathBuf>,
    pub provenance: Option<PathBuf>,
    pub vsa: Option<PathBuf>,
    pub sbom: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub oci_layout: Option<PathBuf>,
    pub allow_differing: Vec<String>,
}

/// One output, rendered: where, its kind, its bytes, how many subjects it names.
struct Out {
    path: PathBuf,
    kind: &'static str,
    bytes: Vec<u8>,
    subjects: usize,
}

/// Merges; every failure is reported by name and the run exits 1 with nothing written.
pub fn run(o: &Options, reporter: &Reporter) -> anyhow::Result<Exit> {
    for f in &o.allow_differing {
        if !checks::FIELDS.contains(&f.as_str()) {
            return Err(crate::error::usage(format!(
                "--allow-differing `{f}`: not a field (one of {})",
                checks::FIELDS.join(", ")
            )));
        }
    }
    let outputs = [
        &o.checksums,
        &o.provenance,
        &o.vsa,
        &o.sbom,
        &o.junit,
        &o.oci_layout,
    ];
    if outputs.iter().all(|x| x.is_none()) {
        return Err(crate::error::usage(
            "merge writes nothing: name at least one of --checksums, --provenance, --vsa, \
             --sbom, --junit, --oci-layout",
        ));
    }
    if let Some(dest) = &o.oci_layout {
        if std::fs::symlink_metadata(o.cwd.join(dest)).is_ok() {
            return Err(crate::error::usage(format!(
                "--oci-layout `{}` exists: merge writes a new layout; name another path",
                dest.display()
            )));
        }
    }
    let found = discover::discover(&o.inputs, &o.cwd)?;
    let mut problems = found.problems.clone();
    let docs = found.docs.clone();
    if docs.is_empty() && problems.is_empty() {
        return Err(crate::error::usage(format!(
            "no document found in {}: merge reads sha256sum files, provenance and VSA \
             statements, CycloneDX SBOMs and JUnit files",
            o.inputs
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let root_dir = o.cwd.join(o.root.as_deref().unwrap_or(Path::new(".")));
    let mut root = checks::Root::index(&root_dir)?;
    let artifacts = checks::artifacts(&docs, &mut root, &mut problems);
    checks::same_build(&docs, &o.allow_differing, &mut problems);
    checks::same_target_same_bytes(&docs, &mut problems);
    checks::vsas_passed(&docs, &mut problems);
    let sboms = render::sboms(&docs, &mut problems);
    let junit = match render::junit(&docs) {
        Ok(j) => j,
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let has = |k: fn(&discover::Kind) -> bool| docs.iter().any(|d| k(&d.kind));
    let missing = |flag: &str, what: &str| format!("{flag}: no input holds {what}");
    if o.provenance.is_some() && !has(|k| matches!(k, discover::Kind::Provenance(_))) {
        problems.push(missing("--provenance", "a provenance statement"));
    }
    if o.vsa.is_some() && !has(|k| matches!(k, discover::Kind::Vsa(_))) {
        problems.push(missing("--vsa", "a verification summary"));
    }
    if o.junit.is_some() && junit.is_none() && !has(|k| matches!(k, discover::Kind::Junit(_))) {
        problems.push(missing("--junit", "a JUnit file"));
    }
    if o.sbom.is_some() && sboms.is_empty() {
        problems.push(missing("--sbom", "a CycloneDX SBOM"));
    }
    let layout = o.oci_layout.as_ref().map(|_| {
        if found.layouts.is_empty() {
            problems.push(missing("--oci-layout", "an OCI image layout"));
        }
        oci::plan(&found.layouts, &mut problems)
    });
    if !problems.is_empty() {
        for p in &problems {
            reporter.error(None, Exit::VerifyFailed, p);
        }
        reporter.error(
            None,
            Exit::VerifyFailed,
            &format!(
                "merge refused: {} problem{}; nothing was written",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ),
        );
        return Ok(Exit::VerifyFailed);
    }

    // Everything in memory first: the provenance names the checksums file, the VSA
    // the provenance.
    let shown = |p: &Path| discover::shown(&o.cwd.join(p), &o.cwd);
    let mut outs: Vec<Out> = Vec::new();
    let mut sums_ref = None;
    if let Some(p) = &o.checksums {
        let bytes = reporter
            .mask_bytes(&render::checksums(&artifacts))
            .into_owned();
        sums_ref = Some((shown(p), crate::digest::sha256_hex(&bytes)));
        outs.push(Out {
            path: p.clone(),
            kind: "checksums",
            subjects: bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count(),
            bytes,
        });
    }
    let mut extra = Vec::new();
    if let Some(p) = &o.provenance {
        let sums = sums_ref.as_ref().map(|(n, s)| (n.as_str(), s.as_str()));
        if let Some(v) = render::provenance(&docs, sums) {
            let bytes = reporter.mask_bytes(&pretty(&v)).into_owned();
            extra.push((shown(p), crate::digest::sha256_hex(&bytes)));
            outs.push(Out {
                path: p.clone(),
                kind: "provenance",
                subjects: v["subject"].as_array().map_or(0, Vec::len),
                bytes,
            });
        }
    }
    if let Some(p) = &o.vsa {
        let now = super::evidence::now();
        if let Some(v) = render::vsa(&docs, &now, &extra) {
            outs.push(Out {
                path: p.clone(),
                kind: "vsa",
                subjects: v["subject"].as_array().map_or(0, Vec::len),
                bytes: pretty(&v),
            });
        }
    }
    if let (Some(p), Some(x)) = (&o.junit, junit) {
        outs.push(Out {
            path: p.clone(),
            kind: "junit",
            subjects: 0,
            bytes: x.into_bytes(),
        });
    }
    if let Some(dir) = &o.sbom {
        for (name, d) in &sboms {
            outs.push(Out {
                path: dir.join(name),
                kind: "sbom",
                subjects: 1,
                bytes: d.bytes.clone(),
            });
        }
    }

    let mut runners: Vec<&str> = docs.iter().map(|d| d.runner.as_str()).collect();
    runners.sort();
    runners.dedup();
    let mut files: Vec<&str> = artifacts.iter().map(|a| a.rel.as_str()).collect();
    files.sort();
    files.dedup();
    reporter.merged(files.len(), runners.len());
    for out in &outs {
        let path = o.cwd.join(&out.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                crate::error::writing(
                    format_args!("creating `{}`", crate::sanitize::escape::path(parent)),
                    &e,
                )
            })?;
        }
        let sha = reporter.write_evidence(&path, &out.bytes)?;
        reporter.evidence(out.kind, &out.path, &sha, out.subjects);
    }
    if let (Some(dest), Some(plan)) = (&o.oci_layout, &layout) {
        let path = o.cwd.join(dest);
        oci::write(plan, &path)?;
        let index = std::fs::read(path.join("index.json")).unwrap_or_default();
        let sha = crate::digest::sha256_hex(&index);
        reporter.evidence("oci-layout", dest, &sha, plan.platforms.len());
    }
    Ok(Exit::Ok)
}

fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s.into_bytes()
}
