//! Mach-O (darwin, ios) artifacts, thin and universal: a bounded reader of the header and
//! load commands, and the checks (format, CPU, "static" and "stripped").
//!
//! Go's darwin binaries always link libSystem; "static" therefore means "needs nothing
//! beyond the operating system's own libraries".
//!
//! Every count in the file is bounded by the bytes that could hold its entries before
//! anything is read: load commands by `sizeofcmds`, a segment's sections by its
//! `cmdsize`, symbols by the file size, a universal file's slices by its header (and at
//! most [`MAX_SLICES`]). The first entry out of bounds makes the file malformed, with
//! its offset: nothing is skipped.

use super::bytes::{cstr, text, Bytes};
use super::{Malformed, MAX_LIST, MAX_TEXT};
use crate::target;

/// More slices than any universal file has (real ones have two or three).
pub const MAX_SLICES: u64 = 64;
/// More segments than any Mach-O file has (executables have about six).
const MAX_SEGMENTS: usize = 256;
/// Sections a Mach-O file can have: symbols number them with one byte (n_sect).
const MAX_SECTIONS: u64 = 255;
/// More load commands than any Mach-O file has.
const MAX_COMMANDS: u32 = 1 << 16;
/// Symbols examined for locals; a file with more is counted as unstripped.
const MAX_SYMBOLS: u64 = 1 << 20;
const FAT_MAGIC: u32 = 0xcafe_babe;
const FAT_CIGAM: u32 = 0xbeba_feca;
const LC_SEGMENT: u32 = 0x1;
const LC_SYMTAB: u32 = 0x2;
const LC_LOAD_DYLIB: u32 = 0xc;
const LC_LOAD_WEAK_DYLIB: u32 = 0x18 | 0x8000_0000;
const LC_SEGMENT_64: u32 = 0x19;
const LC_REEXPORT_DYLIB: u32 = 0x1f | 0x8000_0000;
const LC_LAZY_LOAD_DYLIB: u32 = 0x20;
const LC_LOAD_UPWARD_DYLIB: u32 = 0x23 | 0x8000_0000;
const N_EXT: u8 = 0x01;
const N_TYPE: u8 = 0x0e;
const N_UNDF: u8 = 0x0;

/// A segment load command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub name: [u8; 16],
    pub vmaddr: u64,
    pub vmsize: u64,
    pub fileoff: u64,
    pub filesize: u64,
    pub maxprot: u32,
    pub initprot: u32,
    /// File offset of its first section header.
    sections_at: u64,
    nsects: u32,
}

/// A section of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub name: [u8; 16],
    pub addr: u64,
    pub size: u64,
}

/// A thin Mach-O file (or one slice of a universal file) whose load commands were found
/// sound.
#[derive(Debug, Clone)]
pub struct MachFile<'a> {
    b: Bytes<'a>,
    is64: bool,
    pub cputype: u32,
    pub filetype: u32,
    pub flags: u32,
    pub segments: Vec<Segment>,
    /// The first [`MAX_LIST`] libraries it loads.
    pub dylibs: Vec<String>,
    /// How many library load commands there are in all.
    pub dylibs_total: usize,
    /// `symoff`, `nsyms` of LC_SYMTAB, checked to lie in the file.
    symtab: Option<(u64, u64)>,
    /// Sections of all segments so far.
    nsections: u64,
}

/// A fixed-size, NUL-padded name.
pub fn fixed_name(raw: &[u8]) -> &[u8] {
    cstr(raw, raw.len()).unwrap_or(raw)
}

fn bad<T>(m: String) -> Result<T, Malformed> {
    Err(Malformed(m))
}

