//! PE (windows) artifacts: a bounded reader of the headers, the section table and the
//! import directory's DLL names, and the checks (format, machine, subsystem, "static"
//! and "stripped").
//!
//! Go's windows binaries always import kernel32; "static" therefore means "needs
//! nothing beyond the operating system's own DLLs".
//!
//! The section table and the data directories are bounded by the bytes that hold them
//! (the file, and the optional header's declared size); the import descriptors by the
//! section that holds them. The first entry out of bounds makes the file malformed,
//! with its offset.

use super::bytes::{cstr, text, Bytes};
use super::{Malformed, MAX_LIST};

pub(crate) const IMAGE_FILE_EXECUTABLE_IMAGE: u16 = 0x0002;
pub(crate) const IMAGE_FILE_DLL: u16 = 0x2000;
/// Data directories Windows defines; more are ignored.
const NUM_DIRECTORIES: u64 = 16;
const IMPORT_DIRECTORY: u64 = 1;
/// Import descriptors read before the terminating one must have come.
const MAX_IMPORTS: u64 = 1 << 20;
/// Longest DLL name read (Windows' MAX_PATH).
const MAX_DLL_NAME: usize = 260;

/// A section header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeSection {
    pub name: [u8; 8],
    pub virtual_size: u32,
    pub virtual_address: u32,
    pub size_of_raw_data: u32,
    pub pointer_to_raw_data: u32,
    pub characteristics: u32,
}

/// A PE file whose headers and section table were found sound.
#[derive(Debug, Clone)]
pub struct PeFile<'a> {
    b: Bytes<'a>,
    pub machine: u16,
    pub characteristics: u16,
    pub number_of_symbols: u32,
    /// File offset of the COFF symbol table (0 when none).
    pub pointer_to_symbols: u32,
    pub image_base: u64,
    /// The subsystem, when there is an optional header.
    pub subsystem: Option<u16>,
    sections_at: u64,
    nsections: u64,
    /// (RVA, size) of the data directories present, at most 16.
    directories: Vec<(u32, u32)>,
}

fn bad<T>(m: String) -> Result<T, Malformed> {
    Err(Malformed(m))
}

