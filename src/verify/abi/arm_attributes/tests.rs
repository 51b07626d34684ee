//! Unit tests of the `.ARM.attributes` reader: builders checked against real gcc bytes, valid and malformed sections.

use super::*;
use crate::verify::abi::test_bytes::{assert_malformed, section, subsection, u32b, uleb};

// ---- builders -------------------------------------------------------------------------

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
    subsection(name, content, le)
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
    0x41, 0x32, 0x00, 0x00, 0x00, 0x61, 0x65, 0x61, 0x62, 0x69, 0x00, 0x01, 0x28, 0x00, 0x00, 0x00,
    0x05, 0x37, 0x2d, 0x41, 0x00, 0x06, 0x0a, 0x07, 0x41, 0x08, 0x01, 0x09, 0x02, 0x0a, 0x04, 0x12,
    0x04, 0x14, 0x01, 0x15, 0x01, 0x17, 0x03, 0x18, 0x01, 0x19, 0x01, 0x1a, 0x02, 0x1c, 0x01, 0x1e,
    0x02, 0x22, 0x01,
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
        assert_malformed(name, &err, offset, msg);
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
