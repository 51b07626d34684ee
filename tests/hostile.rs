//! Hand-made hostile inputs for `verify`, one test per attack: counts far beyond the bytes
//! that could hold them (Mach-O sections and symbols, universal slices, PE sections and
//! data directories), floods of names and build settings, and files that are not files.
//! Each runs the real binary under a guard (killed after 10 s, peak RSS at most 256 MiB,
//! at most 1 MiB of output per file) and checks the answer: malformed with the offset,
//! or a verdict whose lists were cut with a note.

mod util;

use std::path::Path;

use util::guard::*;
use util::*;

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    std::fs::write(dir.join(name), bytes).unwrap();
    name.to_string()
}

/// `verify FILE --profile golden --target TARGET EXTRA...` under the bounds.
fn verify_golden(dir: &Path, file: &str, target: &str, extra: &[&str]) -> Bounded {
    run_bounded(
        dir,
        &[
            &["verify", file, "--profile", "golden", "--target", target][..],
            extra,
        ]
        .concat(),
    )
}

/// [`verify_golden`] in JSON, within the bounds and rejected (exit 1).
fn rejected_in_json(dir: &Path, file: &str, target: &str) -> Bounded {
    let r = verify_golden(dir, file, target, &["--message-format", "json"]);
    r.within_bounds(1).code(1);
    r
}

/// `verify NAME ARGS...` of `bytes` written as NAME in a fresh directory, under the
/// bounds; it must be rejected (exit 1).
fn verify_rejected(name: &str, bytes: &[u8], args: &[&str]) -> Bounded {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), name, bytes);
    let r = run_bounded(dir.path(), &[&["verify", &f][..], args].concat());
    r.within_bounds(1).code(1);
    r
}

/// The load commands of a thin 64-bit little-endian Mach-O: (offset, cmd).
fn load_commands(m: &[u8]) -> Vec<(usize, u32)> {
    let le = |at: usize| u32::from_le_bytes(m[at..at + 4].try_into().unwrap());
    let mut out = Vec::new();
    let mut off = 32;
    for _ in 0..le(16) {
        out.push((off, le(off)));
        off += le(off + 4) as usize;
    }
    out
}

fn darwin_hello() -> Vec<u8> {
    std::fs::read(go_hello("darwin/arm64", "-s -w", false)).unwrap()
}

#[test]
fn macho_segment_claiming_four_billion_sections_is_malformed() {
    let mut m = darwin_hello();
    let (text, _) = load_commands(&m)
        .into_iter()
        .find(|&(off, cmd)| cmd == 0x19 && &m[off + 8..off + 14] == b"__TEXT")
        .expect("__TEXT segment");
    put32(&mut m, text + 64, 0xffff_ffff);
    verify_rejected("nsects", &m, &["--target", "darwin/arm64"])
        .stderr_has("claims 4294967295 sections")
        .stderr_has(&format!("nsects at offset {:#x}", text + 64));
}

#[test]
fn macho_symtab_claiming_four_billion_symbols_is_malformed() {
    let mut m = darwin_hello();
    let (symtab, _) = load_commands(&m)
        .into_iter()
        .find(|&(_, cmd)| cmd == 0x2)
        .expect("LC_SYMTAB");
    put32(&mut m, symtab + 12, 0xffff_ffff);
    verify_rejected("nsyms", &m, &[])
        .stderr_has("4294967295 symbols")
        .stderr_has(&format!("LC_SYMTAB at offset {symtab:#x}"));
}

/// A universal header with `entries` (cputype, offset, size), then `body` at `body_at`.
fn fat(entries: &[(u32, u32, u32)], body_at: usize, body: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(body_at + body.len());
    f.extend_from_slice(&0xcafe_babeu32.to_be_bytes());
    f.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for (cpu, off, size) in entries {
        for v in [*cpu, 0, *off, *size, 14] {
            f.extend_from_slice(&v.to_be_bytes());
        }
    }
    assert!(f.len() <= body_at, "header fits before the body");
    f.resize(body_at, 0);
    f.extend_from_slice(body);
    f
}

