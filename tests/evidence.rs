//! Release evidence (`--provenance`, `--vsa`, `--sbom`) for build and verify, and
//! `verify FILE --provenance P`. The documents are validated with the formats' own
//! libraries (tests/evidence/validate.py in the virtual environment `.ci/run` makes,
//! named by XBUILD_GO_PYTHON): protobuf's strict parser over the in-toto bindings for
//! the statements and provenance, cyclonedx-python-lib's strict validator for the SBOMs.
//! The VSA predicate is checked here (the bindings type `verifiedLevels` as a string,
//! the specification as a list). The real-module test (gojq through the module proxy)
//! is opt-in like tests/real_modules.rs.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};
use util::*;

/// Secrets set in the tool's environment: none may appear in any document.
const SECRETS: &[(&str, &str)] = &[
    ("GITHUB_TOKEN", "ghp_evidenceSecret0123456789"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSecret",
    ),
];
const PROXY_PASSWORD: &str = "proxyPassw0rdSecret";

fn sha256_file(p: &Path) -> String {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The document `--sbom DIR` writes for `artifact` (under `work`): its path relative
/// to `work` with `/` as `_`, then `.cdx.json` (docs/evidence.md).
fn sbom_of(sbom_dir: &Path, work: &Path, artifact: &Path) -> PathBuf {
    let rel = artifact.strip_prefix(work).unwrap().to_str().unwrap();
    sbom_dir.join(format!("{}.cdx.json", rel.replace('/', "_")))
}

fn read_json(p: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", p.display()))
}

/// The environment with secrets set, a proxy with credentials and a GitHub run.
fn secret_env(mut env: BTreeMap<String, String>, proxy_tail: &str) -> BTreeMap<String, String> {
    for (k, v) in SECRETS {
        env.insert(k.to_string(), v.to_string());
    }
    env.insert(
        "GOPROXY".into(),
        format!("https://builder:{PROXY_PASSWORD}@proxy.invalid/{proxy_tail}"),
    );
    env.insert("GITHUB_SERVER_URL".into(), "https://github.com".into());
    env.insert("GITHUB_REPOSITORY".into(), "acme/hello".into());
    env.insert("GITHUB_RUN_ID".into(), "4242".into());
    env
}

/// No secret in any file under `dir`.
fn assert_no_secret(dir: &Path) {
    for p in walk_files(dir) {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue; // the binaries
        };
        for secret in SECRETS.iter().map(|(_, v)| *v).chain([PROXY_PASSWORD]) {
            assert!(
                !text.contains(secret),
                "{} holds the secret {secret:?}",
                p.display()
            );
        }
    }
}

