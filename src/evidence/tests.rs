use super::*;

#[test]
fn h1_sums_become_hex_dirhashes() {
    // The empty directory's hash, as the in-toto DigestSet spec's example gives it.
    assert_eq!(
        dirhash_hex("h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").as_deref(),
        Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    for bad in [
        "",
        "h1:",
        "h2:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "h1:abc",
    ] {
        assert_eq!(dirhash_hex(bad), None, "{bad:?}");
    }
}

#[test]
fn purls() {
    for (path, version, want) in [
        (
            "github.com/itchyny/gojq",
            "v0.12.17",
            "pkg:golang/github.com/itchyny/gojq@v0.12.17",
        ),
        (
            "github.com/x/y",
            "v2.0.0+incompatible",
            "pkg:golang/github.com/x/y@v2.0.0%2Bincompatible",
        ),
        ("example.com/app", "(devel)", "pkg:golang/example.com/app"),
    ] {
        assert_eq!(golang_purl(path, version), want, "{path}@{version}");
    }
}
