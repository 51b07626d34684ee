//! Go build information (what `go version -m` prints) read from an executable's bytes, the way Go's `debug/buildinfo` and `runtime/debug.ParseBuildInfo` do it, without running `go`.
//!
//! The linker leaves a blob that starts with the 14-byte magic `"\xff Go buildinf:"` at a
//! 16-byte aligned address at the start of the data: in the `.go.buildinfo` section (ELF),
//! the `__go_buildinfo` section (Mach-O), or else the first writable data segment or section.
//! Its 32-byte header holds the pointer size (byte 14) and flags (byte 15: bit 0 big endian,
//! bit 1 "inline"). Since Go 1.18 ("inline") the header is followed by two strings, each
//! prefixed by its length as an unsigned varint: the Go version and the module info. Up to
//! Go 1.17 the header instead holds two pointers (at offset 16) to Go string headers
//! `{data, len}` for the same two strings, which are followed through the file's address map.
//!
//! The module info is framed by two 16-byte sentinels and holds the text of
//! `runtime/debug.BuildInfo.String`: `path`, `mod`, `dep`, `=>` and `build` lines, with keys
//! and values Go-quoted (`strconv.Quote`) when they contain blanks, quotes or `=`.
//!
//! Everything here slices the file's bytes: nothing is copied but the final strings, and every
//! loop is bounded by the size of the data it walks.

mod blob;
mod formats;
mod info;
mod modinfo;
mod quote;
#[cfg(test)]
mod tests;

pub use blob::{from_regions, translate, uvarint, Mapped, Region, MAGIC};
pub use formats::{from_bytes, from_elf, from_macho, from_pe};
pub use info::{BuildInfo, Module};
pub use modinfo::parse_modinfo;
pub use quote::{key_needs_quotes, quote, unquote, unquote_prefix, value_needs_quotes};
