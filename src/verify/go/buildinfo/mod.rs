//! Go build information (what `go version -m` prints) read from an executable's bytes, the way Go's `debug/buildinfo` and `runtime/debug.ParseBuildInfo` do it, without running `go`.
//!
//! The linker leaves a blob that starts with the 14-byte magic `"\xff Go buildinf:"` at a
//! 16-byte aligned address at the start of the data: in the `.go.buildinfo` section (ELF),
//! the `__go_buildinfo` section (Mach-O), or else the first writable data segment or section.
//! Its 32-byte header holds the pointer size (byte 14) and flags (byte 15: bit 0 big endian,
//! bit 1 "inline"). Since Go 1.18 ("inline") the header is followed by two strings, each
//! prefixed by its length as an unsigned varint: the Go version and the module info. Up to
//! Go 1.17 the header instead holds two pointers (at offset 16) to Go string headers
//! `{data, len}` for the same two strings, which are followed through the file's address map.
//!
//! The module info is framed by two 16-byte sentinels and holds the text of
//! `runtime/debug.BuildInfo.String`: `path`, `mod`, `dep`, `=>` and `build` lines, with keys
//! and values Go-quoted (`strconv.Quote`) when they contain blanks, quotes or `=`.
//!
//! Everything here slices the file's bytes: nothing is copied but the final strings, and every
//! loop is bounded by the size of the data it walks.

use std::borrow::Cow;
use std::fmt;

use crate::verify::format::elf_file::{ElfFile, PF_W, PF_X, PT_LOAD, SHT_NOBITS};
use crate::verify::format::macho::{fixed_name, MachFile};
use crate::verify::format::pe::PeFile;
use serde::Serialize;

/// The first 14 bytes of the build info blob. The `\xff` is invalid UTF-8, which makes an
/// accidental match in string data unlikely.
pub const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// The blob's alignment in the address space.
const ALIGN: u64 = 16;
/// The blob's fixed header: magic, pointer size, flags, then two pointers (or padding).
const HEADER_SIZE: usize = 32;
const PTR_SIZE_OFFSET: usize = 14;
const FLAGS_OFFSET: usize = 15;
const VERS_PTR_OFFSET: usize = 16;
const FLAG_BIG_ENDIAN: u8 = 0x1;
const FLAG_INLINE: u8 = 0x2;
/// Longest unsigned varint (`encoding/binary.MaxVarintLen64`).
const MAX_VARINT_LEN: usize = 10;
/// Length of each sentinel that frames the module info (`modload.infoStart`/`infoEnd`).
const SENTINEL_LEN: usize = 16;
/// How far into the data the blob is looked for. Go's linker puts it first; a file that
/// hides it deeper is read as having none, which a required check rejects.
const MAX_SCAN: u64 = 64 << 20;
/// The longest Go version string read (real ones are under 100 bytes).
const MAX_VERSION: u64 = 4096;
/// The longest module info read (a binary with a thousand dependencies has ~150 KiB).
const MAX_MODINFO: u64 = 16 << 20;
/// Address ranges kept for translating addresses; more are ignored.
const MAX_REGIONS: usize = 1 << 16;

/// A module of a Go build (`runtime/debug.Module`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Module {
    /// Module path, e.g. `golang.org/x/sys`.
    pub path: String,
    /// Module version, e.g. `v0.21.0`, or `(devel)` for the main module.
    pub version: String,
    /// `go.sum` checksum (`h1:...`), empty when unknown (main module, replaced modules).
    pub sum: String,
    /// The module that replaced this one (a `=>` line), if any.
    pub replace: Option<Box<Module>>,
}

/// What `go version -m` prints about a binary (`runtime/debug.BuildInfo` plus the Go version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildInfo {
    /// The toolchain that built the binary, e.g. `go1.26.8`.
    pub go_version: String,
    /// Import path of the main package; empty when absent.
    pub path: String,
    /// The module of the main package (`mod` line); `None` for the standard library's commands
    /// and GOPATH builds.
    pub main: Option<Module>,
    /// Dependency modules (`dep` lines), in file order.
    pub deps: Vec<Module>,
    /// Build settings (`build` lines), unquoted, in file order: `("-ldflags", "-s -w")`,
    /// `("GOARCH", "arm64")`, ...
    pub settings: Vec<(String, String)>,
}