#[test]
fn universal_file_with_200000_slices_of_one_thin_file_is_malformed_at_once() {
    let thin = darwin_hello();
    let body_at = 8 + 200_000 * 20;
    let entries: Vec<(u32, u32, u32)> = (0..200_000)
        .map(|_| (0x0100_000c, body_at as u32, thin.len() as u32))
        .collect();
    let f = fat(&entries, body_at, &thin);
    let dir = tempfile::tempdir().unwrap();
    let name = write(dir.path(), "fat200k", &f);
    run_bounded(dir.path(), &["verify", &name, "--message-format", "json"])
        .within_bounds(1)
        .code(1)
        .stdout_has_error("claims 200000 slices");
}

#[test]
fn universal_file_with_duplicate_slice_offsets_is_malformed() {
    let thin = darwin_hello();
    let f = fat(
        &[
            (0x0100_000c, 0x4000, thin.len() as u32),
            (0x0100_0007, 0x4000, thin.len() as u32),
        ],
        0x4000,
        &thin,
    );
    let dir = tempfile::tempdir().unwrap();
    let name = write(dir.path(), "dup", &f);
    run_bounded(dir.path(), &["verify", &name])
        .within_bounds(1)
        .code(1)
        .stderr_has("slices 0 and 1 both start at offset 0x4000");
}

/// A thin arm64 Mach-O with a __TEXT segment and `n` LC_LOAD_DYLIB commands, each
/// naming a library of `len` bytes.
fn dylib_flood(n: usize, len: usize) -> Vec<u8> {
    let mut cmds = Vec::new();
    let mut seg = vec![0u8; 72];
    put32(&mut seg, 0, 0x19);
    put32(&mut seg, 4, 72);
    seg[8..14].copy_from_slice(b"__TEXT");
    cmds.extend(seg);
    let size = (24 + len + 1).next_multiple_of(8);
    for i in 0..n {
        let mut c = vec![0u8; size];
        put32(&mut c, 0, 0xc);
        put32(&mut c, 4, size as u32);
        put32(&mut c, 8, 24);
        let name = format!("/opt/evil/{i}/{}", "x".repeat(len));
        c[24..24 + len].copy_from_slice(&name.as_bytes()[..len]);
        cmds.extend(c);
    }
    let mut f = vec![0u8; 32];
    for (at, v) in [
        (0, 0xfeed_facfu32),
        (4, 0x0100_000c),
        (12, 2),
        (16, n as u32 + 1),
        (20, cmds.len() as u32),
    ] {
        put32(&mut f, at, v);
    }
    f.extend(cmds);
    f
}

#[test]
fn universal_file_with_64_slices_full_of_long_names_prints_under_a_mebibyte() {
    let thin = dylib_flood(100, 2000);
    let stride = thin.len().next_multiple_of(0x4000);
    let body_at = 0x4000;
    let entries: Vec<(u32, u32, u32)> = (0..64)
        .map(|i| {
            (
                0x0100_000c,
                (body_at + i * stride) as u32,
                thin.len() as u32,
            )
        })
        .collect();
    let mut body = Vec::new();
    for _ in 0..64 {
        body.extend_from_slice(&thin);
        body.resize(body.len().next_multiple_of(stride), 0);
    }
    let f = fat(&entries, body_at, &body);
    let dir = tempfile::tempdir().unwrap();
    let name = write(dir.path(), "fat64", &f);
    for format in ["json", "human"] {
        let r = run_bounded(
            dir.path(),
            &["verify", &name, "--message-format", format, "-v"],
        );
        r.within_bounds(1);
        assert!(r.run.code == Some(0) || r.run.code == Some(1), "{r}");
        if format == "json" {
            let arts = r.run.artifacts();
            let a = arts.first().unwrap_or_else(|| panic!("no artifact\n{r}"));
            assert_eq!(
                a["verdict"]["slices"].as_array().map(Vec::len),
                Some(63),
                "{r}"
            );
            let notes = a["verdict"]["notes"].to_string();
            assert!(notes.contains("libraries listed"), "notes: {notes}");
        }
    }
}

