//! Real Go modules through the module proxy (opt-in: XBUILD_GO_REAL_MODULES=1, which
//! `.ci/run` sets): gojq and age, fetched with `go mod download`, built for several
//! targets through the tool and byte-compared with a bare `go build` in the same
//! environment; `go version -m` must agree with the tool's reading of the build info.
//! Real code finds what fixtures miss.

mod util;

use std::path::Path;

use util::*;

fn bare_build(dir: &Path, target: &str, level: (&str, &str), pkg: &str, out: &Path) -> Vec<u8> {
    let mut parts = target.split('/');
    let (os, arch) = (parts.next().unwrap(), parts.next().unwrap());
    let env = scrubbed_env(online_env(), os, arch, level);
    bare_go_build(dir, &env, &["-trimpath", "-ldflags=-s -w"], pkg, out)
}

fn build_and_compare(module: &str, version: &str, pkg: &str, targets: &[(&str, (&str, &str))]) {
    let src = fetch(module, version);
    let list: Vec<&str> = targets.iter().map(|(t, _)| *t).collect();
    let r = run_env(
        src.path(),
        &[
            "--package",
            pkg,
            "--target",
            &list.join(","),
            "-o",
            "dist/{name}-{os}-{arch}{variant}{exe}",
            "--message-format",
            "json",
            "--",
            "-trimpath",
        ],
        &online_env(),
    );
    r.code(0);
    let artifacts = r.artifacts();
    assert_eq!(artifacts.len(), targets.len(), "{r}");
    let out = tempfile::tempdir().unwrap();
    for (target, level) in targets {
        // Artifacts are reported as they finish, in any order.
        let a = artifacts
            .iter()
            .find(|a| a["target"] == *target)
            .unwrap_or_else(|| panic!("no artifact for {target}\n{r}"));
        let path = Path::new(a["path"].as_str().unwrap()).to_path_buf();
        let bare = bare_build(src.path(), target, *level, pkg, &out.path().join("bare"));
        assert!(
            std::fs::read(&path).unwrap() == bare,
            "{module} {target}: the tool's bytes differ from go build"
        );
        // The tool's reading of the build info agrees with go's own.
        let m = sh("go", &["version", "-m", "-json", path.to_str().unwrap()]);
        let go: serde_json::Value = serde_json::from_str(&m).unwrap();
        let facts = &a["verdict"]["facts"]["go"];
        assert_eq!(facts["version"], go["GoVersion"], "{target}");
        assert_eq!(facts["path"], go["Path"], "{target}");
        let deps = go["Deps"].as_array().map_or(0, Vec::len);
        assert!(deps > 0, "{module} has dependencies: {m}");
    }
}

#[test]
fn gojq_for_three_targets_matches_go_build() {
    if !real_modules_enabled() {
        return;
    }
    build_and_compare(
        "github.com/itchyny/gojq",
        "v0.12.17",
        "./cmd/gojq",
        &[
            ("linux/arm64", ("GOARM64", "v8.0")),
            ("linux/arm/v7", ("GOARM", "7")),
            ("windows/amd64", ("GOAMD64", "v1")),
        ],
    );
}

#[test]
fn age_for_three_targets_matches_go_build() {
    if !real_modules_enabled() {
        return;
    }
    build_and_compare(
        "filippo.io/age",
        "v1.2.1",
        "./cmd/age",
        &[
            ("linux/amd64", ("GOAMD64", "v1")),
            ("darwin/arm64", ("GOARM64", "v8.0")),
            ("linux/riscv64", ("GORISCV64", "rva20u64")),
        ],
    );
}
