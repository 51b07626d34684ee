//! Injection through every consumer of `env --format`: a shell that `eval`s the export,
//! GNU make including it, a `$GITHUB_ENV` file parsed as the Actions runner does, a
//! Dockerfile parsed as its reference describes. Each gets values built to break
//! quoting, must read them back exactly, must run nothing and define nothing else, and
//! then `go build` in that environment, from a hostile shell, must give the tool's bytes.
//! Profile `env` keys that are not variable names are refused with file:line:col.

mod util;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use util::*;

/// Values built to break a consumer's quoting.
const TRICKY: &[(&str, &str)] = &[
    ("HASH_ESCAPED", "a\\#b"),
    ("BACKSLASHES", "c:\\\\dir\\\\"),
    ("TRAILING_BACKSLASH", "end\\"),
    ("DOLLARS", "$HOME $(shell touch PWNED_MAKE) ${X} `touch PWNED_SH` $$"),
    ("HASH", "x # not a comment"),
    ("SEMICOLON", "1;touch PWNED_SH;Y=2"),
    ("QUOTES", "it's \"quoted\""),
    ("LEADING", "  two spaces"),
    ("TRAILING", "trailing  "),
    ("UNICODE", "ünïcødé ✓ 日本"),
    ("EMPTYISH", ""),
    ("CR_END", "carriage\r"),
    ("CR_MID", "a\rb"),
    ("BACKSLASH_NEWLINE", "line1\\\nline2"),
    (
        "MULTI",
        "first\n::warning::injected\nendef\ndefine X\n  indented\n$(shell touch PWNED_MAKE)\nXBUILD_GO_EOF\n",
    ),
    ("ESCAPE_CHARS", "bell\x07 esc\x1b[31m tab\t"),
];

/// The subset a Dockerfile can hold (no newline, CR or other control character).
fn dockerable(v: &str) -> bool {
    !v.chars().any(|c| c.is_control() && c != '\t')
}

fn project(values: &[(&str, &str)]) -> Project {
    golden_env_project(values)
}

/// A host environment that changes plain `go build` every way it can: build variables
/// exported, a `go env -w` file with its own, a GOEXPERIMENT go rejects outright.
fn hostile(p: &Project) -> BTreeMap<String, String> {
    let goenv = p.path().join("hostile-go-env");
    std::fs::write(&goenv, "GOARCH=386\nGOFLAGS=-tags=evil\nCGO_ENABLED=1\n").unwrap();
    let goenv = goenv.display().to_string();
    let more = [
        ("GOEXPERIMENT", "nosuchexperiment"),
        ("GOWORK", "/nonexistent/go.work"),
        ("GOARM64", "v9.5"),
        ("GOTOOLCHAIN", "go1.1.1"),
        ("GOENV", goenv.as_str()),
    ];
    env_with(&[HOSTILE_GO_VARS, &more].concat())
}

