//! Function names from Go's pclntab (`runtime.pcHeader` and the tables after it), which the
//! linker keeps even in `-s -w` builds, read the way `debug/gosym` reads them but bounded.
//!
//! The table starts with a header: a 4-byte magic whose value gives the layout and, read in
//! either byte order, the endianness (`0xfffffffb` Go 1.2-1.15, `0xfffffffa` Go 1.16-1.17,
//! `0xfffffff0` Go 1.18-1.19, `0xfffffff1` Go 1.20+), two zero bytes, the minimum
//! instruction size (1, 2 or 4) and the pointer size (4 or 8). Then, for Go 1.16+, pointer-
//! sized words: the function count, the file count, (1.18+: the unused text start), and the
//! offsets from the header of the function-name table, the compilation-unit table, the file
//! table, the pc tables and the function table. Go 1.2-1.15 has only the function count, and
//! the function table right after it. The function table holds `nfunc` pairs (entry, offset of
//! the function's `_func`) plus a final entry; pointer-sized before 1.18, 32-bit since. A
//! `_func` starts with its entry (pointer-sized before 1.18, 32-bit since) and then the
//! 32-bit offset of its name in the name table (the whole pclntab before 1.16). Names are
//! NUL-terminated. Sources: `debug/gosym/pclntab.go`, `internal/abi/symtab.go`,
//! `runtime/symtab.go` and `cmd/link/internal/ld/pcln.go` in Go's tree.
//!
//! Only the function table and the name table are read: no pc tables, no files, nothing
//! copied. The table is found by section name (`.gopclntab`, `.data.rel.ro.gopclntab` in
//! ELF; `__gopclntab` in Mach-O), by the `runtime.pclntab` symbol in PE, and otherwise by a
//! scan for the magic whose candidates must pass the header checks. Work is linear in the
//! size of the table: the function count is bounded by the bytes that hold the table, at
//! most [`MAX_FUNCS`] names are read, each at most [`MAX_NAME`] bytes, and all of them
//! together at most [`name_budget`] bytes. Malformed input is an error naming the offset,
//! never a panic.

use crate::verify::format::bytes::Bytes;
use crate::verify::format::elf_file::{ElfFile, PT_LOAD, SHT_NOBITS};
use crate::verify::format::macho::{fixed_name, MachFile};
use crate::verify::format::pe::PeFile;

/// At most this many function names are read (cmd/compile has about 30 000; the largest
/// Go binaries known a few hundred thousand).
pub const MAX_FUNCS: usize = 2_000_000;
/// The longest function name read, in bytes. Long generic instantiations reach a few KiB.
pub const MAX_NAME: usize = 64 * 1024;
/// At most this many magic candidates are tried by a scan before giving up.
const MAX_CANDIDATES: usize = 4096;

/// The pclntab layouts, by the Go releases that wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// Go 1.2 through 1.15, magic `0xfffffffb`.
    Go12,
    /// Go 1.16 and 1.17, magic `0xfffffffa`.
    Go116,
    /// Go 1.18 and 1.19, magic `0xfffffff0`.
    Go118,
    /// Go 1.20 and later, magic `0xfffffff1`.
    Go120,
}

impl Version {
    fn from_magic(m: u32) -> Option<Version> {
        match m {
            0xffff_fffb => Some(Version::Go12),
            0xffff_fffa => Some(Version::Go116),
            0xffff_fff0 => Some(Version::Go118),
            0xffff_fff1 => Some(Version::Go120),
            _ => None,
        }
    }

    /// The releases that write this layout, e.g. "go1.20+".
    pub fn releases(self) -> &'static str {
        match self {
            Version::Go12 => "go1.2-1.15",
            Version::Go116 => "go1.16-1.17",
            Version::Go118 => "go1.18-1.19",
            Version::Go120 => "go1.20+",
        }
    }
}

/// A malformed pclntab: what failed, at which file offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PclnError {
    /// File offset of the item that could not be read.
    pub offset: u64,
    /// What failed, naming the offset in hex.
    pub message: String,
}

