//! Bases for the image assembler and ways to look at what it wrote: umoci layouts (from
//! tests/util/rootfs.rs) gathered under one multi-platform index, their configs patched;
//! a platform's image copied out by skopeo and unpacked by umoci; the file tree of an
//! unpacked root; the hello fixture built with the real go.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::oci::Layout;

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// One platform of a base: a layout (tag `t`, as `rootfs::image` writes it), the variant
/// to state, and fields merged into its config's `config` object.
pub struct Part<'a> {
    pub layout: &'a Path,
    pub variant: Option<&'a str>,
    pub config: Value,
}

impl<'a> Part<'a> {
    pub fn of(layout: &'a Path) -> Part<'a> {
        Part {
            layout,
            variant: None,
            config: json!({}),
        }
    }
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Where a layout holds the blob of `digest`.
pub fn blob_path(layout: &Path, digest: &Value) -> PathBuf {
    let d = digest.as_str().expect("a digest string");
    layout.join("blobs").join(d.replacen(':', "/", 1))
}

/// The descriptor tagged `tag` in a layout's index.json.
pub fn tagged(layout: &Path, tag: &str) -> Value {
    let index = read_json(&layout.join("index.json"));
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"][REF_NAME] == tag)
        .unwrap_or_else(|| panic!("no tag {tag} in {}: {index:#}", layout.display()))
        .clone()
}

/// Copies one part's image into `l` (config patched as the part says); its manifest's
/// descriptor with its platform.
fn add_part(l: &Layout, p: &Part) -> Value {
    let top = tagged(p.layout, "t");
    let manifest = read_json(&blob_path(p.layout, &top["digest"]));
    let mut config = read_json(&blob_path(p.layout, &manifest["config"]["digest"]));
    if let Some(v) = p.variant {
        config["variant"] = json!(v);
    }
    for (k, v) in p.config.as_object().unwrap() {
        config["config"][k] = v.clone();
    }
    for layer in manifest["layers"].as_array().unwrap() {
        let bytes = std::fs::read(blob_path(p.layout, &layer["digest"])).unwrap();
        l.blob(layer["mediaType"].as_str().unwrap(), &bytes);
    }
    let mut manifest = manifest;
    manifest["config"] = l.blob(
        "application/vnd.oci.image.config.v1+json",
        &serde_json::to_vec(&config).unwrap(),
    );
    let mut d = l.blob(
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    d["platform"] = json!({"os": config["os"], "architecture": config["architecture"]});
    if let Some(v) = config.get("variant") {
        d["platform"]["variant"] = v.clone();
    }
    d
}

/// Writes `index.json` of `dir` naming `top` as tag `t`; the reference `oci:DIR:t`.
pub fn tag_top(dir: &Path, mut top: Value) -> String {
    top["annotations"] = json!({ REF_NAME: "t" });
    let index = json!({"schemaVersion": 2, "manifests": [top]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    format!("oci:{}:t", dir.display())
}

/// A layout at `dest` whose tag `t` names an image index over `parts`; its reference.
pub fn combine(dest: &Path, parts: &[Part]) -> String {
    let l = Layout::new(dest);
    let manifests: Vec<Value> = parts.iter().map(|p| add_part(&l, p)).collect();
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    });
    let top = l.blob(
        "application/vnd.oci.image.index.v1+json",
        &serde_json::to_vec(&index).unwrap(),
    );
    tag_top(dest, top)
}

/// A layout at `dest` whose tag `t` names the one image of `part`; its reference.
pub fn single(dest: &Path, part: &Part) -> String {
    let l = Layout::new(dest);
    let mut d = add_part(&l, part);
    d.as_object_mut().unwrap().remove("platform");
    tag_top(dest, d)
}

/// The image of `arch` (`variant`) in `image` (a skopeo reference to an index), copied
/// out by skopeo into its own layout under `work`, unpacked by umoci: its root.
pub fn unpack(image: &str, arch: &str, variant: Option<&str>, work: &Path) -> PathBuf {
    let name = format!("{arch}{}", variant.unwrap_or(""));
    std::fs::create_dir_all(work).unwrap();
    let layout = work.join(format!("plat-{name}"));
    let mut args = vec!["--override-arch", arch];
    if let Some(v) = variant {
        args.extend(["--override-variant", v]);
    }
    let dest = format!("oci:{}:x", layout.display());
    args.extend(["copy", "-q", image, &dest]);
    tool("skopeo", &args);
    let bundle = work.join(format!("bundle-{name}"));
    tool(
        "umoci",
        &[
            "unpack",
            "--rootless",
            "--image",
            &format!("{}:x", layout.display()),
            bundle.to_str().unwrap(),
        ],
    );
    bundle.join("rootfs")
}

/// One path of an unpacked root: its type (`d`, `f`, `l`, `o`), permission bits, size
/// (files) and link target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: char,
    pub mode: u32,
    pub size: u64,
    pub link: Option<String>,
}

/// Every path below `root` (as `/a/b`), not following links.
pub fn tree(root: &Path) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            let m = p.symlink_metadata().unwrap();
            let t = m.file_type();
            let kind = if t.is_symlink() {
                'l'
            } else if t.is_dir() {
                stack.push(p.clone());
                'd'
            } else if t.is_file() {
                'f'
            } else {
                'o'
            };
            let rel = format!("/{}", p.strip_prefix(root).unwrap().display());
            out.insert(
                rel,
                Entry {
                    kind,
                    mode: m.permissions().mode() & 0o7777,
                    size: if kind == 'f' { m.size() } else { 0 },
                    link: std::fs::read_link(&p)
                        .ok()
                        .map(|l| l.to_string_lossy().into_owned()),
                },
            );
        }
    }
    out
}

