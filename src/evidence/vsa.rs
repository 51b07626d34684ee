//! `--vsa`: a SLSA verification summary v1 of the checks, over every artifact judged
//! that has a digest: what a deploy gate can consume.
//!
//! `verifiedLevels` (a list, as the specification says): `["FAILED"]` when any check
//! failed; else `SLSA_BUILD_LEVEL_1` when a provenance was written or checked in the same
//! run (provenance exists; it is not signed here, so no higher level is claimed), else
//! `SLSA_BUILD_LEVEL_0`. The check results themselves are in the predicate's
//! `checkResults` field (consumers ignore fields they do not know, per in-toto).

use serde_json::{json, Value};

use super::{
    canonical_json, sha256_hex, subject, tool_id, Evidence, STATEMENT_TYPE, TOOL_VERSION, URI_BASE,
    VSA_TYPE,
};

/// The statement, or `None` when no artifact has a digest after `verify`. A build
/// always has one: with no artifact judged (every `go build` failed) it is FAILED.
pub fn render(e: &Evidence) -> Option<Value> {
    let judged: Vec<&super::Artifact> = e
        .artifacts
        .iter()
        .filter(|a| a.sha256().is_some())
        .collect();
    let subjects: Vec<Value> = judged.iter().filter_map(|a| subject(a)).collect();
    if subjects.is_empty() && e.command != super::Command::Build {
        return None;
    }
    let passed = !judged.is_empty() && judged.iter().all(|a| a.report.passed());
    let profile = e.profile.as_ref().map(|p| p.name.as_str());
    let policies: serde_json::Map<String, Value> = judged
        .iter()
        .map(|a| (a.name.clone(), a.policy.clone()))
        .collect();
    let mut policy_doc = json!({ "profile": profile, "artifacts": policies });
    if let Some((path, sha)) = e.profile.as_ref().and_then(|p| p.file.as_ref()) {
        policy_doc["profileFile"] = json!({ "path": path, "sha256": sha });
    }
    // The digest is of the policy object as compact JSON with sorted keys, so a reader
    // can recompute it from `annotations.policy`.
    let digest = sha256_hex(canonical_json(&policy_doc).as_bytes());
    let levels: Vec<&str> = if !passed {
        vec!["FAILED"]
    } else if e.provenance.is_some() {
        vec!["SLSA_BUILD_LEVEL_1"]
    } else {
        vec!["SLSA_BUILD_LEVEL_0"]
    };
    let results: Vec<Value> = judged
        .iter()
        .map(|a| {
            let mut r = json!({
                "subject": a.name,
                "target": a.report.target,
                "passed": a.report.passed(),
                "checks": a.report.verdict.checks,
            });
            if let Some(c) = &a.report.cache_program {
                r["cacheProgram"] = json!(c);
                r["note"] = json!(format!(
                    "built with the remote cache program {} (sha256 {}): the checks ran as \
                     always, but a cache is trusted as GOCACHE is; --check-reproducible builds \
                     a second copy without it",
                    c.name, c.sha256
                ));
            }
            r
        })
        .collect();
    let mut predicate = json!({
        "verifier": {
            "id": tool_id(),
            "version": { "cargo-xbuild-go": TOOL_VERSION },
        },
        "timeVerified": e.finished_on,
        "resourceUri": e.resource_uri,
        "policy": {
            "uri": format!("{URI_BASE}/policy/{}", profile.unwrap_or("none")),
            "digest": { "sha256": digest },
            "annotations": { "policy": policy_doc },
        },
        "verificationResult": if passed { "PASSED" } else { "FAILED" },
        "verifiedLevels": levels,
        "slsaVersion": "1.0",
        "checkResults": results,
    });
    if let Some(p) = &e.provenance {
        predicate["inputAttestations"] =
            json!([{ "uri": p.name, "digest": { "sha256": p.sha256 } }]);
    }
    Some(json!({
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": VSA_TYPE,
        "predicate": predicate,
    }))
}

#[cfg(test)]
mod tests;