impl PclnError {
    fn at(offset: u64, message: impl std::fmt::Display) -> PclnError {
        PclnError {
            offset,
            message: format!("pclntab: {message} at file offset {offset:#x}"),
        }
    }
}

impl std::fmt::Display for PclnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PclnError {}

/// A parsed pclntab header with its function and name tables located (nothing else read).
#[derive(Debug, Clone, Copy)]
pub struct Pclntab<'a> {
    pub version: Version,
    pub big_endian: bool,
    pub ptr_size: u8,
    /// Minimum instruction size ("pc quantum").
    pub quantum: u8,
    /// Number of functions in the table.
    pub nfunc: usize,
    /// File offset of the header.
    pub offset: u64,
    /// The table, from the header to the end of its section.
    data: &'a [u8],
    /// Offset (in `data`) of the function table.
    functab: usize,
    /// Offset (in `data`) that `_func` offsets are relative to.
    funcdata: usize,
    /// Offset (in `data`) and length of the name table.
    names: usize,
    names_len: usize,
}

/// The header checks every candidate must pass: two zero bytes, a pc quantum of 1, 2 or 4,
/// a pointer size of 4 or 8, and a known magic. Returns the version and endianness.
fn header_ok(h: &[u8]) -> Option<(Version, bool)> {
    let h = h.get(..8)?;
    if h[4] != 0 || h[5] != 0 || !matches!(h[6], 1 | 2 | 4) || !matches!(h[7], 4 | 8) {
        return None;
    }
    let le = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
    let be = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
    // The magics read differently in the two byte orders, so at most one matches.
    if let Some(v) = Version::from_magic(le) {
        return Some((v, false));
    }
    Version::from_magic(be).map(|v| (v, true))
}

