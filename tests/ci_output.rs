//! CI-native output: GitHub workflow commands and job summary, JUnit XML.

mod util;

use util::*;

#[test]
fn github_format_annotates_failures_and_writes_a_job_summary() {
    let p = Project::copy_of("hello");
    let summary = p.path().join("summary.md");
    let env = env_with(&[("GITHUB_STEP_SUMMARY", &summary.display().to_string())]);
    let r = run_env(
        p.path(),
        &[
            "--target",
            "linux/arm64,linux/amd64",
            "-o",
            "dist/{name}-{arch}",
            "--ldflags",
            "",
            "--message-format",
            "github",
        ],
        &env,
    );
    r.code(1);
    // One ::error per failed check, with the file and a title naming target and check.
    let errors: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert!(errors.len() >= 2, "{r}");
    assert!(
        errors
            .iter()
            .any(|l| l.contains("title=linux/arm64%3A symbols.stripped")
                && l.contains("file=dist/hello-arm64")),
        "{r}"
    );
    assert!(
        errors.iter().all(|l| !l[2..].contains('\n')),
        "messages are escaped to one line"
    );
    // Human lines still go to stderr.
    r.stderr_has("Rejected");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("| target | path | size | verdict | time |"),
        "{md}"
    );
    assert!(
        md.contains("| linux/arm64 |") && md.contains("rejected"),
        "{md}"
    );
}

#[test]
fn github_format_annotates_a_failed_go_build_with_its_stderr() {
    let p = Project::copy_of("broken");
    let r = run(p.path(), &["--message-format", "github"]);
    r.code(3);
    let line = r.stdout_line("::error ");
    assert!(
        line.contains("title=go build failed for linux/arm64"),
        "{line}"
    );
    assert!(line.contains("undefined: undefinedThing"), "{line}");
}

#[test]
fn junit_has_one_case_per_artifact_check_and_per_failed_build() {
    let p = broken_on_amd64();
    let r = run(
        p.path(),
        &[
            "--target",
            "linux/arm64,linux/amd64",
            "-o",
            "dist/{name}-{arch}",
            "--junit",
            "junit.xml",
            "--message-format",
            "json",
        ],
    );
    r.code(3);
    let xml = std::fs::read_to_string(p.path().join("junit.xml")).unwrap();
    let checks = r.artifacts()[0]["verdict"]["checks"]
        .as_array()
        .unwrap()
        .len();
    let cases = xml.matches("<testcase ").count();
    assert_eq!(
        cases,
        checks + 1,
        "every check of linux/arm64 plus the failed build\n{xml}"
    );
    assert!(
        xml.contains(&format!("tests=\"{}\" failures=\"1\"", checks + 1)),
        "{xml}"
    );
    assert!(
        xml.contains("classname=\"linux/amd64\" name=\"go build\""),
        "{xml}"
    );
    assert!(xml.contains("undefinedOnAmd64"), "{xml}");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
}

#[test]
fn doctor_in_github_format_annotates_warnings_and_errors() {
    let p = Project::copy_of("hello");
    let mut env = env_with(&[("GOFLAGS", "-race")]);
    env.insert("GOENV".into(), "/nonexistent/env".into());
    let r = run_env(p.path(), &["doctor", "--message-format", "github"], &env);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning title=doctor%3A env.GOFLAGS::"))
        .unwrap_or_else(|| panic!("{r}"));
    assert!(line.contains("%0Afix: unset GOFLAGS"), "{line}");
    assert!(
        !r.stdout
            .lines()
            .any(|l| l.starts_with("::") && l.contains("title=doctor%3A go::")),
        "ok lines are not annotated\n{r}"
    );
}

#[test]
fn verify_writes_junit_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.xml");
    let r = run(
        &fixture("bin"),
        &[
            "verify",
            "aarch64-dynamic",
            "not-elf.txt",
            "--target",
            "linux/amd64",
            "--junit",
            out.to_str().unwrap(),
        ],
    );
    r.code(1);
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(
        xml.contains("classname=\"linux/amd64 aarch64-dynamic\" name=\"elf.machine\">"),
        "{xml}"
    );
    assert!(
        xml.contains("classname=\"not-elf.txt\" name=\"read\""),
        "{xml}"
    );
    // elf.machine and link.interpreter (an arm64 loader) fail, and the unreadable file.
    assert!(xml.contains("failures=\"3\""), "{xml}");
}

#[test]
fn github_format_points_a_profile_error_at_its_file_and_line() {
    // The module is app/ under the working directory: `file=` is relative to it, as for
    // the other annotations.
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("app");
    copy_dir(&fixture("go/hello"), &app);
    // (case, profile file, arguments, the properties the ::error line must carry)
    let cases: [(&str, &str, &[&str], &str); 4] = [
        (
            "unknown key",
            "[profile.golden]\npakage = \".\"\n",
            &[],
            "::error file=app/xbuild-go.toml,line=2,col=1,title=",
        ),
        (
            "bad value",
            "[profile.golden]\n\ncgo = \"yes\"\n",
            &[],
            "::error file=app/xbuild-go.toml,line=3,col=7,title=",
        ),
        (
            "a package naming nothing",
            "[profile.golden]\npackage = \"./nope\"\n",
            &[],
            "::error file=app/xbuild-go.toml,line=2,col=11,title=",
        ),
        (
            "unknown profile: the file, no line",
            "[profile.golden]\n",
            &["--profile", "zzz"],
            "::error file=app/xbuild-go.toml,title=",
        ),
    ];
    for (case, profile, args, want) in cases {
        std::fs::write(app.join("xbuild-go.toml"), profile).unwrap();
        let mut args = args.to_vec();
        args.extend(["-C", "app", "--message-format", "github"]);
        let r = run(root.path(), &args);
        r.code(2);
        let line = r.stdout_line("::error ");
        assert!(line.starts_with(want), "case {case}: {line}\n{r}");
    }
    // An error about no file has no file=.
    let r = run(
        root.path(),
        &[
            "-C",
            "app",
            "--go",
            "/nonexistent/go",
            "--message-format",
            "github",
        ],
    );
    let line = r.stdout_line("::error ");
    assert!(line.starts_with("::error title="), "{line}\n{r}");
}
