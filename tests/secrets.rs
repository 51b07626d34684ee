//! No host secret in anything the tool prints or writes. The host carries the
//! credentials CI machines really have (GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, NPM_TOKEN,
//! a GOPROXY and an HTTPS_PROXY with user:password, a go env -w file with GOAUTH and a
//! GOFLAGS, a netrc file, a GOFLAGS export); every command in every format runs, and
//! every line of stdout and stderr and every file written is searched for them. go
//! itself still gets the real values it is meant to get.

mod util;

use std::collections::BTreeMap;
use std::path::Path;

use util::*;

const GITHUB_TOKEN: &str = "ghp_Secr3tT0kenValue1234";
const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NPM_TOKEN: &str = "npm_SecretNpmToken5678";
const GOPROXY_PASSWORD: &str = "g0proxyPassw0rd";
const PROXY_PASSWORD: &str = "httpsPr0xyPass";
const GOENV_AUTH: &str = "goenvAuthSecret99";
const GOENV_FLAGS: &str = "goenvFlagsSecret";
const HOST_FLAGS: &str = "hostGoflagsSecret";
const NETRC_PASSWORD: &str = "netrcPassw0rd9";
const QUERY_TOKEN: &str = "qT0kenInTheQuery";
const AMZ_SIGNATURE: &str = "f00dfacecafe1234";

const SECRETS: &[&str] = &[
    GITHUB_TOKEN,
    AWS_SECRET,
    NPM_TOKEN,
    GOPROXY_PASSWORD,
    PROXY_PASSWORD,
    GOENV_AUTH,
    GOENV_FLAGS,
    HOST_FLAGS,
    NETRC_PASSWORD,
    QUERY_TOKEN,
    AMZ_SIGNATURE,
];

/// The GOPROXY of the host: a password, a query token, a presigned URL's signature
/// and a query key too short to mask as a value (`sig=q5`).
fn host_goproxy() -> String {
    format!(
        "https://alice:{GOPROXY_PASSWORD}@proxy.invalid/?access_token={QUERY_TOKEN},\
         https://b.invalid/m?X-Amz-Date=1&X-Amz-Signature={AMZ_SIGNATURE}&sig=q5,off"
    )
}

/// The secret-laden host environment, with its go env -w and netrc files in `dir`.
fn secret_env(dir: &Path) -> BTreeMap<String, String> {
    let goenv = dir.join("go-env");
    std::fs::write(
        &goenv,
        format!(
            "GOAUTH=command /bin/echo {GOENV_AUTH}\nGOFLAGS=-ldflags=-X=main.k={GOENV_FLAGS}\n"
        ),
    )
    .unwrap();
    let netrc = dir.join("netrc");
    std::fs::write(
        &netrc,
        format!("machine proxy.invalid login me password {NETRC_PASSWORD}\n"),
    )
    .unwrap();
    let mut env = base_env();
    for (k, v) in [
        ("GITHUB_TOKEN", GITHUB_TOKEN.to_string()),
        ("AWS_SECRET_ACCESS_KEY", AWS_SECRET.to_string()),
        ("NPM_TOKEN", NPM_TOKEN.to_string()),
        ("GOPROXY", host_goproxy()),
        (
            "HTTPS_PROXY",
            format!("http://bob:{PROXY_PASSWORD}@proxy.invalid:3128"),
        ),
        // Too short to mask as a value: only the URL rule hides it.
        (
            "http_proxy",
            "http://carol:pw5@proxy.invalid:8080".to_string(),
        ),
        ("GOFLAGS", format!("-ldflags=-X=main.token={HOST_FLAGS}")),
        ("GOENV", goenv.display().to_string()),
        ("NETRC", netrc.display().to_string()),
    ] {
        env.insert(k.to_string(), v);
    }
    env
}

/// A `go` that records its environment and arguments, then runs the real go.
fn recording_go(dir: &Path) -> std::path::PathBuf {
    let real = which("go").expect("go on PATH");
    let script = dir.join("go");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv > '{dir}/child.env'\nprintf '%s\\n' \"$@\" > '{dir}/child.args'\nexec '{real}' \"$@\"\n",
            dir = dir.display(),
            real = real.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(
            !text.contains(s),
            "{what} contains the secret {s:?}:\n{text}"
        );
    }
    assert!(!text.contains("alice:g0"), "{what} shows a URL password");
    assert!(
        !text.contains("sig=q5"),
        "{what} shows a short query credential"
    );
    assert!(
        !text.contains("carol:pw5@"),
        "{what} shows a short URL password"
    );
}

fn assert_run_clean(r: &Run) {
    assert_clean(&format!("stdout of {}", r.cmd), &r.stdout);
    assert_clean(&format!("stderr of {}", r.cmd), &r.stderr);
}

/// Every file under `dir`, read as bytes and searched.
fn assert_files_clean(dir: &Path) {
    for path in walk_files(dir) {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_clean(&path.display().to_string(), &text);
    }
}