impl<'a> Pclntab<'a> {
    /// Parses the header at the start of `data` (the table's bytes to the end of its section,
    /// found at file offset `offset`) and checks that the function table and name table it
    /// points to lie within `data`.
    pub fn parse(data: &'a [u8], offset: u64) -> Result<Pclntab<'a>, PclnError> {
        let at = |rel: usize| offset.saturating_add(rel as u64);
        if data.len() < 16 {
            return Err(PclnError::at(
                offset,
                format!("header needs 16 bytes, {} remain", data.len()),
            ));
        }
        let Some((version, big_endian)) = header_ok(data) else {
            let head: Vec<String> = data.iter().take(8).map(|b| format!("{b:02x}")).collect();
            return Err(PclnError::at(
                offset,
                format!(
                    "no pclntab header (magic 0xfffffffb/fa/f0/f1, 0, 0, quantum 1/2/4, pointer size 4/8): found {}",
                    head.join(" ")
                ),
            ));
        };
        let quantum = data[6];
        let ptr_size = data[7];
        let ps = usize::from(ptr_size);
        let word = |i: usize| -> Result<u64, PclnError> {
            let rel = 8 + i * ps;
            read_uint(data, rel, ps, big_endian)
                .ok_or_else(|| PclnError::at(at(rel), "header word past the end of the table"))
        };
        let to_off = |v: u64, rel: usize, what: &str| -> Result<usize, PclnError> {
            usize::try_from(v)
                .ok()
                .filter(|&o| o <= data.len())
                .ok_or_else(|| {
                    PclnError::at(
                        at(rel),
                        format!(
                            "{what} offset {v:#x} is past the end of the table ({:#x} bytes)",
                            data.len()
                        ),
                    )
                })
        };
        let nfunc_raw = word(0)?;
        let (field, functab, funcdata, names, names_end) = match version {
            Version::Go12 => {
                let functab = 8 + ps;
                (ps, functab, 0, 0, data.len())
            }
            Version::Go116 | Version::Go118 | Version::Go120 => {
                // Word indexes of funcnameOffset and pclnOffset; cuOffset follows the names.
                let (name_w, pcln_w) = if version == Version::Go116 {
                    (2, 6)
                } else {
                    (3, 7)
                };
                let names = to_off(word(name_w)?, 8 + name_w * ps, "function name table")?;
                let cu = to_off(word(name_w + 1)?, 8 + (name_w + 1) * ps, "cu table")?;
                let pcln = to_off(word(pcln_w)?, 8 + pcln_w * ps, "function table")?;
                if cu < names {
                    return Err(PclnError::at(
                        at(8 + (name_w + 1) * ps),
                        format!("cu table offset {cu:#x} is before the function name table at {names:#x}"),
                    ));
                }
                let field = if version == Version::Go116 { ps } else { 4 };
                (field, pcln, pcln, names, cu)
            }
        };
        // The function table: nfunc (entry, funcoff) pairs and one final entry.
        let room = data.len().saturating_sub(functab) / field;
        let nfunc = usize::try_from(nfunc_raw)
            .ok()
            .filter(|&n| n.checked_mul(2).and_then(|m| m.checked_add(1)).is_some_and(|m| m <= room))
            .ok_or_else(|| {
                PclnError::at(
                    at(8),
                    format!(
                        "function count {nfunc_raw} does not fit: the function table at {:#x} has room for {} entries",
                        at(functab),
                        room.saturating_sub(1) / 2
                    ),
                )
            })?;
        if nfunc > MAX_FUNCS {
            return Err(PclnError::at(
                at(8),
                format!("function count {nfunc} is over the limit of {MAX_FUNCS}"),
            ));
        }
        Ok(Pclntab {
            version,
            big_endian,
            ptr_size,
            quantum,
            nfunc,
            offset,
            data,
            functab,
            funcdata,
            names,
            names_len: names_end - names,
        })
    }

    /// Size in bytes of a function-table field.
    fn field(&self) -> usize {
        match self.version {
            Version::Go12 | Version::Go116 => usize::from(self.ptr_size),
            Version::Go118 | Version::Go120 => 4,
        }
    }

    /// The name table from the `i`th function's name on (`i < nfunc`): the name, its NUL
    /// and whatever follows. Reads two table entries; does not look for the NUL.
    pub fn name_from(&self, i: usize) -> Result<&'a [u8], PclnError> {
        let at = |rel: usize| self.offset.saturating_add(rel as u64);
        if i >= self.nfunc {
            return Err(PclnError::at(
                at(self.functab),
                format!("function {i} asked of a table of {}", self.nfunc),
            ));
        }
        let field = self.field();
        let slot = i
            .checked_mul(2)
            .and_then(|x| x.checked_add(1))
            .and_then(|x| x.checked_mul(field))
            .and_then(|x| x.checked_add(self.functab))
            .unwrap_or(usize::MAX);
        let funcoff = read_uint(self.data, slot, field, self.big_endian).ok_or_else(|| {
            PclnError::at(
                at(slot.min(self.data.len())),
                format!("function {i}: entry past the table"),
            )
        })?;
        // nameOff follows the entry: pointer-sized before 1.18, 32-bit since.
        let entry_size = field as u64;
        let name_field = u64::try_from(self.funcdata)
            .ok()
            .and_then(|f| f.checked_add(funcoff))
            .and_then(|f| f.checked_add(entry_size))
            .and_then(|f| usize::try_from(f).ok())
            .filter(|&f| f.checked_add(4).is_some_and(|e| e <= self.data.len()))
            .ok_or_else(|| {
                PclnError::at(
                    at(slot),
                    format!("function {i}: _func offset {funcoff:#x} is past the end of the table"),
                )
            })?;
        let nameoff = read_uint(self.data, name_field, 4, self.big_endian).unwrap_or(u64::MAX);
        let name_start = usize::try_from(nameoff)
            .ok()
            .filter(|&n| n < self.names_len)
            .ok_or_else(|| {
                PclnError::at(
                    at(name_field),
                    format!(
                        "function {i}: name offset {nameoff:#x} is outside the name table ({:#x} bytes)",
                        self.names_len
                    ),
                )
            })?;
        Ok(&self.data[self.names + name_start..self.names + self.names_len])
    }

