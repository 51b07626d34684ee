//! The one bounds-checked reader under both ABI readers: ELF notes (`u32 namesz, u32
//! descsz, u32 type`, name, descriptor, each padded to the note alignment) and attribute
//! sections (`'A'`, then subsections of `u32 length` counting itself and an NTBS name),
//! the layout of both `.ARM.attributes` kinds. Every length is checked against what is
//! left before it is used; malformed input is a [`SectionError`] naming the offset.

use crate::verify::format::leb128::{align_up, Reader, SectionError};

/// One ELF note, its descriptor still to be read.
pub(super) struct Note<'a> {
    pub name: &'a [u8],
    pub n_type: u32,
    /// The descriptor size as the header gives it.
    pub descsz: u32,
    pub desc: Reader<'a>,
}

/// Calls `each` with every note of a note section or segment, in order. `align` is the
/// note alignment (8 for `.note.gnu.property` on ELF64, else 4); missing padding after
/// the last note is tolerated.
pub(super) fn notes<'a>(
    section: &'a [u8],
    align: usize,
    little_endian: bool,
    mut each: impl FnMut(Note<'a>) -> Result<(), SectionError>,
) -> Result<(), SectionError> {
    let mut r = Reader::new(section);
    while !r.is_empty() {
        let start = r.offset();
        let left = r.remaining();
        if left < 12 {
            return Err(SectionError::new(
                start,
                format!("note header at offset 0x{start:x} needs 12 bytes but only {left} remain"),
            ));
        }
        let namesz = r.u32(little_endian, "namesz")?;
        let descsz = r.u32(little_endian, "descsz")?;
        let n_type = r.u32(little_endian, "note type")?;
        let name_len = usize::try_from(namesz).unwrap_or(usize::MAX);
        let desc_len = usize::try_from(descsz).unwrap_or(usize::MAX);
        // Offsets relative to the note start; the name and descriptor both end on `align`.
        let desc_rel = name_len
            .checked_add(12)
            .and_then(|v| align_up(v, align))
            .filter(|&v| v <= left)
            .ok_or_else(|| {
                SectionError::new(
                    start,
                    format!(
                        "note at offset 0x{start:x} has namesz {namesz} (0x{namesz:x}) but only {} bytes follow its header",
                        left.saturating_sub(12)
                    ),
                )
            })?;
        let desc_end = desc_rel
            .checked_add(desc_len)
            .filter(|&v| v <= left)
            .ok_or_else(|| {
                SectionError::new(
                    start,
                    format!(
                        "note at offset 0x{start:x} has descsz {descsz} (0x{descsz:x}) but only {} bytes follow its name",
                        left.saturating_sub(desc_rel)
                    ),
                )
            })?;
        let name = r.bytes(name_len, "note name")?;
        r.skip(desc_rel.saturating_sub(12).saturating_sub(name_len));
        let desc = r.take(desc_len, "note descriptor")?;
        // Trailing padding may be cut short by the end of the section.
        let next = align_up(desc_end, align).unwrap_or(usize::MAX);
        r.skip(next.saturating_sub(desc_end));
        each(Note {
            name,
            n_type,
            descsz,
            desc,
        })?;
    }
    Ok(())
}

/// How one kind of attribute section names itself in messages and what its subsections
/// hold at the least.
pub(super) struct Attributes<'s> {
    /// Put before "section"/"format version" in messages: `""` or `"AArch64 build-attributes "`.
    pub label: &'s str,
    /// The subsection's name in messages, e.g. "vendor subsection".
    pub subsection: &'s str,
    /// The name field's name in messages, e.g. "vendor name".
    pub name: &'s str,
    /// The smallest length a subsection may claim (its length field, name NUL, fixed fields).
    pub min_len: usize,
}

/// Checks the format version `'A'` of an attribute section and calls `each` with every
/// subsection's name and the rest of its body, in order.
pub(super) fn subsections<'a>(
    section: &'a [u8],
    little_endian: bool,
    kind: &Attributes<'_>,
    mut each: impl FnMut(String, Reader<'a>) -> Result<(), SectionError>,
) -> Result<(), SectionError> {
    let label = kind.label;
    let mut r = Reader::new(section);
    if r.is_empty() {
        return Err(SectionError::new(
            0,
            format!("{label}section is empty: expected format version 'A' (0x41) at offset 0x0"),
        ));
    }
    let version = r.u8("format version")?;
    if version != b'A' {
        return Err(SectionError::new(
            0,
            format!(
                "unsupported {label}format version 0x{version:02x} at offset 0x0 (expected 'A', 0x41)"
            ),
        ));
    }
    while !r.is_empty() {
        let mut body = r.length_prefixed(little_endian, 0, kind.min_len, kind.subsection)?;
        let name = String::from_utf8_lossy(body.ntbs(kind.name)?).into_owned();
        each(name, body)?;
    }
    Ok(())
}
