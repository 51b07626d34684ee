//! A bounded, lazy ELF reader: the header, the program and section header tables, section
//! names and contents, the dynamic segment and the version needs. It reads only what the
//! checks ask for, when they ask: the symbol table and its strings, relocations and hash
//! tables are never touched, so verifying a 30 MB unstripped binary reads a few pages.
//!
//! Every count taken from the file is bounded by the bytes that hold its entries (a table
//! that runs past the end of the file makes it malformed, with the offset), nothing is
//! copied into a collection whose size the file chooses, and strings are looked for
//! within a fixed length.

use super::bytes::{cstr, name_text, text, Bytes};
use super::{Malformed, MAX_LIST, MAX_TEXT};

pub const PT_LOAD: u32 = 1;
pub const PT_DYNAMIC: u32 = 2;
pub const PT_INTERP: u32 = 3;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const SHT_SYMTAB: u32 = 2;
pub const SHT_NOBITS: u32 = 8;
pub const SHT_DYNSYM: u32 = 11;
pub const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;
pub const SHT_GNU_VERSYM: u32 = 0x6fff_ffff;
const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_STRSZ: u64 = 10;
const DT_RPATH: u64 = 15;
const DT_RUNPATH: u64 = 29;
const DT_FLAGS_1: u64 = 0x6fff_fffb;
/// DT_FLAGS_1: the loader searches neither its cache nor its default directories.
pub const DF_1_NODEFLIB: u64 = 0x800;
/// DT_FLAGS_1: the object is a position-independent executable.
pub const DF_1_PIE: u64 = 0x0800_0000;
/// More sections, segments, dynamic entries or version records than any executable has;
/// beyond it a file is malformed. It also bounds how much of a file a walk touches.
const MAX_ENTRIES: u64 = 1 << 20;
/// Longest section name compared or shown; longer ones are cut.
const MAX_SECTION_NAME: usize = 512;
/// Longest path read from PT_INTERP (Linux's PATH_MAX).
const MAX_INTERP: u64 = 4096;

/// A program header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phdr {
    pub p_type: u32,
    pub p_flags: u32,
    pub p_offset: u64,
    pub p_vaddr: u64,
    pub p_filesz: u64,
    pub p_memsz: u64,
}

/// A section header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shdr {
    pub sh_name: u32,
    pub sh_type: u32,
    pub sh_addr: u64,
    pub sh_offset: u64,
    pub sh_size: u64,
    pub sh_link: u32,
    pub sh_info: u32,
}

/// The dynamic segment's library needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dynamic {
    /// The first [`MAX_LIST`] DT_NEEDED names, in order.
    pub needed: Vec<String>,
    /// How many DT_NEEDED entries there are in all.
    pub needed_total: usize,
    /// DT_FLAGS_1 (the first), when present: [`DF_1_PIE`] marks an executable.
    pub flags_1: Option<u64>,
    /// DT_RPATH and DT_RUNPATH (the first of each), as written (`$ORIGIN` unexpanded).
    pub rpath: Option<String>,
    pub runpath: Option<String>,
}

/// An ELF file whose header and header tables were found sound.
#[derive(Debug, Clone)]
pub struct ElfFile<'a> {
    b: Bytes<'a>,
    pub is64: bool,
    pub big: bool,
    pub osabi: u8,
    pub e_type: u16,
    pub e_machine: u16,
    pub e_flags: u32,
    phoff: u64,
    phnum: u64,
    shoff: u64,
    shnum: u64,
    shstrtab: &'a [u8],
}

/// One entry of a header table, whose fields sit at offsets that depend on the class
/// (ELF32 or ELF64); a field past the end of the file reads as 0 (`parse` has checked
/// that the tables lie in the file).
struct Entry<'a> {
    b: Bytes<'a>,
    at: u64,
    is64: bool,
}

impl Entry<'_> {
    /// The 32-bit field at `o32` (ELF32) or `o64` (ELF64).
    fn u32(&self, o32: u64, o64: u64) -> u32 {
        let o = if self.is64 { o64 } else { o32 };
        self.b.u32(self.at + o).unwrap_or(0)
    }

    /// The address-sized field (4 bytes in ELF32, 8 in ELF64) at `o32` or `o64`.
    fn word(&self, o32: u64, o64: u64) -> u64 {
        let o = if self.is64 { o64 } else { o32 };
        self.b.word(self.at + o, self.is64).unwrap_or(0)
    }
}

fn bad<T>(m: String) -> Result<T, Malformed> {
    Err(Malformed(m))
}

