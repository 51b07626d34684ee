//! The host environment as a value: read once from the process, then passed down, so
//! tests never touch the real one and no child inherits it by accident. The bottom of
//! `toolchain`.

use std::collections::BTreeMap;

/// The host environment, passed in as a value so tests never touch the real one.
pub type HostEnv = BTreeMap<String, String>;

/// The real process environment as a value (variables that are not UTF-8 are skipped:
/// none of the ones the scrub keeps can be).
pub fn host_env() -> HostEnv {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}
