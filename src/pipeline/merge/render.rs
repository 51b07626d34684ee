//! The merged documents, rendered in memory before anything is written: one checksums
//! file (sorted by name, paths relative to `--root`), one provenance statement (every
//! subject, the dependencies' union, every runner's builds, each runner's invocation as
//! a byproduct), one VSA over every artifact (naming every input document), one JUnit
//! file, and the SBOM documents by file name (a name two different documents claim is
//! refused).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::checks::Artifact;
use super::discover::{statements, Doc, Kind};
use crate::evidence::{canonical_json, sha256_hex, tool_id, TOOL_VERSION, URI_BASE};
use crate::report::checksums::{self, Entry};

/// The checksums file: one line per file under the root, sorted by path.
pub fn checksums(artifacts: &[Artifact]) -> Vec<u8> {
    let mut by_rel: BTreeMap<&str, &str> = BTreeMap::new();
    for a in artifacts {
        by_rel.insert(&a.rel, &a.sha256);
    }
    let entries: Vec<Entry> = by_rel
        .into_iter()
        .map(|(rel, sha)| Entry {
            sha256: sha.to_string(),
            name: rel.as_bytes().to_vec(),
        })
        .collect();
    checksums::render(&entries)
}

/// Subjects of every statement of one kind, deduplicated by name, sorted.
fn subjects<'a>(statements: impl Iterator<Item = &'a Value>) -> Vec<Value> {
    let mut by_name: BTreeMap<String, Value> = BTreeMap::new();
    for v in statements {
        for s in v["subject"].as_array().into_iter().flatten() {
            if let Some(n) = s["name"].as_str() {
                by_name.entry(n.to_string()).or_insert_with(|| s.clone());
            }
        }
    }
    by_name.into_values().collect()
}

/// Appends the items of `from` to `into` not already there (by their canonical JSON).
fn union(into: &mut Vec<Value>, from: &Value, seen: &mut BTreeSet<String>) {
    for d in from.as_array().into_iter().flatten() {
        if seen.insert(canonical_json(d)) {
            into.push(d.clone());
        }
    }
}

/// The merged provenance, or `None` when no input held one. `checksums` is the merged
/// checksums file when one is written (a byproduct, as a build records its own).
pub fn provenance(docs: &[Doc], checksums: Option<(&str, &str)>) -> Option<Value> {
    let provs = statements(docs, Kind::provenance);
    let (_, first) = provs.first()?;
    let def0 = &first["predicate"]["buildDefinition"];
    let mut external = def0["externalParameters"].clone();
    let mut targets: Vec<Value> = Vec::new();
    let mut packages: Vec<Value> = Vec::new();
    let mut builds: Vec<Value> = Vec::new();
    let mut internal: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    let mut deps: Vec<Value> = Vec::new();
    let mut seen_deps = BTreeSet::new();
    let (mut seen_t, mut seen_p) = (BTreeSet::new(), BTreeSet::new());
    let mut byproducts: Vec<Value> = Vec::new();
    let (mut started, mut finished): (Option<String>, Option<String>) = (None, None);
    for (d, v) in &provs {
        let def = &v["predicate"]["buildDefinition"];
        let ext = &def["externalParameters"];
        union(&mut targets, &ext["targets"], &mut seen_t);
        union(&mut packages, &ext["packages"], &mut seen_p);
        for b in ext["builds"].as_array().into_iter().flatten() {
            let mut b = b.clone();
            b["runner"] = json!(d.runner);
            builds.push(b);
        }
        if let Some(m) = def["internalParameters"].as_object() {
            for (k, v) in m {
                if let Some(inner) = v.as_object() {
                    let slot = internal.entry(k.clone()).or_default();
                    for (ik, iv) in inner {
                        slot.entry(ik.clone()).or_insert_with(|| iv.clone());
                    }
                }
            }
        }
        union(&mut deps, &def["resolvedDependencies"], &mut seen_deps);
        let meta = &v["predicate"]["runDetails"]["metadata"];
        if let Some(s) = meta["startedOn"].as_str() {
            if started.as_deref().map_or(true, |x| s < x) {
                started = Some(s.to_string());
            }
        }
        if let Some(f) = meta["finishedOn"].as_str() {
            if finished.as_deref().map_or(true, |x| f > x) {
                finished = Some(f.to_string());
            }
        }
        let mut runner = json!({
            "name": format!("runner/{}", d.runner),
            "digest": { "sha256": d.sha256 },
            "annotations": { "provenance": d.shown },
        });
        if let Some(id) = meta["invocationId"].as_str() {
            runner["uri"] = json!(id);
            runner["annotations"]["invocationId"] = json!(id);
        }
        byproducts.push(runner);
    }
    if let Some(o) = external.as_object_mut() {
        o.insert("targets".into(), json!(targets));
        if !packages.is_empty() {
            o.insert("packages".into(), json!(packages));
        }
        o.insert("builds".into(), json!(builds));
    }
    if let Some((name, sha)) = checksums {
        byproducts.push(json!({ "name": name, "digest": { "sha256": sha } }));
    }
    let mut definition = json!({
        "buildType": def0["buildType"],
        "externalParameters": external,
        "resolvedDependencies": deps,
    });
    if !internal.is_empty() {
        definition["internalParameters"] = json!(internal);
    }
    let mut metadata = serde_json::Map::new();
    if let Some(s) = started {
        metadata.insert("startedOn".into(), json!(s));
    }
    if let Some(f) = finished {
        metadata.insert("finishedOn".into(), json!(f));
    }
    Some(json!({
        "_type": first["_type"],
        "subject": subjects(provs.iter().map(|(_, v)| *v)),
        "predicateType": first["predicateType"],
        "predicate": {
            "buildDefinition": definition,
            "runDetails": {
                "builder": first["predicate"]["runDetails"]["builder"],
                "metadata": metadata,
                "byproducts": byproducts,
            },
        },
    }))
}

