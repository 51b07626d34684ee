//! Parser for the 32-bit Arm `.ARM.attributes` section (SHT_ARM_ATTRIBUTES, 0x70000003 on EM_ARM): the "aeabi" build attributes such as Tag_CPU_arch and Tag_ABI_VFP_args that record which architecture and float ABI an object was built for.
//!
//! Layout ("Addenda to, and Errata in, the ABI for the Arm Architecture", build attributes):
//!
//! ```text
//! 'A'                                       format version
//! repeat: u32 length (counts itself)        vendor subsection
//!         NTBS vendor name                  e.g. "aeabi", "gnu"
//!         vendor data                       for "aeabi":
//!           repeat: u8 scope tag            1 = Tag_File, 2 = Tag_Section, 3 = Tag_Symbol
//!                   u32 size (counts tag and size)
//!                   [ULEB128 indices..., 0] (Tag_Section / Tag_Symbol only)
//!                   repeat: ULEB128 tag, value
//! ```
//!
//! Integers use the ELF file's byte order. A value is a ULEB128 or an NTBS depending on its tag:
//! Tag_CPU_raw_name (4), Tag_CPU_name (5), Tag_also_compatible_with (65) and Tag_conformance (67)
//! are strings, Tag_compatibility (32) is a ULEB128 followed by a string, every other tag below 32
//! is a ULEB128, and from 32 upwards even tags are ULEB128 and odd tags are strings.

use super::note;
use crate::verify::format::leb128::Reader;

/// The only defined format-version byte, `'A'`.
pub const FORMAT_VERSION: u8 = b'A';
/// The public vendor subsection defined by the Arm ABI.
pub const VENDOR_AEABI: &str = "aeabi";

/// Scope tag of a sub-subsection holding attributes of the whole file.
pub const SCOPE_FILE: u8 = 1;
/// Scope tag of a sub-subsection holding attributes of listed sections.
pub const SCOPE_SECTION: u8 = 2;
/// Scope tag of a sub-subsection holding attributes of listed symbols.
pub const SCOPE_SYMBOL: u8 = 3;

