//! A mutation fuzzer for `verify`, with a fixed seed so every run tries the same cases.
//!
//! Seeds are real executables: Go's hello built for several architectures (static ELF,
//! a cgo-dynamic ELF, unstripped ones, thin Mach-O for arm64 and amd64, PE32 and PE32+),
//! a universal Mach-O assembled here from the two thin ones, and the C binaries of
//! fixtures/bin (dynamic glibc ARM and x86-64, BTI notes, ARM attributes). Each case is
//! a seed cut short, with bytes flipped in its headers or anywhere, or with a count,
//! offset or size field (from a map of the seed's own fields) set to a value chosen to
//! hurt: 0, 1, the file size and around it, huge, all ones, doubled, a bit flipped.
//!
//! Every case runs in-process through `verify::verify` (answered `Ok` or `Err`, never a
//! caught panic; its verdict under 1 MiB of JSON), timed, with the heap it allocates
//! measured by a counting allocator; a watchdog aborts the run when one case passes 10 s.
//! One case in [`PROCESS_EVERY`] also runs through the real binary under the guard of
//! tests/util/guard.rs (exit 0 or 1, killed after 10 s, peak RSS, output size).
//!
//! `FUZZ_CASES=N` and `FUZZ_SEED=N` change the count and the seed for a deeper local run.

mod util;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use util::cases::Rng;
use util::guard::*;
use util::*;
use xbuild_go::profile::{resolve, Overrides};
use xbuild_go::target::Target;
use xbuild_go::verify::{verify, Policy};

/// Cases by default: one to two minutes on a 2-core machine shared with other work
/// (debug build, as CI runs it).
const DEFAULT_CASES: usize = 100_000;
/// One case in this many also runs through the real binary.
const PROCESS_EVERY: usize = 40;
/// Heap a case may allocate in-process, over what it started with.
const MAX_HEAP: usize = 256 << 20;

