//! Unit tests of the GNU property note and AArch64 build-attributes readers.

use super::*;
use crate::verify::abi::test_bytes::{assert_malformed, pad_to, section, subsection, u32b};

// ---- builders -------------------------------------------------------------------------

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
    0x04, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x47, 0x4e, 0x55, 0x00,
    0x00, 0x00, 0x00, 0xc0, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// What x86_64 `gcc -fcf-protection=full` emits: ELF64 LE, IBT|SHSTK.
const REAL_GCC_X86_64_CET: [u8; 32] = [
    0x04, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x47, 0x4e, 0x55, 0x00,
    0x02, 0x00, 0x00, 0xc0, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

fn attrs_subsection(name: &str, optional: u8, ptype: u8, attrs: &[u8], le: bool) -> Vec<u8> {
    let mut content = vec![optional, ptype];
    content.extend_from_slice(attrs);
    subsection(name, &content, le)
}

fn attrs_section(subsections: &[Vec<u8>]) -> Vec<u8> {
    section(subsections)
}

/// llvm-readelf --hex-dump of llc output for BTI only (LLVM test
/// aarch64-build-attributes): subsection length 0x23 = 35.
const REAL_LLVM_FEATURE_BTI: [u8; 36] = [
    0x41, 0x23, 0x00, 0x00, 0x00, 0x61, 0x65, 0x61, 0x62, 0x69, 0x5f, 0x66, 0x65, 0x61, 0x74, 0x75,
    0x72, 0x65, 0x5f, 0x61, 0x6e, 0x64, 0x5f, 0x62, 0x69, 0x74, 0x73, 0x00, 0x01, 0x00, 0x00, 0x01,
    0x01, 0x00, 0x02, 0x00,
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
        assert_malformed(name, &err, offset, msg);
    }
}

// ---- AArch64 build attributes ---------------------------------------------------------

/// The subsections of `full`: (name, optional, attributes).
const FULL: &[(&str, bool, usize)] = &[
    ("aeabi_pauthabi", false, 2),
    ("aeabi_feature_and_bits", true, 3),
    ("private_vendor", true, 2),
];

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
            subsections: FULL,
            features: &["BTI", "PAC", "GCS"],
        },
        AttrCase {
            name: "same, big-endian",
            bytes: full(false),
            le: false,
            subsections: FULL,
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
    let cases: Vec<(&str, Vec<u8>, usize, &str)> = vec![
        ("empty", vec![], 0, "section is empty"),
        (
            "wrong version byte",
            vec![b'a', 0, 0, 0, 0],
            0,
            "format version 0x61",
        ),
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
        (
            "parameter type 7",
            bad_type,
            29,
            "parameter type at offset 0x1d is 7",
        ),
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
                &[
                    5, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02,
                ],
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
        assert_malformed(name, &err, offset, msg);
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
