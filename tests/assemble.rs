//! The assembly room (`xbuild_go::assemble`), called through the library as the
//! `image` command will call it, on real bases: umoci images of small trees and of
//! Debian root filesystems (tests/util/rootfs.rs), gathered under multi-platform
//! indexes. What it writes is read back by other tools: skopeo (`inspect --raw`, `copy`
//! between oci:, oci-archive: and docker-archive:), umoci (`unpack --rootless`), GNU tar
//! (the layer's owners and modes); the Go binary in the amd64 image runs from the
//! unpacked root in a chroot of a user namespace, the arm64 one under qemu.

mod util;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};

use util::images_out::{self, combine, single, tool, tree, Part};
use util::oci::platform;
use util::rootfs::{self, ImageConfig};
use util::*;
use xbuild_go::assemble::archive::{write_docker_archive, write_oci_archive};
use xbuild_go::assemble::layout::write_layout;
use xbuild_go::assemble::{assemble, AssembleError, Assembled, Base, BinaryInLayer, ImageSpec};
use xbuild_go::error::Exit;
use xbuild_go::image::{ImageRef, Platform};

const EPOCH: u64 = 1_700_000_000;
const CREATED: &str = "2023-11-14T22:13:20Z";

fn reference(s: &str) -> ImageRef {
    ImageRef::parse(s).unwrap().unwrap()
}

fn open(r: &str, platforms: &[&str]) -> Result<Base, AssembleError> {
    let ps: Vec<Platform> = platforms.iter().map(|p| platform(p)).collect();
    Base::open(&reference(r), Path::new("/"), &ps)
}

fn bin(path: &str, bytes: &[u8]) -> BinaryInLayer {
    BinaryInLayer {
        path: path.into(),
        bytes: Arc::from(bytes),
    }
}

fn tools(why: &str) -> bool {
    require_tool("umoci", why) && require_tool("skopeo", why)
}

