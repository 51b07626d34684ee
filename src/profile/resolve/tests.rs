//! Unit tests of profile resolution: precedence, inheritance, per-target tables and
//! the errors that name where a value was set.

use std::path::Path;

use super::{resolve, Overrides};
use crate::profile::{CcSetting, Libc, ProfileFile, ResolvedProfile, SmokeIsolation};
use crate::target::Target;

fn file(text: &str) -> ProfileFile {
    ProfileFile::parse(Path::new("/repo/xbuild-go.toml"), text.to_string()).expect("parses")
}

fn err_of(text: &str, profile: &str) -> String {
    match ProfileFile::parse(Path::new("/repo/xbuild-go.toml"), text.to_string()) {
        Err(e) => format!("{e:#}"),
        Ok(f) => format!(
            "{:#}",
            resolve(Some(&f), profile, &Overrides::default()).unwrap_err()
        ),
    }
}

const FILE: &str = r#"[build]
package = "./cmd/server"
ldflags = ["-s"]

[profile.golden]
cgo = false

[profile.base]
targets = ["linux/amd64"]
tags = ["netgo"]
env = { GOPROXY = "off", A = "base" }

[profile.release]
inherits = "base"
flags = ["-trimpath"]
env = { A = "release" }

[profile.release.verify]
max-size = "40MiB"
"#;

/// (case name, profile, overrides, field, expected value, expected source text)
#[test]
fn precedence_table() {
    let f = file(FILE);
    let cli_tags = Overrides {
        tags: Some(vec!["osusergo".into()]),
        ..Overrides::default()
    };
    let cli_target = Overrides {
        targets: Some(vec!["linux/arm/v7,linux/riscv64".into()]),
        ..Overrides::default()
    };
    let none = Overrides::default();
    type Get = fn(&ResolvedProfile) -> (String, String);
    let cases: &[(&str, &str, &Overrides, Get, &str, &str)] = &[
        (
            "builtin_targets_when_nothing_sets_them",
            "golden",
            &none,
            |r| {
                (
                    format!(
                        "{:?}",
                        r.targets
                            .value
                            .iter()
                            .map(|t| t.to_string())
                            .collect::<Vec<_>>()
                    ),
                    r.targets.source.to_string(),
                )
            },
            "[\"linux/arm64\"]",
            "built-in golden profile",
        ),
        (
            "build_table_overrides_builtin",
            "golden",
            &none,
            |r| (r.package.value.join(","), r.package.source.to_string()),
            "./cmd/server",
            "[build] at /repo/xbuild-go.toml:2:11",
        ),
        (
            "build_ldflags_list_joined",
            "golden",
            &none,
            |r| (r.ldflags.value.clone(), r.ldflags.source.to_string()),
            "-s",
            "[build] at /repo/xbuild-go.toml:3:11",
        ),
        (
            "named_profile_over_build",
            "release",
            &none,
            |r| (format!("{:?}", r.flags.value), r.flags.source.to_string()),
            "[\"-trimpath\"]",
            "profile `release` at /repo/xbuild-go.toml:15:9",
        ),
        (
            "inherited_over_build",
            "release",
            &none,
            |r| (format!("{:?}", r.tags.value), r.tags.source.to_string()),
            "[\"netgo\"]",
            "inherited from profile `base` at /repo/xbuild-go.toml:10:8",
        ),
        (
            "cli_over_inherited",
            "release",
            &cli_tags,
            |r| (format!("{:?}", r.tags.value), r.tags.source.to_string()),
            "[\"osusergo\"]",
            "command-line flag --tags",
        ),
        (
            "cli_targets_comma_list",
            "release",
            &cli_target,
            |r| {
                (
                    r.targets
                        .value
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                    r.targets.source.to_string(),
                )
            },
            "linux/arm/v7 linux/riscv64",
            "command-line flag --target",
        ),
        (
            "env_merges_per_key_named_wins",
            "release",
            &none,
            |r| {
                (
                    format!(
                        "{:?}",
                        r.env
                            .iter()
                            .map(|(k, v)| format!("{k}={}", v.value))
                            .collect::<Vec<_>>()
                    ),
                    r.env[0].1.source.to_string(),
                )
            },
            "[\"A=release\", \"GOPROXY=off\"]",
            "profile `release` at /repo/xbuild-go.toml:16:13",
        ),
        (
            "verify_subtable_of_named_profile",
            "release",
            &none,
            |r| {
                (
                    format!("{:?}", r.verify.max_size.value),
                    r.verify.max_size.source.to_string(),
                )
            },
            "Some(41943040)",
            "profile `release` at /repo/xbuild-go.toml:19:12",
        ),
        (
            "verify_default_from_builtin",
            "release",
            &none,
            |r| {
                (
                    r.verify.static_.value.to_string(),
                    r.verify.static_.source.to_string(),
                )
            },
            "true",
            "built-in golden profile",
        ),
        (
            "file_golden_overrides_builtin_golden",
            "golden",
            &none,
            |r| (r.cgo.value.to_string(), r.cgo.source.to_string()),
            "false",
            "profile `golden` at /repo/xbuild-go.toml:6:7",
        ),
    ];
    for (case, profile, cli, get, want_value, want_source) in cases {
        let r = resolve(Some(&f), profile, cli).unwrap_or_else(|e| panic!("{case}: {e:#}"));
        let (value, source) = get(&r);
        assert_eq!(
            (value.as_str(), source.as_str()),
            (*want_value, *want_source),
            "case {case}"
        );
    }
}

