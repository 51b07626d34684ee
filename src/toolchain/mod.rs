//! The Go toolchain: finding `go` and its version, the `go env -w` file, the child
//! environment, and running `go build`. The only module that spawns processes.

pub mod childenv;
pub mod goenv;
pub mod locate;
pub mod run;

use std::collections::BTreeMap;

pub use childenv::{child_env, ChildEnv, GoEnvFile};
pub use locate::{locate, Go, GoFrom};

/// The host environment, passed in as a value so tests never touch the real one.
pub type HostEnv = BTreeMap<String, String>;

/// The real process environment as a value (variables that are not UTF-8 are skipped:
/// none of the ones the scrub keeps can be).
pub fn host_env() -> HostEnv {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Reads the `go env -w` file named by the host environment, if it exists.
pub fn read_goenv(host: &HostEnv) -> GoEnvFile {
    let path = goenv::path(host);
    let text = path.as_ref().and_then(|p| std::fs::read_to_string(p).ok());
    GoEnvFile { path, text }
}
