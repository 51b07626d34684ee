use super::*;

/// Real caches, written by Debian 12's ldconfig (fixtures/ldcache/regenerate.sh).
const CACHES: &[(&str, &[u8], Format)] = &[
    (
        "new",
        include_bytes!("../../../fixtures/ldcache/x86_64.new"),
        Format::New,
    ),
    (
        "old",
        include_bytes!("../../../fixtures/ldcache/x86_64.old"),
        Format::Old,
    ),
    (
        "compat",
        include_bytes!("../../../fixtures/ldcache/x86_64.compat"),
        Format::Compat,
    ),
];

fn amd64() -> Abi {
    Abi::of("amd64", "/lib64/ld-linux-x86-64.so.2").unwrap()
}

fn cache(bytes: &[u8]) -> Cache<'_> {
    match read(bytes, false) {
        Read::Cache(c) => c,
        other => panic!("not a cache: {other:?}"),
    }
}

#[test]
fn real_caches_of_every_format_answer_as_the_loader_does() {
    for (case, bytes, format) in CACHES {
        let c = cache(bytes);
        assert_eq!(c.format, *format, "case {case}");
        // As `ldconfig -p` lists them: glibc's order (names descending, numbers as
        // numbers), the ld.so.conf directory before the multiarch one.
        let listed: Vec<(String, String)> = c
            .entries()
            .into_iter()
            .map(|e| {
                assert_eq!((e.flags, e.hwcap), (0x0303, 0), "case {case}: {e:?}");
                (e.name, e.path)
            })
            .collect();
        let m = "/usr/lib/x86_64-linux-gnu";
        let want: Vec<(String, String)> = [
            ("libv10.so.10", format!("{m}/libv10.so.10")),
            ("libv9.so.9", format!("{m}/libv9.so.9")),
            ("libgamma.so.3", "/opt/extra/lib/libgamma.so.3".into()),
            ("libbeta.so.2", format!("{m}/libbeta.so.2")),
            ("libalpha.so.1", "/opt/extra/lib/libalpha.so.1".into()),
            ("libalpha.so.1", format!("{m}/libalpha.so.1")),
        ]
        .into_iter()
        .map(|(n, p)| (n.to_string(), p))
        .collect();
        assert_eq!(listed, want, "case {case}");
        for (name, path) in [
            ("libalpha.so.1", Some("/opt/extra/lib/libalpha.so.1")),
            ("libv9.so.9", Some("/usr/lib/x86_64-linux-gnu/libv9.so.9")),
            (
                "libv10.so.10",
                Some("/usr/lib/x86_64-linux-gnu/libv10.so.10"),
            ),
            ("libgamma.so.3", Some("/opt/extra/lib/libgamma.so.3")),
            ("libdelta.so.4", None),
            ("libv1.so.1", None),
            ("", None),
        ] {
            assert_eq!(
                c.lookup(name, amd64()).unwrap().as_deref(),
                path,
                "case {case}: {name}"
            );
        }
        // Another architecture's loader takes none of these entries.
        let arm64 = Abi::of("arm64", "/lib/ld-linux-aarch64.so.1").unwrap();
        assert_eq!(
            c.lookup("libalpha.so.1", arm64).unwrap(),
            None,
            "case {case}"
        );
        let generator = c.generator.as_deref().unwrap_or("");
        assert_eq!(
            generator.starts_with("ldconfig (Debian GLIBC 2.36"),
            *format != Format::Old,
            "case {case}: {generator:?}"
        );
    }
}

