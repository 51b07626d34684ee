//! The config: the base's, every field it has kept (Healthcheck, Volumes, StopSignal,
//! history, ...), with ours over it: the platform, `Entrypoint`, `Cmd`, `User`, `Env`,
//! `WorkingDir`, `Labels`, `ExposedPorts`, `created`, one more `rootfs.diff_ids` entry
//! and one more history entry. Written with sorted keys (serde_json's map), so the same
//! base and spec give the same bytes.

use serde_json::{json, Map, Value};

use super::base::BaseImage;
use super::spec::{self, ImageSpec};
use super::AssembleError;
use crate::image::Platform;

/// What this image adds, besides the spec.
pub struct Ours<'a> {
    pub platform: &'a Platform,
    pub entrypoint: &'a [String],
    pub diff_id: &'a str,
    pub created: &'a str,
    pub paths: &'a [&'a str],
}

/// `created_by` of the history entry of the appended layer.
pub const CREATED_BY: &str = "cargo xbuild-go image";

fn damaged(what: &str) -> AssembleError {
    AssembleError::environment(format!("the base's config: {what}: the base is damaged"))
}

fn strings(list: &[String]) -> Value {
    Value::Array(list.iter().cloned().map(Value::String).collect())
}

/// The base's `Env` with `ours` over it: a name the base has is replaced where it
/// stands (its later duplicates dropped), a new one appended, in name order.
fn merge_env(
    base: Option<&Value>,
    ours: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<String>, AssembleError> {
    let base: Vec<String> = match base {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| damaged("Env holds a value that is not a string"))?,
        Some(_) => return Err(damaged("Env is not a list")),
    };
    let name = |e: &str| e.split_once('=').map_or(e, |(k, _)| k).to_string();
    let mut out: Vec<String> = Vec::new();
    let mut done = std::collections::BTreeSet::new();
    for e in base {
        let k = name(&e);
        match ours.get(&k) {
            Some(_) if done.contains(&k) => {}
            Some(v) => {
                out.push(format!("{k}={v}"));
                done.insert(k);
            }
            None => out.push(e),
        }
    }
    for (k, v) in ours {
        if !done.contains(k) {
            out.push(format!("{k}={v}"));
        }
    }
    Ok(out)
}

/// An object field of the base's config (`Labels`, `ExposedPorts`) with `ours` added.
fn merge_map(
    base: Option<&Value>,
    key: &str,
    ours: impl Iterator<Item = (String, Value)>,
) -> Result<Map<String, Value>, AssembleError> {
    let mut m = match base {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(damaged(&format!("{key} is not an object"))),
    };
    m.extend(ours);
    Ok(m)
}

/// The config's bytes: the base's with ours over it (see the module doc).
pub fn merge(base: &BaseImage, spec: &ImageSpec, ours: &Ours) -> Result<Vec<u8>, AssembleError> {
    let mut c = base.config.clone();
    let mut cfg = match c.remove("config") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(damaged("`config` is not an object")),
    };
    if ours.entrypoint.is_empty() {
        cfg.remove("Entrypoint");
    } else {
        cfg.insert("Entrypoint".into(), strings(ours.entrypoint));
    }
    match &spec.cmd {
        Some(cmd) if !cmd.is_empty() => {
            cfg.insert("Cmd".into(), strings(cmd));
        }
        _ => {
            cfg.remove("Cmd");
        }
    }
    let base_user = cfg
        .get("User")
        .and_then(Value::as_str)
        .filter(|u| !spec::is_root(u))
        .map(str::to_string);
    let user = spec
        .user
        .clone()
        .or(base_user)
        .unwrap_or_else(|| spec::DEFAULT_USER.to_string());
    cfg.insert("User".into(), Value::String(user));
    let env = merge_env(cfg.get("Env"), &spec.env)?;
    if env.is_empty() {
        cfg.remove("Env");
    } else {
        cfg.insert("Env".into(), strings(&env));
    }
    if let Some(w) = &spec.workdir {
        cfg.insert("WorkingDir".into(), Value::String(w.clone()));
    }
    let labels = merge_map(
        cfg.get("Labels"),
        "Labels",
        spec.labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone()))),
    )?;
    if !labels.is_empty() {
        cfg.insert("Labels".into(), Value::Object(labels));
    }
    let ports = spec
        .ports
        .iter()
        .map(|p| spec::port(p).map(|p| (p, json!({}))))
        .collect::<Result<Vec<_>, _>>()?;
    let exposed = merge_map(cfg.get("ExposedPorts"), "ExposedPorts", ports.into_iter())?;
    if !exposed.is_empty() {
        cfg.insert("ExposedPorts".into(), Value::Object(exposed));
    }
    c.insert("config".into(), Value::Object(cfg));

    let p = ours.platform;
    c.insert("os".into(), Value::String(p.os.clone()));
    c.insert("architecture".into(), Value::String(p.arch.clone()));
    // The stated platform: a target without a variant keeps the base's.
    if let Some(v) = &p.variant {
        c.insert("variant".into(), Value::String(v.clone()));
    }
    c.insert("created".into(), Value::String(ours.created.to_string()));
    let rootfs = c
        .get_mut("rootfs")
        .and_then(|r| r.get_mut("diff_ids"))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| damaged("it has no rootfs.diff_ids"))?;
    rootfs.push(Value::String(ours.diff_id.to_string()));
    let entry = json!({
        "created": ours.created,
        "created_by": CREATED_BY,
        "comment": ours.paths.join(" "),
    });
    match c.get_mut("history") {
        Some(Value::Array(h)) => h.push(entry),
        None | Some(Value::Null) => {
            c.insert("history".into(), Value::Array(vec![entry]));
        }
        Some(_) => return Err(damaged("history is not a list")),
    }
    let bytes = serde_json::to_vec(&Value::Object(c))
        .map_err(|e| AssembleError::environment(format!("writing the config: {e}")))?;
    if bytes.len() as u64 > crate::image::manifest::MAX_JSON {
        return Err(AssembleError::usage(format!(
            "the image's config would be {} bytes, more than the {} an image reader takes (MAX_JSON): fewer env, labels or ports",
            bytes.len(),
            crate::image::manifest::MAX_JSON
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn env_is_merged_in_place_and_path_kept() {
        let base = json!(["PATH=/usr/bin:/bin", "A=1", "B=2", "A=3", "NOEQ"]);
        let ours: BTreeMap<String, String> =
            [("A".to_string(), "x".to_string()), ("C".into(), "y".into())].into();
        assert_eq!(
            merge_env(Some(&base), &ours).unwrap(),
            ["PATH=/usr/bin:/bin", "A=x", "B=2", "NOEQ", "C=y"]
        );
        let over: BTreeMap<String, String> = [("PATH".to_string(), "/app".to_string())].into();
        assert_eq!(
            merge_env(Some(&base), &over).unwrap(),
            ["PATH=/app", "A=1", "B=2", "A=3", "NOEQ"]
        );
        assert!(merge_env(Some(&json!("PATH=/bin")), &ours).is_err());
        assert!(merge_env(Some(&json!([1])), &ours).is_err());
        assert_eq!(
            merge_env(None, &BTreeMap::new()).unwrap(),
            Vec::<String>::new()
        );
    }
}
