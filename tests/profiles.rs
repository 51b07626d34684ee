//! Every file in fixtures/profiles: good ones resolve (and `env` shows the expected
//! variable), bad ones exit 2 with the file, line, column and message their headers
//! name.

mod util;

use util::*;

fn header<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# ")?.strip_prefix(key)?.strip_prefix(": "))
        .collect()
}

fn cases(dir: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(fixture(&format!("profiles/{dir}")))
        .unwrap()
        .flatten()
        .map(|e| {
            let p = e.path();
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no fixtures in profiles/{dir}");
    v
}

#[test]
fn good_profiles_resolve() {
    for (path, text) in cases("good") {
        let profile = header(&text, "profile")[0];
        let r = run(
            &fixture("go/hello"),
            &["env", "--config", &path, "--profile", profile, "--explain"],
        );
        r.code(0);
        for want in header(&text, "expect-env") {
            assert!(
                r.stdout.lines().any(|l| l.starts_with(want)),
                "{path}: env lacks {want}\n{r}"
            );
        }
    }
}

#[test]
fn bad_profiles_are_rejected_with_their_location() {
    for (path, text) in cases("bad") {
        let profile = header(&text, "profile")[0];
        let expects = header(&text, "expect");
        assert!(!expects.is_empty(), "{path} has no # expect: line");
        // Through build and env alike: nothing runs before the profile is valid.
        for cmd in [&["env"][..], &["build"][..]] {
            let mut args: Vec<&str> = cmd.to_vec();
            args.extend(["--config", &path, "--profile", profile]);
            let r = run(&fixture("go/hello"), &args);
            r.code(2);
            for e in &expects {
                r.stderr_has(e);
            }
            assert!(!r.stderr.contains("panicked"), "{path}\n{r}");
        }
    }
}

#[test]
fn explain_names_the_source_of_every_setting() {
    let path = fixture("profiles/good/chain.toml");
    let r = run(
        &fixture("go/hello"),
        &[
            "env",
            "--config",
            path.to_str().unwrap(),
            "--profile",
            "c",
            "--explain",
        ],
    );
    r.code(0);
    for want in [
        "GOARM=6",
        "inherited from profile `b` at ",
        "chain.toml:13:11",
        "# resolved settings:",
        "tags = [\"a\"]  (inherited from profile `a` at ",
        "ldflags = \"-s -w -X 'main.version=1.0 beta'\"  (profile `c` at ",
        "GOPROXY=off",
        "[build] at ",
        "verify.static = true  (built-in golden profile)",
    ] {
        r.stdout_has(want);
    }
}