/// What the three documents must say about a build of `targets`; returns the
/// provenance.
fn check_build_documents(
    dir: &Path,
    artifacts: &[(String, PathBuf)],
    profile: &str,
    python: Option<&Path>,
) -> serde_json::Value {
    let prov = read_json(&dir.join("dist/provenance.json"));
    assert_eq!(prov["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(prov["predicateType"], "https://slsa.dev/provenance/v1");
    let subjects = prov["subject"].as_array().unwrap();
    assert_eq!(subjects.len(), artifacts.len(), "{prov:#}");
    for (target, path) in artifacts {
        let sha = sha256_file(path);
        let s = subjects
            .iter()
            .find(|s| s["digest"]["sha256"] == sha.as_str())
            .unwrap_or_else(|| panic!("no subject with {target}'s digest {sha}\n{prov:#}"));
        assert_eq!(s["annotations"]["target"], target.as_str(), "{s}");
        assert_eq!(s["annotations"]["profile"], profile, "{s}");
    }
    let def = &prov["predicate"]["buildDefinition"];
    assert_eq!(
        def["buildType"],
        "https://cargo-xbuild-go.invalid/build-type/go-build/v1"
    );
    assert_eq!(def["externalParameters"]["profile"], profile);
    let deps = def["resolvedDependencies"].as_array().unwrap();
    let go = deps.iter().find(|d| d["name"] == "go").expect("go entry");
    assert!(go["uri"].as_str().unwrap().contains("go1."), "{go}");
    let run = &prov["predicate"]["runDetails"];
    assert!(run["builder"]["id"]
        .as_str()
        .unwrap()
        .contains("cargo-xbuild-go"));
    assert_eq!(
        run["metadata"]["invocationId"],
        "https://github.com/acme/hello/actions/runs/4242"
    );
    let sums = dir.join("dist/SHA256SUMS");
    assert_eq!(
        run["byproducts"][0]["digest"]["sha256"],
        sha256_file(&sums).as_str(),
        "the checksums file is a byproduct"
    );
    // The child environment is recorded, redacted.
    let env = &def["internalParameters"]["env"];
    let one = env.as_object().unwrap().values().next().unwrap();
    assert_eq!(
        one["GITHUB_TOKEN"],
        serde_json::Value::Null,
        "dropped: {one}"
    );
    assert!(
        one["GOPROXY"].as_str().unwrap().contains("builder:***@"),
        "{one}"
    );

    let vsa = read_json(&dir.join("dist/vsa.json"));
    assert_eq!(
        vsa["predicateType"],
        "https://slsa.dev/verification_summary/v1"
    );
    assert_eq!(vsa["subject"].as_array().unwrap().len(), artifacts.len());
    let p = &vsa["predicate"];
    assert_eq!(p["verificationResult"], "PASSED", "{p:#}");
    assert_eq!(
        p["verifiedLevels"],
        serde_json::json!(["SLSA_BUILD_LEVEL_1"]),
        "a list, per the specification"
    );
    assert!(p["verifier"]["id"]
        .as_str()
        .unwrap()
        .contains("cargo-xbuild-go"));
    assert!(p["timeVerified"].as_str().unwrap().ends_with('Z'));
    assert!(p["resourceUri"].is_string());
    assert!(p["policy"]["uri"].is_string());
    assert_eq!(
        p["policy"]["digest"]["sha256"].as_str().unwrap().len(),
        64,
        "{p:#}"
    );
    assert_eq!(
        p["inputAttestations"][0]["digest"]["sha256"],
        sha256_file(&dir.join("dist/provenance.json")).as_str()
    );
    let results = p["checkResults"].as_array().unwrap();
    assert_eq!(results.len(), artifacts.len());
    assert!(results.iter().all(|r| r["passed"] == true
        && r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "elf.machine")));

    let mut sboms = Vec::new();
    for (target, path) in artifacts {
        let sbom_path = sbom_of(&dir.join("dist/sbom"), dir, path);
        let sbom = read_json(&sbom_path);
        assert_eq!(sbom["specVersion"], "1.6");
        let c = &sbom["metadata"]["component"];
        assert_eq!(c["hashes"][0]["content"], sha256_file(path).as_str());
        let props = c["properties"].as_array().unwrap();
        assert!(
            props
                .iter()
                .any(|p| p["name"] == "xbuild-go:target" && p["value"] == target.as_str()),
            "{c:#}"
        );
        assert!(
            props.iter().any(|p| p["name"] == "xbuild-go:build:GOARCH"),
            "build settings are properties"
        );
        assert!(
            sbom["components"].as_array().unwrap().iter().any(
                |c| c["name"] == "stdlib" && c["version"].as_str().unwrap().starts_with("go1.")
            ),
            "{sbom:#}"
        );
        sboms.push(sbom_path);
    }

    assert_no_secret(dir);
    if let Some(py) = python {
        validate_evidence(py, "provenance", &[dir.join("dist/provenance.json")]);
        validate_evidence(py, "statement", &[dir.join("dist/vsa.json")]);
        validate_evidence(py, "sbom", &sboms);
    }
    prov
}

const EVIDENCE_ARGS: &[&str] = &[
    "--checksums",
    "dist/SHA256SUMS",
    "--provenance",
    "dist/provenance.json",
    "--vsa",
    "dist/vsa.json",
    "--sbom",
    "dist/sbom",
    "--message-format",
    "json",
];

/// The linux/arm64 and linux/amd64 artifacts `dist/{name}-linux-{arch}` under `dir`.
fn linux_arm64_amd64(dir: &Path, name: &str) -> Vec<(String, PathBuf)> {
    ["arm64", "amd64"]
        .iter()
        .map(|a| {
            (
                format!("linux/{a}"),
                dir.join(format!("dist/{name}-linux-{a}")),
            )
        })
        .collect()
}

#[test]
fn a_fixture_build_writes_valid_evidence_and_verify_checks_against_it() {
    let python = formats_python();
    let p = Project::copy_of("hello");
    let env = secret_env(base_env(), ",off");
    let mut args = vec![
        "--target",
        "linux/arm64,linux/amd64",
        "-o",
        "dist/{name}-{os}-{arch}",
    ];
    args.extend_from_slice(EVIDENCE_ARGS);
    let r = run_env(p.path(), &args, &env);
    r.code(0);
    let kinds: Vec<String> = r
        .json()
        .iter()
        .filter(|l| l["reason"] == "evidence")
        .map(|l| l["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        ["checksums", "provenance", "vsa", "sbom", "sbom"],
        "{r}"
    );
    let artifacts = linux_arm64_amd64(p.path(), "hello");
    check_build_documents(p.path(), &artifacts, "golden", python.as_deref());

    // verify --provenance: the artifact passes.
    let ok = run(
        p.path(),
        &[
            "verify",
            "dist/hello-linux-arm64",
            "--provenance",
            "dist/provenance.json",
            "--message-format",
            "json",
        ],
    );
    ok.code(0);
    let checks = ok.artifacts()[0]["verdict"]["checks"].clone();
    for id in [
        "provenance.subject",
        "provenance.target",
        "provenance.profile",
    ] {
        assert!(
            checks
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id && c["status"] == "pass"),
            "{id} passes\n{ok}"
        );
    }
    // --profile must agree with the recorded one.
    let verify_as = |profile: &str| {
        run(
            p.path(),
            &[
                "verify",
                "dist/hello-linux-arm64",
                "--provenance",
                "dist/provenance.json",
                "--profile",
                profile,
            ],
        )
    };
    verify_as("golden").code(0);
    p.file("xbuild-go.toml", "[profile.other]\ninherits = \"golden\"\n");
    verify_as("other").code(1).stderr_has("provenance.profile");

    // A changed copy is not a subject: exit 1.
    let mut bytes = std::fs::read(p.path().join("dist/hello-linux-arm64")).unwrap();
    bytes.extend_from_slice(b"\0tampered");
    std::fs::write(p.path().join("changed"), &bytes).unwrap();
    run(
        p.path(),
        &["verify", "changed", "--provenance", "dist/provenance.json"],
    )
    .code(1)
    .stderr_has("provenance.subject");
    // A file of another build is not named in it: exit 1.
    let other = run(
        p.path(),
        &[
            "--target",
            "linux/arm64",
            "--ldflags",
            "-s -w -X main.x=1",
            "-o",
            "other",
        ],
    );
    other.code(0);
    run(
        p.path(),
        &["verify", "other", "--provenance", "dist/provenance.json"],
    )
    .code(1)
    .stderr_has("not among its 2 subjects");
    // A provenance whose recorded target is not what the file is: exit 1.
    let mut prov = read_json(&p.path().join("dist/provenance.json"));
    for s in prov["subject"].as_array_mut().unwrap() {
        s["annotations"]["target"] = "linux/riscv64".into();
    }
    p.file("lying.json", &prov.to_string());
    run(
        p.path(),
        &[
            "verify",
            "dist/hello-linux-arm64",
            "--provenance",
            "lying.json",
        ],
    )
    .code(1)
    .stderr_has("provenance.target");
    // Not a provenance at all: a usage error naming the file.
    run(
        p.path(),
        &[
            "verify",
            "dist/hello-linux-arm64",
            "--provenance",
            "dist/vsa.json",
        ],
    )
    .code(2)
    .stderr_has("vsa.json");
}

#[test]
fn verify_writes_evidence_about_files_built_elsewhere() {
    let python = formats_python();
    let p = Project::copy_of("hello");
    run(p.path(), &["--target", "linux/arm64", "-o", "app"]).code(0);
    // A failing check makes a FAILED summary.
    let r = run_env(
        p.path(),
        &[
            "verify",
            "app",
            "--target",
            "linux/amd64",
            "--emit-provenance",
            "ev/provenance.json",
            "--vsa",
            "ev/vsa.json",
            "--sbom",
            "ev/sbom",
        ],
        &secret_env(base_env(), ",off"),
    );
    r.code(1);
    let vsa = read_json(&p.path().join("ev/vsa.json"));
    assert_eq!(vsa["predicate"]["verificationResult"], "FAILED", "{vsa:#}");
    assert_eq!(
        vsa["predicate"]["verifiedLevels"],
        serde_json::json!(["FAILED"])
    );
    let prov = read_json(&p.path().join("ev/provenance.json"));
    assert_eq!(
        prov["predicate"]["buildDefinition"]["buildType"],
        "https://cargo-xbuild-go.invalid/build-type/go-recorded/v1"
    );
    assert_eq!(
        prov["subject"][0]["digest"]["sha256"],
        sha256_file(&p.path().join("app")).as_str()
    );
    assert_eq!(
        prov["predicate"]["buildDefinition"]["externalParameters"]["recorded"]["app"]["settings"]
            ["GOARCH"],
        "arm64"
    );
    assert_no_secret(p.path());
    if let Some(py) = python {
        validate_evidence(&py, "provenance", &[p.path().join("ev/provenance.json")]);
        validate_evidence(&py, "statement", &[p.path().join("ev/vsa.json")]);
        validate_evidence(&py, "sbom", &[p.path().join("ev/sbom/app.cdx.json")]);
    }
}

// ---- a real module with dependencies, through the module proxy (opt-in) ----

/// What `go version -m FILE` prints.
fn go_version_m(file: &Path) -> String {
    let o = Command::new("go")
        .args(["version", "-m"])
        .arg(file)
        .env_clear()
        .envs(base_env())
        .output()
        .unwrap();
    assert_succeeded_saying_all(&o, &format!("go version -m {}: ", file.display()));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `path@version` of every `dep` line of `go version -m FILE`.
fn go_version_deps(file: &Path) -> Vec<String> {
    go_version_m(file)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.first() == Some(&"dep")).then(|| format!("{}@{}", f[1], f[2]))
        })
        .collect()
}