// ------------------------------------------------------------------------------------
// The heap a case allocates.

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = CURRENT.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = System.alloc(l);
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(l);
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l);
        CURRENT.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = System.realloc(p, l, new);
        if !q.is_null() {
            if new >= l.size() {
                grew(new - l.size());
            } else {
                CURRENT.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

// ------------------------------------------------------------------------------------
// Seeds and the fields worth hitting in each.

/// A field of a seed: where, how wide, which byte order, and what it is.
#[derive(Clone)]
struct Field {
    at: usize,
    width: usize,
    big: bool,
    what: String,
}

/// The fields of a seed being mapped, in one byte order; those that do not fit in the
/// file are left out.
struct Fields {
    len: usize,
    big: bool,
    list: Vec<Field>,
}

impl Fields {
    fn new(len: usize, big: bool) -> Fields {
        Fields {
            len,
            big,
            list: Vec::new(),
        }
    }

    fn add(&mut self, at: usize, width: usize, what: impl Into<String>) {
        if at + width <= self.len {
            self.list.push(Field {
                at,
                width,
                big: self.big,
                what: what.into(),
            });
        }
    }

    /// The members of a C struct at `at`, each `(name, width)` right after the one
    /// before, as the format's header declares them; those named `_` are passed over.
    fn members(&mut self, at: usize, prefix: &str, members: &[(&str, usize)]) {
        let mut off = at;
        for (name, width) in members {
            if *name != "_" {
                self.add(off, *width, format!("{prefix}.{name}"));
            }
            off += width;
        }
    }
}

struct Seed {
    name: String,
    bytes: Vec<u8>,
    /// The target its policy judges against.
    target: &'static str,
    fields: Vec<Field>,
    /// Offsets where cutting the file is interesting (table starts and ends).
    cuts: Vec<usize>,
    /// Ranges of header bytes, where flips land most often.
    hot: Vec<(usize, usize)>,
}

impl Seed {
    fn new(
        name: &str,
        bytes: Vec<u8>,
        target: &'static str,
        fields: Fields,
        cuts: Vec<usize>,
        hot: Vec<(usize, usize)>,
    ) -> Seed {
        Seed {
            name: name.to_string(),
            bytes,
            target,
            fields: fields.list,
            cuts,
            hot,
        }
    }
}

fn rd(b: &[u8], at: usize, width: usize, big: bool) -> u64 {
    let s = &b[at..at + width];
    let mut v = 0u64;
    for i in 0..width {
        let byte = if big { s[i] } else { s[width - 1 - i] };
        v = (v << 8) | u64::from(byte);
    }
    v
}

fn wr(b: &mut [u8], at: usize, width: usize, big: bool, v: u64) {
    for i in 0..width {
        let byte = (v >> (8 * i)) as u8;
        if big {
            b[at + width - 1 - i] = byte;
        } else {
            b[at + i] = byte;
        }
    }
}

fn elf_seed(name: &str, bytes: Vec<u8>, target: &'static str) -> Seed {
    let elf = goblin::elf::Elf::parse(&bytes).expect("seed parses");
    let is64 = elf.is_64;
    let w = if is64 { 8 } else { 4 };
    let mut f = Fields::new(bytes.len(), !elf.little_endian);
    let h = &elf.header;
    let (phoff_at, shoff_at, ph_at) = if is64 {
        (0x20, 0x28, 0x36)
    } else {
        (0x1c, 0x20, 0x2a)
    };
    f.add(phoff_at, w, "e_phoff");
    f.add(shoff_at, w, "e_shoff");
    for (i, n) in [
        "e_phentsize",
        "e_phnum",
        "e_shentsize",
        "e_shnum",
        "e_shstrndx",
    ]
    .iter()
    .enumerate()
    {
        f.add(ph_at + 2 * i, 2, *n);
    }
    // Elf64_Phdr puts p_flags second, Elf32_Phdr second to last.
    let phdr: &[(&str, usize)] = if is64 {
        &[
            ("p_type", 4),
            ("_", 4),
            ("p_offset", 8),
            ("p_vaddr", 8),
            ("_", 8),
            ("p_filesz", 8),
            ("p_memsz", 8),
        ]
    } else {
        &[
            ("p_type", 4),
            ("p_offset", 4),
            ("p_vaddr", 4),
            ("_", 4),
            ("p_filesz", 4),
            ("p_memsz", 4),
        ]
    };
    let phsize = if is64 { 56 } else { 32 };
    for i in 0..usize::from(h.e_phnum) {
        f.members(h.e_phoff as usize + i * phsize, &format!("phdr{i}"), phdr);
    }
    let shdr = [
        ("sh_name", 4),
        ("sh_type", 4),
        ("_", w),
        ("sh_addr", w),
        ("sh_offset", w),
        ("sh_size", w),
        ("sh_link", 4),
        ("sh_info", 4),
    ];
    let shsize = if is64 { 64 } else { 40 };
    for i in 0..usize::from(h.e_shnum) {
        f.members(h.e_shoff as usize + i * shsize, &format!("shdr{i}"), &shdr);
    }
    // Dynamic entries' values, and the version needs' counts and links.
    for ph in elf.program_headers.iter().filter(|p| p.p_type == 2) {
        let n = (ph.p_filesz as usize / (2 * w)).min(64);
        for i in 0..n {
            f.add(
                ph.p_offset as usize + i * 2 * w + w,
                w,
                format!("dyn{i}.d_val"),
            );
        }
    }
    for sh in elf
        .section_headers
        .iter()
        .filter(|s| s.sh_type == 0x6fff_fffe)
    {
        let o = sh.sh_offset as usize;
        for (d, width, n) in [(2, 2, "vn_cnt"), (8, 4, "vn_aux"), (12, 4, "vn_next")] {
            f.add(o + d, width, format!("verneed.{n}"));
        }
        for (d, width, n) in [(16 + 8, 4, "vna_name"), (16 + 12, 4, "vna_next")] {
            f.add(o + d, width, format!("vernaux.{n}"));
        }
    }
    // The Go build info blob's varint lengths and pointers.
    if let Some(sh) = elf
        .section_headers
        .iter()
        .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(".go.buildinfo"))
    {
        let o = sh.sh_offset as usize;
        for (d, width, n) in [
            (14, 1, "ptrsize"),
            (15, 1, "flags"),
            (32, 1, "vers len"),
            (33, 4, "vers/modinfo"),
        ] {
            f.add(o + d, width, format!("buildinfo.{n}"));
        }
    }
    let mut cuts = vec![4, 16, 52, 64];
    cuts.push(h.e_phoff as usize + usize::from(h.e_phnum) * phsize);
    cuts.push(h.e_shoff as usize);
    cuts.extend(elf.section_headers.iter().map(|s| s.sh_offset as usize));
    let hot = vec![
        (0, 0x200.min(bytes.len())),
        (
            (h.e_shoff as usize).min(bytes.len()),
            (h.e_shoff as usize + usize::from(h.e_shnum) * shsize).min(bytes.len()),
        ),
    ];
    Seed::new(name, bytes, target, f, cuts, hot)
}

/// Fields of a thin Mach-O starting at `base` (0, or a slice's offset).
fn macho_fields(b: &[u8], base: usize, f: &mut Fields, cuts: &mut Vec<usize>) {
    let le = |at: usize| rd(b, base + at, 4, false) as usize;
    let mut field = |at: usize, width: usize, what: String| f.add(base + at, width, what);
    field(16, 4, "ncmds".into());
    field(20, 4, "sizeofcmds".into());
    let mut off = 32;
    for i in 0..le(16) {
        let (cmd, size) = (le(off), le(off + 4));
        field(off + 4, 4, format!("cmd{i}.cmdsize"));
        match cmd {
            0x19 => {
                for (d, width, n) in [
                    (24, 8, "vmaddr"),
                    (32, 8, "vmsize"),
                    (40, 8, "fileoff"),
                    (48, 8, "filesize"),
                    (64, 4, "nsects"),
                ] {
                    field(off + d, width, format!("seg{i}.{n}"));
                }
                for s in 0..le(off + 64).min(8) {
                    let at = off + 72 + s * 80;
                    for (d, width, n) in [(32, 8, "addr"), (40, 8, "size"), (48, 4, "offset")] {
                        field(at + d, width, format!("seg{i}.sect{s}.{n}"));
                    }
                }
            }
            0x2 => {
                for (d, n) in [
                    (8, "symoff"),
                    (12, "nsyms"),
                    (16, "stroff"),
                    (20, "strsize"),
                ] {
                    field(off + d, 4, format!("symtab.{n}"));
                }
            }
            0xc | 0x8000_0018 => field(off + 8, 4, format!("dylib{i}.name")),
            _ => {}
        }
        cuts.push(base + off);
        off += size;
    }
    cuts.push(base + off);
}

fn macho_seed(name: &str, bytes: Vec<u8>, target: &'static str) -> Seed {
    let mut fields = Fields::new(bytes.len(), false);
    let mut cuts = vec![4, 28, 32];
    macho_fields(&bytes, 0, &mut fields, &mut cuts);
    let hot = vec![(0, rd(&bytes, 20, 4, false) as usize + 32)];
    Seed::new(name, bytes, target, fields, cuts, hot)
}

/// A universal file of `thins`, each slice aligned to 16 KiB, as lipo makes it.
fn universal(thins: &[(u32, &[u8])]) -> (Vec<u8>, Vec<usize>) {
    let mut f = Vec::new();
    f.extend_from_slice(&0xcafe_babeu32.to_be_bytes());
    f.extend_from_slice(&(thins.len() as u32).to_be_bytes());
    let mut at = 0x4000usize;
    let mut offsets = Vec::new();
    for (cpu, t) in thins {
        for v in [*cpu, 0, at as u32, t.len() as u32, 14] {
            f.extend_from_slice(&v.to_be_bytes());
        }
        offsets.push(at);
        at = (at + t.len()).next_multiple_of(0x4000);
    }
    for ((_, t), o) in thins.iter().zip(&offsets) {
        f.resize(*o, 0);
        f.extend_from_slice(t);
    }
    (f, offsets)
}

fn fat_seed(name: &str, thins: &[(u32, &[u8])], target: &'static str) -> Seed {
    let (bytes, offsets) = universal(thins);
    // The fat header is big-endian; the thin files in it are not.
    let mut fields = Fields::new(bytes.len(), true);
    fields.add(4, 4, "nfat_arch");
    for i in 0..thins.len() {
        for (d, n) in [(0, "cputype"), (8, "offset"), (12, "size"), (16, "align")] {
            fields.add(8 + i * 20 + d, 4, format!("fat{i}.{n}"));
        }
    }
    fields.big = false;
    let mut cuts = vec![8, 28, 48];
    for o in &offsets {
        macho_fields(&bytes, *o, &mut fields, &mut cuts);
    }
    let mut hot = vec![(0, 8 + 20 * thins.len())];
    hot.extend(offsets.iter().map(|o| (*o, o + 0x800)));
    Seed::new(name, bytes, target, fields, cuts, hot)
}

fn pe_seed(name: &str, bytes: Vec<u8>, target: &'static str) -> Seed {
    let lf = rd(&bytes, 0x3c, 4, false) as usize;
    let coff = lf + 4;
    let opt = coff + 20;
    let size_opt = rd(&bytes, coff + 16, 2, false) as usize;
    let plus = rd(&bytes, opt, 2, false) == 0x20b;
    let count_at = opt + if plus { 108 } else { 92 };
    let mut fields = Fields::new(bytes.len(), false);
    let mut field = |at: usize, width: usize, what: String| fields.add(at, width, what);
    field(0x3c, 4, "e_lfanew".into());
    field(coff + 2, 2, "NumberOfSections".into());
    field(coff + 8, 4, "PointerToSymbolTable".into());
    field(coff + 12, 4, "NumberOfSymbols".into());
    field(coff + 16, 2, "SizeOfOptionalHeader".into());
    field(opt, 2, "Magic".into());
    field(count_at, 4, "NumberOfRvaAndSizes".into());
    for d in 0..16 {
        field(count_at + 4 + d * 8, 4, format!("dir{d}.rva"));
        field(count_at + 8 + d * 8, 4, format!("dir{d}.size"));
    }
    let sections = opt + size_opt;
    let n = rd(&bytes, coff + 2, 2, false) as usize;
    for i in 0..n {
        let at = sections + i * 40;
        for (d, what) in [
            (8, "VirtualSize"),
            (12, "VirtualAddress"),
            (16, "SizeOfRawData"),
            (20, "PointerToRawData"),
            (36, "Characteristics"),
        ] {
            field(at + d, 4, format!("sec{i}.{what}"));
        }
    }
    // The import descriptors' name RVAs (through the section that holds them).
    let import_rva = rd(&bytes, count_at + 12, 4, false);
    for i in 0..n {
        let at = sections + i * 40;
        let (va, raw, ptr) = (
            rd(&bytes, at + 12, 4, false),
            rd(&bytes, at + 16, 4, false),
            rd(&bytes, at + 20, 4, false),
        );
        if import_rva >= va && import_rva < va + raw {
            let off = (ptr + import_rva - va) as usize;
            for k in 0..4 {
                field(off + k * 20 + 12, 4, format!("import{k}.Name"));
            }
        }
    }
    let cuts = vec![0x3c, lf, coff + 20, opt + 64, sections, sections + n * 40];
    let hot = vec![(0, sections + n * 40)];
    Seed::new(name, bytes, target, fields, cuts, hot)
}

fn seeds() -> Vec<Seed> {
    let read = |p: std::path::PathBuf| std::fs::read(p).expect("seed");
    let go = |target: &str, ldflags: &str| read(go_hello(target, ldflags, false));
    let mut s: Vec<Seed> = [
        ("go-linux-amd64", "linux/amd64", "-s -w"),
        ("go-linux-arm64-unstripped", "linux/arm64", ""),
        ("go-linux-arm-v7", "linux/arm/v7", "-s -w"),
        ("go-linux-386", "linux/386", "-s -w"),
        ("go-linux-s390x", "linux/s390x", "-s -w"),
    ]
    .into_iter()
    .map(|(name, target, ldflags)| elf_seed(name, go(target, ldflags), target))
    .collect();
    if require_tool("gcc", "a cgo-dynamic Go seed for the fuzzer") {
        let cgo = read(go_hello("linux/amd64", "", true));
        s.push(elf_seed("go-linux-amd64-cgo-dynamic", cgo, "linux/amd64"));
    }
    for (name, target) in [
        ("aarch64-dynamic", "linux/arm64"),
        ("aarch64-dynamic-unstripped", "linux/arm64"),
        ("aarch64-bti", "linux/arm64"),
        ("armhf-dynamic", "linux/arm/v7"),
        ("armel-static-nolibc-soft", "linux/arm/v5"),
        ("x86_64-dynamic", "linux/amd64"),
    ] {
        let c = read(fixture(&format!("bin/{name}")));
        s.push(elf_seed(&format!("c-{name}"), c, target));
    }
    let arm64 = go("darwin/arm64", "-s -w");
    let amd64 = go("darwin/amd64", "");
    let thins: &[(u32, &[u8])] = &[(0x0100_000c, &arm64), (0x0100_0007, &amd64)];
    s.push(fat_seed("go-darwin-universal", thins, "darwin/arm64"));
    s.push(macho_seed("go-darwin-arm64", arm64, "darwin/arm64"));
    s.push(macho_seed(
        "go-darwin-amd64-unstripped",
        amd64,
        "darwin/amd64",
    ));
    let win = go("windows/amd64", "-s -w");
    s.push(pe_seed("go-windows-amd64", win, "windows/amd64"));
    let win32 = go("windows/386", "");
    s.push(pe_seed("go-windows-386-unstripped", win32, "windows/386"));
    s
}

// ------------------------------------------------------------------------------------
// Mutations.

/// What a case did to its seed, to name it in a failure and to undo it.
enum Mutation {
    Cut(usize),
    Edits(Vec<(usize, u8)>, String),
}

fn mutate(seed: &mut Seed, rng: &mut Rng) -> Mutation {
    let len = seed.bytes.len();
    let mut edits: Vec<(usize, u8)> = Vec::new();
    let flip = |b: &mut Vec<u8>, at: usize, v: u8, edits: &mut Vec<(usize, u8)>| {
        if at < b.len() {
            edits.push((at, b[at]));
            b[at] = v;
        }
    };
    match rng.below(10) {
        // Truncation: at a structure boundary (and around it), or anywhere.
        0 | 1 => {
            let c = if rng.below(2) == 0 && !seed.cuts.is_empty() {
                let c = seed.cuts[rng.below(seed.cuts.len())];
                (c + rng.below(3)).saturating_sub(1)
            } else {
                rng.below(len)
            };
            Mutation::Cut(c.min(len))
        }
        // Byte flips, mostly in the headers.
        2..=4 => {
            let n = 1 + rng.below(8);
            for _ in 0..n {
                let at = if rng.below(4) > 0 && !seed.hot.is_empty() {
                    let (lo, hi) = seed.hot[rng.below(seed.hot.len())];
                    lo + rng.below(hi.saturating_sub(lo).max(1))
                } else {
                    rng.below(len)
                };
                let v = rng.next() as u8;
                flip(&mut seed.bytes, at, v, &mut edits);
            }
            Mutation::Edits(edits, format!("{n} byte flips"))
        }
        // A field set to a value chosen to hurt (sometimes two fields, plus flips).
        _ => {
            let mut what = Vec::new();
            for _ in 0..1 + rng.below(2) {
                let f = seed.fields[rng.below(seed.fields.len())].clone();
                let old = rd(&seed.bytes, f.at, f.width, f.big);
                let max = if f.width == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * f.width)) - 1
                };
                let l = len as u64;
                let v = match rng.below(12) {
                    0 => 0,
                    1 => 1,
                    2 => max,
                    3 => max / 2 + 1,
                    4 => l,
                    5 => l + 1,
                    6 => l.saturating_sub(1),
                    7 => old.wrapping_add(1),
                    8 => old.wrapping_sub(1),
                    9 => old.wrapping_mul(2),
                    10 => old ^ (1 << rng.below(8 * f.width)),
                    _ => rng.next(),
                } & max;
                let mut bytes = vec![0u8; f.width];
                wr(&mut bytes, 0, f.width, f.big, v);
                for (i, b) in bytes.into_iter().enumerate() {
                    flip(&mut seed.bytes, f.at + i, b, &mut edits);
                }
                what.push(format!("{} {old:#x} -> {v:#x}", f.what));
            }
            if rng.below(4) == 0 {
                let at = rng.below(len);
                let v = rng.next() as u8;
                flip(&mut seed.bytes, at, v, &mut edits);
                what.push(format!("and byte {at:#x} = {v:#x}"));
            }
            Mutation::Edits(edits, what.join(", "))
        }
    }
}

