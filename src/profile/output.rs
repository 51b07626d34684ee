//! The `output` key: a path template with placeholders, and what a relative one is
//! relative to.

use std::path::{Path, PathBuf};

use super::placeholders;
use crate::target::Target;

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

/// Placeholders an output template may use: the artifact's ([`placeholders::ARTIFACT`]).
pub const OUTPUT_PLACEHOLDERS: &[&str] = placeholders::ARTIFACT;

impl Output {
    /// Expands the template for one target. `name` is the main package's binary name.
    pub fn expand(
        &self,
        name: &str,
        profile: &str,
        target: &Target,
        module_dir: &Path,
        work_dir: &Path,
    ) -> PathBuf {
        // Each placeholder filled once, left to right: a value holding `{os}` stays as
        // it is. `validate` has refused every template this could not fill.
        let text = placeholders::expand(&self.template, |n| match n {
            "name" => Some(name.to_string()),
            "profile" => Some(profile.to_string()),
            other => target.placeholder(other),
        })
        .unwrap_or_else(|_| self.template.clone());
        let path = PathBuf::from(text);
        if path.is_absolute() {
            return path;
        }
        match &self.base {
            OutputBase::ModuleDir => module_dir.join(path),
            OutputBase::Dir(d) => d.join(path),
            OutputBase::WorkDir => work_dir.join(path),
        }
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
            if !OUTPUT_PLACEHOLDERS.contains(&key) {
                return Err(placeholders::unknown(
                    key,
                    &format!("output template `{}`", self.template),
                    OUTPUT_PLACEHOLDERS,
                ));
            }
            rest = &after[close + 1..];
        }
        Ok(())
    }
}
