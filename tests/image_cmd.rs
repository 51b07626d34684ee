//! `cargo xbuild-go image` through the real binary, the real go and real image tools:
//! a two-platform base made by umoci and gathered under one index (tests/util), the
//! image written as an OCI layout, an oci-archive and one docker-archive per platform,
//! read back by skopeo (`inspect --raw`, `copy docker-archive:… oci:…`), unpacked by
//! umoci, the amd64 binary run from the unpacked root in a chroot of a user namespace
//! and the arm64 one under qemu; the same digest twice; and each refusal (exit code,
//! message, and no image output written).

mod util;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use util::images_out::{self, tool};
use util::*;

const EPOCH: &str = "1700000000";

fn tools(why: &str) -> bool {
    require_tool("umoci", why) && require_tool("skopeo", why) && require_tool("go", why)
}

/// A small multi-platform base at `work/base` (tag `t`): for amd64 and arm64 a tree
/// with /etc/passwd (root and nonroot 65532), /usr/local/bin and /tmp; its reference.
fn small_base(work: &Path) -> String {
    images_out::small_base(work, "base", &[], &["usr/local/bin", "tmp"])
}

fn env() -> BTreeMap<String, String> {
    let mut e = base_env();
    e.insert("SOURCE_DATE_EPOCH".into(), EPOCH.into());
    e
}

fn image_event(r: &Run) -> Value {
    r.json()
        .into_iter()
        .find(|v| v["reason"] == "image")
        .unwrap_or_else(|| panic!("no image event\n{r}"))
}

fn sha256_of(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{:x}", sha2::Sha256::digest(bytes))
}

/// Every line validates against schema/events-v1.json (the `image` event with them).
fn assert_schema(r: &Run) {
    let (schemas, idx) = events_schema();
    for line in r.json() {
        if let Err(e) = schemas.validate(&line, idx) {
            panic!("{} line does not validate: {e:#}\n{line:#}", line["reason"]);
        }
    }
}

fn profile(base: &str, extra: &str) -> String {
    format!(
        "[profile.golden]\ntargets = [\"linux/amd64\", \"linux/arm64\"]\noutput = \"dist/{{name}}-{{arch}}\"\nflags = [\"-trimpath\"]\n\
         smoke = [\"--version\"]\n\n[profile.golden.image]\nbase = \"{base}\"\n\
         repository = \"example.test/hello\"\ntags = [\"1.2.0\", \"latest\"]\n{extra}"
    )
}

