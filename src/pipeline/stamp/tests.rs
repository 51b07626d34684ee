use super::*;
use crate::profile::{resolve, Overrides, ProfileFile};
use std::path::Path;

fn filled(toml: &str, version: &str) -> anyhow::Result<ResolvedProfile> {
    let file =
        ProfileFile::parse(Path::new("/repo/xbuild-go.toml"), toml.to_string()).expect("parses");
    let p = resolve(Some(&file), "golden", &Overrides::default()).expect("resolves");
    let vars = |n: &str| (n == "version").then(|| version.to_string());
    let origin = |_: &str| "XBUILD_GO_VERSION".to_string();
    fill(&p, &vars, &origin)
}

#[test]
fn values_stay_in_their_word_everywhere_go_splits() {
    let evil = "1 -extld=/tmp/evil";
    // (case, profile, what the filled profile must hold)
    type Holds<'a> = &'a dyn Fn(&ResolvedProfile) -> bool;
    let cases: &[(&str, &str, Holds)] = &[
        (
            "ldflags string",
            "[profile.golden]\nldflags = \"-s -X main.v={version}\"\n",
            &|p| p.ldflags.value == "-s -X 'main.v=1 -extld=/tmp/evil'",
        ),
        (
            "gcflags with a pattern",
            "[profile.golden]\nflags = [\"-gcflags=all=-N -d={version}\"]\n",
            &|p| p.flags.value == ["-gcflags=all=-N '-d=1 -extld=/tmp/evil'"],
        ),
        (
            "-ldflags VALUE pair",
            "[profile.golden]\nflags = [\"--ldflags\", \"-X a.b={version}\", \"-tags={version}\"]\n",
            &|p| {
                p.flags.value
                    == [
                        "--ldflags",
                        "-X 'a.b=1 -extld=/tmp/evil'",
                        "-tags=1 -extld=/tmp/evil",
                    ]
            },
        ),
        (
            "CGO_LDFLAGS",
            "[profile.golden]\nenv = { CGO_LDFLAGS = \"-L/x/{version}\", NOTE = \"{version}\" }\n",
            &|p| {
                p.env.iter().any(|(k, v)| k == "CGO_LDFLAGS" && v.value == "'-L/x/1 -extld=/tmp/evil'")
                    && p.env.iter().any(|(k, v)| k == "NOTE" && v.value == evil)
            },
        ),
        (
            "no placeholder: as written",
            "[profile.golden]\nldflags = \"-X \\\"a.b=c d\\\"\"\n",
            &|p| p.ldflags.value == "-X \"a.b=c d\"",
        ),
    ];
    for (case, toml, ok) in cases {
        let p = filled(toml, evil).unwrap_or_else(|e| panic!("{case}: {e:#}"));
        assert!(
            ok(&p),
            "{case}: {:?} {:?} {:?}",
            p.ldflags.value,
            p.flags.value,
            p.env
        );
    }
}

#[test]
fn values_go_cannot_carry_are_refused_by_name() {
    let cases = [
        (
            "[profile.golden]\nldflags = \"-X a.b={version}\"\n",
            "1' \"2",
        ),
        (
            "[profile.golden]\nldflags = [\"-X\", \"a.b={version}\"]\n",
            "1\n2",
        ),
        (
            "[profile.golden]\nflags = [\"-gcflags={version}=-N\"]\n",
            "x=-N",
        ),
        ("[profile.golden]\nenv = { CC = \"{version}\" }\n", "a\0b"),
    ];
    for (toml, v) in cases {
        let err = filled(toml, v).expect_err(toml);
        let e = format!("{err:#}");
        assert!(
            e.contains("`{version}`") && e.contains("XBUILD_GO_VERSION"),
            "{toml}: {e}"
        );
        assert_eq!(
            crate::error::exit_for(&err),
            crate::error::Exit::Usage,
            "{e}"
        );
    }
}