impl BuildInfo {
    /// The value of the first build setting named `key`, e.g. `setting("GOARCH")`.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The text of Go's `BuildInfo.String()`: a `go` line (when the version is known), then the
/// `path`, `mod`, `dep`, `=>` and `build` lines, each ending in a newline, and, as in Go, an
/// empty line after each `=>` line. `go version -m` prints the same lines (without the `go`
/// line), each indented by a tab.
impl fmt::Display for BuildInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn module(f: &mut fmt::Formatter<'_>, word: &str, m: &Module) -> fmt::Result {
            write!(f, "{word}\t{}\t{}", m.path, m.version)?;
            match &m.replace {
                None => writeln!(f, "\t{}", m.sum),
                Some(r) => {
                    writeln!(f)?;
                    module(f, "=>", r)?;
                    // Go writes the module's own line end after the replacement's, which
                    // leaves an empty line (ignored by the parser).
                    writeln!(f)
                }
            }
        }
        if !self.go_version.is_empty() {
            writeln!(f, "go\t{}", self.go_version)?;
        }
        if !self.path.is_empty() {
            writeln!(f, "path\t{}", self.path)?;
        }
        if let Some(m) = &self.main {
            module(f, "mod", m)?;
        }
        for d in &self.deps {
            module(f, "dep", d)?;
        }
        for (k, v) in &self.settings {
            let k: Cow<'_, str> = if key_needs_quotes(k) {
                Cow::Owned(quote(k))
            } else {
                Cow::Borrowed(k)
            };
            let v: Cow<'_, str> = if value_needs_quotes(v) {
                Cow::Owned(quote(v))
            } else {
                Cow::Borrowed(v)
            };
            writeln!(f, "build\t{k}={v}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Locating the blob.

/// A file-backed stretch of an executable's address space: `size` bytes at virtual address
/// `addr`, stored in the file from `offset` (an ELF `PT_LOAD`'s `p_filesz` part, a Mach-O
/// segment's `filesize` part, a PE section's raw data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Virtual address of the first byte.
    pub addr: u64,
    /// File offset of the first byte.
    pub offset: u64,
    /// Number of file-backed bytes.
    pub size: u64,
}

/// Bytes of the file at a virtual address: from there to the end of the region that maps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapped<'a> {
    /// File offset of the first byte.
    pub offset: u64,
    /// The bytes from `offset` to the end of the region, cut short at the end of the file.
    pub data: &'a [u8],
    /// True when the end of the file cut the region short.
    pub truncated: bool,
}

impl<'a> Mapped<'a> {
    /// The first `len` bytes, or an error naming `what`, the file offset and how much remains.
    fn take(&self, len: u64, what: &str) -> Result<&'a [u8], String> {
        let have = self.data.len();
        match usize::try_from(len).ok().and_then(|n| self.data.get(..n)) {
            Some(b) => Ok(b),
            None => Err(format!(
                "{what} at file offset {:#x} needs {len} bytes but only {have} remain before the end of {}",
                self.offset,
                if self.truncated { "the file" } else { "its segment" }
            )),
        }
    }
}

/// Translates virtual address `addr` to file bytes through the first region that contains it.
/// `None` when no region maps `addr` (unmapped, or only in memory like `.bss`).
pub fn translate<'a>(bytes: &'a [u8], regions: &[Region], addr: u64) -> Option<Mapped<'a>> {
    let r = regions
        .iter()
        .find(|r| addr >= r.addr && addr - r.addr < r.size)?;
    let delta = addr - r.addr;
    let offset = r.offset.checked_add(delta)?;
    let end = r.offset.checked_add(r.size)?;
    let file_len = bytes.len() as u64;
    let truncated = end > file_len;
    let start = usize::try_from(offset.min(file_len)).ok()?;
    let stop = usize::try_from(end.min(file_len)).ok()?;
    Some(Mapped {
        offset,
        data: bytes.get(start..stop).unwrap_or(&[]),
        truncated,
    })
}