impl<'a> MachFile<'a> {
    /// Reads the header and walks the load commands, bounds-checking each.
    pub fn parse(bytes: &'a [u8]) -> Result<MachFile<'a>, Malformed> {
        let magic = match bytes.get(..4) {
            Some(m) => u32::from_be_bytes([m[0], m[1], m[2], m[3]]),
            None => return bad(format!("truncated Mach-O: {} bytes", bytes.len())),
        };
        let (is64, big) = match magic {
            0xfeed_face => (false, true),
            0xfeed_facf => (true, true),
            0xcefa_edfe => (false, false),
            0xcffa_edfe => (true, false),
            m => return bad(format!("no thin Mach-O magic at offset 0 ({m:#010x})")),
        };
        let b = Bytes::new(bytes, big);
        let hsize: u64 = if is64 { 32 } else { 28 };
        let (Some(cputype), Some(filetype), Some(ncmds), Some(sizeofcmds), Some(flags)) =
            (b.u32(4), b.u32(12), b.u32(16), b.u32(20), b.u32(24))
        else {
            return bad(format!(
                "truncated Mach-O: {} bytes, the header needs {hsize}",
                bytes.len()
            ));
        };
        if b.range(0, hsize).is_none() {
            return bad(format!(
                "truncated Mach-O: {} bytes, the header needs {hsize}",
                bytes.len()
            ));
        }
        let cmds_end = hsize + u64::from(sizeofcmds);
        if cmds_end > bytes.len() as u64 {
            return bad(format!(
                "the load commands ({sizeofcmds:#x} bytes from offset {hsize:#x}, sizeofcmds at offset 0x14) run past the end of the file ({:#x} bytes)",
                bytes.len()
            ));
        }
        if u64::from(ncmds) > u64::from(sizeofcmds) / 8 {
            return bad(format!(
                "ncmds {ncmds} (at offset 0x10) cannot fit in sizeofcmds {sizeofcmds:#x}: a load command takes at least 8 bytes"
            ));
        }
        if ncmds > MAX_COMMANDS {
            return bad(format!(
                "ncmds {ncmds} (at offset 0x10): more load commands than any Mach-O file has ({MAX_COMMANDS})"
            ));
        }
        let mut m = MachFile {
            b,
            is64,
            cputype,
            filetype,
            flags,
            segments: Vec::new(),
            dylibs: Vec::new(),
            dylibs_total: 0,
            symtab: None,
            nsections: 0,
        };
        let mut off = hsize;
        for i in 0..ncmds {
            let (Some(cmd), Some(cmdsize)) = (b.u32(off), b.u32(off + 4)) else {
                return bad(format!(
                    "load command {i} at offset {off:#x} runs past the end"
                ));
            };
            let size = u64::from(cmdsize);
            if size < 8 || off + size > cmds_end {
                return bad(format!(
                    "load command {i} ({cmd:#x}) at offset {off:#x} has cmdsize {cmdsize:#x}, \
                     outside the load commands (which end at {cmds_end:#x})"
                ));
            }
            match cmd {
                LC_SEGMENT | LC_SEGMENT_64 => m.segment(off, size, cmd == LC_SEGMENT_64)?,
                LC_SYMTAB => m.symtab(off, size)?,
                LC_LOAD_DYLIB | LC_LOAD_WEAK_DYLIB | LC_REEXPORT_DYLIB | LC_LAZY_LOAD_DYLIB
                | LC_LOAD_UPWARD_DYLIB => m.dylib(off, size)?,
                _ => {}
            }
            off += size;
        }
        Ok(m)
    }

    fn segment(&mut self, off: u64, size: u64, wide: bool) -> Result<(), Malformed> {
        let b = self.b;
        let (head, sect) = if wide { (72, 80) } else { (56, 68) };
        let name_bytes = b.range(off + 8, 16);
        let shown = name_bytes.map_or_else(String::new, |n| text(fixed_name(n), 16));
        if size < head {
            return bad(format!(
                "segment `{shown}` at offset {off:#x}: cmdsize {size:#x} is smaller than a segment command ({head:#x})"
            ));
        }
        let w = |o32: u64, o64: u64| {
            if wide {
                b.u64(off + o64).unwrap_or(0)
            } else {
                u64::from(b.u32(off + o32).unwrap_or(0))
            }
        };
        let at = |o32: u64, o64: u64| b.u32(off + if wide { o64 } else { o32 }).unwrap_or(0);
        let mut name = [0u8; 16];
        if let Some(n) = name_bytes {
            name.copy_from_slice(n);
        }
        let nsects = at(48, 64);
        let room = (size - head) / sect;
        if u64::from(nsects) > room {
            return bad(format!(
                "segment `{shown}` at offset {off:#x} claims {nsects} sections (nsects at offset {:#x}); \
                 its cmdsize {size:#x} holds {room}",
                off + if wide { 64 } else { 48 }
            ));
        }
        self.nsections += u64::from(nsects);
        if self.nsections > MAX_SECTIONS {
            return bad(format!(
                "segment `{shown}` at offset {off:#x} brings the sections to {}: more than the {MAX_SECTIONS} a Mach-O file can number",
                self.nsections
            ));
        }
        let seg = Segment {
            name,
            vmaddr: w(24, 24),
            vmsize: w(28, 32),
            fileoff: w(32, 40),
            filesize: w(36, 48),
            maxprot: at(40, 56),
            initprot: at(44, 60),
            sections_at: off + head,
            nsects,
        };
        if seg.filesize != 0 && b.range(seg.fileoff, seg.filesize).is_none() {
            return bad(format!(
                "segment `{shown}` (load command at offset {off:#x}) covers file offsets {:#x}..{:#x}, past the end of the file ({:#x} bytes)",
                seg.fileoff,
                seg.fileoff.saturating_add(seg.filesize),
                b.data.len()
            ));
        }
        if self.segments.len() >= MAX_SEGMENTS {
            return bad(format!(
                "more than {MAX_SEGMENTS} segments (the next at offset {off:#x}): more than any Mach-O file has"
            ));
        }
        self.segments.push(seg);
        Ok(())
    }

    fn symtab(&mut self, off: u64, size: u64) -> Result<(), Malformed> {
        let b = self.b;
        let (Some(symoff), Some(nsyms), Some(stroff), Some(strsize)) = (
            b.u32(off + 8),
            b.u32(off + 12),
            b.u32(off + 16),
            b.u32(off + 20),
        ) else {
            return bad(format!("LC_SYMTAB at offset {off:#x} is truncated"));
        };
        if size < 24 {
            return bad(format!(
                "LC_SYMTAB at offset {off:#x}: cmdsize {size:#x} is smaller than the command (0x18)"
            ));
        }
        let nlist: u64 = if self.is64 { 16 } else { 12 };
        let len = b.data.len() as u64;
        let syms_end = u64::from(nsyms) * nlist + u64::from(symoff);
        if syms_end > len {
            return bad(format!(
                "LC_SYMTAB at offset {off:#x}: {nsyms} symbols (nsyms at offset {:#x}) of {nlist} bytes from file offset {symoff:#x} \
                 run past the end of the file ({len:#x} bytes); it holds at most {}",
                off + 12,
                len.saturating_sub(u64::from(symoff)) / nlist
            ));
        }
        if u64::from(stroff) + u64::from(strsize) > len {
            return bad(format!(
                "LC_SYMTAB at offset {off:#x}: the string table ({strsize:#x} bytes at file offset {stroff:#x}) runs past the end of the file ({len:#x} bytes)"
            ));
        }
        if self.symtab.is_some() {
            return bad(format!("a second LC_SYMTAB at offset {off:#x}"));
        }
        self.symtab = Some((u64::from(symoff), u64::from(nsyms)));
        Ok(())
    }

    fn dylib(&mut self, off: u64, size: u64) -> Result<(), Malformed> {
        let name_off = self.b.u32(off + 8).map(u64::from).unwrap_or(0);
        let cmd = self.b.range(off, size).unwrap_or(&[]);
        let name = (24..size)
            .contains(&name_off)
            .then(|| {
                let rest = &cmd[name_off as usize..];
                cstr(rest, rest.len())
            })
            .flatten();
        let Some(name) = name else {
            return bad(format!(
                "dylib load command at offset {off:#x}: its name (at {name_off:#x} in the command) is not a string within its cmdsize {size:#x}"
            ));
        };
        self.dylibs_total += 1;
        if self.dylibs.len() < MAX_LIST {
            self.dylibs.push(text(name, MAX_TEXT));
        }
        Ok(())
    }

    /// The sections of a segment (their headers are within its command: checked).
    pub fn sections(&self, seg: &Segment) -> impl Iterator<Item = Section> + '_ {
        let (size, wide) = if self.is64 { (80, true) } else { (68, false) };
        let b = self.b;
        let at = seg.sections_at;
        (0..u64::from(seg.nsects)).map(move |i| {
            let s = at + i * size;
            let mut name = [0u8; 16];
            if let Some(n) = b.range(s, 16) {
                name.copy_from_slice(n);
            }
            let (addr, sz) = if wide {
                (b.u64(s + 32).unwrap_or(0), b.u64(s + 40).unwrap_or(0))
            } else {
                (
                    u64::from(b.u32(s + 32).unwrap_or(0)),
                    u64::from(b.u32(s + 36).unwrap_or(0)),
                )
            };
            Section {
                name,
                addr,
                size: sz,
            }
        })
    }

