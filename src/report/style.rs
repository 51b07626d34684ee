//! What the renderers need of a run's settings: colour, quiet and verbose, and the host
//! secrets, so they turn host text into what may be shown ([`Style::clean`]) without
//! knowing the [`super::Reporter`] that writes what they return.

use std::path::Path;

use crate::sanitize::escape;
use crate::sanitize::redact::Secrets;

/// A reporter's look, borrowed for one rendering.
#[derive(Debug, Clone, Copy)]
pub struct Style<'a> {
    pub color: bool,
    pub quiet: bool,
    pub verbose: u8,
    pub secrets: &'a Secrets,
}

impl Style<'_> {
    /// Free text as it may be shown: secrets masked, URL credentials hidden, unsafe
    /// characters escaped (newlines and tabs kept).
    pub fn clean(&self, text: &str) -> String {
        escape::text(&self.secrets.clean(text)).into_owned()
    }

    /// One value as it may be shown on one line (newlines escaped too).
    pub fn clean_value(&self, text: &str) -> String {
        escape::value(&self.secrets.clean(text)).into_owned()
    }
}

/// A path for people: relative to the working directory when under it, as cargo does;
/// one line, unsafe characters and invalid UTF-8 escaped.
pub fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    escape::path(path.strip_prefix(&cwd).unwrap_or(path))
}
