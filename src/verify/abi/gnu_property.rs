//! Parsers for control-flow-protection markers: the `.note.gnu.property` note (AArch64 BTI/PAC/GCS, x86 IBT/SHSTK and x86-64 ISA level) and the AArch64 build-attributes section (`.ARM.attributes`, SHT_AARCH64_ATTRIBUTES on EM_AARCH64).
//!
//! GNU property note (`.note.gnu.property`): ELF notes, each `u32 namesz, u32 descsz, u32 type`,
//! the name, then the descriptor. Both name and descriptor end on a multiple of the note
//! alignment measured from the start of the note: 8 bytes for ELF64, 4 for ELF32. The note
//! named "GNU" with type NT_GNU_PROPERTY_TYPE_0 (5) holds an array of properties
//! `u32 pr_type, u32 pr_datasz, pr_data` each padded to the same alignment.
//!
//! AArch64 build attributes ("Build Attributes for the Arm 64-bit Architecture", as implemented
//! by LLVM's `ELFExtendedAttrParser` and recent binutils readelf): `'A'`, then subsections of
//! `u32 length` (counting itself), NTBS name, `u8` optional flag (0 required, 1 optional),
//! `u8` parameter type (0 ULEB128, 1 NTBS), then ULEB128 tag / value pairs to the end of the
//! subsection, every value of the subsection's parameter type.

use super::arm_attributes::AttrValue;
use super::note;
use crate::verify::format::leb128::{align_up, Reader};

/// Note type of the GNU property note.
pub const NT_GNU_PROPERTY_TYPE_0: u32 = 5;
/// AArch64 feature bits that every input object must have (AND-combined by the linker).
pub const GNU_PROPERTY_AARCH64_FEATURE_1_AND: u32 = 0xc000_0000;
/// x86 feature bits that every input object must have (AND-combined by the linker).
pub const GNU_PROPERTY_X86_FEATURE_1_AND: u32 = 0xc000_0002;
/// x86 ISA levels needed at run time (OR-combined by the linker).
pub const GNU_PROPERTY_X86_ISA_1_NEEDED: u32 = 0xc000_8002;
/// x86 ISA levels used (OR-combined); kept raw in [`GnuProperties::other`].
pub const GNU_PROPERTY_X86_ISA_1_USED: u32 = 0xc001_0002;

/// GNU_PROPERTY_AARCH64_FEATURE_1_BTI: all code is BTI-compatible.
pub const AARCH64_FEATURE_BTI: u32 = 1;
/// GNU_PROPERTY_AARCH64_FEATURE_1_PAC: return addresses are signed.
pub const AARCH64_FEATURE_PAC: u32 = 2;
/// GNU_PROPERTY_AARCH64_FEATURE_1_GCS: Guarded Control Stack compatible.
pub const AARCH64_FEATURE_GCS: u32 = 4;
/// GNU_PROPERTY_X86_FEATURE_1_IBT: indirect branch tracking (ENDBR) compatible.
pub const X86_FEATURE_IBT: u32 = 1;
/// GNU_PROPERTY_X86_FEATURE_1_SHSTK: shadow stack compatible.
pub const X86_FEATURE_SHSTK: u32 = 2;
/// GNU_PROPERTY_X86_ISA_1_BASELINE: x86-64 baseline.
pub const X86_ISA_1_BASELINE: u32 = 1;
/// GNU_PROPERTY_X86_ISA_1_V2: x86-64-v2.
pub const X86_ISA_1_V2: u32 = 2;
/// GNU_PROPERTY_X86_ISA_1_V3: x86-64-v3.
pub const X86_ISA_1_V3: u32 = 4;
/// GNU_PROPERTY_X86_ISA_1_V4: x86-64-v4.
pub const X86_ISA_1_V4: u32 = 8;

/// The public AArch64 subsection of feature bits.
pub const SUBSECTION_FEATURE_AND_BITS: &str = "aeabi_feature_and_bits";
/// The public AArch64 subsection describing the pointer-authentication ABI.
pub const SUBSECTION_PAUTHABI: &str = "aeabi_pauthabi";
/// Tag_Feature_BTI in "aeabi_feature_and_bits".
pub const TAG_FEATURE_BTI: u64 = 0;
/// Tag_Feature_PAC in "aeabi_feature_and_bits".
pub const TAG_FEATURE_PAC: u64 = 1;
/// Tag_Feature_GCS in "aeabi_feature_and_bits".
pub const TAG_FEATURE_GCS: u64 = 2;
/// Tag_PAuth_Platform in "aeabi_pauthabi".
pub const TAG_PAUTH_PLATFORM: u64 = 1;
/// Tag_PAuth_Schema in "aeabi_pauthabi".
pub const TAG_PAUTH_SCHEMA: u64 = 2;

