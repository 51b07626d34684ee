//! Control characters and workflow commands never reach a terminal or a CI runner from
//! a value: file names, profile values, go's output and the smoke run's output are
//! shown escaped in human mode; in GitHub mode no line on stdout or stderr starts a
//! workflow command except the tool's own annotations; job summary cells hold no
//! markup; JUnit stays well-formed.

mod util;

use util::*;

/// A payload for each consumer: a terminal title change and bell, a colour, a fake
/// annotation on a line of its own, a legacy `##[` command.
const PAYLOAD: &str = "\x1b]0;pwned\x07\x1b[31m\n::warning::gotcha\n##[error]legacy";

/// Every line that a runner would read as a workflow command is one of ours: an
/// `::error`/`::warning` with properties (`::name prop=…::`), never `::name::`.
fn assert_only_our_commands(what: &str, text: &str) {
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("::") || t.starts_with("##[") {
            assert!(
                (t.starts_with("::error ") || t.starts_with("::warning "))
                    && (t.contains(" title=") || t.contains(" file=")),
                "{what}: a line the runner would read as a foreign command: {line:?}\n{text}"
            );
        }
    }
}

fn assert_no_raw_controls(what: &str, text: &str) {
    assert!(
        !text.contains(['\x1b', '\x07', '\r']),
        "{what} holds a raw control character:\n{text:?}"
    );
}

/// The body of a Go string literal holding `s`.
fn go_str(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\\' => "\\\\".to_string(),
            '"' => "\\\"".to_string(),
            '\n' => "\\n".to_string(),
            c if c.is_control() => format!("\\x{:02x}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

#[test]
fn a_hostile_file_name_is_escaped_for_people_and_runners() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("app{PAYLOAD}");
    std::fs::copy(fixture("bin/aarch64-dynamic"), dir.path().join(&name)).unwrap();
    let human = run(
        dir.path(),
        // An arm64 file judged for amd64: rejected, so every line names it.
        &["verify", &name, "--target", "linux/amd64", "-vv"],
    );
    human.code(1);
    assert_no_raw_controls("human stderr", &human.stderr);
    human.stderr_has("app\\x1b]0;pwned\\x07\\x1b[31m\\n::warning::gotcha");
    let gh = run(
        dir.path(),
        &[
            "verify",
            &name,
            "--target",
            "linux/amd64",
            "--message-format",
            "github",
        ],
    );
    gh.code(1);
    assert_only_our_commands("github stdout", &gh.stdout);
    assert_only_our_commands("github stderr", &gh.stderr);
    assert_no_raw_controls("github stdout", &gh.stdout);
    assert!(
        gh.stdout.contains("::error file=app\\x1b]0;pwned"),
        "the annotation names the file, escaped\n{gh}"
    );
}

#[test]
fn go_output_and_smoke_output_are_escaped() {
    // go prints a file name it cannot compile: the name holds a fake annotation.
    let p = Project::copy_of("hello");
    std::fs::write(
        p.path().join("a\n::warning::gotcha.go"),
        "package main\n\nvar _ = undefinedThing\n",
    )
    .unwrap();
    let r = run(p.path(), &["--message-format", "github"]);
    r.code(3).stderr_has("undefinedThing");
    assert_only_our_commands("github stdout", &r.stdout);
    assert_only_our_commands("github stderr", &r.stderr);
    r.stderr_has("\\::warning::gotcha.go");
    std::fs::remove_file(p.path().join("a\n::warning::gotcha.go")).unwrap();

    // The artifact itself prints the payload and fails its smoke run.
    p.file(
        "main.go",
        &format!(
            "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {{\n\tfmt.Print(\"{}\")\n\tos.Exit(1)\n}}\n",
            go_str(PAYLOAD)
        ),
    );
    let target = format!("linux/{}", host_arch());
    for format in ["human", "github"] {
        let r = run(
            p.path(),
            &[
                "--target",
                &target,
                "--smoke",
                "",
                "--message-format",
                format,
            ],
        );
        r.code(1).stderr_has("run.smoke");
        assert_no_raw_controls(&format!("{format} stderr"), &r.stderr);
        assert_no_raw_controls(&format!("{format} stdout"), &r.stdout);
        assert_only_our_commands(&format!("{format} stdout"), &r.stdout);
        if format == "github" {
            assert_only_our_commands("github stderr", &r.stderr);
        }
        r.stderr_has("\\x1b]0;pwned\\x07");
    }
}

#[test]
fn profile_values_are_escaped_in_env_and_profiles() {
    let p = Project::with_profile(
        "hello",
        "[profile.golden]\nenv = { NOTE = \"\\u001B]0;pwned\\u0007\\n::warning::gotcha\" }\nflags = [\"-ldflags=\\u001B[2J\"]\n",
    );
    for args in [
        &["env", "--explain", "--message-format", "github"][..],
        &["env", "--message-format", "github"][..],
        &["profiles", "--message-format", "github"][..],
        &["env", "--explain"][..],
    ] {
        let r = run(p.path(), args);
        r.code(0);
        assert_no_raw_controls(&format!("{args:?}"), &r.stdout);
        assert_only_our_commands(&format!("{args:?}"), &r.stdout);
    }
}

/// The cells of the markdown table rows (the lines starting with `|`), split on the
/// pipes that are not escaped.
fn rows(md: &str) -> Vec<Vec<String>> {
    md.lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| {
            let mut cells = vec![String::new()];
            let mut escaped = false;
            for c in l.chars() {
                if c == '|' && !escaped {
                    cells.push(String::new());
                } else if let Some(last) = cells.last_mut() {
                    last.push(c);
                }
                escaped = c == '\\' && !escaped;
            }
            cells
        })
        .collect()
}

