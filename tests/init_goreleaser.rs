//! `init --from-goreleaser` on goreleaser configs of real-world shapes
//! (fixtures/goreleaser/): each translated profile's `matrix` is the target set
//! goreleaser's documentation defines for it, the notes name YAML path and line, and
//! a translated profile builds and verifies into goreleaser's dist layout.

mod util;

use std::path::Path;

use util::*;

/// A copy of the multi module (cmd/a, cmd/b) with `fixture` as `.goreleaser.yaml`.
fn project(fixture: &str) -> Project {
    let p = Project::copy_of("multi");
    let text = std::fs::read_to_string(util::fixture(&format!("goreleaser/{fixture}"))).unwrap();
    p.file(".goreleaser.yaml", &text);
    p
}

/// The `target` values `matrix --profile NAME --format json` lists.
fn matrix(dir: &Path, profile: &str) -> Vec<String> {
    let m = run(dir, &["matrix", "--profile", profile, "--format", "json"]);
    m.code(0);
    m.stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["target"].as_str().unwrap().to_string()
        })
        .collect()
}

/// Builds `profile` (JSON output, exit 0) and the delivered paths, sorted.
fn built_paths(dir: &Path, profile: &str) -> (Run, Vec<String>) {
    let b = run_json(dir, &["--profile", profile]);
    b.code(0);
    let mut paths: Vec<String> = b
        .artifacts()
        .iter()
        .map(|a| a["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    (b, paths)
}

type Case<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])], &'a [&'a str]);

#[test]
fn translated_profiles_build_goreleasers_target_sets() {
    // (fixture, [(profile, goreleaser's targets as GOOS/GOARCH/level)], stderr notes)
    let cases: &[Case] = &[
        (
            // Defaults: goarch 386, amd64, arm64 and each level's default; darwin/386
            // is not a Go port. No project_name: the last element of the module path.
            "v1-defaults.yaml",
            &[(
                "multi",
                &[
                    "linux/386/sse2",
                    "linux/amd64/v1",
                    "linux/arm64/v8.0",
                    "windows/386/sse2",
                    "windows/amd64/v1",
                    "windows/arm64/v8.0",
                    "darwin/amd64/v1",
                    "darwin/arm64/v8.0",
                ],
            )],
            &[
                "before.hooks (line 3): not translated",
                "archives, checksum (line 13): outside this tool's scope",
            ],
        ),
        (
            "v2-matrix.yaml",
            &[
                (
                    "alpha",
                    &[
                        "linux/amd64/v1",
                        "linux/amd64/v3",
                        "linux/arm/v7",
                        "linux/arm64/v8.0",
                        "windows/amd64/v1",
                        "windows/amd64/v3",
                        "windows/arm64/v8.0",
                    ],
                ),
                (
                    "beta",
                    &[
                        "linux/amd64/v1",
                        "darwin/arm64/v8.0",
                        "linux/riscv64/rva20u64",
                        "linux/arm/v6",
                        "linux/386/sse2",
                        "linux/mips/hardfloat",
                        "linux/s390x",
                    ],
                ),
            ],
            &[
                "builds[0].hooks.pre (line 35): not translated",
                "release (line 49): outside",
            ],
        ),
        (
            "first-class.yaml",
            &[(
                "app",
                &[
                    "darwin/amd64/v1",
                    "darwin/arm64/v8.0",
                    "linux/386/sse2",
                    "linux/amd64/v1",
                    "linux/arm/v6",
                    "linux/arm64/v8.0",
                    "windows/386/sse2",
                    "windows/amd64/v1",
                ],
            )],
            &["Created"],
        ),
        (
            // No project_name: goreleaser names the project after go.mod's module
            // path (example.com/multi); overrides match one level each; the templated
            // skip is built.
            "templates.yaml",
            &[
                ("multi", &["linux/amd64/v1", "linux/arm/v6", "linux/arm/v7"]),
                ("nightly", &["linux/arm64/v8.0"]),
            ],
            &[
                "builds[0].ldflags[1] (line 15): not translated: template `{{ time \"2006-01-02\" }}`",
                "builds[0].ldflags[2] (line 16): not translated: `{{ if .IsNightly }}`",
                "builds[0].ldflags[3] (line 17): not translated: template `{{ .Env.EXTRA_LDFLAGS }}`",
                "builds[1].skip (line 34): not translated",
                // In a literal block, the line of the template itself.
                "builds[1].ldflags (line 39): not translated: template `{{ .Summary }}`",
            ],
        ),
        // No project_name: release.github.name names the project before go.mod does.
        // An include is noted: it may hold builds.
        (
            "release-name.yaml",
            &[("toolbox", &["linux/amd64/v1"])],
            &["includes (line 11): not translated: included files are not read"],
        ),
        (
            // Anchors of a list and of two maps merged, a quoted key, !!str; goarm
            // `7,softfloat` has no target here and is noted; `skip: True` skips as
            // ParseBool reads it; a second `one` is `one-2`, noted; the second
            // document is not read.
            "edges.yaml",
            &[
                ("one", &["linux/amd64/v1", "linux/amd64/v2", "linux/arm/v7", "darwin/amd64/v1"]),
                ("two", &["js/wasm", "wasip1/wasm", "linux/loong64"]),
                ("one-2", &["linux/riscv64/rva20u64"]),
                ("all", &["linux/amd64/v1"]),
            ],
            &[
                "builds[0].goarm (line 12): not translated: linux/arm at level `7,softfloat`",
                "builds[2].skip (line 32): skipped",
                "builds[3].id (line 33): not translated: a second build with id `one`",
            ],
        ),
    ];
    for (fixture, profiles, notes) in cases {
        let p = project(fixture);
        let r = run(p.path(), &["init", "--from-goreleaser"]);
        r.code(0);
        let text = std::fs::read_to_string(p.path().join("xbuild-go.toml")).unwrap();
        for n in *notes {
            assert!(r.stderr.contains(n), "{fixture}: stderr lacks {n:?}\n{r}");
            if n.contains("(line") {
                assert!(
                    text.contains(&format!("#   {}", n.split(':').next().unwrap())),
                    "{fixture}: the file carries the note {n:?}\n{text}"
                );
            }
        }
        for (profile, want) in *profiles {
            let mut got = matrix(p.path(), profile);
            let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{fixture}: profile {profile}\n{text}");
        }
    }
}

