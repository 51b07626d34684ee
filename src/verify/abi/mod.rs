//! ABI facts an ELF records beside its code: the ARM build attributes (`.ARM.attributes`)
//! and the GNU properties (`.note.gnu.property`, AArch64 build attributes), read by one
//! bounds-checked reader of notes and attribute subsections.

pub mod arm_attributes;
pub mod gnu_property;
mod note;
#[cfg(test)]
mod test_bytes;