#[test]
fn a_two_platform_image_is_written_read_back_by_skopeo_and_runs_on_both() {
    if !tools("the image command end to end")
        || !require_tool("unshare", "running the amd64 binary in a chroot")
        || !require_tool("qemu-aarch64-static", "running the arm64 binary")
    {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let base = small_base(t.path());
    let p = Project::with_profile("hello", &profile(&base, ""));
    let r = run_env(
        p.path(),
        &[
            "image",
            "--oci-layout",
            "out/layout",
            "--oci-archive",
            "out/image.tar",
            "--docker-archive",
            "out/image-{arch}.tar",
            "--message-format",
            "json",
        ],
        &env(),
    );
    r.code(0);
    assert_schema(&r);
    let ev = image_event(&r);
    let index = ev["index_digest"].as_str().unwrap().to_string();
    assert_eq!(ev["tags"], serde_json::json!(["1.2.0", "latest"]), "{r}");
    assert_eq!(ev["platforms"].as_array().unwrap().len(), 2, "{r}");
    let kinds: Vec<&str> = strings(&ev["outputs"], "/kind");
    assert_eq!(
        kinds,
        ["oci", "oci-archive", "docker-archive", "docker-archive"],
        "{r}"
    );

    // skopeo reads the index back, by each tag, from the layout and the archive.
    let layout = p.path().join("out/layout");
    for (case, reference) in [
        ("layout 1.2.0", format!("oci:{}:1.2.0", layout.display())),
        ("layout latest", format!("oci:{}:latest", layout.display())),
        (
            "oci-archive",
            format!(
                "oci-archive:{}:1.2.0",
                p.path().join("out/image.tar").display()
            ),
        ),
    ] {
        let raw = tool("skopeo", &["inspect", "--raw", &reference]);
        assert_eq!(sha256_of(raw.as_bytes()), index, "case {case}");
        let doc: Value = serde_json::from_str(&raw).unwrap();
        let ann = &doc["annotations"];
        assert_eq!(
            ann["org.opencontainers.image.base.name"],
            base.as_str(),
            "{case}"
        );
        assert_eq!(
            ann["org.opencontainers.image.created"], "2023-11-14T22:13:20Z",
            "case {case}: the epoch is SOURCE_DATE_EPOCH"
        );
        assert_eq!(
            ann["org.opencontainers.image.title"], "hello",
            "case {case}"
        );
    }
    // Each docker-archive loads into an OCI layout, for its own platform.
    for arch in ["amd64", "arm64"] {
        let d = p.path().join(format!("out/image-{arch}.tar"));
        let loaded = t.path().join(format!("loaded-{arch}"));
        tool(
            "skopeo",
            &[
                "copy",
                "-q",
                &format!("docker-archive:{}", d.display()),
                &format!("oci:{}:l", loaded.display()),
            ],
        );
        let config = tool(
            "skopeo",
            &[
                "inspect",
                "--config",
                "--raw",
                &format!("oci:{}:l", loaded.display()),
            ],
        );
        let config: Value = serde_json::from_str(&config).unwrap();
        assert_eq!(config["architecture"], arch, "docker-archive {arch}");
        assert_eq!(
            config["config"]["Entrypoint"],
            serde_json::json!(["/usr/local/bin/hello"]),
            "docker-archive {arch}"
        );
        assert_eq!(
            config["config"]["User"], "65532:65532",
            "docker-archive {arch}"
        );
    }
    // umoci unpacks each platform; the binary is the delivered artifact, and it runs.
    let image = format!("oci:{}:1.2.0", layout.display());
    for arch in ["amd64", "arm64"] {
        let root = images_out::unpack(&image, arch, None, &t.path().join("unpacked"));
        let inside = std::fs::read(root.join("usr/local/bin/hello")).unwrap();
        let delivered = std::fs::read(p.path().join(format!("dist/hello-{arch}"))).unwrap();
        assert!(
            inside == delivered,
            "{arch}: the binary in the image is the verified one"
        );
        let got = match arch {
            "amd64" => tool(
                "unshare",
                &[
                    "-r",
                    "chroot",
                    root.to_str().unwrap(),
                    "/usr/local/bin/hello",
                ],
            ),
            _ => tool(
                "qemu-aarch64-static",
                &[root.join("usr/local/bin/hello").to_str().unwrap()],
            ),
        };
        assert_eq!(got.trim(), "hello from xbuild-go", "{arch}");
    }

    // The same source and base give the same digest again, and --check-reproducible
    // assembles twice and agrees.
    let again = run_env(
        p.path(),
        &[
            "image",
            "--check-reproducible",
            "--oci-layout",
            "out/again",
            "--message-format",
            "json",
        ],
        &env(),
    );
    again.code(0);
    assert_eq!(
        image_event(&again)["index_digest"],
        index.as_str(),
        "{again}"
    );

    // Human output says what it assembled and wrote.
    let human = run_env(p.path(), &["image", "--oci-layout", "out/h"], &env());
    human.code(0).stderr_has_all(&[
        "Assembling image example.test/hello:1.2.0",
        "(2 platforms)",
        "Proved linux/amd64",
        "Wrote oci:",
        &index,
    ]);
}

struct Refusal {
    case: &'static str,
    fixture: &'static str,
    args: &'static [&'static str],
    code: i32,
    needles: &'static [&'static str],
    /// Needs a C compiler (cgo).
    cgo: bool,
}

