//! Resolving a profile: a list of layers from highest to lowest (command line, the
//! named profile, the profiles it inherits, `[build]`, built-in golden) and, for every
//! setting, the first layer that sets it.
//!
//! - [`layer`]: one layer, from the built-in profile, the command line or a TOML table;
//! - [`inherit`]: `inherits` chains walked once per file, merged into one layer;
//! - [`precedence`]: the first layer that sets each value, checked into a
//!   [`ResolvedProfile`];
//! - [`values`]: checks and quoting of single values (env entries, stamps, glibc
//!   versions, go's `-ldflags` quoting).

mod inherit;
mod layer;
mod overrides;
mod precedence;
mod stack;
mod values;

#[cfg(test)]
mod tests;

pub use inherit::Resolver;
pub use overrides::Overrides;
pub(super) use stack::Stack;
pub use values::is_env_name;
pub(crate) use values::{check_stamp, go_quote, GO_SPACE};

use super::{ProfileFile, ResolvedProfile};
use crate::target::Target;
use layer::Layer;
use precedence::finish;

/// The name of the built-in profile, and the default `--profile`.
pub const BUILTIN_PROFILE: &str = "golden";

/// Resolves the named profile from the file (if any), the built-in golden profile and
/// the command line. To resolve several profiles of one file, use one [`Resolver`].
pub fn resolve(
    file: Option<&ProfileFile>,
    name: &str,
    cli: &Overrides,
) -> anyhow::Result<ResolvedProfile> {
    Resolver::new(file).resolve(name, cli)
}

impl ResolvedProfile {
    /// This profile for one target: the `target."OS/ARCH[/VARIANT]"` tables that match
    /// it (of the named profile's chain, nearest first, then `[build]`'s; an exact key
    /// before an `os/arch` one) rank between the command line and the profile. A
    /// profile without such tables is returned as it is.
    pub fn for_target(&self, target: &Target) -> anyhow::Result<ResolvedProfile> {
        let stack = &self.stack;
        let mut tables: Vec<&Layer> = Vec::new();
        for layer in &stack.layers {
            for exact in [true, false] {
                tables.extend(
                    layer
                        .target_tables
                        .iter()
                        .filter(|(k, _)| k.exact == exact && k.matches(target))
                        .map(|(_, l)| l),
                );
            }
        }
        if tables.is_empty() {
            return Ok(self.clone());
        }
        let mut layers: Vec<Layer> = Vec::with_capacity(stack.layers.len() + tables.len());
        layers.push(stack.layers[0].clone());
        layers.extend(tables.into_iter().cloned());
        layers.extend(stack.layers[1..].iter().cloned());
        finish(
            &self.name,
            self.file.clone(),
            &layers,
            &stack.cli,
            stack.clone(),
        )
    }
}
