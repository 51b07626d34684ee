//! Unit tests of the build info reader.

use super::blob::*;
use super::formats::*;
use super::modinfo::*;
use super::quote::*;
use super::*;
use crate::verify::format::elf_file::{ElfFile, PT_LOAD};

/// `cmd/go/internal/modload.infoStart` and `infoEnd`.
const INFO_START: &[u8; 16] = b"\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6";
const INFO_END: &[u8; 16] = b"\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2";

/// `go version -m` of fixtures/go/hello built for linux/arm64 by go1.26.8, without the
/// first line and the tab indent (which is exactly the embedded module info).
const HELLO: &str = "path\texample.com/hello
mod\texample.com/hello\t(devel)\t
build\t-buildmode=exe
build\t-compiler=gc
build\t-ldflags=\"-s -w\"
build\tDefaultGODEBUG=asynctimerchan=1,containermaxprocs=0,cryptocustomrand=1,x509usepolicies=0
build\tCGO_ENABLED=0
build\tGOARCH=arm64
build\tGOOS=linux
build\tGOARM64=v8.0
";

/// `go version -m` of a module with a directory replacement, built with
/// `-ldflags="-s -X 'main.x=say \"hi\"<TAB>tab'"` (note the empty line Go leaves after `=>`).
const REPLACED: &str = "path\texample.com/app
mod\texample.com/app\t(devel)\t
dep\texample.com/dep\tv1.2.3
=>\t../dep\t(devel)\t

dep\tgolang.org/x/sys\tv0.21.0\th1:rF+pYz3DAGSQAxAu1CbC7catZg4ebC4UIeIhKxBZvws=
build\t-buildmode=exe
build\t-compiler=gc
build\t-ldflags=\"-s -X 'main.x=say \\\"hi\\\"\\ttab'\"
build\tCGO_ENABLED=0
build\tGOARCH=amd64
build\tGOOS=linux
build\tGOAMD64=v1
";

/// `go version -m /usr/local/go/pkg/tool/linux_amd64/compile`: no `mod` line.
const COMPILE: &str = "path\tcmd/compile
build\t-buildmode=exe
build\t-compiler=gc
build\t-gcflags=cmd/...=-dwarf=false
build\t-pgo=default.pgo
build\t-trimpath=true
build\tCGO_ENABLED=0
build\tGOAMD64=v1
build\tGOARCH=amd64
build\tGOOS=linux
";

fn module(path: &str, version: &str, sum: &str) -> Module {
    Module {
        path: path.into(),
        version: version.into(),
        sum: sum.into(),
        replace: None,
    }
}

fn info(text: &str) -> BuildInfo {
    let (path, main, deps, settings) = parse_modinfo(text).expect("valid module info");
    BuildInfo {
        go_version: "go1.26.8".into(),
        path,
        main,
        deps,
        settings,
    }
}

#[test]
fn parses_real_module_info() {
    let bi = info(HELLO);
    assert_eq!(bi.path, "example.com/hello");
    assert_eq!(bi.main, Some(module("example.com/hello", "(devel)", "")));
    assert!(bi.deps.is_empty());
    assert_eq!(bi.settings.len(), 8);
    assert_eq!(bi.setting("-ldflags"), Some("-s -w"));
    assert_eq!(bi.setting("GOARCH"), Some("arm64"));
    assert_eq!(bi.setting("GOARM64"), Some("v8.0"));
    assert_eq!(bi.setting("-trimpath"), None);
    assert_eq!(
        bi.settings.first(),
        Some(&("-buildmode".to_string(), "exe".to_string()))
    );

    let bi = info(COMPILE);
    assert_eq!(bi.path, "cmd/compile");
    assert_eq!(bi.main, None);
    assert_eq!(bi.setting("-gcflags"), Some("cmd/...=-dwarf=false"));

    let bi = info(REPLACED);
    let mut dep = module("example.com/dep", "v1.2.3", "");
    dep.replace = Some(Box::new(module("../dep", "(devel)", "")));
    assert_eq!(
        bi.deps,
        vec![
            dep,
            module(
                "golang.org/x/sys",
                "v0.21.0",
                "h1:rF+pYz3DAGSQAxAu1CbC7catZg4ebC4UIeIhKxBZvws="
            )
        ]
    );
    assert_eq!(
        bi.setting("-ldflags"),
        Some("-s -X 'main.x=say \"hi\"\ttab'")
    );
}