const AARCH64_FEATURES: [(u32, &str); 3] = [
    (AARCH64_FEATURE_BTI, "BTI"),
    (AARCH64_FEATURE_PAC, "PAC"),
    (AARCH64_FEATURE_GCS, "GCS"),
];
const X86_FEATURES: [(u32, &str); 2] = [(X86_FEATURE_IBT, "IBT"), (X86_FEATURE_SHSTK, "SHSTK")];
const X86_ISA_LEVELS: [(u32, &str); 4] = [
    (X86_ISA_1_BASELINE, "x86-64-baseline"),
    (X86_ISA_1_V2, "x86-64-v2"),
    (X86_ISA_1_V3, "x86-64-v3"),
    (X86_ISA_1_V4, "x86-64-v4"),
];

fn bit_names(bits: Option<u32>, table: &[(u32, &'static str)]) -> Vec<&'static str> {
    match bits {
        Some(bits) => table
            .iter()
            .filter(|(bit, _)| bits & bit != 0)
            .map(|(_, name)| *name)
            .collect(),
        None => Vec::new(),
    }
}

/// The properties found in NT_GNU_PROPERTY_TYPE_0 notes of a `.note.gnu.property` section.
///
/// Processor-specific property numbers (0xc0000000 and up) are classified by number alone, as
/// this parser does not know `e_machine`: only consult the fields for the file's machine (the
/// `aarch64_*` field on EM_AARCH64, the `x86_*` fields on EM_X86_64/EM_386). If several notes
/// carry the same property, `*_AND` values are AND-combined and `*_NEEDED` values OR-combined,
/// as a linker would.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GnuProperties {
    /// GNU_PROPERTY_AARCH64_FEATURE_1_AND bits ([`AARCH64_FEATURE_BTI`] ...), if present.
    pub aarch64_feature_1_and: Option<u32>,
    /// GNU_PROPERTY_X86_FEATURE_1_AND bits ([`X86_FEATURE_IBT`], [`X86_FEATURE_SHSTK`]).
    pub x86_feature_1_and: Option<u32>,
    /// GNU_PROPERTY_X86_ISA_1_NEEDED bits ([`X86_ISA_1_BASELINE`] ...).
    pub x86_isa_1_needed: Option<u32>,
    /// Every other property as (pr_type, pr_data without padding), in section order.
    pub other: Vec<(u32, Vec<u8>)>,
}

impl GnuProperties {
    /// Names of the features present, e.g. ["BTI", "PAC"] for aarch64, ["IBT", "SHSTK"] for x86
    /// (AArch64 names first, then x86). Unknown bits are not named.
    pub fn feature_names(&self) -> Vec<&'static str> {
        let mut names = self.aarch64_feature_names();
        names.extend(self.x86_feature_names());
        names
    }

    /// Names of the GNU_PROPERTY_AARCH64_FEATURE_1_AND bits set: "BTI", "PAC", "GCS".
    pub fn aarch64_feature_names(&self) -> Vec<&'static str> {
        bit_names(self.aarch64_feature_1_and, &AARCH64_FEATURES)
    }

    /// Names of the GNU_PROPERTY_X86_FEATURE_1_AND bits set: "IBT", "SHSTK".
    pub fn x86_feature_names(&self) -> Vec<&'static str> {
        bit_names(self.x86_feature_1_and, &X86_FEATURES)
    }

    /// Names of the GNU_PROPERTY_X86_ISA_1_NEEDED bits set, e.g. ["x86-64-baseline", "x86-64-v2"].
    pub fn x86_isa_needed_names(&self) -> Vec<&'static str> {
        bit_names(self.x86_isa_1_needed, &X86_ISA_LEVELS)
    }
}

/// A malformed GNU property note or AArch64 build-attributes section.
pub type PropError = crate::verify::format::leb128::SectionError;

fn u32_from(data: &[u8], little_endian: bool) -> Option<u32> {
    let arr: [u8; 4] = data.try_into().ok()?;
    Some(if little_endian {
        u32::from_le_bytes(arr)
    } else {
        u32::from_be_bytes(arr)
    })
}