impl<'a> PeFile<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<PeFile<'a>, Malformed> {
        let b = Bytes::new(bytes, false);
        let Some(lfanew) = b.u32(0x3c).map(u64::from) else {
            return bad(format!(
                "truncated PE: {} bytes, the DOS header needs 64",
                bytes.len()
            ));
        };
        if b.range(lfanew, 4) != Some(b"PE\0\0") {
            return bad(format!(
                "no PE signature at offset {lfanew:#x} (e_lfanew at 0x3c): an MS-DOS program or a corrupt file"
            ));
        }
        let coff = lfanew + 4;
        let (Some(machine), Some(nsections), Some(symptr), Some(nsyms), Some(size_opt), Some(ch)) = (
            b.u16(coff),
            b.u16(coff + 2),
            b.u32(coff + 8),
            b.u32(coff + 12),
            b.u16(coff + 16),
            b.u16(coff + 18),
        ) else {
            return bad(format!(
                "truncated PE: the COFF header at offset {coff:#x} runs past the end of the file"
            ));
        };
        let opt = coff + 20;
        let size_opt = u64::from(size_opt);
        if b.range(opt, size_opt).is_none() {
            return bad(format!(
                "the optional header ({size_opt} bytes at offset {opt:#x}, SizeOfOptionalHeader at {:#x}) runs past the end of the file",
                coff + 16
            ));
        }
        let mut pe = PeFile {
            b,
            machine,
            characteristics: ch,
            number_of_symbols: nsyms,
            pointer_to_symbols: symptr,
            image_base: 0,
            subsystem: None,
            sections_at: opt + size_opt,
            nsections: u64::from(nsections),
            directories: Vec::new(),
        };
        if size_opt > 0 {
            let magic = b.u16(opt).unwrap_or(0);
            let (base, count_at) = match magic {
                0x10b => (b.u32(opt + 28).map(u64::from), 92),
                0x20b => (b.u64(opt + 24), 108),
                m => {
                    return bad(format!(
                        "optional header magic {m:#x} at offset {opt:#x} is neither PE32 (0x10b) nor PE32+ (0x20b)"
                    ))
                }
            };
            if size_opt < count_at + 4 {
                return bad(format!(
                    "the optional header at offset {opt:#x} is {size_opt} bytes; a {} one needs at least {}",
                    if magic == 0x10b { "PE32" } else { "PE32+" },
                    count_at + 4
                ));
            }
            pe.image_base = base.unwrap_or(0);
            pe.subsystem = b.u16(opt + 68);
            let n = u64::from(b.u32(opt + count_at).unwrap_or(0));
            let room = (size_opt - count_at - 4) / 8;
            if n > room {
                return bad(format!(
                    "NumberOfRvaAndSizes {n} (at offset {:#x}) data directories do not fit in the optional header ({size_opt} bytes holds {room})",
                    opt + count_at
                ));
            }
            let dirs = opt + count_at + 4;
            pe.directories = (0..n.min(NUM_DIRECTORIES))
                .map(|i| {
                    (
                        b.u32(dirs + i * 8).unwrap_or(0),
                        b.u32(dirs + i * 8 + 4).unwrap_or(0),
                    )
                })
                .collect();
        }
        let end = pe.sections_at + pe.nsections * 40;
        if end > bytes.len() as u64 {
            return bad(format!(
                "the section table ({nsections} sections of 40 bytes, NumberOfSections at offset {:#x}) at offset {:#x} runs past the end of the file ({:#x} bytes)",
                coff + 2,
                pe.sections_at,
                bytes.len()
            ));
        }
        Ok(pe)
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.b.data
    }

    pub fn is_dll(&self) -> bool {
        self.characteristics & IMAGE_FILE_DLL != 0
    }

    /// Whether it has an optional header (every image has; an object file has none).
    pub fn has_optional_header(&self) -> bool {
        self.subsystem.is_some()
    }

    /// Whether the linker marked it loadable (IMAGE_FILE_EXECUTABLE_IMAGE) and it has the
    /// optional header every image has.
    pub fn is_image(&self) -> bool {
        self.characteristics & IMAGE_FILE_EXECUTABLE_IMAGE != 0 && self.has_optional_header()
    }

    /// The section headers (in bounds: checked by `parse`).
    pub fn sections(&self) -> impl Iterator<Item = PeSection> + '_ {
        let b = self.b;
        (0..self.nsections).map(move |i| {
            let at = self.sections_at + i * 40;
            let mut name = [0u8; 8];
            if let Some(n) = b.range(at, 8) {
                name.copy_from_slice(n);
            }
            let u = |o: u64| b.u32(at + o).unwrap_or(0);
            PeSection {
                name,
                virtual_size: u(8),
                virtual_address: u(12),
                size_of_raw_data: u(16),
                pointer_to_raw_data: u(20),
                characteristics: u(36),
            }
        })
    }

    /// A section's name for a report: its 8-byte name, or for a long name (`/N`, as Go
    /// writes its DWARF sections) the string at offset N of the COFF string table, which
    /// follows the symbol table. Cut at [`MAX_DLL_NAME`] bytes.
    pub fn section_name(&self, s: &PeSection) -> String {
        let short = super::macho::fixed_name(&s.name);
        let long = short
            .strip_prefix(b"/")
            .and_then(|n| std::str::from_utf8(n).ok()?.parse::<u64>().ok())
            .filter(|_| self.pointer_to_symbols != 0)
            .and_then(|n| {
                let table =
                    u64::from(self.pointer_to_symbols) + u64::from(self.number_of_symbols) * 18;
                let start = usize::try_from(table.checked_add(n)?).ok()?;
                let tail = self.b.data.get(start..)?;
                cstr(tail, MAX_DLL_NAME + 1).map(|n| text(n, MAX_DLL_NAME))
            });
        long.unwrap_or_else(|| text(short, 8))
    }

    /// The file offset of `rva` and how many bytes of its section's raw data follow.
    fn file_offset(&self, rva: u32) -> Option<(u64, u64)> {
        self.sections().find_map(|s| {
            let delta = rva.checked_sub(s.virtual_address)?;
            (delta < s.size_of_raw_data).then(|| {
                (
                    u64::from(s.pointer_to_raw_data) + u64::from(delta),
                    u64::from(s.size_of_raw_data - delta),
                )
            })
        })
    }

    /// The imported DLLs: the first [`MAX_LIST`] names and how many there are in all.
    pub fn imports(&self) -> Result<(Vec<String>, usize), Malformed> {
        let Some(&(rva, _)) = self.directories.get(IMPORT_DIRECTORY as usize) else {
            return Ok((Vec::new(), 0));
        };
        if rva == 0 {
            return Ok((Vec::new(), 0));
        }
        let Some((off, room)) = self.file_offset(rva) else {
            return bad(format!(
                "the import directory at RVA {rva:#x} is in no section's file data"
            ));
        };
        let mut names = Vec::new();
        for i in 0..(room / 20).min(MAX_IMPORTS) {
            let at = off + i * 20;
            let Some(desc) = self.b.range(at, 20) else {
                return bad(format!(
                    "import descriptor {i} at offset {at:#x} runs past the end of the file"
                ));
            };
            if desc.iter().all(|&c| c == 0) {
                return Ok((names, i as usize));
            }
            if names.len() < MAX_LIST {
                let name_rva = self.b.u32(at + 12).unwrap_or(0);
                let name = self
                    .file_offset(name_rva)
                    .and_then(|(o, n)| self.b.range(o, n.min(MAX_DLL_NAME as u64 + 1)))
                    .and_then(|s| cstr(s, MAX_DLL_NAME + 1));
                let Some(name) = name else {
                    return bad(format!(
                        "import descriptor {i} at offset {at:#x}: its DLL name at RVA {name_rva:#x} is not a string in the file"
                    ));
                };
                names.push(text(name, MAX_DLL_NAME));
            }
        }
        bad(format!(
            "the import directory at offset {off:#x} has no terminating entry before the end of its section \
             (or within {MAX_IMPORTS} entries)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PE32+ file: DOS header, signature, COFF header, a 240-byte optional header and
    /// `nsections` zeroed section headers.
    fn pe(nsections: u16, ndirs: u32) -> Vec<u8> {
        let mut f = vec![0u8; 0x40];
        f[..2].copy_from_slice(b"MZ");
        f[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
        f.extend_from_slice(b"PE\0\0");
        let mut coff = vec![0u8; 20];
        coff[..2].copy_from_slice(&0x8664u16.to_le_bytes());
        coff[2..4].copy_from_slice(&nsections.to_le_bytes());
        coff[16..18].copy_from_slice(&240u16.to_le_bytes());
        f.extend(coff);
        let mut opt = vec![0u8; 240];
        opt[..2].copy_from_slice(&0x20bu16.to_le_bytes());
        opt[68..70].copy_from_slice(&3u16.to_le_bytes());
        opt[108..112].copy_from_slice(&ndirs.to_le_bytes());
        f.extend(opt);
        f.resize(f.len() + 40 * usize::from(nsections), 0);
        f
    }

    #[test]
    fn headers_are_bounded() {
        let ok = pe(2, 16);
        let p = PeFile::parse(&ok).expect("a sound PE");
        assert_eq!(p.sections().count(), 2);
        assert_eq!(p.subsystem, Some(3));
        let mut f = pe(2, 16);
        f[0x46..0x48].copy_from_slice(&0xffffu16.to_le_bytes());
        let e = PeFile::parse(&f).unwrap_err();
        assert!(
            e.0.contains("65535 sections") && e.0.contains("offset 0x46"),
            "{e}"
        );
        let e = PeFile::parse(&pe(1, 0xffff_ffff)).unwrap_err();
        assert!(e.0.contains("NumberOfRvaAndSizes 4294967295"), "{e}");
        let mut f = pe(0, 16);
        f[0x3c..0x40].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        assert!(PeFile::parse(&f).unwrap_err().0.contains("no PE signature"));
    }
}