/// Tag_CPU_raw_name (NTBS).
pub const TAG_CPU_RAW_NAME: u64 = 4;
/// Tag_CPU_name (NTBS), e.g. "7-A" or "ARM1176JZF-S".
pub const TAG_CPU_NAME: u64 = 5;
/// Tag_CPU_arch: the architecture version, see [`cpu_arch_name`].
pub const TAG_CPU_ARCH: u64 = 6;
/// Tag_CPU_arch_profile: `'A'`, `'R'`, `'M'`, `'S'` or 0.
pub const TAG_CPU_ARCH_PROFILE: u64 = 7;
/// Tag_ARM_ISA_use: whether A32 instructions are used.
pub const TAG_ARM_ISA_USE: u64 = 8;
/// Tag_THUMB_ISA_use: 1 = Thumb-1, 2 = Thumb-2.
pub const TAG_THUMB_ISA_USE: u64 = 9;
/// Tag_FP_arch (formerly Tag_VFP_arch): the floating-point unit required.
pub const TAG_FP_ARCH: u64 = 10;
/// Tag_WMMX_arch.
pub const TAG_WMMX_ARCH: u64 = 11;
/// Tag_Advanced_SIMD_arch: NEON.
pub const TAG_ADVANCED_SIMD_ARCH: u64 = 12;
/// Tag_PCS_config.
pub const TAG_PCS_CONFIG: u64 = 13;
/// Tag_ABI_PCS_R9_use.
pub const TAG_ABI_PCS_R9_USE: u64 = 14;
/// Tag_ABI_PCS_RW_data.
pub const TAG_ABI_PCS_RW_DATA: u64 = 15;
/// Tag_ABI_PCS_RO_data.
pub const TAG_ABI_PCS_RO_DATA: u64 = 16;
/// Tag_ABI_PCS_GOT_use.
pub const TAG_ABI_PCS_GOT_USE: u64 = 17;
/// Tag_ABI_PCS_wchar_t: size of wchar_t in bytes (0 = not used).
pub const TAG_ABI_PCS_WCHAR_T: u64 = 18;
/// Tag_ABI_FP_rounding.
pub const TAG_ABI_FP_ROUNDING: u64 = 19;
/// Tag_ABI_FP_denormal.
pub const TAG_ABI_FP_DENORMAL: u64 = 20;
/// Tag_ABI_FP_exceptions.
pub const TAG_ABI_FP_EXCEPTIONS: u64 = 21;
/// Tag_ABI_FP_user_exceptions.
pub const TAG_ABI_FP_USER_EXCEPTIONS: u64 = 22;
/// Tag_ABI_FP_number_model.
pub const TAG_ABI_FP_NUMBER_MODEL: u64 = 23;
/// Tag_ABI_align_needed (formerly Tag_ABI_align8_needed).
pub const TAG_ABI_ALIGN_NEEDED: u64 = 24;
/// Tag_ABI_align_preserved (formerly Tag_ABI_align8_preserved).
pub const TAG_ABI_ALIGN_PRESERVED: u64 = 25;
/// Tag_ABI_enum_size.
pub const TAG_ABI_ENUM_SIZE: u64 = 26;
/// Tag_ABI_HardFP_use.
pub const TAG_ABI_HARDFP_USE: u64 = 27;
/// Tag_ABI_VFP_args: the float calling convention, see [`vfp_args_name`].
pub const TAG_ABI_VFP_ARGS: u64 = 28;
/// Tag_ABI_WMMX_args.
pub const TAG_ABI_WMMX_ARGS: u64 = 29;
/// Tag_ABI_optimization_goals.
pub const TAG_ABI_OPTIMIZATION_GOALS: u64 = 30;
/// Tag_ABI_FP_optimization_goals.
pub const TAG_ABI_FP_OPTIMIZATION_GOALS: u64 = 31;
/// Tag_compatibility: ULEB128 flag followed by an NTBS vendor name.
pub const TAG_COMPATIBILITY: u64 = 32;
/// Tag_CPU_unaligned_access.
pub const TAG_CPU_UNALIGNED_ACCESS: u64 = 34;
/// Tag_FP_HP_extension (formerly Tag_VFP_HP_extension).
pub const TAG_FP_HP_EXTENSION: u64 = 36;
/// Tag_ABI_FP_16bit_format.
pub const TAG_ABI_FP_16BIT_FORMAT: u64 = 38;
/// Tag_MPextension_use.
pub const TAG_MPEXTENSION_USE: u64 = 42;
/// Tag_DIV_use.
pub const TAG_DIV_USE: u64 = 44;
/// Tag_DSP_extension.
pub const TAG_DSP_EXTENSION: u64 = 46;
/// Tag_MVE_arch.
pub const TAG_MVE_ARCH: u64 = 48;
/// Tag_PAC_extension.
pub const TAG_PAC_EXTENSION: u64 = 50;
/// Tag_BTI_extension.
pub const TAG_BTI_EXTENSION: u64 = 52;
/// Tag_nodefaults (ULEB128, deprecated).
pub const TAG_NODEFAULTS: u64 = 64;
/// Tag_also_compatible_with: an NTBS holding one encoded tag/value pair.
pub const TAG_ALSO_COMPATIBLE_WITH: u64 = 65;
/// Tag_T2EE_use.
pub const TAG_T2EE_USE: u64 = 66;
/// Tag_conformance: NTBS ABI version, e.g. "2.09".
pub const TAG_CONFORMANCE: u64 = 67;
/// Tag_Virtualization_use.
pub const TAG_VIRTUALIZATION_USE: u64 = 68;
/// Tag_MPextension_use as numbered before ABI r2.08.
pub const TAG_MPEXTENSION_USE_LEGACY: u64 = 70;
/// Tag_FramePointer_use.
pub const TAG_FRAMEPOINTER_USE: u64 = 72;
/// Tag_BTI_use.
pub const TAG_BTI_USE: u64 = 74;
/// Tag_PACRET_use.
pub const TAG_PACRET_USE: u64 = 76;

