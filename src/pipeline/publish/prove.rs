//! The proofs of an assembled image, per platform, before any output is written: the
//! binaries read back out of the appended layer's bytes are the verified artifacts
//! (sha256); each starts on the real base (`runs-on` of the base, the same judgement as
//! `runs-on = ["oci:…"]`, against the base's files); the config's user is numeric or in
//! the base's /etc/passwd; the entrypoint is a file of the image (base files and the new
//! layer); and, when the profile has `smoke`, the smoke run inside the assembled image's
//! root (base layers and the new layer), through [`crate::pipeline::in_image_check`].

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use crate::assemble::{Assembled, BaseImage, PlatformImage};
use crate::image::rootfs::RootFs;
use crate::image::{ImageFiles, Small, SMALL_CAP};
use crate::pipeline::smoke::{in_image_check, InImage, SmokeRequest};
use crate::target::Target;
use crate::toolchain::HostEnv;
use crate::verify::{Check, Policy, Status};

/// The ids of the proofs, in the order they are made.
pub const PROOFS: &[&str] = &[
    "image.binary",
    "image.runs-on",
    "image.user",
    "image.entrypoint",
    "image.smoke",
];

/// One binary of a platform's layer, as the build verified it.
pub struct Expected<'a> {
    pub target: &'a Target,
    /// Its path in the image.
    pub path: &'a str,
    /// The verified artifact's sha256 (hex).
    pub sha256: &'a str,
    /// Its binary name, for the smoke run's private copy.
    pub name: &'a str,
    /// The policy it was verified under (the profile's, for this target).
    pub policy: Policy,
    pub smoke: Option<&'a SmokeRequest>,
}

fn check(id: &str, ok: bool, expected: &str, actual: String, message: String) -> Check {
    Check {
        id: id.to_string(),
        status: if ok { Status::Pass } else { Status::Fail },
        expected: Some(expected.to_string()),
        actual,
        message: Some(message),
    }
}

/// The files of the appended layer: path (absolute) → bytes of each regular file.
fn layer_files(image: &PlatformImage) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let layer = image.layers.last().ok_or("the image has no layer")?;
    let gz = layer
        .blob
        .bytes()
        .ok_or("the appended layer is not held in memory")?;
    let mut tar_bytes = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut tar_bytes)
        .map_err(|e| format!("the appended layer does not decompress: {e}"))?;
    let diff_id = format!("sha256:{}", crate::digest::sha256_hex(&tar_bytes));
    if diff_id != layer.diff_id {
        return Err(format!(
            "the appended layer decompresses to {diff_id}, but its diff_id is {}",
            layer.diff_id
        ));
    }
    let mut out = BTreeMap::new();
    let mut archive = tar::Archive::new(&tar_bytes[..]);
    let entries = archive
        .entries()
        .map_err(|e| format!("the appended layer is not a tar: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("the appended layer is not a tar: {e}"))?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path = entry
            .path()
            .map_err(|e| format!("an entry of the appended layer: {e}"))?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| format!("reading `{path}` from the appended layer: {e}"))?;
        out.insert(format!("/{}", path.trim_start_matches('/')), bytes);
    }
    Ok(out)
}

/// The config's `config` object, parsed back from the config blob's bytes.
fn config_of(image: &PlatformImage) -> serde_json::Map<String, serde_json::Value> {
    image
        .config
        .bytes()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
        .and_then(|v| v.get("config").and_then(|c| c.as_object()).cloned())
        .unwrap_or_default()
}

fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `image.user`: the config's `User` is numeric (`UID[:GID]`) or a name the base's
/// /etc/passwd (and /etc/group) has.
fn user_check(user: Option<&str>, files: &ImageFiles) -> Check {
    const ID: &str = "image.user";
    let expected = "a numeric user, or one in the base's /etc/passwd";
    let spec = user.unwrap_or("");
    let numeric = !spec.is_empty()
        && spec
            .split(':')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if numeric {
        return check(ID, true, expected, format!("User {spec}"), "numeric".into());
    }
    let small = |p: &str| match files.read_small(p, SMALL_CAP) {
        Small::Bytes(b) => Some(b.to_vec()),
        _ => None,
    };
    let (passwd, group) = (small("/etc/passwd"), small("/etc/group"));
    match crate::image::rootfs::run_user(Some(spec), passwd.as_deref(), group.as_deref()) {
        Ok(u) => check(
            ID,
            true,
            expected,
            format!("User {spec} (uid {})", u.uid),
            "found in the base's /etc/passwd".into(),
        ),
        Err(why) => check(
            ID,
            false,
            expected,
            format!("User {spec}"),
            format!("{why}; set image.user to a numeric UID:GID (e.g. \"65532:65532\") or a user the base has"),
        ),
    }
}

/// `image.entrypoint`: the program the image starts (`Entrypoint[0]`, else `Cmd[0]`) is
/// a file of the image: the base's or the new layer's; a bare name is looked up on the
/// config's `PATH`.
fn entrypoint_check(
    config: &serde_json::Map<String, serde_json::Value>,
    files: &ImageFiles,
    layer: &BTreeMap<String, Vec<u8>>,
) -> Check {
    const ID: &str = "image.entrypoint";
    let expected = "the program the image starts is a file of the image";
    let entry = strings(config.get("Entrypoint"));
    let cmd = strings(config.get("Cmd"));
    let Some(program) = entry.first().or(cmd.first()) else {
        return check(
            ID,
            false,
            expected,
            "no Entrypoint, no Cmd".into(),
            "the image starts nothing: set image.entrypoint (or image.cmd)".into(),
        );
    };
    let in_image = |p: &str| layer.contains_key(p) || files.is_file(p);
    let found = if program.starts_with('/') {
        in_image(program).then(|| program.clone())
    } else if program.contains('/') {
        let wd = config
            .get("WorkingDir")
            .and_then(|w| w.as_str())
            .filter(|w| !w.is_empty())
            .unwrap_or("/");
        let p = format!("{}/{program}", wd.trim_end_matches('/'));
        in_image(&p).then_some(p)
    } else {
        let path = strings(config.get("Env"))
            .iter()
            .find_map(|e| e.strip_prefix("PATH=").map(str::to_string))
            .unwrap_or_else(|| crate::image::rootfs::DEFAULT_PATH.to_string());
        path.split(':')
            .filter(|d| d.starts_with('/'))
            .map(|d| format!("{}/{program}", d.trim_end_matches('/')))
            .find(|p| in_image(p))
    };
    match found {
        Some(p) => check(
            ID,
            true,
            expected,
            p,
            format!("`{program}` is in the image"),
        ),
        None => check(
            ID,
            false,
            expected,
            format!("`{program}` not found"),
            format!(
                "the image starts `{program}`, which is neither in the base nor in the new \
                 layer ({}): fix image.entrypoint or image.path",
                layer.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        ),
    }
}

/// Where a smoke run inside the assembled image gets its root: extracted on demand
/// (the caller writes the image once to a private layout).
pub type RootOf<'a> = dyn Fn(&Target) -> Result<RootFs, String> + 'a;

/// Every proof of one platform's image. `root` gives the assembled image's root for the
/// smoke runs (asked only when a binary has one).
#[allow(clippy::too_many_arguments)]
pub fn prove_platform(
    image: &PlatformImage,
    base_name: &str,
    base: &BaseImage,
    expected: &[Expected],
    root: &RootOf,
    host: &HostEnv,
    cwd: &Path,
) -> Vec<Check> {
    let mut out = Vec::new();
    let layer = match layer_files(image) {
        Ok(l) => l,
        Err(why) => {
            out.push(check(
                "image.binary",
                false,
                "the verified binaries in the layer",
                "unreadable layer".into(),
                why,
            ));
            return out;
        }
    };
    let mut root_fs: Option<Result<RootFs, String>> = None;
    for e in expected {
        let Some(bytes) = layer.get(e.path) else {
            out.push(check(
                "image.binary",
                false,
                "the verified binary in the layer",
                format!("no {}", e.path),
                format!("the appended layer has no `{}`", e.path),
            ));
            continue;
        };
        let got = crate::digest::sha256_hex(bytes);
        out.push(check(
            "image.binary",
            got == e.sha256,
            &format!("{} is sha256:{}", e.path, e.sha256),
            format!("sha256:{got}"),
            if got == e.sha256 {
                format!("{} in the layer is the verified artifact", e.path)
            } else {
                format!(
                    "{} in the layer is not the verified artifact (sha256:{})",
                    e.path, e.sha256
                )
            },
        ));
        // runs-on of the real base: the same judgement as `runs-on = ["oci:…"]`.
        let mut policy = e.policy.clone();
        policy.runs_on = vec![base_name.to_string()];
        policy
            .images
            .insert(base_name.to_string(), Arc::new(base.files.clone()));
        let verdict = crate::verify::verify(bytes, &policy);
        let id = crate::verify::runs_on::realimage::check_id(base_name);
        let runs_on = verdict
            .as_ref()
            .ok()
            .and_then(|v| v.checks.iter().find(|c| c.id == id).cloned());
        let interpreter = verdict
            .as_ref()
            .ok()
            .and_then(|v| v.facts.interpreter.clone());
        match runs_on {
            Some(c) => {
                let ok = c.status == Status::Pass;
                let why = c.message.clone().unwrap_or_default();
                out.push(check(
                    "image.runs-on",
                    ok,
                    c.expected.as_deref().unwrap_or("starts on the base"),
                    c.actual.clone(),
                    format!("{}: {why}", e.path),
                ));
            }
            None => out.push(check(
                "image.runs-on",
                false,
                "starts on the base",
                "not judged".into(),
                match &verdict {
                    Err(m) => format!("{}: the binary could not be read: {m}", e.path),
                    Ok(_) => format!("{}: no runs-on judgement was made", e.path),
                },
            )),
        }
        if let Some(req) = e.smoke {
            let root = root_fs.get_or_insert_with(|| root(e.target));
            let image_err;
            let extracted = match root {
                Ok(r) => Ok(&*r),
                Err(why) => {
                    image_err = crate::image::ImageError::new(why.clone());
                    Err(&image_err)
                }
            };
            let entry = format!("the assembled image ({})", image.stated);
            let mut c = in_image_check(
                req,
                e.target,
                &InImage {
                    entry: &entry,
                    root: Some(extracted),
                    files: None,
                    judged: None,
                    // It runs where the image puts it, as the entrypoint would.
                    path: Some(e.path),
                },
                bytes,
                e.name,
                interpreter.as_deref(),
                host,
                cwd,
            );
            c.id = "image.smoke".to_string();
            out.push(c);
        }
    }
    let config = config_of(image);
    let user = config.get("User").and_then(|u| u.as_str());
    out.push(user_check(user, &base.files));
    out.push(entrypoint_check(&config, &base.files, &layer));
    out
}

/// Every proof of every platform, with the platform's name: what failed decides.
pub fn prove(
    assembled: &Assembled,
    base: &crate::assemble::Base,
    expected: &BTreeMap<crate::image::Platform, Vec<Expected>>,
    root: &RootOf,
    host: &HostEnv,
    cwd: &Path,
) -> Vec<(String, Vec<Check>)> {
    assembled
        .images
        .iter()
        .map(|image| {
            let checks = match base.image(&image.platform) {
                Some(b) => prove_platform(
                    image,
                    &base.name,
                    b,
                    expected.get(&image.platform).map_or(&[][..], Vec::as_slice),
                    root,
                    host,
                    cwd,
                ),
                None => vec![check(
                    "image.runs-on",
                    false,
                    "the base read for this platform",
                    "not read".into(),
                    "the base was not read for this platform".into(),
                )],
            };
            (image.stated.to_string(), checks)
        })
        .collect()
}
