//! Provenance: where a resolved value came from (a flag, a table at `file:line:column`,
//! an inherited profile, the built-in golden profile), carried with the value.

use std::fmt;
use std::path::PathBuf;

/// Where a resolved value came from, for `env --explain` and error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The built-in golden profile.
    BuiltIn,
    /// The `[build]` table.
    Build(Location),
    /// The named profile's own table.
    Profile { name: String, at: Location },
    /// A profile the named one inherits from.
    Inherited { name: String, at: Location },
    /// A command-line flag.
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::BuiltIn => f.write_str("built-in golden profile"),
            Source::Build(at) => write!(f, "[build] at {at}"),
            Source::Profile { name, at } => write!(f, "profile `{name}` at {at}"),
            Source::Inherited { name, at } => write!(f, "inherited from profile `{name}` at {at}"),
            Source::Flag(flag) => write!(f, "command-line flag {flag}"),
        }
    }
}

/// `file:line:column`, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    pub fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}