/// Tag_ABI_VFP_args value: base AAPCS, floats in core registers (soft-float ABI).
pub const VFP_ARGS_BASE: u64 = 0;
/// Tag_ABI_VFP_args value: floats in VFP registers (hard-float ABI).
pub const VFP_ARGS_VFP: u64 = 1;
/// Tag_ABI_VFP_args value: toolchain-specific convention.
pub const VFP_ARGS_TOOLCHAIN: u64 = 2;
/// Tag_ABI_VFP_args value: compatible with both conventions (no float arguments).
pub const VFP_ARGS_COMPATIBLE: u64 = 3;

/// The value of one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    /// A ULEB128 value.
    Int(u64),
    /// An NTBS value (decoded lossily as UTF-8, without the NUL).
    Str(String),
    /// A ULEB128 followed by an NTBS (only Tag_compatibility: flag, vendor).
    IntStr(u64, String),
}

/// One tag/value pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute tag, e.g. [`TAG_CPU_ARCH`].
    pub tag: u64,
    /// The decoded value.
    pub value: AttrValue,
}

/// The decoded contents of a `.ARM.attributes` section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArmAttributes {
    /// Tag_File attributes of every "aeabi" vendor subsection, in section order.
    /// Section- and symbol-scoped attributes are validated but not kept.
    pub file: Vec<Attribute>,
    /// Names of all vendor subsections in section order (e.g. `["aeabi"]`); subsections of
    /// vendors other than "aeabi" are skipped by their length.
    pub vendors: Vec<String>,
}

impl ArmAttributes {
    /// The file-scope value of `tag` (the last one if it occurs more than once).
    pub fn get(&self, tag: u64) -> Option<&AttrValue> {
        self.file
            .iter()
            .rev()
            .find(|a| a.tag == tag)
            .map(|a| &a.value)
    }

    fn get_int(&self, tag: u64) -> Option<u64> {
        match self.get(tag) {
            Some(AttrValue::Int(v)) => Some(*v),
            _ => None,
        }
    }

    /// Tag_CPU_arch, e.g. 10 for v7 (see [`cpu_arch_name`]); `None` if absent.
    pub fn cpu_arch(&self) -> Option<u64> {
        self.get_int(TAG_CPU_ARCH)
    }

    /// Tag_ABI_VFP_args (see [`vfp_args_name`]). `None` if absent, which the ABI defines to
    /// mean 0, the base (soft-float) AAPCS: gcc omits the tag for soft-float objects.
    pub fn abi_vfp_args(&self) -> Option<u64> {
        self.get_int(TAG_ABI_VFP_ARGS)
    }

