//! `--sbom DIR`: one CycloneDX 1.6 JSON document per artifact, from the build info Go
//! recorded in it: the main module as `metadata.component` (with the artifact's sha256
//! and the build settings as properties), every dependency module with its `pkg:golang`
//! purl and its `h1:` sum as a SHA-256 hash (the hex of the directory hash, as other Go
//! SBOM tools write it; the `h1:` text is kept as a property), the standard library at
//! the toolchain's version, and for cgo builds the C compiler (a tool) and the
//! `DT_NEEDED` libraries.

use serde_json::{json, Value};

use super::{built_module, dirhash_hex, golang_purl, sha256_hex, Artifact, TOOL_VERSION};

/// The file name of an artifact's SBOM: `<artifact file name>.cdx.json`.
pub fn file_name(a: &Artifact) -> String {
    let base = a
        .report
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "artifact".into());
    format!("{base}.cdx.json")
}

fn prop(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
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
    let mut component = json!({
        "type": "application",
        "bom-ref": main_purl,
        "name": main_name,
        "purl": main_purl,
        "hashes": [{ "alg": "SHA-256", "content": sha }],
        "properties": props,
    });
    if !main_version.is_empty() {
        component["version"] = json!(main_version);
    }

    let mut components: Vec<Value> = Vec::new();
    let mut refs: Vec<String> = Vec::new();
    if let Some(v) = a.go_version() {
        let bare = v.strip_prefix("go").unwrap_or(v);
        let purl = format!("pkg:golang/stdlib@{bare}");
        components.push(json!({
            "type": "library",
            "bom-ref": purl,
            "name": "stdlib",
            "version": v,
            "purl": purl,
            "description": "The Go standard library",
        }));
        refs.push(purl);
    }
    for m in a.deps() {
        let b = built_module(m);
        let purl = golang_purl(b.path, b.version);
        if refs.contains(&purl) || purl == main_purl {
            continue;
        }
        let mut c = json!({
            "type": "library",
            "bom-ref": purl,
            "name": b.path,
            "version": b.version,
            "purl": purl,
        });
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
            components.push(json!({
                "type": "library",
                "bom-ref": r,
                "name": lib,
                "properties": [prop("xbuild-go:dt-needed", "true")],
            }));
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