fn known_property_name(pr_type: u32) -> Option<&'static str> {
    match pr_type {
        GNU_PROPERTY_AARCH64_FEATURE_1_AND => Some("GNU_PROPERTY_AARCH64_FEATURE_1_AND"),
        GNU_PROPERTY_X86_FEATURE_1_AND => Some("GNU_PROPERTY_X86_FEATURE_1_AND"),
        GNU_PROPERTY_X86_ISA_1_NEEDED => Some("GNU_PROPERTY_X86_ISA_1_NEEDED"),
        _ => None,
    }
}

fn and_into(slot: &mut Option<u32>, v: u32) {
    *slot = Some(slot.map_or(v, |old| old & v));
}

fn or_into(slot: &mut Option<u32>, v: u32) {
    *slot = Some(slot.map_or(v, |old| old | v));
}

/// The property at `start` wants more (`what`) than the rest of the descriptor holds.
fn short(desc: &Reader<'_>, start: usize, what: String) -> PropError {
    PropError::new(
        start,
        format!(
            "{what} but only {} remain in the descriptor",
            desc.remaining()
        ),
    )
}

/// Decodes the property array of one NT_GNU_PROPERTY_TYPE_0 descriptor.
fn parse_properties(
    desc: &mut Reader<'_>,
    align: usize,
    little_endian: bool,
    out: &mut GnuProperties,
) -> Result<(), PropError> {
    while !desc.is_empty() {
        let start = desc.offset();
        if desc.remaining() < 8 {
            let what = format!("property header at offset 0x{start:x} needs 8 bytes");
            return Err(short(desc, start, what));
        }
        let pr_type = desc.u32(little_endian, "pr_type")?;
        let pr_datasz = desc.u32(little_endian, "pr_datasz")?;
        let datasz = usize::try_from(pr_datasz).unwrap_or(usize::MAX);
        if datasz > desc.remaining() {
            let what = format!(
                "property 0x{pr_type:08x} at offset 0x{start:x} claims {pr_datasz} data bytes"
            );
            return Err(short(desc, start, what));
        }
        let data = desc.bytes(datasz, "pr_data")?;
        let padded = align_up(datasz, align).unwrap_or(usize::MAX);
        desc.skip(padded.saturating_sub(datasz));
        match known_property_name(pr_type) {
            Some(name) => {
                let v = u32_from(data, little_endian).ok_or_else(|| {
                    PropError::new(
                        start,
                        format!(
                            "{name} property at offset 0x{start:x} has pr_datasz {pr_datasz}, expected 4"
                        ),
                    )
                })?;
                match pr_type {
                    GNU_PROPERTY_AARCH64_FEATURE_1_AND => {
                        and_into(&mut out.aarch64_feature_1_and, v)
                    }
                    GNU_PROPERTY_X86_FEATURE_1_AND => and_into(&mut out.x86_feature_1_and, v),
                    _ => or_into(&mut out.x86_isa_1_needed, v),
                }
            }
            None => out.other.push((pr_type, data.to_vec())),
        }
    }
    Ok(())
}

/// Parses a `.note.gnu.property` section: `is_64` selects the ELF64 8-byte note and property
/// alignment (else 4), `little_endian` the file's data encoding. Notes not named "GNU" or not of
/// type NT_GNU_PROPERTY_TYPE_0 are skipped. An empty section yields empty properties.
///
/// Feed it `.note.gnu.property` (sh_addralign 8 on ELF64) or a PT_NOTE segment with p_align 8:
/// other ELF64 note sections (`.note.gnu.build-id`, `.note.go.buildid`, ...) are 4-aligned, and
/// one holding several notes would be misread with 8-byte padding. Missing padding after the
/// last note is tolerated. Never panics; every malformed input yields a [`PropError`].
pub fn parse_note_section(
    section: &[u8],
    is_64: bool,
    little_endian: bool,
) -> Result<GnuProperties, PropError> {
    let align: usize = if is_64 { 8 } else { 4 };
    let mut out = GnuProperties::default();
    note::notes(section, align, little_endian, |n| {
        if n.name != b"GNU\0" || n.n_type != NT_GNU_PROPERTY_TYPE_0 {
            return Ok(());
        }
        let mut desc = n.desc;
        let desc_len = desc.remaining();
        if align_up(desc_len, align) != Some(desc_len) {
            let at = desc.offset();
            let descsz = n.descsz;
            return Err(PropError::new(
                at,
                format!(
                    "NT_GNU_PROPERTY_TYPE_0 descriptor at offset 0x{at:x} is {descsz} bytes, not a multiple of the {align}-byte property alignment"
                ),
            ));
        }
        parse_properties(&mut desc, align, little_endian, &mut out)
    })?;
    Ok(out)
}