/// An ELF64 little-endian x86-64 file: the given program headers at 64, the section
/// headers after them, `blobs` at their offsets.
fn elf64(
    phdrs: &[[u64; 6]],
    shdrs: &[[u64; 7]],
    shstrndx: u16,
    blobs: &[(usize, &[u8])],
) -> Vec<u8> {
    let shoff = 64 + phdrs.len() * 56;
    let end = blobs
        .iter()
        .map(|(o, b)| o + b.len())
        .max()
        .unwrap_or(0)
        .max(shoff + shdrs.len() * 64);
    let mut f = vec![0u8; end];
    f[..8].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    f[0x10..0x14].copy_from_slice(&[2, 0, 62, 0]);
    put64(&mut f, 0x20, if phdrs.is_empty() { 0 } else { 64 });
    put64(
        &mut f,
        0x28,
        if shdrs.is_empty() { 0 } else { shoff as u64 },
    );
    f[0x34..0x40].copy_from_slice(&[64, 0, 56, 0, 0, 0, 64, 0, 0, 0, 0, 0]);
    f[0x38..0x3a].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
    f[0x3c..0x3e].copy_from_slice(&(shdrs.len() as u16).to_le_bytes());
    f[0x3e..0x40].copy_from_slice(&shstrndx.to_le_bytes());
    for (i, [ty, flags, off, vaddr, filesz, memsz]) in phdrs.iter().enumerate() {
        let at = 64 + i * 56;
        put32(&mut f, at, *ty as u32);
        put32(&mut f, at + 4, *flags as u32);
        put64(&mut f, at + 8, *off);
        put64(&mut f, at + 16, *vaddr);
        put64(&mut f, at + 32, *filesz);
        put64(&mut f, at + 40, *memsz);
    }
    for (i, [name, ty, addr, off, size, link, info]) in shdrs.iter().enumerate() {
        let at = shoff + i * 64;
        put32(&mut f, at, *name as u32);
        put32(&mut f, at + 4, *ty as u32);
        put64(&mut f, at + 16, *addr);
        put64(&mut f, at + 24, *off);
        put64(&mut f, at + 32, *size);
        put32(&mut f, at + 40, *link as u32);
        put32(&mut f, at + 44, *info as u32);
    }
    for (o, b) in blobs {
        f[*o..o + b.len()].copy_from_slice(b);
    }
    f
}

#[test]
fn elf_with_100000_needed_libraries_lists_64() {
    let n = 100_000;
    let dyn_at = 0x1000;
    let str_at = dyn_at + (n + 3) * 16;
    let mut dynamic = Vec::new();
    for _ in 0..n {
        dynamic.extend_from_slice(&1u64.to_le_bytes());
        dynamic.extend_from_slice(&0u64.to_le_bytes());
    }
    for (tag, val) in [(5u64, 0x40_0000 + str_at as u64), (10, 5000), (0, 0)] {
        dynamic.extend_from_slice(&tag.to_le_bytes());
        dynamic.extend_from_slice(&val.to_le_bytes());
    }
    let mut name = vec![b'l'; 4000];
    name.push(0);
    let len = (str_at + name.len()) as u64;
    let f = elf64(
        &[
            [1, 4, 0, 0x40_0000, len, len],
            [
                2,
                6,
                dyn_at as u64,
                0x40_0000 + dyn_at as u64,
                dynamic.len() as u64,
                0,
            ],
        ],
        &[],
        0,
        &[(dyn_at, &dynamic), (str_at, &name)],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "needed", &f);
    let r = run_bounded(dir.path(), &["verify", &file, "--message-format", "json"]);
    r.within_bounds(1).code(0);
    let a = &r.run.artifacts()[0];
    assert_eq!(
        a["verdict"]["facts"]["needed"].as_array().map(Vec::len),
        Some(64)
    );
    assert!(
        a["verdict"]["notes"].to_string().contains("64 of 100000"),
        "{r}"
    );
    assert_eq!(a["verdict"]["facts"]["static"], false, "{r}");
}