/// The words of a printed command as a POSIX shell reads them, for the quoting the
/// tool uses: spaces between words, `'…'` taken literally, `\` taking the next
/// character. A character the shell would give a meaning to outside quotes fails.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(q) => w.push(q),
                        None => panic!("unclosed ' in {line:?}"),
                    }
                }
            }
            '\\' => word
                .get_or_insert_with(String::new)
                .push(chars.next().expect("a character after \\")),
            c if c.is_whitespace() || "|&;<>()$`\"*?[]#~{}!".contains(c) => {
                panic!("{c:?} unquoted in {line:?}")
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[test]
fn no_host_secret_in_any_output_or_file() {
    let p = Project::copy_of("hello");
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\npass-env = [\"NPM_TOKEN\"]\n",
    );
    let side = tempfile::tempdir().unwrap();
    let env = secret_env(side.path());
    let go = recording_go(side.path());
    let go = go.to_str().unwrap();
    let mut with_summary = env.clone();
    with_summary.insert(
        "GITHUB_STEP_SUMMARY".into(),
        p.path().join("summary.md").display().to_string(),
    );
    let two = "linux/arm64,linux/amd64";
    let dist = "dist/{name}-{arch}";

    let both = ["--go", go, "--target", two, "-o", dist];

    // A build in JSON, with JUnit and checksums: go gets the real values it may have.
    let r = run_env(
        p.path(),
        &[
            &both[..],
            &[
                "--junit",
                "junit.xml",
                "--checksums",
                "SHA256SUMS",
                "--provenance",
                "provenance.json",
                "--message-format",
                "json",
            ],
        ]
        .concat(),
        &env,
    );
    r.code(0);
    assert_run_clean(&r);
    let child = std::fs::read_to_string(side.path().join("child.env")).unwrap();
    assert!(
        child.contains(&format!("NPM_TOKEN={NPM_TOKEN}")),
        "pass-env gives go the real value\n{child}"
    );
    assert!(
        child.contains(&format!("GOPROXY={}\n", host_goproxy())),
        "go gets the real GOPROXY\n{child}"
    );
    assert!(!child.contains(GITHUB_TOKEN), "GITHUB_TOKEN is scrubbed");
    let art = r.artifacts().pop().unwrap();
    assert_eq!(art["env"]["NPM_TOKEN"], "***", "{art:#}");
    assert_eq!(
        art["env"]["GOPROXY"],
        "https://alice:***@proxy.invalid/?access_token=***,\
         https://b.invalid/m?X-Amz-Date=1&X-Amz-Signature=***&sig=***,off",
        "{art:#}"
    );
    assert_eq!(art["env"]["GOAUTH"], "***", "{art:#}");
    let dropped = art["env_dropped"].as_array().unwrap();
    assert!(
        dropped
            .iter()
            .any(|d| d["name"] == "GITHUB_TOKEN" && d["value"] == "***"),
        "dropped by name: {dropped:?}"
    );
    // The JSON command, read back as a shell reads it, is exactly what ran.
    let args = std::fs::read_to_string(side.path().join("child.args")).unwrap();
    let ran: Vec<&str> = std::iter::once(go).chain(args.lines()).collect();
    assert!(
        r.artifacts()
            .iter()
            .any(|a| a["command"].as_str().is_some_and(|c| shell_words(c) == ran)),
        "the command of one artifact is what ran last: {ran:?}\n{r}"
    );

    // Rejected builds in the GitHub format: annotations, job summary.
    let r = run_env(
        p.path(),
        &[
            &both[..],
            &["--ldflags", "", "--message-format", "github", "-vv"],
        ]
        .concat(),
        &with_summary,
    );
    r.code(1);
    assert_run_clean(&r);
    r.stderr_has("dropped GOFLAGS from host");

    // Human, verbose.
    let r = run_env(p.path(), &["--go", go, "-o", "human", "-vv"], &env);
    r.code(0);
    assert_run_clean(&r);
    r.stderr_has("running ");

    // go's own output holding a secret is masked, in every format.
    p.file(
        "leak.go",
        &format!("package main\n\nvar _ = {GITHUB_TOKEN}\n"),
    );
    for format in ["human", "json", "github"] {
        let r = run_env(
            p.path(),
            &["--go", go, "-o", "broken", "--message-format", format],
            &env,
        );
        r.code(3);
        assert_run_clean(&r);
        assert!(
            r.stdout.contains("undefined: ***") || r.stderr.contains("undefined: ***"),
            "go's message is shown, masked ({format})\n{r}"
        );
    }
    std::fs::remove_file(p.path().join("leak.go")).unwrap();

    // env in every form, doctor, profiles, verify, and a failing command.
    let mut all: Vec<Vec<&str>> = vec![
        vec!["env"],
        vec!["env", "--explain"],
        vec!["env", "--message-format", "json"],
        vec!["doctor"],
        vec!["doctor", "--message-format", "json"],
        vec!["doctor", "--message-format", "github"],
        vec!["profiles"],
        vec!["profiles", "--message-format", "json"],
        vec!["verify", "dist/hello-arm64", "--message-format", "json"],
        vec![
            "verify",
            "dist/hello-arm64",
            "--target",
            "linux/arm64",
            "-vv",
        ],
        vec!["--profile", "nosuch", "--message-format", "json"],
        vec!["--profile", "nosuch", "--message-format", "github"],
    ];
    for f in ["shell", "make", "github", "json", "dockerfile"] {
        all.push(vec!["env", "--format", f]);
    }
    for args in &all {
        let r = run_env(p.path(), args, &env);
        assert_run_clean(&r);
        if args[..] == ["env", "--explain"] {
            r.stdout_has(
                "GOPROXY='https://alice:***@proxy.invalid/?access_token=***,\
                 https://b.invalid/m?X-Amz-Date=1&X-Amz-Signature=***&sig=***,off'",
            )
            .stdout_has("NPM_TOKEN='***'")
            .stdout_has("HTTPS_PROXY='http://bob:***@proxy.invalid:3128'")
            .stdout_has("http_proxy='http://carol:***@proxy.invalid:8080'")
            .stdout_has("#   GITHUB_TOKEN (host)");
        }
    }
    assert_files_clean(p.path());
    let summary = std::fs::read_to_string(p.path().join("summary.md")).unwrap();
    assert!(summary.contains("rejected"), "{summary}");
}
