//! Hostile images and documents, crafted here byte by byte and given to the real binary
//! under a watchdog (killed and failed after 60 s): FIFOs and symlinks in an OCI layout,
//! digests in algorithms the tool does not verify, a docker-archive whose layers are not
//! its config's, duplicate JSON keys, and every budget of docs/security.md passed for
//! real (the verdict is then `unknown`, in seconds). The `verify --provenance` file
//! limits too. No tools needed: the fixtures are committed binaries.

mod util;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use util::oci::{sha256, Layout};
use util::*;

const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

/// One entry of a layer: a file with bytes, a directory, or a symlink.
enum E<'a> {
    File(&'a str, &'a [u8]),
    Sym(&'a str, &'a str),
}

fn tar_of(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        h.set_mode(0o755);
        match e {
            E::File(p, bytes) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(bytes.len() as u64);
                b.append_data(&mut h, p, *bytes).unwrap();
            }
            E::Sym(p, to) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                b.append_link(&mut h, p, to).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

impl Layout {
    fn config(&self, layers: &[&[u8]]) -> Value {
        let diff_ids: Vec<String> = layers
            .iter()
            .map(|t| format!("sha256:{}", sha256(t)))
            .collect();
        let c = json!({"architecture": "arm64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids}});
        self.blob(CONFIG, &serde_json::to_vec(&c).unwrap())
    }

    /// An arm64 image of these layer tars; its manifest's descriptor.
    fn image(&self, layers: &[&[u8]]) -> Value {
        let config = self.config(layers);
        let descs: Vec<Value> = layers.iter().map(|t| self.blob(LAYER, t)).collect();
        let m =
            json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": descs});
        self.blob(MANIFEST, &serde_json::to_vec(&m).unwrap())
    }

    fn index_doc(manifests: Vec<Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests}))
            .unwrap()
    }

    fn finish(&self, top: Value) {
        std::fs::write(self.dir.join("index.json"), Layout::index_doc(vec![top])).unwrap();
    }
}

/// An OCI layout `root/name` of one image whose one layer holds `entries`; the image
/// reference, `oci:name`.
fn oci_image(root: &Path, name: &str, entries: &[E]) -> String {
    let l = Layout::new(&root.join(name));
    let m = l.image(&[&tar_of(entries)]);
    l.finish(m);
    format!("oci:{name}")
}

fn static_bin() -> PathBuf {
    fixture("bin/aarch64-static-nolibc")
}

fn dynamic_bin() -> PathBuf {
    fixture("bin/aarch64-dynamic")
}

