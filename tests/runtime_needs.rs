//! Runtime needs read from real Go binaries: small programs written here, built with the
//! real `go` for linux/arm64 with `-s -w`, must show exactly the needs their code implies
//! (x509 system roots, `time.LoadLocation`, `os/user`, the cgo resolver, temp files), and
//! lose them with their remedies (`-tags timetzdata`, `-tags netgo,osusergo`, fallback roots
//! through the module proxy). Each stripped build is cross-checked against `go tool nm` on
//! an unstripped build of the same program. Then `runs-on` judges them against named
//! images through `verify`.

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use util::*;
use xbuild_go::verify::{go::pclntab, runs_on::needs};

/// One fixture program: a name, its main.go body, the build flags and environment.
struct Prog {
    name: &'static str,
    imports: &'static str,
    body: &'static str,
}

const HELLO: Prog = Prog {
    name: "hello",
    imports: r#""fmt""#,
    body: r#"fmt.Println("hello")"#,
};
const ROOTS: Prog = Prog {
    name: "roots",
    imports: r#""crypto/x509"; "fmt""#,
    body: r#"p, err := x509.SystemCertPool(); fmt.Println(p != nil, err)"#,
};
const ZONES: Prog = Prog {
    name: "zones",
    imports: r#""fmt"; "time""#,
    body: r#"l, err := time.LoadLocation("Europe/Paris"); fmt.Println(l, err)"#,
};
const USERS: Prog = Prog {
    name: "users",
    imports: r#""fmt"; "os/user""#,
    body: r#"u, err := user.Current(); fmt.Println(u, err)"#,
};
const RESOLVE: Prog = Prog {
    name: "resolve",
    imports: r#""fmt"; "net""#,
    body: r#"a, err := net.LookupHost("localhost"); fmt.Println(a, err)"#,
};
const TEMP: Prog = Prog {
    name: "temp",
    imports: r#""fmt"; "os""#,
    body: r#"d, err := os.MkdirTemp("", "x"); fmt.Println(d, err)"#,
};

/// A scratch directory for the programs, when go and the `tools` (with why) are there;
/// else `None`, and the test skips (a failure under CI=true).
fn scratch(tools: &[(&str, &str)]) -> Option<tempfile::TempDir> {
    let go = require_tool("go", "building the fixture programs");
    (go && tools.iter().all(|(t, why)| require_tool(t, why)))
        .then(|| tempfile::tempdir().expect("tempdir"))
}

/// util's hermetic go environment, aimed at linux/arm64.
fn arm64_go_env() -> BTreeMap<String, String> {
    let mut env = go_env();
    env.insert("GOOS".into(), "linux".into());
    env.insert("GOARCH".into(), "arm64".into());
    env
}

/// Writes the program as a module in `dir/NAME` (with `extra_import` and a go.mod
/// `require` when given) and builds it twice: `-s -w` and unstripped.
fn build(
    dir: &Path,
    p: &Prog,
    suffix: &str,
    flags: &[&str],
    env: &[(&str, &str)],
    extra_import: Option<(&str, &str)>,
) -> (PathBuf, PathBuf) {
    let src = dir.join(format!("{}{suffix}", p.name));
    std::fs::create_dir_all(&src).expect("mkdir");
    let mut gomod = format!("module example.com/{}\n\ngo 1.22\n", p.name);
    let mut imports = p.imports.to_string();
    if let Some((path, require)) = extra_import {
        imports.push_str(&format!("; _ \"{path}\""));
        gomod.push_str(require);
    }
    std::fs::write(src.join("go.mod"), gomod).expect("go.mod");
    std::fs::write(
        src.join("main.go"),
        format!(
            "package main\n\nimport ({imports})\n\nfunc main() {{ {} }}\n",
            p.body
        ),
    )
    .expect("main.go");
    let env_all = with(env);
    if extra_import.is_some() {
        let mut tidy = Command::new("go");
        tidy.args(["mod", "tidy"])
            .current_dir(&src)
            .env_clear()
            .envs(&env_all);
        let out = tidy.output().expect("go mod tidy");
        assert_succeeded(&out, "go mod tidy: ");
    }
    let stripped = dir.join(format!("{}{suffix}-sw", p.name));
    let full = dir.join(format!("{}{suffix}-full", p.name));
    for (out, sw) in [(&stripped, true), (&full, false)] {
        let mut args: Vec<String> = vec!["build".into(), "-o".into(), out.display().to_string()];
        if sw {
            args.push("-ldflags=-s -w".into());
        }
        args.extend(flags.iter().map(|f| f.to_string()));
        args.push(".".into());
        let o = Command::new("go")
            .args(&args)
            .current_dir(&src)
            .env_clear()
            .envs(&env_all)
            .output()
            .expect("spawn go");
        assert_succeeded(&o, &format!("go {args:?} in {}: ", src.display()));
    }
    (stripped, full)
}