/// Reads build info given a file's address map and where its data starts (`data_addr`,
/// `data_size`: the build info section, or the first writable data segment). The blob is
/// searched for at 16-byte aligned addresses over the whole data range, as current Go does
/// (older Go read only the first 64 KiB, golang/go#61644), within the file-backed bytes of the
/// region that maps the start; the strings may run to the end of their region. `Ok(None)` when
/// there is no magic there.
pub fn from_regions(
    bytes: &[u8],
    regions: &[Region],
    data_addr: u64,
    data_size: u64,
) -> Result<Option<BuildInfo>, String> {
    if data_size == 0 {
        return Ok(None);
    }
    let end = data_addr.saturating_add(data_size);
    let start = match data_addr.checked_add(ALIGN - 1) {
        Some(a) => a & !(ALIGN - 1),
        None => return Ok(None),
    };
    if start >= end {
        return Ok(None);
    }
    let Some(mapped) = translate(bytes, regions, start) else {
        return Ok(None);
    };
    let window_len = usize::try_from((end - start).min(MAX_SCAN))
        .unwrap_or(usize::MAX)
        .min(mapped.data.len());
    let window = mapped.data.get(..window_len).unwrap_or(&[]);
    let Some(slot) = window
        .chunks(ALIGN as usize)
        .position(|c| c.starts_with(MAGIC))
    else {
        return Ok(None);
    };
    let rel = (slot as u64).saturating_mul(ALIGN);
    let header_offset = mapped.offset.saturating_add(rel);
    let header_addr = start.saturating_add(rel);
    decode(bytes, regions, header_addr, header_offset)
        .map(Some)
        .map_err(|e| format!("build info at file offset {header_offset:#x}: {e}"))
}

/// Decodes the blob whose header is at `addr` (file offset `offset`).
fn decode(bytes: &[u8], regions: &[Region], addr: u64, offset: u64) -> Result<BuildInfo, String> {
    let here = translate(bytes, regions, addr)
        .ok_or_else(|| format!("address {addr:#x} is not mapped"))?;
    let header = here.take(HEADER_SIZE as u64, "the 32-byte header")?;
    let flags = header.get(FLAGS_OFFSET).copied().unwrap_or(0);
    let (vers, modinfo) = if flags & FLAG_INLINE != 0 {
        let after_header = addr.saturating_add(HEADER_SIZE as u64);
        let (vers, next) = inline_string(bytes, regions, after_header, "Go version")?;
        let (modinfo, _) = inline_string(bytes, regions, next, "module info")?;
        (vers, modinfo)
    } else {
        let ptr_size = header.get(PTR_SIZE_OFFSET).copied().unwrap_or(0);
        let ptr = Pointers::new(ptr_size, flags & FLAG_BIG_ENDIAN != 0).ok_or_else(|| {
            format!(
                "pointer size {ptr_size} at file offset {:#x} is neither 4 nor 8",
                offset.saturating_add(PTR_SIZE_OFFSET as u64)
            )
        })?;
        let vers_ptr = ptr.read(header, VERS_PTR_OFFSET);
        let mod_ptr = ptr.read(header, VERS_PTR_OFFSET + usize::from(ptr_size));
        let vers = go_string(bytes, regions, ptr, vers_ptr, "Go version")?;
        let modinfo = go_string(bytes, regions, ptr, mod_ptr, "module info")?;
        (vers, modinfo)
    };
    if vers.is_empty() {
        return Err("the Go version is empty".to_string());
    }
    if vers.len() as u64 > MAX_VERSION {
        return Err(format!(
            "the Go version is {} bytes long; real ones are under 100",
            vers.len()
        ));
    }
    if modinfo.len() as u64 > MAX_MODINFO {
        return Err(format!(
            "the module info is {} bytes long, more than the {} MiB this tool reads",
            modinfo.len(),
            MAX_MODINFO >> 20
        ));
    }
    let go_version = String::from_utf8_lossy(vers).into_owned();
    let text = strip_sentinels(modinfo);
    let text = String::from_utf8_lossy(text);
    let (path, main, deps, settings) =
        parse_modinfo(&text).map_err(|e| format!("module info: {e}"))?;
    Ok(BuildInfo {
        go_version,
        path,
        main,
        deps,
        settings,
    })
}

/// The module info between its sentinels; empty unless framed as the go command frames it
/// (at least 33 bytes, a newline just before the closing sentinel), as in `debug/buildinfo`.
fn strip_sentinels(modinfo: &[u8]) -> &[u8] {
    let n = modinfo.len();
    if n > 2 * SENTINEL_LEN && modinfo.get(n - SENTINEL_LEN - 1) == Some(&b'\n') {
        modinfo.get(SENTINEL_LEN..n - SENTINEL_LEN).unwrap_or(&[])
    } else {
        &[]
    }
}

