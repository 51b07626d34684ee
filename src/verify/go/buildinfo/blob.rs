//! Locating and decoding the build info blob in an address map: the header, then the
//! Go version and module info, inline (Go 1.18 on, varint-prefixed) or through Go string
//! headers (up to Go 1.17).

use super::info::BuildInfo;
use super::modinfo::parse_modinfo;
use crate::verify::format::bytes::Bytes;

/// The first 14 bytes of the build info blob. The `\xff` is invalid UTF-8, which makes an
/// accidental match in string data unlikely.
pub const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// The blob's alignment in the address space.
pub(super) const ALIGN: u64 = 16;
/// The blob's fixed header: magic, pointer size, flags, then two pointers (or padding).
pub(super) const HEADER_SIZE: usize = 32;
pub(super) const PTR_SIZE_OFFSET: usize = 14;
pub(super) const FLAGS_OFFSET: usize = 15;
pub(super) const VERS_PTR_OFFSET: usize = 16;
pub(super) const FLAG_BIG_ENDIAN: u8 = 0x1;
pub(super) const FLAG_INLINE: u8 = 0x2;
/// Longest unsigned varint (`encoding/binary.MaxVarintLen64`).
pub(super) const MAX_VARINT_LEN: usize = 10;
/// Length of each sentinel that frames the module info (`modload.infoStart`/`infoEnd`).
pub(super) const SENTINEL_LEN: usize = 16;
/// How far into the data the blob is looked for. Go's linker puts it first; a file that
/// hides it deeper is read as having none, which a required check rejects.
pub(super) const MAX_SCAN: u64 = 64 << 20;
/// The longest Go version string read (real ones are under 100 bytes).
pub(super) const MAX_VERSION: u64 = 4096;
/// The longest module info read (a binary with a thousand dependencies has ~150 KiB).
pub(super) const MAX_MODINFO: u64 = 16 << 20;
/// Address ranges kept for translating addresses; more are ignored.
pub(super) const MAX_REGIONS: usize = 1 << 16;

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
    pub(super) fn take(&self, len: u64, what: &str) -> Result<&'a [u8], String> {
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
pub(super) fn decode(
    bytes: &[u8],
    regions: &[Region],
    addr: u64,
    offset: u64,
) -> Result<BuildInfo, String> {
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
pub(super) fn strip_sentinels(modinfo: &[u8]) -> &[u8] {
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
pub(super) fn inline_string<'a>(
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
pub(super) struct Pointers {
    size: u8,
    big_endian: bool,
}

impl Pointers {
    pub(super) fn new(size: u8, big_endian: bool) -> Option<Pointers> {
        matches!(size, 4 | 8).then_some(Pointers { size, big_endian })
    }

    /// The pointer at `at` in `b`; 0 when `b` is too short (callers check lengths first).
    pub(super) fn read(self, b: &[u8], at: usize) -> u64 {
        Bytes::new(b, self.big_endian)
            .uint(at as u64, u64::from(self.size))
            .unwrap_or(0)
    }
}

/// The Go string whose header `{data, len}` is at `addr` (Go ≤ 1.17 format). An empty string
/// needs no data pointer (GOPATH builds have an empty module info with a nil pointer).
pub(super) fn go_string<'a>(
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
