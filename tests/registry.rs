//! The registry client against a real registry: Debian's docker-registry 2.8 started
//! here (with htpasswd authentication and without), cross-checked with skopeo both
//! ways (skopeo pushes, the client pulls the same bytes; the client pushes, skopeo reads
//! the same bytes back); credentials from a docker config's `auth` and from a
//! credential helper on PATH; wrong and missing credentials; a registry that is down
//! or silent; and, from a tiny server of the test's own, a tampered blob and a Bearer
//! token service. No network beyond 127.0.0.1.

mod util;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use util::oci::{sha256, two_platform, Layout, INDEX, MANIFEST};
use util::registry::{auth_config, docker_config, free_port, Registry, TinyServer};
use util::shared::write_script;
use xbuild_go::registry::{
    BlobData, Client, Credential, Kind, Options, Pushed, Reference, Timeouts, Via,
};

const USER: (&str, &str) = ("tester", "correct-horse-battery");

/// A gzipped tar holding one file.
fn layer(name: &str, content: &[u8]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_size(content.len() as u64);
    h.set_mode(0o755);
    h.set_mtime(0);
    h.set_cksum();
    tar.append_data(&mut h, name, content).unwrap();
    let tar = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

/// A two-platform image: its documents and blobs, by digest.
struct Image {
    index: Vec<u8>,
    /// Manifests and blobs: (digest, media type, bytes).
    manifests: Vec<(String, Vec<u8>)>,
    blobs: Vec<(String, Vec<u8>)>,
}

fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn digest(b: &[u8]) -> String {
    format!("sha256:{}", sha256(b))
}

/// An image for linux/amd64 and linux/arm64, `seed` making its bytes its own.
fn image(seed: &str) -> Image {
    let layer = |arch: &str| {
        let l = layer("usr/local/bin/app", format!("{seed} {arch}").as_bytes());
        let tar = flate_decode(&l);
        (l, tar)
    };
    let (index, docs) = two_platform(layer, &json!({"User": "65532:65532"}));
    let mut manifests = Vec::new();
    let mut blobs = Vec::new();
    for d in docs {
        blobs.push((digest(&d.config), d.config));
        blobs.push((digest(&d.layer), d.layer));
        manifests.push((digest(&d.manifest), d.manifest));
    }
    Image {
        index,
        manifests,
        blobs,
    }
}

fn flate_decode(gz: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut out).unwrap();
    out
}