#[test]
fn a_translated_profile_builds_into_goreleasers_layout() {
    let p = project("v2-matrix.yaml");
    run(p.path(), &["init", "--from-goreleaser", ".goreleaser.yaml"]).code(0);
    let text = std::fs::read_to_string(p.path().join("xbuild-go.toml")).unwrap();
    for want in [
        "ldflags = \"-s -w -X main.version={version} -X main.commit={short-commit}\"",
        "flags = [\"-trimpath\"]",
        "cgo = false",
        "env = { \"GOPROXY\" = \"off\" }",
        // goreleaser fills the override's level with the default, and matches that one.
        "[profile.alpha.target.\"linux/arm64/v8.0\"]\nenv = { \"CC\" = \"aarch64-linux-gnu-gcc\" }",
        "output = \"dist/beta_{target}/beta-{os}{exe}\"\nmtime = \"{commit-date}\"",
    ] {
        assert!(text.contains(want), "no {want:?} in\n{text}");
    }
    // A commit, so `mod_timestamp: "{{ .CommitTimestamp }}"` (mtime = "{commit-date}")
    // has a time to set: util::git commits at 2026-01-02T03:04:05Z.
    git(p.path(), &["init", "-q"]);
    git(p.path(), &["add", "-A"]);
    git(p.path(), &["commit", "-qm", "init"]);
    let commit_time: i64 = git(p.path(), &["log", "-1", "--format=%ct"])
        .trim()
        .parse()
        .unwrap();
    assert_eq!(commit_time, 1_767_323_045, "the commit's time");
    let (b, paths) = built_paths(p.path(), "beta");
    let root = p.path().display().to_string();
    // goreleaser's dist directories: `<id>_<os>_<arch>_<level>`, the level as go reads
    // it (GOARM `6` with no `v`, GOAMD64 `v1`, GOARM64 `v8.0`, GO386 `sse2`, GOMIPS
    // `hardfloat`), and no `_<level>` for an arch without one (s390x).
    let want: Vec<String> = [
        "dist/beta_darwin_arm64_v8.0/beta-darwin",
        "dist/beta_linux_386_sse2/beta-linux",
        "dist/beta_linux_amd64_v1/beta-linux",
        "dist/beta_linux_arm_6/beta-linux",
        "dist/beta_linux_mips_hardfloat/beta-linux",
        "dist/beta_linux_riscv64_rva20u64/beta-linux",
        "dist/beta_linux_s390x/beta-linux",
    ]
    .iter()
    .map(|s| format!("{root}/{s}"))
    .collect();
    assert_eq!(paths, want, "{b}");
    // mtime = "{commit-date}": every delivered file carries the commit's time, set on
    // the file (not a symlink) after the rename.
    use std::os::unix::fs::MetadataExt as _;
    for path in &paths {
        let meta = std::fs::symlink_metadata(path).unwrap();
        assert_eq!(meta.mtime(), commit_time, "{path}: mtime");
    }
}