    /// The NUL-terminated name at the start of `rest` (from [`Pclntab::name_from`] for
    /// function `i`), at most [`MAX_NAME`] bytes.
    pub fn terminated(&self, i: usize, rest: &'a [u8]) -> Result<&'a [u8], PclnError> {
        let window = &rest[..rest.len().min(MAX_NAME + 1)];
        match window.iter().position(|&b| b == 0) {
            Some(n) => Ok(&window[..n]),
            None => {
                let start = (self.names + self.names_len).saturating_sub(rest.len());
                Err(PclnError::at(
                    self.offset.saturating_add(start as u64),
                    if window.len() > MAX_NAME {
                        format!("function {i}: name longer than {MAX_NAME} bytes")
                    } else {
                        format!("function {i}: name runs off the end of the name table")
                    },
                ))
            }
        }
    }

    /// The `i`th function's name (`i < nfunc`).
    pub fn name(&self, i: usize) -> Result<&'a [u8], PclnError> {
        let rest = self.name_from(i)?;
        self.terminated(i, rest)
    }

    /// Size in bytes of the table (header to the end of its section).
    pub fn table_len(&self) -> usize {
        self.data.len()
    }

    /// Every function name, in table order. Stops with an error at the first malformed entry
    /// or when the names read together exceed [`name_budget`] bytes.
    pub fn names(&self) -> Names<'a> {
        Names {
            tab: *self,
            next: 0,
            budget: name_budget(self.data.len()),
            failed: false,
        }
    }
}

/// How many name bytes may be scanned for a table of `len` bytes: twice the table plus
/// 1 MiB. Real tables store each name once, so their names add up to less than the table;
/// a hostile one pointing every function at one long name stops here.
pub fn name_budget(len: usize) -> usize {
    len.saturating_mul(2).saturating_add(1 << 20)
}

/// The iterator of [`Pclntab::names`].
#[derive(Debug, Clone)]
pub struct Names<'a> {
    tab: Pclntab<'a>,
    next: usize,
    budget: usize,
    failed: bool,
}

impl<'a> Iterator for Names<'a> {
    type Item = Result<&'a [u8], PclnError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.next >= self.tab.nfunc {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let r = self.tab.name(i).and_then(|n| {
            self.budget = self.budget.checked_sub(n.len() + 1).ok_or_else(|| {
                PclnError::at(
                    self.tab.offset,
                    format!(
                        "function names add up to more than {} bytes by function {i}: the table is malformed",
                        name_budget(self.tab.data.len())
                    ),
                )
            })?;
            Ok(n)
        });
        if r.is_err() {
            self.failed = true;
        }
        Some(r)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.tab.nfunc.saturating_sub(self.next)))
    }
}

/// An unsigned integer of `size` (4 or 8) bytes at `at`; `None` past the end.
fn read_uint(data: &[u8], at: usize, size: usize, big_endian: bool) -> Option<u64> {
    Bytes::new(data, big_endian).uint(at as u64, size as u64)
}

// ---------------------------------------------------------------------------------------------
// Locating the table.

/// A file range that may hold the table: `len` bytes from file offset `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    offset: u64,
    len: u64,
}

impl Span {
    fn new(offset: u64, len: u64) -> Span {
        Span { offset, len }
    }
}

/// The table that fills `span` (a section or a symbol's range, named `what` in errors).
fn table_in<'a>(bytes: &'a [u8], span: Span, what: &str) -> Result<Option<Pclntab<'a>>, PclnError> {
    let data = span_bytes(bytes, span, what)?;
    Pclntab::parse(data, span.offset).map(Some)
}

/// The bytes of a span, or an error when it runs past the end of the file.
fn span_bytes<'a>(bytes: &'a [u8], s: Span, what: &str) -> Result<&'a [u8], PclnError> {
    let start = usize::try_from(s.offset).ok();
    let end = start.and_then(|a| a.checked_add(usize::try_from(s.len).ok()?));
    match (start, end) {
        (Some(a), Some(e)) if e <= bytes.len() => Ok(&bytes[a..e]),
        _ => Err(PclnError::at(
            s.offset,
            format!(
                "{what} of {:#x} bytes runs past the end of the file ({:#x} bytes)",
                s.len,
                bytes.len()
            ),
        )),
    }
}