/// One subsection of an AArch64 build-attributes section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aarch64Subsection {
    /// Subsection name, e.g. "aeabi_feature_and_bits"; names starting with "aeabi_" are public.
    pub name: String,
    /// The comprehension flag: `true` if a consumer may ignore the subsection.
    pub optional: bool,
    /// (tag, value) pairs in order; every value is [`AttrValue::Int`] in a ULEB128 subsection
    /// and [`AttrValue::Str`] in an NTBS subsection.
    pub attributes: Vec<(u64, AttrValue)>,
}

impl Aarch64Subsection {
    /// True for subsections defined by the ABI (name starting with "aeabi_").
    pub fn is_public(&self) -> bool {
        self.name.starts_with("aeabi_")
    }
}

/// The decoded contents of an AArch64 build-attributes section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Aarch64BuildAttributes {
    /// All subsections in section order (public and private).
    pub subsections: Vec<Aarch64Subsection>,
}

impl Aarch64BuildAttributes {
    /// The value of `tag` in the first subsection named `subsection` that has it.
    pub fn get(&self, subsection: &str, tag: u64) -> Option<&AttrValue> {
        self.subsections
            .iter()
            .filter(|s| s.name == subsection)
            .flat_map(|s| s.attributes.iter())
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| v)
    }

    /// "BTI", "PAC", "GCS" for each Tag_Feature_* in "aeabi_feature_and_bits" whose value is 1.
    /// If a tag occurs more than once (several such subsections), every occurrence must be 1,
    /// matching the AND semantics of the subsection.
    pub fn feature_names(&self) -> Vec<&'static str> {
        [
            (TAG_FEATURE_BTI, "BTI"),
            (TAG_FEATURE_PAC, "PAC"),
            (TAG_FEATURE_GCS, "GCS"),
        ]
        .into_iter()
        .filter(|(tag, _)| {
            let mut values = self
                .subsections
                .iter()
                .filter(|s| s.name == SUBSECTION_FEATURE_AND_BITS)
                .flat_map(|s| s.attributes.iter())
                .filter(|(t, _)| t == tag)
                .peekable();
            values.peek().is_some() && values.all(|(_, v)| *v == AttrValue::Int(1))
        })
        .map(|(_, name)| name)
        .collect()
    }
}

/// Parses an AArch64 build-attributes section (`.ARM.attributes` of type
/// SHT_AARCH64_ATTRIBUTES on EM_AARCH64); `little_endian` is the ELF data encoding. Never
/// panics; every malformed input yields a [`PropError`].
pub fn parse_aarch64_attributes(
    section: &[u8],
    little_endian: bool,
) -> Result<Aarch64BuildAttributes, PropError> {
    let mut out = Aarch64BuildAttributes::default();
    let kind = note::Attributes {
        label: "AArch64 build-attributes ",
        subsection: "build-attributes subsection",
        name: "subsection name",
        // length (4) + name NUL (1) + optional flag (1) + parameter type (1)
        min_len: 7,
    };
    note::subsections(section, little_endian, &kind, |name, mut body| {
        // A byte that is 0 or 1, `means` saying what each stands for.
        let flag = |body: &mut Reader<'_>, what: &str, means: &str| {
            let at = body.offset();
            match body.u8(what)? {
                0 => Ok(false),
                1 => Ok(true),
                other => Err(PropError::new(
                    at,
                    format!(
                        "subsection {name:?}: {what} at offset 0x{at:x} is {other}, expected {means}"
                    ),
                )),
            }
        };
        let optional = flag(&mut body, "optional flag", "0 (required) or 1 (optional)")?;
        let ntbs = flag(&mut body, "parameter type", "0 (ULEB128) or 1 (NTBS)")?;
        let mut attributes = Vec::new();
        while !body.is_empty() {
            let tag = body.uleb128("attribute tag")?;
            let value = if ntbs {
                AttrValue::Str(
                    String::from_utf8_lossy(body.ntbs(&format!("value of tag {tag}"))?)
                        .into_owned(),
                )
            } else {
                AttrValue::Int(body.uleb128(&format!("value of tag {tag}"))?)
            };
            attributes.push((tag, value));
        }
        out.subsections.push(Aarch64Subsection {
            name,
            optional,
            attributes,
        });
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests;
