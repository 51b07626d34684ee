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
use crate::verify::leb128::{align_up, Reader};

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
pub type PropError = crate::verify::leb128::SectionError;

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
            return Err(PropError::new(
                start,
                format!(
                    "property header at offset 0x{start:x} needs 8 bytes but only {} remain in the descriptor",
                    desc.remaining()
                ),
            ));
        }
        let pr_type = desc.u32(little_endian, "pr_type")?;
        let pr_datasz = desc.u32(little_endian, "pr_datasz")?;
        let datasz = usize::try_from(pr_datasz).unwrap_or(usize::MAX);
        if datasz > desc.remaining() {
            return Err(PropError::new(
                start,
                format!(
                    "property 0x{pr_type:08x} at offset 0x{start:x} claims {pr_datasz} data bytes but only {} remain in the descriptor",
                    desc.remaining()
                ),
            ));
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
    let mut r = Reader::new(section);
    let mut out = GnuProperties::default();
    while !r.is_empty() {
        let start = r.offset();
        let left = r.remaining();
        if left < 12 {
            return Err(PropError::new(
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
                PropError::new(
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
                PropError::new(
                    start,
                    format!(
                        "note at offset 0x{start:x} has descsz {descsz} (0x{descsz:x}) but only {} bytes follow its name",
                        left.saturating_sub(desc_rel)
                    ),
                )
            })?;
        let name = r.bytes(name_len, "note name")?;
        r.skip(desc_rel.saturating_sub(12).saturating_sub(name_len));
        let mut desc = r.take(desc_len, "note descriptor")?;
        // Trailing padding may be cut short by the end of the section.
        let next = align_up(desc_end, align).unwrap_or(usize::MAX);
        r.skip(next.saturating_sub(desc_end));

        if name != b"GNU\0" || n_type != NT_GNU_PROPERTY_TYPE_0 {
            continue;
        }
        if align_up(desc_len, align) != Some(desc_len) {
            let at = desc.offset();
            return Err(PropError::new(
                at,
                format!(
                    "NT_GNU_PROPERTY_TYPE_0 descriptor at offset 0x{at:x} is {descsz} bytes, not a multiple of the {align}-byte property alignment"
                ),
            ));
        }
        parse_properties(&mut desc, align, little_endian, &mut out)?;
    }
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
    let mut r = Reader::new(section);
    if r.is_empty() {
        return Err(PropError::new(
            0,
            "AArch64 build-attributes section is empty: expected format version 'A' (0x41) at offset 0x0",
        ));
    }
    let version = r.u8("format version")?;
    if version != b'A' {
        return Err(PropError::new(
            0,
            format!(
                "unsupported AArch64 build-attributes format version 0x{version:02x} at offset 0x0 (expected 'A', 0x41)"
            ),
        ));
    }
    let mut out = Aarch64BuildAttributes::default();
    while !r.is_empty() {
        // length (4) + name NUL (1) + optional flag (1) + parameter type (1)
        let mut body = r.length_prefixed(little_endian, 0, 7, "build-attributes subsection")?;
        let name = String::from_utf8_lossy(body.ntbs("subsection name")?).into_owned();
        let flag_at = body.offset();
        let optional = match body.u8("optional flag")? {
            0 => false,
            1 => true,
            other => {
                return Err(PropError::new(
                    flag_at,
                    format!(
                        "subsection {name:?}: optional flag at offset 0x{flag_at:x} is {other}, expected 0 (required) or 1 (optional)"
                    ),
                ))
            }
        };
        let type_at = body.offset();
        let ntbs = match body.u8("parameter type")? {
            0 => false,
            1 => true,
            other => {
                return Err(PropError::new(
                    type_at,
                    format!(
                        "subsection {name:?}: parameter type at offset 0x{type_at:x} is {other}, expected 0 (ULEB128) or 1 (NTBS)"
                    ),
                ))
            }
        };
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
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- builders -------------------------------------------------------------------------

    fn u32b(v: u32, le: bool) -> [u8; 4] {
        if le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    fn pad_to(out: &mut Vec<u8>, align: usize) {
        while out.len() % align != 0 {
            out.push(0);
        }
    }

    /// One property: pr_type, pr_datasz, data, padding to `align`.
    fn prop(pr_type: u32, data: &[u8], align: usize, le: bool) -> Vec<u8> {
        let mut out = u32b(pr_type, le).to_vec();
        out.extend(u32b(data.len() as u32, le));
        out.extend_from_slice(data);
        pad_to(&mut out, align);
        out
    }

    fn prop_u32(pr_type: u32, v: u32, align: usize, le: bool) -> Vec<u8> {
        prop(pr_type, &u32b(v, le), align, le)
    }

    /// One note: namesz, descsz, type, name (padded), desc (padded), all relative to note start.
    fn note(name: &[u8], n_type: u32, desc: &[u8], align: usize, le: bool) -> Vec<u8> {
        let mut out = u32b(name.len() as u32, le).to_vec();
        out.extend(u32b(desc.len() as u32, le));
        out.extend(u32b(n_type, le));
        out.extend_from_slice(name);
        pad_to(&mut out, align);
        out.extend_from_slice(desc);
        pad_to(&mut out, align);
        out
    }

    fn gnu_props(props: &[Vec<u8>], align: usize, le: bool) -> Vec<u8> {
        note(b"GNU\0", NT_GNU_PROPERTY_TYPE_0, &props.concat(), align, le)
    }

    /// What `aarch64-linux-gnu-gcc -mbranch-protection=standard` emits: ELF64 LE, BTI|PAC.
    const REAL_GCC_AARCH64_BTI_PAC: [u8; 32] = [
        0x04, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x47, 0x4e, 0x55,
        0x00, 0x00, 0x00, 0x00, 0xc0, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00,
    ];

    /// What x86_64 `gcc -fcf-protection=full` emits: ELF64 LE, IBT|SHSTK.
    const REAL_GCC_X86_64_CET: [u8; 32] = [
        0x04, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x47, 0x4e, 0x55,
        0x00, 0x02, 0x00, 0x00, 0xc0, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00,
    ];

    fn attrs_subsection(name: &str, optional: u8, ptype: u8, attrs: &[u8], le: bool) -> Vec<u8> {
        let mut body = name.as_bytes().to_vec();
        body.push(0);
        body.push(optional);
        body.push(ptype);
        body.extend_from_slice(attrs);
        let mut out = u32b((body.len() + 4) as u32, le).to_vec();
        out.extend(body);
        out
    }

    fn attrs_section(subsections: &[Vec<u8>]) -> Vec<u8> {
        let mut out = vec![b'A'];
        for s in subsections {
            out.extend_from_slice(s);
        }
        out
    }

    /// llvm-readelf --hex-dump of llc output for BTI only (LLVM test
    /// aarch64-build-attributes): subsection length 0x23 = 35.
    const REAL_LLVM_FEATURE_BTI: [u8; 36] = [
        0x41, 0x23, 0x00, 0x00, 0x00, 0x61, 0x65, 0x61, 0x62, 0x69, 0x5f, 0x66, 0x65, 0x61, 0x74,
        0x75, 0x72, 0x65, 0x5f, 0x61, 0x6e, 0x64, 0x5f, 0x62, 0x69, 0x74, 0x73, 0x00, 0x01, 0x00,
        0x00, 0x01, 0x01, 0x00, 0x02, 0x00,
    ];

    // ---- GNU property notes ---------------------------------------------------------------

    #[test]
    fn builders_match_real_gcc_bytes() {
        let cases = [
            (
                "aarch64 BTI|PAC",
                gnu_props(
                    &[prop_u32(GNU_PROPERTY_AARCH64_FEATURE_1_AND, 3, 8, true)],
                    8,
                    true,
                ),
                REAL_GCC_AARCH64_BTI_PAC.to_vec(),
            ),
            (
                "x86-64 IBT|SHSTK",
                gnu_props(
                    &[prop_u32(GNU_PROPERTY_X86_FEATURE_1_AND, 3, 8, true)],
                    8,
                    true,
                ),
                REAL_GCC_X86_64_CET.to_vec(),
            ),
            (
                "aarch64 BTI via attribute builder",
                attrs_section(&[attrs_subsection(
                    SUBSECTION_FEATURE_AND_BITS,
                    1,
                    0,
                    &[0, 1, 1, 0, 2, 0],
                    true,
                )]),
                REAL_LLVM_FEATURE_BTI.to_vec(),
            ),
        ];
        for (name, built, real) in cases {
            assert_eq!(
                built, real,
                "case {name}: builder reproduces the real bytes"
            );
        }
    }

    struct NoteCase {
        name: &'static str,
        bytes: Vec<u8>,
        is_64: bool,
        le: bool,
        want: GnuProperties,
        features: &'static [&'static str],
    }

    #[test]
    fn valid_notes() {
        let build_id = note(b"GNU\0", 3, &[0xab; 20], 8, true);
        let go_note = note(b"Go\0\0", 4, b"go1.22", 8, true);
        let cases = vec![
            NoteCase {
                name: "real gcc aarch64 BTI|PAC",
                bytes: REAL_GCC_AARCH64_BTI_PAC.to_vec(),
                is_64: true,
                le: true,
                want: GnuProperties {
                    aarch64_feature_1_and: Some(3),
                    ..GnuProperties::default()
                },
                features: &["BTI", "PAC"],
            },
            NoteCase {
                name: "aarch64 BTI|PAC|GCS big-endian",
                bytes: gnu_props(
                    &[prop_u32(GNU_PROPERTY_AARCH64_FEATURE_1_AND, 7, 8, false)],
                    8,
                    false,
                ),
                is_64: true,
                le: false,
                want: GnuProperties {
                    aarch64_feature_1_and: Some(7),
                    ..GnuProperties::default()
                },
                features: &["BTI", "PAC", "GCS"],
            },
            NoteCase {
                name: "real gcc x86-64 IBT|SHSTK",
                bytes: REAL_GCC_X86_64_CET.to_vec(),
                is_64: true,
                le: true,
                want: GnuProperties {
                    x86_feature_1_and: Some(3),
                    ..GnuProperties::default()
                },
                features: &["IBT", "SHSTK"],
            },
            NoteCase {
                name: "x86-64 ISA needed, ISA used and stack size kept raw",
                bytes: gnu_props(
                    &[
                        prop(1, &0x1000u64.to_le_bytes(), 8, true),
                        prop_u32(GNU_PROPERTY_X86_FEATURE_1_AND, 1, 8, true),
                        prop_u32(GNU_PROPERTY_X86_ISA_1_NEEDED, 3, 8, true),
                        prop_u32(GNU_PROPERTY_X86_ISA_1_USED, 7, 8, true),
                    ],
                    8,
                    true,
                ),
                is_64: true,
                le: true,
                want: GnuProperties {
                    x86_feature_1_and: Some(1),
                    x86_isa_1_needed: Some(3),
                    other: vec![
                        (1, 0x1000u64.to_le_bytes().to_vec()),
                        (GNU_PROPERTY_X86_ISA_1_USED, vec![7, 0, 0, 0]),
                    ],
                    ..GnuProperties::default()
                },
                features: &["IBT"],
            },
            NoteCase {
                name: "ELF32 little-endian, 4-byte alignment",
                bytes: gnu_props(
                    &[
                        prop_u32(GNU_PROPERTY_X86_FEATURE_1_AND, 2, 4, true),
                        prop(0xc000_0123, &[9, 9, 9, 9, 9, 9], 4, true),
                    ],
                    4,
                    true,
                ),
                is_64: false,
                le: true,
                want: GnuProperties {
                    x86_feature_1_and: Some(2),
                    other: vec![(0xc000_0123, vec![9; 6])],
                    ..GnuProperties::default()
                },
                features: &["SHSTK"],
            },
            NoteCase {
                name: "ELF32 big-endian aarch64 ILP32",
                bytes: gnu_props(
                    &[prop_u32(GNU_PROPERTY_AARCH64_FEATURE_1_AND, 1, 4, false)],
                    4,
                    false,
                ),
                is_64: false,
                le: false,
                want: GnuProperties {
                    aarch64_feature_1_and: Some(1),
                    ..GnuProperties::default()
                },
                features: &["BTI"],
            },
            NoteCase {
                name: "other notes skipped, two property notes combined",
                bytes: [
                    build_id.clone(),
                    go_note,
                    gnu_props(
                        &[
                            prop_u32(GNU_PROPERTY_AARCH64_FEATURE_1_AND, 3, 8, true),
                            prop_u32(GNU_PROPERTY_X86_ISA_1_NEEDED, 1, 8, true),
                        ],
                        8,
                        true,
                    ),
                    gnu_props(
                        &[
                            prop_u32(GNU_PROPERTY_AARCH64_FEATURE_1_AND, 1, 8, true),
                            prop_u32(GNU_PROPERTY_X86_ISA_1_NEEDED, 4, 8, true),
                        ],
                        8,
                        true,
                    ),
                ]
                .concat(),
                is_64: true,
                le: true,
                want: GnuProperties {
                    aarch64_feature_1_and: Some(1),
                    x86_isa_1_needed: Some(5),
                    ..GnuProperties::default()
                },
                features: &["BTI"],
            },
            NoteCase {
                name: "empty section",
                bytes: vec![],
                is_64: true,
                le: true,
                want: GnuProperties::default(),
                features: &[],
            },
            NoteCase {
                name: "empty property array",
                bytes: gnu_props(&[], 8, true),
                is_64: true,
                le: true,
                want: GnuProperties::default(),
                features: &[],
            },
            NoteCase {
                name: "trailing padding cut short at section end",
                bytes: note(b"XY\0", 1, &[1, 2, 3], 8, true)[..19].to_vec(),
                is_64: true,
                le: true,
                want: GnuProperties::default(),
                features: &[],
            },
        ];
        for case in cases {
            let got = parse_note_section(&case.bytes, case.is_64, case.le)
                .unwrap_or_else(|e| panic!("case {}: unexpected error {e}", case.name));
            assert_eq!(got, case.want, "case {}", case.name);
            assert_eq!(
                got.feature_names(),
                case.features,
                "case {}: names",
                case.name
            );
        }
    }

    #[test]
    fn name_helpers() {
        let p = GnuProperties {
            aarch64_feature_1_and: Some(AARCH64_FEATURE_BTI | AARCH64_FEATURE_GCS | 0x100),
            x86_feature_1_and: Some(X86_FEATURE_SHSTK),
            x86_isa_1_needed: Some(X86_ISA_1_BASELINE | X86_ISA_1_V3 | X86_ISA_1_V4),
            other: vec![],
        };
        assert_eq!(
            p.aarch64_feature_names(),
            ["BTI", "GCS"],
            "case aarch64 names"
        );
        assert_eq!(p.x86_feature_names(), ["SHSTK"], "case x86 names");
        assert_eq!(
            p.feature_names(),
            ["BTI", "GCS", "SHSTK"],
            "case combined names"
        );
        assert_eq!(
            p.x86_isa_needed_names(),
            ["x86-64-baseline", "x86-64-v3", "x86-64-v4"],
            "case isa names"
        );
        assert!(
            GnuProperties::default().feature_names().is_empty(),
            "case no properties"
        );
    }

    /// (case name, section bytes, is_64, little_endian, error offset, message fragment)
    type BadNote = (&'static str, Vec<u8>, bool, bool, usize, &'static str);

    #[test]
    fn malformed_notes() {
        let le = true;
        let good = gnu_props(
            &[prop_u32(GNU_PROPERTY_AARCH64_FEATURE_1_AND, 3, 8, le)],
            8,
            le,
        );
        let mut namesz_huge = good.clone();
        namesz_huge[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut descsz_huge = good.clone();
        descsz_huge[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut descsz_odd = good.clone();
        descsz_odd[4..8].copy_from_slice(&12u32.to_le_bytes());
        let mut datasz_past_end = good.clone();
        datasz_past_end[20..24].copy_from_slice(&9u32.to_le_bytes());
        let mut datasz_huge = good.clone();
        datasz_huge[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut datasz_wrong = good.clone();
        datasz_wrong[20..24].copy_from_slice(&8u32.to_le_bytes());
        let mut namesz_huge_be = gnu_props(&[], 8, false);
        namesz_huge_be[0..4].copy_from_slice(&u32::MAX.to_be_bytes());

        let cases: Vec<BadNote> = vec![
            (
                "truncated note header",
                vec![4, 0, 0, 0, 0],
                true,
                le,
                0,
                "note header at offset 0x0 needs 12 bytes but only 5 remain",
            ),
            (
                "namesz 0xffffffff",
                namesz_huge,
                true,
                le,
                0,
                "namesz 4294967295 (0xffffffff)",
            ),
            (
                "namesz 0xffffffff big-endian",
                namesz_huge_be,
                true,
                false,
                0,
                "namesz 4294967295",
            ),
            (
                "descsz 0xffffffff",
                descsz_huge,
                true,
                le,
                0,
                "descsz 4294967295 (0xffffffff) but only 16 bytes follow its name",
            ),
            (
                "descsz not a multiple of 8",
                descsz_odd,
                true,
                le,
                16,
                "descriptor at offset 0x10 is 12 bytes, not a multiple of the 8-byte",
            ),
            (
                "descsz not a multiple of 4 on ELF32",
                note(b"GNU\0", NT_GNU_PROPERTY_TYPE_0, &[0, 0, 0, 0xc0, 1, 0], 4, le),
                false,
                le,
                16,
                "is 6 bytes, not a multiple of the 4-byte",
            ),
            (
                "property datasz past end",
                datasz_past_end,
                true,
                le,
                16,
                "property 0xc0000000 at offset 0x10 claims 9 data bytes but only 8 remain",
            ),
            (
                "property datasz 0xffffffff",
                datasz_huge,
                true,
                le,
                16,
                "claims 4294967295 data bytes",
            ),
            (
                "known property with datasz 8",
                datasz_wrong,
                true,
                le,
                16,
                "GNU_PROPERTY_AARCH64_FEATURE_1_AND property at offset 0x10 has pr_datasz 8, expected 4",
            ),
            (
                "property header truncated",
                note(b"GNU\0", NT_GNU_PROPERTY_TYPE_0, &[0, 0, 0, 0xc0], 4, le),
                false,
                le,
                16,
                "property header at offset 0x10 needs 8 bytes but only 4 remain",
            ),
            (
                "second note truncated",
                [good.clone(), vec![0; 11]].concat(),
                true,
                le,
                32,
                "note header at offset 0x20 needs 12 bytes but only 11 remain",
            ),
        ];
        for (name, bytes, is_64, le, offset, msg) in cases {
            let err = parse_note_section(&bytes, is_64, le).expect_err(name);
            assert_eq!(err.offset, offset, "case {name}: offset ({})", err.message);
            assert!(
                err.message.contains(msg),
                "case {name}: message {:?} lacks {msg:?}",
                err.message
            );
            assert!(
                err.message.contains(&format!("0x{:x}", err.offset)),
                "case {name}: message {:?} lacks its offset",
                err.message
            );
        }
    }

    // ---- AArch64 build attributes ---------------------------------------------------------

    struct AttrCase {
        name: &'static str,
        bytes: Vec<u8>,
        le: bool,
        subsections: &'static [(&'static str, bool, usize)],
        features: &'static [&'static str],
    }

    #[test]
    fn valid_aarch64_attributes() {
        let full = |le: bool| {
            attrs_section(&[
                attrs_subsection(SUBSECTION_PAUTHABI, 0, 0, &[1, 7, 2, 0x89, 0x06], le),
                attrs_subsection(SUBSECTION_FEATURE_AND_BITS, 1, 0, &[0, 1, 1, 1, 2, 1], le),
                attrs_subsection("private_vendor", 1, 1, b"\x00hello\0\x01world\0", le),
            ])
        };
        let cases = vec![
            AttrCase {
                name: "real llvm feature_and_bits BTI only",
                bytes: REAL_LLVM_FEATURE_BTI.to_vec(),
                le: true,
                subsections: &[("aeabi_feature_and_bits", true, 3)],
                features: &["BTI"],
            },
            AttrCase {
                name: "pauthabi, all features, private NTBS subsection",
                bytes: full(true),
                le: true,
                subsections: &[
                    ("aeabi_pauthabi", false, 2),
                    ("aeabi_feature_and_bits", true, 3),
                    ("private_vendor", true, 2),
                ],
                features: &["BTI", "PAC", "GCS"],
            },
            AttrCase {
                name: "same, big-endian",
                bytes: full(false),
                le: false,
                subsections: &[
                    ("aeabi_pauthabi", false, 2),
                    ("aeabi_feature_and_bits", true, 3),
                    ("private_vendor", true, 2),
                ],
                features: &["BTI", "PAC", "GCS"],
            },
            AttrCase {
                name: "two feature subsections AND together",
                bytes: attrs_section(&[
                    attrs_subsection(SUBSECTION_FEATURE_AND_BITS, 1, 0, &[0, 1, 1, 1], true),
                    attrs_subsection(SUBSECTION_FEATURE_AND_BITS, 1, 0, &[0, 1, 1, 0], true),
                ]),
                le: true,
                subsections: &[
                    ("aeabi_feature_and_bits", true, 2),
                    ("aeabi_feature_and_bits", true, 2),
                ],
                features: &["BTI"],
            },
            AttrCase {
                name: "empty subsection and version only",
                bytes: attrs_section(&[attrs_subsection("x", 0, 1, &[], true)]),
                le: true,
                subsections: &[("x", false, 0)],
                features: &[],
            },
            AttrCase {
                name: "version byte only",
                bytes: vec![b'A'],
                le: true,
                subsections: &[],
                features: &[],
            },
        ];
        for case in cases {
            let got = parse_aarch64_attributes(&case.bytes, case.le)
                .unwrap_or_else(|e| panic!("case {}: unexpected error {e}", case.name));
            let shape: Vec<(&str, bool, usize)> = got
                .subsections
                .iter()
                .map(|s| (s.name.as_str(), s.optional, s.attributes.len()))
                .collect();
            assert_eq!(shape, case.subsections, "case {}: subsections", case.name);
            assert_eq!(
                got.feature_names(),
                case.features,
                "case {}: features",
                case.name
            );
        }

        let got = parse_aarch64_attributes(&full(true), true).expect("case full parses");
        assert_eq!(
            got.get(SUBSECTION_PAUTHABI, TAG_PAUTH_SCHEMA),
            Some(&AttrValue::Int(777)),
            "case pauth schema 777 (ULEB 0x89 0x06)"
        );
        assert_eq!(
            got.get("private_vendor", 1),
            Some(&AttrValue::Str("world".into())),
            "case NTBS value"
        );
        assert_eq!(got.get("missing", 0), None, "case absent subsection");
        assert!(got.subsections[0].is_public(), "case aeabi_ is public");
        assert!(!got.subsections[2].is_public(), "case private subsection");
    }

    #[test]
    fn malformed_aarch64_attributes() {
        let le = true;
        let good = attrs_section(&[attrs_subsection(
            SUBSECTION_FEATURE_AND_BITS,
            1,
            0,
            &[0, 1],
            le,
        )]);
        let mut past_end = good.clone();
        past_end[1..5].copy_from_slice(&4096u32.to_le_bytes());
        let mut bad_optional = good.clone();
        bad_optional[28] = 2;
        let mut bad_type = good.clone();
        bad_type[29] = 7;
        let cases: Vec<(&str, Vec<u8>, usize, &str)> =
            vec![
            ("empty", vec![], 0, "section is empty"),
            ("wrong version byte", vec![b'a', 0, 0, 0, 0], 0, "format version 0x61"),
            ("length 0", vec![b'A', 0, 0, 0, 0], 1, "has length 0"),
            (
                "length smaller than header",
                vec![b'A', 6, 0, 0, 0, 0, 0],
                1,
                "has length 6, smaller than its 7-byte minimum",
            ),
            (
                "length past end",
                past_end,
                1,
                "build-attributes subsection at offset 0x1 claims 4096 bytes but only 31 remain",
            ),
            (
                "unterminated name",
                [vec![b'A'], 8u32.to_le_bytes().to_vec(), b"abcd".to_vec()].concat(),
                5,
                "subsection name at offset 0x5 is not NUL-terminated",
            ),
            (
                "name eats the flags",
                [vec![b'A'], 8u32.to_le_bytes().to_vec(), b"abc\0".to_vec()].concat(),
                9,
                "optional flag at offset 0x9 needs 1 bytes but only 0 remain",
            ),
            (
                "optional flag 2",
                bad_optional,
                28,
                "optional flag at offset 0x1c is 2",
            ),
            ("parameter type 7", bad_type, 29, "parameter type at offset 0x1d is 7"),
            (
                "ULEB128 value runs off the end",
                attrs_section(&[attrs_subsection("s", 1, 0, &[0, 0x81], le)]),
                10,
                "value of tag 0 (ULEB128) at offset 0xa runs off the end",
            ),
            (
                "ULEB128 value overflows",
                attrs_section(&[attrs_subsection(
                    "s",
                    1,
                    0,
                    &[5, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02],
                    le,
                )]),
                10,
                "value of tag 5 (ULEB128) at offset 0xa overflows 64 bits",
            ),
            (
                "unterminated NTBS value",
                attrs_section(&[attrs_subsection("s", 1, 1, &[3, b'h', b'i'], le)]),
                10,
                "value of tag 3 at offset 0xa is not NUL-terminated",
            ),
        ];
        for (name, bytes, offset, msg) in cases {
            let err = parse_aarch64_attributes(&bytes, le).expect_err(name);
            assert_eq!(err.offset, offset, "case {name}: offset ({})", err.message);
            assert!(
                err.message.contains(msg),
                "case {name}: message {:?} lacks {msg:?}",
                err.message
            );
            assert!(
                err.message.contains(&format!("0x{:x}", err.offset)),
                "case {name}: message {:?} lacks its offset",
                err.message
            );
            assert_eq!(err.to_string(), err.message, "case {name}: Display");
        }
    }

    /// Every error must name its offset; nothing may panic.
    fn check_offset(case: &str, what: &str, e: &PropError) {
        assert!(
            e.message.contains(&format!("0x{:x}", e.offset)),
            "case {case}: {what}: {:?}",
            e.message
        );
    }

    #[test]
    fn truncations_and_byte_flips_never_panic() {
        let notes: Vec<(&str, Vec<u8>, bool, bool)> = vec![
            (
                "real aarch64 note",
                REAL_GCC_AARCH64_BTI_PAC.to_vec(),
                true,
                true,
            ),
            ("real x86 note", REAL_GCC_X86_64_CET.to_vec(), true, true),
            (
                "mixed notes be",
                [
                    note(b"GNU\0", 3, &[1; 20], 8, false),
                    gnu_props(
                        &[
                            prop_u32(GNU_PROPERTY_AARCH64_FEATURE_1_AND, 3, 8, false),
                            prop(1, &[1, 2, 3, 4, 5, 6, 7, 8], 8, false),
                        ],
                        8,
                        false,
                    ),
                ]
                .concat(),
                true,
                false,
            ),
            (
                "elf32 note",
                gnu_props(
                    &[prop_u32(GNU_PROPERTY_X86_ISA_1_NEEDED, 1, 4, true)],
                    4,
                    true,
                ),
                false,
                true,
            ),
        ];
        for (case, input, is_64, le) in &notes {
            assert!(
                parse_note_section(input, *is_64, *le).is_ok(),
                "case {case}: base input parses"
            );
            for len in 0..input.len() {
                for (w, l) in [(*is_64, *le), (!*is_64, !*le)] {
                    if let Err(e) = parse_note_section(&input[..len], w, l) {
                        check_offset(case, "truncated", &e);
                    }
                }
            }
            for i in 0..input.len() {
                for mask in [0xffu8, 0x80, 0x01, 0x7f] {
                    let mut m = input.clone();
                    m[i] ^= mask;
                    if let Err(e) = parse_note_section(&m, *is_64, *le) {
                        check_offset(case, "flipped", &e);
                    }
                }
            }
        }

        let attrs: Vec<(&str, Vec<u8>, bool)> = vec![
            ("real llvm attrs", REAL_LLVM_FEATURE_BTI.to_vec(), true),
            (
                "mixed attrs be",
                attrs_section(&[
                    attrs_subsection(SUBSECTION_PAUTHABI, 0, 0, &[1, 7, 2, 0x89, 0x06], false),
                    attrs_subsection("p", 1, 1, b"\x00hello\0", false),
                ]),
                false,
            ),
        ];
        for (case, input, le) in &attrs {
            assert!(
                parse_aarch64_attributes(input, *le).is_ok(),
                "case {case}: base input parses"
            );
            for len in 0..input.len() {
                for l in [*le, !*le] {
                    if let Err(e) = parse_aarch64_attributes(&input[..len], l) {
                        check_offset(case, "truncated", &e);
                    }
                }
            }
            for i in 0..input.len() {
                for mask in [0xffu8, 0x80, 0x01, 0x7f] {
                    let mut m = input.clone();
                    m[i] ^= mask;
                    if let Err(e) = parse_aarch64_attributes(&m, *le) {
                        check_offset(case, "flipped", &e);
                    }
                }
            }
        }
    }
}