#[test]
fn a_cache_glibc_ignores_is_ignored_with_why() {
    let new = CACHES[0].1;
    let old = CACHES[1].1;
    for (case, bytes, big, why) in [
        ("empty", &b""[..], false, "neither"),
        (
            "text",
            &b"include /etc/ld.so.conf.d/*.conf\n"[..],
            false,
            "neither",
        ),
        (
            "header only",
            &new[..NEW.header],
            false,
            "shorter than its header",
        ),
        (
            "old header only",
            &old[..OLD.header],
            false,
            "shorter than its header",
        ),
        // Read in the other byte order, the count no longer fits, before the flags are
        // looked at.
        ("the other byte order", new, true, "more than its 499 bytes"),
        ("old, read big-endian", old, true, "more than its"),
    ] {
        match read(bytes, big) {
            Read::Ignored(w) => assert!(w.contains(why), "case {case}: {w}"),
            other => panic!("case {case}: {other:?}"),
        }
    }
    let mut empty = new_cache(&[]);
    empty.push(0); // glibc wants more than a header

    assert!(
        matches!(read(&empty, true), Read::Ignored(w) if w.contains("says little-endian")),
        "a count that fits both ways, the other byte order"
    );
    let mut huge = new.to_vec();
    huge[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(
        matches!(read(&huge, false), Read::Ignored(w) if w.contains("4294967295 entries")),
        "a count the file cannot hold"
    );
    // The compat form's hidden table is not checked by glibc: here it is malformed.
    let mut compat = CACHES[2].1.to_vec();
    let old_n = u32::from_le_bytes(compat[12..16].try_into().unwrap()) as usize;
    let at = (OLD.header + old_n * OLD.entry + 7) & !7;
    assert_eq!(&compat[at..at + NEW.magic.len()], NEW.magic);
    compat[at + 20..at + 24].copy_from_slice(&1_000_000u32.to_le_bytes());
    assert!(
        matches!(read(&compat, false), Read::Malformed(w) if w.contains("1000000 entries")),
        "a hidden count past the end"
    );
}

#[test]
fn names_compare_as_glibc_compares_them() {
    for (a, b, sign) in [
        ("libv9.so.9", "libv10.so.10", -1),
        ("libv10.so.10", "libv9.so.9", 1),
        ("libc.so.6", "libc.so.6", 0),
        ("libc.so", "libc.so.6", -1),
        ("libc.so.6", "libc.so", 1),
        ("liba.so", "libb.so", -1),
        // A digit sorts after any other byte.
        ("lib1", "liba", 1),
        ("liba", "lib1", -1),
        ("lib007", "lib7", 0),
    ] {
        assert_eq!(
            libcmp(a.as_bytes(), b.as_bytes()).signum(),
            sign,
            "{a} vs {b}"
        );
    }
    // A digit run longer than an int wraps, as glibc's does, and never panics.
    let long = "9".repeat(100);
    let _ = libcmp(long.as_bytes(), b"1");
}

/// A new-format cache of `entries` (flags, name, path, hwcap) as ldconfig lays it out.
fn new_cache(entries: &[(i32, &str, &str, u64)]) -> Vec<u8> {
    let mut strings = Vec::new();
    let base = NEW.header + entries.len() * NEW.entry;
    let mut table = Vec::new();
    for (flags, name, path, hwcap) in entries {
        let key = (base + strings.len()) as u32;
        strings.extend_from_slice(name.as_bytes());
        strings.push(0);
        let value = (base + strings.len()) as u32;
        strings.extend_from_slice(path.as_bytes());
        strings.push(0);
        table.extend_from_slice(&flags.to_le_bytes());
        table.extend_from_slice(&key.to_le_bytes());
        table.extend_from_slice(&value.to_le_bytes());
        table.extend_from_slice(&0u32.to_le_bytes());
        table.extend_from_slice(&hwcap.to_le_bytes());
    }
    let mut out = NEW.magic.to_vec();
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
    out.extend_from_slice(&[2, 0, 0, 0]);
    out.extend_from_slice(&[0; 16]);
    out.extend(table);
    out.extend(strings);
    out
}

#[test]
fn entries_for_other_hardware_or_abis_are_passed_over() {
    let hwcaps = HWCAP_EXTENSION | 1;
    let bytes = new_cache(&[
        (
            0x0303,
            "libz.so.1",
            "/usr/lib/glibc-hwcaps/x86-64-v3/libz.so.1",
            hwcaps,
        ),
        (0x0303, "libz.so.1", "/usr/lib/tls/libz.so.1", 1 << 3),
        (0x0a03, "libz.so.1", "/usr/lib/aarch64/libz.so.1", 0),
        (0x0303, "libz.so.1", "/usr/lib/libz.so.1", HWCAP_TLS),
        (0x0303, "libz.so.1", "/usr/lib/second/libz.so.1", 0),
        (
            0x0303,
            "liba.so.1",
            "/usr/lib/glibc-hwcaps/x86-64-v2/liba.so.1",
            hwcaps,
        ),
    ]);
    let c = cache(&bytes);
    assert_eq!(
        c.lookup("libz.so.1", amd64()).unwrap().as_deref(),
        Some("/usr/lib/libz.so.1")
    );
    // Only a glibc-hwcaps entry: which one the loader takes depends on the CPU.
    assert_eq!(c.lookup("liba.so.1", amd64()).unwrap(), None);
    // i386's generic rule takes plain ELF (flags 1) too, and keeps looking for libc6.
    let i386 = Abi::of("386", "/lib/ld-linux.so.2").unwrap();
    let bytes = new_cache(&[
        (0x0001, "libq.so", "/lib/elf/libq.so", 0),
        (0x0003, "libq.so", "/lib/libc6/libq.so", 0),
    ]);
    // The new format stops at the first entry taken, whatever its flags.
    assert_eq!(
        cache(&bytes).lookup("libq.so", i386).unwrap().as_deref(),
        Some("/lib/elf/libq.so")
    );
}

#[test]
fn hostile_caches_never_panic_hang_or_read_past_the_file() {
    let names = [
        "libalpha.so.1",
        "libv10.so.10",
        "libdelta.so.4",
        "libc.so.6",
    ];
    for (case, bytes, _) in CACHES {
        for cut in 0..bytes.len() {
            if let Read::Cache(c) = read(&bytes[..cut], false) {
                for n in names {
                    let _ = c.lookup(n, amd64());
                }
                let _ = c.entries();
            }
        }
        for i in 0..bytes.len() {
            for v in [0u8, 0x7f, 0xff] {
                let mut b = bytes.to_vec();
                b[i] = v;
                if let Read::Cache(c) = read(&b, false) {
                    for n in names {
                        if let Ok(Some(p)) = c.lookup(n, amd64()) {
                            assert!(p.len() <= MAX_VALUE, "case {case} byte {i}");
                        }
                    }
                    let _ = c.entries();
                }
            }
        }
    }
    // Every offset out of range: the search ends, as glibc's does.
    let mut b = new_cache(&[(0x0303, "libz.so.1", "/l/libz.so.1", 0)]);
    b[NEW.header + 4..NEW.header + 12].copy_from_slice(&[0xff; 8]);
    assert_eq!(cache(&b).lookup("libz.so.1", amd64()).unwrap(), None);
    // A huge run of one name is bounded by MAX_STEPS.
    let many: Vec<(i32, &str, &str, u64)> = (0..MAX_STEPS + 10)
        .map(|_| (0x0a03, "libz.so.1", "/l", 0))
        .collect();
    let b = new_cache(&many);
    let err = cache(&b).lookup("libz.so.1", amd64()).unwrap_err();
    assert!(err.contains("MAX_STEPS"), "{err}");
}
