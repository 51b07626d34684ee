//! The command line's settings, which outrank every profile layer: a leaf the layers,
//! the precedence and the resolver all read.

/// Settings from the command line; each `Some` overrides every profile layer.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub targets: Option<Vec<String>>,
    pub package: Option<String>,
    /// `-o`: a path or template relative to the working directory.
    pub output: Option<String>,
    pub cgo: Option<bool>,
    pub ldflags: Option<String>,
    pub tags: Option<Vec<String>>,
    pub rebuild_all: Option<bool>,
    /// Added to the profile's `pass-env`.
    pub pass_env: Vec<String>,
    pub go_args: Vec<String>,
    /// `--stamp KEY=VALUE`, added to (and overriding keys of) the profile's `stamp`.
    pub stamp: Vec<(String, String)>,
    /// `--static` / `--no-static`: the `verify.static` requirement for this run.
    pub static_: Option<bool>,
    /// `--version-override`: the value of `{version}` (not a profile setting).
    pub version: Option<String>,
    /// `--cache-program CMD`: the GOCACHEPROG command for this run.
    pub cache_program: Option<String>,
    /// `--no-cache-program`: no cache program (nor the host's GOCACHEPROG) this run.
    pub no_cache_program: bool,
}
