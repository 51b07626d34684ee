//! `--provenance`: one in-toto Statement v1 whose predicate is SLSA provenance v1, with
//! every delivered artifact (build) or every file verified (verify) as a subject.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{
    built_module, dirhash_hex, golang_purl, subject, tool_id, Command, Evidence, BUILD_TYPE,
    PROVENANCE_TYPE, RECORDED_BUILD_TYPE, STATEMENT_TYPE, TOOL_VERSION,
};
use crate::report::redact;

/// The artifacts a provenance names: delivered ones after a build, every file with a
/// digest after verify.
fn included<'e, 'a>(e: &'e Evidence<'a>) -> impl Iterator<Item = &'e super::Artifact<'a>> {
    e.artifacts.iter().filter(move |a| {
        a.sha256().is_some() && (e.command == Command::Verify || a.report.delivered)
    })
}

/// The statement, or `None` when no artifact has a digest.
pub fn render(e: &Evidence) -> Option<Value> {
    let subjects: Vec<Value> = included(e).filter_map(subject).collect();
    if subjects.is_empty() {
        return None;
    }
    let artifacts: Vec<&super::Artifact> = included(e).collect();

    let mut external = serde_json::Map::new();
    if let Some(p) = &e.profile {
        external.insert("profile".into(), json!(p.name));
        if let Some((path, sha)) = &p.file {
            external.insert("profileFile".into(), json!({ "path": path, "sha256": sha }));
        }
    }
    let mut targets: Vec<&str> = Vec::new();
    for t in artifacts.iter().filter_map(|a| a.report.target.as_deref()) {
        if !targets.contains(&t) {
            targets.push(t);
        }
    }
    external.insert("targets".into(), json!(targets));
    let mut internal = serde_json::Map::new();
    match e.command {
        Command::Build => {
            let mut packages: Vec<&str> = artifacts
                .iter()
                .filter_map(|a| a.build.as_ref().map(|b| b.package.as_str()))
                .collect();
            packages.sort();
            packages.dedup();
            external.insert("packages".into(), json!(packages));
            let builds: Vec<Value> = artifacts
                .iter()
                .filter_map(|a| {
                    let b = a.build.as_ref()?;
                    Some(json!({
                        "artifact": a.name,
                        "target": a.report.target,
                        "package": b.package,
                        "cgo": b.cgo,
                        "ldflags": b.ldflags,
                        "flags": b.flags,
                        "tags": b.tags,
                        "rebuildAll": b.rebuild_all,
                        "goArgs": b.go_args,
                        "stamps": b.stamps,
                    }))
                })
                .collect();
            external.insert("builds".into(), json!(builds));
            // The child environment as the tool decided it, per target, redacted.
            let env: BTreeMap<&str, BTreeMap<String, String>> = artifacts
                .iter()
                .filter_map(|a| Some((a.name.as_str(), redact::env(a.report.env.as_ref()?))))
                .collect();
            internal.insert("env".into(), json!(env));
            let commands: BTreeMap<&str, &str> = artifacts
                .iter()
                .filter_map(|a| Some((a.name.as_str(), a.report.command.as_deref()?)))
                .collect();
            internal.insert("commands".into(), json!(commands));
        }
        Command::Verify => {
            // What Go recorded in each file: the parameters of a build done elsewhere.
            let recorded: BTreeMap<&str, Value> = artifacts
                .iter()
                .filter_map(|a| {
                    let g = a.report.verdict.facts.go.as_ref()?;
                    Some((
                        a.name.as_str(),
                        json!({ "package": g.path, "settings": g.settings }),
                    ))
                })
                .collect();
            external.insert("recorded".into(), json!(recorded));
        }
    }

    let mut deps: Vec<Value> = Vec::new();
    if let Some(go) = &e.go {
        let mut d = json!({
            "name": "go",
            "uri": format!(
                "https://go.dev/dl/{}",
                go.version.as_deref().unwrap_or("unknown")
            ),
            "annotations": { "path": go.path, "version": go.version },
        });
        if let Some(sha) = &go.sha256 {
            d["digest"] = json!({ "sha256": sha });
        }
        deps.push(d);
    } else if let Some(v) = artifacts.iter().find_map(|a| a.go_version()) {
        deps.push(json!({ "name": "go", "uri": format!("https://go.dev/dl/{v}") }));
    }
    if let Some(s) = &e.source {
        let mut d = json!({ "name": "source", "uri": s.uri });
        if let Some(c) = &s.commit {
            d["digest"] = json!({ "gitCommit": c });
        }
        if let Some(dirty) = s.dirty {
            d["annotations"] = json!({ "dirty": dirty });
        }
        deps.push(d);
    }
    let mut seen = std::collections::BTreeSet::new();
    for a in &artifacts {
        for m in a.deps() {
            let b = built_module(m);
            let uri = golang_purl(b.path, b.version);
            if !seen.insert(uri.clone()) {
                continue;
            }
            let mut d = json!({ "uri": uri });
            if let Some(h) = dirhash_hex(b.sum) {
                d["digest"] = json!({ "dirHash": h });
            }
            let mut ann = serde_json::Map::new();
            if !b.sum.is_empty() {
                ann.insert("goSum".into(), json!(b.sum));
            }
            if let Some(r) = &b.replaces {
                ann.insert("replaces".into(), json!(r));
            }
            if let Some(dir) = b.replaced_by_dir {
                ann.insert("replacedBy".into(), json!(dir));
            }
            if !ann.is_empty() {
                d["annotations"] = Value::Object(ann);
            }
            deps.push(d);
        }
    }

    let mut metadata = json!({
        "startedOn": e.started_on,
        "finishedOn": e.finished_on,
    });
    if let Some(id) = &e.invocation_id {
        metadata["invocationId"] = json!(id);
    }
    let mut version = BTreeMap::from([("cargo-xbuild-go", TOOL_VERSION.to_string())]);
    if let Some(v) = e.go.as_ref().and_then(|g| g.version.clone()) {
        version.insert("go", v);
    }
    let mut run = json!({
        "builder": { "id": tool_id(), "version": version },
        "metadata": metadata,
    });
    if let Some(c) = &e.checksums {
        run["byproducts"] = json!([{ "name": c.name, "digest": { "sha256": c.sha256 } }]);
    }
    let mut definition = json!({
        "buildType": match e.command {
            Command::Build => BUILD_TYPE,
            Command::Verify => RECORDED_BUILD_TYPE,
        },
        "externalParameters": Value::Object(external),
        "resolvedDependencies": deps,
    });
    if !internal.is_empty() {
        definition["internalParameters"] = Value::Object(internal);
    }
    Some(json!({
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PROVENANCE_TYPE,
        "predicate": {
            "buildDefinition": definition,
            "runDetails": run,
        },
    }))
}
