//! Unit tests of the profile's value types: Go requirements, sizes, output templates,
//! and locations in a file.

use std::path::{Path, PathBuf};

use super::file::{line_starts, location_in};
use super::*;
use crate::target::Target;

#[test]
fn go_requirements() {
    let v = |s| GoVersion::parse(s).unwrap();
    let cases = [
        (">=1.21", "go1.26.8", true),
        (">=1.21", "go1.20.14", false),
        (">= 1.22.3", "1.22.3", true),
        (">=1.22.3", "1.22.2", false),
        ("1.22.12", "go1.22.12", true),
        ("1.22.12", "go1.22.11", false),
        (">=1.23", "go1.23rc1", true),
        ("1.22.x", "go1.22.12", true),
        ("1.22.x", "go1.22", true),
        ("1.22.x", "go1.23.0", false),
        ("1.22.*", "go1.21.9", false),
    ];
    for (req, found, ok) in cases {
        let r = GoRequirement::parse(req).unwrap();
        assert_eq!(r.is_met_by(&v(found)), ok, "requirement {req} vs {found}");
    }
    assert!(
        GoRequirement::parse("1.22").is_err(),
        "exact pin without patch"
    );
    assert!(GoRequirement::parse(">=banana").is_err());
    let e = GoRequirement::parse(">=1.99999999999999999999").unwrap_err();
    assert!(e.contains("out of range"), "{e}");
    assert!(GoRequirement::parse("1.22.3.x").is_err());
}

#[test]
fn sizes() {
    for (s, want) in [
        ("40MiB", Some(40 << 20)),
        ("1.5 KiB", Some(1536)),
        ("2000", Some(2000)),
        ("3MB", Some(3_000_000)),
        ("3 furlongs", None),
        ("MiB", None),
        (".5KiB", Some(512)),
        ("1.", Some(1)),
        ("0.0000000000000000000001GiB", Some(0)),
        ("16777215.999999999999GiB", Some(18_014_398_509_481_983)),
        ("18446744073709551615", Some(u64::MAX)),
        ("18446744073709551616", None),
        ("17179869184GiB", None),
        ("99999999999999999999999999GiB", None),
        (".", None),
        ("1.2.3MiB", None),
        ("-1MiB", None),
    ] {
        assert_eq!(parse_size(s).ok(), want, "size {s}");
    }
}

#[test]
fn output_templates() {
    let t = Target::parse("linux/arm/v7").unwrap();
    // The values plan.rs gives: the artifact's, then the source's.
    let vars = |source: &'static str| {
        let t = t.clone();
        move |n: &str| match n {
            "name" => Some("app".to_string()),
            "profile" => Some("golden".to_string()),
            "version" | "tag" => Some(source.to_string()),
            other => t.placeholder(other),
        }
    };
    let o = Output {
        template: "dist/{name}-{os}-{arch}{variant}{exe}".into(),
        base: OutputBase::Dir("/repo".into()),
    };
    assert!(o.validate().is_ok());
    assert_eq!(
        o.expand(&vars("1.2.3"), Path::new("/m"), Path::new("/w")),
        Ok(PathBuf::from("/repo/dist/app-linux-armv7"))
    );
    let w = Target::parse("windows/amd64").unwrap();
    let o = Output {
        template: "{name}{exe}".into(),
        base: OutputBase::WorkDir,
    };
    let wvars = |n: &str| match n {
        "name" => Some("app".to_string()),
        other => w.placeholder(other),
    };
    assert_eq!(
        o.expand(&wvars, Path::new("/m"), Path::new("/w")),
        Ok(PathBuf::from("/w/app.exe"))
    );
    let bad = Output {
        template: "{name}-{arc}".into(),
        base: OutputBase::ModuleDir,
    };
    let err = bad.validate().unwrap_err();
    assert!(err.contains("did you mean `arch`"), "{err}");
    // Source placeholders: each value filled once; one that could move the path refused.
    let o = Output {
        template: "dist/{name}_v{version}-{os}{variant}".into(),
        base: OutputBase::ModuleDir,
    };
    assert!(o.validate().is_ok(), "every placeholder is known to output");
    // (case, version, the placeholder refused and why, or the path)
    let cases: &[(&str, &'static str, Result<&str, &str>)] = &[
        ("plain", "1.2.3", Ok("/m/dist/app_v1.2.3-linuxv7")),
        (
            "a placeholder in a value stays",
            "{os}",
            Ok("/m/dist/app_v{os}-linuxv7"),
        ),
        (
            "dev build",
            "0.0.0-dev+abc",
            Ok("/m/dist/app_v0.0.0-dev+abc-linuxv7"),
        ),
        ("slash", "1/../../x", Err("path separator")),
        ("backslash", "1\\..", Err("path separator")),
        ("dot dot", "..", Err("directory name")),
        ("dot", ".", Err("directory name")),
        ("empty", "", Err("empty")),
        ("newline", "1\n2", Err("control character")),
        ("nul", "1\u{0}", Err("control character")),
        ("escape", "1\u{1b}[2J", Err("control character")),
    ];
    for (case, version, want) in cases {
        let got = o.expand(&vars(version), Path::new("/m"), Path::new("/w"));
        match (got, want) {
            (Ok(p), Ok(w)) => assert_eq!(p, PathBuf::from(w), "{case}"),
            (Err(r), Err(w)) => {
                assert_eq!(r.placeholder, "version", "{case}");
                assert_eq!(r.value, *version, "{case}");
                assert!(r.why.contains(w), "{case}: {}", r.why);
            }
            (got, w) => panic!("{case}: {got:?} vs {w:?}"),
        }
    }
    // Only the source's values are judged: an empty {variant} is the usual case.
    let o = Output {
        template: "{name}{variant}{exe}".into(),
        base: OutputBase::WorkDir,
    };
    let amd = Target::parse("linux/amd64").unwrap();
    let avars = |n: &str| match n {
        "name" => Some("app".to_string()),
        other => amd.placeholder(other),
    };
    assert_eq!(
        o.expand(&avars, Path::new("/m"), Path::new("/w")),
        Ok(PathBuf::from("/w/app"))
    );
}

