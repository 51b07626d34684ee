//! Registry bases and pushed images against a real registry: Debian's docker-registry
//! 2.8 started here (with htpasswd authentication and without), a two-platform base
//! made by the test and pushed with skopeo. A base is pulled into the private cache and
//! pulled again (the second time nothing but the tag's `HEAD`, counted in the
//! registry's access log; with a locked digest, not one request), by a pinned digest,
//! after its tag moved (the lock check says so), without credentials (401 naming the
//! source), and from a small hostile server of the test's own that serves a tampered
//! layer (exit 4, nothing cached as good). An image assembled on the pulled base is
//! pushed and read back by skopeo byte for byte (`inspect --raw`, `copy --all`), with
//! the base's layers mounted in the same registry and uploaded in chunks to another,
//! and its SBOM and provenance attached as referrers through the tag schema.

mod util;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use util::oci::{platform, sha256, two_platform, Layout, CONFIG, INDEX, LAYER, MANIFEST};
use util::registry::{
    auth_config, basic_auth, docker_config, free_port, skopeo_copy, Registry, TinyServer,
};
use xbuild_go::assemble::layout::write_layout;
use xbuild_go::assemble::{assemble, Assembled, Base, BinaryInLayer, ImageSpec};
use xbuild_go::error::Exit;
use xbuild_go::image::Platform;
use xbuild_go::profile::lock::{check, Current, Freshness, Lock, LockedBase};
use xbuild_go::registry::base::{current_digest, pull, PulledBase, Wanted};
use xbuild_go::registry::publish::{
    artifact_manifest, push_artifact, push_image, push_image_with, Artifact, Subject,
    PROVENANCE_TYPE, SBOM_TYPE,
};
use xbuild_go::registry::{Client, Kind, Options, Pushed, Reference, RegistryError, Via};

const USER: (&str, &str) = ("tester", "correct-horse-battery");
const EPOCH: u64 = 1_700_000_000;

fn digest(b: &[u8]) -> String {
    format!("sha256:{}", sha256(b))
}

fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// Bytes that do not compress, `n` of them, from `seed`.
fn noise(seed: &str, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 32);
    let mut block = sha256(seed.as_bytes()).into_bytes();
    while out.len() < n {
        block = sha256(&block).into_bytes();
        out.extend_from_slice(&block);
    }
    out.truncate(n);
    out
}

/// A gzipped tar of a small root: `/etc/passwd`, `/usr/local/bin/`, and a file of
/// noise (so the layer is a few KiB whatever gzip does).
fn layer(seed: &str) -> (Vec<u8>, Vec<u8>) {
    let mut tar = tar::Builder::new(Vec::new());
    let add_dir = |tar: &mut tar::Builder<Vec<u8>>, name: &str| {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_size(0);
        h.set_mode(0o755);
        h.set_mtime(0);
        h.set_cksum();
        tar.append_data(&mut h, name, &[][..]).unwrap();
    };
    for d in ["etc/", "usr/", "usr/local/", "usr/local/bin/", "usr/share/"] {
        add_dir(&mut tar, d);
    }
    for (name, content) in [
        ("etc/passwd", b"root:x:0:0::/root:/bin/sh\n".to_vec()),
        ("usr/share/noise", noise(seed, 6000)),
    ] {
        let mut h = tar::Header::new_ustar();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        tar.append_data(&mut h, name, &content[..]).unwrap();
    }
    let tar = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    (gz.finish().unwrap(), tar)
}

/// A linux/amd64 + linux/arm64 base: its index, manifests and blobs.
struct Image {
    index: Vec<u8>,
    /// Per platform: (platform, manifest bytes).
    manifests: Vec<(String, Vec<u8>)>,
    /// Configs and layers: (media type, bytes).
    blobs: Vec<(&'static str, Vec<u8>)>,
}

impl Image {
    fn new(seed: &str) -> Image {
        let config = json!({"User": "65532:65532", "Env": ["PATH=/usr/local/bin:/usr/bin"]});
        let (index, docs) = two_platform(|arch| layer(&format!("{seed} {arch}")), &config);
        let mut manifests = Vec::new();
        let mut blobs = Vec::new();
        for d in docs {
            blobs.push((CONFIG, d.config));
            blobs.push((LAYER, d.layer));
            manifests.push((format!("linux/{}", d.arch), d.manifest));
        }
        Image {
            index,
            manifests,
            blobs,
        }
    }

    fn digest(&self) -> String {
        digest(&self.index)
    }

    fn manifest_digest(&self, p: &str) -> String {
        let m = self.manifests.iter().find(|(q, _)| q == p).unwrap();
        digest(&m.1)
    }