#[test]
fn templates_env_and_overrides_become_values_a_profile_can_hold() {
    // Real configs' ldflags hold `{{ time … }}`, `{{ if .IsNightly }}…{{ end }}` and
    // `{{ .Env.X }}`, binaries `{{ .Version }}`, env GOFLAGS and overrides that set
    // ldflags, tags or CGO_ENABLED: what was kept as `{{ … }}` or put in `env` made
    // `matrix` and builds refuse the written file.
    let p = project("templates.yaml");
    run(p.path(), &["init", "--from-goreleaser"]).code(0);
    let text = std::fs::read_to_string(p.path().join("xbuild-go.toml")).unwrap();
    for want in [
        // `dist: out`; the version in the file name, as goreleaser names it.
        "output = \"out/multi_{target}/multi_v{version}{exe}\"",
        // Empty items dropped, the conditional's else kept, IsGitDirty as {dirty}.
        "ldflags = \"-s -w -X main.version={version} -X main.date= -X main.dirty={dirty} -X main.nightly=false\"",
        // GOFLAGS (top-level env) is `flags`, never `env`.
        "flags = [\"-trimpath\", \"-mod=mod\"]",
        "[profile.multi.target.\"linux/arm/v7\"]\nldflags = \"-s -w -X main.arm=7\"\ntags = [\"armv7\"]",
        "[profile.multi.target.\"linux/amd64/v1\"]\ncgo = true",
    ] {
        assert!(text.contains(want), "no {want:?} in\n{text}");
    }
    let values: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(
        !values
            .iter()
            .any(|l| l.contains("{{") || l.contains("GOFLAGS")),
        "a value keeps a template or GOFLAGS:\n{text}"
    );
    // The per-target tables resolve: env --explain for the overridden target.
    run(
        p.path(),
        &["env", "--profile", "multi", "--target", "linux/arm/v7"],
    )
    .code(0);
    // Tagged, the binary is named with the version, as goreleaser names it; matrix
    // lists the same file.
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &["commit", "-qm", "init"],
        &["tag", "v1.2.3"],
    ] {
        git(p.path(), args);
    }
    let args = ["--profile", "multi", "--target", "linux/arm/v6"];
    let b = run_json(p.path(), &args);
    b.code(0);
    let built = p.path().join("out/multi_linux_arm_6/multi_v1.2.3");
    assert_eq!(b.artifacts()[0]["path"], built.display().to_string(), "{b}");
    let m = run(
        p.path(),
        &[&["matrix", "--format", "json"][..], &args].concat(),
    );
    m.code(0)
        .stdout_has("\"outputs\":[\"out/multi_linux_arm_6/multi_v1.2.3\"]");
}

#[test]
fn a_main_pattern_builds_each_binary_under_its_own_name() {
    // `main: ./cmd/...` with no `binary`: goreleaser writes dist/ID_TARGET/<package
    // name> for each main package; one project-named file would be two plans' output.
    let p = project("edges.yaml");
    run(p.path(), &["init", "--from-goreleaser"]).code(0);
    let text = std::fs::read_to_string(p.path().join("xbuild-go.toml")).unwrap();
    assert!(
        text.contains("output = \"dist/all_{target}/{name}{exe}\""),
        "{text}"
    );
    let (b, paths) = built_paths(p.path(), "all");
    let root = p.path().display();
    assert_eq!(
        paths,
        [
            format!("{root}/dist/all_linux_amd64_v1/a"),
            format!("{root}/dist/all_linux_amd64_v1/b"),
        ],
        "{b}"
    );
}