#[test]
fn display_is_go_string() {
    for (name, text) in [
        ("hello", HELLO),
        ("replaced", REPLACED),
        ("compile", COMPILE),
    ] {
        assert_eq!(
            info(text).to_string(),
            format!("go\tgo1.26.8\n{text}"),
            "case {name}"
        );
    }
    let mut bi = info("");
    bi.go_version.clear();
    assert_eq!(bi.to_string(), "", "case empty");
}

#[test]
fn go_fuzz_seeds() {
    // runtime/debug's FuzzParseBuildInfoRoundTrip seeds.
    let (path, main, _, _) = parse_modinfo("path\trsc.io/fortune\nmod\trsc.io/fortune\tv1.0.0\n")
        .expect("case outside a module");
    assert_eq!(path, "rsc.io/fortune");
    assert_eq!(main, Some(module("rsc.io/fortune", "v1.0.0", "")));
    // No newline: the only line is ignored.
    let r = parse_modinfo("path\tcmd/test2json").expect("case no newline");
    assert_eq!(r.0, "", "case no newline");
    // The go line is not module info; it is ignored.
    let (path, main, _, settings) =
        parse_modinfo("go\t1.18\npath\texample.com/m\nbuild\t-compiler=gc\n").expect("case GOPATH");
    assert_eq!((path.as_str(), main), ("example.com/m", None));
    assert_eq!(settings, vec![("-compiler".into(), "gc".into())]);
    // Space-separated lines are unknown lines, also ignored.
    let r = parse_modinfo("go 1.18\npath example.com/m\nbuild CRAZY_ENV=\"requires\\nescaping\"\n")
        .expect("case spaces");
    assert_eq!(r, (String::new(), None, vec![], vec![]), "case spaces");
}

#[test]
fn build_line_quoting() {
    let ok: &[(&str, &str, &str)] = &[
        ("build\tK=V\n", "K", "V"),
        ("build\tK=\n", "K", ""),
        ("build\tK=a=b\n", "K", "a=b"),
        ("build\t-ldflags=\"-s -w\"\n", "-ldflags", "-s -w"),
        ("build\t\"a b\"=c\n", "a b", "c"),
        ("build\t\"k=v\"=\"x\\ty\"\n", "k=v", "x\ty"),
        ("build\t\"\"=empty-key\n", "", "empty-key"),
        (
            "build\t`raw key`=`raw \\n value`\n",
            "raw key",
            "raw \\n value",
        ),
        ("build\tK=`a\rb`\n", "K", "ab"),
        (
            "build\tK=\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\"\n",
            "K",
            "\x07\x08\x0c\n\r\t\x0b\\\"",
        ),
        (
            "build\tK=\"\\x41\\101\\u00e9\\U0001F600\"\n",
            "K",
            "AA\u{e9}\u{1f600}",
        ),
        ("build\tK=\"\\xc3\\xa9\"\n", "K", "\u{e9}"),
        ("build\tK=\"\\xff\"\n", "K", "\u{fffd}"),
        ("build\tK=\"é 😀\"\n", "K", "é 😀"),
        ("build\tK='single quotes are plain'\n", "K", "'single"),
    ];
    for (line, key, value) in ok {
        if line.contains("single") {
            // A value starting with ' is unquoted, so the space makes it invalid.
            assert!(parse_modinfo(line).is_err(), "case {line:?}");
            continue;
        }
        let (_, _, _, s) = parse_modinfo(line).unwrap_or_else(|e| panic!("case {line:?}: {e}"));
        assert_eq!(
            s,
            vec![(key.to_string(), value.to_string())],
            "case {line:?}"
        );
    }
    let bad: &[(&str, &str)] = &[
        ("build\t\n", "missing '='"),
        ("build\t=v\n", "missing key"),
        ("build\tnoequals\n", "missing '=' after key"),
        ("build\ta b=c\n", "must be quoted"),
        ("build\tk=a b\n", "must be quoted"),
        ("build\tk=a\"b\n", "must be quoted"),
        ("build\t\"k\"\n", "missing '=' after quoted key"),
        (
            "build\t\"k\"x=1\n",
            "unexpected character after quoted key: 'x'",
        ),
        ("build\t\"k=1\n", "invalid quoted key"),
        ("build\t`k=1\n", "invalid quoted key"),
        ("build\tk=\"v\"x\n", "invalid quoted value"),
        ("build\tk=\"v\n", "invalid quoted value"),
        ("build\tk=\"\\q\"\n", "unknown escape"),
        ("build\tk=\"\\'\"\n", "unknown escape"),
        ("build\tk=\"\\x4\"\n", "invalid quoted value"),
        ("build\tk=\"\\xg0\"\n", "bad digit"),
        ("build\tk=\"\\uD800\"\n", "not a Unicode scalar value"),
        ("build\tk=\"\\U00110000\"\n", "not a Unicode scalar value"),
        ("build\tk=\"\\400\"\n", "over 255"),
        ("build\tk=\"\\18\"\n", "bad digit"),
        ("build\tk=\"\\\"\n", "invalid quoted value"),
    ];
    for (line, msg) in bad {
        let err = parse_modinfo(line).expect_err(line);
        assert!(err.contains(msg), "case {line:?}: {err}");
        assert!(err.starts_with("line 1: "), "case {line:?}: {err}");
    }
}