/// Decodes an unsigned varint as `encoding/binary.Uvarint` does: `Ok((value, bytes used))`, or
/// an error when the input ends first or the value overflows 64 bits.
pub fn uvarint(b: &[u8]) -> Result<(u64, usize), &'static str> {
    let mut x: u64 = 0;
    let mut shift: u32 = 0;
    for (i, &byte) in b.iter().enumerate() {
        if i == MAX_VARINT_LEN {
            return Err("overflows 64 bits");
        }
        if byte < 0x80 {
            if i == MAX_VARINT_LEN - 1 && byte > 1 {
                return Err("overflows 64 bits");
            }
            return Ok((x | (u64::from(byte) << shift), i + 1));
        }
        x |= (u64::from(byte & 0x7f)) << shift;
        shift += 7;
    }
    Err("runs off the end of the data")
}

/// A varint-prefixed string at `addr`; returns it and the address after it.
fn inline_string<'a>(
    bytes: &'a [u8],
    regions: &[Region],
    addr: u64,
    what: &str,
) -> Result<(&'a [u8], u64), String> {
    let here = translate(bytes, regions, addr)
        .ok_or_else(|| format!("{what} length at address {addr:#x} is not mapped"))?;
    let (len, used) = uvarint(here.data).map_err(|e| {
        format!(
            "{what} length (varint) at file offset {:#x} {e}",
            here.offset
        )
    })?;
    let body = Mapped {
        offset: here.offset.saturating_add(used as u64),
        data: here.data.get(used..).unwrap_or(&[]),
        truncated: here.truncated,
    };
    let s = body.take(len, &format!("{what} of length {len}"))?;
    let next = addr.saturating_add(used as u64).saturating_add(len);
    Ok((s, next))
}

/// How to read the target's pointers in the Go ≤ 1.17 format.
#[derive(Debug, Clone, Copy)]
struct Pointers {
    size: u8,
    big_endian: bool,
}

impl Pointers {
    fn new(size: u8, big_endian: bool) -> Option<Pointers> {
        matches!(size, 4 | 8).then_some(Pointers { size, big_endian })
    }

    /// The pointer at `at` in `b`; 0 when `b` is too short (callers check lengths first).
    fn read(self, b: &[u8], at: usize) -> u64 {
        let n = usize::from(self.size);
        let Some(raw) = at.checked_add(n).and_then(|end| b.get(at..end)) else {
            return 0;
        };
        let mut v: u64 = 0;
        if self.big_endian {
            for &x in raw {
                v = (v << 8) | u64::from(x);
            }
        } else {
            for &x in raw.iter().rev() {
                v = (v << 8) | u64::from(x);
            }
        }
        v
    }
}

/// The Go string whose header `{data, len}` is at `addr` (Go ≤ 1.17 format). An empty string
/// needs no data pointer (GOPATH builds have an empty module info with a nil pointer).
fn go_string<'a>(
    bytes: &'a [u8],
    regions: &[Region],
    ptr: Pointers,
    addr: u64,
    what: &str,
) -> Result<&'a [u8], String> {
    let hdr_len = 2 * u64::from(ptr.size);
    let here = translate(bytes, regions, addr)
        .ok_or_else(|| format!("{what} string header at address {addr:#x} is not mapped"))?;
    let hdr = here.take(hdr_len, &format!("{what} string header"))?;
    let data = ptr.read(hdr, 0);
    let len = ptr.read(hdr, usize::from(ptr.size));
    if len == 0 {
        return Ok(&[]);
    }
    let there = translate(bytes, regions, data).ok_or_else(|| {
        format!(
            "{what} data at address {data:#x} (from the string header at file offset {:#x}) is not mapped",
            here.offset
        )
    })?;
    there.take(len, &format!("{what} of length {len}"))
}

// ---------------------------------------------------------------------------------------------
// Formats.

