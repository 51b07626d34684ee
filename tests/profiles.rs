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

/// A file of `n` independent profiles, each setting a few keys.
fn many_profiles(n: usize) -> String {
    let mut s = String::from("[build]\npackage = \".\"\n");
    for i in 0..n {
        s.push_str(&format!(
            "\n[profile.p{i}]\ntargets = [\"linux/arm64\", \"linux/amd64\"]\ntags = [\"t{i}\"]\n\
             env = {{ GOPROXY = \"off\" }}\n[profile.p{i}.verify]\nmax-size = \"{}MiB\"\n",
            i + 1
        ));
    }
    s
}

/// `p0 <- p1 <- ... <- p(n-1)`: only the root sets targets; each adds a tag, and every
/// tenth one an env key.
fn chain(n: usize) -> String {
    let mut s = String::from("[profile.p0]\ntargets = [\"linux/riscv64\"]\ntags = [\"t0\"]\n");
    for i in 1..n {
        s.push_str(&format!(
            "\n[profile.p{i}]\ninherits = \"p{}\"\ntags = [\"t{i}\"]\n",
            i - 1
        ));
        if i % 10 == 0 {
            s.push_str(&format!("env = {{ K{i} = \"v{i}\" }}\n"));
        }
    }
    s
}

/// The `[pN]` sections `profiles` printed, in order.
fn sections(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with('['))
        .map(|l| l.trim_matches(['[', ']']))
        .collect()
}

/// The settings row `key` of profile `name` in `profiles` output.
fn row<'a>(stdout: &'a str, name: &str, key: &str) -> &'a str {
    let header = format!("[{name}]");
    stdout
        .lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .find(|l| l.trim_start().starts_with(&format!("{key} ")))
        .unwrap_or_else(|| panic!("no {key} row for {name}"))
}

/// `ARGS` in `dir` under a hang guard: the tool is killed after 20 s and the test fails.
fn guarded(dir: &std::path::Path, args: &[&str]) -> Run {
    run_guarded(dir, args, &base_env(), std::time::Duration::from_secs(20)).run
}

/// Large files resolve (each table's chain is walked once, not once per profile): a
/// hang guard kills the tool after 20 s and fails, no tighter timing. Before the fix
/// these took 4-25 s, 19-26 s and over a minute.
#[test]
fn profiles_of_large_files_finish_and_are_right() {
    let t = tempfile::tempdir().unwrap();
    let many = t.path().join("many.toml");
    std::fs::write(&many, many_profiles(2000)).unwrap();
    let r = guarded(t.path(), &["profiles", "--config", many.to_str().unwrap()]);
    r.code(0);
    let names = sections(&r.stdout);
    assert_eq!(names.len(), 2001, "2,000 profiles and golden\n{}", r.cmd);
    assert_eq!(names[0], "golden");
    let size = row(&r.stdout, "p1999", "verify.max-size");
    assert!(size.contains("2097152000"), "{size}");
    assert!(size.contains("profile `p1999` at "), "{size}");

    for (n, file) in [(1000, "chain1000.toml"), (5000, "chain5000.toml")] {
        let path = t.path().join(file);
        std::fs::write(&path, chain(n)).unwrap();
        let config = path.to_str().unwrap();
        let r = guarded(t.path(), &["profiles", "--config", config]);
        r.code(0);
        assert_eq!(
            sections(&r.stdout).len(),
            n + 1,
            "{file}: one section per profile, and golden"
        );
        let last = format!("p{}", n - 1);
        let tags = row(&r.stdout, &last, "tags");
        assert!(
            tags.contains(&format!("[\"t{}\"]", n - 1))
                && tags.contains(&format!("profile `{last}` at ")),
            "{file}: {tags}"
        );
        let targets = row(&r.stdout, &last, "targets");
        assert!(
            targets.contains("[\"linux/riscv64\"]")
                && targets.contains("inherited from profile `p0` at ")
                && targets.contains(&format!("{file}:2:11")),
            "{file}: {targets}"
        );
        let targets = row(&r.stdout, "p0", "targets");
        assert!(targets.contains("# profile `p0` at "), "{file}: {targets}");

        // `env` of the deepest profile merges the env keys of the whole chain.
        let args = ["env", "--config", config, "--profile", &last, "--explain"];
        let r = guarded(t.path(), &args);
        r.code(0);
        let keys = r.stdout.lines().filter(|l| l.starts_with('K')).count();
        assert_eq!(
            keys,
            (n - 1) / 10,
            "{file}: env keys of the chain\n{}",
            r.cmd
        );
        r.stdout_has("K10=v10");
        r.stdout_has("inherited from profile `p10` at ");
    }
}

#[test]
fn a_chain_deeper_than_any_recursion_limit_with_a_cycle_is_reported() {
    // A 5,000-deep chain whose root inherits the deepest: the cycle is found by the
    // iterative walk, with the location of the `inherits` that closes it.
    let t = tempfile::tempdir().unwrap();
    let text = chain(5000).replacen("[profile.p0]\n", "[profile.p0]\ninherits = \"p4999\"\n", 1);
    let path = t.path().join("cyclic.toml");
    std::fs::write(&path, text).unwrap();
    let config = path.to_str().unwrap();
    let r = guarded(t.path(), &["env", "--config", config, "--profile", "p4999"]);
    r.code(2)
        .stderr_has("cyclic.toml:2:12: profile inheritance cycle: p4999 -> p4998 -> ")
        .stderr_has("-> p1 -> p0 -> p4999");
}

#[test]
fn invalid_utf8_names_line_column_and_offset() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("xbuild-go.toml");
    std::fs::write(
        &path,
        b"[profile.golden]\n# caf\xc3\xa9\ntags = [\"a\xff\"]\n",
    )
    .unwrap();
    for cmd in ["env", "profiles", "build"] {
        let r = run(
            &fixture("go/hello"),
            &[cmd, "--config", path.to_str().unwrap()],
        );
        r.code(2)
            .stderr_has("xbuild-go.toml:3:11: invalid UTF-8 (byte 0xff at offset 35)");
    }
}