#[test]
fn quote_and_unquote_round_trip() {
    for s in [
        "",
        "-s -w",
        "a\"b\\c",
        "\t\n\r\x07\x08\x0c\x0b\x00\x1f\x7f",
        "é ü 😀 世界",
        "\u{80}\u{a0}\u{200b}\u{feff}\u{e000}\u{10ffff}",
    ] {
        let q = quote(s);
        assert_eq!(unquote(&q).as_deref(), Ok(s), "case {s:?} via {q}");
    }
    assert_eq!(quote("-s -w"), "\"-s -w\"");
    assert_eq!(quote("a\"\\\t\x00\x7f"), "\"a\\\"\\\\\\t\\x00\\x7f\"");
    assert_eq!(
        quote("é\u{a0}\u{1f600}\u{e0001}"),
        "\"é\\u00a0😀\\U000e0001\""
    );
    assert_eq!(unquote_prefix("\"a\"=b"), Ok(("a".to_string(), 3)));
    assert_eq!(unquote_prefix("`a`=b"), Ok(("a".to_string(), 3)));
    assert!(unquote("\"a\n\"").is_err(), "case raw newline");
    assert!(unquote("a").is_err(), "case not quoted");
    assert!(unquote("").is_err(), "case empty");
    assert!(key_needs_quotes(""));
    assert!(key_needs_quotes("a=b"));
    assert!(!value_needs_quotes("a=b"));
    assert!(value_needs_quotes("`"));
}

#[test]
fn module_and_replace_lines() {
    let (_, main, deps, _) =
        parse_modinfo("mod\tm\t(devel)\n=>\t./m\t(devel)\t\ndep\td\tv1\th1:x\n")
            .expect("case replaced main");
    let mut m = module("m", "(devel)", "");
    m.replace = Some(Box::new(module("./m", "(devel)", "")));
    assert_eq!(main, Some(m));
    assert_eq!(deps, vec![module("d", "v1", "h1:x")]);
    // A build line between a dep and its => does not break the pairing (as in Go).
    let (_, _, deps, _) =
        parse_modinfo("dep\td\tv1\nbuild\tk=v\n=>\te\tv2\th1:y\n").expect("case interleaved");
    assert_eq!(
        deps.first().and_then(|d| d.replace.as_deref()),
        Some(&module("e", "v2", "h1:y"))
    );
    let bad: &[(&str, &str)] = &[
        ("mod\tm\n", "line 1: expected 2 or 3 columns; got 1"),
        (
            "mod\tm\tv\ts\tx\n",
            "line 1: expected 2 or 3 columns; got 4",
        ),
        (
            "path\tp\ndep\td\n",
            "line 2: expected 2 or 3 columns; got 1",
        ),
        (
            "=>\tp\tv\ts\n",
            "line 1: replacement with no module on previous line",
        ),
        (
            "dep\td\tv\n=>\tp\tv\ts\n=>\tq\tv\ts\n",
            "line 3: replacement with no module",
        ),
        (
            "dep\td\tv\n=>\tp\tv\n",
            "line 2: expected 3 columns for replacement; got 2",
        ),
    ];
    for (text, msg) in bad {
        let err = parse_modinfo(text).expect_err(text);
        assert!(err.contains(msg), "case {text:?}: {err}");
    }
}