#[test]
fn gojq_for_two_targets_has_every_dependency_in_the_evidence() {
    if !real_modules_enabled() {
        return;
    }
    let python = formats_python();
    let src = fetch("github.com/itchyny/gojq", "v0.12.17");
    // A first proxy behind credentials the documents must not show, unreachable, then
    // the real one (`|`: go falls through on any error).
    let real_proxy = {
        let o = Command::new("go")
            .args(["env", "GOPROXY"])
            .env_clear()
            .envs(online_env())
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let env = secret_env(online_env(), &format!("|{real_proxy}"));
    let mut args = vec![
        "--package",
        "./cmd/gojq",
        "--target",
        "linux/arm64,linux/amd64",
        "-o",
        "dist/{name}-{os}-{arch}",
    ];
    args.extend_from_slice(EVIDENCE_ARGS);
    let r = run_env(src.path(), &args, &env);
    r.code(0);
    let artifacts = linux_arm64_amd64(src.path(), "gojq");
    let prov = check_build_documents(src.path(), &artifacts, "golden", python.as_deref());
    let resolved: Vec<&serde_json::Value> = prov["predicate"]["buildDefinition"]
        ["resolvedDependencies"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    for (_, file) in &artifacts {
        let deps = go_version_deps(file);
        assert!(!deps.is_empty(), "gojq has dependencies");
        let name = file.file_name().unwrap().to_string_lossy();
        let sbom = read_json(&sbom_of(&src.path().join("dist/sbom"), src.path(), file));
        for dep in &deps {
            let (path, version) = dep.split_once('@').unwrap();
            let purl = format!("pkg:golang/{path}@{version}");
            let entry = resolved
                .iter()
                .find(|d| d["uri"] == purl.as_str())
                .unwrap_or_else(|| panic!("{purl} not in resolvedDependencies\n{prov:#}"));
            assert_eq!(
                entry["digest"]["dirHash"].as_str().map(str::len),
                Some(64),
                "{entry}"
            );
            let c = sbom["components"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["purl"] == purl.as_str())
                .unwrap_or_else(|| panic!("{purl} not in the SBOM of {name}"));
            assert_eq!(c["hashes"][0]["alg"], "SHA-256");
            assert_eq!(c["hashes"][0]["content"], entry["digest"]["dirHash"]);
        }
    }
    // The source is no git checkout (a module cache copy): no source entry is made up.
    assert!(resolved.iter().all(|d| d["name"] != "source"));
}

#[test]
fn a_git_checkout_is_the_source_with_its_commit() {
    if which("git").is_none() {
        if in_ci() {
            panic!("git is required under CI=true");
        }
        eprintln!("SKIP: git not found");
        return;
    }
    let p = Project::copy_of("hello");
    let git = |args: &[&str]| util::git(p.path(), args).trim().to_string();
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "x"]);
    git(&[
        "remote",
        "add",
        "origin",
        &format!("https://bot:{PROXY_PASSWORD}@example.com/acme/hello.git"),
    ]);
    let commit = git(&["rev-parse", "HEAD"]);
    run(p.path(), &["-o", "app", "--provenance", "prov.json"]).code(0);
    let prov = read_json(&p.path().join("prov.json"));
    let deps = prov["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    let src = deps
        .iter()
        .find(|d| d["name"] == "source")
        .unwrap_or_else(|| panic!("no source entry\n{prov:#}"));
    assert_eq!(
        src["uri"], "git+https://bot:***@example.com/acme/hello.git@refs/heads/main",
        "{src}"
    );
    assert_eq!(src["digest"]["gitCommit"], commit.as_str());
    assert!(src["annotations"]["dirty"].is_boolean(), "{src}");
}

#[test]
fn provenance_leaves_host_paths_out_unless_asked() {
    let python = formats_python();
    let p = Project::copy_of("hello");
    if which("git").is_some() {
        // No remote: the source is the checkout's directory, a file: URI.
        git(p.path(), &["init", "-q", "-b", "main"]);
    }
    // A C compiler path outside the work tree and one inside it, as a profile may give.
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\nenv = { CC = \"/opt/host-only/bin/cc\", XDG_CONFIG = \"/opt/host-only/etc\" }\nflags = [\"-trimpath\"]\n",
    );
    let env = base_env();
    let go_dir = which("go")
        .and_then(|g| g.parent().map(Path::to_path_buf))
        .expect("go on PATH");
    let work = std::fs::canonicalize(p.path()).unwrap();
    let prov_of = |extra: &[&str]| {
        let mut args = vec![
            "--target",
            "linux/amd64",
            "-o",
            "dist/h",
            "--provenance",
            "prov.json",
        ];
        args.extend_from_slice(extra);
        run_env(p.path(), &args, &env).code(0);
        let text = std::fs::read_to_string(p.path().join("prov.json")).unwrap();
        (read_json(&p.path().join("prov.json")), text)
    };

    let (prov, text) = prov_of(&[]);
    let mut host: Vec<String> = ["HOME", "PATH", "GOCACHE", "GOMODCACHE", "GOPATH", "TMPDIR"]
        .iter()
        .filter_map(|k| env.get(*k).cloned())
        .filter(|v| !v.is_empty())
        .collect();
    host.push(go_dir.display().to_string());
    host.push(work.display().to_string());
    host.push(p.path().display().to_string());
    host.push("/opt/host-only".into());
    for h in &host {
        assert!(
            !text.contains(h.as_str()),
            "the provenance holds the host path {h:?}:\n{text}"
        );
    }
    let def = &prov["predicate"]["buildDefinition"];
    let child = def["internalParameters"]["env"]["dist/h"]
        .as_object()
        .unwrap_or_else(|| panic!("{prov:#}"));
    for k in [
        "HOME",
        "PATH",
        "GOCACHE",
        "GOMODCACHE",
        "GOPATH",
        "TMPDIR",
        "USER",
    ] {
        assert!(!child.contains_key(k), "{k} is left out: {child:?}");
    }
    assert_eq!(child["CC"], "<host>/cc", "{child:?}");
    assert_eq!(child["GOOS"], "linux", "the build's own settings stay");
    let command = def["internalParameters"]["commands"]["dist/h"]
        .as_str()
        .unwrap();
    assert!(command.starts_with("<host>/go build "), "{command}");
    let deps = def["resolvedDependencies"].as_array().unwrap();
    let go = deps.iter().find(|d| d["name"] == "go").unwrap();
    assert!(go["annotations"].get("path").is_none(), "{go}");
    assert!(
        go["digest"]["sha256"].is_string(),
        "the go binary is still identified: {go}"
    );
    if let Some(src) = deps.iter().find(|d| d["name"] == "source") {
        assert_eq!(src["uri"], "git+file://.@refs/heads/main", "{src}");
    }
    if let Some(py) = &python {
        validate_evidence(py, "provenance", &[p.path().join("prov.json")]);
    }

    // Asked for: the host's paths as they are.
    let (prov, text) = prov_of(&["--provenance-host-paths"]);
    let def = &prov["predicate"]["buildDefinition"];
    let child = &def["internalParameters"]["env"]["dist/h"];
    assert_eq!(child["PATH"].as_str(), env.get("PATH").map(String::as_str));
    assert_eq!(child["CC"], "/opt/host-only/bin/cc");
    assert!(text.contains(&go_dir.display().to_string()), "{text}");
    if let Some(py) = &python {
        validate_evidence(py, "provenance", &[p.path().join("prov.json")]);
    }
}

// ---- the SBOM against `go version -m` ----

/// The value of property `name` of a CycloneDX component.
fn property<'c>(c: &'c serde_json::Value, name: &str) -> Option<&'c str> {
    c["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["value"].as_str())
}