/// An identification byte that is 1 or 2 (EI_CLASS: ELF32 or ELF64, EI_DATA: little or
/// big endian): whether it is 2.
fn one_or_two(ident: &[u8], at: usize, what: &str) -> Result<bool, Malformed> {
    match ident[at] {
        1 => Ok(false),
        2 => Ok(true),
        v => bad(format!(
            "bad ELF {what} byte {v:#x} at offset {at:#x} (expected 1 or 2)"
        )),
    }
}

impl<'a> ElfFile<'a> {
    /// Reads the header and checks that the program and section header tables lie in
    /// the file, so a truncated or corrupt file gets a message naming the offset.
    pub fn parse(bytes: &'a [u8]) -> Result<ElfFile<'a>, Malformed> {
        let Some(ident) = bytes.get(..16) else {
            return bad(format!(
                "truncated ELF: {} bytes, the identification alone needs 16",
                bytes.len()
            ));
        };
        let is64 = one_or_two(ident, 4, "class")?;
        let big = one_or_two(ident, 5, "data")?;
        let ehsize = if is64 { 64 } else { 52 };
        if bytes.len() < ehsize {
            return bad(format!(
                "truncated ELF: {} bytes, the ELF{} header needs {ehsize}",
                bytes.len(),
                if is64 { 64 } else { 32 }
            ));
        }
        let b = Bytes::new(bytes, big);
        // In bounds: the header is there.
        let h16 = |o: u64| b.u16(o).unwrap_or(0);
        let (phoff, shoff, flags_at, ph_at) = if is64 {
            (b.u64(0x20), b.u64(0x28), 0x30, 0x36)
        } else {
            (
                b.u32(0x1c).map(u64::from),
                b.u32(0x20).map(u64::from),
                0x24,
                0x2a,
            )
        };
        let (phoff, shoff) = (phoff.unwrap_or(0), shoff.unwrap_or(0));
        let phentsize = u64::from(h16(ph_at));
        let mut phnum = u64::from(h16(ph_at + 2));
        let shentsize = u64::from(h16(ph_at + 4));
        let mut shnum = u64::from(h16(ph_at + 6));
        let mut shstrndx = u64::from(h16(ph_at + 8));
        let (want_ph, want_sh) = if is64 { (56, 64) } else { (32, 40) };
        let len = bytes.len() as u64;
        let mut elf = ElfFile {
            b,
            is64,
            big,
            osabi: ident[7],
            e_type: h16(0x10),
            e_machine: h16(0x12),
            e_flags: b.u32(flags_at).unwrap_or(0),
            phoff,
            phnum: 0,
            shoff,
            shnum: 0,
            shstrtab: &[],
        };
        // Extended numbering: with e_shnum 0 (and a table), the count is section 0's
        // sh_size; e_shstrndx SHN_XINDEX and e_phnum PN_XNUM defer to its sh_link and
        // sh_info.
        if shoff != 0 && (shnum == 0 || shstrndx == 0xffff || phnum == 0xffff) {
            if shentsize != want_sh {
                return bad(format!(
                    "section header table entries are {shentsize} bytes (e_shentsize), an ELF{} one has {want_sh}",
                    if is64 { 64 } else { 32 }
                ));
            }
            if b.range(shoff, want_sh).is_none() {
                return bad(format!(
                    "section header table at offset {shoff:#x} (its first entry, {shentsize} bytes) runs past the end of the file ({len:#x} bytes): truncated or corrupt"
                ));
            }
            elf.shnum = 1;
            let first = elf.section(0);
            if shnum == 0 {
                shnum = first.sh_size;
            }
            if shstrndx == 0xffff {
                shstrndx = u64::from(first.sh_link);
            }
            if phnum == 0xffff {
                phnum = u64::from(first.sh_info);
            }
        }
        for (what, off, entsize, want, num) in [
            ("program header table", phoff, phentsize, want_ph, phnum),
            ("section header table", shoff, shentsize, want_sh, shnum),
        ] {
            if num == 0 {
                continue;
            }
            if entsize != want {
                return bad(format!(
                    "{what} entries are {entsize} bytes (e_{}entsize), an ELF{} one has {want}",
                    if what.starts_with("program") {
                        "ph"
                    } else {
                        "sh"
                    },
                    if is64 { 64 } else { 32 }
                ));
            }
            if num > MAX_ENTRIES {
                return bad(format!(
                    "{what} at offset {off:#x} claims {num} entries, more than any executable has"
                ));
            }
            let end = entsize.checked_mul(num).and_then(|n| n.checked_add(off));
            match end {
                Some(end) if end <= len => {}
                _ => {
                    return bad(format!(
                        "{what} at offset {off:#x} ({num} entries of {entsize} bytes) runs past the end of the file ({len:#x} bytes): truncated or corrupt"
                    ))
                }
            }
        }
        elf.phnum = phnum;
        elf.shnum = shnum;
        if shstrndx != 0 && shstrndx < shnum {
            let sh = elf.section(shstrndx);
            elf.shstrtab = elf.data(&sh).map_err(|e| {
                Malformed(format!(
                    "the section name table (section {shstrndx}): {}",
                    e.0
                ))
            })?;
        }
        Ok(elf)
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.b.data
    }

    /// Entry `i` of the table at `table` whose entries are `size32` or `size64` bytes.
    fn entry(&self, table: u64, i: u64, size32: u64, size64: u64) -> Entry<'a> {
        let size = if self.is64 { size64 } else { size32 };
        Entry {
            b: self.b,
            at: table + i * size,
            is64: self.is64,
        }
    }