    /// Tag_CPU_name, e.g. "7-A"; `None` if absent.
    pub fn cpu_name(&self) -> Option<&str> {
        match self.get(TAG_CPU_NAME) {
            Some(AttrValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// Every file attribute as (tag name, rendered value) for reports, in section order, e.g.
    /// `("Tag_CPU_arch", "v7")`, `("Tag_ABI_VFP_args", "VFP registers (hard-float)")`.
    /// Unknown tags are named `Tag_unknown_<n>`; strings are rendered without quotes.
    pub fn named(&self) -> Vec<(String, String)> {
        self.file
            .iter()
            .map(|a| {
                let name = match tag_name(a.tag) {
                    Some(n) => n.to_string(),
                    None => format!("Tag_unknown_{}", a.tag),
                };
                (name, render_value(a.tag, &a.value))
            })
            .collect()
    }
}

/// A malformed `.ARM.attributes` section.
pub type AttrError = crate::verify::format::leb128::SectionError;

/// The attribute name for `tag` as readelf and the Arm ABI spell it (e.g. "Tag_CPU_arch"), or
/// `None` for a tag this parser does not know.
pub fn tag_name(tag: u64) -> Option<&'static str> {
    Some(match tag {
        TAG_CPU_RAW_NAME => "Tag_CPU_raw_name",
        TAG_CPU_NAME => "Tag_CPU_name",
        TAG_CPU_ARCH => "Tag_CPU_arch",
        TAG_CPU_ARCH_PROFILE => "Tag_CPU_arch_profile",
        TAG_ARM_ISA_USE => "Tag_ARM_ISA_use",
        TAG_THUMB_ISA_USE => "Tag_THUMB_ISA_use",
        TAG_FP_ARCH => "Tag_FP_arch",
        TAG_WMMX_ARCH => "Tag_WMMX_arch",
        TAG_ADVANCED_SIMD_ARCH => "Tag_Advanced_SIMD_arch",
        TAG_PCS_CONFIG => "Tag_PCS_config",
        TAG_ABI_PCS_R9_USE => "Tag_ABI_PCS_R9_use",
        TAG_ABI_PCS_RW_DATA => "Tag_ABI_PCS_RW_data",
        TAG_ABI_PCS_RO_DATA => "Tag_ABI_PCS_RO_data",
        TAG_ABI_PCS_GOT_USE => "Tag_ABI_PCS_GOT_use",
        TAG_ABI_PCS_WCHAR_T => "Tag_ABI_PCS_wchar_t",
        TAG_ABI_FP_ROUNDING => "Tag_ABI_FP_rounding",
        TAG_ABI_FP_DENORMAL => "Tag_ABI_FP_denormal",
        TAG_ABI_FP_EXCEPTIONS => "Tag_ABI_FP_exceptions",
        TAG_ABI_FP_USER_EXCEPTIONS => "Tag_ABI_FP_user_exceptions",
        TAG_ABI_FP_NUMBER_MODEL => "Tag_ABI_FP_number_model",
        TAG_ABI_ALIGN_NEEDED => "Tag_ABI_align_needed",
        TAG_ABI_ALIGN_PRESERVED => "Tag_ABI_align_preserved",
        TAG_ABI_ENUM_SIZE => "Tag_ABI_enum_size",
        TAG_ABI_HARDFP_USE => "Tag_ABI_HardFP_use",
        TAG_ABI_VFP_ARGS => "Tag_ABI_VFP_args",
        TAG_ABI_WMMX_ARGS => "Tag_ABI_WMMX_args",
        TAG_ABI_OPTIMIZATION_GOALS => "Tag_ABI_optimization_goals",
        TAG_ABI_FP_OPTIMIZATION_GOALS => "Tag_ABI_FP_optimization_goals",
        TAG_COMPATIBILITY => "Tag_compatibility",
        TAG_CPU_UNALIGNED_ACCESS => "Tag_CPU_unaligned_access",
        TAG_FP_HP_EXTENSION => "Tag_FP_HP_extension",
        TAG_ABI_FP_16BIT_FORMAT => "Tag_ABI_FP_16bit_format",
        TAG_MPEXTENSION_USE => "Tag_MPextension_use",
        TAG_DIV_USE => "Tag_DIV_use",
        TAG_DSP_EXTENSION => "Tag_DSP_extension",
        TAG_MVE_ARCH => "Tag_MVE_arch",
        TAG_PAC_EXTENSION => "Tag_PAC_extension",
        TAG_BTI_EXTENSION => "Tag_BTI_extension",
        TAG_NODEFAULTS => "Tag_nodefaults",
        TAG_ALSO_COMPATIBLE_WITH => "Tag_also_compatible_with",
        TAG_T2EE_USE => "Tag_T2EE_use",
        TAG_CONFORMANCE => "Tag_conformance",
        TAG_VIRTUALIZATION_USE => "Tag_Virtualization_use",
        TAG_MPEXTENSION_USE_LEGACY => "Tag_MPextension_use_legacy",
        TAG_FRAMEPOINTER_USE => "Tag_FramePointer_use",
        TAG_BTI_USE => "Tag_BTI_use",
        TAG_PACRET_USE => "Tag_PACRET_use",
        _ => return None,
    })
}

/// Name of a Tag_CPU_arch value: 0 "Pre-v4", 1 "v4", 2 "v4T", 3 "v5T", 4 "v5TE", 5 "v5TEJ",
/// 6 "v6", 7 "v6KZ", 8 "v6T2", 9 "v6K", 10 "v7", 11 "v6-M", 12 "v6S-M", 13 "v7E-M", 14 "v8-A",
/// 15 "v8-R", 16 "v8-M.baseline", 17 "v8-M.mainline", 18 "v8.1-A", 19 "v8.2-A", 20 "v8.3-A",
/// 21 "v8.1-M.mainline", 22 "v9-A"; anything else "unknown".
pub fn cpu_arch_name(value: u64) -> &'static str {
    const NAMES: [&str; 23] = [
        "Pre-v4",
        "v4",
        "v4T",
        "v5T",
        "v5TE",
        "v5TEJ",
        "v6",
        "v6KZ",
        "v6T2",
        "v6K",
        "v7",
        "v6-M",
        "v6S-M",
        "v7E-M",
        "v8-A",
        "v8-R",
        "v8-M.baseline",
        "v8-M.mainline",
        "v8.1-A",
        "v8.2-A",
        "v8.3-A",
        "v8.1-M.mainline",
        "v9-A",
    ];
    usize::try_from(value)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("unknown")
}

/// Name of a Tag_ABI_VFP_args value: 0 "AAPCS base (soft-float)", 1 "VFP registers
/// (hard-float)", 2 "toolchain-specific", 3 "compatible with both"; anything else "unknown".
pub fn vfp_args_name(value: u64) -> &'static str {
    match value {
        VFP_ARGS_BASE => "AAPCS base (soft-float)",
        VFP_ARGS_VFP => "VFP registers (hard-float)",
        VFP_ARGS_TOOLCHAIN => "toolchain-specific",
        VFP_ARGS_COMPATIBLE => "compatible with both",
        _ => "unknown",
    }
}

