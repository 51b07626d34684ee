//! `cargo xbuild-go merge`: three runners built by the real tool (linux/amd64,
//! linux/arm64, windows/amd64) in one git checkout, each runner's `dist/` laid out the
//! way `actions/download-artifact` puts uploads (`NAME/dist/...`), merged; the merged
//! checksums read back by `sha256sum -c`, every artifact checked with
//! `verify FILE --provenance`, the documents validated with the formats' own libraries
//! when XBUILD_GO_PYTHON names them. Then the refusals: each exits 1, names what is
//! wrong, and writes nothing.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

use util::*;

const PROFILE: &str = r#"[profile.rel]
output = "dist/{name}-{os}-{arch}{exe}"
"#;

/// A failing budget for windows only: its runner's VSA is FAILED.
const PROFILE_WINDOWS_TOO_BIG: &str = r#"[profile.rel]
output = "dist/{name}-{os}-{arch}{exe}"

[profile.rel.target."windows/amd64".verify]
max-size = "1KiB"
"#;

const TARGETS: &[&str] = &["linux/amd64", "linux/arm64", "windows/amd64"];

/// Every report written into `dir`: the checksums, provenance, VSA and JUnit flags,
/// and `--sbom` with `sbom`.
fn reports(dir: &str, sbom: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (flag, file) in [
        ("--checksums", "SHA256SUMS"),
        ("--provenance", "provenance.json"),
        ("--vsa", "vsa.json"),
        ("--sbom", "sbom"),
        ("--junit", "junit.xml"),
    ] {
        if sbom || flag != "--sbom" {
            out.extend([flag.to_string(), format!("{dir}/{file}")]);
        }
    }
    out
}

/// `head`, then `tail` as `&str`s, for a command line.
fn line<'a>(head: &[&'a str], tail: &'a [String]) -> Vec<&'a str> {
    let mut args = head.to_vec();
    args.extend(tail.iter().map(String::as_str));
    args
}

/// The project: the hello module with `profile`, committed.
fn project(profile: &str) -> Project {
    let p = Project::with_profile("hello", profile);
    p.file(".gitignore", "dist/\n");
    git(p.path(), &["init", "-q"]);
    git(p.path(), &["add", "."]);
    git(p.path(), &["commit", "-qm", "hello"]);
    p
}

/// Builds `target` in `p` with every report, then moves `dist/` to `dl/RUNNER/dist`.
fn runner(p: &Project, dl: &Path, target: &str, extra: &[&str], want: i32) {
    let reports = reports("dist", true);
    let mut args = line(
        &["xbuild-go", "--profile", "rel", "--target", target],
        &reports,
    );
    args.extend_from_slice(extra);
    // Each runner is a CI job of its own: its invocationId is its run's URL.
    let name = target.replace('/', "-");
    let mut env = base_env();
    env.insert(
        "GITHUB_SERVER_URL".into(),
        "https://ci.example.invalid".into(),
    );
    env.insert("GITHUB_REPOSITORY".into(), "team/hello".into());
    env.insert("GITHUB_RUN_ID".into(), format!("run-{name}"));
    run_env(p.path(), &args, &env).code(want);
    let to = dl.join(&name);
    std::fs::create_dir_all(&to).unwrap();
    std::fs::rename(p.path().join("dist"), to.join("dist")).unwrap();
}

/// Three runners' uploads under `work/dl`.
fn three(work: &Path, profile: &str) -> (Project, PathBuf) {
    let p = project(profile);
    let dl = work.join("dl");
    for t in TARGETS {
        let fails = profile == PROFILE_WINDOWS_TOO_BIG && *t == "windows/amd64";
        runner(&p, &dl, t, &[], if fails { 1 } else { 0 });
    }
    (p, dl)
}