/// The exported values, as the JSON format states them.
fn expected(p: &Project) -> BTreeMap<String, String> {
    let r = env_run(p, "linux/arm64", "json");
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    v["env"]
        .as_object()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn export(p: &Project, format: &str) -> String {
    let r = env_run(p, "linux/arm64", format);
    r.stdout
}

/// The tool's own artifact for the project.
fn tool_build(p: &Project) -> Vec<u8> {
    run(p.path(), &["-o", "tool-built"]).code(0);
    std::fs::read(p.path().join("tool-built")).unwrap()
}

fn same_bytes(p: &Project, tool: &[u8], built: &str, consumer: &str) {
    let got = std::fs::read(p.path().join(built))
        .unwrap_or_else(|e| panic!("{consumer} built nothing at {built}: {e}"));
    assert!(
        got == tool,
        "{consumer}: `go build` after the export built other bytes than the tool"
    );
}

fn no_pwned(p: &Project, consumer: &str) {
    let mut pwned = p.ls(".");
    pwned.retain(|f| f.starts_with("PWNED"));
    assert!(pwned.is_empty(), "{consumer} ran a command: {pwned:?}");
}

/// `KEY=VALUE\0` pairs as `env -0` prints them.
fn parse_env0(bytes: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8_lossy(bytes)
        .split('\0')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn assert_carries(got: &BTreeMap<String, String>, want: &BTreeMap<String, String>, who: &str) {
    for (k, v) in want {
        assert_eq!(got.get(k), Some(v), "{who}: {k} does not round-trip");
    }
}

/// A parser of one export format: the variables it defines, or why the text is invalid.
type Parser = fn(&str) -> Result<BTreeMap<String, String>, String>;

/// The `format` export of `p`, read back by `parse`, must be exactly the exported
/// variables with exactly their values; `go build` with them over the hostile host
/// environment must build the tool's bytes.
fn read_back_and_build(p: &Project, format: &str, parse: Parser, consumer: &str) {
    let want = expected(p);
    let tool = tool_build(p);
    let text = export(p, format);
    let got = parse(&text).unwrap_or_else(|e| panic!("{consumer}: {e}\n{text}"));
    assert_eq!(
        got, want,
        "{consumer}: exactly the exported variables, exactly their values"
    );
    let built = format!("{format}-built");
    output_of(
        Command::new("go")
            .args(["build", "-ldflags=-s -w", "-o", &built, "."])
            .current_dir(p.path())
            .env_clear()
            .envs(hostile(p))
            .envs(&got),
        &format!("go build with the {consumer} variables"),
    );
    same_bytes(p, &tool, &built, consumer);
}

fn output_of(cmd: &mut Command, what: &str) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn shell_eval_reads_every_value_exactly_runs_nothing_and_builds_the_same_bytes() {
    let p = project(TRICKY);
    let want = expected(&p);
    for (k, v) in TRICKY {
        assert_eq!(want.get(*k).map(String::as_str), Some(*v), "JSON holds {k}");
    }
    let tool = tool_build(&p);
    let text = export(&p, "shell");
    std::fs::write(p.path().join("env.sh"), &text).unwrap();
    // No line of the export starts with a value's own text.
    for line in text.lines() {
        assert!(
            line.starts_with("export ") || line.starts_with("\"'"),
            "line {line:?} is not an export or a quoted continuation\n{text}"
        );
    }
    let out = output_of(
        Command::new("sh")
            .arg("-c")
            .arg("eval \"$(cat env.sh)\" && go build '-ldflags=-s -w' -o sh-built . && env -0")
            .current_dir(p.path())
            .env_clear()
            .envs(hostile(&p)),
        "sh -c 'eval ...; go build'",
    );
    assert_carries(&parse_env0(&out.stdout), &want, "sh");
    no_pwned(&p, "sh");
    same_bytes(&p, &tool, "sh-built", "sh");
}

#[test]
fn make_include_reads_every_value_exactly_runs_nothing_and_builds_the_same_bytes() {
    if !require_tool("make", "the make consumer") {
        return;
    }
    let p = project(TRICKY);
    let want = expected(&p);
    let tool = tool_build(&p);
    std::fs::write(p.path().join("env.mk"), export(&p, "make")).unwrap();
    std::fs::write(
        p.path().join("Makefile"),
        "include env.mk\nall:\n\t@env -0 > make-env.out\n\tgo build '-ldflags=-s -w' -o make-built .\n",
    )
    .unwrap();
    output_of(
        Command::new("make")
            .arg("-s")
            .current_dir(p.path())
            .env_clear()
            .envs(hostile(&p)),
        "make",
    );
    let got = parse_env0(&std::fs::read(p.path().join("make-env.out")).unwrap());
    assert_carries(&got, &want, "make");
    no_pwned(&p, "make");
    same_bytes(&p, &tool, "make-built", "make");
}

/// One line of the runner's reader: up to LF (only LF ends a line off Windows), and the
/// length of the line break that ended it (0 at the end of the text).
fn read_line(text: &str, index: &mut usize) -> Option<(String, usize)> {
    if *index >= text.len() {
        return None;
    }
    let rest = &text[*index..];
    match rest.find('\n') {
        Some(n) => {
            *index += n + 1;
            Some((rest[..n].to_string(), 1))
        }
        None => {
            *index = text.len();
            Some((rest.to_string(), 0))
        }
    }
}

/// Parses `$GITHUB_ENV` as the Actions runner documents it: `NAME=VALUE` lines, and
/// `NAME<<DELIMITER` followed by value lines up to a line that is exactly DELIMITER;
/// whichever of `=` and `<<` comes first decides; the value excludes the line break
/// before the delimiter. Anything else is an error, as in the runner.
fn parse_github_env(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut index = 0;
    while let Some((line, _)) = read_line(text, &mut index) {
        if line.is_empty() {
            continue;
        }
        let eq = line.find('=');
        let heredoc = line.find("<<");
        match (eq, heredoc) {
            (Some(e), h) if h.map_or(true, |h| e < h) => {
                out.insert(line[..e].to_string(), line[e + 1..].to_string());
            }
            (e, Some(h)) if e.map_or(true, |e| h < e) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                if name.is_empty() || delimiter.is_empty() {
                    return Err(format!("invalid heredoc line {line:?}"));
                }
                let start = index;
                let mut end = index;
                loop {
                    let Some((l, newline)) = read_line(text, &mut index) else {
                        return Err(format!("no delimiter {delimiter:?}"));
                    };
                    if l == delimiter {
                        break;
                    }
                    end = index - newline;
                }
                out.insert(name.to_string(), text[start..end.max(start)].to_string());
            }
            _ => return Err(format!("invalid line {line:?}")),
        }
    }
    Ok(out)
}

#[test]
fn github_env_file_reads_every_value_exactly_defines_nothing_else_and_builds_the_same_bytes() {
    let p = project(TRICKY);
    read_back_and_build(&p, "github", parse_github_env, "$GITHUB_ENV");
}

/// A Dockerfile as its reference describes it: `#` lines are comments (also inside a
/// continuation), a line ending in `\` continues on the next, the first word is the
/// instruction. Only ARG and ENV are accepted here: any other instruction is an
/// injection. Words: `'…'` literal, `"…"` with `\` escaping `"`, `$` and `\`, `\` outside
/// quotes escaping the next character, `$NAME` / `${NAME}` expanded from earlier ARGs.
/// Returns the ENV variables.
fn parse_dockerfile(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut logical = Vec::new();
    let mut current = String::new();
    for line in text.split('\n') {
        if line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(head) = line.trim_end().strip_suffix('\\') {
            current.push_str(head);
            continue;
        }
        current.push_str(line);
        if !current.trim().is_empty() {
            logical.push(std::mem::take(&mut current));
        }
        current.clear();
    }
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    let mut env = BTreeMap::new();
    for line in logical {
        let line = line.trim();
        let (instruction, rest) = line.split_once(' ').unwrap_or((line, ""));
        let (name, word) = rest
            .split_once('=')
            .ok_or_else(|| format!("no name=value in {line:?}"))?;
        let value = docker_word(word, &args)?;
        match instruction.to_ascii_uppercase().as_str() {
            "ARG" => args.insert(name.to_string(), value),
            "ENV" => env.insert(name.to_string(), value),
            other => return Err(format!("instruction {other} in {line:?}")),
        };
    }
    Ok(env)
}

fn docker_word(word: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = word.chars().peekable();
    let expand = |chars: &mut std::iter::Peekable<std::str::Chars>, out: &mut String| {
        let braced = chars.peek() == Some(&'{');
        if braced {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                name.push(c);
                chars.next();
            } else {
                break;
            }
        }
        if braced && chars.next() != Some('}') {
            return Err(format!("unclosed ${{ in {word:?}"));
        }
        out.push_str(vars.get(&name).map(String::as_str).unwrap_or(""));
        Ok(())
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => out.push(c),
                    None => return Err(format!("unclosed ' in {word:?}")),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c @ ('"' | '$' | '\\')) => out.push(c),
                        Some(c) => {
                            out.push('\\');
                            out.push(c);
                        }
                        None => return Err(format!("dangling \\ in {word:?}")),
                    },
                    Some('$') => expand(&mut chars, &mut out)?,
                    Some(c) => out.push(c),
                    None => return Err(format!("unclosed \" in {word:?}")),
                }
            },
            '\\' => out.extend(chars.next()),
            '$' => expand(&mut chars, &mut out)?,
            c if c.is_whitespace() => return Err(format!("a second word in {word:?}")),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[test]
