//! The layers of STYLE.md ("A layout that shows the pipeline"),
//! checked from the source: a module names no module of a layer above it. Every
//! `crate::NAME` in a file (in `use` lines and in paths alike) counts; comments do not.
//!
//! Checked so far: the bottom (`sanitize`, `envvars`, `digest`), `report`, `evidence`
//! and `pipeline`. A failure names the file, the line and the module it may not use.

use std::path::{Path, PathBuf};

/// (the module's files, the top-level modules they may not name, why).
const RULES: &[(&str, &[&str], &str)] = &[
    (
        "sanitize",
        &[
            "profile",
            "image",
            "verify",
            "registry",
            "toolchain",
            "report",
            "evidence",
            "pipeline",
            "commands",
            "cli",
        ],
        "redaction and escaping are the bottom layer: everything above uses them",
    ),
    (
        "envvars.rs",
        &[
            "profile",
            "image",
            "verify",
            "toolchain",
            "report",
            "evidence",
            "pipeline",
            "commands",
            "cli",
            "sanitize",
        ],
        "the variable-name facts are a neutral bottom module",
    ),
    (
        "digest.rs",
        &[
            "profile",
            "image",
            "verify",
            "toolchain",
            "report",
            "evidence",
            "pipeline",
            "commands",
            "cli",
        ],
        "hex and sha256 are a neutral bottom module",
    ),
    (
        "report",
        &["evidence", "pipeline", "commands"],
        "the report knows nothing of the layers above it: evidence renders from it",
    ),
    (
        "evidence",
        &["pipeline", "commands"],
        "evidence is rendered from the report and the facts pipeline gathers",
    ),
    ("pipeline", &["commands"], "commands are the glue on top"),
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            rust_files(&e, out);
        }
    } else if path.extension().is_some_and(|x| x == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The top-level modules a line of code names as `crate::NAME`.
fn named_modules(line: &str) -> Vec<&str> {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices("crate::")
        .map(|(i, m)| {
            let rest = &code[i + m.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn no_module_names_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (module, above, why) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(module), &mut files);
        assert!(!files.is_empty(), "src/{module} has no Rust files");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for name in named_modules(line) {
                    if above.contains(&name) {
                        broken.push(format!(
                            "{}:{}: names crate::{name} ({why})\n    {}",
                            file.strip_prefix(&src).unwrap_or(&file).display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "layers broken:\n{}", broken.join("\n"));
}

#[test]
fn named_modules_reads_paths_not_comments() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "use crate::report::{ArtifactReport, Reporter};",
            &["report"],
        ),
        (
            "    let x = crate::digest::hex(&b); // crate::evidence",
            &["digest"],
        ),
        ("pub use crate::sanitize::{escape, redact};", &["sanitize"]),
        ("fn f() {}", &[]),
    ];
    for (line, want) in cases {
        assert_eq!(named_modules(line), want, "{line}");
    }
}