/// `verify FILE --target linux/arm64` with `runs-on = [image]`, under the watchdog.
fn verify_on(root: &Path, image: &str, file: &Path) -> Guarded {
    std::fs::write(
        root.join("xbuild-go.toml"),
        format!("[build.verify]\nbuildinfo = false\nstatic = false\nruns-on = [{image:?}]\n"),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    watched(
        root,
        &[
            "verify",
            "--message-format",
            "json",
            file,
            "--target",
            "linux/arm64",
        ],
    )
}

/// `ARGS` in `root` under the watchdog: killed after 60 s, and the test fails.
fn watched(root: &Path, args: &[&str]) -> Guarded {
    run_guarded(root, args, &base_env(), Duration::from_secs(60))
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// A refused image: exit 2, the needles in the output, and nothing judged.
fn refused(g: &Guarded, case: &str, needles: &[&str]) {
    assert_refused_unjudged(&g.run, case, needles);
}

/// The tool's own peak memory in the run `g` stayed under `mib` MiB.
fn assert_resident_under(g: &Guarded, mib: u64, case: &str) {
    assert!(
        g.peak_rss_kib < mib * 1024,
        "case {case}: {} KiB resident",
        g.peak_rss_kib
    );
}

/// The runs-on check's status and message.
fn verdict(g: &Guarded, image: &str) -> (String, String) {
    let arts = g.run.artifacts();
    assert!(!arts.is_empty(), "no artifact\n{}", g.run);
    let c = check(&arts[0], &format!("runs-on.{image}"));
    (
        c["status"].as_str().unwrap_or("").to_string(),
        format!("{} | {}", c["actual"], c["message"]),
    )
}

#[test]
fn fifos_and_symlinks_in_a_layout_are_refused_and_no_host_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let layer = tar_of(&[E::File("etc/passwd", b"root:x:0:0::/:/bin/sh\n")]);
    // A secret on the host, which a symlinked blob would have hashed into the error.
    let secret = root.join("secret");
    std::fs::write(&secret, b"host secret bytes").unwrap();

    // index.json a FIFO: reading it would wait for a writer for ever.
    let l = Layout::new(&root.join("fifo-index"));
    l.image(&[&layer]);
    mkfifo(&l.dir.join("index.json"));
    // The manifest blob a FIFO.
    let l = Layout::new(&root.join("fifo-blob"));
    let m = l.image(&[&layer]);
    let d = m["digest"].as_str().unwrap().trim_start_matches("sha256:");
    std::fs::remove_file(l.dir.join("blobs/sha256").join(d)).unwrap();
    mkfifo(&l.dir.join("blobs/sha256").join(d));
    l.finish(m);
    // The layer blob a symlink to a host file.
    let l = Layout::new(&root.join("link-blob"));
    let m = l.image(&[&layer]);
    let ld = sha256(&layer);
    std::fs::remove_file(l.dir.join("blobs/sha256").join(&ld)).unwrap();
    std::os::unix::fs::symlink(&secret, l.dir.join("blobs/sha256").join(&ld)).unwrap();
    l.finish(m);
    // blobs/sha256 itself a symlink to a directory outside the layout.
    let l = Layout::new(&root.join("link-dir"));
    let m = l.image(&[&layer]);
    let outside = root.join("outside");
    std::fs::rename(l.dir.join("blobs/sha256"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, l.dir.join("blobs/sha256")).unwrap();
    l.finish(m);
    // The archive itself a FIFO, or a device.
    mkfifo(&root.join("fifo.tar"));
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.tar")).unwrap();

    for (case, image, needles) in [
        (
            "an archive a FIFO",
            "oci-archive:fifo.tar",
            &["fifo.tar", "is not a file"][..],
        ),
        (
            "an archive /dev/zero",
            "docker-archive:zero.tar",
            &["zero.tar", "is not a file"][..],
        ),
        (
            "index.json a FIFO",
            "oci:fifo-index",
            &["index.json", "is a FIFO"][..],
        ),
        ("manifest blob a FIFO", "oci:fifo-blob", &["is a FIFO"][..]),
        (
            "layer blob a symlink",
            "oci:link-blob",
            &[&ld[..], "is a symlink", "regular files inside it"][..],
        ),
        (
            "blobs/sha256 a symlink",
            "oci:link-dir",
            &["blobs/sha256", "is a symlink"][..],
        ),
    ] {
        let g = verify_on(root, image, &static_bin());
        refused(&g, case, needles);
        assert!(
            !g.run.stderr.contains(&sha256(b"host secret bytes")),
            "case {case}: the host file was hashed\n{}",
            g.run
        );
    }
}

#[test]
fn digests_in_algorithms_not_verified_are_refused_never_matched() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let layer = tar_of(&[E::File("etc/passwd", b"root:x:0:0::/:/bin/sh\n")]);
    // The manifest named by a sha384 digest (with a blob there that does not match it).
    let l = Layout::new(&root.join("sha384-manifest"));
    let m = l.image(&[&layer]);
    let fake = "ab".repeat(48);
    std::fs::create_dir_all(l.dir.join("blobs/sha384")).unwrap();
    std::fs::write(l.dir.join("blobs/sha384").join(&fake), b"{}").unwrap();
    let mut top = m.clone();
    top["digest"] = json!(format!("sha384:{fake}"));
    top["size"] = json!(2);
    l.finish(top);
    // A layer in an algorithm nobody has heard of.
    let l = Layout::new(&root.join("other-layer"));
    let config = l.config(&[&layer]);
    let mut ld = l.blob(LAYER, &layer);
    ld["digest"] = json!("blake9:0123456789abcdef0123456789abcdef");
    let m = json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [ld]});
    let m = l.blob(MANIFEST, &serde_json::to_vec(&m).unwrap());
    l.finish(m);
    for (case, image, alg) in [
        ("sha384 manifest", "oci:sha384-manifest", "sha384"),
        ("unknown layer algorithm", "oci:other-layer", "blake9"),
    ] {
        let g = verify_on(root, image, &static_bin());
        refused(
            &g,
            case,
            &[
                alg,
                "is not an algorithm this tool verifies",
                "sha256, sha512",
            ],
        );
    }
}