/// Scans the spans for a header that passes [`header_ok`] and [`Pclntab::parse`] and whose
/// first function name is readable, at 4-byte aligned file offsets. `Ok(None)` when none.
fn scan<'a>(
    bytes: &'a [u8],
    spans: impl IntoIterator<Item = Span>,
) -> Result<Option<Pclntab<'a>>, PclnError> {
    let mut tried = 0;
    for s in spans {
        // A span past the end is cut to the file; scanning is best effort.
        let start = usize::try_from(s.offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let end = usize::try_from(s.offset.saturating_add(s.len))
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let Some(region) = bytes.get(start..end) else {
            continue;
        };
        let mut i = (4 - start % 4) % 4;
        while i + 16 <= region.len() {
            let h = &region[i..];
            // The magic's three 0xff bytes sit at 1..4 (little endian) or 0..3 (big).
            if (h[1] == 0xff && h[2] == 0xff) && header_ok(h).is_some() {
                tried += 1;
                if let Ok(t) = Pclntab::parse(h, (start + i) as u64) {
                    if t.nfunc > 0 && t.name(0).is_ok_and(|n| !n.is_empty()) {
                        return Ok(Some(t));
                    }
                }
                if tried >= MAX_CANDIDATES {
                    return Ok(None);
                }
            }
            i += 4;
        }
    }
    Ok(None)
}

/// The table of an ELF file: the `.gopclntab` (or `.data.rel.ro.gopclntab`) section, else
/// (when `scan`) a scan of the `PT_LOAD` segments. `Ok(None)` when there is none (not a Go
/// binary). Callers pass `scan` only for files known to be Go (they have build info), so a
/// large C binary is never scanned.
pub fn from_elf<'a>(
    elf: &ElfFile<'a>,
    scan_segments: bool,
) -> Result<Option<Pclntab<'a>>, PclnError> {
    let bytes = elf.bytes();
    let named = elf.find(|s| {
        s.sh_type != SHT_NOBITS
            && (elf.name_is(s, ".gopclntab") || elf.name_is(s, ".data.rel.ro.gopclntab"))
    });
    if let Some(s) = named {
        let span = Span::new(s.sh_offset, s.sh_size);
        return table_in(bytes, span, "section .gopclntab");
    }
    if !scan_segments {
        return Ok(None);
    }
    let loads = elf
        .segments()
        .filter(|p| p.p_type == PT_LOAD && p.p_filesz != 0);
    scan(bytes, loads.map(|p| Span::new(p.p_offset, p.p_filesz)))
}

/// The table of a thin Mach-O file (or slice): the `__gopclntab` section (its address
/// translated to a file offset through its segment), else (when `scan_segments`) a scan
/// of the segments.
pub fn from_macho<'a>(
    macho: &MachFile<'a>,
    scan_segments: bool,
) -> Result<Option<Pclntab<'a>>, PclnError> {
    let bytes = macho.bytes();
    for seg in &macho.segments {
        for sec in macho.sections(seg) {
            if fixed_name(&sec.name) == b"__gopclntab" {
                let Some(offset) = sec
                    .addr
                    .checked_sub(seg.vmaddr)
                    .and_then(|d| d.checked_add(seg.fileoff))
                else {
                    continue;
                };
                return table_in(bytes, Span::new(offset, sec.size), "section __gopclntab");
            }
        }
    }
    if !scan_segments {
        return Ok(None);
    }
    let segments = macho.segments.iter();
    let mapped = segments.filter(|s| s.filesize != 0 && fixed_name(&s.name) != b"__PAGEZERO");
    scan(bytes, mapped.map(|s| Span::new(s.fileoff, s.filesize)))
}

