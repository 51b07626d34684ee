//! The layers a profile was resolved from, kept with it so each target can be
//! resolved again.

use super::layer::Layer;
use super::overrides::Overrides;

/// The layers a profile was resolved from, kept so that each target can be resolved
/// again with its `target."..."` tables in place.
#[derive(Debug)]
pub(in crate::profile) struct Stack {
    /// Command line, the named profile's chain, `[build]`, built-in.
    pub(super) layers: Vec<Layer>,
    pub(super) cli: Overrides,
}