/// The component whose `key` (`purl`, `name`) is `value`.
fn component<'b>(sbom: &'b serde_json::Value, key: &str, value: &str) -> &'b serde_json::Value {
    sbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c[key] == value)
        .unwrap_or_else(|| panic!("no component with {key} {value}\n{sbom:#}"))
}

/// The tool in `p` with `args`, writing SBOMs into `sbom/`, JSON events on stdout.
fn run_with_sbom(p: &Project, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--sbom", "sbom", "--message-format", "json"]);
    run(p.path(), &all)
}

/// The `sbom` evidence events of a JSON run: (path, sha256) in order.
fn sbom_events(r: &Run) -> Vec<(PathBuf, String)> {
    r.json()
        .iter()
        .filter(|l| l["reason"] == "evidence" && l["kind"] == "sbom")
        .map(|l| {
            let path = PathBuf::from(l["path"].as_str().unwrap());
            (path, l["sha256"].as_str().unwrap().to_string())
        })
        .collect()
}

/// Whether `go version -m` printed the line of these words.
fn go_recorded(m: &str, words: &[&str]) -> bool {
    m.lines()
        .any(|l| l.split_whitespace().eq(words.iter().copied()))
}

#[test]
fn two_targets_of_one_binary_get_one_sbom_each() {
    let python = formats_python();
    let p = Project::copy_of("hello");
    // The common layout: one directory per platform, the binary's own name in each.
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\noutput = \"_dist/{os}-{arch}/{name}\"\n",
    );
    let r = run_with_sbom(&p, &["--target", "linux/arm64,linux/amd64"]);
    r.code(0);
    assert_eq!(
        p.ls("sbom"),
        [
            "_dist_linux-amd64_hello.cdx.json",
            "_dist_linux-arm64_hello.cdx.json"
        ],
        "{r}"
    );
    // Each document announced is one written, with the digest of its bytes.
    let events = sbom_events(&r);
    assert_eq!(events.len(), 2, "{r}");
    assert_ne!(events[0].0, events[1].0, "{r}");
    for (path, sha) in &events {
        assert_eq!(&sha256_file(path), sha, "{}", path.display());
    }
    let mut docs = Vec::new();
    for arch in ["arm64", "amd64"] {
        let artifact = p.path().join(format!("_dist/linux-{arch}/hello"));
        let doc = p
            .path()
            .join(format!("sbom/_dist_linux-{arch}_hello.cdx.json"));
        let sbom = read_json(&doc);
        let main = &sbom["metadata"]["component"];
        assert_eq!(
            main["hashes"][0]["content"],
            sha256_file(&artifact).as_str(),
            "{arch}: its own artifact's digest\n{main:#}"
        );
        assert_eq!(
            property(main, "xbuild-go:artifact"),
            Some(format!("_dist/linux-{arch}/hello").as_str())
        );
        // What Go recorded, as `go version -m` prints it.
        let m = go_version_m(&artifact);
        let go = m.lines().next().and_then(|l| l.split_whitespace().nth(1));
        let go = go.unwrap_or_else(|| panic!("no Go version in {m}"));
        assert!(
            go_recorded(&m, &["build", &format!("GOARCH={arch}")]),
            "{m}"
        );
        assert_eq!(property(main, "xbuild-go:build:GOARCH"), Some(arch));
        // The main module is `(devel)`: neither the purl nor the component has a version.
        assert!(
            go_recorded(&m, &["mod", "example.com/hello", "(devel)"]),
            "{m}"
        );
        assert_eq!(main["purl"], "pkg:golang/example.com/hello", "{main:#}");
        assert!(main.get("version").is_none(), "{main:#}");
        // The standard library at `go1.26.8` in the version and the purl alike.
        let std = component(&sbom, "purl", &format!("pkg:golang/stdlib@{go}"));
        assert_eq!(std["version"], go, "{std:#}");
        docs.push(doc);
    }
    if let Some(py) = &python {
        validate_evidence(py, "sbom", &docs);
    }
}