fn undo(seed: &mut Seed, m: &Mutation) {
    if let Mutation::Edits(edits, _) = m {
        for (at, old) in edits.iter().rev() {
            seed.bytes[*at] = *old;
        }
    }
}

fn describe(m: &Mutation) -> String {
    match m {
        Mutation::Cut(n) => format!("cut at {n:#x}"),
        Mutation::Edits(_, what) => what.clone(),
    }
}

// ------------------------------------------------------------------------------------
// The run.

fn policy_for(target: &str) -> Policy {
    let overrides = Overrides {
        targets: Some(vec![target.to_string()]),
        ..Overrides::default()
    };
    let profile = resolve(None, "golden", &overrides).expect("golden resolves");
    let t = Target::parse(target).expect("target");
    let mut p = Policy::from_profile(&profile, Some(&t));
    p.runs_on = vec![
        "distroless/static".into(),
        "debian:11-slim".into(),
        "alpine:3.20".into(),
    ];
    p.max_glibc = Some("2.31".into());
    p
}

#[derive(Default)]
struct Worst {
    time: Duration,
    time_case: String,
    heap: usize,
    heap_case: String,
    output: usize,
    proc_time: Duration,
    proc_time_case: String,
    rss_kib: u64,
    rss_case: String,
    malformed: usize,
    verdicts: usize,
    processes: usize,
}