/// The go environment with `env` applied; an empty value removes the variable (so an empty
/// GOPROXY means Go's default proxy).
fn with(env: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut all = arm64_go_env();
    for (k, v) in env {
        if v.is_empty() {
            all.remove(*k);
        } else {
            all.insert(k.to_string(), v.to_string());
        }
    }
    all
}

/// The needs we read from a file's pclntab.
fn needs_of(file: &Path) -> Vec<needs::Need> {
    let bytes = std::fs::read(file).expect("read");
    let t = pclntab::from_bytes(&bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .unwrap_or_else(|| panic!("{}: no pclntab", file.display()));
    needs::from_pclntab(&t).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The needs the function symbols `go tool nm` lists prove (`.abi0` removed).
fn needs_from_nm(file: &Path) -> Vec<needs::Need> {
    let out = Command::new("go")
        .args(["tool", "nm", &file.display().to_string()])
        .env_clear()
        .envs(arm64_go_env())
        .output()
        .expect("go tool nm");
    assert!(out.status.success(), "go tool nm {}", file.display());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let names: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let mut it = l.trim_start().splitn(3, ' ');
            let (_, kind, name) = (it.next()?, it.next()?, it.next()?);
            matches!(kind, "T" | "t").then(|| name.trim_end_matches(".abi0").to_string())
        })
        .collect();
    needs::from_names(names.iter().map(|n| n.as_bytes()))
}

fn summary(n: &[needs::Need]) -> Vec<(String, bool)> {
    n.iter()
        .map(|n| (n.need.to_string(), n.satisfied_by_binary))
        .collect()
}

/// Checks a build's needs: the expected (need, satisfied) pairs, and nm's agreement.
fn expect(label: &str, (stripped, full): &(PathBuf, PathBuf), want: &[(&str, bool)]) {
    let got = needs_of(stripped);
    let want: Vec<(String, bool)> = want.iter().map(|(n, s)| (n.to_string(), *s)).collect();
    assert_eq!(summary(&got), want, "{label}: {got:#?}");
    assert_eq!(
        got,
        needs_from_nm(full),
        "{label}: the stripped build's pclntab and the unstripped build's symbols disagree"
    );
}

#[test]
fn needs_appear_with_their_evidence_and_go_with_their_remedies() {
    let Some(tmp) = scratch(&[]) else { return };
    let d = tmp.path();
    expect("hello", &build(d, &HELLO, "", &[], &[], None), &[]);
    let roots = build(d, &ROOTS, "", &[], &[], None);
    expect("roots", &roots, &[("ca-roots", false)]);
    let ev = &needs_of(&roots.0)[0].evidence;
    assert!(
        ev.iter().any(|e| e == "crypto/x509.loadSystemRoots"),
        "{ev:?}"
    );
    // (case, program, build suffix, flags, extra import, the needs and whether met)
    type Case<'a> = (
        &'a str,
        &'a Prog,
        &'a str,
        &'a [&'a str],
        Option<(&'a str, &'a str)>,
        &'a [(&'a str, bool)],
    );
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("zones", &ZONES, "", &[], None, &[("zoneinfo", false)]),
        ("zones -tags timetzdata", &ZONES, "-tzdata", &["-tags=timetzdata"], None, &[("zoneinfo", true)]),
        ("zones + import time/tzdata", &ZONES, "-import", &[], Some(("time/tzdata", "")), &[("zoneinfo", true)]),
        ("users", &USERS, "", &[], None, &[("passwd", false)]),
        ("resolve (pure Go)", &RESOLVE, "", &[], None, &[("dns-config", false)]),
        ("temp", &TEMP, "", &[], None, &[("tmpdir", false)]),
    ];
    for (case, prog, suffix, flags, extra, want) in cases {
        expect(case, &build(d, prog, suffix, flags, &[], *extra), want);
    }
}