/// Writes `img` as an OCI layout tagged `tag`.
fn write_layout(dir: &Path, img: &Image, tag: &str) {
    let l = Layout::new(dir);
    for (_, b) in &img.blobs {
        l.blob("", b);
    }
    for (_, m) in &img.manifests {
        l.blob(MANIFEST, m);
    }
    let mut d = l.blob(INDEX, &img.index);
    d["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
    std::fs::write(
        dir.join("index.json"),
        json_bytes(&json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": [d]})),
    )
    .unwrap();
}

/// An environment naming only `config_dir` for credentials, with the real PATH.
fn env(config_dir: &Path) -> BTreeMap<String, String> {
    let mut e = BTreeMap::new();
    e.insert("DOCKER_CONFIG".into(), config_dir.display().to_string());
    e.insert("HOME".into(), config_dir.display().to_string());
    e.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
    e
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn client(addr: &str, env: &BTreeMap<String, String>, options: &Options) -> Client {
    let r = Reference::parse(&format!("{addr}/probe")).unwrap();
    Client::for_reference(&r, env, options).unwrap()
}

fn skopeo(args: &[&str]) -> Vec<u8> {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Pushes `bytes` as a blob of `repo`.
fn push_bytes(c: &Client, repo: &str, bytes: &[u8]) -> Pushed {
    c.push_blob(
        repo,
        &digest(bytes),
        bytes.len() as u64,
        BlobData::Bytes(bytes),
        None,
    )
    .unwrap()
}

/// Pushes every blob and manifest of `img` and the index under `tag`.
fn push_image(c: &Client, repo: &str, img: &Image, tag: &str) -> Vec<Pushed> {
    let mut how = Vec::new();
    for (d, b) in &img.blobs {
        how.push(
            c.push_blob(repo, d, b.len() as u64, BlobData::Bytes(b), None)
                .unwrap(),
        );
    }
    for (d, m) in &img.manifests {
        assert_eq!(c.put_manifest(repo, d, MANIFEST, m).unwrap().digest, *d);
    }
    c.put_manifest(repo, tag, INDEX, &img.index).unwrap();
    how
}

#[test]
fn what_skopeo_pushed_is_pulled_byte_for_byte() {
    if !util::require_tool("skopeo", "pushes the test image") {
        return;
    }
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let img = image("pulled");
    write_layout(&work.path().join("layout"), &img, "v1");
    let layout = format!("oci:{}:v1", work.path().join("layout").display());
    let dest = format!("docker://{}/team/app:v1", reg.addr);
    skopeo(&[
        "copy",
        "--all",
        "--preserve-digests",
        "--dest-tls-verify=false",
        &layout,
        &dest,
    ]);

    let c = client(&reg.addr, &env(work.path()), &Options::default());
    assert!(
        c.credential_source().starts_with("no credentials"),
        "{}",
        c.credential_source()
    );
    assert_eq!(
        c.base().unwrap(),
        format!("http://{}", reg.addr),
        "plain HTTP after HTTPS failed"
    );
    let index = c.get_manifest("team/app", "v1").unwrap();
    assert_eq!(index.bytes, img.index, "the index as skopeo pushed it");
    assert_eq!(index.media_type, INDEX);
    assert_eq!(index.digest, digest(&img.index));
    let head = c.head_manifest("team/app", "v1").unwrap().unwrap();
    assert_eq!(head.digest.as_deref(), Some(index.digest.as_str()));
    for (d, m) in &img.manifests {
        let got = c.get_manifest("team/app", d).unwrap();
        assert_eq!(&got.bytes, m, "manifest {d}");
        assert_eq!(got.media_type, MANIFEST);
    }
    for (d, b) in &img.blobs {
        assert_eq!(
            c.head_blob("team/app", d).unwrap(),
            Some(b.len() as u64),
            "HEAD {d}"
        );
        let got = c
            .get_blob_bytes("team/app", d, b.len() as u64, 1 << 20)
            .unwrap();
        assert_eq!(&got, b, "blob {d}");
    }
    // What the registry lacks is NotFound (exit 2); a wrong size is refused.
    let missing = digest(b"not there");
    assert_eq!(c.head_blob("team/app", &missing).unwrap(), None);
    assert!(c.head_manifest("team/app", "v2").unwrap().is_none());
    let e = c.get_manifest("team/app", "v2").unwrap_err();
    assert_eq!(e.kind, Kind::NotFound, "{e}");
    let (d, b) = &img.blobs[1];
    let e = c
        .get_blob_bytes("team/app", d, b.len() as u64 - 1, 1 << 20)
        .unwrap_err();
    assert_eq!(e.kind, Kind::Corrupt, "{e}");
    assert!(e.message.contains("descriptor says"), "{e}");
}

#[test]
fn what_the_client_pushed_skopeo_reads_back_byte_for_byte() {
    if !util::require_tool("skopeo", "reads the pushed image back") {
        return;
    }
    let Some(reg) = Registry::start(Some(USER)) else {
        return;
    };
    let (dir, config) = docker_config(&auth_config(
        USER.0,
        USER.1,
        &format!("https://{}/v2/", reg.addr),
    ));
    // Chunks of 1000 bytes: the layers (a few hundred bytes gzipped, plus the
    // configs) go monolithic, the big blob below in PATCHes.
    let options = Options {
        chunk_size: 1000,
        ..Options::default()
    };
    let c = client(&reg.addr, &env(dir.path()), &options);
    assert!(
        c.credential_source().contains("auths entry")
            && c.credential_source()
                .contains(&config.display().to_string()),
        "{}",
        c.credential_source()
    );
    let img = image("pushed");
    let how = push_image(&c, "team/app", &img, "1.0");
    assert!(
        how.iter().all(|h| *h == Pushed::Uploaded { requests: 1 }),
        "{how:?}"
    );
    // Again: every blob is there already.
    let how = push_image(&c, "team/app", &img, "1.0");
    assert!(how.iter().all(|h| *h == Pushed::Existing), "{how:?}");
    // A blob of 4500 bytes in five PATCHes, from a file.
    let big: Vec<u8> = (0..4500u32).map(|i| (i * 7 % 251) as u8).collect();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &big).unwrap();
    let how = c
        .push_blob(
            "team/big",
            &digest(&big),
            big.len() as u64,
            BlobData::File(file.path()),
            None,
        )
        .unwrap();
    assert_eq!(how, Pushed::Uploaded { requests: 5 });
    assert_eq!(
        c.get_blob_bytes("team/big", &digest(&big), 4500, 1 << 20)
            .unwrap(),
        big
    );

    let mut args = vec!["inspect", "--raw", "--tls-verify=false"];
    let creds = reg.creds();
    args.extend(creds.iter().map(String::as_str));
    let src = format!("docker://{}/team/app:1.0", reg.addr);
    assert_eq!(
        skopeo(&[&args[..], &[src.as_str()]].concat()),
        img.index,
        "the index, as pushed"
    );
    for (d, m) in &img.manifests {
        let src = format!("docker://{}/team/app@{d}", reg.addr);
        assert_eq!(
            &skopeo(&[&args[..], &[src.as_str()]].concat()),
            m,
            "manifest {d}"
        );
    }
    // And every blob, by skopeo's own copy into a layout.
    let out = tempfile::tempdir().unwrap();
    let dest = format!("oci:{}:x", out.path().display());
    let mut copy = vec![
        "copy",
        "--all",
        "--preserve-digests",
        "--src-tls-verify=false",
        "--src-creds",
    ];
    let pair = format!("{}:{}", USER.0, USER.1);
    copy.push(&pair);
    copy.extend([src.as_str(), dest.as_str()]);
    skopeo(&copy);
    for (d, b) in &img.blobs {
        let path = out
            .path()
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"));
        assert_eq!(
            &std::fs::read(&path).unwrap(),
            b,
            "blob {d} as skopeo copied it"
        );
    }
}

#[test]
fn blobs_mount_across_repositories_and_fall_back_to_an_upload() {
    let Some(reg) = Registry::start(Some(USER)) else {
        return;
    };
    let (dir, _) = docker_config(&auth_config(USER.0, USER.1, &reg.addr));
    let c = client(&reg.addr, &env(dir.path()), &Options::default());
    let blob = b"a base layer shared by two repositories".to_vec();
    let d = digest(&blob);
    let n = blob.len() as u64;
    assert_eq!(
        c.push_blob("base", &d, n, BlobData::Bytes(&blob), None)
            .unwrap(),
        Pushed::Uploaded { requests: 1 }
    );
    assert_eq!(c.head_blob("app", &d).unwrap(), None);
    assert_eq!(
        c.push_blob("app", &d, n, BlobData::Bytes(&blob), Some("base"))
            .unwrap(),
        Pushed::Mounted
    );
    assert_eq!(c.head_blob("app", &d).unwrap(), Some(n));
    // From a repository that lacks it the registry refuses the mount: uploaded.
    let other = b"a layer no other repository has".to_vec();
    let od = digest(&other);
    let how = c
        .push_blob(
            "app2",
            &od,
            other.len() as u64,
            BlobData::Bytes(&other),
            Some("base"),
        )
        .unwrap();
    assert_eq!(how, Pushed::Uploaded { requests: 1 });
    assert_eq!(
        c.get_blob_bytes("app2", &od, other.len() as u64, 1 << 20)
            .unwrap(),
        other
    );
}

#[test]
fn referrers_fall_back_to_the_tag_schema_on_a_registry_without_the_api() {
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let c = client(&reg.addr, &env(dir.path()), &Options::default());
    let img = image("subject");
    push_image(&c, "app", &img, "1");
    let subject = digest(&img.index);
    let empty = b"{}".to_vec();
    push_bytes(&c, "app", &empty);
    let sbom = br#"{"bomFormat":"CycloneDX"}"#.to_vec();
    push_bytes(&c, "app", &sbom);
    let artifact = json_bytes(&json!({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "artifactType": "application/vnd.cyclonedx+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": digest(&empty), "size": 2},
        "layers": [{"mediaType": "application/vnd.cyclonedx+json", "digest": digest(&sbom), "size": sbom.len()}],
        "subject": {"mediaType": INDEX, "digest": subject, "size": img.index.len()},
        "annotations": {"org.opencontainers.image.created": "1970-01-01T00:00:00Z"}
    }));
    let (d, via) = c
        .push_referrer("app", MANIFEST, &artifact, &subject)
        .unwrap();
    assert_eq!(
        (d.as_str(), via),
        (digest(&artifact).as_str(), Via::TagSchema)
    );
    // Twice: still one entry.
    c.push_referrer("app", MANIFEST, &artifact, &subject)
        .unwrap();
    let found = c.referrers("app", &subject, None).unwrap();
    assert_eq!(found.via, Via::TagSchema);
    assert_eq!(found.manifests.len(), 1, "{:?}", found.manifests);
    assert_eq!(found.manifests[0]["digest"], json!(d));
    assert_eq!(
        found.manifests[0]["artifactType"],
        json!("application/vnd.cyclonedx+json")
    );
    assert_eq!(
        found.manifests[0]["annotations"]["org.opencontainers.image.created"],
        json!("1970-01-01T00:00:00Z")
    );
    assert!(c
        .referrers("app", &subject, Some("application/vnd.in-toto+json"))
        .unwrap()
        .manifests
        .is_empty());
    // What skopeo sees under the fallback tag is the same index.
    if util::require_tool("skopeo", "reads the referrers tag") {
        let tag = format!(
            "docker://{}/app:sha256-{}",
            reg.addr,
            subject.trim_start_matches("sha256:")
        );
        let raw: Value =
            serde_json::from_slice(&skopeo(&["inspect", "--raw", "--tls-verify=false", &tag]))
                .unwrap();
        assert_eq!(raw["manifests"], json!(found.manifests));
        assert_eq!(raw["mediaType"], json!(INDEX));
    }
    // A subject with no referrers: none, by the same schema.
    let none = c.referrers("app", &img.manifests[0].0, None).unwrap();
    assert_eq!((none.via, none.manifests.len()), (Via::TagSchema, 0));
    // A referrer whose subject is another is refused before anything is pushed.
    let e = c
        .push_referrer("app", MANIFEST, &artifact, &img.manifests[0].0)
        .unwrap_err();
    assert!(e.message.contains("subject"), "{e}");
}

#[test]
fn credentials_come_from_a_helper_on_path() {
    let Some(reg) = Registry::start(Some(USER)) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let asked = dir.path().join("asked");
    // The helper protocol: `get`, the server on stdin, JSON on stdout.
    write_script(
        &bin.join("docker-credential-test"),
        &format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nread -r server || true\nprintf '%s' \"$server\" > {asked}\nif [ \"$server\" = {addr} ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"{u}\",\"Secret\":\"{p}\"}}' \"$server\"\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
            asked = asked.display(),
            addr = reg.addr,
            u = USER.0,
            p = USER.1
        ),
    );
    std::fs::write(
        dir.path().join("config.json"),
        format!(
            r#"{{"auths": {{"{}": {{}}}}, "credHelpers": {{"{}": "test"}}}}"#,
            reg.addr, reg.addr
        ),
    )
    .unwrap();
    let mut e = env(dir.path());
    e.insert("PATH".into(), format!("{}:{}", bin.display(), e["PATH"]));
    let c = client(&reg.addr, &e, &Options::default());
    assert!(
        c.credential_source()
            .starts_with("credential helper `docker-credential-test` (credHelpers entry"),
        "{}",
        c.credential_source()
    );
    assert_eq!(
        std::fs::read_to_string(&asked).unwrap(),
        reg.addr,
        "the server URL on stdin"
    );
    let blob = b"pushed with a helper's credentials".to_vec();
    push_bytes(&c, "app", &blob);
    // The same helper as credsStore, asked about another registry: it knows none, so
    // access is anonymous and the source says where nothing was found.
    std::fs::write(dir.path().join("config.json"), r#"{"credsStore": "test"}"#).unwrap();
    let other = Reference::parse("127.0.0.1:1/app").unwrap();
    let found = xbuild_go::registry::credentials::find(&other.registry, &e).unwrap();
    assert_eq!(found.credential, Credential::Anonymous);
    // A helper that is not there is a clear error.
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"credsStore": "absent"}"#,
    )
    .unwrap();
    let err = xbuild_go::registry::credentials::find(&reg.addr, &e).unwrap_err();
    assert!(
        err.message
            .contains("`docker-credential-absent` is not on PATH"),
        "{err}"
    );
    assert_eq!(err.kind, Kind::Credentials);
}