#[test]
fn strict_bad_and_hostile_configs_are_refused_writing_nothing() {
    // (case, fixture, args, exit, what stderr says)
    let cases: &[(&str, &str, &[&str], i32, &str)] = &[
        ("strict", "v2-matrix.yaml", &["--strict"], 1, "--strict"),
        ("no go build", "no-go.yaml", &[], 2, "no go builds in"),
        ("YAML bomb", "bomb.yaml", &[], 2, "YAML bomb"),
        (
            "missing file",
            "v1-defaults.yaml",
            &["--from-goreleaser=nope.yaml"],
            2,
            "nope.yaml: no such file",
        ),
    ];
    for (case, fixture, extra, code, needle) in cases {
        let p = project(fixture);
        let mut args = vec!["init"];
        if !extra.iter().any(|a| a.starts_with("--from-goreleaser")) {
            args.push("--from-goreleaser");
        }
        args.extend_from_slice(extra);
        let r = run(p.path(), &args);
        assert_eq!(r.code, Some(*code), "{case}\n{r}");
        assert!(
            r.stderr.contains(needle),
            "{case}: stderr lacks {needle:?}\n{r}"
        );
        assert!(
            !p.path().join("xbuild-go.toml").exists(),
            "{case}: nothing written"
        );
    }
    // Shapes goreleaser refuses: exit 2 naming the key, nothing written; a build left
    // with no target is no profile, and the reason is the error's.
    let shapes: &[(&str, &str, i32, &str)] = &[
        (
            "builds a mapping",
            "builds: {id: x}\n",
            2,
            "builds (line 1): a list of builds",
        ),
        (
            "root a list",
            "- builds\n",
            2,
            "line 1: the config is not a mapping",
        ),
        (
            "unknown goos",
            "builds:\n  - goos: [plan10]\n",
            2,
            "no go builds in ",
        ),
        (
            "unknown goos, why",
            "builds:\n  - goos: [plan10]\n",
            2,
            ": builds[0].goos (line 2): not translated: goos `plan10`",
        ),
        (
            "ignore a mapping",
            "builds:\n  - goos: [linux]\n    goarch: [amd64]\n    ignore: {goos: linux}\n",
            0,
            "builds[0].ignore (line 4): not translated: ignore is a list",
        ),
    ];
    for (case, yaml, code, needle) in shapes {
        let p = Project::copy_of("multi");
        p.file(".goreleaser.yaml", yaml);
        let r = run(p.path(), &["init", "--from-goreleaser"]);
        assert_eq!(r.code, Some(*code), "{case}\n{r}");
        assert!(
            r.stderr.contains(needle),
            "{case}: stderr lacks {needle:?}\n{r}"
        );
        assert_eq!(
            p.path().join("xbuild-go.toml").exists(),
            *code == 0,
            "{case}: written only when it translates"
        );
    }
    // A `dir` that holds its own go.mod is another module: noted, and --strict refuses.
    let p = Project::copy_of("multi");
    p.file(
        ".goreleaser.yaml",
        "version: 2\nbuilds:\n  - id: sub\n    dir: ./sub\n    goos: [linux]\n    goarch: [amd64]\n",
    );
    p.file("sub/go.mod", "module example.com/sub\n\ngo 1.21\n");
    p.file("sub/main.go", "package main\n\nfunc main() {}\n");
    run(p.path(), &["init", "--from-goreleaser", "--strict"])
        .code(1)
        .stderr_has("builds[0].dir (line 4): not translated: ./sub is a module of its own");
    // `builds: []` is goreleaser's one default build, as no `builds` key is.
    let p = Project::copy_of("multi");
    p.file(".goreleaser.yaml", "version: 2\nbuilds: []\n");
    run(p.path(), &["init", "--from-goreleaser"]).code(0);
    assert_eq!(
        matrix(p.path(), "multi").len(),
        8,
        "builds: [] is the default build"
    );
    // strict passes a config whose builds translate entirely.
    let p = project("first-class.yaml");
    run(p.path(), &["init", "--from-goreleaser", "--strict"]).code(0);
    // An existing file is kept without --force.
    run(p.path(), &["init", "--from-goreleaser"])
        .code(2)
        .stderr_has("--force");
}