/// Value names for ULEB128 tags that are a plain enumeration (readelf's wording; "" marks a
/// reserved value).
fn value_table(tag: u64) -> Option<&'static [&'static str]> {
    Some(match tag {
        TAG_ARM_ISA_USE => &["No", "Yes"],
        TAG_THUMB_ISA_USE => &["No", "Thumb-1", "Thumb-2", "Yes"],
        TAG_FP_ARCH => &[
            "No",
            "VFPv1",
            "VFPv2",
            "VFPv3",
            "VFPv3-D16",
            "VFPv4",
            "VFPv4-D16",
            "FP for ARMv8",
            "FPv5/FP-D16 for ARMv8",
        ],
        TAG_WMMX_ARCH => &["No", "WMMXv1", "WMMXv2"],
        TAG_ADVANCED_SIMD_ARCH => &[
            "No",
            "NEONv1",
            "NEONv1 with Fused-MAC",
            "NEON for ARMv8",
            "NEON for ARMv8.1",
        ],
        TAG_PCS_CONFIG => &[
            "None",
            "Bare platform",
            "Linux application",
            "Linux DSO",
            "PalmOS 2004",
            "PalmOS (reserved)",
            "SymbianOS 2004",
            "SymbianOS (reserved)",
        ],
        TAG_ABI_PCS_R9_USE => &["V6", "SB", "TLS", "Unused"],
        TAG_ABI_PCS_RW_DATA => &["Absolute", "PC-relative", "SB-relative", "None"],
        TAG_ABI_PCS_RO_DATA => &["Absolute", "PC-relative", "None"],
        TAG_ABI_PCS_GOT_USE => &["None", "direct", "GOT-indirect"],
        TAG_ABI_PCS_WCHAR_T => &["None", "", "2", "", "4"],
        TAG_ABI_FP_ROUNDING => &["Unused", "Needed"],
        TAG_ABI_FP_DENORMAL => &["Unused", "Needed", "Sign only"],
        TAG_ABI_FP_EXCEPTIONS => &["Unused", "Needed"],
        TAG_ABI_FP_USER_EXCEPTIONS => &["Unused", "Needed"],
        TAG_ABI_FP_NUMBER_MODEL => &["Unused", "Finite", "RTABI", "IEEE 754"],
        TAG_ABI_ENUM_SIZE => &["Unused", "small", "int", "forced to int"],
        TAG_ABI_HARDFP_USE => &["As Tag_FP_arch", "SP only", "Reserved", "Deprecated"],
        TAG_ABI_WMMX_ARGS => &["AAPCS", "WMMX registers", "custom"],
        TAG_ABI_OPTIMIZATION_GOALS => &[
            "None",
            "Prefer Speed",
            "Aggressive Speed",
            "Prefer Size",
            "Aggressive Size",
            "Prefer Debug",
            "Aggressive Debug",
        ],
        TAG_ABI_FP_OPTIMIZATION_GOALS => &[
            "None",
            "Prefer Speed",
            "Aggressive Speed",
            "Prefer Size",
            "Aggressive Size",
            "Prefer Accuracy",
            "Aggressive Accuracy",
        ],
        TAG_CPU_UNALIGNED_ACCESS => &["None", "v6"],
        TAG_FP_HP_EXTENSION => &["Not Allowed", "Allowed"],
        TAG_ABI_FP_16BIT_FORMAT => &["None", "IEEE 754", "Alternative Format"],
        TAG_MPEXTENSION_USE | TAG_MPEXTENSION_USE_LEGACY | TAG_T2EE_USE => {
            &["Not Allowed", "Allowed"]
        }
        TAG_DIV_USE => &[
            "Allowed in Thumb-ISA, v7-R or v7-M",
            "Not allowed",
            "Allowed in v7-A with integer division extension",
        ],
        TAG_DSP_EXTENSION => &["Follow architecture", "Allowed"],
        TAG_MVE_ARCH => &["No MVE", "MVE Integer only", "MVE Integer and FP"],
        TAG_PAC_EXTENSION | TAG_BTI_EXTENSION => {
            &["Not Permitted", "Permitted in NOP space", "Permitted"]
        }
        TAG_VIRTUALIZATION_USE => &[
            "Not Allowed",
            "TrustZone",
            "Virtualization Extensions",
            "TrustZone and Virtualization Extensions",
        ],
        TAG_FRAMEPOINTER_USE | TAG_BTI_USE | TAG_PACRET_USE => &["Not Used", "Used"],
        _ => return None,
    })
}