#[test]
fn wrong_or_missing_credentials_are_refused_naming_the_source_never_the_value() {
    let Some(reg) = Registry::start(Some(USER)) else {
        return;
    };
    let wrong = "wrong-password-1234567";
    let (dir, config) = docker_config(&auth_config(USER.0, wrong, &reg.addr));
    let c = client(&reg.addr, &env(dir.path()), &Options::default());
    let e = c.get_manifest("app", "1").unwrap_err();
    assert_eq!(e.kind, Kind::Unauthorized, "{e}");
    assert_eq!(e.exit().code(), 4);
    assert!(
        e.message
            .contains("refused the credentials from auths entry"),
        "{e}"
    );
    assert!(e.message.contains(&config.display().to_string()), "{e}");
    let b64 = base64_encode(format!("{}:{wrong}", USER.0).as_bytes());
    assert!(
        !e.message.contains(wrong) && !e.message.contains(&b64),
        "{e}"
    );
    for secret in [wrong, b64.as_str()] {
        assert!(!c.secrets().clean(&format!("x {secret} y")).contains(secret));
    }
    // No credentials at all: the error says so and how to log in.
    let empty = tempfile::tempdir().unwrap();
    let c = client(&reg.addr, &env(empty.path()), &Options::default());
    let e = c.head_blob("app", &digest(b"x")).unwrap_err();
    assert_eq!(e.kind, Kind::Unauthorized, "{e}");
    assert!(
        e.message.contains("needs credentials") && e.message.contains("docker login"),
        "{e}"
    );
}