#[test]
fn sbom_names_that_cannot_be_written_are_refused_before_anything_is_built() {
    let p = Project::copy_of("hello");
    // Each directory name is short enough; the SBOM's name (the path, `/` as `_`) is not.
    let long = format!("{0}/{0}/{0}/{{name}}-{{arch}}", "d".repeat(100));
    let r = run_with_sbom(&p, &["--target", "linux/arm64,linux/amd64", "-o", &long]);
    // The error event (JSON on stdout) says why.
    r.code(2).stdout_has("--sbom").stdout_has("at most 255");
    assert!(
        r.json().iter().all(|l| l["reason"] != "artifact"),
        "nothing was built: {r}"
    );
    assert!(!p.path().join("d".repeat(100)).exists(), "{r}");
    assert!(!p.path().join("sbom").exists(), "{r}");
}

#[test]
fn verify_refuses_two_files_whose_sboms_would_share_a_name() {
    let p = Project::copy_of("hello");
    run(p.path(), &["--target", "linux/arm64", "-o", "a/b"]).code(0);
    std::fs::copy(p.path().join("a/b"), p.path().join("a_b")).unwrap();
    let r = run_with_sbom(
        &p,
        &["verify", "a/b", "a_b", "--emit-provenance", "prov.json"],
    );
    r.code(2)
        .stdout_has("`a/b` and `a_b`")
        .stdout_has("sbom/a_b.cdx.json");
    assert!(sbom_events(&r).is_empty(), "{r}");
    // Nothing is written: no SBOM, nor the provenance asked for with it.
    assert!(p.ls("sbom").is_empty(), "{:?}", p.ls("sbom"));
    assert!(!p.path().join("prov.json").exists(), "{r}");
}

