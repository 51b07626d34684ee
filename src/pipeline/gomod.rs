//! What the tool reads from go.mod and go.work: the module path, the `go` directive
//! and the `toolchain` line, with their line numbers.

use std::path::{Path, PathBuf};

use crate::profile::GoVersion;

/// What the tool needs from go.mod or go.work: the module path (go.mod), the `go`
/// directive and the `toolchain` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoMod {
    pub file: PathBuf,
    /// The module path; empty for a go.work file.
    pub module: String,
    /// The `go` line (a minimum toolchain since Go 1.21) and its line number.
    pub go: Option<(GoVersion, usize)>,
    /// The `toolchain` line (`go1.27.3`, or `default`) and its line number.
    pub toolchain: Option<(String, usize)>,
}

impl GoMod {
    /// Reads `DIR/go.mod`.
    pub fn read(module_dir: &Path) -> Result<GoMod, String> {
        let file = module_dir.join("go.mod");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("reading `{}`: {e}", file.display()))?;
        GoMod::parse(&file, &text)
    }

    /// Reads a go.work file (no `module` line).
    pub fn read_work(file: &Path) -> Result<GoMod, String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("reading `{}`: {e}", file.display()))?;
        Ok(GoMod::scan(file, &text))
    }

    pub fn parse(file: &Path, text: &str) -> Result<GoMod, String> {
        let m = GoMod::scan(file, text);
        if m.module.is_empty() {
            return Err(format!("{}: no `module` line", file.display()));
        }
        Ok(m)
    }

    fn scan(file: &Path, text: &str) -> GoMod {
        let mut module = None;
        let mut go = None;
        let mut toolchain = None;
        for (i, line) in text.lines().enumerate() {
            let l = line.split("//").next().unwrap_or("").trim();
            let mut words = l.split_whitespace();
            match (words.next(), words.next()) {
                (Some("module"), Some(m)) if module.is_none() => {
                    module = Some(m.trim_matches('"').trim_matches('`').to_string());
                }
                (Some("go"), Some(v)) if go.is_none() => {
                    go = GoVersion::parse(v).ok().map(|v| (v, i + 1));
                }
                (Some("toolchain"), Some(t)) if toolchain.is_none() => {
                    toolchain = Some((t.to_string(), i + 1));
                }
                _ => {}
            }
        }
        GoMod {
            file: file.to_path_buf(),
            module: module.unwrap_or_default(),
            go,
            toolchain,
        }
    }

    /// `file:line` of a line of this file.
    pub fn at(&self, line: usize) -> String {
        format!("{}:{line}", self.file.display())
    }
}

#[cfg(test)]
mod tests;