#[test]
fn a_registry_that_is_down_fails_fast_and_says_what_was_tried() {
    let addr = format!("127.0.0.1:{}", free_port());
    let dir = tempfile::tempdir().unwrap();
    let c = client(&addr, &env(dir.path()), &Options::default());
    let start = Instant::now();
    let e = c.get_manifest("app", "1").unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(e.kind, Kind::Unreachable, "{e}");
    assert_eq!(e.exit().code(), 4);
    for needle in [
        format!("cannot reach registry `{addr}`"),
        format!("https://{addr}/v2/"),
        format!("http://{addr}/v2/"),
    ] {
        assert!(e.message.contains(&needle), "{needle}: {e}");
    }
}

#[test]
fn a_silent_registry_times_out() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for s in listener.incoming().take(2) {
            open.push(s);
        }
        std::thread::sleep(Duration::from_secs(6));
    });
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        timeouts: Timeouts {
            read: Duration::from_secs(1),
            ..Timeouts::default()
        },
        ..Options::default()
    };
    let c = client(&addr, &env(dir.path()), &options);
    let start = Instant::now();
    let e = c.base().unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(e.kind, Kind::Unreachable, "{e}");
    assert!(e.message.contains("timed out"), "{e}");
    drop(held);
}

#[test]
fn a_blob_that_does_not_match_its_digest_is_refused() {
    let real = b"the layer the manifest names".to_vec();
    let tampered = b"the layer an attacker served".to_vec();
    assert_eq!(real.len(), tampered.len());
    let served = tampered.clone();
    let server = TinyServer::start(move |r| match r.target.as_str() {
        "/v2/" => (200, vec![], vec![]),
        t if t.starts_with("/v2/app/blobs/") => (200, vec![], served.clone()),
        _ => (404, vec![], vec![]),
    });
    let dir = tempfile::tempdir().unwrap();
    let c = client(&server.addr, &env(dir.path()), &Options::default());
    let mut out = Vec::new();
    let e = c
        .get_blob("app", &digest(&real), real.len() as u64, &mut out)
        .unwrap_err();
    assert_eq!(e.kind, Kind::Corrupt, "{e}");
    assert!(
        e.message.contains(&digest(&real)) && e.message.contains(&digest(&tampered)),
        "names both digests: {e}"
    );
    assert!(e.message.contains("refused"), "{e}");
}