/// A module with one dependency replaced by a directory and one by another module, both
/// vendored (so the build needs no network).
fn replaced_modules() -> Project {
    let p = Project::copy_of("hello");
    let x = "package x\n\nfunc Hello() string { return \"x\" }\n";
    let z = "package z\n\nfunc Name() string { return \"z\" }\n";
    write_tree(
        p.path(),
        &[
            (
                "go.mod",
                "module example.com/hello\n\ngo 1.21\n\n\
                 require (\n\texample.com/x v1.2.3\n\texample.com/z v0.4.0\n)\n\n\
                 replace example.com/x => ./third_party/x\n\n\
                 replace example.com/z => example.com/zfork v0.4.1\n",
            ),
            (
                "main.go",
                "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/x\"\n\t\"example.com/z\"\n)\n\n\
                 func main() { fmt.Println(x.Hello(), z.Name()) }\n",
            ),
            ("third_party/x/go.mod", "module example.com/x\n\ngo 1.21\n"),
            ("third_party/x/x.go", x),
            ("vendor/example.com/x/x.go", x),
            ("vendor/example.com/z/z.go", z),
            (
                "vendor/modules.txt",
                "# example.com/x v1.2.3 => ./third_party/x\n## explicit; go 1.21\nexample.com/x\n\
                 # example.com/z v0.4.0 => example.com/zfork v0.4.1\n## explicit; go 1.21\nexample.com/z\n\
                 # example.com/x => ./third_party/x\n\
                 # example.com/z => example.com/zfork v0.4.1\n",
            ),
        ],
    );
    p
}

