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

#[test]
fn padding_only_ends_a_sum() {
    // 44 characters, but `=` in the middle: no digest rather than a wrong one.
    let mid = "h1:47DE==j8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    assert_eq!(dirhash_hex(mid), None);
    assert_eq!(base64_decode("aGk=").as_deref(), Some(&b"hi"[..]));
    assert_eq!(base64_decode("aA==").as_deref(), Some(&b"h"[..]));
    assert_eq!(base64_decode("a==="), None);
    assert_eq!(
        base64_decode("aA==aGk="),
        None,
        "padding before the last group"
    );
}

fn module(path: &str, version: &str, sum: &str, replace: Option<Module>) -> Module {
    Module {
        path: path.into(),
        version: version.into(),
        sum: sum.into(),
        replace: replace.map(Box::new),
    }
}

#[test]
fn a_module_replaced_by_a_directory_keeps_its_purl() {
    // Go records a directory replacement's version as `(devel)`; a go.mod may name the
    // directory in any of Go's path forms.
    for (dir, version) in [
        ("./third_party/x", "(devel)"),
        ("../x", "(devel)"),
        ("/src/x", "(devel)"),
        (".\\x", "(devel)"),
        ("C:\\src\\x", "(devel)"),
        ("..", "(devel)"),
        ("./x", ""),
    ] {
        let m = module(
            "example.com/x",
            "v1.2.3",
            "",
            Some(module(dir, version, "", None)),
        );
        let b = built_module(&m);
        assert_eq!(
            golang_purl(b.path, b.version),
            "pkg:golang/example.com/x@v1.2.3",
            "{dir}"
        );
        assert_eq!((b.replaced_by_dir, b.sum), (Some(dir), ""), "{dir}");
        assert_eq!(b.replaces, None, "{dir}");
    }
    // Replaced by a module: the replacement, with its own sum.
    let sum = "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    let m = module(
        "example.com/z",
        "v0.4.0",
        "",
        Some(module("example.com/zfork", "v0.4.1", sum, None)),
    );
    let b = built_module(&m);
    assert_eq!(
        (b.path, b.version, b.sum),
        ("example.com/zfork", "v0.4.1", sum)
    );
    assert_eq!(
        b.replaces.as_deref(),
        Some("pkg:golang/example.com/z@v0.4.0")
    );
    assert_eq!(b.replaced_by_dir, None);
}

#[test]
fn sbom_file_names_are_the_artifact_path_flattened() {
    for (subject, want) in [
        ("_dist/linux-arm64/helm", "_dist_linux-arm64_helm.cdx.json"),
        ("app", "app.cdx.json"),
        ("./dist//app", "dist_app.cdx.json"),
        ("/srv/out/app", "srv_out_app.cdx.json"),
        ("", "artifact.cdx.json"),
    ] {
        assert_eq!(sbom::file_name(subject), want, "{subject:?}");
    }
}