fn dockerfile_reads_every_value_exactly_adds_no_instruction_and_builds_the_same_bytes() {
    let values: Vec<(&str, &str)> = TRICKY
        .iter()
        .copied()
        .filter(|(_, v)| dockerable(v))
        .collect();
    let p = project(&values);
    read_back_and_build(&p, "dockerfile", parse_dockerfile, "Dockerfile");

    // A value a Dockerfile cannot hold is refused, not written half.
    let p = project(&[("MULTI", "a\nRUN touch PWNED")]);
    run(
        p.path(),
        &["env", "--target", "linux/arm64", "--format", "dockerfile"],
    )
    .code(2)
    .stderr_has("MULTI");
}

#[test]
fn exports_never_carry_host_network_cache_or_pass_env_variables() {
    let p = Project::copy_of("hello");
    p.file(
        "xbuild-go.toml",
        "[profile.golden]\npass-env = [\"CI\"]\nenv = { PATH = \"/profile/bin\", HTTPS_PROXY = \"http://proxy.profile:3128\" }\n",
    );
    let mut env = env_with(&[("HTTPS_PROXY", "http://u:p@host:3128")]);
    env.insert("SSL_CERT_FILE".into(), "/etc/ssl/host.pem".into());
    env.insert("CI".into(), "true".into());
    for format in ["shell", "make", "github", "json", "dockerfile"] {
        let r = run_env(
            p.path(),
            &["env", "--target", "linux/arm64", "--format", format],
            &env,
        );
        r.code(0);
        for host_only in ["SSL_CERT_FILE", "GOPROXY", "GOCACHE", "HOME"] {
            assert!(
                !r.stdout.contains(host_only),
                "{format} exports {host_only}\n{r}"
            );
        }
        let text = format!("\n{}", r.stdout);
        for ci in ["export CI=", "\nCI :=", "\nCI=", "\"CI\"", "ARG CI="] {
            assert!(!text.contains(ci), "{format} exports the pass-env CI\n{r}");
        }
        assert!(
            !r.stdout.contains("u:p@"),
            "{format} exports the proxy\n{r}"
        );
        assert!(r.stdout.contains("GOFLAGS"), "{format} sets GOFLAGS\n{r}");
        assert!(
            r.stdout.contains("GOEXPERIMENT"),
            "{format} neutralises\n{r}"
        );
        if format == "dockerfile" {
            for key in ["PATH", "HOME", "SSL_", "PROXY"] {
                assert!(
                    !r.stdout
                        .lines()
                        .any(|l| !l.starts_with('#') && l.contains(key)),
                    "the Dockerfile form carries {key}\n{r}"
                );
            }
        } else {
            assert!(
                r.stdout.contains("/profile/bin"),
                "{format}: the profile's own env is exported\n{r}"
            );
        }
    }
}