/// Build info of an ELF file. Data: the `.go.buildinfo` section, else the first `PT_LOAD`
/// that is writable and not executable. Addresses are translated through the `PT_LOAD`
/// segments, then the allocated sections with file contents (at most [`MAX_REGIONS`]).
pub fn from_elf(elf: &ElfFile) -> Result<Option<BuildInfo>, String> {
    let bytes = elf.bytes();
    let mut regions: Vec<Region> = elf
        .segments()
        .filter(|p| p.p_type == PT_LOAD && p.p_filesz != 0)
        .take(MAX_REGIONS)
        .map(|p| Region {
            addr: p.p_vaddr,
            offset: p.p_offset,
            size: p.p_filesz,
        })
        .collect();
    let room = MAX_REGIONS - regions.len();
    regions.extend(
        elf.sections()
            .filter(|s| s.sh_type != SHT_NOBITS && s.sh_addr != 0 && s.sh_size != 0)
            .take(room)
            .map(|s| Region {
                addr: s.sh_addr,
                offset: s.sh_offset,
                size: s.sh_size,
            }),
    );
    let named = elf
        .find(|s| elf.name_is(s, ".go.buildinfo"))
        .map(|s| (s.sh_addr, s.sh_size));
    let data = named.or_else(|| {
        elf.segments()
            .find(|p| p.p_type == PT_LOAD && p.p_flags & (PF_X | PF_W) == PF_W)
            .map(|p| (p.p_vaddr, p.p_memsz))
    });
    match data {
        Some((addr, size)) => from_regions(bytes, &regions, addr, size),
        None => Ok(None),
    }
}

/// Build info of a (thin) Mach-O file; for a universal binary pass the first slice, as Go
/// does (or use [`from_bytes`]). Data: the `__go_buildinfo` section, else the first segment
/// with an address, file contents, and read-write initial and maximum protection.
/// Addresses are translated through the segments other than `__PAGEZERO`.
pub fn from_macho(macho: &MachFile) -> Result<Option<BuildInfo>, String> {
    const RW: u32 = 3;
    let segments = &macho.segments;
    let regions: Vec<Region> = segments
        .iter()
        .filter(|s| fixed_name(&s.name) != b"__PAGEZERO" && s.filesize != 0)
        .map(|s| Region {
            addr: s.vmaddr,
            offset: s.fileoff,
            size: s.filesize,
        })
        .collect();
    let named = segments.iter().find_map(|seg| {
        macho
            .sections(seg)
            .find(|sec| fixed_name(&sec.name) == b"__go_buildinfo")
            .map(|sec| (sec.addr, sec.size))
    });
    let data = named.or_else(|| {
        segments
            .iter()
            .find(|s| s.vmaddr != 0 && s.filesize != 0 && s.initprot == RW && s.maxprot == RW)
            .map(|s| (s.vmaddr, s.vmsize))
    });
    match data {
        Some((addr, size)) => from_regions(macho.bytes(), &regions, addr, size),
        None => Ok(None),
    }
}

/// Build info of a PE file. Data: the first section with an address, raw data, and exactly
/// the characteristics initialized data, read, write (alignment bits ignored). Addresses
/// (image base included) are translated through the sections' raw data.
pub fn from_pe(pe: &PeFile) -> Result<Option<BuildInfo>, String> {
    const IMAGE_SCN_CNT_INITIALIZED_DATA: u32 = 0x0000_0040;
    const IMAGE_SCN_MEM_READ: u32 = 0x4000_0000;
    const IMAGE_SCN_MEM_WRITE: u32 = 0x8000_0000;
    const IMAGE_SCN_ALIGN_32BYTES: u32 = 0x0060_0000;
    const DATA: u32 = IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE;
    let base = pe.image_base;
    let regions: Vec<Region> = pe
        .sections()
        .filter(|s| s.size_of_raw_data != 0)
        .filter_map(|s| {
            Some(Region {
                addr: base.checked_add(u64::from(s.virtual_address))?,
                offset: u64::from(s.pointer_to_raw_data),
                size: u64::from(s.size_of_raw_data),
            })
        })
        .collect();
    let data = pe.sections().find(|s| {
        s.virtual_address != 0
            && s.size_of_raw_data != 0
            && s.characteristics & !IMAGE_SCN_ALIGN_32BYTES == DATA
    });
    match data {
        Some(s) => match base.checked_add(u64::from(s.virtual_address)) {
            Some(addr) => from_regions(pe.bytes(), &regions, addr, u64::from(s.virtual_size)),
            None => Ok(None),
        },
        None => Ok(None),
    }
}

