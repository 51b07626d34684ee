//! The root-filesystem harness (tests/util/rootfs.rs) makes what it promises: Debian's
//! arm64 packages unpacked into a root whose own `ldconfig` wrote a real loader cache
//! that names libc, a CA bundle, zoneinfo; and images of it in the three transports
//! that skopeo reads as linux/arm64 and that the tool reads as real `runs-on` images.

mod util;

use util::rootfs::{image, ImageConfig, RootSpec};
use util::*;

#[test]
fn a_debian_arm64_root_becomes_three_real_images_the_tool_reads() {
    if !util::rootfs::require_tools("real root filesystems from Debian packages")
        || !require_tool("qemu-aarch64-static", "running the arm64 root's ldconfig")
    {
        return;
    }
    let root = RootSpec::debian_base("arm64").build();
    for f in [
        "lib/ld-linux-aarch64.so.1",
        "etc/ssl/certs/ca-certificates.crt",
        "usr/share/zoneinfo/UTC",
        "etc/passwd",
    ] {
        assert!(root.join(f).exists(), "{f} missing from {}", root.display());
    }
    let cache = std::fs::read(root.join("etc/ld.so.cache")).expect("ldconfig wrote the cache");
    assert!(
        cache.starts_with(b"glibc-ld.so.cache1.1"),
        "new-format cache"
    );
    assert!(
        cache.windows(b"libc.so.6".len()).any(|w| w == b"libc.so.6"),
        "the cache names libc.so.6"
    );
    let pem = std::fs::read_to_string(root.join("etc/ssl/certs/ca-certificates.crt")).unwrap();
    assert!(
        pem.matches("BEGIN CERTIFICATE").count() > 50,
        "a real CA bundle"
    );

    let dir = tempfile::tempdir().unwrap();
    let config = ImageConfig {
        env: vec!["PATH=/usr/bin:/bin".into()],
        user: Some("65532".into()),
        working_dir: Some("/home/nonroot".into()),
    };
    let images = image(&[&root], "arm64", &config, dir.path());
    for i in images.all() {
        let out = sh("skopeo", &["inspect", "--config", i]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["architecture"], "arm64", "{i}: {v:#}");
        assert_eq!(v["config"]["User"], "65532", "{i}: {v:#}");
    }

    // The tool reads each as a real image: a static Go binary starts on all three.
    let p = Project::copy_of("hello");
    let list: Vec<String> = images.all().iter().map(|i| format!("{i:?}")).collect();
    p.file(
        "xbuild-go.toml",
        &format!("[profile.golden.verify]\nruns-on = [{}]\n", list.join(", ")),
    );
    let r = run(
        p.path(),
        &["--target", "linux/arm64", "--message-format", "json"],
    );
    r.code(0);
    let art = r.artifacts().remove(0);
    for i in images.all() {
        let c = check(&art, &format!("runs-on.{i}"));
        assert_eq!(c["status"], "pass", "{i}: {c:#}");
    }
}