#[test]
fn profile_env_keys_must_be_variable_names() {
    // (case, env table, words of the error)
    let cases: &[(&str, &str, &str)] = &[
        (
            "shell command",
            r#"{ "X=1;touch PWNED;Y" = "v" }"#,
            "not a variable name",
        ),
        (
            "make function",
            r#"{ "M $(shell touch PWNED)" = "v" }"#,
            "not a variable name",
        ),
        ("newline", r#"{ "A\nB" = "v" }"#, "not a variable name"),
        (
            "dockerfile instruction",
            r#"{ "A=1\nRUN touch PWNED" = "v" }"#,
            "not a variable name",
        ),
        ("leading digit", r#"{ "1A" = "v" }"#, "not a variable name"),
        ("empty", r#"{ "" = "v" }"#, "empty variable name"),
        ("NUL in value", r#"{ A = "a\u0000b" }"#, "NUL"),
        (
            "GOFLAGS",
            r#"{ GOFLAGS = "-tags=x" }"#,
            "may not set GOFLAGS",
        ),
    ];
    for (case, table, needle) in cases {
        let p = Project::copy_of("hello");
        p.file(
            "xbuild-go.toml",
            &format!("[profile.golden]\nenv = {table}\n"),
        );
        let r = run(p.path(), &["env", "--format", "shell"]);
        r.code(2).stderr_has(needle).stderr_has("xbuild-go.toml:2:");
        let r = run(p.path(), &["--message-format", "json"]);
        r.code(2);
        let events = r.json();
        assert!(
            matches!(events.as_slice(), [e] if e["reason"] == "error"
                && e["exit"] == 2
                && e["message"].as_str().is_some_and(|m| m.contains(needle) && m.contains("xbuild-go.toml:2:"))),
            "case {case}: one error event naming the place\n{r}"
        );
        no_pwned(&p, case);
    }
    let p = Project::copy_of("hello");
    run(p.path(), &["env", "--pass-env", "A;B"])
        .code(2)
        .stderr_has("not a variable name");
}

#[test]
fn output_paths_with_control_characters_are_refused() {
    let p = Project::copy_of("hello");
    for o in ["dist/a\nb", "dist/\x1b]0;x\x07", "a\rb"] {
        let r = run(p.path(), &["-o", o, "--message-format", "json"]);
        r.code(2);
        let events = r.json();
        assert!(
            events
                .iter()
                .any(|e| e["reason"] == "error" && e["exit"] == 2),
            "an error event for -o {o:?}\n{r}"
        );
    }
    p.file(
        "xbuild-go.toml",
        "[build]\noutput = \"dist/{name}\\n::warning::x\"\n",
    );
    run(p.path(), &[])
        .code(2)
        .stderr_has("xbuild-go.toml:2:10")
        .stderr_has("control character");
    assert!(!p.path().join("dist").exists(), "nothing was built");
}

/// The words go's flag parser (cmd/internal/quoted.Split) reads from a recorded value.
fn go_words(s: &str) -> Vec<String> {
    xbuild_go::verify::go_split(s).unwrap_or_else(|| panic!("unclosed quote in {s:?}"))
}

/// The `-ldflags` build setting `go version -m` shows for `artifact`.
fn recorded_ldflags(artifact: &Path) -> String {
    let shown = go(
        &["version", "-m", &artifact.display().to_string()],
        Path::new("."),
        &[],
    );
    let line = shown
        .lines()
        .find_map(|l| l.trim().strip_prefix("build\t-ldflags="))
        .unwrap_or_else(|| panic!("no -ldflags in go version -m:\n{shown}"));
    // go quotes a setting holding spaces or quotes as a Go string literal.
    if line.starts_with('"') {
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    } else {
        line.to_string()
    }
}

/// Profiles that put `{version}` in the linker flags: in the `ldflags` string, and as a
/// word of the `ldflags` list.
const STRING_FORM: &str = "[profile.golden]\nldflags = \"-s -w -X main.version={version}\"\n";
const LIST_FORM: &str =
    "[profile.golden]\nldflags = [\"-s\", \"-w\", \"-X\", \"main.version={version}\"]\n";

/// `hello` built for linux/amd64 into dist/h under `profile`, `{version}` being `value`
/// from XBUILD_GO_VERSION (`from_env`) or else --version-override; the project, the run
/// and where the value came from.
fn build_with_version(profile: &str, value: &str, from_env: bool) -> (Project, Run, &'static str) {
    let p = Project::copy_of("hello");
    p.file("xbuild-go.toml", profile);
    let mut env = base_env();
    let mut args = vec!["--target", "linux/amd64", "-o", "dist/h"];
    let source = if from_env {
        env.insert("XBUILD_GO_VERSION".into(), value.to_string());
        "XBUILD_GO_VERSION"
    } else {
        args.extend(["--version-override", value]);
        "--version-override"
    };
    let r = run_env(p.path(), &args, &env);
    (p, r, source)
}

#[test]
fn placeholder_values_stay_inside_their_ldflags_word() {
    // A value that, pasted raw, adds `-X main.version=pwned` (the linker's last -X wins,
    // so the binary would say "hello pwned") or a linker of the attacker's choosing.
    const EVIL: &str = "1.0 -X main.version=pwned -extld=/tmp/evil";
    const SINGLE: &str = "1.0' -X main.version=pwned -extld=/tmp/evil '";
    const DOUBLE: &str = "1.0\" -X main.version=pwned -extld=/tmp/evil \"";
    let quoted_form = "[profile.golden]\nldflags = \"-s -w -X 'main.version={version}'\"\n";
    let stamp_form = "[profile.golden]\nstamp = { \"main.version\" = \"{version}\" }\n";
    // go.buildinfo expects the profile's ldflags: off where `flags` carries them.
    let flags_form = "[profile.golden]\nldflags = \"\"\nflags = [\"-ldflags=-s -w -X main.version={version}\"]\n[profile.golden.verify]\nbuildinfo = false\n";
    let flags_pair = "[profile.golden]\nldflags = \"\"\nflags = [\"-ldflags\", \"-s -w -X main.version={version}\"]\n[profile.golden.verify]\nbuildinfo = false\n";
    // (case, profile, value, from the environment or --version-override)
    let cases: &[(&str, &str, &str, bool)] = &[
        ("string form, env", STRING_FORM, EVIL, true),
        ("string form, single quote", STRING_FORM, SINGLE, false),
        ("string form, double quote", STRING_FORM, DOUBLE, true),
        ("list form, env", LIST_FORM, EVIL, true),
        ("list form, single quote", LIST_FORM, SINGLE, true),
        ("quoted in the string", quoted_form, DOUBLE, false),
        ("stamp", stamp_form, SINGLE, true),
        ("flags -ldflags=", flags_form, EVIL, true),
        ("flags -ldflags VALUE", flags_pair, DOUBLE, false),
    ];
    for (case, profile, value, from_env) in cases {
        let (p, r, _) = build_with_version(profile, value, *from_env);
        assert_eq!(r.code, Some(0), "case {case}\n{r}");
        let artifact = p.path().join("dist/h");
        let words = go_words(&recorded_ldflags(&artifact));
        let want = format!("main.version={value}");
        assert!(
            words.contains(&want),
            "case {case}: the value is one -X word: {words:?}\n{r}"
        );
        assert!(
            !words
                .iter()
                .any(|w| w.starts_with("-extld") || w == "main.version=pwned"),
            "case {case}: no word of the value became a flag: {words:?}"
        );
        let out = std::process::Command::new(&artifact)
            .arg("--version")
            .output()
            .expect("run the artifact");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("hello {value}\n"),
            "case {case}: the binary holds the whole value"
        );
    }
}

#[test]
fn placeholder_values_go_cannot_quote_are_refused() {
    // Both kinds of quote and a space: no quoting keeps it in one word.
    const BOTH: &str = "1.0' -X \"main.version=pwned";
    let stamp_form = "[profile.golden]\nstamp = { \"main.version\" = \"v{version}\" }\n";
    let cc_form = "[profile.golden]\nenv = { CGO_LDFLAGS = \"-L/opt/{version}\" }\n";
    // (case, profile, value, from the environment)
    let cases: &[(&str, &str, &str, bool)] = &[
        ("both quotes, env", STRING_FORM, BOTH, true),
        ("both quotes, flag", LIST_FORM, BOTH, false),
        ("newline", STRING_FORM, "1.0\n-X main.version=pwned", true),
        ("carriage return", LIST_FORM, "1.0\r-extld=/tmp/evil", false),
        ("stamp", stamp_form, BOTH, true),
        ("CGO_LDFLAGS", cc_form, BOTH, true),
    ];
    for (case, profile, value, from_env) in cases {
        let (p, r, source) = build_with_version(profile, value, *from_env);
        assert_eq!(r.code, Some(2), "case {case}: exit 2\n{r}");
        assert!(
            r.stderr.contains("`{version}`") && r.stderr.contains(source),
            "case {case}: the error names the placeholder and {source}\n{r}"
        );
        assert!(
            !p.path().join("dist").exists(),
            "case {case}: nothing was built"
        );
    }
}

#[test]
fn packages_starting_with_a_dash_are_refused() {
    let marker = "toolexec-ran";
    let evil = format!("-toolexec=touch {marker}");
    let p = Project::copy_of("hello");
    let r = run(
        p.path(),
        &[&format!("--package={evil}"), "--target", "linux/amd64"],
    );
    r.code(2)
        .stderr_has("starts with `-`")
        .stderr_has("--package");
    p.file(
        "xbuild-go.toml",
        &format!("[profile.golden]\npackage = [\".\", {evil:?}]\n"),
    );
    let r = run(p.path(), &["--target", "linux/amd64"]);
    r.code(2)
        .stderr_has("starts with `-`")
        .stderr_has("xbuild-go.toml:2:");
    for cmd in [
        &["env", "--format", "shell"][..],
        &["--message-format", "json"],
    ] {
        run(p.path(), cmd).code(2);
    }
    assert!(!p.path().join(marker).exists(), "go ran no -toolexec");
    // Belt and braces: the go command ends its flags with `--`, so go reads whatever
    // follows as a package (go itself refuses import paths starting with `-`).
    let p = Project::copy_of("hello");
    let r = run(p.path(), &["--target", "linux/amd64", "-o", "dist/", "-v"]);
    r.code(0);
    assert!(
        r.stderr.contains(" -- ."),
        "the printed go command ends flags with --\n{r}"
    );
}