/// A small tree as a base's root: a passwd, `/usr/local/bin`, `/usr/bin/sh`, and the
/// merged-/usr link `/bin -> usr/bin`.
fn small_root(work: &Path) -> PathBuf {
    let root = work.join("root");
    write_tree(
        &root,
        &[
            ("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
            ("usr/bin/sh", "#!/bin/false\n"),
            ("usr/local/bin/.keep", ""),
        ],
    );
    std::fs::remove_file(root.join("usr/local/bin/.keep")).unwrap();
    std::os::unix::fs::symlink("usr/bin", root.join("bin")).unwrap();
    root
}

/// umoci's layout of the small root for `goarch` (tag `t`), made under `work`.
fn small_image(work: &Path, goarch: &str, config: &ImageConfig) -> PathBuf {
    let root = small_root(&work.join(format!("tree-{goarch}")));
    let dest = work.join(format!("img-{goarch}"));
    std::fs::create_dir_all(&dest).unwrap();
    rootfs::image(&[&root], goarch, config, &dest);
    dest.join("oci")
}

/// A scratch directory and umoci's layout of the small root for `goarch` in it; `None`
/// (the test skips) without umoci and skopeo.
fn small_base(goarch: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    if !tools("umoci and skopeo make the base images") {
        return None;
    }
    let t = tempfile::tempdir().unwrap();
    let layout = small_image(t.path(), goarch, &ImageConfig::default());
    Some((t, layout))
}

fn assemble_one(base: &Base, p: &str, bins: Vec<BinaryInLayer>, spec: &ImageSpec) -> Assembled {
    assemble(base, &[(platform(p), bins)], spec, EPOCH).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

fn assert_refused(
    r: Result<impl std::fmt::Debug, AssembleError>,
    exit: Exit,
    needles: &[&str],
    case: &str,
) {
    let e = r.expect_err(case);
    assert_eq!(e.exit, exit, "case {case}: {e}");
    for n in needles {
        assert!(e.message.contains(n), "case {case}: `{n}` not in: {e}");
    }
}

#[test]
fn platforms_are_chosen_from_the_base_index_as_the_spec_matches_them() {
    let Some((t, amd64)) = small_base("amd64") else {
        return;
    };
    let cfg = ImageConfig::default();
    let (arm64, arm) = (
        small_image(t.path(), "arm64", &cfg),
        small_image(t.path(), "arm", &cfg),
    );
    let base_dir = t.path().join("base");
    let r = combine(
        &base_dir,
        &[
            Part::of(&amd64),
            Part {
                variant: Some("v8"),
                ..Part::of(&arm64)
            },
            Part {
                variant: Some("v6"),
                ..Part::of(&arm)
            },
            Part {
                variant: Some("v7"),
                ..Part::of(&arm)
            },
        ],
    );
    let entry = |variant: &str| -> String {
        top_manifest(&base_dir)["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["platform"]["variant"] == variant)
            .unwrap()["digest"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let base = open(
        &r,
        &["linux/arm/v7", "linux/arm/v6", "linux/arm64", "linux/amd64"],
    )
    .unwrap();
    let app = || vec![bin("/usr/local/bin/app", b"\x7fELF app")];
    let spec = ImageSpec::default();
    for (p, want_base, stated) in [
        ("linux/arm/v7", Some(entry("v7")), "linux/arm/v7"),
        ("linux/arm/v6", Some(entry("v6")), "linux/arm/v6"),
        ("linux/arm64", Some(entry("v8")), "linux/arm64/v8"),
        ("linux/amd64", None, "linux/amd64"),
    ] {
        let a = assemble_one(&base, p, app(), &spec);
        let img = &a.images[0];
        if let Some(want) = want_base {
            assert_eq!(
                img.base_manifest.as_deref(),
                Some(want.as_str()),
                "case {p}"
            );
        }
        assert_eq!(img.stated.to_string(), stated, "case {p}");
        let config = json_of(img.config.bytes().unwrap());
        assert_eq!(config["architecture"], img.stated.arch, "case {p}");
        let idx = json_of(a.index.bytes().unwrap());
        assert_eq!(
            idx["manifests"][0]["platform"]["architecture"], img.stated.arch,
            "case {p}"
        );
    }

    // A platform the base lacks: the user's error, naming what it has.
    assert_refused(
        open(&r, &["linux/riscv64"]),
        Exit::Usage,
        &[
            "linux/riscv64",
            "linux/amd64",
            "linux/arm/v6",
            "linux/arm/v7",
            "linux/arm64/v8",
        ],
        "riscv64 from the index",
    );
    // A v6 machine runs no v7 image: from a base with v7 only, arm/v6 is refused.
    let v7_only = combine(
        &t.path().join("v7only"),
        &[Part {
            variant: Some("v7"),
            ..Part::of(&arm)
        }],
    );
    assert_refused(
        open(&v7_only, &["linux/arm/v6"]),
        Exit::Usage,
        &["linux/arm/v7"],
        "v6 from v7",
    );
    // A single manifest is taken only for the platform its config states.
    let one = single(&t.path().join("single"), &Part::of(&amd64));
    assert!(open(&one, &["linux/amd64"]).is_ok());
    assert_refused(
        open(&one, &["linux/arm64"]),
        Exit::Usage,
        &["the image is for linux/amd64", "not linux/arm64"],
        "arm64 from an amd64 manifest",
    );
    // The base read for some platforms only assembles those.
    assert_refused(
        assemble(&base, &[(platform("linux/386"), app())], &spec, EPOCH),
        Exit::Usage,
        &["was not read for linux/386"],
        "a platform not read",
    );
}

#[test]
fn the_config_is_the_bases_with_ours_over_it_and_the_annotations_name_the_base() {
    let Some((t, layout)) = small_base("arm64") else {
        return;
    };
    let base_dir = t.path().join("base");
    let r = combine(
        &base_dir,
        &[Part {
            config: json!({
                "User": "1000",
                "Env": ["PATH=/usr/bin:/bin", "LANG=C"],
                "Entrypoint": ["/bin/sh", "-c"],
                "Cmd": ["echo base"],
                "Labels": {"a": "1"},
                "ExposedPorts": {"22/tcp": {}},
                "Healthcheck": {"Test": ["CMD", "/bin/true"]},
            }),
            ..Part::of(&layout)
        }],
    );
    let base = open(&r, &["linux/arm64"]).unwrap();
    let spec = ImageSpec {
        env: [
            ("FOO".into(), "bar".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ]
        .into(),
        labels: [("b".into(), "2".into())].into(),
        ports: vec!["8080".into()],
        workdir: Some("/srv".into()),
        version: Some("1.2.0".into()),
        revision: Some("0123abcd".into()),
        source: Some("https://example.com/app".into()),
        title: Some("app".into()),
        annotations: [("org.example.team".into(), "core".into())].into(),
        ..ImageSpec::default()
    };
    let a = assemble_one(
        &base,
        "linux/arm64",
        vec![bin("/usr/local/bin/app", b"app")],
        &spec,
    );
    let out = t.path().join("out");
    write_layout(&a, &out, &["1.2.0".into()]).unwrap();
    // skopeo reads the config the tool wrote.
    let target = format!("oci:{}:1.2.0", out.display());
    let c: Value = serde_json::from_str(&tool(
        "skopeo",
        &["--override-arch", "arm64", "inspect", "--config", &target],
    ))
    .unwrap();
    let cfg = &c["config"];
    assert_eq!(cfg["Entrypoint"], json!(["/usr/local/bin/app"]), "{c:#}");
    assert!(
        cfg.get("Cmd").is_none(),
        "the base's Cmd goes with its entrypoint: {c:#}"
    );
    assert_eq!(cfg["User"], "1000", "a non-root base user is kept: {c:#}");
    assert_eq!(
        cfg["Env"],
        json!(["PATH=/usr/bin:/bin", "LANG=C.UTF-8", "FOO=bar"]),
        "{c:#}"
    );
    assert_eq!(cfg["Labels"], json!({"a": "1", "b": "2"}), "{c:#}");
    assert_eq!(
        cfg["ExposedPorts"],
        json!({"22/tcp": {}, "8080/tcp": {}}),
        "{c:#}"
    );
    assert_eq!(cfg["WorkingDir"], "/srv", "{c:#}");
    assert_eq!(c["created"], CREATED, "{c:#}");
    let base_img = &base.images()[0];
    let n = base_img.layers().len();
    assert_eq!(
        c["rootfs"]["diff_ids"].as_array().unwrap().len(),
        n + 1,
        "{c:#}"
    );
    assert_eq!(
        c["rootfs"]["diff_ids"][n], a.images[0].layers[n].diff_id,
        "{c:#}"
    );
    // What skopeo's config type does not hold is kept too.
    let ours = json_of(a.images[0].config.bytes().unwrap());
    assert_eq!(
        ours["config"]["Healthcheck"]["Test"],
        json!(["CMD", "/bin/true"]),
        "{ours:#}"
    );
    let last = c["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["created"], CREATED, "{c:#}");

    // Annotations: the manifest names the base's manifest, the index the base's index.
    let base_index = images_out::tagged(&base_dir, "t")["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let index: Value =
        serde_json::from_str(&tool("skopeo", &["inspect", "--raw", &target])).unwrap();
    let manifest = json_of(a.images[0].manifest.bytes().unwrap());
    for (doc, digest) in [
        (&index, base_index.as_str()),
        (&manifest, base_img.manifest_digest.as_deref().unwrap()),
    ] {
        let an = &doc["annotations"];
        assert_eq!(an["org.opencontainers.image.base.name"], r, "{doc:#}");
        assert_eq!(
            an["org.opencontainers.image.base.digest"], digest,
            "{doc:#}"
        );
        for (k, v) in [
            ("created", CREATED),
            ("version", "1.2.0"),
            ("revision", "0123abcd"),
            ("source", "https://example.com/app"),
            ("title", "app"),
        ] {
            assert_eq!(
                an[format!("org.opencontainers.image.{k}")],
                v,
                "{k}: {doc:#}"
            );
        }
        assert_eq!(an["org.example.team"], "core", "{doc:#}");
    }
    assert_ne!(base_index, base_img.manifest_digest.clone().unwrap());

    // A root base user gives way to 65532:65532, unless the spec names one.
    let root_base = combine(
        &t.path().join("rootbase"),
        &[Part {
            config: json!({"User": "root"}),
            ..Part::of(&layout)
        }],
    );
    let root_base = open(&root_base, &["linux/arm64"]).unwrap();
    for (user, want) in [(None, "65532:65532"), (Some("app"), "app")] {
        let spec = ImageSpec {
            user: user.map(str::to_string),
            ..ImageSpec::default()
        };
        let a = assemble_one(&root_base, "linux/arm64", vec![bin("/app", b"x")], &spec);
        assert_eq!(
            json_of(a.images[0].config.bytes().unwrap())["config"]["User"],
            want
        );
    }
    // Several binaries need an entrypoint.
    assert_refused(
        assemble(
            &root_base,
            &[(
                platform("linux/arm64"),
                vec![bin("/a", b"a"), bin("/b", b"b")],
            )],
            &ImageSpec::default(),
            EPOCH,
        ),
        Exit::Usage,
        &["image.entrypoint"],
        "two binaries, no entrypoint",
    );
}

#[test]
fn the_layer_holds_the_binaries_and_only_the_parents_the_base_lacks() {
    if !require_tool("tar", "listing the layer") {
        return;
    }
    let Some((t, layout)) = small_base("amd64") else {
        return;
    };
    let r = single(&t.path().join("base"), &Part::of(&layout));
    let base = open(&r, &["linux/amd64"]).unwrap();
    let spec = ImageSpec {
        entrypoint: Some(vec!["/usr/local/bin/a".into()]),
        ..ImageSpec::default()
    };
    let a = assemble_one(
        &base,
        "linux/amd64",
        vec![
            bin("/usr/local/bin/a", b"aa"),
            bin("/opt/app/bin/b", b"bbb"),
        ],
        &spec,
    );
    let out = t.path().join("out");
    write_layout(&a, &out, &["t".into()]).unwrap();
    let ours = a.images[0].layers.last().unwrap();
    let blob = out.join(ours.blob.layout_name());
    let listing = tool("tar", &["--numeric-owner", "-tvzf", blob.to_str().unwrap()]);
    let got: Vec<(String, String, String)> = listing
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[0].to_string(), w[1].to_string(), w[5].to_string())
        })
        .collect();
    let want: Vec<(String, String, String)> = [
        ("drwxr-xr-x", "opt"),
        ("drwxr-xr-x", "opt/app"),
        ("drwxr-xr-x", "opt/app/bin"),
        ("-rwxr-xr-x", "opt/app/bin/b"),
        ("-rwxr-xr-x", "usr/local/bin/a"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), "0/0".to_string(), p.to_string()))
    .collect();
    assert_eq!(got, want, "GNU tar's listing:\n{listing}");
    assert!(
        listing.contains("2023-11-14"),
        "dated by the epoch:\n{listing}"
    );

    for (path, needle) in [
        ("/bin/app", "`/bin` is a symlink (to `usr/bin`)"),
        ("/usr/bin/sh/app", "`/usr/bin/sh` is not a directory"),
        ("/usr/local/bin", "is a directory in the base"),
        ("relative/app", "must be absolute"),
    ] {
        assert_refused(
            assemble(
                &base,
                &[(platform("linux/amd64"), vec![bin(path, b"x")])],
                &ImageSpec::default(),
                EPOCH,
            ),
            Exit::Usage,
            &[needle],
            path,
        );
    }
}

#[test]
fn a_docker_archive_base_is_described_by_its_layers_and_round_trips() {
    let Some((t, layout)) = small_base("amd64") else {
        return;
    };
    let archive = layout.parent().unwrap().join("image.docker.tar");
    let r = format!("docker-archive:{}", archive.display());
    let base = open(&r, &["linux/amd64"]).unwrap();
    let img = &base.images()[0];
    assert_eq!(
        img.manifest_digest, None,
        "a docker-archive holds no manifest"
    );
    assert_eq!(base.reference_digest(), None);
    for l in img.layers() {
        // skopeo writes its layers uncompressed: the blob is its own diff_id.
        assert_eq!(l.blob.digest, l.diff_id, "{l:?}");
        assert_eq!(l.blob.media_type, "application/vnd.oci.image.layer.v1.tar");
    }
    let a = assemble_one(
        &base,
        "linux/amd64",
        vec![bin("/usr/local/bin/app", b"app")],
        &ImageSpec::default(),
    );
    let annotations = &json_of(a.images[0].manifest.bytes().unwrap())["annotations"];
    assert_eq!(
        annotations["org.opencontainers.image.base.name"],
        r.as_str()
    );
    assert!(
        annotations
            .get("org.opencontainers.image.base.digest")
            .is_none(),
        "{annotations:#}"
    );
    let out = t.path().join("out");
    write_layout(&a, &out, &["t".into()]).unwrap();
    let target = format!("oci:{}:t", out.display());
    let cfg: Value =
        serde_json::from_str(&tool("skopeo", &["inspect", "--config", &target])).unwrap();
    assert_eq!(
        cfg["rootfs"]["diff_ids"].as_array().unwrap().len(),
        img.layers().len() + 1
    );
    // Back out as a docker-archive, read by skopeo and by the tool's own reader.
    let d = t.path().join("again.docker.tar");
    write_docker_archive(&a, &platform("linux/amd64"), &d, &["app:1".into()]).unwrap();
    let again = format!("docker-archive:{}", d.display());
    let config = tool("skopeo", &["inspect", "--config", "--raw", &again]);
    assert_eq!(config.as_bytes(), a.images[0].config.bytes().unwrap());
    let back = open(&again, &["linux/amd64"]).unwrap();
    assert_eq!(back.images()[0].config_digest, a.images[0].config.digest);
    assert!(back.images()[0].files.is_file("/usr/local/bin/app"));
}

/// The document (index or manifest) tag `t` names in a layout, parsed.
fn top_manifest(dir: &Path) -> Value {
    let top = images_out::tagged(dir, "t");
    json_of(&std::fs::read(images_out::blob_path(dir, &top["digest"])).unwrap())
}

/// Copies the layout `from` to `to`; the path of its first layer blob there.
fn copy_with_layer(from: &Path, to: &Path) -> PathBuf {
    copy_dir(from, to);
    images_out::blob_path(to, &top_manifest(to)["layers"][0]["digest"])
}

/// Changes a file's last byte, its length kept.
fn flip_last_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(path, bytes).unwrap();
}

/// Tags `doc` (of `media_type`), stored as a blob of the layout `dir`; the reference.
fn retag(dir: &Path, media_type: &str, doc: &Value) -> String {
    let l = util::oci::Layout::new(dir);
    images_out::tag_top(dir, l.blob(media_type, &serde_json::to_vec(doc).unwrap()))
}

/// Spoils a copy of a good layout (its first layer blob given); the reference to read.
type Spoil = fn(&Path, &Path) -> String;

#[test]
fn hostile_bases_are_refused_with_what_is_wrong() {
    let Some((t, layout)) = small_base("amd64") else {
        return;
    };
    let cases: [(&str, Spoil, &[&str]); 5] = [
        (
            "a layer blob that is a symlink out of the layout",
            |dir, blob| {
                let outside = dir.with_extension("outside");
                std::fs::rename(blob, &outside).unwrap();
                std::os::unix::fs::symlink(&outside, blob).unwrap();
                format!("oci:{}:t", dir.display())
            },
            &["is a symlink"],
        ),
        (
            "a layer blob whose bytes do not match its digest",
            |dir, blob| {
                flip_last_byte(blob);
                format!("oci:{}:t", dir.display())
            },
            &["does not match its digest"],
        ),
        (
            "an index of more descriptors than the reader looks at",
            |dir, _| {
                let many = vec![images_out::tagged(dir, "t"); 10_001];
                let index = json!({"schemaVersion": 2, "manifests": many});
                retag(dir, "application/vnd.oci.image.index.v1+json", &index)
            },
            &["MAX_DESCRIPTORS", "refused"],
        ),
        (
            "a manifest of more layers than an image may have",
            |dir, _| {
                let mut m = top_manifest(dir);
                m["layers"] = json!(vec![m["layers"][0].clone(); 257]);
                retag(dir, "application/vnd.oci.image.manifest.v1+json", &m)
            },
            &["MAX_LAYERS"],
        ),
        (
            "no image at all",
            |dir, _| {
                std::fs::remove_dir_all(dir).unwrap();
                std::fs::create_dir(dir).unwrap();
                format!("oci:{}", dir.display())
            },
            &["no `oci-layout` file"],
        ),
    ];
    for (i, (case, spoil, needles)) in cases.into_iter().enumerate() {
        let dir = t.path().join(format!("case{i}"));
        let blob = copy_with_layer(&layout, &dir);
        let r = spoil(&dir, &blob);
        assert_refused(open(&r, &["linux/amd64"]), Exit::Toolchain, needles, case);
    }
}

/// Names in `dir` that a writer left behind as temporary files.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".xbuild-go-tmp."))
        .collect()
}

#[test]
fn writers_keep_other_tags_refuse_links_and_leave_nothing_half_written() {
    let Some((t, layout)) = small_base("arm64") else {
        return;
    };
    let base_dir = t.path().join("base");
    let blob = copy_with_layer(&layout, &base_dir);
    let r = format!("oci:{}:t", base_dir.display());
    let base = open(&r, &["linux/arm64"]).unwrap();
    let spec = ImageSpec::default();
    let one = assemble_one(&base, "linux/arm64", vec![bin("/app", b"one")], &spec);
    let two = assemble_one(&base, "linux/arm64", vec![bin("/app", b"two")], &spec);
    assert_ne!(one.digest(), two.digest());

    // Tags accumulate in one layout; writing a tag again moves only it.
    let out = t.path().join("out");
    write_layout(&one, &out, &["a".into(), "b".into()]).unwrap();
    write_layout(&two, &out, &["b".into(), "c".into()]).unwrap();
    for (tag, a) in [("a", &one), ("b", &two), ("c", &two)] {
        let raw = tool(
            "skopeo",
            &["inspect", "--raw", &format!("oci:{}:{tag}", out.display())],
        );
        assert_eq!(raw.as_bytes(), a.index.bytes().unwrap(), "tag {tag}");
    }
    assert!(leftovers(&out).is_empty() && leftovers(t.path()).is_empty());

    // Writing is the same, byte for byte, twice.
    let (x, y) = (t.path().join("x.tar"), t.path().join("y.tar"));
    write_oci_archive(&one, &x, &["a".into()]).unwrap();
    write_oci_archive(&one, &y, &["a".into()]).unwrap();
    assert_eq!(std::fs::read(&x).unwrap(), std::fs::read(&y).unwrap());

    // A layout whose blobs/ is a symlink out: refused, nothing written there.
    let evil = t.path().join("evil");
    let elsewhere = t.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::create_dir_all(&evil).unwrap();
    std::fs::write(
        evil.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::write(
        evil.join("index.json"),
        br#"{"schemaVersion":2,"manifests":[]}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(&elsewhere, evil.join("blobs")).unwrap();
    let fifo = t.path().join("fifo");
    tool("mkfifo", &[fifo.to_str().unwrap()]);
    // A directory that is not a layout.
    let other = t.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let arm64 = platform("linux/arm64");
    let tag = || vec!["a".to_string()];
    let refused: [(&str, Result<(), AssembleError>, Exit, &str); 6] = [
        (
            "symlinked blobs",
            write_layout(&one, &evil, &tag()),
            Exit::Toolchain,
            "is a symlink",
        ),
        (
            "a foreign directory",
            write_layout(&one, &other, &tag()),
            Exit::Usage,
            "not an OCI image layout",
        ),
        (
            "archive to a FIFO",
            write_oci_archive(&one, &fifo, &tag()),
            Exit::Usage,
            "FIFO",
        ),
        (
            "archive to a directory",
            write_docker_archive(&one, &arm64, &other, &[]),
            Exit::Usage,
            "is a directory",
        ),
        (
            "a bad tag",
            write_layout(&one, &t.path().join("bad"), &["-x".into()]),
            Exit::Usage,
            "not a valid tag",
        ),
        (
            "a bad repo tag",
            write_docker_archive(&one, &arm64, &y, &["Bad:1".into()]),
            Exit::Usage,
            "NAME:TAG",
        ),
    ];
    for (case, result, exit, needle) in refused {
        assert_refused(result, exit, &[needle], case);
    }
    assert!(
        std::fs::read_dir(&elsewhere).unwrap().next().is_none(),
        "nothing written through the link"
    );
    assert_eq!(
        std::fs::read(evil.join("index.json")).unwrap(),
        br#"{"schemaVersion":2,"manifests":[]}"#
    );
    assert!(!t.path().join("bad").exists());

    // The base changes after it was read: every writer fails and leaves nothing (in
    // an empty directory too: what the failed write made is taken away).
    flip_last_byte(&blob);
    let three = assemble_one(&base, "linux/arm64", vec![bin("/app", b"three")], &spec);
    let (new, fresh, z) = (
        t.path().join("new"),
        t.path().join("fresh"),
        t.path().join("z.tar"),
    );
    std::fs::create_dir(&fresh).unwrap();
    for (case, result) in [
        ("a new layout", write_layout(&three, &new, &tag())),
        ("an empty directory", write_layout(&three, &fresh, &tag())),
        ("an archive", write_oci_archive(&three, &z, &tag())),
    ] {
        assert_refused(
            result,
            Exit::Toolchain,
            &["changed since it was read"],
            case,
        );
    }
    assert!(
        !new.exists() && !z.exists(),
        "no layout or archive was left"
    );
    let left: Vec<_> = std::fs::read_dir(&fresh)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(leftovers(t.path()).is_empty(), "{:?}", leftovers(t.path()));
    // A layout that already holds the base's blobs checks them and keeps them.
    write_layout(&three, &out, &["d".into()]).unwrap();
}

#[test]
fn a_two_platform_image_on_debian_runs_on_both_and_reads_back_everywhere() {
    if !rootfs::require_tools("Debian bases for the assembled image")
        || !require_tool(
            "qemu-aarch64-static",
            "the arm64 root's ldconfig and binary",
        )
        || !require_tool("go", "building the binaries")
        || !require_tool("unshare", "running the amd64 binary in a chroot")
    {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let work = t.path();
    let cfg = ImageConfig {
        env: vec!["PATH=/usr/local/bin:/usr/bin:/bin".into()],
        ..ImageConfig::default()
    };
    let mut layouts = Vec::new();
    for arch in ["amd64", "arm64"] {
        let root = rootfs::RootSpec::debian_base(rootfs::debian_arch(arch)).build();
        let dest = work.join(format!("debian-{arch}"));
        std::fs::create_dir_all(&dest).unwrap();
        rootfs::image(&[&root], arch, &cfg, &dest);
        layouts.push(dest.join("oci"));
    }
    let base_dir = work.join("base");
    let r = combine(
        &base_dir,
        &[
            Part::of(&layouts[0]),
            Part {
                variant: Some("v8"),
                ..Part::of(&layouts[1])
            },
        ],
    );
    let base_archive = work.join("base.tar");
    tool(
        "skopeo",
        &[
            "copy",
            "-q",
            "--all",
            &r,
            &format!("oci-archive:{}:t", base_archive.display()),
        ],
    );

    let platforms = ["linux/amd64", "linux/arm64"];
    let bins: Vec<(Platform, Vec<BinaryInLayer>)> = platforms
        .iter()
        .map(|p| {
            let arch = platform(p).arch;
            (
                platform(p),
                vec![BinaryInLayer {
                    path: "/usr/local/bin/hello".into(),
                    bytes: images_out::hello(&arch, work).into(),
                }],
            )
        })
        .collect();
    let spec = ImageSpec {
        version: Some("0.1.0".into()),
        ..ImageSpec::default()
    };
    let base = open(&r, &platforms).unwrap();
    let a = assemble(&base, &bins, &spec, EPOCH).unwrap();
    // Reproducible: the same inputs, read again, give the same digests.
    let again = assemble(&open(&r, &platforms).unwrap(), &bins, &spec, EPOCH).unwrap();
    assert_eq!(a.digest(), again.digest());
    for (x, y) in a.images.iter().zip(&again.images) {
        assert_eq!(x.manifest.digest, y.manifest.digest);
        assert_eq!(
            x.layers.last().unwrap().blob.digest,
            y.layers.last().unwrap().blob.digest
        );
    }
    // The same base as an oci-archive: the same base digests.
    let from_archive = open(
        &format!("oci-archive:{}:t", base_archive.display()),
        &platforms,
    )
    .unwrap();
    assert_eq!(from_archive.reference_digest(), base.reference_digest());

    let out = work.join("out");
    write_layout(&a, &out, &["0.1.0".into()]).unwrap();
    let oci_tar = work.join("image.oci.tar");
    write_oci_archive(&a, &oci_tar, &["0.1.0".into()]).unwrap();
    let target = format!("oci:{}:0.1.0", out.display());
    let archived = format!("oci-archive:{}:0.1.0", oci_tar.display());
    for image in [&target, &archived] {
        let raw = tool("skopeo", &["inspect", "--raw", image]);
        assert_eq!(raw.as_bytes(), a.index.bytes().unwrap(), "{image}");
    }
    // skopeo copies every platform unchanged: the copy's index and manifests are ours.
    let copy = work.join("copy");
    tool(
        "skopeo",
        &[
            "copy",
            "-q",
            "--all",
            &archived,
            &format!("oci:{}:c", copy.display()),
        ],
    );
    assert_eq!(
        tool(
            "skopeo",
            &["inspect", "--raw", &format!("oci:{}:c", copy.display())]
        )
        .as_bytes(),
        a.index.bytes().unwrap()
    );

    for img in &a.images {
        let arch = img.platform.arch.as_str();
        // skopeo picks this platform's manifest from the index and copies it unchanged.
        let mine = work.join(format!("mine-{arch}"));
        let root = images_out::unpack(&target, arch, None, &mine);
        let plat = mine.join(format!("plat-{arch}"));
        let copied = images_out::tagged(&plat, "x");
        assert_eq!(copied["digest"], img.manifest.digest, "{arch}: {copied:#}");
        let manifest = std::fs::read(plat.join(img.manifest.layout_name())).unwrap();
        assert_eq!(manifest, img.manifest.bytes().unwrap(), "{arch}'s manifest");
        // The unpacked root is the base's tree plus the binary, 0755.
        let ours = tree(&root);
        let base_root = images_out::unpack(&r, arch, None, &work.join(format!("base-{arch}")));
        let theirs = tree(&base_root);
        let mut extra: Vec<(&String, &images_out::Entry)> = ours
            .iter()
            .filter(|(p, e)| theirs.get(*p) != Some(e))
            .collect();
        let hello = extra
            .iter()
            .position(|(p, _)| *p == "/usr/local/bin/hello")
            .unwrap_or_else(|| panic!("{arch}: no binary in {extra:?}"));
        let (_, e) = extra.remove(hello);
        let size = bins.iter().find(|(p, _)| p.arch == arch).unwrap().1[0]
            .bytes
            .len() as u64;
        assert_eq!((e.kind, e.mode, e.size), ('f', 0o755, size), "{arch}");
        // Only the binary's missing parents may be new, as 0755 directories.
        for (p, e) in &extra {
            assert!(
                e.kind == 'd'
                    && e.mode == 0o755
                    && "/usr/local/bin/hello".starts_with(&format!("{p}/"))
                    && !theirs.contains_key(*p),
                "{arch}: {p} {e:?} differs from the base"
            );
        }
        assert!(
            theirs.keys().all(|p| ours.contains_key(p)),
            "{arch}: a base path went missing"
        );
        let got = match rootfs::qemu_for(rootfs::debian_arch(arch)) {
            None => tool(
                "unshare",
                &[
                    "-r",
                    "chroot",
                    root.to_str().unwrap(),
                    "/usr/local/bin/hello",
                ],
            ),
            Some(q) => tool(q, &[root.join("usr/local/bin/hello").to_str().unwrap()]),
        };
        assert_eq!(got.trim(), "hello from xbuild-go", "{arch}");

        // docker-archive: one file per platform that skopeo reads, the config unchanged.
        let d = work.join(format!("image-{arch}.docker.tar"));
        write_docker_archive(&a, &img.platform, &d, &["example.com/hello:0.1.0".into()]).unwrap();
        let from_docker = format!("docker-archive:{}", d.display());
        let config = tool("skopeo", &["inspect", "--config", "--raw", &from_docker]);
        assert_eq!(
            config.as_bytes(),
            img.config.bytes().unwrap(),
            "{arch}: docker-archive's config"
        );
        let loaded = work.join(format!("loaded-{arch}"));
        tool(
            "skopeo",
            &[
                "copy",
                "-q",
                &from_docker,
                &format!("oci:{}:l", loaded.display()),
            ],
        );
        let info: Value = serde_json::from_str(&tool(
            "skopeo",
            &["inspect", &format!("oci:{}:l", loaded.display())],
        ))
        .unwrap();
        assert_eq!(info["Architecture"], arch, "{info:#}");
        // The tool's own image reader reads the image it wrote.
        let files =
            xbuild_go::image::read(&reference(&target), Path::new("/"), &img.platform).unwrap();
        assert_eq!(files.mode("/usr/local/bin/hello"), Some(0o755), "{arch}");
        assert!(files.is_file("/etc/passwd"), "{arch}");
    }
}
