//! `cargo xbuild-go image` on a registry base and with `--push`, through the real binary,
//! the real go and Debian's docker-registry (distribution 2.8) on a free port, without
//! and with htpasswd authentication: a two-platform base made by umoci and pushed by
//! skopeo; the image pushed and read back by skopeo byte for byte (`inspect --raw`,
//! `copy --all`); `xbuild-go.lock` written on the first run, kept when the base moves
//! under its tag (the same image again), refused under `--locked` when moved or
//! missing (exit 4, nothing written), moved by `--update-lock`; 401 naming the
//! credential source and never the password; a plain-HTTP registry on a non-loopback
//! address refused until named by `--insecure-registry`.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use util::images_out;
use util::registry::{auth_config, docker_config, skopeo_copy, Registry};
use util::*;

const EPOCH: &str = "1700000000";
const USER: (&str, &str) = ("pusher", "s3cret-horse-staple");

fn tools(why: &str) -> bool {
    require_tool("umoci", why)
        && require_tool("skopeo", why)
        && require_tool("go", why)
        && require_tool("docker-registry", why)
}

/// A two-platform base at `work/NAME` (tag `t`): /etc/passwd (root, nonroot 65532),
/// /etc/base-version holding `version` (what tells two bases apart), /usr/local/bin.
fn small_base(work: &Path, name: &str, version: &str) -> String {
    images_out::small_base(
        work,
        name,
        &[("etc/base-version", version)],
        &["usr/local/bin"],
    )
}

fn sha256_of(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{:x}", sha2::Sha256::digest(bytes))
}

/// The environment of a run: the epoch, a private output cache, and `docker` as the
/// only credential directory.
fn env(work: &Path, docker: &Path) -> BTreeMap<String, String> {
    let mut e = base_env();
    e.insert("SOURCE_DATE_EPOCH".into(), EPOCH.into());
    e.insert(
        "XBUILD_GO_CACHE_DIR".into(),
        work.join("cache").display().to_string(),
    );
    e.insert("DOCKER_CONFIG".into(), docker.display().to_string());
    e
}

fn profile(base: &str, repository: &str, extra: &str) -> String {
    format!(
        "[profile.golden]\ntargets = [\"linux/amd64\", \"linux/arm64\"]\noutput = \"dist/{{name}}-{{arch}}\"\n\
         flags = [\"-trimpath\"]\n\n[profile.golden.image]\nbase = \"{base}\"\n\
         repository = \"{repository}\"\ntags = [\"1.2.0\", \"latest\"]\n{extra}"
    )
}

/// doctor's `lock` line: its level and message.
fn doctor_lock(p: &Project, e: &BTreeMap<String, String>) -> (String, String) {
    let r = run_env(p.path(), &["doctor", "--message-format", "json"], e);
    let v = r.json().into_iter().next().unwrap_or_default();
    let c = v["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks\n{r}"))
        .iter()
        .find(|c| c["id"] == "lock")
        .unwrap_or_else(|| panic!("no lock line\n{r}"))
        .clone();
    (
        c["level"].as_str().unwrap().to_string(),
        c["message"].as_str().unwrap().to_string(),
    )
}

fn image_event(r: &Run) -> Value {
    r.json()
        .into_iter()
        .find(|v| v["reason"] == "image")
        .unwrap_or_else(|| panic!("no image event\n{r}"))
}

/// The `[[base]]` digest of the lock at `file`.
fn locked_digest(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    v["base"][0]["digest"].as_str().unwrap().to_string()
}

/// A started registry holding a small base as `base:1`, and a scratch directory with
/// an empty credentials directory `docker` in it.
struct Setup {
    reg: Registry,
    t: tempfile::TempDir,
    docker: PathBuf,
    /// The base as made locally (an `oci:` reference).
    local: String,
    /// The base in the registry: `ADDR/base:1`.
    base: String,
}

impl Setup {
    /// After `tools(why)`, the registry `start` gives with the base pushed to it; `None`
    /// (the reason printed) when a tool is missing outside CI.
    fn start(why: &str, start: impl FnOnce() -> Option<Registry>) -> Option<Setup> {
        if !tools(why) {
            return None;
        }
        let reg = start()?;
        let t = tempfile::tempdir().unwrap();
        let docker = t.path().join("docker");
        std::fs::create_dir_all(&docker).unwrap();
        let local = small_base(t.path(), "base1", "1");
        reg.skopeo_push(&local, "base:1");
        let base = format!("{}/base:1", reg.addr);
        Some(Setup {
            reg,
            t,
            docker,
            local,
            base,
        })
    }

