//! Profiles: the `xbuild-go.toml` schema, where the file is found, and how the
//! layers (command line, named profile, inherited profiles, `[build]`, built-in golden)
//! resolve into one [`ResolvedProfile`] whose every value knows where it came from.
//!
//! Reads files only; no processes, no terminal, no process environment.
//!
//! - [`schema`]: the TOML tables and their known keys;
//! - `discover`: where the profile file, the Go module and the workspace are;
//! - `file`: a profile file read and parsed, errors at `file:line:column`;
//! - `resolve`: layers, inheritance and precedence into a [`ResolvedProfile`];
//! - `resolved`: the resolved profile and its `env --explain` rows;
//! - `source`: provenance of every value;
//! - value types: `output` templates, `go_version` requirements, `size`s,
//!   [`duration`]s and [`placeholders`].

mod discover;
pub mod duration;
mod file;
mod go_version;
pub mod lock;
mod output;
pub mod placeholders;
mod resolve;
mod resolved;
pub mod schema;
mod size;
mod source;

#[cfg(test)]
mod tests;

pub use discover::{find_build_dir, find_module_dir, find_profile_file, find_workspace};
pub use file::ProfileFile;
pub use go_version::{GoRequirement, GoVersion};
pub use output::{Output, OutputBase, Refused};
pub(crate) use resolve::{check_stamp, go_quote, GO_SPACE};
pub use resolve::{is_env_name, resolve, Overrides, Resolver, BUILTIN_PROFILE};
pub use resolved::{
    CcSetting, ImageSettings, ResolvedProfile, VerifyPolicy, DEFAULT_IMAGE_PATH, DEFAULT_IMAGE_TAGS,
};
pub use schema::{BtiPolicy, FloatAbi, Libc, SmokeIsolation};
pub use size::parse_size;
pub use source::{Location, Source, Sourced};

/// The profile file's name.
pub const FILE_NAME: &str = "xbuild-go.toml";