/// A registry with a Bearer token service, both served by the test: `/token` hands
/// out numbered tokens for Basic credentials; the registry takes only those `accept`
/// lets through, so a stale token is answered by a 401.
fn token_registry(
    accept: fn(&str) -> bool,
) -> (TinyServer, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = asked.clone();
    let server = TinyServer::start(move |r| {
        let host = r.header("host").unwrap_or_default().to_string();
        let challenge = format!(
            r#"Bearer realm="http://{host}/token",service="tiny registry",scope="repository:app:pull""#
        );
        if r.target.starts_with("/token") {
            let mut log = log.lock().unwrap();
            log.push(r.target.clone());
            let want = format!(
                "Basic {}",
                base64_encode(format!("{}:{}", USER.0, USER.1).as_bytes())
            );
            if r.header("authorization") != Some(want.as_str()) {
                return (
                    401,
                    vec![],
                    b"{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".to_vec(),
                );
            }
            let body = format!(r#"{{"access_token":"secret-token-number-{}"}}"#, log.len());
            return (
                200,
                vec![("Content-Type".into(), "application/json".into())],
                body.into_bytes(),
            );
        }
        let ok = r
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(accept);
        if !ok {
            return (
                401,
                vec![("WWW-Authenticate".into(), challenge)],
                b"{\"errors\":[]}".to_vec(),
            );
        }
        if r.target == "/v2/" {
            return (200, vec![], vec![]);
        }
        let m = b"{\"schemaVersion\":2}".to_vec();
        (
            200,
            vec![
                ("Content-Type".into(), MANIFEST.into()),
                ("Docker-Content-Digest".into(), digest(&m)),
            ],
            m,
        )
    });
    (server, asked)
}

#[test]
fn bearer_tokens_are_fetched_for_the_scope_and_refreshed_once_on_401() {
    // Only the second token is good: the first request is answered 401, the client
    // fetches a fresh token once and succeeds.
    let (server, asked) = token_registry(|t| t == "secret-token-number-2");
    let (dir, _) = docker_config(&auth_config(
        USER.0,
        USER.1,
        &format!("http://{}", server.addr),
    ));
    let found = xbuild_go::registry::credentials::find(&server.addr, &env(dir.path())).unwrap();
    assert!(
        found.source.starts_with("auths entry `http://127.0.0.1:"),
        "{}",
        found.source
    );
    let c = Client::new(&server.addr, found, &Options::default());
    let m = c.get_manifest("app", "1").unwrap();
    assert_eq!(m.bytes, b"{\"schemaVersion\":2}");
    let asked = asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 2, "{asked:?}");
    for a in &asked {
        assert!(a.contains("service=tiny%20registry"), "{a}");
        assert!(a.contains("scope=repository%3Aapp%3Apull"), "{a}");
        assert!(a.contains(&format!("account={}", USER.0)), "{a}");
    }
    // The tokens are secrets of the session.
    assert_eq!(c.secrets().clean("secret-token-number-2"), "***");
}