    /// [`Setup::start`] with a registry on 127.0.0.1 without authentication.
    fn local(why: &str) -> Option<Setup> {
        Setup::start(why, || Registry::start(None))
    }

    fn work(&self) -> &Path {
        self.t.path()
    }

    /// [`env`] with the empty credentials directory.
    fn env(&self) -> BTreeMap<String, String> {
        env(self.work(), &self.docker)
    }

    /// `ADDR/app`, the repository the image goes to.
    fn app(&self) -> String {
        format!("{}/app", self.reg.addr)
    }

    /// The hello project building an image on the registry base, for [`Setup::app`].
    fn project(&self) -> Project {
        Project::with_profile("hello", &profile(&self.base, &self.app(), ""))
    }
}

#[test]
fn a_registry_base_is_locked_and_the_image_pushed_as_the_layout_holds_it() {
    let Some(s) = Setup::local("pushing an image built on a registry base") else {
        return;
    };
    let (reg, work, base, app) = (&s.reg, s.work(), &s.base, s.app());
    let base_v1 = sha256_of(&reg.raw("base:1"));
    let p = s.project();
    let lock = p.path().join("xbuild-go.lock");
    let e = s.env();

    // First run: pulled, built, pushed under both tags, and the lock written.
    let r = run_env(
        p.path(),
        &["image", "--push", "--message-format", "json"],
        &e,
    );
    r.code(0);
    let ev = image_event(&r);
    let index = ev["index_digest"].as_str().unwrap().to_string();
    assert_eq!(ev["base"], base.as_str(), "{r}");
    assert_eq!(
        ev["pushed"],
        serde_json::json!([
            format!("{app}:1.2.0@{index}"),
            format!("{app}:latest@{index}")
        ]),
        "{r}"
    );
    assert_eq!(
        locked_digest(&lock),
        base_v1,
        "the lock records the base's digest"
    );

    // What the registry serves is the layout's bytes: the index by each tag, each
    // manifest by digest.
    let layout = p.path().join("dist/image");
    let blob = |d: &str| std::fs::read(layout.join("blobs").join(d.replacen(':', "/", 1))).unwrap();
    for tag in ["1.2.0", "latest"] {
        let got = reg.raw(&format!("app:{tag}"));
        assert_eq!(sha256_of(&got), index, "case tag {tag}");
        assert_eq!(got, blob(&index), "case tag {tag}: byte for byte");
    }
    let doc: Value = serde_json::from_slice(&blob(&index)).unwrap();
    assert_eq!(
        doc["annotations"]["org.opencontainers.image.base.digest"],
        base_v1.as_str(),
        "the index names the base's index digest"
    );
    for m in doc["manifests"].as_array().unwrap() {
        let d = m["digest"].as_str().unwrap();
        assert_eq!(reg.raw(&format!("app@{d}")), blob(d), "case manifest {d}");
    }
    // The base's layers were mounted from its repository, not uploaded again.
    let log = reg.log();
    assert!(
        log.lines()
            .any(|l| l.contains("POST /v2/app/blobs/uploads/?") && l.contains("from=base")),
        "no cross-repository mount in the registry's log:\n{log}"
    );
    // And skopeo copies it out, every platform.
    skopeo_copy(
        &["--all", "--src-tls-verify=false"],
        &format!("docker://{app}:1.2.0"),
        &format!("oci:{}:x", work.join("copied").display()),
    );
    let copied: Value =
        serde_json::from_slice(&std::fs::read(work.join("copied/index.json")).unwrap()).unwrap();
    assert_eq!(copied["manifests"][0]["digest"], index.as_str());

    // Again, for people: the same digest, `Pushed` lines, the lock left as it is.
    let before = std::fs::read(&lock).unwrap();
    let r = run_env(p.path(), &["image", "--push"], &e);
    r.code(0)
        .stderr_has(&format!("Pushed {app}:1.2.0@{index}"))
        .stderr_has(&format!("Pushed {app}:latest@{index}"));
    assert!(
        !r.stderr.contains("Locked"),
        "a fresh lock is not rewritten\n{r}"
    );
    assert_eq!(std::fs::read(&lock).unwrap(), before);
    run_env(p.path(), &["image", "--locked"], &e).code(0);
    let (level, message) = doctor_lock(&p, &e);
    assert_eq!(level, "ok", "case doctor, fresh: {message}");

    // The base moves under its tag: a default run keeps the locked digest.
    let second = small_base(work, "base2", "2");
    reg.skopeo_push(&second, "base:1");
    let base_v2 = sha256_of(&reg.raw("base:1"));
    assert_ne!(base_v1, base_v2);
    let r = run_env(p.path(), &["image", "--message-format", "json"], &e);
    r.code(0);
    assert_eq!(
        image_event(&r)["index_digest"],
        index.as_str(),
        "case moved, default: {r}"
    );
    assert_eq!(std::fs::read(&lock).unwrap(), before, "case moved, default");
    let (level, message) = doctor_lock(&p, &e);
    assert_eq!(level, "warn", "case doctor, moved: {message}");
    for needle in [
        "stale lock",
        "has moved",
        base_v1.as_str(),
        base_v2.as_str(),
    ] {
        assert!(
            message.contains(needle),
            "case doctor, moved: {needle} in {message}"
        );
    }

    // Refusals under --locked: exit 4, both digests named, nothing written.
    let nothing_written = |case: &str, lock_after: Option<&[u8]>| {
        let _ = std::fs::remove_dir_all(p.path().join("dist"));
        let r = run_env(p.path(), &["image", "--locked", "--push"], &e);
        r.code(4);
        assert!(
            !p.path().join("dist").exists(),
            "case {case}: nothing written\n{r}"
        );
        assert_eq!(
            std::fs::read(&lock).ok().as_deref(),
            lock_after,
            "case {case}"
        );
        r
    };
    nothing_written("moved", Some(&before)).stderr_has_all(&[
        base,
        "has moved",
        &base_v1,
        &base_v2,
        "--update-lock",
    ]);
    std::fs::remove_file(&lock).unwrap();
    nothing_written("missing", None).stderr_has_all(&[base, "is not in", "xbuild-go.lock"]);
    let (level, message) = doctor_lock(&p, &e);
    assert_eq!(level, "warn", "case doctor, missing: {message}");
    assert!(
        message.contains("is not in"),
        "case doctor, missing: {message}"
    );
    std::fs::write(&lock, &before).unwrap();

    // --update-lock moves the lock, and the image with it.
    let r = run_env(
        p.path(),
        &["image", "--update-lock", "--message-format", "json"],
        &e,
    );
    r.code(0);
    assert_ne!(image_event(&r)["index_digest"], index.as_str(), "{r}");
    assert_eq!(locked_digest(&lock), base_v2);
    run_env(p.path(), &["image", "--locked"], &e).code(0);
}