/// smoke-isolation: best-effort built in, set by a profile, inherited, overridden by
/// a target table, each with where it was set.
#[test]
fn smoke_isolation_resolves_per_profile_and_target() {
    let f = file(
        r#"[profile.base]
smoke-isolation = "required"
[profile.child]
inherits = "base"
[profile.loose]
inherits = "base"
[profile.loose.target."linux/arm64"]
smoke-isolation = "best-effort"
"#,
    );
    let arm64 = Target::parse("linux/arm64").unwrap();
    let cases: &[(&str, Option<&str>, SmokeIsolation, &str)] = &[
        ("golden", None, SmokeIsolation::BestEffort, "built-in"),
        ("base", None, SmokeIsolation::Required, ":2:19"),
        ("child", None, SmokeIsolation::Required, ":2:19"),
        ("loose", None, SmokeIsolation::Required, ":2:19"),
        (
            "loose",
            Some("linux/arm64"),
            SmokeIsolation::BestEffort,
            ":8:19",
        ),
    ];
    for (profile, target, want, at) in cases {
        let p = resolve(Some(&f), profile, &Overrides::default()).unwrap();
        let p = match target {
            Some(_) => p.for_target(&arm64).unwrap(),
            None => p,
        };
        let got = &p.smoke_isolation;
        assert_eq!(got.value, *want, "case {profile} {target:?}");
        assert!(
            got.source.to_string().contains(at),
            "case {profile} {target:?}: set at {}",
            got.source
        );
    }
}

/// cc, libc and glibc: defaults, per-target tables, the floor as the glibc limit
/// (unless max-glibc is set), and static kept true with musl.
#[test]
fn c_toolchain_keys_resolve_per_target() {
    let f = file(
        r#"[profile.golden]
cgo = true
glibc = "2.28"
[profile.golden.target."linux/arm/v7"]
libc = "musl"
cc = "zig"
[profile.golden.target."linux/riscv64"]
cc = "riscv64-linux-gnu-gcc -O1"
[profile.golden.target."linux/riscv64".verify]
max-glibc = "2.36"
"#,
    );
    let p = resolve(Some(&f), "golden", &Overrides::default()).unwrap();
    let t = |s: &str| p.for_target(&Target::parse(s).unwrap()).unwrap();
    let cases: &[(&str, &str, &str, &str, &str, bool)] = &[
        // (target, cc, libc, glibc, max-glibc with its line, static)
        ("linux/arm64", "auto", "glibc", "2.28", "2.28 :3:9", false),
        ("linux/arm/v7", "zig", "musl", "2.28", "none", true),
        (
            "linux/riscv64",
            "riscv64-linux-gnu-gcc -O1",
            "glibc",
            "2.28",
            "2.36 :10:13",
            false,
        ),
    ];
    for (target, cc, libc, glibc, max, static_) in cases {
        let r = t(target);
        let m = &r.verify.max_glibc;
        let max_got = m.value.as_ref().map_or("none".to_string(), |v| {
            let s = m.source.to_string();
            format!("{v} :{}", s.rsplit_once(".toml:").map_or("", |x| x.1))
        });
        assert_eq!(
            (
                r.cc.value.to_string().as_str(),
                r.libc.value.as_str(),
                r.glibc.value.as_deref().unwrap_or(""),
                max_got.as_str(),
                r.verify.static_.value
            ),
            (*cc, *libc, *glibc, *max, *static_),
            "case {target}"
        );
    }
    let b = resolve(None, "golden", &Overrides::default()).unwrap();
    assert_eq!(
        (b.cc.value.clone(), b.libc.value, b.glibc.value.clone()),
        (CcSetting::Auto, Libc::Glibc, None)
    );
}