#[test]
fn the_cgo_resolver_and_cgo_user_lookups_need_nss_unless_netgo_osusergo() {
    let Some(tmp) = scratch(&[("aarch64-linux-gnu-gcc", "cgo builds for linux/arm64")]) else {
        return;
    };
    let d = tmp.path();
    let cgo = [("CGO_ENABLED", "1"), ("CC", "aarch64-linux-gnu-gcc")];
    let resolve = build(d, &RESOLVE, "-cgo", &[], &cgo, None);
    expect(
        "resolve (cgo)",
        &resolve,
        &[("nss", false), ("dns-config", false)],
    );
    let ev = &needs_of(&resolve.0)[0].evidence;
    assert!(
        ev.iter().any(|e| e.starts_with("net._C")),
        "cgo resolver evidence: {ev:?}"
    );
    expect(
        "users (cgo)",
        &build(d, &USERS, "-cgo", &[], &cgo, None),
        &[("passwd", false), ("nss", false)],
    );
    expect(
        "resolve (cgo, netgo)",
        &build(d, &RESOLVE, "-netgo", &["-tags=netgo,osusergo"], &cgo, None),
        &[("dns-config", false)],
    );
    expect(
        "users (cgo, osusergo)",
        &build(
            d,
            &USERS,
            "-osusergo",
            &["-tags=netgo,osusergo"],
            &cgo,
            None,
        ),
        &[("passwd", false)],
    );
}

/// The module proxy allowed, as tests/toolchain.rs does: the host's GOPROXY, else Go's
/// default (an empty value removes the variable).
fn online_env() -> Vec<(String, String)> {
    let proxy = std::env::var("GOPROXY").unwrap_or_default();
    let proxy = if proxy == "off" { String::new() } else { proxy };
    vec![("GOPROXY".to_string(), proxy)]
}

#[test]
fn fallback_roots_from_the_module_proxy_satisfy_ca_roots() {
    let Some(tmp) = scratch(&[]) else { return };
    let d = tmp.path();
    let online = online_env();
    let env: Vec<(&str, &str)> = online
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // Resolve the module first; off CI, no proxy means skip.
    let probe = d.join("probe");
    std::fs::create_dir_all(&probe).expect("mkdir");
    std::fs::write(probe.join("go.mod"), "module probe\n\ngo 1.22\n").expect("go.mod");
    let envs = with(&env);
    let got = Command::new("go")
        .args(["get", "golang.org/x/crypto/x509roots/fallback@latest"])
        .current_dir(&probe)
        .env_clear()
        .envs(&envs)
        .output()
        .expect("go get");
    if !got.status.success() {
        let why = String::from_utf8_lossy(&got.stderr);
        if in_ci() {
            panic!("the module proxy is needed under CI: {why}");
        }
        eprintln!("SKIP: golang.org/x/crypto/x509roots/fallback could not be fetched: {why}");
        return;
    }
    let gomod = std::fs::read_to_string(probe.join("go.mod")).expect("go.mod");
    let require: String = gomod
        .lines()
        .filter(|l| l.contains("golang.org/x/crypto/x509roots/fallback"))
        .map(|l| {
            let l = l.trim().trim_start_matches("require").trim();
            format!("\nrequire {l}\n")
        })
        .collect();
    assert!(!require.is_empty(), "go.mod after go get:\n{gomod}");
    let b = build(
        d,
        &ROOTS,
        "-fallback",
        &[],
        &env,
        Some(("golang.org/x/crypto/x509roots/fallback", &require)),
    );
    expect("roots + fallback", &b, &[("ca-roots", true)]);
    let n = &needs_of(&b.0)[0];
    assert!(
        n.provided_by
            .iter()
            .any(|p| p.starts_with("golang.org/x/crypto/x509roots/fallback.")
                || p == "crypto/x509.SetFallbackRoots"),
        "{n:?}"
    );
}

/// Runs `verify` on a linux/arm64 file with a runs-on list (build info not judged).
fn verify_runs_on(file: &Path, images: &[&str], static_: bool) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    util::needs::verify_runs_on(dir.path(), file, "linux/arm64", images, static_)
}