/// The table of a PE file: from the `runtime.pclntab` to the `runtime.epclntab` COFF symbol
/// when the symbol table has them (as Go's `cmd/internal/objfile` reads it), else (when
/// `scan_sections`) a scan of the sections' raw data.
pub fn from_pe<'a>(pe: &PeFile<'a>, scan_sections: bool) -> Result<Option<Pclntab<'a>>, PclnError> {
    let bytes = pe.bytes();
    let spans: Vec<Span> = pe
        .sections()
        .filter(|s| s.size_of_raw_data != 0)
        .map(|s| {
            Span::new(
                u64::from(s.pointer_to_raw_data),
                u64::from(s.size_of_raw_data),
            )
        })
        .collect();
    let table = (pe.pointer_to_symbols, pe.number_of_symbols);
    if let (Some(start), Some(end)) = (
        coff_symbol(bytes, table, "runtime.pclntab"),
        coff_symbol(bytes, table, "runtime.epclntab"),
    ) {
        if start.0 == end.0 && start.1 <= end.1 {
            if let Some(sect) = spans.get(usize::from(start.0).wrapping_sub(1)) {
                let offset = sect.offset.saturating_add(u64::from(start.1));
                let span = Span::new(offset, u64::from(end.1 - start.1));
                return table_in(bytes, span, "runtime.pclntab");
            }
        }
    }
    if !scan_sections {
        return Ok(None);
    }
    scan(bytes, spans)
}

/// The (1-based section number, value) of a COFF symbol by name, reading the symbol table
/// ourselves: 18-byte records bounded by the file, names inline or in the string table
/// after the records. `None` when absent or unreadable.
fn coff_symbol(bytes: &[u8], (pointer, number): (u32, u32), want: &str) -> Option<(u16, u32)> {
    const REC: usize = 18;
    let start = usize::try_from(pointer).ok()?;
    let count = usize::try_from(number).ok()?;
    if start == 0 || count == 0 {
        return None;
    }
    let table = bytes.get(start..start.checked_add(count.checked_mul(REC)?)?)?;
    let strtab = bytes.get(start + table.len()..).unwrap_or(&[]);
    let want = want.as_bytes();
    let mut i = 0;
    while i < count {
        let rec = table.get(i * REC..(i + 1) * REC)?;
        let name: &[u8] = if rec[..4] == [0, 0, 0, 0] {
            let off = usize::try_from(u32::from_le_bytes([rec[4], rec[5], rec[6], rec[7]])).ok()?;
            let s = strtab.get(off..).unwrap_or(&[]);
            let n = s.iter().take(want.len() + 1).position(|&b| b == 0);
            n.map_or(&[][..], |n| &s[..n])
        } else {
            let raw = &rec[..8];
            &raw[..raw.iter().position(|&b| b == 0).unwrap_or(8)]
        };
        if name == want {
            let value = u32::from_le_bytes([rec[8], rec[9], rec[10], rec[11]]);
            let section = i16::from_le_bytes([rec[12], rec[13]]);
            return u16::try_from(section).ok().map(|s| (s, value));
        }
        i += 1 + usize::from(rec[17]);
    }
    None
}