#[test]
fn elf_with_65000_sections_named_by_one_endless_string_is_answered() {
    let n = 65_000u64;
    // One PT_LOAD over the headers, so the file is an executable (`elf.type`).
    let shoff = 64usize + 56;
    let load = [1, 5, 0, 0x40_0000, shoff as u64, shoff as u64];
    let str_at = shoff + n as usize * 64;
    let names = vec![b'.'; 1 << 20]; // no NUL anywhere
    let mut shdrs = vec![[0u64; 7]; n as usize];
    shdrs[1] = [0, 3, 0, str_at as u64, names.len() as u64, 0, 0];
    for s in shdrs.iter_mut().skip(2) {
        *s = [0, 1, 0, str_at as u64, 16, 0, 0];
    }
    let f = elf64(&[load], &shdrs, 1, &[(str_at, &names)]);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "names", &f);
    run_bounded(dir.path(), &["verify", &file, "--message-format", "json"])
        .within_bounds(1)
        .code(0);
}

fn uvarint(mut v: usize, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// An ELF whose only data segment holds a Go build info blob with `modinfo` framed.
fn go_elf(version: &str, modinfo_text: &str) -> Vec<u8> {
    let mut modinfo = vec![0x30u8; 16];
    modinfo.extend_from_slice(modinfo_text.as_bytes());
    modinfo.extend_from_slice(&[0xf9u8; 16]);
    let mut blob = b"\xff Go buildinf:".to_vec();
    blob.extend_from_slice(&[8, 2]);
    blob.resize(32, 0);
    uvarint(version.len(), &mut blob);
    blob.extend_from_slice(version.as_bytes());
    uvarint(modinfo.len(), &mut blob);
    blob.extend_from_slice(&modinfo);
    let len = blob.len() as u64;
    elf64(
        &[[1, 6, 0x1000, 0x50_0000, len, len]],
        &[],
        0,
        &[(0x1000, &blob)],
    )
}

#[test]
fn go_build_info_with_20000_settings_and_a_huge_value_prints_under_a_mebibyte() {
    let mut text = String::from("path\texample.com/evil\nmod\texample.com/evil\t(devel)\t\n");
    text.push_str("build\tGOOS=linux\nbuild\tGOARCH=amd64\nbuild\tCGO_ENABLED=0\n");
    text.push_str(&format!("build\t-ldflags={}\n", "L".repeat(3 << 20)));
    for i in 0..20_000 {
        text.push_str(&format!("build\tK{i:05}={}\n", "v".repeat(200)));
    }
    let f = go_elf("go1.26.8", &text);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "settings", &f);
    let r = rejected_in_json(dir.path(), &file, "linux/amd64");
    let a = &r.run.artifacts()[0];
    let settings = a["verdict"]["facts"]["go"]["settings"]
        .as_object()
        .expect("settings");
    assert_eq!(settings.len(), 64, "{r}");
    assert!(
        a["verdict"]["notes"]
            .to_string()
            .contains("of 20004 build settings"),
        "{r}"
    );
    // Human output too.
    verify_golden(dir.path(), &file, "linux/amd64", &["-vv"])
        .within_bounds(1)
        .code(1);
}

#[test]
fn go_version_longer_than_any_is_unreadable_build_info() {
    let f = go_elf(&"go".repeat(5000), "path\tx\n");
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "version", &f);
    verify_golden(dir.path(), &file, "linux/amd64", &[])
        .within_bounds(1)
        .code(1)
        .stderr_has("bytes long; real ones are under 100");
}

fn windows_hello() -> Vec<u8> {
    std::fs::read(go_hello("windows/amd64", "-s -w", false)).unwrap()
}

#[test]
fn pe_claiming_65535_sections_is_malformed() {
    let mut p = windows_hello();
    let lfanew = u32::from_le_bytes(p[0x3c..0x40].try_into().unwrap()) as usize;
    p[lfanew + 6..lfanew + 8].copy_from_slice(&0xffffu16.to_le_bytes());
    verify_rejected("nsections", &p, &[]).stderr_has(&format!(
        "65535 sections of 40 bytes, NumberOfSections at offset {:#x}",
        lfanew + 6
    ));
}

