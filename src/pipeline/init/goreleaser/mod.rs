//! `init --from-goreleaser`: a goreleaser config's go builds as profiles. Inner layers:
//! [`yaml`] (the tree with lines, anchors, merge keys, the alias bound), [`matrix`]
//! (a build's target set) and [`template`] (Go templates as placeholders) below
//! [`translate`] (builds to profiles, notes) below this file (finding, rendering).

pub mod matrix;
pub mod template;
pub mod translate;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::error::usage;
pub use translate::{Build, Note, Translation};

/// The files looked for without FILE, in goreleaser's order.
pub const DEFAULT_FILES: &[&str] = &[
    ".goreleaser.yaml",
    ".goreleaser.yml",
    "goreleaser.yaml",
    "goreleaser.yml",
];

/// The config file: FILE, else the first default in `dir`. None found is exit 2.
pub fn find(dir: &Path, file: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(f) = file {
        let p = dir.join(f);
        if !p.is_file() {
            return Err(usage(format!(
                "--from-goreleaser {}: no such file",
                p.display()
            )));
        }
        return Ok(p);
    }
    DEFAULT_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            usage(format!(
                "no goreleaser config in {} (looked for {}); name one: --from-goreleaser FILE",
                dir.display(),
                DEFAULT_FILES.join(", ")
            ))
        })
}

/// Reads and translates `file`. Bad YAML, a YAML bomb, a root or `builds` of the
/// wrong shape, or no go build is exit 2.
pub fn load(file: &Path, dir_name: &str) -> anyhow::Result<Translation> {
    let bytes = crate::input::file::read(file, 4 << 20)
        .map_err(|e| usage(format!("{}: {e}", file.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| usage(format!("{}: not UTF-8 text", file.display())))?;
    let root = yaml::parse(&text).map_err(|e| usage(format!("{}: {e}", file.display())))?;
    translate::translate(&root, dir_name).map_err(|e| {
        match e.strip_prefix(translate::NO_GO_BUILDS) {
            Some(why) => usage(format!("no go builds in {}{why}", file.display())),
            None => usage(format!("{}: {e}", file.display())),
        }
    })
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", q.join(", "))
}

fn table(pairs: &[(String, String)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{} = {}", quote(k), quote(v)))
        .collect();
    format!("{{ {} }}", q.join(", "))
}

/// The profile file of a translation, its notes as comments.
pub fn render(t: &Translation, source: &Path, go: Option<&str>) -> String {
    let mut out = format!(
        "# Translated by `cargo xbuild-go init --from-goreleaser` from {}:\n\
         # one profile per go build; `cargo xbuild-go --profile ID` builds one.\n",
        source.display()
    );
    if !t.notes.is_empty() {
        out.push_str("#\n# Not translated:\n");
        for n in &t.notes {
            out.push_str(&format!("#   {n}\n"));
        }
    }
    for b in &t.builds {
        out.push_str(&format!("\n[profile.{}]\n", super::writer::key(&b.name)));
        out.push_str(&format!("targets = {}\n", list(&b.targets)));
        out.push_str(&format!("package = {}\n", quote(&b.package)));
        out.push_str(&format!("output = {}\n", quote(&b.output)));
        if let Some(m) = &b.mtime {
            match m.parse::<i64>() {
                Ok(n) => out.push_str(&format!("mtime = {n}\n")),
                Err(_) => out.push_str(&format!("mtime = {}\n", quote(m))),
            }
        }
        out.push_str(&format!("ldflags = {}\n", quote(&b.ldflags)));
        if !b.flags.is_empty() {
            out.push_str(&format!("flags = {}\n", list(&b.flags)));
        }
        if !b.tags.is_empty() {
            out.push_str(&format!("tags = {}\n", list(&b.tags)));
        }
        if let Some(go) = go {
            out.push_str(&format!("go = {}\n", quote(&format!(">={go}"))));
        }
        if let Some(c) = b.cgo {
            out.push_str(&format!("cgo = {c}\n"));
        }
        if !b.env.is_empty() {
            out.push_str(&format!("env = {}\n", table(&b.env)));
        }
        if !b.pass_env.is_empty() {
            out.push_str(&format!("pass-env = {}\n", list(&b.pass_env)));
        }
        for (target, o) in &b.overrides {
            out.push_str(&format!(
                "\n[profile.{}.target.{}]\n",
                super::writer::key(&b.name),
                quote(target)
            ));
            if let Some(c) = o.cgo {
                out.push_str(&format!("cgo = {c}\n"));
            }
            if let Some(l) = &o.ldflags {
                out.push_str(&format!("ldflags = {}\n", quote(l)));
            }
            if !o.flags.is_empty() {
                out.push_str(&format!("flags = {}\n", list(&o.flags)));
            }
            if !o.tags.is_empty() {
                out.push_str(&format!("tags = {}\n", list(&o.tags)));
            }
            if !o.env.is_empty() {
                out.push_str(&format!("env = {}\n", table(&o.env)));
            }
        }
    }
    out
}