#[test]
fn a_token_the_registry_keeps_refusing_is_an_error_after_one_refresh() {
    let (server, asked) = token_registry(|_| false);
    let (dir, _) = docker_config(&auth_config(USER.0, USER.1, &server.addr));
    let found = xbuild_go::registry::credentials::find(&server.addr, &env(dir.path())).unwrap();
    let c = Client::new(&server.addr, found, &Options::default());
    let e = c.get_manifest("app", "1").unwrap_err();
    assert_eq!(e.kind, Kind::Unauthorized, "{e}");
    assert!(
        e.message
            .contains("refused the credentials from auths entry"),
        "{e}"
    );
    assert!(!e.message.contains("secret-token-number"), "{e}");
    // A token for the request, then one fresh token for its 401: no loop.
    assert_eq!(
        asked.lock().unwrap().len(),
        2,
        "{:?}",
        asked.lock().unwrap()
    );
    // Wrong credentials at the token service: refused, naming the source.
    let (server, _) = token_registry(|_| true);
    let (dir, config) = docker_config(&auth_config(USER.0, "not-the-password-99", &server.addr));
    let found = xbuild_go::registry::credentials::find(&server.addr, &env(dir.path())).unwrap();
    let c = Client::new(&server.addr, found, &Options::default());
    let e = c.get_manifest("app", "1").unwrap_err();
    assert_eq!(e.kind, Kind::Unauthorized, "{e}");
    assert!(
        e.message.contains("token service") && e.message.contains(&config.display().to_string()),
        "{e}"
    );
    assert!(!e.message.contains("not-the-password-99"), "{e}");
}