#[test]
fn no_file_is_builtin_golden() {
    let r = resolve(None, "golden", &Overrides::default()).unwrap();
    assert_eq!(r.ldflags.value, "-s -w");
    assert!(
        !r.cgo.value && !r.rebuild_all.value && r.verify.static_.value && r.verify.stripped.value
    );
    let e = resolve(None, "relase", &Overrides::default()).unwrap_err();
    assert!(format!("{e}").contains("unknown profile `relase`"), "{e}");
}

#[test]
fn ldflags_elements_are_quoted_for_go() {
    let f = file("[profile.golden]\nldflags = [\"-s\", \"-X\", \"main.msg=hello world\", \"-X\", \"main.q=it's here\", \"-X\", \"main.r=it's\"]\n");
    let r = resolve(Some(&f), "golden", &Overrides::default()).unwrap();
    assert_eq!(
        r.ldflags.value,
        "-s -X 'main.msg=hello world' -X \"main.q=it's here\" -X main.r=it's"
    );
    let f = file("[profile.golden]\nldflags = [\"-X\", \"main.x=a 'b' \\\"c\\\"\"]\n");
    let e = resolve(Some(&f), "golden", &Overrides::default()).unwrap_err();
    assert!(format!("{e}").contains("xbuild-go.toml:2:11"), "{e}");
    assert!(format!("{e}").contains("cannot express"), "{e}");
}

#[test]
fn errors_name_file_line_column_and_suggest() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "unknown_key",
            "[profile.golden]\npakage = \".\"\n",
            "golden",
            &[
                "/repo/xbuild-go.toml:2:1",
                "unknown field `pakage`",
                "did you mean `package`?",
            ],
        ),
        (
            "unknown_verify_key",
            "[profile.golden.verify]\nstripd = true\n",
            "golden",
            &["/repo/xbuild-go.toml:2:1", "did you mean `stripped`?"],
        ),
        (
            "verify_key_at_profile_level",
            "[profile.golden]\nmax-size = \"1KiB\"\n",
            "golden",
            &[
                "/repo/xbuild-go.toml:2:1",
                "`max-size` is a key of the `verify` table ([profile.NAME.verify])",
            ],
        ),
        (
            "unknown_image_key_a_prefix",
            "[profile.golden.image]\nrepo = \"x\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:1", "did you mean `repository`?"],
        ),
        (
            "image_key_at_profile_level",
            "[profile.golden]\nrepository = \"x\"\n",
            "golden",
            &["`repository` is a key of the `image` table"],
        ),
        (
            "wrong_type",
            "[profile.golden]\ncgo = \"yes\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:7", "bool"],
        ),
        (
            "bad_enum",
            "[profile.golden.verify]\naarch64-bti = \"always\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:15", "require"],
        ),
        (
            "unknown_profile",
            "[profile.release]\n",
            "relase",
            &["unknown profile `relase`; profiles: release, golden; did you mean `release`?"],
        ),
        (
            "unknown_inherited",
            "[profile.a]\ninherits = \"goldn\"\n",
            "a",
            &[
                "/repo/xbuild-go.toml:2:12",
                "unknown profile `goldn`",
                "did you mean `golden`?",
            ],
        ),
        (
            "cycle",
            "[profile.a]\ninherits = \"b\"\n[profile.b]\ninherits = \"a\"\n",
            "a",
            &["/repo/xbuild-go.toml:4:12", "cycle: a -> b -> a"],
        ),
        (
            "bad_target",
            "[profile.golden]\ntargets = [\"linux/arm46\"]\n",
            "golden",
            &["/repo/xbuild-go.toml:2:11", "did you mean `linux/arm64`"],
        ),
        (
            "inherits_in_build",
            "[build]\ninherits = \"golden\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:12", "not allowed in [build]"],
        ),
        (
            "env_owns_goarch",
            "[profile.golden]\nenv = { GOARCH = \"amd64\" }\n",
            "golden",
            &["/repo/xbuild-go.toml:2:18", "`env` may not set GOARCH"],
        ),
        (
            "bad_size",
            "[profile.golden.verify]\nmax-size = \"big\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:12", "not a size"],
        ),
        (
            "bad_go",
            "[profile.golden]\ngo = \"1.22\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:6", "exact pin needs a patch"],
        ),
        (
            "bad_glibc",
            "[profile.golden]\nglibc = \"2\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:9: glibc = \"2\": expected a glibc version"],
        ),
        (
            "bad_max_glibc",
            "[profile.golden.verify]\nmax-glibc = \"2.x\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:13: max-glibc = \"2.x\": expected a glibc version"],
        ),
        (
            "bad_smoke_timeout",
            "[profile.golden]\nsmoke-timeout = \"soon\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:17: smoke-timeout: `soon` is not a duration"],
        ),
        (
            "bad_size_names_key",
            "[profile.golden.verify]\nmax-size = \"big\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:12: max-size: `big` is not a size"],
        ),
        (
            "empty_cc",
            "[build]\ncc = \" \"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:6: cc = \"\": name \"auto\""],
        ),
        (
            "bad_template",
            "[build]\noutput = \"{nme}\"\n",
            "golden",
            &["/repo/xbuild-go.toml:2:10", "did you mean `name`"],
        ),
        (
            "not_toml",
            "[profile.golden\n",
            "golden",
            &["/repo/xbuild-go.toml:1:"],
        ),
    ];
    for (case, text, profile, needles) in cases {
        let e = err_of(text, profile);
        for n in *needles {
            assert!(e.contains(n), "case {case}: `{n}` not in error: {e}");
        }
    }
}