    /// Program header `i` (in bounds: checked by `parse`).
    fn segment(&self, i: u64) -> Phdr {
        let e = self.entry(self.phoff, i, 32, 56);
        Phdr {
            p_type: e.u32(0, 0),
            p_flags: e.u32(24, 4),
            p_offset: e.word(4, 8),
            p_vaddr: e.word(8, 16),
            p_filesz: e.word(16, 32),
            p_memsz: e.word(20, 40),
        }
    }

    /// Section header `i` (in bounds: checked by `parse`).
    fn section(&self, i: u64) -> Shdr {
        let e = self.entry(self.shoff, i, 40, 64);
        Shdr {
            sh_name: e.u32(0, 0),
            sh_type: e.u32(4, 4),
            sh_addr: e.word(12, 16),
            sh_offset: e.word(16, 24),
            sh_size: e.word(20, 32),
            sh_link: e.u32(24, 40),
            sh_info: e.u32(28, 44),
        }
    }

    /// How many program headers there are (e_phnum, or section 0's sh_info under
    /// PN_XNUM); an executable has at least one.
    pub fn phnum(&self) -> u64 {
        self.phnum
    }

    pub fn segments(&self) -> impl Iterator<Item = Phdr> + '_ {
        (0..self.phnum).map(|i| self.segment(i))
    }

    pub fn sections(&self) -> impl Iterator<Item = Shdr> + '_ {
        (0..self.shnum).map(|i| self.section(i))
    }

    /// Section `i`, when there is one.
    pub fn section_at(&self, i: u64) -> Option<Shdr> {
        (i < self.shnum).then(|| self.section(i))
    }

    /// The raw name bytes from `sh_name` on (not yet cut at the NUL).
    fn name_bytes(&self, sh: &Shdr) -> &'a [u8] {
        self.shstrtab.get(sh.sh_name as usize..).unwrap_or(&[])
    }

    /// Whether the section is named exactly `name`.
    pub fn name_is(&self, sh: &Shdr, name: &str) -> bool {
        let n = self.name_bytes(sh);
        n.starts_with(name.as_bytes()) && n.get(name.len()) == Some(&0)
    }

    /// Whether the section's name starts with `prefix`.
    pub fn name_starts(&self, sh: &Shdr, prefix: &str) -> bool {
        self.name_bytes(sh).starts_with(prefix.as_bytes())
    }

    /// The section's name for a message: lossy, cut at [`MAX_SECTION_NAME`].
    pub fn name(&self, sh: &Shdr) -> String {
        let n = self.name_bytes(sh);
        match cstr(n, MAX_SECTION_NAME) {
            Some(s) => text(s, MAX_SECTION_NAME),
            None => text(n, MAX_SECTION_NAME),
        }
    }

    /// The first section satisfying `pred`.
    pub fn find(&self, mut pred: impl FnMut(&Shdr) -> bool) -> Option<Shdr> {
        self.sections().find(|s| pred(s))
    }

    /// A section's contents, bounds-checked against the file (empty for SHT_NOBITS).
    pub fn data(&self, sh: &Shdr) -> Result<&'a [u8], Malformed> {
        if sh.sh_type == SHT_NOBITS {
            return Ok(&[]);
        }
        self.b.range(sh.sh_offset, sh.sh_size).ok_or_else(|| {
            Malformed(format!(
                "section `{}` at offset {:#x} size {:#x} runs past the end of the file ({:#x} bytes)",
                self.name(sh),
                sh.sh_offset,
                sh.sh_size,
                self.b.data.len()
            ))
        })
    }

    /// A segment's file contents, bounds-checked against the file.
    fn segment_data(&self, ph: &Phdr, what: &str) -> Result<&'a [u8], Malformed> {
        self.b.range(ph.p_offset, ph.p_filesz).ok_or_else(|| {
            Malformed(format!(
                "{what} at offset {:#x} size {:#x} runs past the end of the file ({:#x} bytes)",
                ph.p_offset,
                ph.p_filesz,
                self.b.data.len()
            ))
        })
    }

    /// Whether there is a PT_INTERP segment, and the path it names when readable.
    pub fn interpreter(&self) -> (bool, Option<String>) {
        let Some(ph) = self.segments().find(|p| p.p_type == PT_INTERP) else {
            return (false, None);
        };
        let path = self
            .b
            .range(ph.p_offset, ph.p_filesz.min(MAX_INTERP))
            .map(|raw| cstr(raw, raw.len()).unwrap_or(raw))
            .filter(|p| !p.is_empty())
            .map(|p| text(p, MAX_TEXT));
        (true, path)
    }

    /// The file offset of virtual address `addr`, through the PT_LOAD segments.
    pub fn offset_of(&self, addr: u64) -> Option<u64> {
        self.segments()
            .find(|p| p.p_type == PT_LOAD && addr >= p.p_vaddr && addr - p.p_vaddr < p.p_filesz)
            .and_then(|p| p.p_offset.checked_add(addr - p.p_vaddr))
    }

    /// The DT_NEEDED names of the first PT_DYNAMIC segment. A name that cannot be read
    /// still counts (as a placeholder): a dynamic file never passes for static.
    pub fn dynamic(&self) -> Result<Dynamic, Malformed> {
        let Some(ph) = self.segments().find(|p| p.p_type == PT_DYNAMIC) else {
            return Ok(Dynamic::default());
        };
        let data = self.segment_data(&ph, "PT_DYNAMIC")?;
        let d = Bytes::new(data, self.big);
        let ent = if self.is64 { 16 } else { 8 };
        let mut needed_at = Vec::new();
        let mut total = 0usize;
        let (mut strtab, mut strsz, mut flags_1) = (None, None, None);
        let (mut rpath_at, mut runpath_at) = (None, None);
        let count = data.len() as u64 / ent;
        if count > MAX_ENTRIES
            && (0..MAX_ENTRIES).all(|i| d.word(i * ent, self.is64) != Some(DT_NULL))
        {
            return bad(format!(
                "PT_DYNAMIC at offset {:#x} has no DT_NULL in its first {MAX_ENTRIES} entries",
                ph.p_offset
            ));
        }
        for i in 0..count {
            let tag = d.word(i * ent, self.is64).unwrap_or(DT_NULL);
            let val = d.word(i * ent + ent / 2, self.is64).unwrap_or(0);
            match tag {
                DT_NULL => break,
                DT_NEEDED => {
                    total += 1;
                    if needed_at.len() < MAX_LIST {
                        needed_at.push(val);
                    }
                }
                DT_STRTAB => strtab = strtab.or(Some(val)),
                DT_STRSZ => strsz = strsz.or(Some(val)),
                DT_FLAGS_1 => flags_1 = flags_1.or(Some(val)),
                DT_RPATH => rpath_at = rpath_at.or(Some(val)),
                DT_RUNPATH => runpath_at = runpath_at.or(Some(val)),
                _ => {}
            }
        }
        let dynstr = strtab
            .and_then(|a| self.offset_of(a))
            .and_then(|off| {
                let avail = (self.b.data.len() as u64).checked_sub(off)?;
                self.b.range(off, strsz.unwrap_or(avail).min(avail))
            })
            .unwrap_or(&[]);
        let string = |off: u64, max: usize| {
            dynstr
                .get(usize::try_from(off).unwrap_or(usize::MAX)..)
                .filter(|s| !s.is_empty())
                .map(|s| name_text(s, max))
        };
        let needed = needed_at
            .into_iter()
            .map(|off| {
                string(off, MAX_TEXT).unwrap_or_else(|| {
                    format!("(unreadable name at dynamic string offset {off:#x})")
                })
            })
            .collect();
        // A search path is as long as a path may be; an unreadable one is none.
        let path = |at: Option<u64>| at.and_then(|off| string(off, MAX_INTERP as usize));
        Ok(Dynamic {
            needed,
            needed_total: total,
            flags_1,
            rpath: path(rpath_at),
            runpath: path(runpath_at),
        })
    }

    /// The string table a section links to (empty when there is none).
    fn linked_strtab(&self, sh: &Shdr) -> Result<&'a [u8], Malformed> {
        match self.section_at(u64::from(sh.sh_link)) {
            Some(s) if sh.sh_link != 0 => self.data(&s),
            _ => Ok(&[]),
        }
    }

    /// Calls `f(name, vna_other)` for each entry of the version needs (SHT_GNU_verneed),
    /// names cut at [`MAX_TEXT`] bytes. A chain that leaves the section, or visits more
    /// records than the section can hold (a loop), makes the file malformed.
    pub fn version_needs(&self, mut f: impl FnMut(&[u8], u16)) -> Result<(), Malformed> {
        let Some(sh) = self.find(|s| s.sh_type == SHT_GNU_VERNEED) else {
            return Ok(());
        };
        let data = self.data(&sh)?;
        let strtab = self.linked_strtab(&sh)?;
        let d = Bytes::new(data, self.big);
        let budget = (data.len() / 16).min(MAX_ENTRIES as usize);
        let mut visited = 0usize;
        let oops = |what: &str, at: u64| {
            Malformed(format!(
                "version needs (section at offset {:#x}): {what} at section offset {at:#x}",
                sh.sh_offset
            ))
        };
        // Both records hold the u32 that names or links on at 8 and the offset of the
        // next at 12; `k` is where the u16 the walk wants sits (vn_cnt, vna_other).
        let mut record = |at: u64, k: u64, what: &str| {
            visited += 1;
            if visited > budget {
                return Err(oops("more records than the section holds", at));
            }
            match (d.u16(at + k), d.u32(at + 8), d.u32(at + 12)) {
                (Some(x), Some(y), Some(next)) => Ok((x, y, next)),
                _ => Err(oops(what, at)),
            }
        };
        let mut off = 0u64;
        for _ in 0..sh.sh_info {
            let (cnt, aux, next) = record(off, 2, "an entry runs past the end of the section")?;
            let mut a = off + u64::from(aux);
            for _ in 0..cnt {
                let (other, name, anext) =
                    record(a, 6, "an auxiliary entry runs past the end of the section")?;
                let s = strtab
                    .get(name as usize..)
                    .map(|s| cstr(s, MAX_TEXT).unwrap_or(&[]))
                    .unwrap_or(&[]);
                f(s, other);
                if anext == 0 {
                    break;
                }
                a += u64::from(anext);
            }
            if next == 0 {
                break;
            }
            off += u64::from(next);
        }
        Ok(())
    }

    /// Calls `f(name, version index, undefined)` for each dynamic symbol that has a
    /// version (SHT_DYNSYM with SHT_GNU_versym), names cut at [`MAX_TEXT`] bytes.
    pub fn symbol_versions(&self, mut f: impl FnMut(&[u8], u16, bool)) -> Result<(), Malformed> {
        let (Some(vs), Some(ds)) = (
            self.find(|s| s.sh_type == SHT_GNU_VERSYM),
            self.find(|s| s.sh_type == SHT_DYNSYM),
        ) else {
            return Ok(());
        };
        let versym = Bytes::new(self.data(&vs)?, self.big);
        let dynsym = Bytes::new(self.data(&ds)?, self.big);
        let strtab = self.linked_strtab(&ds)?;
        let ent: u64 = if self.is64 { 24 } else { 16 };
        // Only names symbols: past MAX_ENTRIES they are not worth reading.
        let n = (versym.data.len() as u64 / 2)
            .min(dynsym.data.len() as u64 / ent)
            .min(MAX_ENTRIES);
        for i in 0..n {
            let at = i * ent;
            let name = dynsym.u32(at).unwrap_or(0);
            let shndx = dynsym.u16(at + if self.is64 { 6 } else { 14 }).unwrap_or(0);
            let version = versym.u16(i * 2).unwrap_or(0);
            let s = strtab
                .get(name as usize..)
                .map(|s| cstr(s, MAX_TEXT).unwrap_or(&[]))
                .unwrap_or(&[]);
            f(s, version, shndx == 0);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ELF64 little-endian header with the given table fields.
    fn header(phoff: u64, phnum: u16, shoff: u64, shnum: u16, shstrndx: u16) -> Vec<u8> {
        let mut h = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
        h.resize(64, 0);
        h[0x10..0x12].copy_from_slice(&2u16.to_le_bytes());
        h[0x12..0x14].copy_from_slice(&183u16.to_le_bytes());
        h[0x20..0x28].copy_from_slice(&phoff.to_le_bytes());
        h[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        h[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        h[0x38..0x3a].copy_from_slice(&phnum.to_le_bytes());
        h[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        h[0x3c..0x3e].copy_from_slice(&shnum.to_le_bytes());
        h[0x3e..0x40].copy_from_slice(&shstrndx.to_le_bytes());
        h
    }

    #[test]
    fn tables_past_the_end_are_malformed_with_the_offset() {
        let h = header(64, 3, 0, 0, 0);
        let e = ElfFile::parse(&h).unwrap_err();
        assert!(e.0.contains("program header table at offset 0x40"), "{e}");
        let h = header(0, 0, 0x1000, 2, 0);
        let e = ElfFile::parse(&h).unwrap_err();
        assert!(e.0.contains("section header table at offset 0x1000"), "{e}");
    }

    #[test]
    fn extended_section_count_is_bounded_by_the_file() {
        // e_shnum 0: the count is section 0's sh_size, here 2^40.
        let mut h = header(0, 0, 64, 0, 0);
        let mut s0 = vec![0u8; 64];
        s0[32..40].copy_from_slice(&(1u64 << 40).to_le_bytes());
        h.extend_from_slice(&s0);
        let e = ElfFile::parse(&h).unwrap_err();
        assert!(e.0.contains("more than any executable"), "{e}");
        s0[32..40].copy_from_slice(&1u64.to_le_bytes());
        h.truncate(64);
        h.extend_from_slice(&s0);
        let elf = ElfFile::parse(&h).expect("one section");
        assert_eq!(elf.sections().count(), 1);
    }

    #[test]
    fn version_need_chains_are_bounded() {
        let sec = |ty: u32, off: u64, size: u64, link: u32, info: u32| {
            let mut s = vec![0u8; 64];
            s[4..8].copy_from_slice(&ty.to_le_bytes());
            s[24..32].copy_from_slice(&off.to_le_bytes());
            s[32..40].copy_from_slice(&size.to_le_bytes());
            s[40..44].copy_from_slice(&link.to_le_bytes());
            s[44..48].copy_from_slice(&info.to_le_bytes());
            s
        };
        // Section 1: version needs at 0x200 (32 bytes, sh_info claims 2^32-1 entries);
        // section 2: its string table at 0x300.
        let mut f = header(0, 0, 64, 3, 0);
        f.extend(sec(0, 0, 0, 0, 0));
        f.extend(sec(SHT_GNU_VERNEED, 0x200, 32, 2, u32::MAX));
        f.extend(sec(3, 0x300, 16, 0, 0));
        f.resize(0x320, 0);
        // One entry: vn_cnt 0xffff, vn_aux 16, vn_next 0; its aux: name 1, vna_next 0.
        f[0x202..0x204].copy_from_slice(&0xffffu16.to_le_bytes());
        f[0x208..0x20c].copy_from_slice(&16u32.to_le_bytes());
        f[0x218..0x21c].copy_from_slice(&1u32.to_le_bytes());
        f[0x301..0x30c].copy_from_slice(b"GLIBC_2.17\0");
        let elf = ElfFile::parse(&f).unwrap();
        let mut seen = Vec::new();
        elf.version_needs(|n, _| seen.push(n.to_vec())).unwrap();
        assert_eq!(
            seen,
            vec![b"GLIBC_2.17".to_vec()],
            "next 0 ends both chains"
        );
        // vna_next 1: 0xffff overlapping records in a 32-byte section.
        let mut overlapping = f.clone();
        overlapping[0x21c..0x220].copy_from_slice(&1u32.to_le_bytes());
        let e = ElfFile::parse(&overlapping)
            .unwrap()
            .version_needs(|_, _| {})
            .unwrap_err();
        assert!(e.0.contains("more records than the section holds"), "{e}");
        // vna_next far away: the chain leaves the section.
        let mut leaving = f.clone();
        leaving[0x21c..0x220].copy_from_slice(&0x1000u32.to_le_bytes());
        leaving[160..168].copy_from_slice(&0x100u64.to_le_bytes()); // room for 16 records
        let e = ElfFile::parse(&leaving)
            .unwrap()
            .version_needs(|_, _| {})
            .unwrap_err();
        assert!(e.0.contains("runs past the end of the section"), "{e}");
    }
}