#[test]
fn replaced_modules_keep_valid_purls_in_the_sbom_and_the_provenance() {
    let python = formats_python();
    let p = replaced_modules();
    let args = [
        "--target",
        "linux/amd64",
        "-o",
        "app",
        "--provenance",
        "prov.json",
    ];
    run_with_sbom(&p, &args).code(0);
    let m = go_version_m(&p.path().join("app"));
    let sbom = read_json(&p.path().join("sbom/app.cdx.json"));
    let prov = read_json(&p.path().join("prov.json"));
    let resolved = prov["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    // What Go recorded (a `dep PATH VERSION` line, then `=> REPLACEMENT VERSION`), the
    // purl it becomes, and the SBOM's property and provenance's annotation beside it. A
    // directory: the module the go.mod requires, the directory beside it. A module: the
    // replacement, naming the module it replaces (cyclonedx-gomod lists the replacement).
    let lines: Vec<Vec<&str>> = m.lines().map(|l| l.split_whitespace().collect()).collect();
    let replaced: Vec<String> = lines
        .windows(2)
        .filter(|w| w[0].first() == Some(&"dep") && w[1].first() == Some(&"=>"))
        .map(|w| format!("{} {}", w[0][1..].join(" "), w[1].join(" ")))
        .collect();
    for (recorded, purl, (property_name, annotation, value)) in [
        (
            "example.com/x v1.2.3 => ./third_party/x (devel)",
            "pkg:golang/example.com/x@v1.2.3",
            ("xbuild-go:replaced-by", "replacedBy", "./third_party/x"),
        ),
        (
            "example.com/z v0.4.0 => example.com/zfork v0.4.1",
            "pkg:golang/example.com/zfork@v0.4.1",
            (
                "xbuild-go:replaces",
                "replaces",
                "pkg:golang/example.com/z@v0.4.0",
            ),
        ),
    ] {
        assert!(replaced.iter().any(|r| r == recorded), "{recorded} in\n{m}");
        let c = component(&sbom, "purl", purl);
        let version = purl.rsplit_once('@').map(|(_, v)| v);
        assert_eq!(c["version"].as_str(), version, "{c:#}");
        assert_eq!(property(c, property_name), Some(value), "{c:#}");
        let d = resolved
            .iter()
            .find(|d| d["uri"] == purl)
            .unwrap_or_else(|| panic!("{purl} not in resolvedDependencies\n{prov:#}"));
        assert_eq!(d["annotations"][annotation], value, "{d:#}");
    }
    let purls = sbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["purl"]);
    let uris = resolved.iter().map(|d| &d["uri"]);
    assert!(
        purls
            .chain(uris)
            .all(|u| !u.to_string().contains("third_party")),
        "no purl of a directory\n{sbom:#}\n{prov:#}"
    );
    if let Some(py) = &python {
        validate_evidence(py, "sbom", &[p.path().join("sbom/app.cdx.json")]);
        validate_evidence(py, "provenance", &[p.path().join("prov.json")]);
    }
}

