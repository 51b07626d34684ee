//! Where each format keeps the build info: the sections and segments of the parsed ELF,
//! Mach-O and PE files, turned into an address map for the blob reader.

use super::blob::{from_regions, Region, MAX_REGIONS};
use super::info::BuildInfo;
use crate::verify::format::elf_file::{ElfFile, PF_W, PF_X, PT_LOAD, SHT_NOBITS};
use crate::verify::format::macho::{fixed_name, MachFile};
use crate::verify::format::pe::PeFile;

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
