//! Messages that say what to do next, as cargo's do: clap's tip for a mistyped
//! subcommand or flag, and a `help:` line (a `help` field in JSON) under the errors of a
//! missing or unknown profile, a missing go, zig or cache program, a base image the
//! registry does not have, and `init` outside a module or over an existing file.

mod util;

use util::registry::Registry;
use util::*;

/// One case: its name, the profile file (none when empty), extra environment, the
/// arguments, the exit code and what stderr must hold.
type Case<'a> = (
    &'a str,
    &'a str,
    &'a [(&'a str, &'a str)],
    &'a [&'a str],
    i32,
    &'a [&'a str],
);

#[test]
fn errors_say_what_to_do_next() {
    let cases: &[Case] = &[
        (
            "mistyped subcommand",
            "",
            &[],
            &["doctr"],
            2,
            &["unexpected argument 'doctr'", "a similar subcommand exists: 'doctor'"],
        ),
        (
            "mistyped subcommand through cargo",
            "",
            &[],
            &["xbuild-go", "biuld"],
            2,
            &["a similar subcommand exists: 'build'"],
        ),
        (
            "mistyped flag",
            "",
            &[],
            &["--targte", "linux/arm64"],
            2,
            &["a similar argument exists: '--target'"],
        ),
        (
            "unknown profile, no profile file",
            "",
            &[],
            &["--profile", "release"],
            2,
            &[
                "error: unknown profile `release`",
                "\nhelp: no xbuild-go.toml was found: run `cargo xbuild-go init --profile release` to write one",
            ],
        ),
        (
            "unknown profile in a file",
            "[profile.golden]\n",
            &[],
            &["--profile", "zzz"],
            2,
            &[
                "xbuild-go.toml: unknown profile `zzz`",
                "\nhelp: add a `[profile.zzz]` table to",
            ],
        ),
        (
            "a close profile name is the did-you-mean",
            "[profile.release]\n",
            &[],
            &["--profile", "relase"],
            2,
            &["did you mean `release`?"],
        ),
        (
            "go not on PATH",
            "",
            &[("PATH", "/usr/bin:/bin")],
            &[],
            4,
            &[
                "error: `go` was not found on PATH",
                "\nhelp: install Go from https://go.dev/dl/",
                "point --go / XBUILD_GO_GO at the binary",
            ],
        ),
        (
            "--go names nothing",
            "",
            &[],
            &["--go", "/nonexistent/go"],
            4,
            &[
                "error: --go names `/nonexistent/go`, which does not exist",
                "\nhelp: install Go",
            ],
        ),
        (
            "outside a Go module",
            "",
            &[],
            &["-C", "/"],
            2,
            &[
                "error: no go.mod or go.work in / or any parent\n",
                "\nhelp: run in a Go module or workspace, point -C at one, or make one with \
                 `go mod init MODULE`",
            ],
        ),
        (
            "init outside a Go module",
            "",
            &[],
            &["init", "-C", "/"],
            2,
            &[
                "error: no go.mod in / or a parent: init writes the profile of a Go module\n",
                "\nhelp: run `go mod init MODULE` first\n",
            ],
        ),
        (
            "init over an existing profile file",
            "[profile.golden]\n",
            &[],
            &["init"],
            2,
            &[
                "xbuild-go.toml already exists\n",
                "\nhelp: edit it, or pass --force to replace it\n",
            ],
        ),
        (
            "cache program not found",
            "[profile.golden]\ncache-program = \"no-such-cacher-5e5e\"\n",
            &[],
            &[],
            4,
            &[
                "the cache program `no-such-cacher-5e5e` was not found on PATH",
                "\nhelp: install it, or build without it with --no-cache-program",
            ],
        ),
        (
            "runs-on image not there",
            "[profile.golden]\n[profile.golden.verify]\nruns-on = [\"oci:images/none:1\"]\n",
            &[],
            &[],
            2,
            &[
                "runs-on image `oci:images/none:1`: directory",
                "does not exist",
                "\nhelp: write the layout with `skopeo copy --all docker://IMAGE oci:images/none:1`\n",
            ],
        ),
        (
            "image base not there",
            "[profile.golden]\n[profile.golden.image]\nrepository = \"example.test/app\"\n\
             base = \"oci:images/none:1\"\n",
            &[],
            &["image", "--oci-layout", "out"],
            4,
            &[
                "image.base: base `oci:images/none:1`",
                "\nhelp: write the layout with `skopeo copy --all docker://IMAGE oci:images/none:1`, \
                 or name a registry image (REGISTRY/REPOSITORY:TAG) instead",
            ],
        ),
    ];
    for (name, file, env, args, code, want) in cases {
        let p = if file.is_empty() {
            Project::copy_of("hello")
        } else {
            Project::with_profile("hello", file)
        };
        let mut e = base_env();
        for (k, v) in *env {
            e.insert(k.to_string(), v.to_string());
        }
        let r = run_env(p.path(), args, &e);
        assert_eq!(r.code, Some(*code), "case {name}: {r}");
        for w in *want {
            assert!(r.stderr.contains(w), "case {name}: no {w:?} in\n{r}");
        }
    }
}