#[test]
fn a_cgo_sbom_names_the_glibc_version_the_binary_needs() {
    if !require_tool("readelf", "the GLIBC versions a binary needs") {
        return;
    }
    let python = formats_python();
    let p = Project::copy_of("cgohello");
    run_with_sbom(&p, &["--cgo", "--target", "linux/amd64", "-o", "app"]).code(0);
    let app = p.path().join("app");
    assert!(go_recorded(
        &go_version_m(&app),
        &["build", "CGO_ENABLED=1"]
    ));
    let want = readelf_glibc_max(&app).expect("a glibc cgo build needs GLIBC versions");
    let sbom = read_json(&p.path().join("sbom/app.cdx.json"));
    let libc = component(&sbom, "name", "libc.so.6");
    assert_eq!(libc["version"], want.as_str(), "{libc:#}");
    assert_eq!(
        property(libc, "xbuild-go:version-need"),
        Some(format!("GLIBC_{want}").as_str())
    );
    assert_eq!(property(libc, "xbuild-go:dt-needed"), Some("true"));
    if let Some(py) = &python {
        validate_evidence(py, "sbom", &[p.path().join("sbom/app.cdx.json")]);
    }
}

/// A build says each file it wrote besides the artifacts with a cargo-style `Wrote`
/// line, as merge does; `-q` silences them; JSON has an `evidence` event for each.
#[test]
fn a_build_says_what_it_wrote() {
    let p = Project::copy_of("hello");
    let files = [
        "--checksums",
        "ev/SHA256SUMS",
        "--junit",
        "ev/junit.xml",
        "--provenance",
        "ev/provenance.json",
        "--vsa",
        "ev/vsa.json",
        "--sbom",
        "ev/sbom",
    ];
    let wrote = [
        "Wrote junit ev/junit.xml\n",
        "Wrote checksums ev/SHA256SUMS (1 subject)\n",
        "Wrote provenance ev/provenance.json (1 subject)\n",
        "Wrote vsa ev/vsa.json (1 subject)\n",
        "Wrote sbom ev/sbom/hello.cdx.json (1 subject)\n",
    ];
    // (case, extra arguments, whether the Wrote lines show)
    let cases: [(&str, &[&str], bool); 3] = [
        ("human", &[], true),
        ("github", &["--message-format", "github"], true),
        ("-q", &["-q"], false),
    ];
    for (case, extra, shown) in cases {
        let mut args = files.to_vec();
        args.extend_from_slice(extra);
        let r = run(p.path(), &args);
        r.code(0);
        for w in wrote {
            assert_eq!(r.stderr.contains(w), shown, "case {case}: {w:?}\n{r}");
        }
    }
    let mut args = files.to_vec();
    args.extend(["--message-format", "json"]);
    let r = run(p.path(), &args);
    r.code(0);
    let events: Vec<(String, u64)> = r
        .json()
        .iter()
        .filter(|l| l["reason"] == "evidence")
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_string(),
                l["subjects"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("junit", 0),
        ("checksums", 1),
        ("provenance", 1),
        ("vsa", 1),
        ("sbom", 1),
    ]
    .map(|(k, n)| (k.to_string(), n));
    assert_eq!(events, want, "{r}");
    assert!(
        !r.stderr.contains("Wrote"),
        "JSON output has no Wrote lines\n{r}"
    );
}
