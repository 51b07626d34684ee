//! `accept-needs`: a runtime need the user knows is not reached, accepted unmet on every
//! `runs-on` image, per target, or on one image (a `runs-on` entry written as a table).
//! The program is fixtures/go/needs' zoneinfo (`time.LoadLocation`, no zone data of its
//! own) on alpine:3.20 and scratch, which have no zoneinfo: the check passes as `pass
//! (accepted: zoneinfo)` in JSON, the human report, GitHub annotations and JUnit; the
//! VSA's policy records what was accepted; a target table's accept-needs applies to a
//! build of that target and to `verify FILE --target T` when it matches; an unknown need
//! is exit 2.

mod util;

use std::path::{Path, PathBuf};

use util::needs::{program, Link};
use util::*;

/// A scratch directory and the zoneinfo program for linux/arm64 in it; `None` (a skip)
/// without go.
fn start() -> Option<(tempfile::TempDir, PathBuf)> {
    if !require_tool("go", "building the fixture programs") {
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = program(
        "zoneinfo",
        "arm64",
        Link::Pure,
        "",
        &tmp.path().join("zoneinfo"),
    );
    Some((tmp, file))
}

/// (runs-on image, status, whether it passed accepting zoneinfo).
type Verdict = (String, String, bool);

/// `verify FILE --target linux/arm64` in `dir` under `profile` (build info not judged),
/// with `args` before the file.
fn verify(dir: &Path, file: &Path, profile: &str, args: &[&str]) -> Run {
    std::fs::write(
        dir.join("xbuild-go.toml"),
        format!("[build.verify]\nbuildinfo = false\n\n{profile}"),
    )
    .unwrap();
    let mut all = vec!["verify"];
    all.extend(args);
    let file = file.display().to_string();
    all.extend([file.as_str(), "--target", "linux/arm64"]);
    run(dir, &all)
}

/// (runs-on image, status, accepted) of every runs-on check in a JSON run.
fn verdicts(r: &Run) -> Vec<Verdict> {
    let arts = r.artifacts();
    let checks = arts[0]["verdict"]["checks"].as_array().unwrap().clone();
    checks
        .iter()
        .filter_map(|c| {
            let id = c["id"].as_str()?.strip_prefix("runs-on.")?.to_string();
            let actual = c["actual"].as_str().unwrap_or("");
            Some((
                id,
                c["status"].as_str()?.to_string(),
                actual.ends_with("(accepted: zoneinfo)"),
            ))
        })
        .collect()
}

#[test]
fn an_accepted_need_passes_saying_so_where_it_is_accepted() {
    let Some((tmp, file)) = start() else { return };
    let d = tmp.path();
    let both = r#"runs-on = ["alpine:3.20", "scratch"]"#;
    let pass = |i: &str| (i.to_string(), "pass".to_string(), true);
    let fail = |i: &str| (i.to_string(), "fail".to_string(), false);
    #[rustfmt::skip]
    let cases: Vec<(&str, String, Vec<Verdict>)> = vec![
        ("nothing accepted", format!("[profile.golden.verify]\n{both}\n"), vec![fail("alpine:3.20"), fail("scratch")]),
        ("every image", format!("[profile.golden.verify]\n{both}\naccept-needs = [\"zoneinfo\"]\n"), vec![pass("alpine:3.20"), pass("scratch")]),
        ("one image", "[profile.golden.verify]\nruns-on = [{ image = \"alpine:3.20\", accept-needs = [\"zoneinfo\"] }, \"scratch\"]\n".into(), vec![pass("alpine:3.20"), fail("scratch")]),
        ("another need", format!("[profile.golden.verify]\n{both}\naccept-needs = [\"tmpdir\"]\n"), vec![fail("alpine:3.20"), fail("scratch")]),
    ];
    for (case, profile, want) in &cases {
        let r = verify(d, &file, profile, &["--message-format", "json"]);
        let code = if want.iter().all(|w| w.1 == "pass") {
            0
        } else {
            1
        };
        assert_eq!(r.code, Some(code), "case {case}\n{r}");
        assert_eq!(&verdicts(&r), want, "case {case}\n{r}");
    }
    // Per target, in a build (a target table's verify is the build's policy for it).
    let target = |t: &str| {
        format!("[profile.golden]\npackage = \"./cmd/zoneinfo\"\n\n[profile.golden.verify]\n{both}\n\n[profile.golden.target.\"{t}\".verify]\naccept-needs = [\"zoneinfo\"]\n")
    };
    for (case, profile, want) in [
        (
            "the target",
            target("linux/arm64"),
            vec![pass("alpine:3.20"), pass("scratch")],
        ),
        (
            "another target",
            target("linux/amd64"),
            vec![fail("alpine:3.20"), fail("scratch")],
        ),
    ] {
        let p = Project::with_profile("needs", &profile);
        let r = run(
            p.path(),
            &["--target", "linux/arm64", "--message-format", "json"],
        );
        let code = if want.iter().all(|w| w.1 == "pass") {
            0
        } else {
            1
        };
        assert_eq!(r.code, Some(code), "case {case}\n{r}");
        assert_eq!(verdicts(&r), want, "case {case}\n{r}");
    }
    // Per target, in `verify FILE --target T`: the tables matching T accept, as in a
    // build of T; another target's do not.
    let table = |t: &str| {
        format!("[profile.golden.verify]\n{both}\n\n[profile.golden.target.\"{t}\".verify]\naccept-needs = [\"zoneinfo\"]\n")
    };
    for (case, profile, want) in [
        (
            "verify, the target's table",
            table("linux/arm64"),
            vec![pass("alpine:3.20"), pass("scratch")],
        ),
        (
            "verify, another target's table",
            table("linux/amd64"),
            vec![fail("alpine:3.20"), fail("scratch")],
        ),
    ] {
        let r = verify(d, &file, &profile, &["--message-format", "json"]);
        let code = if want.iter().all(|w| w.1 == "pass") {
            0
        } else {
            1
        };
        assert_eq!(r.code, Some(code), "case {case}\n{r}");
        assert_eq!(verdicts(&r), want, "case {case}\n{r}");
    }
    // What is accepted is still said: the message keeps what the image lacks.
    let r = verify(d, &file, &cases[2].1, &["--message-format", "json"]);
    let c = check(&r.artifacts()[0], "runs-on.alpine:3.20").clone();
    let msg = c["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("accepted unmet (accept-needs): the binary loads time zones by name (time.LoadLocation) and alpine:3.20 has no zoneinfo"),
        "{c}"
    );
}

#[test]
fn every_output_shows_pass_accepted_and_the_vsa_records_it() {
    let Some((tmp, file)) = start() else { return };
    let d = tmp.path();
    let profile = "[profile.golden.verify]\nruns-on = [{ image = \"alpine:3.20\", accept-needs = [\"zoneinfo\"] }]\n";
    // Human, without -v: a passing check is not listed, an accepted one is.
    let r = verify(d, &file, profile, &[]);
    r.code(0);
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("runs-on.alpine:3.20"))
        .unwrap_or_else(|| panic!("no runs-on line:\n{r}"));
    assert!(
        line.trim_start().starts_with("pass") && line.ends_with("(accepted: zoneinfo)"),
        "{line}"
    );
    let r = verify(d, &file, profile, &["--message-format", "github"]);
    r.code(0);
    assert!(
        r.stdout.lines().any(|l| l.starts_with("::warning ")
            // Workflow commands escape `:` in a title.
            && l.contains("runs-on.alpine%3A3.20 pass (accepted%3A zoneinfo)")),
        "{r}"
    );
    let (junit, vsa) = (d.join("junit.xml"), d.join("vsa.json"));
    let (j, v) = (junit.display().to_string(), vsa.display().to_string());
    verify(d, &file, profile, &["--junit", &j, "--vsa", &v]).code(0);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<system-out>pass (accepted: zoneinfo): "),
        "{xml}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&vsa).unwrap()).unwrap();
    let policies = &v["predicate"]["policy"]["annotations"]["policy"]["artifacts"];
    let policy = policies
        .as_object()
        .and_then(|m| m.values().next())
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(
        policy["accept-needs-on"]["alpine:3.20"],
        serde_json::json!(["zoneinfo"]),
        "{v:#}"
    );
    assert_eq!(policy["accept-needs"], serde_json::json!([]), "{v:#}");
    assert_eq!(v["predicate"]["verificationResult"], "PASSED", "{v:#}");
}