const TWO: &str = "[profile.golden]\ntargets = [\"linux/amd64\", \"linux/arm64\"]\noutput = \"dist/{name}-{arch}\"\n";

#[test]
fn each_refusal_names_its_reason_exits_as_documented_and_writes_no_image() {
    if !tools("the image command's refusals") {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let base = small_base(t.path());
    let two_image =
        |extra: &str| format!("{TWO}\n[profile.golden.image]\nbase = \"BASE\"\n{extra}");
    let cases: Vec<(Refusal, String)> =
        vec![
        (
            Refusal {
                case: "glibc cgo binary on a base without a C library",
                fixture: "cgohello",
                args: &[],
                code: 1,
                needles: &["linux/amd64: image.runs-on", "nothing was written"],
                cgo: true,
            },
            "[profile.golden]\ntargets = [\"linux/amd64\"]\ncgo = true\noutput = \"dist/{name}\"\n\
             [profile.golden.image]\nbase = \"BASE\"\n"
                .into(),
        ),
        (
            Refusal {
                case: "a platform the base lacks",
                fixture: "hello",
                args: &["--target", "linux/amd64,linux/riscv64"],
                code: 2,
                needles: &["linux/riscv64", "linux/amd64", "linux/arm64"],
                cgo: false,
            },
            two_image(""),
        ),
        (
            Refusal {
                case: "several targets, one docker-archive path",
                fixture: "hello",
                args: &["--docker-archive", "out/image.tar"],
                code: 2,
                needles: &["--docker-archive", "{arch}"],
                cgo: false,
            },
            two_image(""),
        ),
        (
            Refusal {
                case: "no linux target",
                fixture: "hello",
                args: &["--target", "darwin/arm64"],
                code: 2,
                needles: &["no linux target", "darwin/arm64"],
                cgo: false,
            },
            two_image(""),
        ),
        (
            Refusal {
                case: "two binaries, no entrypoint",
                fixture: "multi",
                args: &[],
                code: 2,
                needles: &["image.entrypoint", "2 binaries"],
                cgo: false,
            },
            format!("{TWO}package = [\"./cmd/...\"]\n[profile.golden.image]\nbase = \"BASE\"\n"),
        ),
        (
            Refusal {
                case: "an unknown key in the image table",
                fixture: "hello",
                args: &[],
                code: 2,
                needles: &["xbuild-go.toml:6:1", "unknown field `bsae`", "did you mean `base`"],
                cgo: false,
            },
            format!("{TWO}\n[profile.golden.image]\nbsae = \"BASE\"\n"),
        ),
        (
            Refusal {
                case: "no base",
                fixture: "hello",
                args: &[],
                code: 2,
                needles: &["image.base", "names no base"],
                cgo: false,
            },
            format!("{TWO}\n[profile.golden.image]\nrepository = \"x\"\n"),
        ),
        (
            Refusal {
                case: "a registry base nothing serves",
                fixture: "hello",
                args: &[],
                code: 4,
                needles: &["image.base", "cannot reach registry"],
                cgo: false,
            },
            format!(
                "{TWO}\n[profile.golden.image]\nbase = \"127.0.0.1:{}/base:1\"\n",
                util::registry::free_port()
            ),
        ),
        (
            Refusal {
                case: "--push alone without image.repository",
                fixture: "hello",
                args: &["--push"],
                code: 2,
                needles: &["image.repository", "--push alone"],
                cgo: false,
            },
            two_image(""),
        ),
        (
            Refusal {
                case: "a repository Docker's grammar refuses (upper case)",
                fixture: "hello",
                args: &[],
                code: 2,
                needles: &["image.repository", "`Example.test/Hello`"],
                cgo: false,
            },
            two_image("repository = \"Example.test/Hello\"\n"),
        ),
        (
            Refusal {
                case: "a repository that names a tag",
                fixture: "hello",
                args: &[],
                code: 2,
                needles: &["image.repository", "names a tag"],
                cgo: false,
            },
            two_image("repository = \"example.test/hello:1\"\n"),
        ),
        (
            Refusal {
                case: "two outputs on one path",
                fixture: "hello",
                args: &[
                    "--oci-archive",
                    "out/image.tar",
                    "--docker-archive",
                    "./out/image.tar",
                    "--target",
                    "linux/amd64",
                ],
                code: 2,
                needles: &["--docker-archive", "also where --oci-archive writes"],
                cgo: false,
            },
            two_image(""),
        ),
        (
            Refusal {
                case: "an archive inside the layout directory",
                fixture: "hello",
                args: &["--oci-layout", "out/layout", "--oci-archive", "out/layout/x.tar"],
                code: 2,
                needles: &["--oci-archive", "also where --oci-layout writes"],
                cgo: false,
            },
            two_image(""),
        ),
        (
            Refusal {
                case: "a layout path that is a directory but no layout",
                fixture: "hello",
                args: &["--oci-layout", "."],
                code: 2,
                needles: &["--oci-layout", "neither empty nor an OCI layout"],
                cgo: false,
            },
            two_image(""),
        ),
        (
            Refusal {
                case: "a tag that is no tag",
                fixture: "hello",
                args: &[],
                code: 2,
                needles: &["image.tags", "is not a valid tag"],
                cgo: false,
            },
            two_image("tags = [\"-bad\"]\n"),
        ),
        (
            Refusal {
                case: "a user the base lacks",
                fixture: "hello",
                args: &[],
                code: 1,
                needles: &["linux/amd64: image.user", "linux/arm64: image.user", "no user `app`"],
                cgo: false,
            },
            two_image("user = \"app\"\n"),
        ),
        (
            Refusal {
                case: "an entrypoint that is not in the image",
                fixture: "hello",
                args: &[],
                code: 1,
                needles: &["image.entrypoint", "`/bin/hello`"],
                cgo: false,
            },
            two_image("entrypoint = [\"/bin/hello\"]\n"),
        ),
    ];
    for (c, text) in cases {
        if c.cgo && !require_tool("gcc", "the glibc cgo build") {
            continue;
        }
        let p = Project::with_profile(c.fixture, &text.replace("BASE", &base));
        let before = relative_paths(p.path(), true);
        let mut args = vec!["image"];
        if !c.args.contains(&"--oci-layout") {
            args.extend(["--oci-layout", "out/layout"]);
        }
        args.extend(c.args);
        let r = run_env(p.path(), &args, &env());
        assert_eq!(r.code, Some(c.code), "case {}: exit code\n{r}", c.case);
        for n in c.needles {
            assert!(
                r.stderr.contains(n),
                "case {}: stderr lacks {n:?}\n{r}",
                c.case
            );
        }
        let written: Vec<String> = relative_paths(p.path(), true)
            .into_iter()
            .filter(|f| !before.contains(f) && !f.starts_with("dist"))
            .collect();
        assert!(
            written.is_empty(),
            "case {}: written {written:?}\n{r}",
            c.case
        );
    }
}

#[test]
fn annotations_come_from_git_and_the_epoch_from_the_commit_without_source_date_epoch() {
    if !tools("the image command's annotations") || !require_tool("git", "the source facts") {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let base = small_base(t.path());
    let p = Project::with_profile(
        "hello",
        &format!(
            "[profile.golden]\ntargets = [\"linux/amd64\"]\noutput = \"dist/{{name}}\"\n\
             [profile.golden.image]\nbase = \"{base}\"\n"
        ),
    );
    git(p.path(), &["init", "-q"]);
    git(p.path(), &["add", "-A"]);
    git(p.path(), &["commit", "-qm", "init"]);
    git(p.path(), &["tag", "v1.2.0"]);
    git(
        p.path(),
        &[
            "remote",
            "add",
            "origin",
            "https://user:s3cret-token@example.test/o/r.git",
        ],
    );
    let commit = git(p.path(), &["rev-parse", "HEAD"]).trim().to_string();
    // No SOURCE_DATE_EPOCH: HEAD's commit time dates the image.
    let r = run_env(
        p.path(),
        &["image", "--message-format", "json"],
        &base_env(),
    );
    r.code(0);
    assert!(
        !r.stdout.contains("s3cret-token"),
        "a credential was printed\n{r}"
    );
    let ev = image_event(&r);
    assert_eq!(
        ev["tags"],
        serde_json::json!(["1.2.0"]),
        "default tag {{version}}\n{r}"
    );
    let layout = p.path().join("dist/image");
    let raw = tool(
        "skopeo",
        &[
            "inspect",
            "--raw",
            &format!("oci:{}:1.2.0", layout.display()),
        ],
    );
    let doc: Value = serde_json::from_str(&raw).unwrap();
    let ann = &doc["annotations"];
    for (key, want) in [
        ("org.opencontainers.image.version", "1.2.0"),
        ("org.opencontainers.image.revision", commit.as_str()),
        (
            "org.opencontainers.image.source",
            "https://example.test/o/r.git",
        ),
        ("org.opencontainers.image.title", "hello"),
        ("org.opencontainers.image.created", "2026-01-02T03:04:05Z"),
    ] {
        assert_eq!(ann[key], want, "annotation {key}: {doc:#}");
    }
    let files = relative_paths(&layout, true);
    assert!(
        files.iter().all(|f| !f.contains("s3cret")),
        "a credential in the layout"
    );
    let blobs = relative_paths(&layout.join("blobs/sha256"), true);
    for b in blobs {
        let bytes = std::fs::read(layout.join("blobs/sha256").join(&b)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("s3cret-token"),
            "blob {b} holds the credential"
        );
    }
}

#[test]
fn several_binaries_go_into_one_image_and_other_oses_are_skipped_with_a_note() {
    if !tools("the image command with several binaries") {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let base = small_base(t.path());
    let p = Project::with_profile(
        "multi",
        &format!(
            "[profile.golden]\ntargets = [\"linux/amd64\", \"windows/amd64\"]\n\
             package = [\"./cmd/...\"]\noutput = \"dist/{{name}}-{{os}}{{exe}}\"\n\
             [profile.golden.image]\nbase = \"{base}\"\nentrypoint = [\"/usr/local/bin/a\"]\n\
             cmd = [\"--help\"]\nports = [\"8080\"]\nenv = {{ MODE = \"release\" }}\n"
        ),
    );
    let r = run_env(p.path(), &["image", "--oci-layout", "out"], &env());
    r.code(0)
        .stderr_has("windows/amd64: skipped: an image holds linux binaries only")
        .stderr_has("(1 platform)");
    assert!(
        !p.path().join("dist/a-windows.exe").exists(),
        "a skipped target is not built\n{r}"
    );
    // The default tag is {version}: a development version, as the module has no git tag.
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("out/index.json")).unwrap())
            .unwrap();
    let tag = index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(tag.starts_with("0.0.0-dev"), "{tag}");
    let image = format!("oci:{}:{tag}", p.path().join("out").display());
    let config: Value =
        serde_json::from_str(&tool("skopeo", &["inspect", "--config", "--raw", &image])).unwrap();
    let c = &config["config"];
    assert_eq!(
        c["Entrypoint"],
        serde_json::json!(["/usr/local/bin/a"]),
        "{config:#}"
    );
    assert_eq!(c["Cmd"], serde_json::json!(["--help"]), "{config:#}");
    assert!(c["ExposedPorts"]["8080/tcp"].is_object(), "{config:#}");
    assert!(
        c["Env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "MODE=release"),
        "{config:#}"
    );
    let root = images_out::unpack(&image, "amd64", None, &t.path().join("unpacked"));
    for name in ["a", "b"] {
        let inside = std::fs::read(root.join("usr/local/bin").join(name)).unwrap();
        let delivered = std::fs::read(p.path().join(format!("dist/{name}-linux"))).unwrap();
        assert!(
            inside == delivered,
            "{name}: the verified binary is in the image"
        );
    }
}