#[test]
fn uvarint_like_go() {
    assert_eq!(uvarint(&[0]), Ok((0, 1)));
    assert_eq!(uvarint(&[0x7f, 0xff]), Ok((127, 1)));
    assert_eq!(uvarint(&[0x80, 0x01]), Ok((128, 2)));
    assert_eq!(
        uvarint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        Ok((u64::MAX, 10))
    );
    assert!(uvarint(&[]).is_err());
    assert!(uvarint(&[0x80]).is_err());
    assert!(uvarint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]).is_err());
    assert!(uvarint(&[0x80; 11]).is_err());
}

#[test]
fn translate_regions() {
    let bytes: Vec<u8> = (0..=255).collect();
    let regions = [
        Region {
            addr: 0x1000,
            offset: 0x10,
            size: 0x20,
        },
        Region {
            addr: 0x1010,
            offset: 0x80,
            size: 0x40,
        },
        Region {
            addr: 0x2000,
            offset: 0xf0,
            size: 0x40,
        },
        Region {
            addr: u64::MAX - 4,
            offset: 0,
            size: 16,
        },
    ];
    let m = translate(&bytes, &regions, 0x1000).expect("case start");
    assert_eq!((m.offset, m.data.len(), m.truncated), (0x10, 0x20, false));
    // The first region that contains the address wins.
    let m = translate(&bytes, &regions, 0x1018).expect("case overlap");
    assert_eq!((m.offset, m.data.first()), (0x28, Some(&0x28)));
    // Past the first region, the second one maps it.
    let m = translate(&bytes, &regions, 0x1020).expect("case second");
    assert_eq!((m.offset, m.data.len()), (0x90, 0x30));
    // The end of the file cuts the region short.
    let m = translate(&bytes, &regions, 0x2008).expect("case truncated");
    assert_eq!((m.offset, m.data.len(), m.truncated), (0xf8, 8, true));
    assert!(m
        .take(9, "thing")
        .unwrap_err()
        .contains("only 8 remain before the end of the file"));
    assert!(translate(&bytes, &regions, 0x1050).is_none(), "case hole");
    assert!(translate(&bytes, &regions, 0xfff).is_none(), "case below");
    assert!(
        translate(&bytes, &regions, 0x2040).is_none(),
        "case end is exclusive"
    );
    // Regions at the top of the address space do not overflow.
    let m = translate(&bytes, &regions, u64::MAX).expect("case top");
    assert_eq!(m.offset, 4);
    assert!(translate(&[], &regions, 0x1000).is_some_and(|m| m.data.is_empty()));
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn framed(text: &str) -> Vec<u8> {
    let mut m = INFO_START.to_vec();
    m.extend_from_slice(text.as_bytes());
    m.extend_from_slice(INFO_END);
    m
}

/// A Go 1.18+ blob as the linker writes it.
fn inline_blob(vers: &str, modinfo: &[u8], big_endian: bool) -> Vec<u8> {
    let mut b = MAGIC.to_vec();
    b.push(8);
    b.push(FLAG_INLINE | if big_endian { FLAG_BIG_ENDIAN } else { 0 });
    b.resize(HEADER_SIZE, 0);
    varint(vers.len() as u64, &mut b);
    b.extend_from_slice(vers.as_bytes());
    varint(modinfo.len() as u64, &mut b);
    b.extend_from_slice(modinfo);
    while b.len() % 16 != 0 {
        b.push(0);
    }
    b
}

/// A file of `before` junk bytes, then `data` (mapped at `addr`), then 64 junk bytes.
fn image(before: usize, data: &[u8], addr: u64) -> (Vec<u8>, Vec<Region>) {
    let mut bytes = vec![0x5a; before];
    bytes.extend_from_slice(data);
    bytes.extend_from_slice(&[0xa5; 64]);
    let regions = vec![
        Region {
            addr: 0x1000,
            offset: 0,
            size: before as u64,
        },
        Region {
            addr,
            offset: before as u64,
            size: data.len() as u64,
        },
    ];
    (bytes, regions)
}

fn expected_hello(vers: &str) -> BuildInfo {
    let mut bi = info(HELLO);
    bi.go_version = vers.into();
    bi
}

#[test]
fn inline_format() {
    let blob = inline_blob("go1.26.8", &framed(HELLO), false);
    // Data starts at an unaligned address: the search starts at the next 16-byte
    // boundary, skips a misaligned copy of the magic, and finds the blob 0x20 later.
    let mut data = vec![0u8; 0x3d];
    data.splice(0x05..0x05, MAGIC.iter().copied());
    data.truncate(0x3d);
    data.extend_from_slice(&blob);
    let (bytes, regions) = image(0x100, &data, 0x40_0003);
    let got = from_regions(&bytes, &regions, 0x40_0003, data.len() as u64);
    assert_eq!(got, Ok(Some(expected_hello("go1.26.8"))));
    // The data range bounds the search.
    let got = from_regions(&bytes, &regions, 0x40_0003, 0x3d);
    assert_eq!(got, Ok(None), "case range ends before the blob");
    assert_eq!(
        from_regions(&bytes, &regions, 0x40_0003, 0),
        Ok(None),
        "case empty"
    );
    assert_eq!(
        from_regions(&bytes, &regions, 0x9000, 0x100),
        Ok(None),
        "case unmapped"
    );
    assert_eq!(
        from_regions(&bytes, &regions, u64::MAX - 3, 9),
        Ok(None),
        "case overflow"
    );

    // Module info without its sentinels is dropped, as Go does.
    let blob = inline_blob("go1.20", HELLO.as_bytes(), true);
    let (bytes, regions) = image(0x40, &blob, 0x8000);
    let got = from_regions(&bytes, &regions, 0x8000, blob.len() as u64).expect("case no frame");
    assert_eq!(
        got.map(|b| (b.go_version, b.path, b.settings.len())),
        Some(("go1.20".into(), String::new(), 0))
    );
    // Short module info (GOPATH mode) is empty.
    let blob = inline_blob("go1.21.0", &[], false);
    let (bytes, regions) = image(0x40, &blob, 0x8000);
    let got = from_regions(&bytes, &regions, 0x8000, blob.len() as u64).expect("case no modinfo");
    assert_eq!(got.map(|b| b.main), Some(None));
}

#[test]
fn inline_format_errors_name_the_offset() {
    let cases: &[(&str, Vec<u8>, &str)] = &[
        ("empty version", inline_blob("", &framed(HELLO), false), "the Go version is empty"),
        (
            "bad modinfo",
            inline_blob("go1.26.8", &framed("build\tk=a b\n"), false),
            "module info: line 1: unquoted value",
        ),
        ("huge version", {
            let mut b = MAGIC.to_vec();
            b.extend_from_slice(&[8, FLAG_INLINE]);
            b.resize(HEADER_SIZE, 0);
            varint(9_999_999, &mut b);
            b.extend_from_slice(b"go1");
            b
        }, "Go version of length 9999999 at file offset 0x224 needs 9999999 bytes but only 67 remain before the end of its segment"),
        ("varint overflow", {
            let mut b = MAGIC.to_vec();
            b.extend_from_slice(&[8, FLAG_INLINE]);
            b.resize(HEADER_SIZE, 0);
            b.extend_from_slice(&[0xff; 12]);
            b
        }, "Go version length (varint) at file offset 0x220 overflows 64 bits"),
    ];
    for (name, blob, msg) in cases {
        let (bytes, regions) = image(0x200, blob, 0x8000);
        // The region runs to the end of the file for the "huge" case.
        let mut regions = regions;
        if let Some(r) = regions.last_mut() {
            r.size += 64;
        }
        let err = from_regions(&bytes, &regions, 0x8000, blob.len() as u64).expect_err(name);
        assert!(
            err.starts_with("build info at file offset 0x200: "),
            "case {name}: {err}"
        );
        assert!(err.contains(msg), "case {name}: {err}");
    }
}

/// A Go ≤ 1.17 layout: the header and the two string headers in one region, the strings
/// in another region at another file offset. Returns the file, its regions, and the
/// address of the header.
fn pointer_image(
    ptr_size: u8,
    big: bool,
    vers: &str,
    modinfo: &[u8],
) -> (Vec<u8>, Vec<Region>, u64) {
    let put = |v: u64, out: &mut Vec<u8>| {
        let n = usize::from(ptr_size);
        let raw = if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        let raw = if big { &raw[8 - n..] } else { &raw[..n] };
        out.extend_from_slice(raw);
    };
    let (data_addr, strings_addr) = (0x1_0000u64, 0x2_0000u64);
    let hdrs = data_addr + 0x40;
    let mut data = MAGIC.to_vec();
    data.push(ptr_size);
    data.push(if big { FLAG_BIG_ENDIAN } else { 0 });
    put(hdrs, &mut data);
    put(hdrs + 2 * u64::from(ptr_size), &mut data);
    data.resize(0x40, 0);
    put(strings_addr, &mut data);
    put(vers.len() as u64, &mut data);
    put(strings_addr + 0x100, &mut data);
    put(modinfo.len() as u64, &mut data);
    data.resize(0x80, 0);
    let mut strings = vers.as_bytes().to_vec();
    strings.resize(0x100, 0);
    strings.extend_from_slice(modinfo);
    let mut bytes = vec![0x11; 0x200];
    bytes.extend_from_slice(&data);
    bytes.resize(0x400, 0x22);
    bytes.extend_from_slice(&strings);
    let regions = vec![
        Region {
            addr: 0x1000,
            offset: 0,
            size: 0x200,
        },
        Region {
            addr: data_addr,
            offset: 0x200,
            size: data.len() as u64,
        },
        Region {
            addr: strings_addr,
            offset: 0x400,
            size: strings.len() as u64,
        },
    ];
    (bytes, regions, data_addr)
}

#[test]
fn pointer_format_32_64_little_big() {
    for ptr_size in [4u8, 8] {
        for big in [false, true] {
            let case = format!("{ptr_size}-byte {}", if big { "big" } else { "little" });
            let (bytes, regions, addr) = pointer_image(ptr_size, big, "go1.17.13", &framed(HELLO));
            // The helper follows the pointers: the version string header, then the data.
            let p = Pointers::new(ptr_size, big).expect("valid size");
            let hdr = translate(&bytes, &regions, addr + 0x40).expect("mapped");
            assert_eq!(hdr.offset, 0x240, "case {case}");
            assert_eq!(p.read(hdr.data, 0), 0x2_0000, "case {case}");
            assert_eq!(
                go_string(&bytes, &regions, p, addr + 0x40, "v"),
                Ok(&b"go1.17.13"[..]),
                "case {case}"
            );
            let got = from_regions(&bytes, &regions, addr, 0x80);
            assert_eq!(got, Ok(Some(expected_hello("go1.17.13"))), "case {case}");

            // An empty module info may have a nil data pointer.
            let (mut bytes, regions, addr) = pointer_image(ptr_size, big, "go1.16", &[]);
            let at = 0x240 + 2 * usize::from(ptr_size);
            bytes[at..at + usize::from(ptr_size)].fill(0);
            let got = from_regions(&bytes, &regions, addr, 0x80).expect("case nil");
            assert_eq!(
                got.map(|b| (b.go_version, b.main)),
                Some(("go1.16".into(), None)),
                "case {case} nil"
            );

            // A version pointer to nowhere is an error at the header's offset.
            let (mut bytes, regions, addr) = pointer_image(ptr_size, big, "go1.17", &[]);
            bytes[0x240..0x240 + usize::from(ptr_size)].fill(0x7f);
            let err = from_regions(&bytes, &regions, addr, 0x80).expect_err("case dangling");
            assert!(
                err.starts_with("build info at file offset 0x200: Go version data at address 0x7f"),
                "case {case}: {err}"
            );
            assert!(
                err.contains("string header at file offset 0x240) is not mapped"),
                "case {case}: {err}"
            );
        }
    }
    let (mut bytes, regions, addr) = pointer_image(8, false, "go1.17", &[]);
    bytes[0x200 + PTR_SIZE_OFFSET] = 2;
    let err = from_regions(&bytes, &regions, addr, 0x80).expect_err("case ptr size");
    assert_eq!(
        err,
        "build info at file offset 0x200: pointer size 2 at file offset 0x20e is neither 4 nor 8"
    );
}

/// Every truncation of the file gives `Ok(None)` while the magic is incomplete, an error
/// once it is complete but the blob is not, and the full answer after that. Every single
/// byte flip of the blob is survived.
#[test]
fn truncations_and_flips_never_panic() {
    let mut images = Vec::new();
    let blob = inline_blob("go1.26.8", &framed(REPLACED), false);
    let (bytes, regions) = image(0x30, &blob, 0x5000);
    let needed = 0x30 + blob.iter().rposition(|&b| b != 0).unwrap_or(0) + 1;
    images.push((bytes, regions, 0x5000u64, 0x30usize, needed));
    for (ptr_size, big) in [(4u8, false), (4, true), (8, false), (8, true)] {
        let (bytes, regions, addr) = pointer_image(ptr_size, big, "go1.17", &framed(HELLO));
        let needed = bytes.len();
        images.push((bytes, regions, addr, 0x200, needed));
    }
    for (bytes, regions, addr, start, needed) in &images {
        let full = from_regions(bytes, regions, *addr, 0x1000)
            .expect("full")
            .expect("found");
        for len in 0..=bytes.len() {
            let got = from_regions(&bytes[..len], regions, *addr, 0x1000);
            if len < start + MAGIC.len() {
                assert_eq!(got, Ok(None), "len {len}");
            } else if len < *needed {
                let err = got.expect_err("truncated blob");
                assert!(
                    err.contains(&format!("file offset {start:#x}")),
                    "len {len}: {err}"
                );
            } else {
                assert_eq!(got, Ok(Some(full.clone())), "len {len}");
            }
        }
        let mut flipped = bytes.clone();
        for i in *start..bytes.len() {
            for mask in [0x01, 0x80, 0xff] {
                flipped[i] ^= mask;
                let _ = from_regions(&flipped, regions, *addr, 0x1000);
                flipped[i] ^= mask;
            }
        }
    }
}

/// A hand-made ELF64 with a read-execute and a read-write `PT_LOAD` and no sections:
/// the blob is found through the writable segment.
#[test]
fn elf_without_sections_uses_the_writable_segment() {
    let blob = inline_blob("go1.26.8", &framed(HELLO), false);
    let mut f = vec![0u8; 0x100];
    f[..16].copy_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    let put16 =
        |f: &mut Vec<u8>, at: usize, v: u16| f[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 =
        |f: &mut Vec<u8>, at: usize, v: u32| f[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let put64 =
        |f: &mut Vec<u8>, at: usize, v: u64| f[at..at + 8].copy_from_slice(&v.to_le_bytes());
    put16(&mut f, 16, 2); // ET_EXEC
    put16(&mut f, 18, 183); // EM_AARCH64
    put32(&mut f, 20, 1);
    put64(&mut f, 24, 0x40_0000);
    put64(&mut f, 32, 64); // e_phoff
    put16(&mut f, 52, 64); // e_ehsize
    put16(&mut f, 54, 56); // e_phentsize
    put16(&mut f, 56, 2); // e_phnum
    put16(&mut f, 58, 64); // e_shentsize
    for (i, (flags, vaddr, offset, size)) in [
        (5u32, 0x40_0000u64, 0u64, 0x100u64),
        (6, 0x50_0000, 0x100, blob.len() as u64),
    ]
    .into_iter()
    .enumerate()
    {
        let ph = 64 + i * 56;
        put32(&mut f, ph, PT_LOAD);
        put32(&mut f, ph + 4, flags);
        put64(&mut f, ph + 8, offset);
        put64(&mut f, ph + 16, vaddr);
        put64(&mut f, ph + 24, vaddr);
        put64(&mut f, ph + 32, size);
        put64(&mut f, ph + 40, size + 0x1000);
        put64(&mut f, ph + 48, 0x1000);
    }
    f.extend_from_slice(&blob);
    let elf = ElfFile::parse(&f).expect("hand-made ELF parses");
    assert_eq!(from_elf(&elf), Ok(Some(expected_hello("go1.26.8"))));
    assert_eq!(from_bytes(&f), Ok(Some(expected_hello("go1.26.8"))));
    // Make the second segment executable too: no data segment, no build info.
    put32(&mut f, 64 + 56 + 4, 7);
    let elf = ElfFile::parse(&f).expect("hand-made ELF parses");
    assert_eq!(from_elf(&elf), Ok(None));
}

#[test]
fn from_bytes_on_non_executables() {
    assert_eq!(from_bytes(b""), Ok(None));
    assert_eq!(from_bytes(b"hello world\n"), Ok(None));
    assert!(from_bytes(b"\x7fELF").is_err());
    assert!(from_bytes(b"MZ\0\0").is_err());
    assert_eq!(from_bytes(b"MZ"), Ok(None));
}