#[test]
fn what_is_not_a_need_is_a_configuration_error_naming_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let file = fixture("bin/aarch64-static-nolibc");
    for (case, profile, needles) in [
        ("verify table", "[profile.golden.verify]\nruns-on = [\"alpine:3.20\"]\naccept-needs = [\"zoneinfos\"]\n", &["xbuild-go.toml:6", "accept-needs names `zoneinfos`, which is not a runtime need", "zoneinfo", "ca-roots, zoneinfo, passwd, nss, dns-config, tmpdir"][..]),
        ("a runs-on entry", "[profile.golden.verify]\nruns-on = [{ image = \"alpine:3.20\", accept-needs = [\"tz\"] }]\n", &["xbuild-go.toml:5", "accept-needs names `tz`"][..]),
        ("an unknown key in an entry", "[profile.golden.verify]\nruns-on = [{ imag = \"alpine:3.20\" }]\n", &["unknown field `imag`", "image"][..]),
        ("an entry without an image", "[profile.golden.verify]\nruns-on = [{ accept-needs = [\"zoneinfo\"] }]\n", &["missing field `image`"][..]),
    ] {
        let r = verify(d, &file, profile, &[]);
        assert_eq!(r.code, Some(2), "case {case}\n{r}");
        for n in needles {
            assert!(r.stderr.contains(n), "case {case}: {n:?} not in\n{r}");
        }
    }
    // A target table's, in a build: refused before anything builds.
    let p = Project::with_profile(
        "needs",
        "[profile.golden]\npackage = \"./cmd/zoneinfo\"\n\n[profile.golden.target.\"linux/arm64\".verify]\naccept-needs = [\"certs\"]\n",
    );
    let r = run(p.path(), &["--target", "linux/arm64"]);
    assert_eq!(r.code, Some(2), "{r}");
    assert!(
        r.stderr
            .contains("accept-needs names `certs`, which is not a runtime need"),
        "{r}"
    );
    assert!(p.ls(".").iter().all(|f| f != "zoneinfo"), "nothing built");
}