/// The table of any executable: ELF, PE or thin Mach-O. `Ok(None)` when the file has
/// none or is not an executable the bounded readers accept.
pub fn from_bytes(bytes: &[u8]) -> Result<Option<Pclntab<'_>>, PclnError> {
    use crate::target::Format;
    match crate::verify::format::sniff(bytes) {
        Some(Format::Elf) => match ElfFile::parse(bytes) {
            Ok(elf) => from_elf(&elf, true),
            Err(_) => Ok(None),
        },
        Some(Format::Pe) => match PeFile::parse(bytes) {
            Ok(pe) => from_pe(&pe, true),
            Err(_) => Ok(None),
        },
        Some(Format::Macho) => match MachFile::parse(bytes) {
            Ok(m) => from_macho(&m, true),
            Err(_) => Ok(None),
        },
        _ => Ok(None),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A Go 1.20-layout table with the given names, 64-bit little endian unless `big`.
    pub(crate) fn synth(version: Version, ptr: u8, big: bool, names: &[&str]) -> Vec<u8> {
        let ps = usize::from(ptr);
        let put = |v: &mut Vec<u8>, x: u64, n: usize| {
            let b = x.to_be_bytes();
            let b = &b[8 - n..];
            if big {
                v.extend_from_slice(b);
            } else {
                v.extend(b.iter().rev());
            }
        };
        let magic: u32 = match version {
            Version::Go12 => 0xffff_fffb,
            Version::Go116 => 0xffff_fffa,
            Version::Go118 => 0xffff_fff0,
            Version::Go120 => 0xffff_fff1,
        };
        let mut name_table = Vec::new();
        let mut name_offs = Vec::new();
        for n in names {
            name_offs.push(name_table.len());
            name_table.extend_from_slice(n.as_bytes());
            name_table.push(0);
        }
        let nf = names.len();
        let mut out = Vec::new();
        put(&mut out, u64::from(magic), 4);
        out.extend_from_slice(&[0, 0, 4, ptr]);
        match version {
            Version::Go12 => {
                // header(8+ps) | functab (2n+1)*ps | u32 filetab | _funcs | names
                let functab = 8 + ps;
                let funcs = functab + (2 * nf + 1) * ps + 4;
                let func_size = ps + 4;
                let names_at = funcs + nf * func_size;
                put(&mut out, nf as u64, ps);
                for i in 0..nf {
                    put(&mut out, 0x1000 + i as u64 * 16, ps);
                    put(&mut out, (funcs + i * func_size) as u64, ps);
                }
                put(&mut out, 0x1000 + nf as u64 * 16, ps);
                put(&mut out, 0, 4);
                for off in &name_offs {
                    put(&mut out, 0x1000, ps);
                    put(&mut out, (names_at + off) as u64, 4);
                }
                out.extend_from_slice(&name_table);
            }
            _ => {
                let words = if version == Version::Go116 { 7 } else { 8 };
                let field = if version == Version::Go116 { ps } else { 4 };
                let names_at = 8 + words * ps;
                let cu = names_at + name_table.len();
                let functab = cu;
                let funcs_rel = (2 * nf + 1) * field;
                let func_size = field + 4;
                let mut hdr = vec![nf as u64, 0];
                if version != Version::Go116 {
                    hdr.push(0);
                }
                hdr.extend([
                    names_at as u64,
                    cu as u64,
                    cu as u64,
                    cu as u64,
                    functab as u64,
                ]);
                for w in hdr {
                    put(&mut out, w, ps);
                }
                out.extend_from_slice(&name_table);
                for i in 0..nf {
                    put(&mut out, i as u64 * 16, field);
                    put(&mut out, (funcs_rel + i * func_size) as u64, field);
                }
                put(&mut out, nf as u64 * 16, field);
                for off in &name_offs {
                    put(&mut out, 0, field);
                    put(&mut out, *off as u64, 4);
                }
            }
        }
        out
    }

    fn all(t: &Pclntab) -> Result<Vec<String>, PclnError> {
        t.names()
            .map(|r| r.map(|n| String::from_utf8_lossy(n).into_owned()))
            .collect()
    }

    /// Every layout, pointer size and byte order a table may have.
    fn layouts() -> impl Iterator<Item = (Version, u8, bool)> {
        let versions = [
            Version::Go12,
            Version::Go116,
            Version::Go118,
            Version::Go120,
        ];
        versions.into_iter().flat_map(|v| {
            [(4u8, false), (4, true), (8, false), (8, true)].map(|(ptr, big)| (v, ptr, big))
        })
    }

    #[test]
    fn every_layout_pointer_size_and_byte_order_reads_back() {
        let names = ["runtime.main", "main.main", "crypto/x509.loadSystemRoots"];
        for (v, ptr, big) in layouts() {
            let data = synth(v, ptr, big, &names);
            let case = format!("{v:?} ptr {ptr} big {big}");
            let t = Pclntab::parse(&data, 0x40).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!(
                (t.version, t.big_endian, t.ptr_size),
                (v, big, ptr),
                "{case}"
            );
            assert_eq!(all(&t).unwrap(), names, "{case}");
            // And the scan finds it inside other bytes.
            let mut padded = vec![0x55u8; 64];
            padded.extend_from_slice(&data);
            let found = scan(&padded, [Span::new(0, padded.len() as u64)])
                .unwrap()
                .unwrap_or_else(|| panic!("{case}: scan found nothing"));
            assert_eq!(found.offset, 64, "{case}");
        }
    }

    #[test]
    fn truncations_and_corruptions_are_errors_with_offsets_never_panics() {
        for (v, ptr, big) in layouts() {
            let data = synth(v, ptr, big, &["a.b", "c.d"]);
            // Every truncation and every single-byte corruption.
            for cut in 0..data.len() {
                if let Ok(t) = Pclntab::parse(&data[..cut], 0) {
                    for r in t.names() {
                        if let Err(e) = r {
                            assert!(e.message.contains("0x"), "{e}");
                        }
                    }
                }
            }
            for i in 0..data.len() {
                for x in [0x00, 0x7f, 0x80, 0xff] {
                    let mut d = data.clone();
                    d[i] = x;
                    if let Ok(t) = Pclntab::parse(&d, 0) {
                        let _ = t.names().count();
                    }
                }
            }
        }
        let e = Pclntab::parse(b"not a pclntab at all", 0x100).unwrap_err();
        assert_eq!(e.offset, 0x100);
        assert!(e.message.contains("0x100"), "{e}");
    }

    #[test]
    fn names_past_the_count_are_errors() {
        let data = synth(Version::Go120, 8, false, &["a.b"]);
        let t = Pclntab::parse(&data, 0).unwrap();
        for i in [1, 2, usize::MAX / 2, usize::MAX] {
            assert!(t.name(i).is_err(), "function {i}");
        }
    }

    #[test]
    fn huge_counts_are_bounded_by_the_bytes_that_hold_them() {
        let mut data = synth(Version::Go120, 8, false, &["x.y"]);
        data[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        let e = Pclntab::parse(&data, 0).unwrap_err();
        assert!(e.message.contains("function count"), "{e}");
        assert_eq!(e.offset, 8);
    }

    #[test]
    fn shared_long_names_stop_at_the_budget() {
        // Every function points at one long name: the budget, not the count, stops it.
        let long = "p.".to_string() + &"x".repeat(60_000);
        let names: Vec<&str> = vec![long.as_str(); 1];
        let mut data = synth(Version::Go120, 8, false, &names);
        // Grow the function table: 100 functions all at _func 0 (name offset 0).
        let nf = 100usize;
        let cu = u64::from_le_bytes(data[8 + 4 * 8..8 + 5 * 8].try_into().unwrap()) as usize;
        data.truncate(cu);
        for _ in 0..nf {
            data.extend_from_slice(&0u32.to_le_bytes());
            data.extend_from_slice(&((2 * nf as u32 + 1) * 4).to_le_bytes());
        }
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&0u32.to_le_bytes());
        data[8..16].copy_from_slice(&(nf as u64).to_le_bytes());
        let t = Pclntab::parse(&data, 0).unwrap();
        let results: Vec<_> = t.names().collect();
        assert!(results.len() < nf, "{} names read", results.len());
        let last = results.last().unwrap().as_ref().unwrap_err();
        assert!(last.message.contains("add up to more than"), "{last}");
    }

    #[test]
    fn a_name_without_its_nul_is_an_error() {
        let mut data = synth(Version::Go118, 8, false, &["abc"]);
        let names_at = 8 + 8 * 8;
        data[names_at + 3] = b'd'; // the NUL, now part of the cu table
        let cu = names_at + 4;
        // Make the name table end right there.
        let t = Pclntab::parse(&data, 0).unwrap();
        let e = t.name(0).unwrap_err();
        assert!(
            e.message.contains("runs off the end"),
            "{e} (cu at {cu:#x})"
        );
    }
}