    /// Defined, non-external symbols: what `-s` removes (imports stay).
    /// At most [`MAX_SYMBOLS`] are examined; a file with more counts all beyond as local.
    pub fn local_symbols(&self) -> u64 {
        let Some((symoff, nsyms)) = self.symtab else {
            return 0;
        };
        if nsyms > MAX_SYMBOLS {
            return nsyms;
        }
        let nlist = if self.is64 { 16 } else { 12 };
        // In bounds: checked by `symtab`.
        let table = self.b.range(symoff, nsyms * nlist).unwrap_or(&[]);
        table
            .chunks_exact(nlist as usize)
            .filter(|e| {
                let (n_type, n_sect) = (e[4], e[5]);
                let undefined = n_sect == 0 && n_type & N_TYPE == N_UNDF;
                !undefined && n_type & N_EXT == 0
            })
            .count() as u64
    }
}

/// A slice's cputype (from the universal header), bytes and file offset.
pub(crate) type SliceRef<'a> = (u32, &'a [u8], u64);

/// The slices of a Mach-O file with their cputypes and offsets: one for a thin file,
/// one per architecture for a universal one, each checked to lie in the file, apart
/// from the others, and to be a thin Mach-O file of the cputype the header names.
pub(crate) fn slices(bytes: &[u8]) -> Result<Vec<SliceRef<'_>>, Malformed> {
    let b = Bytes::new(bytes, true);
    match b.u32(0) {
        Some(FAT_MAGIC) => {}
        Some(FAT_CIGAM) => {
            return bad(
                "universal header in little-endian byte order (0xbebafeca): universal files are big-endian"
                    .into(),
            )
        }
        _ => {
            let m = MachFile::parse(bytes)?;
            return Ok(vec![(m.cputype, bytes, 0)]);
        }
    }
    let Some(n) = b.u32(4).map(u64::from) else {
        return bad("truncated universal header: no slice count at offset 0x4".into());
    };
    if n == 0 {
        return bad("universal binary with no slices (nfat_arch 0 at offset 0x4)".into());
    }
    if n > MAX_SLICES {
        return bad(format!(
            "universal header claims {n} slices (nfat_arch at offset 0x4); no real universal file has more than {MAX_SLICES}"
        ));
    }
    let table_end = 8 + n * 20;
    if table_end > bytes.len() as u64 {
        return bad(format!(
            "universal header: {n} slice entries of 20 bytes from offset 0x8 run past the end of the file ({:#x} bytes)",
            bytes.len()
        ));
    }
    let mut out: Vec<SliceRef> = Vec::new();
    let mut ranges: Vec<(u64, u64, u64)> = Vec::new();
    for i in 0..n {
        let e = 8 + i * 20;
        let (cputype, offset, size) = (
            b.u32(e).unwrap_or(0),
            u64::from(b.u32(e + 8).unwrap_or(0)),
            u64::from(b.u32(e + 12).unwrap_or(0)),
        );
        let slice = b
            .range(offset, size)
            .filter(|_| offset >= table_end && size > 0);
        let Some(slice) = slice else {
            return bad(format!(
                "universal binary slice {i} (entry at offset {e:#x}) at offset {offset:#x} size {size:#x} \
                 is empty, overlaps the header or runs past the end of the file ({:#x} bytes)",
                bytes.len()
            ));
        };
        if let Some((j, _, _)) = ranges.iter().find(|(_, o, _)| *o == offset) {
            return bad(format!(
                "universal binary slices {j} and {i} both start at offset {offset:#x} (entry at offset {e:#x})"
            ));
        }
        if let Some((j, o, s)) = ranges
            .iter()
            .find(|(_, o, s)| offset < o + s && *o < offset + size)
        {
            return bad(format!(
                "universal binary slice {i} at offset {offset:#x} size {size:#x} overlaps slice {j} at offset {o:#x} size {s:#x}"
            ));
        }
        ranges.push((i, offset, size));
        let thin = MachFile::parse(slice).map_err(|e| {
            Malformed(format!(
                "universal binary slice {i} at offset {offset:#x}: {}",
                e.0
            ))
        })?;
        if thin.cputype != cputype {
            return bad(format!(
                "universal binary slice {i} at offset {offset:#x}: the header (entry at offset {e:#x}) says cputype {cputype:#x}, the slice is {:#x}",
                thin.cputype
            ));
        }
        out.push((cputype, slice, offset));
    }
    Ok(out)
}