#[test]
fn job_summary_cells_escape_markdown_and_html() {
    let p = Project::copy_of("hello");
    let summary = p.path().join("summary.md");
    let env = env_with(&[("GITHUB_STEP_SUMMARY", &summary.display().to_string())]);
    std::fs::write(&summary, "earlier step\n").unwrap();
    let r = run_env(
        p.path(),
        &[
            "--target",
            "linux/arm64,linux/amd64",
            "-o",
            "dist/<img src=x onerror=alert(1)>|*{arch}*_[l](j:x)",
            "--message-format",
            "github",
        ],
        &env,
    );
    r.code(0);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n"), "appended\n{md}");
    let table = rows(&md);
    assert_eq!(table.len(), 4, "header, rule, two rows\n{md}");
    for row in &table {
        assert_eq!(row.len(), 7, "five cells between six pipes: {row:?}\n{md}");
    }
    for bad in ["<img", "*arm64*", "](", "[l]"] {
        assert!(!md.contains(bad), "{bad:?} reaches the summary raw\n{md}");
    }
    assert!(md.contains("&lt;img"), "{md}");
}

#[test]
fn junit_stays_well_formed_with_hostile_names() {
    let dir = tempfile::tempdir().unwrap();
    let name = "a<b>&\"c'\x1b[0m";
    std::fs::copy(fixture("bin/aarch64-dynamic"), dir.path().join(name)).unwrap();
    run(
        dir.path(),
        &[
            "verify",
            name,
            "--target",
            "linux/amd64",
            "--junit",
            "j.xml",
        ],
    )
    .code(1);
    let xml = std::fs::read_to_string(dir.path().join("j.xml")).unwrap();
    assert!(!xml.contains('\x1b'), "{xml}");
    assert!(
        xml.contains("classname=\"linux/amd64 a&lt;b&gt;&amp;&quot;c&apos;[0m\""),
        "{xml}"
    );
    // Every attribute value is closed on its own line: no raw quote or angle bracket.
    for line in xml.lines().filter(|l| l.contains("<testcase ")) {
        assert_eq!(line.matches('"').count(), 4, "{line}");
    }
}