    /// Written as an OCI layout tagged `t`; its directory.
    fn layout(&self, dir: &Path) -> PathBuf {
        let l = Layout::new(dir);
        for (mt, b) in &self.blobs {
            l.blob(mt, b);
        }
        for (_, m) in &self.manifests {
            l.blob(MANIFEST, m);
        }
        let mut d = l.blob(INDEX, &self.index);
        d["annotations"] = json!({"org.opencontainers.image.ref.name": "t"});
        std::fs::write(
            dir.join("index.json"),
            json_bytes(&json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": [d]})),
        )
        .unwrap();
        dir.to_path_buf()
    }

    /// Pushed to `reg` as `repo:tag` by skopeo, digests preserved.
    fn push(&self, reg: &Registry, work: &Path, repo: &str, tag: &str) {
        let dir = self.layout(&work.join(format!("src-{}", &self.digest()[7..19])));
        reg.skopeo_push(
            &format!("oci:{}:t", dir.display()),
            &format!("{repo}:{tag}"),
        );
    }
}

fn tools() -> bool {
    util::require_tool("skopeo", "pushes the base and reads the pushed image back")
        && util::require_tool("docker-registry", "the registry the bases come from")
}

/// An environment naming only `config_dir` for credentials.
fn env(config_dir: &Path) -> BTreeMap<String, String> {
    let mut e = BTreeMap::new();
    e.insert("DOCKER_CONFIG".into(), config_dir.display().to_string());
    e.insert("HOME".into(), config_dir.display().to_string());
    e.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
    e
}

fn reference(s: &str) -> Reference {
    Reference::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The requests of the registry's access log, as `METHOD URI`.
fn requests(reg: &Registry) -> Vec<String> {
    reg.log()
        .lines()
        .filter(|l| l.starts_with("127.0.0.1 - "))
        .filter_map(|l| {
            let start = l.find('"')? + 1;
            let rest = &l[start..];
            let req = &rest[..rest.find('"')?];
            Some(req.trim_end_matches(" HTTP/1.1").to_string())
        })
        .collect()
}

/// Requests of the log after the first `since`.
fn new_requests(reg: &Registry, since: usize) -> Vec<String> {
    requests(reg).into_iter().skip(since).collect()
}

/// Waits until the access log has stopped growing (it is written as requests finish).
fn settled(reg: &Registry) -> usize {
    let mut n = requests(reg).len();
    for _ in 0..20 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let m = requests(reg).len();
        if m == n {
            return m;
        }
        n = m;
    }
    n
}

fn both() -> Vec<Platform> {
    vec![platform("linux/amd64"), platform("linux/arm64")]
}

fn pull_base(
    r: &Reference,
    platforms: &[Platform],
    locked: Option<&str>,
    cache: &Path,
    env: &BTreeMap<String, String>,
) -> Result<PulledBase, RegistryError> {
    pull(
        &Wanted {
            reference: r,
            platforms,
            locked,
        },
        cache,
        env,
        &Options::default(),
    )
}

fn lock_of(profile: &str, p: &PulledBase) -> Lock {
    let mut l = Lock::default();
    l.set(LockedBase {
        profile: profile.into(),
        reference: p.reference.to_string(),
        digest: p.digest.clone(),
        platforms: p.platforms.clone(),
    });
    assert_eq!(
        l.get(profile, &p.reference.to_string()),
        Some(&p.lock_entry(profile))
    );
    l
}

/// Every file below `dir` (which must exist), by relative path.
fn files(dir: &Path) -> Vec<String> {
    assert!(dir.is_dir(), "{} is not a directory", dir.display());
    util::shared::relative_paths(dir, false)
}

/// A registry of the test's own (with `user` in its htpasswd file when given), a
/// scratch directory and an empty credentials directory.
struct Setup {
    reg: Registry,
    work: tempfile::TempDir,
    creds: tempfile::TempDir,
}

impl Setup {
    /// `None` (the reason printed) when a tool is missing outside CI.
    fn start(user: Option<(&str, &str)>) -> Option<Setup> {
        if !tools() {
            return None;
        }
        Some(Setup {
            reg: Registry::start(user)?,
            work: tempfile::tempdir().unwrap(),
            creds: tempfile::tempdir().unwrap(),
        })
    }

    /// [`env`] naming the empty credentials directory.
    fn env(&self) -> BTreeMap<String, String> {
        env(self.creds.path())
    }

    /// `ADDR/OBJECT` of this registry.
    fn reference(&self, object: &str) -> Reference {
        reference(&format!("{}/{object}", self.reg.addr))
    }

    /// The base `Image::new(seed)`, pushed as `REPO:1`.
    fn base(&self, seed: &str, repo: &str) -> Image {
        let img = Image::new(seed);
        img.push(&self.reg, self.work.path(), repo, "1");
        img
    }