fn alignment_name(value: u64, one: &str, two: &str) -> String {
    match value {
        0 => "None".to_string(),
        1 => one.to_string(),
        2 => two.to_string(),
        4..=12 => format!("8-byte and up to {}-byte extended", 1u64 << value),
        _ => format!("unknown ({value})"),
    }
}

fn render_int(tag: u64, v: u64) -> String {
    match tag {
        TAG_CPU_ARCH => match cpu_arch_name(v) {
            "unknown" => format!("unknown ({v})"),
            name => name.to_string(),
        },
        TAG_ABI_VFP_ARGS => match vfp_args_name(v) {
            "unknown" => format!("unknown ({v})"),
            name => name.to_string(),
        },
        TAG_CPU_ARCH_PROFILE => match v {
            0 => "None".to_string(),
            0x41 => "Application".to_string(),
            0x52 => "Realtime".to_string(),
            0x4d => "Microcontroller".to_string(),
            0x53 => "Application or Realtime".to_string(),
            _ => format!("unknown ({v})"),
        },
        TAG_ABI_ALIGN_NEEDED => alignment_name(v, "8-byte", "4-byte"),
        TAG_ABI_ALIGN_PRESERVED => alignment_name(v, "8-byte, except leaf SP", "8-byte"),
        TAG_NODEFAULTS => "True".to_string(),
        _ => match value_table(tag) {
            Some(table) => match usize::try_from(v).ok().and_then(|i| table.get(i)) {
                Some(name) if !name.is_empty() => (*name).to_string(),
                _ => format!("unknown ({v})"),
            },
            None => v.to_string(),
        },
    }
}

/// Tag_also_compatible_with holds one tag/value pair encoded inside its string; only a
/// Tag_CPU_arch pair is given a name (as readelf does).
fn render_also_compatible(s: &str) -> String {
    let mut r = Reader::new(s.as_bytes());
    if let Ok(TAG_CPU_ARCH) = r.uleb128("inner tag") {
        if let Ok(v) = r.uleb128("inner value") {
            return render_int(TAG_CPU_ARCH, v);
        }
    }
    format!("{:?}", s)
}

