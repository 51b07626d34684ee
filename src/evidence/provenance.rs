//! `--provenance`: one in-toto Statement v1 whose predicate is SLSA provenance v1, with
//! every delivered artifact (build) or every file verified (verify) as a subject. The
//! host's paths are left out unless asked for ([`without_host_paths`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{
    built_module, dirhash_hex, golang_purl, subject, tool_id, Command, Evidence, BUILD_TYPE,
    PROVENANCE_TYPE, RECORDED_BUILD_TYPE, STATEMENT_TYPE, TOOL_VERSION,
};
use crate::sanitize::redact;

/// The artifacts a provenance names: delivered ones after a build, every file with a
/// digest after verify.
fn included<'e, 'a>(e: &'e Evidence<'a>) -> impl Iterator<Item = &'e super::Artifact<'a>> {
    e.artifacts.iter().filter(move |a| {
        a.sha256().is_some() && (e.command == Command::Verify || a.report.delivered)
    })
}

/// The statement, or `None` when no artifact has a digest after `verify`. A build
/// always has one, with the subjects it delivered (possibly none: a failed build still
/// records what it ran, for `merge` and the release engineer).
pub fn render(e: &Evidence) -> Option<Value> {
    let subjects: Vec<Value> = included(e).filter_map(subject).collect();
    if subjects.is_empty() && e.command != Command::Build {
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
                .filter_map(|a| a.build.map(|b| b.package))
                .collect();
            packages.sort();
            packages.dedup();
            external.insert("packages".into(), json!(packages));
            let builds: Vec<Value> = artifacts
                .iter()
                .filter_map(|a| {
                    let b = a.build.as_ref()?;
                    let p = b.profile;
                    let stamps: BTreeMap<&str, &str> = p
                        .stamp
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.value.as_str()))
                        .collect();
                    Some(json!({
                        "artifact": a.name,
                        "target": a.report.target,
                        "package": b.package,
                        "cgo": p.cgo.value,
                        "ldflags": p.ldflags.value,
                        "flags": p.flags.value,
                        "tags": p.tags.value,
                        "rebuildAll": p.rebuild_all.value,
                        "goArgs": p.go_args,
                        "stamps": stamps,
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
            // The remote cache program that served the build's objects (issue 22): its
            // path, sha256 and arguments with credentials redacted.
            let caches: BTreeMap<&str, &crate::toolchain::cacheprog::Shown> = artifacts
                .iter()
                .filter_map(|a| Some((a.name.as_str(), a.report.cache_program.as_ref()?)))
                .collect();
            if !caches.is_empty() {
                internal.insert("cachePrograms".into(), json!(caches));
            }
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

/// Child variables that say where things are on the host, or who ran: not inputs of
/// the build, left out of the provenance unless `--provenance-host-paths`.
pub const HOST_LOCATION_VARS: &[&str] = &[
    "HOME",
    "PATH",
    "USER",
    "TMPDIR",
    "XDG_CACHE_HOME",
    "GOCACHE",
    "GOMODCACHE",
    "GOPATH",
    "GOTMPDIR",
    "GOCACHEPROG",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// What an absolute path outside the working directory is recorded as: its last name.
pub const HOST_PATH: &str = "<host>";

/// An absolute path as the provenance records it: relative to `work_dir` (`.` for it)
/// when under it, else `<host>/NAME`.
fn shown_path(path: &str, work_dirs: &[PathBuf]) -> String {
    let p = Path::new(path);
    for w in work_dirs {
        if let Ok(rel) = p.strip_prefix(w) {
            let rel = rel.to_string_lossy();
            return if rel.is_empty() {
                ".".to_string()
            } else {
                rel.into_owned()
            };
        }
    }
    match p.file_name() {
        Some(n) => format!("{HOST_PATH}/{}", n.to_string_lossy()),
        None => HOST_PATH.to_string(),
    }
}

/// `text` with every absolute path in it (a word starting with one `/`, or `-X/` for a
/// one-letter flag, after a space, quote, `=`, `,`, `:` or `;`, up to the next of those
/// or an `@`) shown by [`shown_path`].
/// `//host` and `scheme://` are not paths; `file:///p` is.
fn scrub_paths(text: &str, work_dirs: &[PathBuf]) -> String {
    let is_sep = |c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '=' | ',' | ':' | ';');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut at_start = true;
    while !rest.is_empty() {
        let file_uri = rest.starts_with("///") && out.ends_with("file:");
        // `-I/abs`, `-L/abs`: a one-letter flag glued to its path.
        let glued = at_start
            && rest.len() > 3
            && rest.starts_with('-')
            && rest.as_bytes()[1].is_ascii_alphabetic()
            && rest[2..].starts_with('/')
            && !rest[2..].starts_with("//");
        let path_start = if file_uri || glued {
            Some(2)
        } else if at_start && rest.starts_with('/') && !rest.starts_with("//") {
            Some(0)
        } else {
            None
        };
        if let Some(skip) = path_start {
            out.push_str(&rest[..skip]);
            let p = &rest[skip..];
            // A source URI's `@ref` ends its path.
            let end = p.find(|c: char| is_sep(c) || c == '@').unwrap_or(p.len());
            out.push_str(&shown_path(&p[..end], work_dirs));
            rest = &p[end..];
            at_start = false;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        at_start = is_sep(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn scrub_value(v: &mut Value, work_dirs: &[PathBuf]) {
    match v {
        Value::String(s) if s.contains('/') => *s = scrub_paths(s, work_dirs),
        Value::Array(a) => a.iter_mut().for_each(|v| scrub_value(v, work_dirs)),
        Value::Object(o) => o.values_mut().for_each(|v| scrub_value(v, work_dirs)),
        _ => {}
    }
}

/// Takes the host's paths out of a rendered provenance: the [`HOST_LOCATION_VARS`] of
/// the child environment and the go binary's path are dropped, and every other absolute
/// path of the build definition (commands, flags, the source URI, what Go recorded) is
/// made relative to `work_dir`, or `<host>/NAME` outside it. Subjects, digests and the
/// builder are untouched.
pub fn without_host_paths(doc: &mut Value, work_dir: &Path) {
    let mut work_dirs = vec![work_dir.to_path_buf()];
    if let Ok(real) = std::fs::canonicalize(work_dir) {
        if real != work_dir {
            work_dirs.push(real);
        }
    }
    let def = &mut doc["predicate"]["buildDefinition"];
    if let Some(env) = def
        .get_mut("internalParameters")
        .and_then(|i| i.get_mut("env"))
        .and_then(Value::as_object_mut)
    {
        for vars in env.values_mut().filter_map(Value::as_object_mut) {
            vars.retain(|k, _| !HOST_LOCATION_VARS.contains(&k.as_str()));
        }
    }
    if let Some(deps) = def
        .get_mut("resolvedDependencies")
        .and_then(Value::as_array_mut)
    {
        for d in deps.iter_mut().filter(|d| d["name"] == "go") {
            if let Some(ann) = d.get_mut("annotations").and_then(Value::as_object_mut) {
                ann.remove("path");
            }
        }
    }
    for key in ["externalParameters", "internalParameters"] {
        if let Some(v) = def.get_mut(key) {
            scrub_value(v, &work_dirs);
        }
    }
    // Of the dependencies only the source's URI and a module's local replacement hold
    // paths (a go.sum hash is base64, which may start with `/`).
    if let Some(deps) = def
        .get_mut("resolvedDependencies")
        .and_then(Value::as_array_mut)
    {
        for d in deps.iter_mut() {
            if d["name"] == "source" {
                if let Some(uri) = d.get_mut("uri") {
                    scrub_value(uri, &work_dirs);
                }
            }
            if let Some(dir) = d
                .get_mut("annotations")
                .and_then(|a| a.get_mut("replacedBy"))
            {
                scrub_value(dir, &work_dirs);
            }
        }
    }
}

#[cfg(test)]
mod tests;