/// Build info of any executable: ELF, PE, Mach-O (a universal binary's first slice, as Go
/// does). `Ok(None)` for other files, including text; `Err` when a file with an
/// executable's magic is malformed, or its build info is.
pub fn from_bytes(bytes: &[u8]) -> Result<Option<BuildInfo>, String> {
    use crate::target::Format;
    match crate::verify::format::sniff(bytes) {
        Some(Format::Elf) => {
            let elf = ElfFile::parse(bytes).map_err(|e| format!("malformed ELF: {e}"))?;
            from_elf(&elf)
        }
        Some(Format::Pe) => {
            let pe = PeFile::parse(bytes).map_err(|e| format!("malformed PE: {e}"))?;
            from_pe(&pe)
        }
        Some(Format::Macho) => {
            let slices = crate::verify::format::macho::slices(bytes)
                .map_err(|e| format!("malformed Mach-O: {e}"))?;
            let Some((_, slice, offset)) = slices.first() else {
                return Err("universal binary with no slices".into());
            };
            let m = MachFile::parse(slice).map_err(|e| format!("malformed Mach-O: {e}"))?;
            from_macho(&m).map_err(|e| {
                if *offset == 0 {
                    e
                } else {
                    format!("universal binary slice at file offset {offset:#x}: {e}")
                }
            })
        }
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// The module info text.

/// Parses module info text (`runtime/debug.ParseBuildInfo`, minus the Go version): returns
/// the main package path, the main module, the dependencies and the build settings.
///
/// As in Go: lines end in `\n` (a last line without one is ignored), unknown lines are
/// ignored, a `=>` line replaces the module of the latest `mod` or `dep` line that has no
/// replacement yet, and quoted keys and values are unquoted. Errors name the 1-based line.
#[allow(clippy::type_complexity)]
pub fn parse_modinfo(
    text: &str,
) -> Result<(String, Option<Module>, Vec<Module>, Vec<(String, String)>), String> {
    /// Which module a `=>` line would replace.
    #[derive(Clone, Copy)]
    enum Last {
        None,
        Main,
        Dep(usize),
    }
    let mut path = String::new();
    let mut main: Option<Module> = None;
    let mut deps: Vec<Module> = Vec::new();
    let mut settings: Vec<(String, String)> = Vec::new();
    let mut last = Last::None;
    let mut rest = text;
    let mut line_no: usize = 0;
    while let Some((line, tail)) = rest.split_once('\n') {
        rest = tail;
        line_no += 1;
        let fail = |msg: String| format!("line {line_no}: {msg}");
        if let Some(p) = line.strip_prefix("path\t") {
            path = p.to_string();
        } else if let Some(cols) = line.strip_prefix("mod\t") {
            main = Some(module_line(cols).map_err(fail)?);
            last = Last::Main;
        } else if let Some(cols) = line.strip_prefix("dep\t") {
            deps.push(module_line(cols).map_err(fail)?);
            last = Last::Dep(deps.len() - 1);
        } else if let Some(cols) = line.strip_prefix("=>\t") {
            let mut it = cols.split('\t');
            let replacement = match (it.next(), it.next(), it.next(), it.next()) {
                (Some(p), Some(v), Some(s), None) => Module {
                    path: p.to_string(),
                    version: v.to_string(),
                    sum: s.to_string(),
                    replace: None,
                },
                _ => {
                    return Err(fail(format!(
                        "expected 3 columns for replacement; got {}",
                        cols.split('\t').count()
                    )))
                }
            };
            let target = match last {
                Last::Main => main.as_mut(),
                Last::Dep(i) => deps.get_mut(i),
                Last::None => None,
            };
            match target {
                Some(m) => m.replace = Some(Box::new(replacement)),
                None => {
                    return Err(fail(
                        "replacement with no module on previous line".to_string(),
                    ))
                }
            }
            last = Last::None;
        } else if let Some(kv) = line.strip_prefix("build\t") {
            settings.push(build_line(kv).map_err(fail)?);
        }
    }
    Ok((path, main, deps, settings))
}

/// The columns of a `mod` or `dep` line: path, version and, optionally, sum.
fn module_line(cols: &str) -> Result<Module, String> {
    let mut it = cols.split('\t');
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some(p), Some(v), s, None) => Ok(Module {
            path: p.to_string(),
            version: v.to_string(),
            sum: s.unwrap_or("").to_string(),
            replace: None,
        }),
        _ => Err(format!(
            "expected 2 or 3 columns; got {}",
            cols.split('\t').count()
        )),
    }
}

