//! Pinned Go versions for real: `go = "1.22.12"` makes the build run that toolchain
//! through GOTOOLCHAIN (fetched once through the module proxy into the module cache),
//! and the artifact's build info must record it. Needs the module proxy: the test
//! skips with a reason on a machine without it, and runs under CI=true.

mod util;

use util::*;

const PIN: &str = "1.22.12";

/// The base environment with the module proxy allowed (base_env turns it off).
fn online_env() -> std::collections::BTreeMap<String, String> {
    let mut env = base_env();
    env.remove("GOPROXY");
    if let Ok(p) = std::env::var("GOPROXY") {
        env.insert("GOPROXY".into(), p);
    }
    env
}

#[test]
fn an_exact_go_pin_builds_with_that_toolchain_and_records_it() {
    let p = Project::with_profile("hello", &format!("[profile.golden]\ngo = \"{PIN}\"\n"));
    let r = run_env(p.path(), &["--message-format", "json"], &online_env());
    if r.code == Some(3) && r.stderr.contains("downloading") && !in_ci() {
        eprintln!("SKIP: go{PIN} could not be downloaded here\n{r}");
        return;
    }
    r.code(0);
    let a = &r.artifacts()[0];
    assert_eq!(a["env"]["GOTOOLCHAIN"], format!("go{PIN}"), "{r}");
    assert_eq!(a["verdict"]["facts"]["go"]["version"], format!("go{PIN}"));
    let c = check(a, "go.version");
    assert_eq!(
        (c["status"].as_str(), c["expected"].as_str()),
        (Some("pass"), Some("go 1.22.12")),
        "{c}"
    );
    // go1.22 predates GOARM64: the build-info check says so instead of failing.
    assert_check(check(a, "go.buildinfo"), "pass", "does not record GOARM64");
}

#[test]
fn a_go_series_or_minimum_the_local_toolchain_misses_is_exit_4() {
    let p = Project::copy_of("hello");
    for req in ["1.22.x", ">=1.999"] {
        p.file(
            "xbuild-go.toml",
            &format!("[profile.golden]\ngo = \"{req}\"\n"),
        );
        run(p.path(), &[])
            .code(4)
            .stderr_has(&format!("requires go {req}"));
    }
}
