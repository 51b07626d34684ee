//! The inputs of `merge`: every file under the INPUT directories (or named), walked
//! without following a link out of its directory, bounded in depth, count and size, and
//! each recognised by its content, never by its name: a `sha256sum` file, an in-toto
//! Statement with a SLSA provenance v1 or VSA v1 predicate, a CycloneDX document, a
//! JUnit file, or an OCI image layout directory. Anything else (the artifacts
//! themselves) is left alone.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::evidence::{PROVENANCE_TYPE, STATEMENT_TYPE, VSA_TYPE};
use crate::input::file;
use crate::report::checksums::{self, Entry};

/// The largest document read (64 MiB, as `verify --provenance`).
pub const MAX_DOCUMENT: u64 = crate::evidence::check::MAX_PROVENANCE;
/// How deep an input directory is searched.
pub const MAX_DEPTH: usize = 16;
/// How many entries an input directory may hold in all.
pub const MAX_ENTRIES: usize = 100_000;

/// What a document is.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `sha256sum` lines; names relative to the file's directory.
    Checksums(Vec<Entry>),
    Provenance(Value),
    Vsa(Value),
    /// A CycloneDX document (its bytes are copied as they are).
    Sbom,
    /// A JUnit file's text.
    Junit(String),
}

impl Kind {
    /// The statement, when this is a provenance.
    pub fn provenance(&self) -> Option<&Value> {
        match self {
            Kind::Provenance(v) => Some(v),
            _ => None,
        }
    }

    /// The statement, when this is a VSA.
    pub fn vsa(&self) -> Option<&Value> {
        match self {
            Kind::Vsa(v) => Some(v),
            _ => None,
        }
    }
}

/// The documents of one kind with their statements, in input order: `pick` is
/// [`Kind::provenance`] or [`Kind::vsa`].
pub fn statements(docs: &[Doc], pick: fn(&Kind) -> Option<&Value>) -> Vec<(&Doc, &Value)> {
    docs.iter()
        .filter_map(|d| Some((d, pick(&d.kind)?)))
        .collect()
}

/// One recognised document.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The runner it came from: the first directory below its INPUT
    /// (`actions/download-artifact` puts each upload in `NAME/`), else the INPUT itself.
    pub runner: String,
    /// The path read, and as shown (relative to the working directory when under it).
    pub path: PathBuf,
    pub shown: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub kind: Kind,
}

/// What the inputs hold: the documents, the OCI layouts, and every refusal, each a
/// message naming its file.
#[derive(Debug, Default)]
pub struct Found {
    pub docs: Vec<Doc>,
    /// (runner, layout directory).
    pub layouts: Vec<(String, PathBuf)>,
    pub problems: Vec<String>,
}

/// Shows `p` relative to `cwd` when under it.
pub fn shown(p: &Path, cwd: &Path) -> String {
    crate::sanitize::escape::path(p.strip_prefix(cwd).unwrap_or(p))
}

/// Reads every input. A named path that does not exist, or a named file that is no
/// document, is a usage error (exit 2).
pub fn discover(inputs: &[PathBuf], cwd: &Path) -> anyhow::Result<Found> {
    let mut found = Found::default();
    for input in inputs {
        let path = cwd.join(input);
        let meta = std::fs::metadata(&path)
            .map_err(|e| crate::error::usage(format!("merge input `{}`: {e}", input.display())))?;
        let runner = crate::sanitize::escape::path(input);
        if meta.is_dir() {
            let real = std::fs::canonicalize(&path).map_err(|e| {
                crate::error::usage(format!("merge input `{}`: {e}", input.display()))
            })?;
            let mut walk = Walk {
                top: real.clone(),
                top_runner: runner,
                cwd,
                entries: 0,
                found: &mut found,
            };
            walk.dir(&real, &path, 0, None);
        } else {
            match read_doc(&path, cwd) {
                Ok(Some((bytes, kind))) => found.docs.push(doc(runner, &path, cwd, bytes, kind)),
                Ok(None) => {
                    return Err(crate::error::usage(format!(
                        "merge input `{}` is no document merge reads (a sha256sum file, \
                         a provenance or VSA statement, a CycloneDX SBOM, a JUnit file)",
                        input.display()
                    )))
                }
                Err(e) => found.problems.push(e),
            }
        }
    }
    Ok(found)
}

fn doc(runner: String, path: &Path, cwd: &Path, bytes: Vec<u8>, kind: Kind) -> Doc {
    Doc {
        runner,
        path: path.to_path_buf(),
        shown: shown(path, cwd),
        sha256: crate::digest::sha256_hex(&bytes),
        bytes,
        kind,
    }
}

struct Walk<'a> {
    /// The INPUT directory, resolved: nothing outside it is read.
    top: PathBuf,
    top_runner: String,
    cwd: &'a Path,
    entries: usize,
    found: &'a mut Found,
}