/// Whether Go quotes a build setting key (`runtime/debug.quoteKey`).
pub fn key_needs_quotes(key: &str) -> bool {
    key.is_empty() || key.contains(['=', ' ', '\t', '\r', '\n', '"', '`'])
}

/// Whether Go quotes a build setting value (`runtime/debug.quoteValue`).
pub fn value_needs_quotes(value: &str) -> bool {
    value.contains([' ', '\t', '\r', '\n', '"', '`'])
}

/// The `KEY=VALUE` of a `build` line, unquoted.
fn build_line(kv: &str) -> Result<(String, String), String> {
    let (key, raw_value) = match kv.as_bytes().first() {
        None => return Err("build line missing '='".to_string()),
        Some(b'=') => return Err("build line with missing key".to_string()),
        Some(b'"' | b'`') => {
            let (key, used) =
                unquote_prefix(kv).map_err(|e| format!("invalid quoted key in build line: {e}"))?;
            let after = kv.get(used..).unwrap_or("");
            match after.strip_prefix('=') {
                Some(v) => (key, v),
                None => match after.chars().next() {
                    None => return Err("build line missing '=' after quoted key".to_string()),
                    Some(c) => return Err(format!("unexpected character after quoted key: {c:?}")),
                },
            }
        }
        Some(_) => {
            let Some((key, value)) = kv.split_once('=') else {
                return Err("build line missing '=' after key".to_string());
            };
            if key_needs_quotes(key) {
                return Err(format!("unquoted key {key:?} must be quoted"));
            }
            (key.to_string(), value)
        }
    };
    let value = match raw_value.as_bytes().first() {
        Some(b'"' | b'`') => {
            unquote(raw_value).map_err(|e| format!("invalid quoted value in build line: {e}"))?
        }
        _ => {
            if value_needs_quotes(raw_value) {
                return Err(format!("unquoted value {raw_value:?} must be quoted"));
            }
            raw_value.to_string()
        }
    };
    Ok((key, value))
}

/// Unquotes a whole Go string literal, `"..."` or `` `...` `` (`strconv.Unquote`).
pub fn unquote(s: &str) -> Result<String, String> {
    let (value, used) = unquote_prefix(s)?;
    if used != s.len() {
        return Err(format!(
            "unexpected text after the closing quote at byte {used}"
        ));
    }
    Ok(value)
}

