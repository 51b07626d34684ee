//! `env --format`: every format round-trips through its consumer (sh, make, a
//! GitHub-style env file parser, JSON), with values holding spaces, quotes, `$`, `#`,
//! backslashes and newlines; and the Makefile in fixtures/make builds through it.

mod util;

use std::collections::BTreeMap;

use util::*;

/// Profile values chosen to break naive quoting.
const TRICKY: &[(&str, &str)] = &[
    ("CGO_CFLAGS", "-O2 -g -DMSG=\"a b\""),
    ("WEIRD", "it's $HOME #1 \\"),
    ("LEAD", "  two spaces"),
    ("EMPTYISH", ""),
];

fn project() -> Project {
    golden_env_project(TRICKY)
}

fn env_in(p: &Project, format: &str) -> String {
    let r = env_run(p, "linux/arm/v6", format);
    r.stdout
}

fn expected(p: &Project) -> BTreeMap<String, String> {
    let r = env_run(p, "linux/arm/v6", "json");
    let v: serde_json::Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
    v["env"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn json_carries_every_value_exactly() {
    let p = project();
    let e = expected(&p);
    for (k, v) in TRICKY {
        assert_eq!(e.get(*k).map(String::as_str), Some(*v), "{k}");
    }
    assert_eq!(e["GOARM"], "6");
}

#[test]
fn shell_format_round_trips_through_sh() {
    let p = project();
    std::fs::write(p.path().join("env.sh"), env_in(&p, "shell")).unwrap();
    for (k, v) in expected(&p) {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(". ./env.sh && printf '%s' \"${k}\""))
            .current_dir(p.path())
            .env_clear()
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), v, "{k} through sh");
    }
}

#[test]
fn make_format_round_trips_through_make() {
    if !require_tool("make", "the make round trip") {
        return;
    }
    let p = project();
    std::fs::write(p.path().join("env.mk"), env_in(&p, "make")).unwrap();
    std::fs::write(
        p.path().join("Makefile"),
        "include env.mk\nprint-%:\n\t@printf '%s' \"$$$*\"\n",
    )
    .unwrap();
    for (k, v) in expected(&p) {
        let out = std::process::Command::new("make")
            .args(["-s", &format!("print-{k}")])
            .current_dir(p.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .output()
            .unwrap();
        assert_succeeded(&out, &format!("make print-{k}: "));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            v,
            "{k} through make's exported environment"
        );
    }
}

/// Parses `$GITHUB_ENV` content the way the Actions runner does.
fn parse_github_env(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((k, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(k.to_string(), value.join("\n"));
        } else if let Some((k, v)) = line.split_once('=') {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

#[test]
fn github_format_round_trips_through_the_runner_syntax() {
    let p = project();
    assert_eq!(parse_github_env(&env_in(&p, "github")), expected(&p));
}

#[test]
fn several_targets_need_json_or_one_target() {
    let p = project();
    run(
        p.path(),
        &[
            "env",
            "--target",
            "linux/arm64,linux/amd64",
            "--format",
            "shell",
        ],
    )
    .code(2)
    .stderr_has("pass --target");
    let r = run(
        p.path(),
        &[
            "env",
            "--target",
            "linux/arm64,linux/amd64",
            "--format",
            "json",
        ],
    );
    r.code(0);
    assert_eq!(r.stdout.lines().count(), 2);
}

#[test]
fn the_fixture_makefile_builds_through_cargo_xbuild_go() {
    if !require_tool("make", "the Makefile fixture") {
        return;
    }
    let p = Project::copy_of("hello");
    std::fs::copy(fixture("make/Makefile"), p.path().join("Makefile")).unwrap();
    let make = |args: &[&str]| {
        let out = std::process::Command::new("make")
            .args(args)
            .arg(format!("XBUILD={}", bin().display()))
            .current_dir(p.path())
            .env_clear()
            .envs(base_env())
            .output()
            .unwrap();
        let text = format!(
            "make {args:?}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    make(&["build", "TARGET=linux/arm/v7"]);
    assert_eq!(readelf(&p.path().join("dist/app")).machine, "ARM");
    assert_eq!(
        make(&["-s", "print-GOARM", "TARGET=linux/arm/v7"]).trim(),
        "7"
    );
    assert_eq!(
        make(&["-s", "print-GOFLAGS", "TARGET=linux/arm/v7"]).trim(),
        ""
    );
    make(&["-s", "vet", "TARGET=linux/arm/v7"]);
}