/// A docker-archive (docker save's layout) of these layer tars, whose config lists
/// `diff_ids`.
fn docker_archive(path: &Path, layers: &[&[u8]], diff_ids: &[String]) {
    let config = serde_json::to_vec(&json!({"architecture": "arm64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}}))
    .unwrap();
    let cname = format!("{}.json", sha256(&config));
    let names: Vec<String> = (0..layers.len())
        .map(|i| format!("l{i}/layer.tar"))
        .collect();
    let manifest =
        serde_json::to_vec(&json!([{"Config": cname, "RepoTags": ["hostile:1"], "Layers": names}]))
            .unwrap();
    let mut files: Vec<(String, Vec<u8>)> =
        vec![("manifest.json".into(), manifest), (cname, config)];
    for (n, t) in names.iter().zip(layers) {
        files.push((n.clone(), t.to_vec()));
    }
    let mut b = tar::Builder::new(Vec::new());
    for (n, bytes) in files {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_size(bytes.len() as u64);
        b.append_data(&mut h, n, &bytes[..]).unwrap();
    }
    std::fs::write(path, b.into_inner().unwrap()).unwrap();
}

#[test]
fn a_docker_archive_whose_layers_are_not_its_configs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let good = tar_of(&[E::File("etc/passwd", b"root:x:0:0::/:/bin/sh\n")]);
    let evil = tar_of(&[E::File("etc/passwd", b"evil:x:0:0::/:/bin/sh\n")]);
    let id = |t: &[u8]| format!("sha256:{}", sha256(t));
    docker_archive(&root.join("good.tar"), &[&good], &[id(&good)]);
    docker_archive(&root.join("swapped.tar"), &[&evil], &[id(&good)]);
    docker_archive(&root.join("short.tar"), &[&good], &[]);
    let g = verify_on(root, "docker-archive:good.tar", &static_bin());
    assert_eq!(g.run.code, Some(0), "the control archive passes\n{}", g.run);
    assert_eq!(verdict(&g, "docker-archive:good.tar").0, "pass");
    for (case, image, needle) in [
        (
            "layer swapped",
            "docker-archive:swapped.tar",
            "does not hash to the config's rootfs.diff_ids",
        ),
        (
            "no diff_ids",
            "docker-archive:short.tar",
            "lists 0 rootfs.diff_ids for 1 layers",
        ),
    ] {
        refused(&verify_on(root, image, &static_bin()), case, &[needle]);
    }
}

#[test]
fn duplicate_keys_in_image_documents_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let layer = tar_of(&[E::File("etc/passwd", b"root:x:0:0::/:/bin/sh\n")]);
    // index.json names two manifests under one key: a reader takes the last, another
    // the first.
    let l = Layout::new(&root.join("dup-index"));
    let m = l.image(&[&layer]);
    let text = format!(
        r#"{{"schemaVersion":2,"manifests":[{m}],"manifests":[]}}"#,
        m = serde_json::to_string(&m).unwrap()
    );
    std::fs::write(l.dir.join("index.json"), text).unwrap();
    // A config that says arm64 and then amd64.
    let l = Layout::new(&root.join("dup-config"));
    let config = format!(
        r#"{{"architecture":"arm64","os":"linux","architecture":"amd64","rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}}}}"#,
        sha256(&layer)
    );
    let c = l.blob(CONFIG, config.as_bytes());
    let ld = l.blob(LAYER, &layer);
    let m = json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": c, "layers": [ld]});
    let m = l.blob(MANIFEST, &serde_json::to_vec(&m).unwrap());
    l.finish(m);
    for (case, image, needles) in [
        (
            "index.json",
            "oci:dup-index",
            &["index.json", "`manifests` appears twice"][..],
        ),
        (
            "config",
            "oci:dup-config",
            &["config", "`architecture` appears twice", "line 1"][..],
        ),
    ] {
        refused(&verify_on(root, image, &static_bin()), case, needles);
    }
}

#[test]
fn provenance_files_are_read_bounded_and_strict() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    mkfifo(&root.join("fifo.json"));
    // 65 MiB that take no disk: a sparse file.
    let big = std::fs::File::create(root.join("big.json")).unwrap();
    big.set_len(65 << 20).unwrap();
    std::fs::write(
        root.join("dup.json"),
        r#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"subject":[]}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(root.join("dup.json"), root.join("link.json")).unwrap();
    let bin = static_bin();
    for (case, p, needles) in [
        ("a FIFO", "fifo.json", &["fifo.json", "is a FIFO"][..]),
        ("/dev/zero", "/dev/zero", &["/dev/zero", "is a device"][..]),
        (
            "over 64 MiB",
            "big.json",
            &["big.json", "at most 67108864 bytes"][..],
        ),
        (
            "duplicate keys",
            "dup.json",
            &["dup.json", "`subject` appears twice"][..],
        ),
        // A link the user named is followed to the document, which is then judged.
        (
            "a symlink to a document with a key twice",
            "link.json",
            &["link.json", "`subject` appears twice"][..],
        ),
    ] {
        let g = watched(root, &["verify", bin.to_str().unwrap(), "--provenance", p]);
        let r = &g.run;
        assert_eq!(r.code, Some(2), "case {case}\n{r}");
        for n in needles {
            assert!(r.stderr.contains(n), "case {case}: {n:?}\n{r}");
        }
        assert_resident_under(&g, 128, case);
    }
}

/// An ld.so.conf whose every line includes every file of ld.so.conf.d, each of which
/// does the same: 1900^4 reads without a bound.
fn include_fanout() -> Vec<u8> {
    let line = "include /etc/ld.so.conf.d/*.conf\n";
    line.repeat(1900).into_bytes()
}

#[test]
fn images_past_a_budget_are_judged_unknown_in_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Each image as it is made: (case, image, the budget its verdict names).
    let mut cases: Vec<(&str, String, &str)> = Vec::new();

    // ld.so.conf include fan-out.
    let fan = include_fanout();
    let mut entries = vec![E::File("etc/ld.so.conf", &fan)];
    let names: Vec<String> = (0..32)
        .map(|i| format!("etc/ld.so.conf.d/f{i}.conf"))
        .collect();
    for n in &names {
        entries.push(E::File(n, b"/opt/lib\n"));
    }
    let image = oci_image(root, "fanout", &entries);
    cases.push(("ld.so.conf include fan-out", image, "MAX_INCLUDE_READS"));
    // An included file that includes itself.
    let image = oci_image(
        root,
        "recursive",
        &[
            E::File("etc/ld.so.conf", b"include ld.so.conf.d/*.conf\n"),
            E::File(
                "etc/ld.so.conf.d/self.conf",
                b"include /etc/ld.so.conf.d/self.conf\n",
            ),
        ],
    );
    cases.push(("ld.so.conf including itself", image, "MAX_INCLUDE_DEPTH"));

    // Nested indexes: each level lists the next 50 times, four levels (50^4 reads); one
    // index in another, six deep; one index of 10001 entries.
    for (case, name, levels, fan, budget) in [
        ("nested index fan-out", "nested", 4, 50, "MAX_INDEXES"),
        ("indexes six deep", "deepindex", 6, 1, "MAX_INDEX_DEPTH"),
        (
            "an index of 10001 entries",
            "wide",
            1,
            10_001,
            "MAX_DESCRIPTORS",
        ),
    ] {
        let l = Layout::new(&root.join(name));
        let mut d = l.image(&[&tar_of(&[E::File("etc/passwd", b"x")])]);
        d["platform"] = json!({"architecture": "arm64", "os": "linux"});
        for _ in 0..levels {
            d = l.blob(INDEX, &Layout::index_doc(vec![d; fan]));
        }
        l.finish(d);
        cases.push((case, format!("oci:{name}"), budget));
    }

    // Names longer than a path may be: in a layer, and in the archive itself.
    let long = "n".repeat(5000);
    let image = oci_image(root, "longpath", &[E::File(&long, b"x")]);
    cases.push(("a layer entry's name of 5000 bytes", image, "MAX_PATH"));
    std::fs::write(root.join("longname.tar"), tar_of(&[E::File(&long, b"x")])).unwrap();
    let image = "oci-archive:longname.tar".to_string();
    cases.push(("an archive member's name of 5000 bytes", image, "MAX_PATH"));

    // A path 300 directories deep.
    let deep = format!("{}f", "d/".repeat(300));
    let image = oci_image(root, "deep", &[E::File(&deep, b"x")]);
    cases.push(("a path 300 deep", image, "MAX_PATH_DEPTH"));

    // Symlinks that amplify: each of 40 links climbs through 127 `r/..` pairs to the
    // next (the last to r), so every entry placed under l0 walks ~10000 components.
    let climb = "r/../".repeat(127);
    let hops: Vec<(String, String)> = (1..40)
        .map(|k| format!("l{k}"))
        .chain(["r".to_string()])
        .enumerate()
        .map(|(k, next)| (format!("l{k}"), format!("{climb}{next}")))
        .collect();
    let mut entries: Vec<E> = vec![E::File("r/keep", b"")];
    for (at, to) in &hops {
        entries.push(E::Sym(at, to));
    }
    let files: Vec<(String, String)> = (0..2000)
        .map(|i| (format!("l0/f{i}"), format!("r/g{i}")))
        .collect();
    for (a, b) in &files {
        entries.push(E::File(a, b""));
        entries.push(E::File(b, b""));
    }
    let image = oci_image(root, "amplify", &entries);
    cases.push(("amplifying symlinks", image, "MAX_WALK"));

    // Whiteouts that rescan: 5000 files of this layer in one directory, then 2100 opaque
    // markers there, each looking at all of them again.
    let names: Vec<String> = (0..5000).map(|i| format!("d/f{i}")).collect();
    let mut entries: Vec<E> = names.iter().map(|n| E::File(n, b"")).collect();
    for _ in 0..2100 {
        entries.push(E::File("d/.wh..wh..opq", b""));
    }
    let image = oci_image(root, "rescan", &entries);
    cases.push(("whiteouts that rescan", image, "MAX_WALK"));

    for (case, image, needle) in &cases {
        let g = verify_on(root, image, &dynamic_bin());
        let r = &g.run;
        assert_eq!(r.code, Some(1), "case {case}: unknown fails the file\n{r}");
        let (status, text) = verdict(&g, image);
        assert_eq!(status, "unknown", "case {case}: {text}");
        assert!(text.contains(needle), "case {case}: {needle:?} in {text}");
        assert_resident_under(&g, 512, case);
    }
}