    /// [`Setup::base`] as `base:1`, pulled for both platforms into `work/cache`.
    fn pulled(&self, seed: &str) -> (Image, PulledBase) {
        let img = self.base(seed, "base");
        let cache = self.work.path().join("cache");
        let pulled = pull_base(
            &self.reference("base:1"),
            &both(),
            None,
            &cache,
            &self.env(),
        );
        (img, pulled.unwrap())
    }
}

/// The error of a pull that must fail with `want` (kind, exit code).
fn refused(
    got: Result<PulledBase, RegistryError>,
    want: (Kind, Exit),
    case: &str,
) -> RegistryError {
    let e = match got {
        Ok(p) => panic!("case {case}: pulled {}", p.digest),
        Err(e) => e,
    };
    assert_eq!((e.kind, e.exit()), want, "case {case}: {e}");
    e
}

#[test]
fn a_base_is_pulled_once_then_served_from_the_cache() {
    let Some(s) = Setup::start(None) else {
        return;
    };
    let (reg, work, env) = (&s.reg, &s.work, s.env());
    let img = s.base("one", "base");
    let cache = work.path().join("cache/bases");
    let r = s.reference("base:1");

    let before = settled(reg);
    let cold = pull_base(&r, &both(), None, &cache, &env).unwrap();
    settled(reg);
    let cold_reqs = new_requests(reg, before);
    assert_eq!(cold.digest, img.digest(), "the tag resolved to the index");
    for p in ["linux/amd64", "linux/arm64"] {
        assert_eq!(cold.platforms[p], img.manifest_digest(p), "{p}");
    }
    assert_eq!(
        cold.fetched.blobs, 4,
        "two configs and two layers: {:?}",
        cold.fetched
    );
    let blob_gets = |reqs: &[String]| {
        reqs.iter()
            .filter(|r| r.starts_with("GET /v2/base/blobs/"))
            .count()
    };
    assert_eq!(blob_gets(&cold_reqs), 4, "{cold_reqs:#?}");
    assert_eq!(cold.tag, format!("sha256-{}", &img.digest()[7..]));
    assert_eq!(cold.mount.repository, "base");
    assert_eq!(cold.mount.registry, reg.addr);

    // The cache entry reads as a base, with every check of the image reader.
    let mut base = Base::open(&cold.image, Path::new("/"), &both()).unwrap();
    base.name = r.to_string();
    assert_eq!(base.reference_digest(), Some(img.digest().as_str()));
    for i in base.images() {
        assert_eq!(
            i.manifest_digest.as_deref(),
            Some(img.manifest_digest(&i.platform.to_string()).as_str())
        );
    }

    // Warm, by tag: the HEAD of the tag's manifest and nothing else.
    let before = settled(reg);
    let warm = pull_base(&r, &both(), None, &cache, &env).unwrap();
    settled(reg);
    let warm_reqs = new_requests(reg, before);
    assert_eq!(warm.digest, cold.digest);
    assert_eq!(warm.platforms, cold.platforms);
    assert_eq!(
        (
            warm.fetched.heads,
            warm.fetched.manifests,
            warm.fetched.blobs
        ),
        (1, 0, 0),
        "{:?}",
        warm.fetched
    );
    let pulls: Vec<&String> = warm_reqs
        .iter()
        .filter(|r| r.as_str() != "GET /v2/")
        .collect();
    assert_eq!(
        pulls,
        vec!["HEAD /v2/base/manifests/1"],
        "warm by tag: {warm_reqs:#?}"
    );

    // Locked, and all cached: not one request, not even the ping.
    let before = settled(reg);
    let locked = pull_base(&r, &both(), Some(&cold.digest), &cache, &env).unwrap();
    assert_eq!(locked.digest, cold.digest);
    assert!(!locked.fetched.contacted, "{:?}", locked.fetched);
    settled(reg);
    assert_eq!(new_requests(reg, before), Vec::<String>::new());

    // Pinned in the reference, into a fresh cache: no HEAD, the index by digest.
    let pinned = reference(&format!("{}/base@{}", reg.addr, img.digest()));
    let fresh = work.path().join("cache2");
    let before = settled(reg);
    let got = pull_base(&pinned, &[platform("linux/arm64")], None, &fresh, &env).unwrap();
    settled(reg);
    let reqs = new_requests(reg, before);
    assert_eq!(got.digest, img.digest());
    assert_eq!(
        got.platforms.keys().collect::<Vec<_>>(),
        vec!["linux/arm64"]
    );
    assert!(!reqs.iter().any(|r| r.starts_with("HEAD")), "{reqs:#?}");
    assert!(
        reqs.contains(&format!("GET /v2/base/manifests/{}", img.digest())),
        "{reqs:#?}"
    );
    assert_eq!(blob_gets(&reqs), 2, "arm64 only: {reqs:#?}");

    // A platform the base lacks: exit 2, naming those it has; nothing recorded.
    let (riscv, c3) = ([platform("linux/riscv64")], work.path().join("c3"));
    let e = refused(
        pull_base(&r, &riscv, None, &c3, &env),
        (Kind::Platform, Exit::Usage),
        "a platform the base lacks",
    );
    assert!(
        e.message.contains("linux/riscv64") && e.message.contains("linux/amd64, linux/arm64"),
        "{e}"
    );
    assert!(e.message.contains(&format!("base `{r}`")), "{e}");
    assert!(!work.path().join("c3/index.json").exists());

    // A tag the registry lacks: exit 2.
    let e = pull_base(
        &reference(&format!("{}/base:nope", reg.addr)),
        &both(),
        None,
        &cache,
        &env,
    )
    .unwrap_err();
    assert_eq!(e.exit(), Exit::Usage, "{e}");
}

#[test]
fn a_moved_tag_is_caught_by_the_lock_and_the_locked_digest_still_pulls() {
    let Some(s) = Setup::start(None) else {
        return;
    };
    let (work, env) = (&s.work, s.env());
    let cache = work.path().join("cache");
    let r = s.reference("base:1");
    let first = s.base("first", "base");
    let old = pull_base(&r, &both(), None, &cache, &env).unwrap();
    let lock = lock_of("release", &old);
    let lock_file = work.path().join("xbuild-go.lock");
    xbuild_go::privfs::replace_mode(&lock_file, lock.render().as_bytes(), 0o644).unwrap();
    let lock = Lock::load(&lock_file).unwrap().unwrap();
    let cur = |p: &PulledBase| {
        check(
            &lock,
            "release",
            &p.reference.to_string(),
            &Current {
                digest: &p.digest,
                platforms: &p.platforms,
            },
        )
    };
    assert_eq!(cur(&old), Freshness::Fresh);

    let second = s.base("second", "base");
    assert_eq!(
        current_digest(&r, &env, &Options::default()).unwrap(),
        second.digest(),
        "a HEAD tells the tag moved"
    );
    let now = pull_base(&r, &both(), None, &cache, &env).unwrap();
    assert_eq!(now.digest, second.digest(), "the tag moved");
    assert_eq!(now.lock_entry("release").digest, second.digest());
    assert_eq!(
        check(&lock, "release", &r.to_string(), &now.current()),
        Freshness::Moved {
            locked: first.digest(),
            current: second.digest()
        }
    );
    let f = cur(&now);
    assert_eq!(
        f,
        Freshness::Moved {
            locked: first.digest(),
            current: second.digest()
        }
    );
    let e = f
        .require(&lock_file, "release", &r.to_string())
        .unwrap_err();
    let msg = format!("{e:#}");
    assert_eq!(xbuild_go::error::exit_for(&e), Exit::Toolchain, "{msg}");
    assert!(
        msg.contains(&first.digest())
            && msg.contains(&second.digest())
            && msg.contains(&r.to_string()),
        "{msg}"
    );

    // The locked digest pulls the old base, though the tag names the new one.
    let locked = pull_base(
        &r,
        &both(),
        Some(&first.digest()),
        &work.path().join("other"),
        &env,
    )
    .unwrap();
    assert_eq!(locked.digest, first.digest());
    assert_eq!(locked.platforms, old.platforms);
    // A platform added to the profile is a lock that differs.
    let more = BTreeMap::from([(
        "linux/arm/v7".to_string(),
        first.manifest_digest("linux/arm64"),
    )]);
    assert!(matches!(
        check(
            &lock,
            "release",
            &r.to_string(),
            &Current {
                digest: &old.digest,
                platforms: &more
            }
        ),
        Freshness::PlatformsDiffer { .. }
    ));
}

#[test]
fn credentials_are_asked_for_and_never_shown() {
    let Some(s) = Setup::start(Some(USER)) else {
        return;
    };
    let (reg, work) = (&s.reg, &s.work);
    let img = s.base("auth", "team/base");
    let r = s.reference("team/base:1");
    let e = refused(
        pull_base(&r, &both(), None, &work.path().join("c"), &s.env()),
        (Kind::Unauthorized, Exit::Toolchain),
        "no credentials",
    );
    assert!(
        e.message.contains("no credentials"),
        "names the source: {e}"
    );
    assert!(e.message.contains(&reg.addr), "{e}");

    let (dir, _) = docker_config(&auth_config(USER.0, USER.1, &reg.addr));
    let got = pull_base(&r, &both(), None, &work.path().join("c"), &env(dir.path())).unwrap();
    assert_eq!(got.digest, img.digest());
    assert!(
        !format!("{got:?}").contains(USER.1),
        "no password in what a pull returns"
    );
    assert!(
        got.secrets.clean(&format!("x {} y", USER.1)).contains("x "),
        "the secret is known for masking"
    );

    // A wrong password: 401 naming the config file's entry, never the password.
    let bad = basic_auth(USER.0, "wrong-pass");
    let (dir, path) = docker_config(&auth_config(USER.0, "wrong-pass", &reg.addr));
    let e = pull_base(&r, &both(), None, &work.path().join("c4"), &env(dir.path())).unwrap_err();
    assert_eq!(e.kind, Kind::Unauthorized, "{e}");
    assert!(
        e.message.contains(&path.display().to_string()),
        "names the file: {e}"
    );
    assert!(
        !e.message.contains("wrong-pass") && !e.message.contains(&bad),
        "{e}"
    );
}

#[test]
fn a_tampered_layer_is_refused_and_nothing_is_cached_as_good() {
    let img = Image::new("hostile");
    let layer = img
        .blobs
        .iter()
        .find(|(mt, _)| *mt == LAYER)
        .unwrap()
        .1
        .clone();
    let layer_digest = digest(&layer);
    let mut served: BTreeMap<String, (&'static str, Vec<u8>)> = BTreeMap::new();
    served.insert("/v2/base/manifests/1".into(), (INDEX, img.index.clone()));
    served.insert(
        format!("/v2/base/manifests/{}", img.digest()),
        (INDEX, img.index.clone()),
    );
    for (_, m) in &img.manifests {
        served.insert(
            format!("/v2/base/manifests/{}", digest(m)),
            (MANIFEST, m.clone()),
        );
    }
    for (mt, b) in &img.blobs {
        let mut served_bytes = b.clone();
        if digest(b) == layer_digest {
            let n = served_bytes.len();
            served_bytes[n / 2] ^= 0xff;
        }
        served.insert(format!("/v2/base/blobs/{}", digest(b)), (mt, served_bytes));
    }
    let index_digest = img.digest();
    let server = TinyServer::start(move |seen| {
        if seen.target == "/v2/" {
            return (200, vec![], b"{}".to_vec());
        }
        match served.get(&seen.target) {
            Some((mt, body)) => {
                let mut h = vec![("Content-Type".to_string(), mt.to_string())];
                if seen.target.contains("/manifests/") {
                    h.push((
                        "Docker-Content-Digest".into(),
                        if seen.target.ends_with("/1") {
                            index_digest.clone()
                        } else {
                            seen.target.rsplit('/').next().unwrap().to_string()
                        },
                    ));
                }
                (200, h, body.clone())
            }
            None => (404, vec![], b"{}".to_vec()),
        }
    });
    let work = tempfile::tempdir().unwrap();
    let creds = tempfile::tempdir().unwrap();
    let cache = work.path().join("cache");
    let r = reference(&format!("{}/base:1", server.addr));
    let e = refused(
        pull_base(&r, &both(), None, &cache, &env(creds.path())),
        (Kind::Corrupt, Exit::Toolchain),
        "a tampered layer",
    );
    assert!(
        e.message.contains(&layer_digest) && e.message.contains("refused"),
        "{e}"
    );
    let left = files(&cache);
    let hex = &layer_digest[7..];
    assert!(
        !left.iter().any(|f| f.contains(hex)),
        "the tampered layer is not cached: {left:#?}"
    );
    assert!(
        !left.iter().any(|f| f.ends_with(".tmp")),
        "no temporary file left: {left:#?}"
    );
    assert!(
        !left.contains(&"index.json".to_string()),
        "no entry recorded: {left:#?}"
    );
    // What was proven stays cached: the manifest read before the layer.
    let amd64 = format!("blobs/sha256/{}", &img.manifest_digest("linux/amd64")[7..]);
    assert!(left.contains(&amd64), "{left:#?}");
}

#[test]
fn an_unreachable_registry_is_named_with_what_was_tried() {
    let port = free_port();
    let work = tempfile::tempdir().unwrap();
    let creds = tempfile::tempdir().unwrap();
    let r = reference(&format!("127.0.0.1:{port}/base:1"));
    let e = refused(
        pull_base(
            &r,
            &both(),
            None,
            &work.path().join("c"),
            &env(creds.path()),
        ),
        (Kind::Unreachable, Exit::Toolchain),
        "nothing listening",
    );
    assert!(
        e.message.contains(&format!("127.0.0.1:{port}")) && e.message.contains("tried"),
        "{e}"
    );
    // A bad locked digest is the user's: exit 2.
    let e = pull_base(
        &r,
        &both(),
        Some("sha256:abc"),
        &work.path().join("c"),
        &env(creds.path()),
    )
    .unwrap_err();
    assert_eq!(e.exit(), Exit::Usage, "{e}");
}

/// The image assembled on a pulled base: one fake binary per platform.
fn assembled(pulled: &PulledBase) -> Assembled {
    let mut base = Base::open(&pulled.image, Path::new("/"), &both()).unwrap();
    base.name = pulled.reference.to_string();
    let bins: Vec<(Platform, Vec<BinaryInLayer>)> = both()
        .into_iter()
        .map(|p| {
            let bytes = format!("#!/bin/false\n# app for {p}\n").into_bytes();
            (
                p,
                vec![BinaryInLayer {
                    path: "/usr/local/bin/app".into(),
                    bytes: bytes.into(),
                }],
            )
        })
        .collect();
    let spec = ImageSpec {
        version: Some("1.0".into()),
        ..ImageSpec::default()
    };
    assemble(&base, &bins, &spec, EPOCH).unwrap()
}

#[test]
fn an_assembled_image_is_pushed_as_the_layout_holds_it() {
    let Some(s) = Setup::start(None) else {
        return;
    };
    let (reg, work, env) = (&s.reg, &s.work, s.env());
    let (img, pulled) = s.pulled("push");
    let a = assembled(&pulled);
    let layout = work.path().join("out");
    write_layout(&a, &layout, &["1.0".into()]).unwrap();

    // Same registry: the base's layers are mounted from its repository.
    let dest = reference(&format!("{}/team/app:1.0", reg.addr));
    let before = settled(reg);
    let pushed = push_image(
        &a,
        &dest,
        &["latest".into()],
        Some(&pulled.mount),
        &env,
        &Options::default(),
    )
    .unwrap();
    settled(reg);
    let reqs = new_requests(reg, before);
    assert_eq!(pushed.digest, a.digest());
    assert_eq!(pushed.tags, vec!["1.0", "latest"]);
    assert_eq!(
        pushed.pinned(),
        format!("{}/team/app@{}", reg.addr, a.digest())
    );
    let mounted: Vec<&String> = reqs
        .iter()
        .filter(|r| r.starts_with("POST /v2/team/app/blobs/uploads/?mount="))
        .collect();
    assert_eq!(mounted.len(), 2, "both base layers mounted: {reqs:#?}");
    assert!(
        mounted.iter().all(|r| r.contains("from=base")),
        "{mounted:#?}"
    );
    for (d, how) in &pushed.blobs {
        let base_layer = img
            .blobs
            .iter()
            .any(|(_, b)| &digest(b) == d && b.len() > 1000);
        if base_layer {
            assert_eq!(*how, Pushed::Mounted, "{d}");
        } else {
            assert!(
                matches!(how, Pushed::Uploaded { requests: 1 }),
                "{d}: {how:?}"
            );
        }
    }

    // skopeo reads back the layout's bytes.
    for tag in ["1.0", "latest"] {
        assert_eq!(
            reg.raw(&format!("team/app:{tag}")),
            a.index.bytes().unwrap(),
            "index under {tag}"
        );
    }
    for p in &a.images {
        assert_eq!(
            reg.raw(&format!("team/app@{}", p.manifest.digest)),
            p.manifest.bytes().unwrap(),
            "{}",
            p.platform
        );
    }
    assert_eq!(
        pushed.manifests,
        a.images
            .iter()
            .map(|p| (p.stated.to_string(), p.manifest.digest.clone()))
            .collect::<Vec<_>>()
    );
    let copy = work.path().join("copy");
    skopeo_copy(
        &["--all", "--preserve-digests", "--src-tls-verify=false"],
        &format!("docker://{}/team/app:1.0", reg.addr),
        &format!("oci:{}:x", copy.display()),
    );
    let ours: Vec<String> = files(&layout)
        .into_iter()
        .filter(|f| f.starts_with("blobs/"))
        .collect();
    let theirs: Vec<String> = files(&copy)
        .into_iter()
        .filter(|f| f.starts_with("blobs/"))
        .collect();
    assert_eq!(ours, theirs, "the same blobs");
    for f in &ours {
        assert_eq!(
            std::fs::read(layout.join(f)).unwrap(),
            std::fs::read(copy.join(f)).unwrap(),
            "{f}"
        );
    }

    // Again: every blob is there already.
    let client = Client::for_reference(&dest, &env, &Options::default()).unwrap();
    let again = push_image_with(&client, &a, &dest, &[], Some(&pulled.mount)).unwrap();
    assert!(
        again.blobs.iter().all(|(_, h)| *h == Pushed::Existing),
        "{:?}",
        again.blobs
    );

    // Referrers: an SBOM per platform, a provenance on the index, through the tag schema.
    let mut sboms = Vec::new();
    for p in &a.images {
        let doc = json_bytes(
            &json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "platform": p.platform.to_string()}),
        );
        let art = Artifact {
            artifact_type: SBOM_TYPE,
            media_type: SBOM_TYPE,
            bytes: &doc,
            annotations: BTreeMap::new(),
        };
        let subject = Subject::of(&p.manifest);
        let (d, via) = push_artifact(&client, "team/app", &art, &subject).unwrap();
        assert_eq!(
            via,
            Via::TagSchema,
            "docker-registry 2.8 has no referrers API"
        );
        assert_eq!(
            reg.raw(&format!("team/app@{d}")),
            artifact_manifest(&art, &subject)
        );
        sboms.push((p.manifest.digest.clone(), d));
    }
    let prov = json_bytes(&json!({"_type": "https://in-toto.io/Statement/v1"}));
    let art = Artifact {
        artifact_type: PROVENANCE_TYPE,
        media_type: PROVENANCE_TYPE,
        bytes: &prov,
        annotations: BTreeMap::from([(
            "org.opencontainers.image.created".to_string(),
            "2023-11-14T22:13:20Z".to_string(),
        )]),
    };
    let (prov_digest, _) =
        push_artifact(&client, "team/app", &art, &Subject::of(&a.index)).unwrap();
    let listed: Value =
        serde_json::from_slice(&reg.raw(&format!("team/app:sha256-{}", &a.digest()[7..]))).unwrap();
    let entries = listed["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{listed:#}");
    assert_eq!(entries[0]["digest"], prov_digest);
    assert_eq!(entries[0]["artifactType"], PROVENANCE_TYPE);
    assert_eq!(
        entries[0]["annotations"]["org.opencontainers.image.created"],
        "2023-11-14T22:13:20Z"
    );
    for (subject, d) in &sboms {
        let r = client
            .referrers("team/app", subject, Some(SBOM_TYPE))
            .unwrap();
        assert_eq!(r.via, Via::TagSchema);
        assert_eq!(r.manifests.len(), 1, "{subject}: {:?}", r.manifests);
        assert_eq!(r.manifests[0]["digest"], d.as_str());
    }
    // Pushing the same artifact again lists it once.
    push_artifact(&client, "team/app", &art, &Subject::of(&a.index)).unwrap();
    let r = client.referrers("team/app", &a.index.digest, None).unwrap();
    assert_eq!(r.manifests.len(), 1, "{:?}", r.manifests);

