//! `--sbom DIR`: one CycloneDX 1.6 JSON document per artifact, from the build info Go
//! recorded in it: the main module as `metadata.component` (with the artifact's sha256
//! and the build settings as properties), every dependency module with its `pkg:golang`
//! purl and its `h1:` sum as a SHA-256 hash (the hex of the directory hash, as other Go
//! SBOM tools write it; the `h1:` text is kept as a property), the standard library at
//! the toolchain's version, and for cgo builds the C compiler (a tool) and the
//! `DT_NEEDED` libraries.

use serde_json::{json, Value};

use super::{
    built_module, dirhash_hex, golang_purl, purl_version, sha256_hex, Artifact, TOOL_VERSION,
};

/// The file name of an artifact's SBOM in `--sbom DIR`: its subject name (the path the
/// provenance names it by: relative to the working directory when under it) with every
/// `/` as `_`, then `.cdx.json`, so that two targets' `_dist/linux-arm64/helm` and
/// `_dist/linux-amd64/helm` get `_dist_linux-arm64_helm.cdx.json` and
/// `_dist_linux-amd64_helm.cdx.json`. Empty and `.` segments are dropped (an absolute
/// path loses its leading `/`).
pub fn file_name(subject: &str) -> String {
    let segments: Vec<&str> = subject
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let flat = if segments.is_empty() {
        "artifact".to_string()
    } else {
        segments.join("_")
    };
    format!("{flat}.cdx.json")
}

/// The glibc soname whose component carries the highest `GLIBC_x.y` the binary needs.
const GLIBC_SONAME: &str = "libc.so.6";

fn prop(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

/// A Go module as a library component: its purl is its `bom-ref`, and its `version` is
/// the one the purl holds (none for an empty or `(devel)` version), so the two agree.
fn golang_component(name: &str, version: &str) -> Value {
    let purl = golang_purl(name, version);
    let mut c = json!({ "type": "library", "bom-ref": purl, "name": name });
    if let Some(v) = purl_version(version) {
        c["version"] = json!(v);
    }
    c["purl"] = json!(purl);
    c
}

/// The document, or `None` for an artifact without a digest.
pub fn render(a: &Artifact, timestamp: &str) -> Option<Value> {
    let sha = a.sha256()?;
    let go = a.report.verdict.facts.go.as_ref();
    let main = go.and_then(|g| g.main.as_ref());
    let (main_name, main_version) = match (main, go) {
        (Some(m), _) => (m.path.clone(), m.version.clone()),
        (None, Some(g)) if !g.path.is_empty() => (g.path.clone(), String::new()),
        _ => (
            a.report
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            String::new(),
        ),
    };
    let main_purl = golang_purl(&main_name, &main_version);
    let mut props = vec![
        prop("xbuild-go:artifact", a.name.clone()),
        prop("xbuild-go:sha256", sha),
    ];
    if let Some(t) = &a.report.target {
        props.push(prop("xbuild-go:target", t.clone()));
    }
    if let Some(p) = &a.report.profile {
        props.push(prop("xbuild-go:profile", p.clone()));
    }
    if let Some(g) = go {
        props.push(prop("xbuild-go:go-version", g.version.clone()));
        props.push(prop("xbuild-go:package", g.path.clone()));
        for (k, v) in &g.settings {
            props.push(prop(&format!("xbuild-go:build:{k}"), v.clone()));
        }
    }
    let mut component = golang_component(&main_name, &main_version);
    component["type"] = json!("application");
    component["hashes"] = json!([{ "alg": "SHA-256", "content": sha }]);
    component["properties"] = json!(props);

    let mut components: Vec<Value> = Vec::new();
    let mut refs: Vec<String> = Vec::new();
    if let Some(v) = a.go_version() {
        // `go1.26.8` in the version and the purl alike, as cyclonedx-gomod writes it.
        let mut c = golang_component("stdlib", v);
        c["description"] = json!("The Go standard library");
        refs.push(golang_purl("stdlib", v));
        components.push(c);
    }
    for m in a.deps() {
        let b = built_module(m);
        let purl = golang_purl(b.path, b.version);
        if refs.contains(&purl) || purl == main_purl {
            continue;
        }
        let mut c = golang_component(b.path, b.version);
        if let Some(h) = dirhash_hex(b.sum) {
            c["hashes"] = json!([{ "alg": "SHA-256", "content": h }]);
        }
        let mut p = Vec::new();
        if !b.sum.is_empty() {
            p.push(prop("xbuild-go:go-sum", b.sum));
        }
        if let Some(r) = &b.replaces {
            p.push(prop("xbuild-go:replaces", r.clone()));
        }
        if let Some(d) = b.replaced_by_dir {
            p.push(prop("xbuild-go:replaced-by", d));
        }
        if !p.is_empty() {
            c["properties"] = json!(p);
        }
        components.push(c);
        refs.push(purl);
    }

    let mut tools = vec![json!({
        "type": "application",
        "name": "cargo-xbuild-go",
        "version": TOOL_VERSION,
    })];
    let cgo = go.is_some_and(|g| g.settings.get("CGO_ENABLED").map(String::as_str) == Some("1"));
    if cgo {
        if let Some(cc) = a.report.env.as_ref().and_then(|e| e.get("CC")) {
            let name = cc.split_whitespace().next().unwrap_or(cc);
            tools.push(json!({
                "type": "application",
                "name": name,
                "description": "The C compiler of the cgo build",
                "properties": [prop("xbuild-go:cc", cc.clone())],
            }));
        }
        for lib in &a.report.verdict.facts.needed {
            let r = format!("dt-needed:{lib}");
            if refs.contains(&r) {
                continue;
            }
            let mut c = json!({
                "type": "library",
                "bom-ref": r,
                "name": lib,
                "properties": [prop("xbuild-go:dt-needed", "true")],
            });
            // glibc's libc at the version the binary needs at least.
            let glibc = a.report.verdict.facts.glibc_max.as_deref();
            if let Some(v) = glibc.filter(|_| lib == GLIBC_SONAME) {
                c["version"] = json!(v);
                c["properties"] = json!([
                    prop("xbuild-go:dt-needed", "true"),
                    prop("xbuild-go:version-need", format!("GLIBC_{v}")),
                ]);
            }
            components.push(c);
            refs.push(r);
        }
    }

    // The same artifact at the same time gets the same serial number.
    let seed = sha256_hex(format!("{sha} {timestamp}").as_bytes());
    let serial = format!(
        "urn:uuid:{}-{}-4{}-8{}-{}",
        &seed[0..8],
        &seed[8..12],
        &seed[13..16],
        &seed[17..20],
        &seed[20..32]
    );
    Some(json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial,
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": tools },
            "component": component,
        },
        "components": components,
        "dependencies": [{ "ref": main_purl, "dependsOn": refs }],
    }))
}
