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

use crate::verify::leb128::Reader;

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
pub type AttrError = crate::verify::leb128::SectionError;

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
    let mut r = Reader::new(section);
    if r.is_empty() {
        return Err(AttrError::new(
            0,
            "section is empty: expected format version 'A' (0x41) at offset 0x0",
        ));
    }
    let version = r.u8("format version")?;
    if version != FORMAT_VERSION {
        return Err(AttrError::new(
            0,
            format!(
                "unsupported format version 0x{version:02x} at offset 0x0 (expected 'A', 0x41)"
            ),
        ));
    }
    let mut out = ArmAttributes::default();
    while !r.is_empty() {
        let mut body = r.length_prefixed(little_endian, 0, 5, "vendor subsection")?;
        let vendor = ntbs_string(&mut body, "vendor name")?;
        if vendor == VENDOR_AEABI {
            parse_aeabi(&mut body, little_endian, &mut out.file)?;
        }
        out.vendors.push(vendor);
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

    fn uleb(mut v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }

    fn int(tag: u64, v: u64) -> Vec<u8> {
        let mut out = uleb(tag);
        out.extend(uleb(v));
        out
    }

    fn string(tag: u64, s: &str) -> Vec<u8> {
        let mut out = uleb(tag);
        out.extend_from_slice(s.as_bytes());
        out.push(0);
        out
    }

    /// A sub-subsection: scope tag, u32 size (counting tag and size), prefix, attributes.
    fn subsub(scope: u8, prefix: &[u8], attrs: &[Vec<u8>], le: bool) -> Vec<u8> {
        let body: Vec<u8> = prefix
            .iter()
            .copied()
            .chain(attrs.iter().flatten().copied())
            .collect();
        let mut out = vec![scope];
        out.extend(u32b((body.len() + 5) as u32, le));
        out.extend(body);
        out
    }

    /// A vendor subsection: u32 length (counting itself), NTBS name, content.
    fn vendor(name: &str, content: &[u8], le: bool) -> Vec<u8> {
        let mut body = name.as_bytes().to_vec();
        body.push(0);
        body.extend_from_slice(content);
        let mut out = u32b((body.len() + 4) as u32, le).to_vec();
        out.extend(body);
        out
    }

    fn section(vendors: &[Vec<u8>]) -> Vec<u8> {
        let mut out = vec![b'A'];
        for v in vendors {
            out.extend_from_slice(v);
        }
        out
    }

    /// What arm-linux-gnueabihf-gcc 12 -O2 emits for an armv7-a hard-float object.
    fn gcc_armv7_hardfloat_attrs() -> Vec<Vec<u8>> {
        vec![
            string(TAG_CPU_NAME, "7-A"),
            int(TAG_CPU_ARCH, 10),
            int(TAG_CPU_ARCH_PROFILE, u64::from(b'A')),
            int(TAG_ARM_ISA_USE, 1),
            int(TAG_THUMB_ISA_USE, 2),
            int(TAG_FP_ARCH, 4),
            int(TAG_ABI_PCS_WCHAR_T, 4),
            int(TAG_ABI_FP_DENORMAL, 1),
            int(TAG_ABI_FP_EXCEPTIONS, 1),
            int(TAG_ABI_FP_NUMBER_MODEL, 3),
            int(TAG_ABI_ALIGN_NEEDED, 1),
            int(TAG_ABI_ALIGN_PRESERVED, 1),
            int(TAG_ABI_ENUM_SIZE, 2),
            int(TAG_ABI_VFP_ARGS, 1),
            int(TAG_ABI_OPTIMIZATION_GOALS, 2),
            int(TAG_CPU_UNALIGNED_ACCESS, 1),
        ]
    }

    fn gcc_armv7_hardfloat(le: bool) -> Vec<u8> {
        let file = subsub(SCOPE_FILE, &[], &gcc_armv7_hardfloat_attrs(), le);
        section(&[vendor("aeabi", &file, le)])
    }

    /// The section bytes copied from a real `arm-linux-gnueabihf-gcc -O2 -c` object
    /// (`readelf -A`: Tag_CPU_name "7-A", Tag_CPU_arch v7, ..., Tag_ABI_VFP_args VFP registers).
    const REAL_GCC_ARMV7: [u8; 51] = [
        0x41, 0x32, 0x00, 0x00, 0x00, 0x61, 0x65, 0x61, 0x62, 0x69, 0x00, 0x01, 0x28, 0x00, 0x00,
        0x00, 0x05, 0x37, 0x2d, 0x41, 0x00, 0x06, 0x0a, 0x07, 0x41, 0x08, 0x01, 0x09, 0x02, 0x0a,
        0x04, 0x12, 0x04, 0x14, 0x01, 0x15, 0x01, 0x17, 0x03, 0x18, 0x01, 0x19, 0x01, 0x1a, 0x02,
        0x1c, 0x01, 0x1e, 0x02, 0x22, 0x01,
    ];

    fn gcc_armv5te_softfloat(le: bool) -> Vec<u8> {
        let attrs = vec![
            string(TAG_CPU_NAME, "5TE"),
            int(TAG_CPU_ARCH, 4),
            int(TAG_ARM_ISA_USE, 1),
            int(TAG_THUMB_ISA_USE, 1),
            int(TAG_ABI_PCS_WCHAR_T, 4),
            int(TAG_ABI_ENUM_SIZE, 2),
        ];
        section(&[vendor("aeabi", &subsub(SCOPE_FILE, &[], &attrs, le), le)])
    }

    // ---- valid inputs ---------------------------------------------------------------------

    #[test]
    fn builder_matches_real_gcc_bytes() {
        assert_eq!(
            gcc_armv7_hardfloat(true),
            REAL_GCC_ARMV7.to_vec(),
            "case builder reproduces the gcc armv7 hard-float section byte for byte"
        );
    }

    struct Valid {
        name: &'static str,
        bytes: Vec<u8>,
        le: bool,
        cpu_arch: Option<u64>,
        vfp_args: Option<u64>,
        vendors: &'static [&'static str],
        file_len: usize,
        named: &'static [(&'static str, &'static str)],
    }

    #[test]
    fn valid_sections() {
        let mixed_le = section(&[
            vendor("gnu", &[0x04, 0x01, 0x02, 0x03], true),
            vendor(
                "aeabi",
                &[
                    subsub(SCOPE_SECTION, &[1, 2, 0], &[int(TAG_CPU_ARCH, 1)], true),
                    subsub(SCOPE_FILE, &[], &[int(TAG_CPU_ARCH, 14)], true),
                    subsub(SCOPE_SYMBOL, &[7, 0], &[int(TAG_ABI_VFP_ARGS, 0)], true),
                    subsub(9, &[0xff, 0xff], &[], true),
                ]
                .concat(),
                true,
            ),
            vendor("ARM", &[0xde, 0xad], true),
        ]);
        // The gas testsuite's attr-order case (binutils gas/testsuite/gas/arm/attr-order.d).
        let attr_order = section(&[vendor(
            "aeabi",
            &subsub(
                SCOPE_FILE,
                &[],
                &[
                    string(TAG_CONFORMANCE, "2.07"),
                    int(TAG_NODEFAULTS, 0),
                    string(TAG_CPU_NAME, "ARM7TDMI"),
                    int(TAG_CPU_ARCH, 2),
                    string(63, "val"),
                    [uleb(TAG_ALSO_COMPATIBLE_WITH), vec![6, 11, 0]].concat(),
                    int(TAG_T2EE_USE, 1),
                    int(TAG_VIRTUALIZATION_USE, 1),
                    [uleb(TAG_COMPATIBILITY), uleb(1), b"gnu\0".to_vec()].concat(),
                    int(200, 300),
                    string(201, "odd"),
                ],
                true,
            ),
            true,
        )]);
        let cases = vec![
            Valid {
                name: "real gcc armv7 hard-float bytes",
                bytes: REAL_GCC_ARMV7.to_vec(),
                le: true,
                cpu_arch: Some(10),
                vfp_args: Some(1),
                vendors: &["aeabi"],
                file_len: 16,
                named: &[
                    ("Tag_CPU_name", "7-A"),
                    ("Tag_CPU_arch", "v7"),
                    ("Tag_CPU_arch_profile", "Application"),
                    ("Tag_ARM_ISA_use", "Yes"),
                    ("Tag_THUMB_ISA_use", "Thumb-2"),
                    ("Tag_FP_arch", "VFPv3-D16"),
                    ("Tag_ABI_PCS_wchar_t", "4"),
                    ("Tag_ABI_FP_denormal", "Needed"),
                    ("Tag_ABI_FP_exceptions", "Needed"),
                    ("Tag_ABI_FP_number_model", "IEEE 754"),
                    ("Tag_ABI_align_needed", "8-byte"),
                    ("Tag_ABI_align_preserved", "8-byte, except leaf SP"),
                    ("Tag_ABI_enum_size", "int"),
                    ("Tag_ABI_VFP_args", "VFP registers (hard-float)"),
                    ("Tag_ABI_optimization_goals", "Aggressive Speed"),
                    ("Tag_CPU_unaligned_access", "v6"),
                ],
            },
            Valid {
                name: "armv7 hard-float big-endian",
                bytes: gcc_armv7_hardfloat(false),
                le: false,
                cpu_arch: Some(10),
                vfp_args: Some(1),
                vendors: &["aeabi"],
                file_len: 16,
                named: &[("Tag_CPU_arch", "v7")],
            },
            Valid {
                name: "armv5te soft-float omits Tag_ABI_VFP_args",
                bytes: gcc_armv5te_softfloat(true),
                le: true,
                cpu_arch: Some(4),
                vfp_args: None,
                vendors: &["aeabi"],
                file_len: 6,
                named: &[("Tag_CPU_name", "5TE"), ("Tag_CPU_arch", "v5TE")],
            },
            Valid {
                name: "armv5te soft-float big-endian",
                bytes: gcc_armv5te_softfloat(false),
                le: false,
                cpu_arch: Some(4),
                vfp_args: None,
                vendors: &["aeabi"],
                file_len: 6,
                named: &[("Tag_THUMB_ISA_use", "Thumb-1")],
            },
            Valid {
                name: "other vendors skipped, section/symbol/unknown scopes not kept",
                bytes: mixed_le,
                le: true,
                cpu_arch: Some(14),
                vfp_args: None,
                vendors: &["gnu", "aeabi", "ARM"],
                file_len: 1,
                named: &[("Tag_CPU_arch", "v8-A")],
            },
            Valid {
                name: "gas attr-order: string, compat and odd/even unknown tags",
                bytes: attr_order,
                le: true,
                cpu_arch: Some(2),
                vfp_args: None,
                vendors: &["aeabi"],
                file_len: 11,
                named: &[
                    ("Tag_conformance", "2.07"),
                    ("Tag_nodefaults", "True"),
                    ("Tag_CPU_name", "ARM7TDMI"),
                    ("Tag_CPU_arch", "v4T"),
                    ("Tag_unknown_63", "val"),
                    ("Tag_also_compatible_with", "v6-M"),
                    ("Tag_T2EE_use", "Allowed"),
                    ("Tag_Virtualization_use", "TrustZone"),
                    ("Tag_compatibility", "flag = 1, vendor = gnu"),
                    ("Tag_unknown_200", "300"),
                    ("Tag_unknown_201", "odd"),
                ],
            },
            Valid {
                name: "version byte only",
                bytes: vec![b'A'],
                le: true,
                cpu_arch: None,
                vfp_args: None,
                vendors: &[],
                file_len: 0,
                named: &[],
            },
            Valid {
                name: "aeabi with empty vendor data",
                bytes: section(&[vendor("aeabi", &[], false)]),
                le: false,
                cpu_arch: None,
                vfp_args: None,
                vendors: &["aeabi"],
                file_len: 0,
                named: &[],
            },
        ];
        for case in cases {
            let got = parse(&case.bytes, case.le)
                .unwrap_or_else(|e| panic!("case {}: unexpected error {e}", case.name));
            assert_eq!(
                got.cpu_arch(),
                case.cpu_arch,
                "case {}: cpu_arch",
                case.name
            );
            assert_eq!(got.abi_vfp_args(), case.vfp_args, "case {}: vfp", case.name);
            assert_eq!(got.vendors, case.vendors, "case {}: vendors", case.name);
            assert_eq!(got.file.len(), case.file_len, "case {}: count", case.name);
            let named = got.named();
            for (tag, value) in case.named {
                assert!(
                    named.iter().any(|(t, v)| t == tag && v == value),
                    "case {}: expected ({tag}, {value}) in {named:?}",
                    case.name
                );
            }
            if case.named.len() == case.file_len {
                let want: Vec<(String, String)> = case
                    .named
                    .iter()
                    .map(|(t, v)| (t.to_string(), v.to_string()))
                    .collect();
                assert_eq!(named, want, "case {}: named() in order", case.name);
            }
        }
    }

    #[test]
    fn accessors_and_values() {
        let attrs = parse(&REAL_GCC_ARMV7, true).expect("case real gcc bytes parse");
        assert_eq!(attrs.cpu_name(), Some("7-A"), "case cpu_name");
        assert_eq!(
            attrs.get(TAG_CPU_NAME),
            Some(&AttrValue::Str("7-A".into())),
            "case get string"
        );
        assert_eq!(
            attrs.get(TAG_CPU_ARCH_PROFILE),
            Some(&AttrValue::Int(0x41)),
            "case get profile"
        );
        assert_eq!(attrs.get(TAG_MVE_ARCH), None, "case get absent");

        // A later duplicate wins, as in LLVM's attribute map.
        let dup = section(&[vendor(
            "aeabi",
            &subsub(
                SCOPE_FILE,
                &[],
                &[int(TAG_CPU_ARCH, 8), int(TAG_CPU_ARCH, 10)],
                true,
            ),
            true,
        )]);
        assert_eq!(
            parse(&dup, true).map(|a| a.cpu_arch()),
            Ok(Some(10)),
            "case duplicate tag: last wins"
        );

        // A string where an integer is expected does not answer the integer accessors.
        let compat = section(&[vendor(
            "aeabi",
            &subsub(
                SCOPE_FILE,
                &[],
                &[[uleb(TAG_COMPATIBILITY), uleb(0), b"\0".to_vec()].concat()],
                true,
            ),
            true,
        )]);
        let got = parse(&compat, true).expect("case compat parses");
        assert_eq!(
            got.get(TAG_COMPATIBILITY),
            Some(&AttrValue::IntStr(0, String::new())),
            "case compatibility flag 0 with empty vendor"
        );

        let names = [
            (0, "Pre-v4"),
            (2, "v4T"),
            (10, "v7"),
            (13, "v7E-M"),
            (14, "v8-A"),
            (21, "v8.1-M.mainline"),
            (22, "v9-A"),
            (23, "unknown"),
            (u64::MAX, "unknown"),
        ];
        for (v, want) in names {
            assert_eq!(cpu_arch_name(v), want, "case cpu_arch_name({v})");
        }
        let vfp = [
            (0, "AAPCS base (soft-float)"),
            (1, "VFP registers (hard-float)"),
            (2, "toolchain-specific"),
            (3, "compatible with both"),
            (4, "unknown"),
        ];
        for (v, want) in vfp {
            assert_eq!(vfp_args_name(v), want, "case vfp_args_name({v})");
        }
        let tags = [
            (TAG_CPU_ARCH, Some("Tag_CPU_arch")),
            (TAG_ABI_VFP_ARGS, Some("Tag_ABI_VFP_args")),
            (TAG_BTI_USE, Some("Tag_BTI_use")),
            (TAG_PACRET_USE, Some("Tag_PACRET_use")),
            (1, None),
            (33, None),
        ];
        for (t, want) in tags {
            assert_eq!(tag_name(t), want, "case tag_name({t})");
        }
        let rendered = [
            (TAG_ABI_ALIGN_NEEDED, 5, "8-byte and up to 32-byte extended"),
            (TAG_ABI_ALIGN_NEEDED, 13, "unknown (13)"),
            (TAG_ABI_PCS_WCHAR_T, 1, "unknown (1)"),
            (TAG_FP_ARCH, 99, "unknown (99)"),
            (TAG_CPU_ARCH, 99, "unknown (99)"),
            (TAG_ABI_VFP_ARGS, 7, "unknown (7)"),
            (TAG_CPU_ARCH_PROFILE, u64::from(b'M'), "Microcontroller"),
            (42_000, 5, "5"),
        ];
        for (tag, v, want) in rendered {
            assert_eq!(render_int(tag, v), want, "case render_int({tag}, {v})");
        }
    }

    // ---- malformed inputs -----------------------------------------------------------------

    #[test]
    fn malformed_sections() {
        let le = true;
        let ok_file = subsub(SCOPE_FILE, &[], &[int(TAG_CPU_ARCH, 10)], le);
        let mut len_past_end = section(&[vendor("aeabi", &ok_file, le)]);
        len_past_end[1..5].copy_from_slice(&4096u32.to_le_bytes());
        let mut len_past_end_be = section(&[vendor("aeabi", &ok_file, false)]);
        len_past_end_be[1..5].copy_from_slice(&4096u32.to_be_bytes());
        // sub-subsection size 4096 (offset 11 = 'A' + 4 length + "aeabi\0").
        let mut subsub_past_end = section(&[vendor("aeabi", &ok_file, le)]);
        subsub_past_end[12..16].copy_from_slice(&4096u32.to_le_bytes());
        let mut subsub_too_small = section(&[vendor("aeabi", &ok_file, le)]);
        subsub_too_small[12..16].copy_from_slice(&4u32.to_le_bytes());

        let cases: Vec<(&str, Vec<u8>, usize, &str)> = vec![
            ("empty", vec![], 0, "section is empty"),
            (
                "wrong version byte",
                vec![b'B', 5, 0, 0, 0, 0],
                0,
                "format version 0x42",
            ),
            ("version zero", vec![0], 0, "format version 0x00"),
            ("length 0", vec![b'A', 0, 0, 0, 0], 1, "has length 0"),
            (
                "length smaller than header",
                vec![b'A', 4, 0, 0, 0, 0],
                1,
                "has length 4",
            ),
            (
                "truncated length field",
                vec![b'A', 9, 0],
                1,
                "needs 4 bytes but only 2 remain",
            ),
            (
                "length past end",
                len_past_end,
                1,
                "vendor subsection at offset 0x1 claims 4096 bytes but only 17 remain",
            ),
            (
                "unterminated vendor name",
                [
                    vec![b'A'],
                    10u32.to_le_bytes().to_vec(),
                    b"aeabi\x01".to_vec(),
                ]
                .concat(),
                5,
                "vendor name at offset 0x5 is not NUL-terminated",
            ),
            (
                "sub-subsection size past end",
                subsub_past_end,
                11,
                "sub-subsection at offset 0xb claims 4096 bytes but only 7 remain",
            ),
            (
                "sub-subsection size smaller than header",
                subsub_too_small,
                11,
                "has length 4",
            ),
            (
                "sub-subsection header truncated",
                section(&[vendor("aeabi", &[1, 9, 0], le)]),
                12,
                "sub-subsection length field at offset 0xc needs 4 bytes but only 2 remain",
            ),
            (
                "ULEB128 value runs off the end",
                section(&[vendor(
                    "aeabi",
                    &subsub(SCOPE_FILE, &[], &[vec![6, 0x8a]], le),
                    le,
                )]),
                17,
                "value of Tag_CPU_arch (ULEB128) at offset 0x11 runs off the end",
            ),
            (
                "ULEB128 tag runs off the end",
                section(&[vendor(
                    "aeabi",
                    &subsub(SCOPE_FILE, &[], &[vec![0x86]], le),
                    le,
                )]),
                16,
                "attribute tag (ULEB128) at offset 0x10 runs off the end",
            ),
            (
                "ULEB128 value overflows 64 bits",
                section(&[vendor(
                    "aeabi",
                    &subsub(
                        SCOPE_FILE,
                        &[],
                        &[vec![
                            6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
                        ]],
                        le,
                    ),
                    le,
                )]),
                17,
                "overflows 64 bits",
            ),
            (
                "unterminated Tag_CPU_name",
                section(&[vendor(
                    "aeabi",
                    &subsub(SCOPE_FILE, &[], &[vec![5, b'7', b'-']], le),
                    le,
                )]),
                17,
                "value of Tag_CPU_name at offset 0x11 is not NUL-terminated",
            ),
            (
                "unterminated odd unknown tag string",
                section(&[vendor(
                    "aeabi",
                    &subsub(SCOPE_FILE, &[], &[vec![63, b'x']], le),
                    le,
                )]),
                17,
                "value of attribute tag 63",
            ),
            (
                "Tag_compatibility missing vendor",
                section(&[vendor(
                    "aeabi",
                    &subsub(SCOPE_FILE, &[], &[vec![32, 1]], le),
                    le,
                )]),
                18,
                "value of Tag_compatibility at offset 0x12 is not NUL-terminated",
            ),
            (
                "attribute tag 1 inside an attribute list",
                section(&[vendor(
                    "aeabi",
                    &subsub(SCOPE_FILE, &[], &[vec![1, 0]], le),
                    le,
                )]),
                16,
                "attribute tag 1 at offset 0x10 is not an attribute",
            ),
            (
                "section index list not terminated",
                section(&[vendor(
                    "aeabi",
                    &subsub(SCOPE_SECTION, &[1, 2], &[], le),
                    le,
                )]),
                11,
                "section index list is not terminated by 0",
            ),
            (
                "bad attribute in symbol scope",
                section(&[vendor(
                    "aeabi",
                    &subsub(SCOPE_SYMBOL, &[3, 0], &[vec![6]], le),
                    le,
                )]),
                19,
                "value of Tag_CPU_arch (ULEB128) at offset 0x13 runs off the end",
            ),
            (
                "second subsection truncated",
                [section(&[vendor("aeabi", &ok_file, le)]), vec![7, 0]].concat(),
                18,
                "vendor subsection length field at offset 0x12 needs 4 bytes but only 2 remain",
            ),
        ];
        let be_err = parse(&len_past_end_be, false).expect_err("case length past end big-endian");
        assert_eq!(
            be_err.message, "vendor subsection at offset 0x1 claims 4096 bytes but only 17 remain",
            "case length past end big-endian"
        );
        for (name, bytes, offset, msg) in cases {
            let err = parse(&bytes, le).expect_err(name);
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
            assert!(
                err.to_string().contains(&err.message),
                "case {name}: Display carries the message"
            );
        }
    }

    #[test]
    fn truncations_and_byte_flips_never_panic() {
        let mut inputs = vec![
            (REAL_GCC_ARMV7.to_vec(), true),
            (gcc_armv7_hardfloat(false), false),
            (gcc_armv5te_softfloat(true), true),
        ];
        inputs.push((
            section(&[
                vendor("gnu", &[1, 2, 3], true),
                vendor(
                    "aeabi",
                    &[
                        subsub(SCOPE_SECTION, &[1, 0], &[int(TAG_CPU_ARCH, 1)], true),
                        subsub(
                            SCOPE_FILE,
                            &[],
                            &[
                                string(TAG_CONFORMANCE, "2.09"),
                                [uleb(TAG_COMPATIBILITY), uleb(1), b"gnu\0".to_vec()].concat(),
                                [uleb(TAG_ALSO_COMPATIBLE_WITH), vec![6, 11, 0]].concat(),
                                int(300, 1 << 40),
                            ],
                            true,
                        ),
                    ]
                    .concat(),
                    true,
                ),
            ]),
            true,
        ));
        for (case, (input, le)) in inputs.iter().enumerate() {
            assert!(parse(input, *le).is_ok(), "case {case}: base input parses");
            for len in 0..input.len() {
                let _ = parse(&input[..len], *le);
                let _ = parse(&input[..len], !*le);
            }
            for i in 0..input.len() {
                for mask in [0xffu8, 0x80, 0x01, 0x7f] {
                    let mut m = input.clone();
                    m[i] ^= mask;
                    if let Err(e) = parse(&m, *le) {
                        assert!(
                            e.message.contains(&format!("0x{:x}", e.offset)),
                            "case {case}: flip byte {i} by {mask:#x}: {:?}",
                            e.message
                        );
                    }
                }
            }
        }
    }
}
