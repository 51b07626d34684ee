//! The executable formats, parsed: ELF, Mach-O (thin and universal) and PE, read into
//! their headers, sections, segments, symbols, load commands and imports. Parse only:
//! nothing here judges a file or knows about Go; the checks and extractors above use
//! the parsed form.

pub mod bytes;
pub mod elf_file;
pub mod leb128;
pub mod macho;
pub mod pe;

use crate::target::Format;

/// The most entries of a list taken from a file (needed libraries, build settings, ...)
/// that a verdict names; the rest are counted.
pub const MAX_LIST: usize = 64;
/// The longest string taken from a file that a verdict shows; longer ones are cut.
pub const MAX_TEXT: usize = 1024;

crate::error::message_error! {
    /// The file could not be read as an executable at all.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Malformed(pub String);
}

/// The format by magic number.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    match bytes.get(..4)? {
        [0x7f, b'E', b'L', b'F'] => Some(Format::Elf),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf]
        | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
        | [0xca, 0xfe, 0xba, 0xbe]
        | [0xbe, 0xba, 0xfe, 0xca] => Some(Format::Macho),
        [b'M', b'Z', ..] => Some(Format::Pe),
        _ => None,
    }
}