#[test]
fn runs_on_judges_runtime_needs_against_named_images() {
    let Some(tmp) = scratch(&[]) else { return };
    let d = tmp.path();
    let roots = build(d, &ROOTS, "", &[], &[], None).0;
    let zones = build(d, &ZONES, "", &[], &[], None).0;
    let zones_embedded = build(d, &ZONES, "-tzdata", &["-tags=timetzdata"], &[], None).0;
    let users = build(d, &USERS, "", &[], &[], None).0;
    let temp = build(d, &TEMP, "", &[], &[], None).0;
    let resolve = build(d, &RESOLVE, "", &[], &[], None).0;

    // debian:12-slim has no CA bundle: fail, naming the need, the evidence and the fixes.
    let r = verify_runs_on(
        &roots,
        &[
            "debian:12-slim",
            "distroless/static",
            "alpine:3.20",
            "ubuntu:24.04",
        ],
        true,
    );
    r.code(1);
    let a = &r.artifacts()[0];
    let c = check(a, "runs-on.debian:12-slim");
    assert_eq!(c["status"], "fail", "{c}");
    let msg = c["message"].as_str().unwrap_or("");
    for want in [
        "loads system CA roots (crypto/x509.loadSystemRoots)",
        "debian:12-slim has no CA bundle",
        "install ca-certificates in the image",
        "golang.org/x/crypto/x509roots/fallback",
    ] {
        assert!(msg.contains(want), "{want:?} not in {msg:?}\n{r}");
    }
    assert_eq!(
        check(a, "runs-on.distroless/static")["status"],
        "pass",
        "{r}"
    );
    assert_eq!(check(a, "runs-on.alpine:3.20")["status"], "pass", "{r}");
    assert_eq!(check(a, "runs-on.ubuntu:24.04")["status"], "fail", "{r}");
    let runtime = &a["verdict"]["facts"]["runtime"];
    assert_eq!(runtime[0]["need"], "ca-roots", "{runtime}");
    assert_eq!(runtime[0]["satisfied_by_binary"], false, "{runtime}");

    // scratch has no zoneinfo; embedded zone data needs none.
    let r = verify_runs_on(
        &zones,
        &["scratch", "distroless/static", "alpine:3.20"],
        true,
    );
    let a = &r.artifacts()[0];
    let c = check(a, "runs-on.scratch");
    assert_eq!(c["status"], "fail", "{r}");
    let msg = c["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("time.LoadLocation") && msg.contains("time/tzdata"),
        "{msg}"
    );
    assert_eq!(
        check(a, "runs-on.distroless/static")["status"],
        "pass",
        "{r}"
    );
    assert_eq!(check(a, "runs-on.alpine:3.20")["status"], "fail", "{r}");
    let r = verify_runs_on(&zones_embedded, &["scratch", "alpine:3.20"], true);
    r.code(0);

    // Users: alpine and distroless have /etc/passwd, scratch does not.
    let r = verify_runs_on(
        &users,
        &["alpine:3.20", "distroless/static", "scratch"],
        true,
    );
    let a = &r.artifacts()[0];
    assert_eq!(check(a, "runs-on.alpine:3.20")["status"], "pass", "{r}");
    assert_eq!(
        check(a, "runs-on.distroless/static")["status"],
        "pass",
        "{r}"
    );
    let c = check(a, "runs-on.scratch");
    assert_eq!(c["status"], "fail", "{r}");
    assert!(
        c["message"].as_str().unwrap_or("").contains("/etc/passwd"),
        "{c}"
    );

    // Temp files: scratch has no /tmp.
    let r = verify_runs_on(&temp, &["scratch", "debian:12-slim"], true);
    let a = &r.artifacts()[0];
    assert_eq!(check(a, "runs-on.scratch")["status"], "fail", "{r}");
    assert_eq!(check(a, "runs-on.debian:12-slim")["status"], "pass", "{r}");

    // Resolver files are reported, never failed: scratch has none of them.
    let r = verify_runs_on(&resolve, &["scratch", "distroless/static"], true);
    r.code(0);
    let a = &r.artifacts()[0];
    let c = check(a, "runs-on.scratch");
    assert!(
        c["message"].as_str().unwrap_or("").contains("dns-config"),
        "{c}"
    );
}
