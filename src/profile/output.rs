//! The `output` key: a path template with placeholders (the artifact's and the
//! source's), what a relative one is relative to, and the source values a path refuses.

use std::path::{Path, PathBuf};

use super::placeholders;

/// What a relative `output` is relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputBase {
    /// The Go module directory (the built-in default `{name}`).
    ModuleDir,
    /// The directory of the profile file that set it.
    Dir(PathBuf),
    /// The working directory (`-o` on the command line, after `-C`).
    WorkDir,
}

/// An output path template (`dist/{name}-{os}-{arch}{variant}{exe}`) and its base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub template: String,
    pub base: OutputBase,
}

/// Why a value of the source may not go into an output path, if it may not: a value
/// is one piece of a file name, so it never holds a path separator, a NUL or another
/// control character, and is never empty, `.` or `..`. Tag names and
/// `XBUILD_GO_VERSION` are written by whoever can push a tag or set a variable: a tag
/// `v1/../../x` must not move the output.
pub fn refusal(value: &str) -> Option<&'static str> {
    if value.contains(['/', '\\']) {
        Some("holds a path separator, which would move the output (a value names part of a file, never a directory)")
    } else if value.chars().any(char::is_control) {
        Some("holds a NUL or control character, which no file name should hold")
    } else if value.is_empty() {
        Some("is empty, which would leave the path with an empty part")
    } else if value == "." || value == ".." {
        Some("is a directory name (`.` or `..`), which would move the output")
    } else {
        None
    }
}

/// A source placeholder whose value an output path refuses ([`refusal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub placeholder: String,
    pub value: String,
    pub why: &'static str,
}

impl Output {
    /// Expands the template: every placeholder ([`placeholders::all`]) filled once,
    /// left to right, by `value` (a value holding `{os}` stays as it is), the source's
    /// values checked by [`refusal`]. Relative results are joined to the base.
    /// `validate` has refused every template this could not fill.
    pub fn expand(
        &self,
        value: &dyn Fn(&str) -> Option<String>,
        module_dir: &Path,
        work_dir: &Path,
    ) -> Result<PathBuf, Refused> {
        let (text, used) = placeholders::expand_used(&self.template, value)
            .unwrap_or_else(|_| (self.template.clone(), Vec::new()));
        for (n, v) in used {
            if !placeholders::SOURCE.contains(&n) {
                continue;
            }
            if let Some(why) = refusal(&v) {
                return Err(Refused {
                    placeholder: n.to_string(),
                    value: v,
                    why,
                });
            }
        }
        let path = PathBuf::from(text);
        if path.is_absolute() {
            return Ok(path);
        }
        Ok(match &self.base {
            OutputBase::ModuleDir => module_dir.join(path),
            OutputBase::Dir(d) => d.join(path),
            OutputBase::WorkDir => work_dir.join(path),
        })
    }

    /// Rejects placeholders we do not know, e.g. `{arc}`, and control characters (a
    /// newline in a file name would split lines of logs and checksum files).
    pub fn validate(&self) -> Result<(), String> {
        if self.template.chars().any(char::is_control) {
            return Err(format!(
                "output template {:?} holds a control character: name the file without one",
                self.template
            ));
        }
        let mut rest = self.template.as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(format!(
                    "unclosed `{{` in output template `{}`",
                    self.template
                ));
            };
            let key = &after[..close];
            if !placeholders::all().any(|k| k == key) {
                return Err(placeholders::unknown(
                    key,
                    &format!("output template `{}`", self.template),
                    &placeholders::all().collect::<Vec<_>>(),
                ));
            }
            rest = &after[close + 1..];
        }
        Ok(())
    }
}