#[test]
fn credentials_never_follow_an_upload_location_to_another_host() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let storage = TinyServer::start(move |r| {
        log.lock().unwrap().push(r.clone());
        (201, vec![], vec![])
    });
    let elsewhere = format!("http://{}/upload/1?state=x", storage.addr);
    let want = format!(
        "Basic {}",
        base64_encode(format!("{}:{}", USER.0, USER.1).as_bytes())
    );
    let registry = TinyServer::start(move |r| {
        if r.header("authorization") != Some(want.as_str()) {
            return (
                401,
                vec![("WWW-Authenticate".into(), r#"Basic realm="t""#.into())],
                vec![],
            );
        }
        match (r.method.as_str(), r.target.as_str()) {
            ("GET", "/v2/") => (200, vec![], vec![]),
            ("POST", "/v2/app/blobs/uploads/") => {
                (202, vec![("Location".into(), elsewhere.clone())], vec![])
            }
            _ => (404, vec![], vec![]),
        }
    });
    let (dir, _) = docker_config(&auth_config(USER.0, USER.1, &registry.addr));
    let c = client(&registry.addr, &env(dir.path()), &Options::default());
    let blob = b"a blob stored elsewhere".to_vec();
    assert_eq!(
        push_bytes(&c, "app", &blob),
        Pushed::Uploaded { requests: 1 }
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "PUT");
    assert!(
        seen[0]
            .target
            .starts_with("/upload/1?state=x&digest=sha256%3A"),
        "{}",
        seen[0].target
    );
    assert_eq!(seen[0].body, blob);
    assert_eq!(
        seen[0].header("authorization"),
        None,
        "credentials went to another host"
    );
}

#[test]
fn a_registry_with_the_referrers_api_is_asked_through_it() {
    let subject = digest(b"the subject manifest");
    let listed = json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": [
        {"mediaType": MANIFEST, "digest": digest(b"a"), "size": 1, "artifactType": "application/vnd.cyclonedx+json"},
        {"mediaType": MANIFEST, "digest": digest(b"b"), "size": 1, "artifactType": "application/vnd.in-toto+json"}
    ]});
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let want_subject = subject.clone();
    let server = TinyServer::start(move |r| {
        log.lock()
            .unwrap()
            .push(format!("{} {}", r.method, r.target));
        let t = r.target.as_str();
        if t == "/v2/" {
            (200, vec![], vec![])
        } else if t.starts_with("/v2/app/referrers/") {
            (
                200,
                vec![("Content-Type".into(), INDEX.into())],
                json_bytes(&listed),
            )
        } else if r.method == "PUT" && t.starts_with("/v2/app/manifests/sha256:") {
            (
                201,
                vec![("OCI-Subject".into(), want_subject.clone())],
                vec![],
            )
        } else {
            (404, vec![], vec![])
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let c = client(&server.addr, &env(dir.path()), &Options::default());
    let all = c.referrers("app", &subject, None).unwrap();
    assert_eq!((all.via, all.manifests.len()), (Via::Api, 2));
    // The server applied no filter: the client does.
    let sboms = c
        .referrers("app", &subject, Some("application/vnd.cyclonedx+json"))
        .unwrap();
    assert_eq!(sboms.manifests.len(), 1);
    assert_eq!(sboms.manifests[0]["digest"], json!(digest(b"a")));
    let artifact = json_bytes(&json!({"schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": digest(b"{}"), "size": 2},
        "layers": [], "subject": {"mediaType": MANIFEST, "digest": subject, "size": 20}}));
    let (_, via) = c
        .push_referrer("app", MANIFEST, &artifact, &subject)
        .unwrap();
    assert_eq!(via, Via::Api);
    // No referrers tag was read or written.
    let seen = seen.lock().unwrap();
    assert!(!seen.iter().any(|s| s.contains("sha256-")), "{seen:?}");
}