/// fixtures/go/hello built for linux/`goarch` with the real go (static, trimmed).
pub fn hello(goarch: &str, work: &Path) -> Vec<u8> {
    let out = work.join(format!("hello-{goarch}"));
    super::go(
        &["build", "-trimpath", "-o", out.to_str().unwrap(), "."],
        &super::fixture("go/hello"),
        &[("GOOS", "linux"), ("GOARCH", goarch)],
    );
    std::fs::read(&out).unwrap()
}

/// Runs `cmd args`, failing the test with its output when it fails; its stdout.
pub fn tool(cmd: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {cmd}: {e}"));
    super::shared::assert_succeeded_saying_all(&out, &format!("{cmd} {args:?}: "));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A small two-platform base at `work/NAME` (tag `t`), made by umoci: for amd64 and
/// arm64 a tree with /etc/passwd (root and nonroot 65532), /etc/group, the `files`
/// beside them and the empty directories `dirs`; its `oci:` reference.
pub fn small_base(work: &Path, name: &str, files: &[(&str, &str)], dirs: &[&str]) -> String {
    let mut layouts: Vec<PathBuf> = Vec::new();
    for arch in ["amd64", "arm64"] {
        let root = work.join(format!("{name}-tree-{arch}"));
        let mut tree = vec![
            (
                "etc/passwd",
                "root:x:0:0::/root:/bin/sh\nnonroot:x:65532:65532::/home/nonroot:/bin/false\n",
            ),
            ("etc/group", "root:x:0:\nnonroot:x:65532:\n"),
        ];
        tree.extend_from_slice(files);
        super::write_tree(&root, &tree);
        for d in dirs {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let dest = work.join(format!("{name}-img-{arch}"));
        std::fs::create_dir_all(&dest).unwrap();
        super::rootfs::image(
            &[&root],
            arch,
            &super::rootfs::ImageConfig::default(),
            &dest,
        );
        layouts.push(dest.join("oci"));
    }
    combine(
        &work.join(name),
        &[Part::of(&layouts[0]), Part::of(&layouts[1])],
    )
}