#[test]
fn push_refusals_name_what_to_set() {
    let Some(s) = Setup::local("--push refusals") else {
        return;
    };
    // A local base: `--locked` has no registry base to hold to.
    let (reg, base, e) = (&s.reg, &s.local, s.env());
    let no_repo = profile(base, "x", "").replace("repository = \"x\"\n", "");
    for (case, text, args, code, needles) in [
        (
            "--push alone without a repository",
            no_repo.clone(),
            vec!["image", "--push"],
            2,
            vec!["image.repository", "--push alone"],
        ),
        (
            "a repository with a tag",
            profile(base, &format!("{}/app:1", reg.addr), ""),
            vec!["image", "--push"],
            2,
            vec!["image.repository", "names a tag"],
        ),
        (
            "--push=REF not a reference",
            no_repo.clone(),
            vec!["image", "--push=Not A Ref"],
            2,
            vec!["--push=Not A Ref"],
        ),
        (
            "--locked with a local base",
            no_repo.clone(),
            vec!["image", "--locked"],
            0,
            vec![],
        ),
    ] {
        let p = Project::with_profile("hello", &text);
        let r = run_env(p.path(), &args, &e);
        r.code(code);
        for n in needles {
            assert!(r.stderr.contains(n), "case {case}: {n}\n{r}");
        }
        if code != 0 {
            assert!(
                !p.path().join("dist").exists(),
                "case {case}: nothing written\n{r}"
            );
        }
        assert!(
            !p.path().join("xbuild-go.lock").exists(),
            "case {case}: no lock\n{r}"
        );
    }
    // --push=REF with a tag: that tag alone.
    let p = Project::with_profile("hello", &no_repo);
    let r = run_env(
        p.path(),
        &[
            "image",
            &format!("--push={}/other:v9", reg.addr),
            "--message-format",
            "json",
        ],
        &e,
    );
    r.code(0);
    let ev = image_event(&r);
    let index = ev["index_digest"].as_str().unwrap();
    assert_eq!(
        ev["pushed"],
        serde_json::json!([format!("{}/other:v9@{index}", reg.addr)]),
        "{r}"
    );
    assert_eq!(sha256_of(&reg.raw("other:v9")), index);
}