/// The merged VSA, or `None` when no input held one. `now` is the time of the merge;
/// `extra` are documents this merge wrote that the summary also rests on (the merged
/// provenance), by name and digest.
pub fn vsa(docs: &[Doc], now: &str, extra: &[(String, String)]) -> Option<Value> {
    let vsas = statements(docs, Kind::vsa);
    let (_, first) = vsas.first()?;
    let p0 = &first["predicate"];
    let passed = vsas
        .iter()
        .all(|(_, v)| v["predicate"]["verificationResult"] == "PASSED");
    let mut artifacts = serde_json::Map::new();
    let mut results: Vec<Value> = Vec::new();
    let mut levels: Option<String> = None;
    for (d, v) in &vsas {
        let p = &v["predicate"];
        if let Some(a) = p["policy"]["annotations"]["policy"]["artifacts"].as_object() {
            for (k, v) in a {
                artifacts.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        for r in p["checkResults"].as_array().into_iter().flatten() {
            let mut r = r.clone();
            r["runner"] = json!(d.runner);
            results.push(r);
        }
        // The lowest level any runner reached.
        for l in p["verifiedLevels"].as_array().into_iter().flatten() {
            if let Some(l) = l.as_str() {
                if levels.as_deref().map_or(true, |x| l < x) {
                    levels = Some(l.to_string());
                }
            }
        }
    }
    let mut policy_doc = p0["policy"]["annotations"]["policy"].clone();
    if policy_doc.is_object() {
        policy_doc["artifacts"] = Value::Object(artifacts);
    }
    let digest = sha256_hex(canonical_json(&policy_doc).as_bytes());
    let profile = policy_doc["profile"].as_str().unwrap_or("none").to_string();
    let levels = if passed {
        vec![levels.unwrap_or_else(|| "SLSA_BUILD_LEVEL_0".into())]
    } else {
        vec!["FAILED".to_string()]
    };
    let mut inputs: Vec<Value> = docs
        .iter()
        .map(|d| json!({ "uri": d.shown, "digest": { "sha256": d.sha256 } }))
        .collect();
    for (name, sha) in extra {
        inputs.push(json!({ "uri": name, "digest": { "sha256": sha } }));
    }
    Some(json!({
        "_type": first["_type"],
        "subject": subjects(vsas.iter().map(|(_, v)| *v)),
        "predicateType": first["predicateType"],
        "predicate": {
            "verifier": {
                "id": tool_id(),
                "version": { "cargo-xbuild-go": TOOL_VERSION },
            },
            "timeVerified": now,
            "resourceUri": p0["resourceUri"],
            "policy": {
                "uri": format!("{URI_BASE}/policy/{profile}"),
                "digest": { "sha256": digest },
                "annotations": { "policy": policy_doc },
            },
            "inputAttestations": inputs,
            "verificationResult": if passed { "PASSED" } else { "FAILED" },
            "verifiedLevels": levels,
            "slsaVersion": p0["slsaVersion"],
            "checkResults": results,
        },
    }))
}

/// The value of attribute `name` in the first tag `<tag ...>` of `xml`.
fn attr(xml: &str, tag: &str, name: &str) -> Option<u64> {
    let open = format!("<{tag} ");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find('>')?;
    let head = &xml[start..end];
    let key = format!("{name}=\"");
    let at = head.find(&key)? + key.len();
    let len = head[at..].find('"')?;
    head[at..at + len].parse().ok()
}

/// One JUnit file: every runner's suites inside one `<testsuites>`, each suite named
/// with its runner. `Err` names a file this merge cannot read.
pub fn junit(docs: &[Doc]) -> Result<Option<String>, String> {
    let mut suites = String::new();
    let (mut tests, mut failures) = (0u64, 0u64);
    let mut any = false;
    for d in docs {
        let Kind::Junit(text) = &d.kind else { continue };
        any = true;
        let inner = match (text.find("<testsuites"), text.rfind("</testsuites>")) {
            (Some(s), Some(e)) if s < e => {
                let body = s + text[s..].find('>').ok_or("")? + 1;
                tests += attr(text, "testsuites", "tests").unwrap_or(0);
                failures += attr(text, "testsuites", "failures").unwrap_or(0);
                &text[body..e]
            }
            _ => {
                return Err(format!(
                    "`{}` (runner {}): a JUnit file without `<testsuites>`",
                    d.shown, d.runner
                ))
            }
        };
        let runner = crate::sanitize::escape::xml(&d.runner);
        suites.push_str(&inner.replace(
            "<testsuite name=\"",
            &format!("<testsuite name=\"{runner}: "),
        ));
    }
    if !any {
        return Ok(None);
    }
    Ok(Some(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{tests}\" failures=\"{failures}\">{suites}</testsuites>\n"
    )))
}

/// The SBOM documents by file name; two different documents with one name refused.
pub fn sboms<'d>(docs: &'d [Doc], problems: &mut Vec<String>) -> BTreeMap<String, &'d Doc> {
    let mut out: BTreeMap<String, &Doc> = BTreeMap::new();
    for d in docs {
        if !matches!(d.kind, Kind::Sbom) {
            continue;
        }
        let name = d
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match out.get(&name) {
            Some(o) if o.sha256 != d.sha256 => problems.push(format!(
                "two SBOMs are named `{name}`: `{}` (runner {}) and `{}` (runner {}) differ",
                o.shown, o.runner, d.shown, d.runner
            )),
            Some(_) => {}
            None => {
                out.insert(name, d);
            }
        }
    }
    out
}