impl Walk<'_> {
    /// Walks `dir` (shown as `at`), `runner` being the first directory below the top.
    fn dir(&mut self, dir: &Path, at: &Path, depth: usize, runner: Option<&str>) {
        let list = match std::fs::read_dir(dir) {
            Ok(l) => l,
            Err(e) => {
                let shown = shown(at, self.cwd);
                self.found.problems.push(format!("reading `{shown}`: {e}"));
                return;
            }
        };
        let mut names: Vec<std::ffi::OsString> =
            list.filter_map(|e| e.ok().map(|e| e.file_name())).collect();
        names.sort();
        if dir.join("oci-layout").is_file() {
            let runner = runner.unwrap_or(&self.top_runner).to_string();
            self.found.layouts.push((runner, at.to_path_buf()));
            return;
        }
        for name in names {
            self.entries += 1;
            let path = dir.join(&name);
            let shown_at = at.join(&name);
            let shown = shown(&shown_at, self.cwd);
            if self.entries > MAX_ENTRIES {
                self.found.problems.push(format!(
                    "`{}` holds more than {MAX_ENTRIES} entries: refused",
                    crate::sanitize::escape::path(&self.top)
                ));
                return;
            }
            let here = runner
                .map(str::to_string)
                .unwrap_or_else(|| name.to_string_lossy().into_owned());
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let ft = meta.file_type();
            if ft.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(real) if real.starts_with(&self.top) => {
                        // A link to a file inside is read as that file; a link to a
                        // directory inside is walked where it is.
                        if real.is_file() {
                            self.file(&real, &shown_at, here, runner.is_some());
                        }
                    }
                    _ => self.found.problems.push(format!(
                        "`{shown}` is a symlink leading out of the input directory `{}`: refused",
                        crate::sanitize::escape::path(&self.top)
                    )),
                }
                continue;
            }
            if ft.is_dir() {
                if depth + 1 >= MAX_DEPTH {
                    self.found.problems.push(format!(
                        "`{shown}` is more than {MAX_DEPTH} directories deep: refused"
                    ));
                    continue;
                }
                self.dir(&path, &shown_at, depth + 1, Some(&here));
            } else if ft.is_file() {
                self.file(&path, &shown_at, here, runner.is_some());
            } else {
                self.found.problems.push(format!(
                    "`{shown}` is not a regular file (a FIFO, socket or device): refused"
                ));
            }
        }
    }

    fn file(&mut self, path: &Path, shown_at: &Path, runner: String, below: bool) {
        let runner = if below {
            runner
        } else {
            self.top_runner.clone()
        };
        match read_doc(path, self.cwd) {
            Ok(Some((bytes, kind))) => {
                let mut d = doc(runner, shown_at, self.cwd, bytes, kind);
                d.path = path.to_path_buf();
                self.found.docs.push(d);
            }
            Ok(None) => {}
            Err(e) => self.found.problems.push(e),
        }
    }
}

/// Reads `path` when its first bytes look like a document, bounded; `None` when it is
/// no document (a binary, a text file of another kind).
fn read_doc(path: &Path, cwd: &Path) -> Result<Option<(Vec<u8>, Kind)>, String> {
    let shown = shown(path, cwd);
    let (f, len) = file::open(path).map_err(|e| e.to_string())?;
    let head = file::read_up_to(f, len, 512).map_err(|e| format!("reading `{shown}`: {e}"))?;
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| head[i]);
    let candidate = match start {
        Some(b'{') | Some(b'<') => true,
        Some(b) => b.is_ascii_hexdigit() || b == b'\\',
        None => false,
    };
    if !candidate {
        return Ok(None);
    }
    if len > MAX_DOCUMENT {
        // Text that opens like a JSON or XML document is refused; anything else this
        // big (a binary whose first byte happens to be a hex digit) is left alone.
        let text = match std::str::from_utf8(&head) {
            Ok(t) => Some(t),
            Err(e) if e.valid_up_to() + 4 > head.len() => {
                std::str::from_utf8(&head[..e.valid_up_to()]).ok()
            }
            Err(_) => None,
        };
        let opens = text.is_some_and(|t| t.trim_start().starts_with(['{', '<']));
        if opens {
            return Err(format!(
                "`{shown}` is {len} bytes: a document merge reads is at most {MAX_DOCUMENT} bytes; refused"
            ));
        }
        return Ok(None);
    }
    let (f, len) = file::open(path).map_err(|e| e.to_string())?;
    let bytes = file::read_bounded(f, len, MAX_DOCUMENT, path).map_err(|e| e.to_string())?;
    recognise(&bytes, &shown).map(|k| k.map(|k| (bytes, k)))
}

/// The kind of a document by its content.
pub fn recognise(bytes: &[u8], shown: &str) -> Result<Option<Kind>, String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => return Ok(None),
    };
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('{') {
        let Ok(v) = serde_json::from_str::<Value>(t) else {
            return Ok(None);
        };
        let statement = v["_type"] == STATEMENT_TYPE;
        if statement && v["predicateType"] == PROVENANCE_TYPE {
            crate::input::json::no_duplicate_keys(bytes).map_err(|e| {
                format!("`{shown}`: refused: {e} (a reader could take either value)")
            })?;
            crate::evidence::check::parse(bytes, shown)?;
            return Ok(Some(Kind::Provenance(v)));
        }
        if statement && v["predicateType"] == VSA_TYPE {
            crate::input::json::no_duplicate_keys(bytes).map_err(|e| {
                format!("`{shown}`: refused: {e} (a reader could take either value)")
            })?;
            if !v["subject"].is_array() {
                return Err(format!(
                    "`{shown}`: a verification summary with no `subject` list"
                ));
            }
            return Ok(Some(Kind::Vsa(v)));
        }
        if v["bomFormat"] == "CycloneDX" {
            return Ok(Some(Kind::Sbom));
        }
        return Ok(None);
    }
    if t.starts_with('<') {
        if t.contains("<testsuites") || t.contains("<testsuite ") {
            return Ok(Some(Kind::Junit(t.to_string())));
        }
        return Ok(None);
    }
    match checksums::parse(bytes) {
        Ok(entries) if !entries.is_empty() => Ok(Some(Kind::Checksums(entries))),
        _ => Ok(None),
    }
}