pub fn cpu_name(cputype: u32) -> String {
    target::ARCHES
        .iter()
        .find(|a| a.macho_cputype == Some(cputype))
        .map(|a| a.goarch.to_string())
        .unwrap_or_else(|| format!("cputype {cputype:#x}"))
}

impl<'a> MachFile<'a> {
    /// The file's bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.b.data
    }

    /// Whether the file is big-endian.
    pub fn big_endian(&self) -> bool {
        self.b.big
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thin 64-bit little-endian Mach-O: a header and the given load commands.
    fn thin(cmds: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = cmds.concat();
        let mut f = Vec::new();
        for v in [
            0xfeed_facfu32,
            0x0100_000c,
            0,
            2,
            cmds.len() as u32,
            body.len() as u32,
            0,
            0,
        ] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.extend(body);
        f
    }

    fn segment64(name: &str, nsects: u32, cmdsize: u32) -> Vec<u8> {
        let mut c = vec![0u8; 72];
        c[..4].copy_from_slice(&LC_SEGMENT_64.to_le_bytes());
        c[4..8].copy_from_slice(&cmdsize.to_le_bytes());
        c[8..8 + name.len()].copy_from_slice(name.as_bytes());
        c[64..68].copy_from_slice(&nsects.to_le_bytes());
        c.resize(cmdsize as usize, 0);
        c
    }

    /// Asserts that `f` is refused with a message that says each of `says`.
    fn refused(f: &[u8], says: &[&str]) {
        let e = MachFile::parse(f).unwrap_err();
        for s in says {
            assert!(e.0.contains(s), "{s:?} not in: {e}");
        }
    }

    #[test]
    fn section_counts_are_bounded_by_cmdsize() {
        let ok = thin(&[segment64("__TEXT", 2, 72 + 160)]);
        let m = MachFile::parse(&ok).expect("two sections fit");
        assert_eq!(m.sections(&m.segments[0]).count(), 2);
        let f = thin(&[segment64("__TEXT", 0xffff_ffff, 72 + 160)]);
        refused(&f, &["claims 4294967295 sections", "offset 0x20"]);
    }

    #[test]
    fn symbol_counts_are_bounded_by_the_file() {
        let mut st = vec![0u8; 24];
        st[..4].copy_from_slice(&LC_SYMTAB.to_le_bytes());
        st[4..8].copy_from_slice(&24u32.to_le_bytes());
        st[8..12].copy_from_slice(&0x100u32.to_le_bytes());
        st[12..16].copy_from_slice(&0xffff_ffffu32.to_le_bytes());
        let mut f = thin(&[st]);
        f.resize(0x200, 0);
        refused(&f, &["4294967295 symbols", "at most 16"]);
    }

    #[test]
    fn load_commands_stay_inside_sizeofcmds() {
        let mut f = thin(&[segment64("__TEXT", 0, 72)]);
        f[32 + 4..32 + 8].copy_from_slice(&0u32.to_le_bytes()); // cmdsize 0
        refused(&f, &["cmdsize 0x0"]);
        let mut f = thin(&[segment64("__TEXT", 0, 72)]);
        f[16..20].copy_from_slice(&1000u32.to_le_bytes()); // ncmds 1000 in 72 bytes
        refused(&f, &["ncmds 1000"]);
    }

    fn fat(entries: &[(u32, u32, u32)], len: usize) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&FAT_MAGIC.to_be_bytes());
        f.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        for (cpu, off, size) in entries {
            for v in [*cpu, 0, *off, *size, 14] {
                f.extend_from_slice(&v.to_be_bytes());
            }
        }
        f.resize(len, 0);
        f
    }

    #[test]
    fn universal_files_are_bounded() {
        let t = thin(&[segment64("__TEXT", 0, 72)]);
        let mut f = fat(&[(0x0100_000c, 0x1000, t.len() as u32)], 0x1000);
        f.extend_from_slice(&t);
        assert_eq!(slices(&f).expect("one good slice").len(), 1);
        let many: Vec<(u32, u32, u32)> = (0..65).map(|_| (0x0100_000c, 0x1000, 1)).collect();
        let e = slices(&fat(&many, 0x2000)).unwrap_err();
        assert!(e.0.contains("65 slices"), "{e}");
        let mut dup = fat(
            &[
                (0x0100_000c, 0x1000, t.len() as u32),
                (0x0100_000c, 0x1000, t.len() as u32),
            ],
            0x1000,
        );
        dup.extend_from_slice(&t);
        assert!(slices(&dup)
            .unwrap_err()
            .0
            .contains("both start at offset 0x1000"));
        let mut wrong_cpu = fat(&[(0x0100_0007, 0x1000, t.len() as u32)], 0x1000);
        wrong_cpu.extend_from_slice(&t);
        assert!(slices(&wrong_cpu).unwrap_err().0.contains("cputype"));
    }
}