#[test]
fn with_authentication_401_names_the_source_and_credentials_push() {
    let Some(s) = Setup::start("pushing to a registry with htpasswd", || {
        Registry::start(Some(USER))
    }) else {
        return;
    };
    let (reg, work, empty) = (&s.reg, s.work(), &s.docker);
    let p = s.project();

    // No credentials: exit 4 naming where they were looked for; nothing written.
    let r = run_env(p.path(), &["image", "--push"], &env(work, empty));
    r.code(4)
        .stderr_has_all(&[&reg.addr, "401", "docker login"]);
    assert!(!p.path().join("dist").exists(), "{r}");
    assert!(!p.path().join("xbuild-go.lock").exists(), "{r}");

    // A wrong password: the config file's entry named, the password never shown.
    let (bad, bad_file) = docker_config(&auth_config(USER.0, "wrong-password-77", &reg.addr));
    let r = run_env(p.path(), &["image", "--push"], &env(work, bad.path()));
    r.code(4)
        .stderr_has_all(&["401", &bad_file.display().to_string()]);
    assert!(
        !r.stderr.contains("wrong-password-77") && !r.stdout.contains("wrong-password-77"),
        "{r}"
    );

    // The right one: pulled, pushed, read back.
    let (good, _) = docker_config(&auth_config(USER.0, USER.1, &reg.addr));
    let r = run_env(
        p.path(),
        &["image", "--push", "--message-format", "json"],
        &env(work, good.path()),
    );
    r.code(0);
    assert!(
        !r.stderr.contains(USER.1) && !r.stdout.contains(USER.1),
        "{r}"
    );
    let index = image_event(&r)["index_digest"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(sha256_of(&reg.raw("app:1.2.0")), index);
    assert!(!relative_paths(p.path(), true).iter().any(|f| {
        std::fs::read(p.path().join(f))
            .map(|b| String::from_utf8_lossy(&b).contains(USER.1))
            .unwrap_or(false)
    }));
}

/// An address of this machine that is not loopback (where the route out starts).
fn outward_ip() -> Option<String> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("10.255.255.255:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then(|| ip.to_string())
}

#[test]
fn plain_http_beyond_loopback_needs_insecure_registry() {
    let mut ip = String::new();
    let Some(s) = Setup::start("plain HTTP to a non-loopback registry", || {
        let Some(outward) = outward_ip() else {
            assert!(!in_ci(), "this machine has no non-loopback address");
            println!("SKIP: this machine has no non-loopback address");
            return None;
        };
        ip = outward;
        Registry::start_at(&ip, None)
    }) else {
        return;
    };
    let (reg, base, e) = (&s.reg, &s.base, s.env());
    for (case, extra, args, code) in [
        ("not named", "", vec!["image".to_string()], 4),
        (
            "--insecure-registry",
            "",
            vec![
                "image".to_string(),
                format!("--insecure-registry={}", reg.addr),
            ],
            0,
        ),
        (
            "image.insecure-registries",
            &*format!("insecure-registries = [\"{ip}\"]\n"),
            vec!["image".to_string()],
            0,
        ),
    ] {
        let p = Project::with_profile("hello", &profile(base, &format!("{}/app", reg.addr), extra));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut args = args;
        args.push("--push");
        let r = run_env(p.path(), &args, &e);
        r.code(code);
        if code == 4 {
            r.stderr_has_all(&[&reg.addr, "--insecure-registry"]);
            assert!(!p.path().join("dist").exists(), "case {case}\n{r}");
        } else {
            assert!(r.stderr.contains("Pushed"), "case {case}\n{r}");
        }
    }
}

#[test]
fn evidence_is_attached_as_referrers_in_the_layout_and_in_the_registry() {
    let Some(s) = Setup::local("SBOMs and provenance as OCI referrers") else {
        return;
    };
    let (reg, work, base) = (&s.reg, s.work(), &s.base);
    let p = s.project();
    let r = run_env(
        p.path(),
        &[
            "image",
            "--push",
            "--sbom",
            "out/sbom",
            "--provenance",
            "out/provenance.json",
            "--message-format",
            "json",
        ],
        &s.env(),
    );
    r.code(0);
    let ev = image_event(&r);
    let index = ev["index_digest"].as_str().unwrap().to_string();
    let manifests: Vec<String> = ev["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["manifest_digest"].as_str().unwrap().to_string())
        .collect();
    let layout = p.path().join("dist/image");
    let blob = |d: &str| std::fs::read(layout.join("blobs").join(d.replacen(':', "/", 1))).unwrap();
    let top: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    // The layout lists each referrer: one SBOM per platform, one provenance.
    let mut by_subject: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
    for d in top["manifests"].as_array().unwrap() {
        let Some(kind) = d["artifactType"].as_str() else {
            continue;
        };
        let m: Value = serde_json::from_slice(&blob(d["digest"].as_str().unwrap())).unwrap();
        assert_eq!(m["artifactType"], kind);
        let doc = blob(m["layers"][0]["digest"].as_str().unwrap());
        by_subject
            .entry(m["subject"]["digest"].as_str().unwrap().to_string())
            .or_default()
            .push((kind.to_string(), serde_json::from_slice(&doc).unwrap()));
    }
    assert_eq!(by_subject.len(), 3, "{by_subject:#?}");
    for m in &manifests {
        let kinds: Vec<&str> = by_subject[m].iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            ["application/vnd.cyclonedx+json"],
            "case manifest {m}"
        );
    }
    let (kind, prov) = &by_subject[&index][0];
    assert_eq!(kind, "application/vnd.in-toto+json");
    let subjects: Vec<String> = prov["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("sha256:{}", s["digest"]["sha256"].as_str().unwrap()))
        .collect();
    let mut want = vec![index.clone()];
    want.extend(manifests.iter().cloned());
    assert_eq!(
        subjects, want,
        "the provenance's subjects are the index and every manifest"
    );
    let base_digest = sha256_of(&reg.raw("base:1"));
    assert!(
        prov["predicate"]["buildDefinition"]["resolvedDependencies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["uri"] == format!("oci://{base}").as_str()
                && format!("sha256:{}", d["digest"]["sha256"].as_str().unwrap()) == base_digest),
        "the base is a resolved dependency: {prov:#}"
    );
    // Without the formats' Python this fails under CI and says SKIP elsewhere.
    if let Some(py) = formats_python() {
        let file = work.join("attached-provenance.json");
        std::fs::write(&file, serde_json::to_vec(prov).unwrap()).unwrap();
        validate_evidence(&py, "provenance", &[file]);
    }
    // The registry has none of the referrers API: each subject's referrers are under
    // the sha256-<hex> tag, naming the artifact manifests the layout holds.
    for subject in std::iter::once(&index).chain(&manifests) {
        let tag = format!("app:{}", subject.replace(':', "-"));
        let listed: Value = serde_json::from_slice(&reg.raw(&tag)).unwrap();
        let digests: Vec<&str> = strings(&listed["manifests"], "/digest");
        assert_eq!(digests.len(), 1, "case {subject}: {listed:#}");
        let m = reg.raw(&format!("app@{}", digests[0]));
        assert_eq!(
            m,
            blob(digests[0]),
            "case {subject}: the layout's artifact manifest"
        );
    }
    // Again into the same layout: the image's referrers are replaced, not added to.
    run_env(
        p.path(),
        &[
            "image",
            "--sbom",
            "out/sbom",
            "--provenance",
            "out/provenance.json",
        ],
        &s.env(),
    )
    .code(0);
    let top: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let artifacts = top["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d.get("artifactType").is_some())
        .count();
    assert_eq!(artifacts, 3, "{top:#}");
}