#[test]
fn a_glob_built_to_backtrack_is_matched_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // `a*a*a*a*a*a*a*a*b` against a name of 250 `a`s: a backtracking matcher tries
    // every way of splitting the name among the stars.
    let conf = b"include /etc/ld.so.conf.d/a*a*a*a*a*a*a*a*a*a*b\n/opt/lib\n";
    let long = format!("etc/ld.so.conf.d/{}", "a".repeat(250));
    let image = oci_image(
        root,
        "glob",
        &[E::File("etc/ld.so.conf", conf), E::File(&long, b"/never\n")],
    );
    let g = verify_on(root, &image, &static_bin());
    assert_eq!(g.run.code, Some(0), "{}", g.run);
    assert_eq!(verdict(&g, "oci:glob").0, "pass");
}

/// Every budget of the image reader and of `verify --provenance`, as the code has it:
/// (name, value, counts bytes).
fn budgets() -> Vec<(&'static str, u64, bool)> {
    let mut b: Vec<(&'static str, u64, bool)> = xbuild_go::image::BUDGETS
        .iter()
        .map(|l| (l.name, l.value, l.bytes))
        .collect();
    b.push((
        "MAX_PROVENANCE",
        xbuild_go::evidence::check::MAX_PROVENANCE,
        true,
    ));
    b
}

/// How docs/security.md writes a number: bytes as `4 MiB`, `16 GiB`, `64 KiB` when
/// they divide evenly, everything else as digits.
fn written(v: u64, bytes: bool) -> String {
    let unit = |shift: u32, name: &str| {
        (bytes && v >= 1 << shift && v % (1 << shift) == 0)
            .then(|| format!("{} {name}", v >> shift))
    };
    unit(30, "GiB")
        .or_else(|| unit(20, "MiB"))
        .or_else(|| unit(10, "KiB"))
        .unwrap_or_else(|| {
            if bytes {
                format!("{v} bytes")
            } else {
                v.to_string()
            }
        })
}

#[test]
fn docs_security_states_every_budget_as_the_code_has_it() {
    let doc = std::fs::read_to_string(repo().join("docs/security.md")).unwrap();
    for (name, value, bytes) in budgets() {
        let row = doc
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&format!("`{name}`")))
            .unwrap_or_else(|| panic!("docs/security.md has no table row for `{name}`"));
        let cell = row.split('|').nth(2).unwrap_or("").trim().replace(',', "");
        assert_eq!(
            cell,
            written(value, bytes),
            "docs/security.md says {name} is {cell:?}; the code says {value}"
        );
    }
}