const IMAGES: &str = r#"[build.image]
repository = "example.com/app"

[profile.base.image]
base = "oci:base:1"
user = "nonroot"
env = { A = "1" }

[profile.child]
inherits = "base"

[profile.child.image]
tags = ["{version}", "latest"]

[profile.plain]
"#;

#[test]
fn the_image_table_inherits_key_by_key_with_its_defaults() {
    let f = file(IMAGES);
    let get = |name: &str| {
        resolve(Some(&f), name, &Overrides::default())
            .unwrap_or_else(|e| panic!("{name}: {e:#}"))
            .image
    };
    let child = get("child").expect("child has an image table");
    let value = |v: &Option<crate::profile::Sourced<String>>| v.as_ref().map(|s| s.value.clone());
    for (case, got, want) in [
        ("base inherited", value(&child.base), Some("oci:base:1")),
        ("user inherited", value(&child.user), Some("nonroot")),
        (
            "repository from [build]",
            value(&child.repository),
            Some("example.com/app"),
        ),
        ("workdir unset", value(&child.workdir), None),
    ] {
        assert_eq!(got.as_deref(), want, "case {case}");
    }
    assert_eq!(child.tags.value, ["{version}", "latest"], "own tags");
    assert!(
        child.tags.source.to_string().contains(":13:"),
        "{}",
        child.tags.source
    );
    let base = get("base").expect("base");
    assert_eq!(base.tags.value, ["{version}"], "default tags");
    assert_eq!(base.path.value, "/usr/local/bin/{name}", "default path");
    assert_eq!(base.env.map(|e| e.value.len()), Some(1), "env table");
    // [build.image] alone gives every profile an image table (with no base).
    let plain = get("plain").expect("[build.image] applies");
    assert!(plain.base.is_none(), "no base set");
    assert!(get("golden").is_some(), "golden gets [build.image] too");
}

#[test]
fn image_table_errors_name_the_key_and_line() {
    for (case, text, needles) in [
        (
            "unknown key",
            "[profile.golden.image]\nbsae = \"oci:x\"\n",
            &[
                "xbuild-go.toml:2:1",
                "unknown field `bsae`",
                "did you mean `base`",
            ][..],
        ),
        (
            "unknown placeholder in a tag",
            "[profile.golden.image]\ntags = [\"{verison}\"]\n",
            &["xbuild-go.toml:2:8", "image.tags", "did you mean `version`"][..],
        ),
        (
            "no tags",
            "[profile.golden.image]\ntags = []\n",
            &["image.tags", "at least one tag"][..],
        ),
        (
            "bad env name",
            "[profile.golden.image]\nenv = { \"A B\" = \"1\" }\n",
            &["image.env", "not a variable name"][..],
        ),
        (
            "empty base",
            "[profile.golden.image]\nbase = \" \"\n",
            &["xbuild-go.toml:2:8", "image.base"][..],
        ),
        (
            "wrong type",
            "[profile.golden.image]\nports = 8080\n",
            &["xbuild-go.toml:2:9", "invalid type"][..],
        ),
    ] {
        let e = err_of(text, "golden");
        for n in needles {
            assert!(e.contains(n), "case {case}: `{n}` not in: {e}");
        }
    }
}