/// Unquotes the Go string literal at the start of `s` (`strconv.QuotedPrefix` plus
/// `strconv.Unquote`): the value and the length of the literal.
///
/// Double-quoted: `\a \b \f \n \r \t \v \\ \"`, `\xNN`, `\NNN` (octal, at most 255),
/// `\uNNNN`, `\UNNNNNNNN` (valid Unicode scalar values only); no raw newline; `\'` is an
/// error. Back-quoted: taken verbatim, carriage returns dropped. `\x` and octal escapes make
/// single bytes; a result that is not UTF-8 is converted lossily (U+FFFD), since keys and
/// values are Rust strings.
pub fn unquote_prefix(s: &str) -> Result<(String, usize), String> {
    let b = s.as_bytes();
    match b.first() {
        Some(b'`') => {
            let Some(close) = b.iter().skip(1).position(|&c| c == b'`') else {
                return Err("back-quoted string has no closing back quote".to_string());
            };
            let body = s.get(1..1 + close).unwrap_or("");
            Ok((body.replace('\r', ""), close + 2))
        }
        Some(b'"') => {
            let mut out: Vec<u8> = Vec::with_capacity(s.len());
            let mut i = 1;
            loop {
                let Some(&c) = b.get(i) else {
                    return Err("quoted string has no closing quote".to_string());
                };
                match c {
                    b'"' => break,
                    b'\n' => return Err(format!("raw newline at byte {i} in a quoted string")),
                    b'\\' => {
                        i = unescape(b, i, &mut out)?;
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            let value = match String::from_utf8(out) {
                Ok(v) => v,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            Ok((value, i + 1))
        }
        _ => Err("not a quoted string".to_string()),
    }
}

/// Decodes the escape at `b[at]` (a backslash) into `out`; returns the index after it.
fn unescape(b: &[u8], at: usize, out: &mut Vec<u8>) -> Result<usize, String> {
    let bad = |what: &str| format!("{what} at byte {at}");
    let Some(&c) = b.get(at + 1) else {
        return Err(bad("backslash at the end"));
    };
    let simple = match c {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'"' => Some(b'"'),
        _ => None,
    };
    if let Some(v) = simple {
        out.push(v);
        return Ok(at + 2);
    }
    let digits = |n: usize, radix: u32| -> Result<u32, String> {
        let raw = b.get(at + 2..at + 2 + n).ok_or_else(|| {
            bad(&format!(
                "escape \\{} needs {n} digits",
                char::from(c).escape_default()
            ))
        })?;
        raw.iter().try_fold(0u32, |acc, &d| {
            char::from(d)
                .to_digit(radix)
                .map(|v| acc * radix + v)
                .ok_or_else(|| bad(&format!("bad digit {:?} in escape", char::from(d))))
        })
    };
    match c {
        b'x' => {
            let v = digits(2, 16)?;
            out.push(v as u8);
            Ok(at + 4)
        }
        b'u' | b'U' => {
            let n = if c == b'u' { 4 } else { 8 };
            let v = digits(n, 16)?;
            let ch = char::from_u32(v)
                .ok_or_else(|| bad(&format!("escape U+{v:04X} is not a Unicode scalar value")))?;
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            Ok(at + 2 + n)
        }
        b'0'..=b'7' => {
            let raw = b
                .get(at + 1..at + 4)
                .ok_or_else(|| bad("octal escape needs 3 digits"))?;
            let v = raw.iter().try_fold(0u32, |acc, &d| match d {
                b'0'..=b'7' => Ok(acc * 8 + u32::from(d - b'0')),
                _ => Err(bad(&format!(
                    "bad digit {:?} in octal escape",
                    char::from(d)
                ))),
            })?;
            let v = u8::try_from(v).map_err(|_| bad(&format!("octal escape {v:o} is over 255")))?;
            out.push(v);
            Ok(at + 4)
        }
        _ => Err(bad(&format!(
            "unknown escape \\{}",
            char::from(c).escape_default()
        ))),
    }
}

/// Quotes `s` as Go's `strconv.Quote` does, for rendering build settings. Exact for ASCII;
/// for other characters Go's `unicode.IsPrint` is approximated (controls, non-ASCII spaces,
/// common format characters and private use are escaped).
pub fn quote(s: &str) -> String {
    use fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` for non-ASCII characters.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    !(c.is_control()
        || c.is_whitespace()
        || matches!(u,
            0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f
            | 0x202a..=0x202e | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb
            | 0xe000..=0xf8ff | 0xe0001 | 0xe0020..=0xe007f | 0xf0000..)
        || u & 0xfffe == 0xfffe)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cmd/go/internal/modload.infoStart` and `infoEnd`.
    const INFO_START: &[u8; 16] =
        b"\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6";
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
        let (path, main, _, _) =
            parse_modinfo("path\trsc.io/fortune\nmod\trsc.io/fortune\tv1.0.0\n")
                .expect("case outside a module");
        assert_eq!(path, "rsc.io/fortune");
        assert_eq!(main, Some(module("rsc.io/fortune", "v1.0.0", "")));
        // No newline: the only line is ignored.
        let r = parse_modinfo("path\tcmd/test2json").expect("case no newline");
        assert_eq!(r.0, "", "case no newline");
        // The go line is not module info; it is ignored.
        let (path, main, _, settings) =
            parse_modinfo("go\t1.18\npath\texample.com/m\nbuild\t-compiler=gc\n")
                .expect("case GOPATH");
        assert_eq!((path.as_str(), main), ("example.com/m", None));
        assert_eq!(settings, vec![("-compiler".into(), "gc".into())]);
        // Space-separated lines are unknown lines, also ignored.
        let r =
            parse_modinfo("go 1.18\npath example.com/m\nbuild CRAZY_ENV=\"requires\\nescaping\"\n")
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
        let got =
            from_regions(&bytes, &regions, 0x8000, blob.len() as u64).expect("case no modinfo");
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
                let (bytes, regions, addr) =
                    pointer_image(ptr_size, big, "go1.17.13", &framed(HELLO));
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
                    err.starts_with(
                        "build info at file offset 0x200: Go version data at address 0x7f"
                    ),
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
        assert_eq!(err, "build info at file offset 0x200: pointer size 2 at file offset 0x20e is neither 4 nor 8");
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
}