#[test]
fn json_errors_carry_the_help() {
    let p = Project::copy_of("hello");
    for (name, args, help) in [
        (
            "unknown profile",
            &["--profile", "release", "--message-format", "json"][..],
            "run `cargo xbuild-go init --profile release`",
        ),
        (
            "--go names nothing",
            &["--go", "/nonexistent/go", "--message-format", "json"][..],
            "install Go",
        ),
    ] {
        let r = run(p.path(), args);
        let errors: Vec<_> = r
            .json()
            .into_iter()
            .filter(|v| v["reason"] == "error")
            .collect();
        assert!(
            errors
                .iter()
                .any(|v| v["help"].as_str().is_some_and(|h| h.contains(help))),
            "case {name}: no error event with help {help:?}: {r}"
        );
    }
}

#[test]
fn a_base_image_the_registry_lacks_says_how_to_look() {
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let p = Project::with_profile(
        "hello",
        &format!(
            "[profile.golden]\ntargets = [\"linux/amd64\"]\n\n[profile.golden.image]\n\
             base = \"{}/nothing:1\"\nrepository = \"example.test/app\"\n",
            reg.addr
        ),
    );
    let mut e = base_env();
    e.insert(
        "XBUILD_GO_CACHE_DIR".into(),
        t.path().join("cache").display().to_string(),
    );
    e.insert(
        "DOCKER_CONFIG".into(),
        t.path().join("docker").display().to_string(),
    );
    let out = t.path().join("layout");
    let r = run_env(
        p.path(),
        &["image", "--oci-layout", &out.display().to_string()],
        &e,
    );
    assert_eq!(r.code, Some(2), "{r}");
    for w in [
        "the registry has no tag `1` in `nothing`",
        "\nhelp: check the image's repository and tag",
    ] {
        assert!(r.stderr.contains(w), "no {w:?} in\n{r}");
    }
}

#[test]
fn zig_not_found_says_how_to_get_it() {
    // go on PATH, zig nowhere: not on PATH, no XBUILD_GO_ZIG, no ziglang for python3.
    let Some(go) = which("go") else {
        assert!(!in_ci(), "go is required under CI");
        eprintln!("SKIP: no go on PATH");
        return;
    };
    let go_dir = go.parent().unwrap().display().to_string();
    let p = Project::with_profile("hello", "[profile.golden]\ncgo = true\ncc = \"zig\"\n");
    let mut e = base_env();
    e.insert("PATH".into(), format!("{go_dir}:/usr/bin:/bin"));
    e.remove("XBUILD_GO_ZIG");
    let r = run_env(p.path(), &["--target", "linux/arm64"], &e);
    assert_eq!(r.code, Some(4), "{r}");
    for w in [
        "zig was not found",
        "\nhelp: install zig (`pip install ziglang`",
        "point --zig / XBUILD_GO_ZIG at the binary",
    ] {
        assert!(r.stderr.contains(w), "no {w:?} in\n{r}");
    }
}
