//! `completions bash` sourced in a real bash and asked for completions as bash asks
//! (COMP_WORDS, COMP_CWORD, the function it registered, COMPREPLY); `man` pages
//! rendered by groff with every warning on.

mod util;

use std::process::Command;

use util::*;

/// What bash offers for the last word of `words`, in a copy of the multi fixture
/// whose profile file has the profiles `release` and `small`.
fn complete(dir: &std::path::Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "set -e\nsource <(cargo-xbuild-go completions bash)\n\
         COMP_WORDS=({})\nCOMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n\
         _clap_complete_cargo_xbuild_go cargo-xbuild-go \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        quoted.join(" ")
    );
    let bin_dir = bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{words:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn bash_completes_subcommands_flags_targets_and_profiles() {
    if !require_tool("bash", "completions are tested in a real bash") {
        return;
    }
    let p = Project::with_profile(
        "multi",
        "[profile.release]\npackage = \"./cmd/a\"\n\n[profile.small]\ninherits = \"release\"\n",
    );
    // (words, what must be offered, what must not)
    let cases: &[(&[&str], &[&str], &[&str])] = &[
        (
            &["cargo-xbuild-go", "--profile", ""],
            &["golden", "release", "small"],
            &[],
        ),
        (
            &["cargo-xbuild-go", "build", "--profile", "re"],
            &["release"],
            &["small"],
        ),
        (
            &["cargo-xbuild-go", "--target", "linux/arm"],
            &["linux/arm", "linux/arm64"],
            &["linux/amd64"],
        ),
        (
            &["cargo-xbuild-go", "matrix", "--target", "darwin/"],
            &["darwin/amd64", "darwin/arm64"],
            &["linux/arm64"],
        ),
        (
            &["cargo-xbuild-go", "--message-format", ""],
            &["human", "json", "github"],
            &[],
        ),
        (
            &["cargo-xbuild-go", "--color", ""],
            &["auto", "always", "never"],
            &[],
        ),
        (&["cargo-xbuild-go", "in"], &["init"], &["image"]),
        (
            &["cargo-xbuild-go", "completions", ""],
            &["bash", "zsh", "fish", "powershell", "elvish"],
            &[],
        ),
        // The word cargo inserts when run as `cargo xbuild-go`.
        (
            &["cargo-xbuild-go", "xbuild-go", "--col"],
            &["--color"],
            &[],
        ),
        (
            &["cargo-xbuild-go", "xbuild-go", "--profile", "sm"],
            &["small"],
            &["release"],
        ),
    ];
    for (words, want, not) in cases {
        let got = complete(p.path(), words);
        for w in *want {
            assert!(got.iter().any(|g| g == w), "{words:?}: no {w:?} in {got:?}");
        }
        for n in *not {
            assert!(
                !got.iter().any(|g| g == n),
                "{words:?}: {n:?} offered: {got:?}"
            );
        }
    }
}

#[test]
fn every_shell_gets_a_script_naming_the_command() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(dir.path(), &["completions", shell]);
        r.code(0);
        assert!(r.stdout.contains("cargo-xbuild-go"), "{shell}\n{r}");
        assert!(
            r.stdout.contains("XBUILD_GO_COMPLETE"),
            "{shell}: the dynamic request\n{r}"
        );
    }
    run(dir.path(), &["completions", "tcsh"]).code(2);
}

#[test]
fn man_pages_cover_every_subcommand_and_render_without_warnings() {
    if !require_tool("groff", "man pages are checked with groff -man -ww -z") {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("man1");
    let r = run(out.path(), &["man", "--out", dir.to_str().unwrap()]);
    r.code(0);
    let help = run(out.path(), &["--help"]);
    let subs: Vec<String> = help
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  ") || l.is_empty())
        // A description wrapped onto the next line is indented further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|s| s != "help")
        .collect();
    assert!(subs.len() >= 10, "{help}");
    for sub in &subs {
        let h = run(out.path(), &[sub.as_str(), "--help"]);
        h.code(0);
        assert_eq!(
            h.stdout.matches("Example: `").count(),
            1,
            "{sub} --help carries one example\n{h}"
        );
    }
    let mut pages = vec!["cargo-xbuild-go.1".to_string()];
    pages.extend(subs.iter().map(|s| format!("cargo-xbuild-go-{s}.1")));
    for page in &pages {
        let path = dir.join(page);
        assert!(path.is_file(), "{page} written\n{r}");
        let g = Command::new("groff")
            .args(["-man", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            g.status.success() && g.stderr.is_empty(),
            "{page}: {}",
            String::from_utf8_lossy(&g.stderr)
        );
    }
    // Without --out: the working directory, named without `./`.
    let here = tempfile::tempdir().unwrap();
    let r = run(here.path(), &["man"]);
    r.code(0).stderr_has("Wrote cargo-xbuild-go.1\n");
    assert!(!r.stderr.contains("./"), "{r}");
    assert!(here.path().join("cargo-xbuild-go-man.1").is_file(), "{r}");
    let init = std::fs::read_to_string(dir.join("cargo-xbuild-go-init.1")).unwrap();
    assert!(
        init.contains("from\\-goreleaser"),
        "the init page lists its flags"
    );
}

/// Every docs page a `--help` names (`docs/evidence.md`) exists, and no help sends the
/// reader to a README section: the README is short, the reference is in docs/.
#[test]
fn help_points_at_pages_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for sub in [
        "build",
        "verify",
        "env",
        "doctor",
        "targets",
        "profiles",
        "matrix",
        "image",
        "merge",
        "init",
        "completions",
        "man",
    ] {
        let h = run(dir.path(), &[sub, "--help"]);
        h.code(0);
        assert!(
            !h.stdout.contains("README"),
            "{sub} --help names the README\n{h}"
        );
        for (i, _) in h.stdout.match_indices("docs/") {
            let page: String = h.stdout[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
                .collect();
            let page = page.trim_end_matches('.');
            assert!(
                page.ends_with(".md") && root.join(page).is_file(),
                "{sub} --help names `{page}`, which is no page\n{h}"
            );
        }
    }
}