    // A bad tag is the user's: exit 2, nothing pushed under it.
    let e = push_image_with(&client, &a, &dest, &["bad tag".into()], None).unwrap_err();
    assert_eq!(e.exit(), Exit::Usage, "{e}");
}

#[test]
fn to_another_registry_the_base_layers_are_uploaded_in_chunks() {
    let Some(from) = Setup::start(None) else {
        return;
    };
    let Some(to) = Registry::start(Some(USER)) else {
        return;
    };
    let (_, pulled) = from.pulled("chunks");
    let a = assembled(&pulled);
    let (dir, _) = docker_config(&auth_config(USER.0, USER.1, &to.addr));
    let options = Options {
        chunk_size: 1024,
        ..Options::default()
    };
    let dest = reference(&format!("{}/app:2", to.addr));
    let pushed = push_image(
        &a,
        &dest,
        &[],
        Some(&pulled.mount),
        &env(dir.path()),
        &options,
    )
    .unwrap();
    assert!(!to.log().contains("mount="), "no mount across registries");
    let chunked = pushed
        .blobs
        .iter()
        .filter(|(_, h)| matches!(h, Pushed::Uploaded { requests } if *requests > 1))
        .count();
    assert!(
        chunked >= 2,
        "the base layers (over 1 KiB) went up in chunks: {:?}",
        pushed.blobs
    );
    assert_eq!(to.raw("app:2"), a.index.bytes().unwrap());
    assert!(!format!("{pushed:?}").contains(USER.1));
}

#[test]
fn docker_media_types_and_single_manifests_pull_as_well() {
    let Some(s) = Setup::start(None) else {
        return;
    };
    let (reg, work, env) = (&s.reg, &s.work, s.env());
    let img = Image::new("docker");
    let dir = img.layout(&work.path().join("src"));
    // Docker's manifest list and schema 2 manifests, as Docker Hub serves most images.
    skopeo_copy(
        &["--all", "--format", "v2s2", "--dest-tls-verify=false"],
        &format!("oci:{}:t", dir.display()),
        &format!("docker://{}/dock:1", reg.addr),
    );
    let listed: Value = serde_json::from_slice(&reg.raw("dock:1")).unwrap();
    assert_eq!(
        listed["mediaType"], "application/vnd.docker.distribution.manifest.list.v2+json",
        "{listed:#}"
    );
    let r = reference(&format!("{}/dock:1", reg.addr));
    let pulled = pull_base(&r, &both(), None, &work.path().join("c"), &env).unwrap();
    assert_eq!(
        pulled.media_type,
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    let base = Base::open(&pulled.image, Path::new("/"), &both()).unwrap();
    assert_eq!(base.reference_digest(), Some(pulled.digest.as_str()));
    for i in base.images() {
        assert_eq!(
            i.manifest_digest.as_ref(),
            pulled.platforms.get(&i.platform.to_string()),
            "{}",
            i.platform
        );
    }

    // One image, no index: its config's platform is the one it has.
    skopeo_copy(
        &["--override-arch", "arm64", "--dest-tls-verify=false"],
        &format!("oci:{}:t", dir.display()),
        &format!("docker://{}/single:1", reg.addr),
    );
    let r = reference(&format!("{}/single:1", reg.addr));
    let arm = [platform("linux/arm64")];
    let pulled = pull_base(&r, &arm, None, &work.path().join("c"), &env).unwrap();
    assert_eq!(
        pulled.platforms["linux/arm64"], pulled.digest,
        "the one manifest"
    );
    Base::open(&pulled.image, Path::new("/"), &arm).unwrap();
    let amd64 = [platform("linux/amd64")];
    let e = refused(
        pull_base(&r, &amd64, None, &work.path().join("c"), &env),
        (Kind::Platform, Exit::Usage),
        "a platform the base lacks",
    );
    assert!(e.message.contains("linux/arm64"), "names what it has: {e}");
}

/// A server answering `GET /v2/` and the manifests of `served` (tag `1` → `top`).
fn serve_manifests(top: Vec<u8>, served: Vec<(String, &'static str, Vec<u8>)>) -> TinyServer {
    let top_digest = digest(&top);
    TinyServer::start(move |seen| {
        if seen.target == "/v2/" {
            return (200, vec![], b"{}".to_vec());
        }
        let found = if seen.target == "/v2/base/manifests/1" {
            Some((top_digest.clone(), INDEX, top.clone()))
        } else {
            served
                .iter()
                .find(|(d, _, _)| seen.target == format!("/v2/base/manifests/{d}"))
                .map(|(d, mt, b)| (d.clone(), *mt, b.clone()))
        };
        match found {
            Some((d, mt, body)) => (
                200,
                vec![
                    ("Content-Type".into(), mt.into()),
                    ("Docker-Content-Digest".into(), d),
                ],
                body,
            ),
            None => (404, vec![], b"{}".to_vec()),
        }
    })
}

#[test]
fn a_base_past_the_image_readers_bounds_is_refused_before_its_blobs() {
    let fake = |i: usize| format!("sha256:{:064x}", i);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "too many layers",
            json!({"schemaVersion": 2, "mediaType": MANIFEST,
                   "config": {"mediaType": CONFIG, "digest": fake(0), "size": 10},
                   "layers": (1..=257).map(|i| json!({"mediaType": LAYER, "digest": fake(i), "size": 1})).collect::<Vec<_>>()}),
            "MAX_LAYERS",
        ),
        (
            "a config past MAX_JSON",
            json!({"schemaVersion": 2, "mediaType": MANIFEST,
                   "config": {"mediaType": CONFIG, "digest": fake(0), "size": 5u64 << 20},
                   "layers": []}),
            "MAX_JSON",
        ),
        (
            "layers past MAX_UNPACKED",
            json!({"schemaVersion": 2, "mediaType": MANIFEST,
                   "config": {"mediaType": CONFIG, "digest": fake(0), "size": 10},
                   "layers": [{"mediaType": LAYER, "digest": fake(1), "size": 17u64 << 30}]}),
            "MAX_UNPACKED",
        ),
    ];
    for (case, manifest, budget) in cases {
        let m = json_bytes(&manifest);
        let index = json_bytes(
            &json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": [
            {"mediaType": MANIFEST, "digest": digest(&m), "size": m.len(),
             "platform": {"os": "linux", "architecture": "amd64"}}]}),
        );
        let server = serve_manifests(index, vec![(digest(&m), MANIFEST, m)]);
        let work = tempfile::tempdir().unwrap();
        let creds = tempfile::tempdir().unwrap();
        let r = reference(&format!("{}/base:1", server.addr));
        let e = refused(
            pull_base(
                &r,
                &[platform("linux/amd64")],
                None,
                &work.path().join("c"),
                &env(creds.path()),
            ),
            (Kind::TooLarge, Exit::Toolchain),
            case,
        );
        assert!(e.message.contains(budget), "case {case}: {e}");
        let blobs: Vec<String> = files(&work.path().join("c"))
            .into_iter()
            .filter(|f| f.starts_with("blobs/"))
            .collect();
        assert_eq!(
            blobs.len(),
            1,
            "case {case}: only the manifest was cached: {blobs:?}"
        );
    }
}