/// `merge dl --root dl`, every report into `out/`, then `extra`.
fn merge(work: &Path, extra: &[&str]) -> Run {
    let outs = reports("out", true);
    let mut args = line(&["xbuild-go", "merge", "dl", "--root", "dl"], &outs);
    args.extend_from_slice(extra);
    run(work, &args)
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn three_runners_merge_into_one_verified_release() {
    let work = tempfile::tempdir().unwrap();
    let (_p, dl) = three(work.path(), PROFILE);
    let r = merge(work.path(), &[]);
    r.code(0).stderr_has_all(&[
        "Merged 3 artifacts from 3 runners",
        "Wrote checksums out/SHA256SUMS (3 subjects)",
        "Wrote provenance out/provenance.json (3 subjects)",
        "Wrote vsa out/vsa.json (3 subjects)",
        "Wrote sbom out/sbom/dist_hello-windows-amd64.exe.cdx.json",
        "Wrote junit out/junit.xml\n",
    ]);
    let out = work.path().join("out");

    // sha256sum -c, from --root, reads every line.
    let o = Command::new("sha256sum")
        .args(["-c", "--strict"])
        .arg(out.join("SHA256SUMS"))
        .current_dir(&dl)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "sha256sum -c: {said}\n{r}");
    for want in [
        "linux-amd64/dist/hello-linux-amd64: OK",
        "linux-arm64/dist/hello-linux-arm64: OK",
        "windows-amd64/dist/hello-windows-amd64.exe: OK",
    ] {
        assert!(said.contains(want), "sha256sum -c lacks {want:?}: {said}");
    }

    // Every artifact is a subject of the merged provenance.
    for file in [
        "linux-amd64/dist/hello-linux-amd64",
        "linux-arm64/dist/hello-linux-arm64",
        "windows-amd64/dist/hello-windows-amd64.exe",
    ] {
        let path = format!("dl/{file}");
        let args = [
            "xbuild-go",
            "verify",
            &path,
            "--provenance",
            "out/provenance.json",
            "-v",
        ];
        run(work.path(), &args)
            .code(0)
            .stderr_has_all(&["pass provenance.subject", "pass provenance.target"]);
    }

    let prov = json(&out.join("provenance.json"));
    let ext = &prov["predicate"]["buildDefinition"]["externalParameters"];
    assert_eq!(ext["targets"].as_array().map(Vec::len), Some(3), "{prov:#}");
    let builds = ext["builds"].as_array().unwrap();
    let runners: Vec<&str> = builds.iter().filter_map(|b| b["runner"].as_str()).collect();
    assert_eq!(
        runners,
        ["linux-amd64", "linux-arm64", "windows-amd64"],
        "{prov:#}"
    );
    let by = prov["predicate"]["runDetails"]["byproducts"]
        .as_array()
        .unwrap();
    assert_eq!(
        by.iter()
            .filter(|b| b["name"].as_str().is_some_and(|n| n.starts_with("runner/")))
            .count(),
        3,
        "one byproduct per runner: {prov:#}"
    );
    for t in ["linux-amd64", "linux-arm64", "windows-amd64"] {
        let id = format!("https://ci.example.invalid/team/hello/actions/runs/run-{t}");
        assert!(
            by.iter()
                .any(|b| b["uri"] == id.as_str() && b["name"] == format!("runner/{t}").as_str()),
            "runner {t}'s invocationId {id} is a byproduct: {prov:#}"
        );
    }

    let vsa = json(&out.join("vsa.json"));
    assert_eq!(vsa["predicate"]["verificationResult"], "PASSED", "{vsa:#}");
    let inputs = vsa["predicate"]["inputAttestations"].as_array().unwrap();
    for doc in ["provenance.json", "vsa.json", "SHA256SUMS", "junit.xml"] {
        assert_eq!(
            inputs
                .iter()
                .filter(|i| i["uri"].as_str().is_some_and(|u| u.ends_with(doc)))
                .count(),
            if doc == "provenance.json" { 4 } else { 3 },
            "inputAttestations naming {doc}: {vsa:#}"
        );
    }

    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    for t in ["linux-amd64: ", "linux-arm64: ", "windows-amd64: "] {
        assert!(junit.contains(&format!("<testsuite name=\"{t}")), "{junit}");
    }

    if let Some(py) = formats_python() {
        validate_evidence(&py, "provenance", &[out.join("provenance.json")]);
        validate_evidence(&py, "statement", &[out.join("vsa.json")]);
        let sboms: Vec<PathBuf> = std::fs::read_dir(out.join("sbom"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(sboms.len(), 3, "{sboms:?}");
        validate_evidence(&py, "sbom", &sboms);
    }

    // JSON: a merged event, then an evidence event per document.
    let outs = reports("out", true);
    let args = line(&["xbuild-go", "merge", "dl", "--root", "dl"], &outs);
    let j = run_json(work.path(), &args);
    j.code(0);
    let events = j.json();
    assert!(
        events
            .iter()
            .any(|e| e["reason"] == "merged" && e["artifacts"] == 3 && e["runners"] == 3),
        "{j}"
    );
    // Every line validates against schema/events-v1.json, a refusal's error lines too.
    let (schemas, idx) = events_schema();
    let bad = [
        &[
            "xbuild-go",
            "merge",
            "dl",
            "--root",
            "dl/linux-amd64",
            "--checksums",
            "x",
        ][..],
        &["--message-format", "json"],
    ]
    .concat();
    let refused = run(work.path(), &bad);
    refused.code(1);
    let mut lines = events.clone();
    lines.extend(refused.json());
    assert!(
        lines
            .iter()
            .any(|l| l["reason"] == "error" && l["exit"] == 1),
        "{refused}"
    );
    for l in &lines {
        if let Err(e) = schemas.validate(l, idx) {
            panic!("line does not validate: {e:#}\n{l}");
        }
    }
}

/// What each refusal does to the runners' uploads, and what it must say.
type Spoil = fn(&Project, &Path);

#[test]
fn a_refused_merge_exits_1_names_why_and_writes_nothing() {
    let cases: &[(&str, &str, Spoil, &[&str])] = &[
        (
            "a tampered artifact",
            PROFILE,
            |_, dl| {
                let f = dl.join("linux-arm64/dist/hello-linux-arm64");
                let mut b = std::fs::read(&f).unwrap();
                let n = b.len() - 1;
                b[n] ^= 1;
                std::fs::write(&f, b).unwrap();
            },
            &["`dist/hello-linux-arm64` named by", "has sha256"],
        ),
        (
            "a runner from another commit",
            PROFILE,
            |p, dl| {
                p.file("NOTES", "later\n");
                git(p.path(), &["add", "."]);
                git(p.path(), &["commit", "-qm", "later"]);
                std::fs::remove_dir_all(dl.join("windows-amd64")).unwrap();
                runner(p, dl, "windows/amd64", &[], 0);
            },
            &["runners differ in commit: linux-amd64", "--allow-differing commit"],
        ),
        (
            "a failed VSA",
            PROFILE_WINDOWS_TOO_BIG,
            |_, _| {},
            &["windows-amd64/dist/vsa.json` (runner windows-amd64): the verification summary is FAILED"],
        ),
        (
            "two runners claiming one file with different bytes",
            PROFILE,
            |p, dl| {
                runner(p, dl.join("again").as_path(), "linux/amd64", &["--ldflags", "-s -w -X main.v=2"], 0);
                // `dl/again/linux-amd64/...`: one more runner, `again`.
            },
            &["two runners claim `dist/hello-linux-amd64` with different bytes"],
        ),
        (
            "one target built twice with different bytes under another name",
            PROFILE,
            |p, dl| {
                let o = ["-o", "dist/other-{os}-{arch}", "--ldflags", "-s -w -X main.v=3"];
                runner(p, dl.join("again").as_path(), "linux/amd64", &o, 0);
            },
            &["linux/amd64 (package .) was built twice with different bytes: runner again"],
        ),
        (
            "a symlink escaping an input dir",
            PROFILE,
            |p, dl| {
                std::os::unix::fs::symlink(p.path().join("go.mod"), dl.join("linux-amd64/dist/notes"))
                    .unwrap();
            },
            &["linux-amd64/dist/notes` is a symlink leading out of the input directory"],
        ),
        (
            "a FIFO in an input dir",
            PROFILE,
            |_, dl| {
                let fifo = dl.join("linux-arm64/dist/pipe");
                let o = Command::new("mkfifo").arg(&fifo).output().unwrap();
                assert!(o.status.success(), "mkfifo: {o:?}");
            },
            &["linux-arm64/dist/pipe` is not a regular file (a FIFO, socket or device): refused"],
        ),
        (
            "a document over the size bound",
            PROFILE,
            |_, dl| {
                let mut big = b"{\"_type\": \"".to_vec();
                big.resize(65 << 20, b' ');
                std::fs::write(dl.join("linux-arm64/dist/big.json"), big).unwrap();
            },
            &["linux-arm64/dist/big.json` is 68157440 bytes", "at most 67108864 bytes; refused"],
        ),
    ];
    for (case, profile, spoil, says) in cases {
        let work = tempfile::tempdir().unwrap();
        let (p, dl) = three(work.path(), profile);
        spoil(&p, &dl);
        let r = merge(work.path(), &[]);
        assert_eq!(r.code, Some(1), "{case}: want exit 1\n{r}");
        for s in *says {
            assert!(r.stderr.contains(s), "{case}: stderr lacks {s:?}\n{r}");
        }
        assert!(r.stderr.contains("nothing was written"), "{case}\n{r}");
        assert!(
            !work.path().join("out").exists(),
            "{case}: out/ was written\n{r}"
        );
    }
}

#[test]
fn allow_differing_accepts_the_field_named() {
    let work = tempfile::tempdir().unwrap();
    let (p, dl) = three(work.path(), PROFILE);
    p.file("NOTES", "later\n");
    git(p.path(), &["add", "."]);
    git(p.path(), &["commit", "-qm", "later"]);
    std::fs::remove_dir_all(dl.join("windows-amd64")).unwrap();
    runner(&p, &dl, "windows/amd64", &[], 0);
    // Without it: refused, and under --message-format github an ::error annotation.
    let r = merge(work.path(), &["--message-format", "github"]);
    r.code(1);
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(
        said.lines()
            .any(|l| l.starts_with("::error") && l.contains("runners differ in commit")),
        "no ::error annotation naming the commit\n{r}"
    );
    merge(work.path(), &["--allow-differing", "commit"])
        .code(0)
        .stderr_has("Merged 3 artifacts from 3 runners");
    run(
        work.path(),
        &[
            "xbuild-go",
            "merge",
            "dl",
            "--checksums",
            "x",
            "--allow-differing",
            "colour",
        ],
    )
    .code(2)
    .stderr_has("--allow-differing `colour`: not a field");
}

/// Item 5 of issue 23: a failed build (a rejected artifact, a failed `go build`) still
/// writes every report it was asked for, into directories that exist, so the runner's
/// upload tells the merge why.
#[test]
fn a_failed_build_still_writes_every_report() {
    let cases: &[(&str, &str, &str, i32, usize)] = &[
        (
            "a rejected artifact",
            "hello",
            PROFILE_WINDOWS_TOO_BIG,
            1,
            1,
        ),
        ("a failed go build", "broken", PROFILE, 3, 0),
    ];
    for (case, module, profile, code, vsa_subjects) in cases {
        let p = Project::with_profile(module, profile);
        let reports = reports("dist", false);
        let target = ["xbuild-go", "--profile", "rel", "--target", "windows/amd64"];
        let args = line(&target, &reports);
        let r = run(p.path(), &args);
        assert_eq!(r.code, Some(*code), "{case}\n{r}");
        for f in ["SHA256SUMS", "provenance.json", "vsa.json", "junit.xml"] {
            assert!(
                p.path().join("dist").join(f).is_file(),
                "{case}: no dist/{f}\n{r}"
            );
        }
        let prov = json(&p.path().join("dist/provenance.json"));
        assert_eq!(prov["subject"], serde_json::json!([]), "{case}: {prov:#}");
        let vsa = json(&p.path().join("dist/vsa.json"));
        assert_eq!(
            vsa["predicate"]["verificationResult"], "FAILED",
            "{case}: {vsa:#}"
        );
        assert_eq!(
            vsa["subject"].as_array().map(Vec::len),
            Some(*vsa_subjects),
            "{case}"
        );
        let junit = std::fs::read_to_string(p.path().join("dist/junit.xml")).unwrap();
        assert!(junit.contains("<failure"), "{case}: {junit}");
    }
}

#[test]
fn two_different_sboms_of_one_name_are_refused() {
    let work = tempfile::tempdir().unwrap();
    let (_p, dl) = three(work.path(), PROFILE);
    let from = dl.join("linux-amd64/dist/sbom/dist_hello-linux-amd64.cdx.json");
    let mut v = json(&from);
    v["metadata"]["timestamp"] = serde_json::json!("2000-01-01T00:00:00Z");
    let to = dl.join("linux-arm64/dist/sbom/dist_hello-linux-amd64.cdx.json");
    std::fs::write(&to, serde_json::to_vec(&v).unwrap()).unwrap();
    let r = merge(work.path(), &[]);
    r.code(1)
        .stderr_has("two SBOMs are named `dist_hello-linux-amd64.cdx.json`")
        .stderr_has("nothing was written");
    assert!(!work.path().join("out").exists(), "{r}");
}

/// A two-platform base at `work/base` (tag `t`), as tests/image_cmd.rs makes it.
fn small_base(work: &Path) -> String {
    util::images_out::small_base(work, "base", &[], &[])
}

/// `image --profile rel --target TARGET --oci-layout dist/image`.
fn image_layout(target: &str) -> [&str; 8] {
    [
        "xbuild-go",
        "image",
        "--profile",
        "rel",
        "--target",
        target,
        "--oci-layout",
        "dist/image",
    ]
}

/// Two runners each write `image --oci-layout` for their platform; merge makes one
/// layout whose tag is a two-platform index, read back by skopeo, the referrers kept.
#[test]
fn per_platform_image_layouts_merge_into_one_multi_platform_index() {
    if !["umoci", "skopeo"]
        .iter()
        .all(|t| require_tool(t, "image layouts to merge"))
    {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let base = small_base(work.path());
    let p = project(&format!(
        "{PROFILE}flags = [\"-trimpath\"]\n\n[profile.rel.image]\nbase = \"{base}\"\n\
         repository = \"example.test/hello\"\ntags = [\"1.2.0\"]\n"
    ));
    let dl = work.path().join("dl");
    for t in ["linux/amd64", "linux/arm64"] {
        let evidence = [
            "--provenance",
            "dist/provenance.json",
            "--sbom",
            "dist/sbom",
        ];
        let args = [&image_layout(t)[..], &evidence].concat();
        let mut env = base_env();
        env.insert("SOURCE_DATE_EPOCH".into(), "1700000000".into());
        run_env(p.path(), &args, &env).code(0);
        let to = dl.join(t.replace('/', "-"));
        std::fs::create_dir_all(&to).unwrap();
        std::fs::rename(p.path().join("dist"), to.join("dist")).unwrap();
    }
    let r = run(
        work.path(),
        &[
            "xbuild-go",
            "merge",
            "dl",
            "--root",
            "dl",
            "--oci-layout",
            "out/image",
            "--provenance",
            "out/provenance.json",
        ],
    );
    r.code(0)
        .stderr_has("Wrote oci-layout out/image (2 platforms)");
    let raw = util::images_out::tool(
        "skopeo",
        &[
            "inspect",
            "--raw",
            &format!("oci:{}:1.2.0", work.path().join("out/image").display()),
        ],
    );
    let index: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let mut platforms: Vec<String> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["platform"]["os"].as_str().unwrap(),
                m["platform"]["architecture"].as_str().unwrap()
            )
        })
        .collect();
    platforms.sort();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"], "{raw}");
    let top = json(&work.path().join("out/image/index.json"));
    let referrers = top["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["annotations"]["org.opencontainers.image.ref.name"].is_null())
        .count();
    assert!(referrers >= 2, "the runners' referrers are kept: {top:#}");

    // One platform from two runners with different manifests: refused, nothing written.
    let ldflags = ["--ldflags", "-s -w -X main.v=2"];
    let args = [&image_layout("linux/amd64")[..], &ldflags].concat();
    run(p.path(), &args).code(0);
    std::fs::create_dir_all(dl.join("again")).unwrap();
    std::fs::rename(p.path().join("dist"), dl.join("again/dist")).unwrap();
    let r = run(
        work.path(),
        &["xbuild-go", "merge", "dl", "--oci-layout", "out/image2"],
    );
    r.code(1)
        .stderr_has("tag 1.2.0, platform linux/amd64: runner");
    assert!(!work.path().join("out/image2").exists(), "{r}");
}