fn render_value(tag: u64, value: &AttrValue) -> String {
    match value {
        AttrValue::Int(v) => render_int(tag, *v),
        AttrValue::Str(s) if tag == TAG_ALSO_COMPATIBLE_WITH => render_also_compatible(s),
        AttrValue::Str(s) => s.clone(),
        AttrValue::IntStr(flag, vendor) => format!("flag = {flag}, vendor = {vendor}"),
    }
}

fn describe(tag: u64) -> String {
    match tag_name(tag) {
        Some(name) => format!("value of {name}"),
        None => format!("value of attribute tag {tag}"),
    }
}

fn ntbs_string(r: &mut Reader<'_>, what: &str) -> Result<String, AttrError> {
    Ok(String::from_utf8_lossy(r.ntbs(what)?).into_owned())
}

/// Decodes tag/value pairs until the reader's window is exhausted.
fn parse_attribute_list(r: &mut Reader<'_>, out: &mut Vec<Attribute>) -> Result<(), AttrError> {
    while !r.is_empty() {
        let tag_offset = r.offset();
        let tag = r.uleb128("attribute tag")?;
        let what = describe(tag);
        let value = match tag {
            TAG_CPU_RAW_NAME | TAG_CPU_NAME | TAG_ALSO_COMPATIBLE_WITH | TAG_CONFORMANCE => {
                AttrValue::Str(ntbs_string(r, &what)?)
            }
            TAG_COMPATIBILITY => {
                let flag = r.uleb128(&format!("flag of {}", tag_name(tag).unwrap_or("")))?;
                AttrValue::IntStr(flag, ntbs_string(r, &what)?)
            }
            0..=3 => {
                return Err(AttrError::new(
                    tag_offset,
                    format!(
                        "attribute tag {tag} at offset 0x{tag_offset:x} is not an attribute (0 is unused, 1-3 are scope tags), so its value cannot be decoded"
                    ),
                ))
            }
            t if t < 32 || t % 2 == 0 => AttrValue::Int(r.uleb128(&what)?),
            _ => AttrValue::Str(ntbs_string(r, &what)?),
        };
        out.push(Attribute { tag, value });
    }
    Ok(())
}

/// Decodes the sub-subsections of an "aeabi" vendor subsection, keeping Tag_File attributes.
fn parse_aeabi(
    body: &mut Reader<'_>,
    little_endian: bool,
    file: &mut Vec<Attribute>,
) -> Result<(), AttrError> {
    while !body.is_empty() {
        let start = body.offset();
        let scope = body.u8("sub-subsection scope tag")?;
        let mut content = body.length_prefixed(little_endian, 1, 5, "sub-subsection")?;
        match scope {
            SCOPE_FILE => parse_attribute_list(&mut content, file)?,
            SCOPE_SECTION | SCOPE_SYMBOL => {
                let what = if scope == SCOPE_SECTION {
                    "section index"
                } else {
                    "symbol index"
                };
                loop {
                    if content.is_empty() {
                        return Err(AttrError::new(
                            start,
                            format!(
                                "sub-subsection at offset 0x{start:x}: {what} list is not terminated by 0"
                            ),
                        ));
                    }
                    if content.uleb128(what)? == 0 {
                        break;
                    }
                }
                // Validated, then dropped: only file-scope attributes are reported.
                let mut scoped = Vec::new();
                parse_attribute_list(&mut content, &mut scoped)?;
            }
            // An unknown scope tag: its size is known, so skip it like readelf does.
            _ => {}
        }
    }
    Ok(())
}

/// Parses a whole `.ARM.attributes` section of an EM_ARM file. `little_endian` is the ELF
/// file's data encoding (EI_DATA). Never panics; every malformed input yields an [`AttrError`].
pub fn parse(section: &[u8], little_endian: bool) -> Result<ArmAttributes, AttrError> {
    let mut out = ArmAttributes::default();
    let kind = note::Attributes {
        label: "",
        subsection: "vendor subsection",
        name: "vendor name",
        min_len: 5,
    };
    note::subsections(section, little_endian, &kind, |vendor, mut body| {
        if vendor == VENDOR_AEABI {
            parse_aeabi(&mut body, little_endian, &mut out.file)?;
        }
        out.vendors.push(vendor);
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests;