#[test]
fn locations_are_one_based() {
    let text = "a = 1\nbb = 2\n";
    let starts = line_starts(text);
    for (offset, want) in [
        (7, (2, 2)),
        (0, (1, 1)),
        (5, (1, 6)),
        (6, (2, 1)),
        (99, (3, 1)),
    ] {
        let l = location_in(Path::new("f.toml"), text, &starts, offset);
        assert_eq!((l.line, l.column), want, "offset {offset}");
    }
    // Columns count characters, not bytes.
    let text = "k = \"é\" x";
    let l = location_in(
        Path::new("f.toml"),
        text,
        &line_starts(text),
        text.len() - 1,
    );
    assert_eq!((l.line, l.column), (1, 9));
}

/// The known-keys tables of `schema` (for did-you-mean and the docs) name exactly the
/// keys the TOML structs accept: serde's "expected one of" lists those.
#[test]
fn key_tables_match_the_schema() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("top_level", "zzz = 1\n", schema::FILE_KEYS),
        ("build", "[build]\nzzz = 1\n", schema::LAYER_KEYS),
        ("profile", "[profile.p]\nzzz = 1\n", schema::LAYER_KEYS),
        (
            "target",
            "[profile.p.target.\"linux/arm64\"]\nzzz = 1\n",
            schema::TARGET_KEYS,
        ),
        ("verify", "[build.verify]\nzzz = 1\n", schema::VERIFY_KEYS),
        (
            "target_verify",
            "[build.target.\"linux/arm64\".verify]\nzzz = 1\n",
            schema::VERIFY_KEYS,
        ),
    ];
    for (case, text, table) in cases {
        let err = ProfileFile::parse(Path::new("f.toml"), text.to_string()).unwrap_err();
        let msg = format!("{err:#}");
        let expected = msg
            .split_once("expected ")
            .unwrap_or_else(|| panic!("case {case}: no expected keys in {msg}"))
            .1;
        let mut accepted: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let mut known = table.to_vec();
        accepted.sort_unstable();
        known.sort_unstable();
        assert_eq!(accepted, known, "case {case}: {msg}");
    }
}

#[test]
fn the_target_placeholders_are_those_a_target_fills() {
    let t = Target::parse("linux/arm/v7").unwrap();
    for n in placeholders::all() {
        assert_eq!(
            t.placeholder(n).is_some(),
            placeholders::TARGET.contains(&n),
            "{{{n}}}"
        );
    }
}