#[test]
fn mutated_executables_are_answered_in_bounded_time_memory_and_output() {
    let cases: usize = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x1b0_0d15_ea5e);
    let mut seeds = seeds();
    let policies: Vec<(Policy, Policy)> = seeds
        .iter()
        // `verify FILE` alone judges only that the file is an executable.
        .map(|s| (Policy::any_executable(), policy_for(s.target)))
        .collect();
    // What `verify FILE --profile golden --target T` judges with, to compare the
    // binary's exit code.
    let binary_policies: Vec<Policy> = seeds
        .iter()
        .map(|s| {
            let overrides = Overrides {
                targets: Some(vec![s.target.to_string()]),
                ..Overrides::default()
            };
            let profile = resolve(None, "golden", &overrides).expect("golden resolves");
            Policy::from_profile(&profile, Target::parse(s.target).ok().as_ref())
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();

    // The watchdog: a case running past KILL_AFTER aborts the whole run, naming it.
    let current = Arc::new(Mutex::new(String::new()));
    let started = Arc::new(AtomicU64::new(0));
    let epoch = Instant::now();
    {
        let (current, started) = (current.clone(), started.clone());
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            let s = started.load(Relaxed);
            if s != 0 && epoch.elapsed().as_millis() as u64 - s > KILL_AFTER.as_millis() as u64 {
                eprintln!(
                    "FUZZ FAILURE: case still running after {KILL_AFTER:?}: {}",
                    current.lock().map(|c| c.clone()).unwrap_or_default()
                );
                std::process::abort();
            }
        });
    }

    let mut rng = Rng(seed);
    let mut worst = Worst::default();
    let t0 = Instant::now();
    for case in 0..cases {
        let si = case % seeds.len();
        let m = mutate(&mut seeds[si], &mut rng);
        let s = &seeds[si];
        let bytes: &[u8] = match m {
            Mutation::Cut(n) => &s.bytes[..n],
            Mutation::Edits(..) => &s.bytes,
        };
        let judged = rng.below(2) == 0;
        let policy = if judged {
            &policies[si].1
        } else {
            &policies[si].0
        };
        let name = format!(
            "case {case} (FUZZ_SEED={seed}): seed {} ({} bytes), {}, policy {}",
            s.name,
            s.bytes.len(),
            describe(&m),
            if judged { s.target } else { "report-only" }
        );
        *current.lock().unwrap() = name.clone();

        let base = CURRENT.load(Relaxed);
        PEAK.store(base, Relaxed);
        started.store(epoch.elapsed().as_millis().max(1) as u64, Relaxed);
        let start = Instant::now();
        let result = verify(bytes, policy);
        let took = start.elapsed();
        started.store(0, Relaxed);
        let heap = PEAK.load(Relaxed).saturating_sub(base);

        match &result {
            Ok(v) => {
                worst.verdicts += 1;
                let json = serde_json::to_vec(v).expect("verdict serializes");
                assert!(
                    json.len() <= MAX_OUTPUT,
                    "{name}: verdict is {} bytes of JSON",
                    json.len()
                );
                worst.output = worst.output.max(json.len());
            }
            Err(e) => {
                worst.malformed += 1;
                assert!(!e.0.contains("panic"), "{name}: {e}");
                assert!(e.0.len() > 10, "{name}: the error names no problem: {e}");
            }
        }
        assert!(heap <= MAX_HEAP, "{name}: allocated {heap} bytes");
        if took > worst.time {
            worst.time = took;
            worst.time_case = name.clone();
        }
        if heap > worst.heap {
            worst.heap = heap;
            worst.heap_case = name.clone();
        }

        if case % PROCESS_EVERY == 0 {
            let file = dir.path().join(format!("case-{case}"));
            std::fs::write(&file, bytes).unwrap();
            let f = file.to_str().unwrap();
            let mut args = vec!["verify", f, "--message-format", "json"];
            if judged {
                args.extend(["--profile", "golden", "--target", s.target]);
            }
            let r = run_bounded(dir.path(), &args);
            r.within_bounds(1);
            assert!(
                matches!(r.run.code, Some(0 | 1)),
                "{name}: exit {:?}\n{r}",
                r.run.code
            );
            let same = if judged {
                verify(bytes, &binary_policies[si])
            } else {
                result.clone()
            };
            assert_eq!(
                r.run.code == Some(0),
                same.as_ref().is_ok_and(|v| v.passed()),
                "{name}: the binary and the library disagree\n{r}"
            );
            worst.processes += 1;
            if r.elapsed > worst.proc_time {
                worst.proc_time = r.elapsed;
                worst.proc_time_case = name.clone();
            }
            if r.max_rss_kib > worst.rss_kib {
                worst.rss_kib = r.max_rss_kib;
                worst.rss_case = name.clone();
            }
            std::fs::remove_file(&file).unwrap();
        }
        undo(&mut seeds[si], &m);
    }
    eprintln!(
        "fuzz: {cases} cases from {} seeds in {:?} (FUZZ_SEED={seed}): {} verdicts, {} malformed; \
         {} through the binary",
        seeds.len(),
        t0.elapsed(),
        worst.verdicts,
        worst.malformed,
        worst.processes
    );
    eprintln!(
        "fuzz: slowest in-process {:?}: {}",
        worst.time, worst.time_case
    );
    eprintln!(
        "fuzz: most heap in-process {} KiB: {}",
        worst.heap >> 10,
        worst.heap_case
    );
    eprintln!("fuzz: largest verdict {} bytes of JSON", worst.output);
    eprintln!(
        "fuzz: slowest process {:?}: {}",
        worst.proc_time, worst.proc_time_case
    );
    eprintln!(
        "fuzz: peak process RSS {} KiB: {}",
        worst.rss_kib, worst.rss_case
    );
    for s in &seeds {
        eprintln!(
            "fuzz: seed {} ({} bytes, {} fields)",
            s.name,
            s.bytes.len(),
            s.fields.len()
        );
    }
    assert!(
        worst.malformed > cases / 20,
        "too few cases were malformed: the mutations are too weak"
    );
    assert!(
        worst.verdicts > cases / 20,
        "too few cases got a verdict: the mutations are too blunt"
    );
}