#[test]
fn provenance_subjects_in_unverified_algorithms_never_match() {
    use sha2::{Digest, Sha512};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bin = static_bin();
    let bytes = std::fs::read(&bin).unwrap();
    let s256 = sha256(&bytes);
    let s512: String = Sha512::digest(&bytes)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    let statement = |digest: Value| {
        serde_json::to_vec(&json!({
            "_type": "https://in-toto.io/Statement/v1",
            "predicateType": "https://slsa.dev/provenance/v1",
            "subject": [{"name": "hello", "digest": digest,
                "annotations": {"target": "linux/arm64"}}],
            "predicate": {},
        }))
        .unwrap()
    };
    for (case, digest, status, needle) in [
        ("sha256", json!({"sha256": s256}), "pass", "subject hello"),
        (
            "sha256 and sha512",
            json!({"sha256": s256, "sha512": s512}),
            "pass",
            "subject hello",
        ),
        (
            "sha512 alone",
            json!({"sha512": s512}),
            "pass",
            "subject hello",
        ),
        (
            "a wrong sha512 beside the right sha256",
            json!({"sha256": s256, "sha512": "00".repeat(64)}),
            "fail",
            "not among its 1 subjects",
        ),
        (
            "sha384 beside the right sha256",
            json!({"sha256": s256, "sha384": "ab".repeat(48)}),
            "fail",
            "also names digest algorithm sha384",
        ),
        (
            "sha384 alone",
            json!({"sha384": "ab".repeat(48)}),
            "fail",
            "not among its 1 subjects",
        ),
    ] {
        std::fs::write(root.join("p.json"), statement(digest)).unwrap();
        let bin = bin.to_str().unwrap();
        let g = watched(
            root,
            &[
                "verify",
                "--message-format",
                "json",
                bin,
                "--provenance",
                "p.json",
            ],
        );
        let arts = g.run.artifacts();
        assert!(!arts.is_empty(), "case {case}\n{}", g.run);
        let c = check(&arts[0], "provenance.subject");
        assert_eq!(c["status"], status, "case {case}: {c}");
        let text = format!("{} | {}", c["actual"], c["message"]);
        assert!(text.contains(needle), "case {case}: {needle:?} in {text}");
        assert_eq!(
            g.run.code,
            Some(if status == "pass" { 0 } else { 1 }),
            "case {case}\n{}",
            g.run
        );
    }
}

#[test]
fn two_hundred_thousand_long_named_entries_are_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // 292 MB of tar (each name a GNU long-name record), under 1 MB as zstd.
    let names: Vec<String> = (0..200_000)
        .map(|i| format!("usr/share/{}/{i:08}", "x".repeat(150)))
        .collect();
    let entries: Vec<E> = names.iter().map(|n| E::File(n, b"")).collect();
    let tar = tar_of(&entries);
    let zst = zstd::encode_all(&tar[..], 1).unwrap();
    let l = Layout::new(&root.join("many"));
    let config = l.config(&[&tar]);
    drop(tar);
    let ld = l.blob("application/vnd.oci.image.layer.v1.tar+zstd", &zst);
    let m = json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [ld]});
    let m = l.blob(MANIFEST, &serde_json::to_vec(&m).unwrap());
    l.finish(m);
    let g = verify_on(root, "oci:many", &static_bin());
    assert_eq!(g.run.code, Some(0), "{}", g.run);
    assert_eq!(verdict(&g, "oci:many").0, "pass");
    assert_resident_under(&g, 384, "200000 entries");
}