#[test]
fn pe_claiming_four_billion_data_directories_is_malformed() {
    let mut p = windows_hello();
    let lfanew = u32::from_le_bytes(p[0x3c..0x40].try_into().unwrap()) as usize;
    let count_at = lfanew + 24 + 108; // PE32+
    put32(&mut p, count_at, 0xffff_ffff);
    verify_rejected("ndirs", &p, &[]).stderr_has(&format!(
        "NumberOfRvaAndSizes 4294967295 (at offset {count_at:#x})"
    ));
}

#[test]
fn pe_importing_100000_dlls_lists_64() {
    // Headers at 0x40; one section .idata, RVA 0x1000, raw data at 0x400.
    let n = 100_000usize;
    let raw = 0x400usize;
    let name_rva = 0x1000 + (n + 1) * 20;
    let size = (n + 1) * 20 + 16;
    let mut f = vec![0u8; raw + size];
    f[..2].copy_from_slice(b"MZ");
    put32(&mut f, 0x3c, 0x40);
    f[0x40..0x44].copy_from_slice(b"PE\0\0");
    f[0x44..0x46].copy_from_slice(&0x8664u16.to_le_bytes());
    f[0x46..0x48].copy_from_slice(&1u16.to_le_bytes());
    f[0x54..0x56].copy_from_slice(&240u16.to_le_bytes());
    let opt = 0x58;
    f[opt..opt + 2].copy_from_slice(&0x20bu16.to_le_bytes());
    f[opt + 68..opt + 70].copy_from_slice(&3u16.to_le_bytes());
    put32(&mut f, opt + 108, 16);
    put32(&mut f, opt + 112 + 8, 0x1000); // import directory
    put32(&mut f, opt + 112 + 12, size as u32);
    let sec = opt + 240;
    f[sec..sec + 6].copy_from_slice(b".idata");
    put32(&mut f, sec + 8, size as u32);
    put32(&mut f, sec + 12, 0x1000);
    put32(&mut f, sec + 16, size as u32);
    put32(&mut f, sec + 20, raw as u32);
    for i in 0..n {
        put32(&mut f, raw + i * 20 + 12, name_rva as u32);
    }
    let name_at = raw + (n + 1) * 20;
    f[name_at..name_at + 8].copy_from_slice(b"evil.dll");
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "imports", &f);
    let r = rejected_in_json(dir.path(), &file, "windows/amd64");
    let a = &r.run.artifacts()[0];
    assert_eq!(
        a["verdict"]["facts"]["needed"].as_array().map(Vec::len),
        Some(64)
    );
    assert_eq!(a["verdict"]["facts"]["static"], false, "{r}");
    assert!(
        a["verdict"]["notes"].to_string().contains("64 of 100000"),
        "{r}"
    );
}

#[test]
fn things_that_are_not_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fifo = d.join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    std::os::unix::fs::symlink(&fifo, d.join("link-to-fifo")).unwrap();
    let _sock = std::os::unix::net::UnixListener::bind(d.join("sock")).unwrap();
    std::fs::create_dir(d.join("dir")).unwrap();
    std::fs::copy(fixture("bin/aarch64-static-nolibc"), d.join("good")).unwrap();
    for (name, what) in [
        ("fifo", "a FIFO"),
        ("link-to-fifo", "a FIFO"),
        ("sock", "a socket"),
        ("/dev/zero", "a device"),
        ("/dev/null", "a device"),
        ("dir", "a directory"),
    ] {
        run_bounded(d, &["verify", name])
            .within_bounds(1)
            .code(2)
            .stderr_has(what);
    }
    // One bad argument does not hold up the others.
    let r = run_bounded(d, &["verify", "fifo", "good", "--message-format", "json"]);
    r.within_bounds(2).code(2);
    assert_eq!(r.run.artifacts().len(), 1, "{r}");
}

trait JsonError {
    fn stdout_has_error(&self, needle: &str) -> &Self;
}

impl JsonError for Bounded {
    fn stdout_has_error(&self, needle: &str) -> &Self {
        let found = self.run.json().iter().any(|e| {
            e["reason"] == "error" && e["message"].as_str().is_some_and(|m| m.contains(needle))
        });
        assert!(found, "no error event with {needle:?}\n{self}");
        self
    }
}
