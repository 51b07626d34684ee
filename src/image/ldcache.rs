//! `/etc/ld.so.cache` as glibc's dynamic loader reads it (`elf/dl-cache.c`,
//! `sysdeps/generic/dl-cache.h`): the old `ld.so-1.7.0` layout, the
//! `glibc-ld.so.cache1.1` layout, and the compat form that hides the new table in the
//! old one's string table. At run time glibc reads only this file, never
//! `/etc/ld.so.conf`: a cache that is stale wins.
//!
//! The header is judged as glibc judges it, so a cache glibc ignores (a wrong magic, a
//! count the file cannot hold, the other byte order) is [`Read::Ignored`], with why.
//! A lookup is glibc's binary search over the entries, on the same bytes, so a cache
//! whose entries are out of order answers as it would answer the loader. Every read is
//! bounded by the file: offsets past the string table end the search as glibc's
//! `_dl_cache_verify_ptr` does, strings end at a NUL or at the end of the file, entries
//! that run past the end make the cache [`Read::Malformed`], and one lookup compares at
//! most [`MAX_STEPS`] names.
//!
//! Two choices differ from the loader, both toward "not found": entries for a
//! `glibc-hwcaps` subdirectory or a legacy hardware capability are never taken (which
//! of them the loader takes depends on the CPU it runs on), and the cache is read for
//! the ABI of the binary's loader ([`Abi`]).

/// The most bytes of `/etc/ld.so.cache` read (a Debian 12 root with a desktop's worth
/// of libraries has a cache of about 200 KiB).
pub const MAX_LDCACHE: u64 = 16 << 20;
/// Names compared in one lookup: the binary search and the run of equal names around
/// its hit.
pub const MAX_STEPS: usize = 1_000_000;
/// The longest path taken from the cache (Linux's `PATH_MAX`); a longer one cannot be
/// opened, so the loader goes on as if it were not there.
const MAX_VALUE: usize = 4096;

/// One layout's header: its magic, the header's size, an entry's size.
struct Layout {
    magic: &'static [u8],
    header: usize,
    entry: usize,
}

/// `struct cache_file`: the magic, padding, `nlibs`; 12-byte entries.
const OLD: Layout = Layout {
    magic: b"ld.so-1.7.0",
    header: 16,
    entry: 12,
};
/// `struct cache_file_new`; 24-byte entries (`osversion` and `hwcap` added).
const NEW: Layout = Layout {
    magic: b"glibc-ld.so.cache1.1",
    header: 48,
    entry: 24,
};
/// `cache_extension_magic`.
const EXTENSION_MAGIC: u32 = 0xeaa4_2174;
/// `DL_CACHE_HWCAP_EXTENSION`: the entry is for a `glibc-hwcaps` subdirectory.
const HWCAP_EXTENSION: u64 = 1 << 62;
/// `_DL_HWCAP_TLS_MASK`: never excludes an entry.
const HWCAP_TLS: u64 = 1 << 63;

/// Which layout a cache has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `ld.so-1.7.0` only (libc5, glibc before 2.2, `ldconfig -c old`).
    Old,
    /// `glibc-ld.so.cache1.1` only (the default since glibc 2.32).
    New,
    /// `ld.so-1.7.0` with the new table inside (`ldconfig -c compat`); glibc reads the
    /// new table.
    Compat,
}

impl Format {
    /// How messages name it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Old => "ld.so-1.7.0",
            Format::New => "glibc-ld.so.cache1.1",
            Format::Compat => "ld.so-1.7.0 with glibc-ld.so.cache1.1",
        }
    }
}

/// The entries one loader takes: `_DL_CACHE_DEFAULT_ID` and `_dl_cache_check_flags`
/// of its architecture (`sysdeps/unix/sysv/linux/*/dl-cache.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abi {
    /// `_DL_CACHE_DEFAULT_ID`: an entry with these flags ends the search.
    pub default_id: i32,
    /// The flags `_dl_cache_check_flags` accepts.
    accepts: [i32; 2],
}

/// `FLAG_ELF`, `FLAG_ELF_LIBC6` and the architecture bits of ldconfig's flags.
const FLAG_ELF: i32 = 0x0001;
const LIBC6: i32 = 0x0003;

impl Abi {
    /// The ABI of the glibc loader `loader` of a GOARCH (the loader tells hard from soft
    /// float on arm); `None` for an architecture glibc's cache has no entry kind for here.
    pub fn of(goarch: &str, loader: &str) -> Option<Abi> {
        let exact = |id: i32| Abi {
            default_id: id,
            accepts: [id, id],
        };
        Some(match goarch {
            "amd64" => exact(0x0300 | LIBC6),
            "arm64" => exact(0x0a00 | LIBC6),
            "ppc64" | "ppc64le" => exact(0x0500 | LIBC6),
            "s390x" => exact(0x0400 | LIBC6),
            "riscv64" => exact(0x1000 | LIBC6),
            "mips64" | "mips64le" => exact(0x0700 | LIBC6),
            "loong64" => exact(0x1200 | LIBC6),
            // Unmarked objects count as either float ABI during the transition.
            "arm" => Abi {
                default_id: LIBC6,
                accepts: [
                    if loader.contains("armhf") {
                        0x0900 | LIBC6
                    } else {
                        0x0b00 | LIBC6
                    },
                    LIBC6,
                ],
            },
            // The generic rule: plain ELF or libc6.
            "386" | "mips" | "mipsle" => Abi {
                default_id: LIBC6,
                accepts: [FLAG_ELF, LIBC6],
            },
            _ => return None,
        })
    }

    fn accepts(self, flags: i32) -> bool {
        self.accepts.contains(&flags)
    }
}

/// What glibc makes of a file at `/etc/ld.so.cache`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read<'a> {
    /// A cache it searches.
    Cache(Cache<'a>),
    /// A file it ignores, and why: the loader goes on as if there were no cache.
    Ignored(String),
    /// A header glibc accepts whose table runs past the end of the file: the loader
    /// would read beyond the file, so what it finds cannot be told.
    Malformed(String),
}

/// A cache glibc searches: the entries of the table it reads, and the string table
/// their offsets point into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache<'a> {
    pub format: Format,
    big: bool,
    /// Where the offsets start (the new header, or the end of the old entries) to the
    /// end of the file.
    strings: &'a [u8],
    /// glibc's `string_table_size`: an offset at or past it is bogus.
    strings_size: usize,
    entries: &'a [u8],
    entry_size: usize,
    /// The glibc that wrote it (the generator extension), when it says.
    pub generator: Option<String>,
}

/// One entry of a cache, for listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub flags: i32,
    pub name: String,
    pub path: String,
    pub hwcap: u64,
}

/// The `N`-byte unsigned integer at `at`, in the cache's byte order.
fn uint<const N: usize>(b: &[u8], at: usize, big: bool) -> Option<u64> {
    let bytes = b.get(at..at.checked_add(N)?)?;
    Some(bytes.iter().enumerate().fold(0, |v, (i, &x)| {
        let place = if big { N - 1 - i } else { i };
        v | u64::from(x) << (8 * place)
    }))
}

fn word(b: &[u8], at: usize, big: bool) -> Option<u32> {
    uint::<4>(b, at, big).map(|v| v as u32)
}

/// The endianness bits of a new header's flags byte, as `cache_file_new_matches_endian`
/// judges them: `Err(why)` when glibc would ignore the cache.
fn endian_ok(flags: u8, big: bool) -> Result<(), String> {
    let want = if big { 3 } else { 2 };
    if flags == 0 || flags & 3 == want {
        return Ok(());
    }
    let said = match flags & 3 {
        1 => "invalid",
        2 => "little-endian",
        3 => "big-endian",
        _ => "unset",
    };
    Err(format!(
        "its header says {said} (flags {flags:#04x}) and the image's loader is {}-endian",
        if big { "big" } else { "little" }
    ))
}

/// Reads a cache's header as glibc's `_dl_load_cache_lookup` does, for a loader of
/// byte order `big`.
pub fn read(bytes: &[u8], big: bool) -> Read<'_> {
    let len = bytes.len();
    if len > NEW.header && bytes.starts_with(NEW.magic) {
        let nlibs = word(bytes, 20, big).unwrap_or(u32::MAX) as usize;
        if (len - NEW.header) / NEW.entry >= nlibs {
            if let Err(why) = endian_ok(bytes[28], big) {
                return Read::Ignored(why);
            }
            return Read::Cache(Cache {
                format: Format::New,
                big,
                strings: bytes,
                strings_size: len,
                entries: &bytes[NEW.header..NEW.header + nlibs * NEW.entry],
                entry_size: NEW.entry,
                generator: generator(bytes, 0, big),
            });
        }
        return Read::Ignored(format!(
            "its header counts {nlibs} entries, more than its {len} bytes hold"
        ));
    }
    if len > OLD.header && bytes.starts_with(OLD.magic) {
        let nlibs = word(bytes, 12, big).unwrap_or(u32::MAX) as usize;
        if (len - OLD.header) / OLD.entry < nlibs {
            return Read::Ignored(format!(
                "its header counts {nlibs} entries, more than its {len} bytes hold"
            ));
        }
        let old_end = OLD.header + nlibs * OLD.entry;
        // ALIGN_CACHE: the new header is aligned to 8 bytes.
        let at = (old_end + 7) & !7;
        let hidden = at
            .checked_add(NEW.header)
            .is_some_and(|end| end <= len && bytes[at..].starts_with(NEW.magic));
        if !hidden {
            return Read::Cache(Cache {
                format: Format::Old,
                big,
                strings: &bytes[old_end..],
                strings_size: len - old_end,
                entries: &bytes[OLD.header..old_end],
                entry_size: OLD.entry,
                generator: None,
            });
        }
        if let Err(why) = endian_ok(bytes[at + 28], big) {
            return Read::Ignored(why);
        }
        // glibc does not check the hidden table's count against the file.
        let n = word(bytes, at + 20, big).unwrap_or(u32::MAX) as usize;
        let first = at + NEW.header;
        let Some(end) = n
            .checked_mul(NEW.entry)
            .and_then(|s| s.checked_add(first))
            .filter(|&e| e <= len)
        else {
            return Read::Malformed(format!(
                "the glibc-ld.so.cache1.1 table at offset {at:#x} counts {n} entries, more than the file's {len} bytes hold"
            ));
        };
        return Read::Cache(Cache {
            format: Format::Compat,
            big,
            strings: &bytes[at..],
            // As glibc passes it: the whole file's size, not what follows the header.
            strings_size: len,
            entries: &bytes[first..end],
            entry_size: NEW.entry,
            generator: generator(bytes, at, big),
        });
    }
    Read::Ignored(
        if bytes.starts_with(NEW.magic) || bytes.starts_with(OLD.magic) {
            format!("it is {len} bytes, shorter than its header")
        } else {
            "it starts with neither ld.so-1.7.0 nor glibc-ld.so.cache1.1".to_string()
        },
    )
}

/// The generator extension of the new header at `header` (offsets from the file's
/// start), when it is there and sound; a damaged extension is ignored, as glibc does.
fn generator(file: &[u8], header: usize, big: bool) -> Option<String> {
    let ext = word(file, header + 32, big)? as usize;
    if ext == 0 || ext % 4 != 0 || word(file, ext, big)? != EXTENSION_MAGIC {
        return None;
    }
    let count = word(file, ext + 4, big)? as usize;
    // Each section is 16 bytes; the count is bounded by the file.
    let sections = file.len().saturating_sub(ext + 8) / 16;
    (0..count.min(sections)).find_map(|i| {
        let at = ext + 8 + i * 16;
        let (tag, off, size) = (
            word(file, at, big)?,
            word(file, at + 8, big)? as usize,
            word(file, at + 12, big)? as usize,
        );
        let text = file.get(off..off.checked_add(size)?)?;
        (tag == 0).then(|| String::from_utf8_lossy(text).chars().take(200).collect())
    })
}

/// glibc's `_dl_cache_libcmp`: runs of digits compare as numbers (C `int`, wrapping as
/// it does in practice), the rest byte by byte; `b` ends at a NUL or its end.
fn libcmp(a: &[u8], b: &[u8]) -> i32 {
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut i, mut j) = (0, 0);
    while at(a, i) != 0 {
        let (x, y) = (at(a, i), at(b, j));
        if x.is_ascii_digit() {
            if !y.is_ascii_digit() {
                return 1;
            }
            let number = |s: &[u8], k: &mut usize| {
                let mut v: i32 = 0;
                while at(s, *k).is_ascii_digit() {
                    v = v.wrapping_mul(10).wrapping_add(i32::from(at(s, *k) - b'0'));
                    *k += 1;
                }
                v
            };
            let (v1, v2) = (number(a, &mut i), number(b, &mut j));
            if v1 != v2 {
                return v1.wrapping_sub(v2);
            }
        } else if y.is_ascii_digit() {
            return -1;
        } else if x != y {
            return i32::from(x) - i32::from(y);
        } else {
            i += 1;
            j += 1;
        }
    }
    -i32::from(at(b, j))
}

impl<'a> Cache<'a> {
    /// How many entries the table glibc reads has.
    pub fn len(&self) -> usize {
        self.entries.len() / self.entry_size
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The string at a table offset: up to its NUL, or the end of the file (the loader
    /// maps the file, and what follows it reads as zeros); empty past the end.
    fn string(&self, off: u32) -> &'a [u8] {
        let rest = self.strings.get(off as usize..).unwrap_or(&[]);
        &rest[..rest.iter().position(|&c| c == 0).unwrap_or(rest.len())]
    }

    /// `(flags, key, value, hwcap)` of entry `i`.
    fn entry(&self, i: usize) -> (i32, u32, u32, u64) {
        let at = i * self.entry_size;
        let e = self.entries;
        let w = |k| word(e, at + k, self.big).unwrap_or(0);
        let hwcap = if self.entry_size == NEW.entry {
            uint::<8>(e, at + 16, self.big).unwrap_or(0)
        } else {
            0
        };
        (w(0) as i32, w(4), w(8), hwcap)
    }

    fn valid(&self, off: u32) -> bool {
        (off as usize) < self.strings_size
    }

    /// Every entry, in table order, for listing.
    pub fn entries(&self) -> Vec<Entry> {
        (0..self.len())
            .map(|i| {
                let (flags, key, value, hwcap) = self.entry(i);
                let text = |off| String::from_utf8_lossy(self.string(off)).into_owned();
                Entry {
                    flags,
                    name: text(key),
                    path: text(value),
                    hwcap,
                }
            })
            .collect()
    }

    /// The path the loader of `abi` takes from the cache for `name`, by glibc's
    /// `search_cache`: `Ok(None)` when the cache has no entry it would take; `Err` past
    /// [`MAX_STEPS`] comparisons.
    pub fn lookup(&self, name: &str, abi: Abi) -> Result<Option<String>, String> {
        let name = name.as_bytes();
        let mut steps = 0usize;
        let mut cmp = |key: u32| -> Result<i32, String> {
            steps += 1;
            if steps > MAX_STEPS {
                return Err(format!(
                    "looking up a name in /etc/ld.so.cache compared more than {MAX_STEPS} entries (MAX_STEPS)"
                ));
            }
            Ok(libcmp(name, self.string(key)))
        };
        let (mut left, mut right) = (0i64, self.len() as i64 - 1);
        while left <= right {
            let mut middle = (left + right) / 2;
            let (_, key, _, _) = self.entry(middle as usize);
            if !self.valid(key) {
                return Ok(None);
            }
            let res = cmp(key)?;
            if res == 0 {
                left = middle;
                // Back to the first entry of this name.
                while middle > 0 {
                    let (_, key, _, _) = self.entry(middle as usize - 1);
                    if !self.valid(key) || cmp(key)? != 0 {
                        break;
                    }
                    middle -= 1;
                }
                return self.choose(middle, left, right, &mut cmp, abi);
            }
            if res < 0 {
                left = middle + 1;
            } else {
                right = middle - 1;
            }
        }
        Ok(None)
    }

    /// From the first entry of the name on, the one glibc takes (see [`Cache::lookup`]).
    fn choose(
        &self,
        mut middle: i64,
        left: i64,
        right: i64,
        cmp: &mut impl FnMut(u32) -> Result<i32, String>,
        abi: Abi,
    ) -> Result<Option<String>, String> {
        let mut best: Option<u32> = None;
        while middle <= right {
            let (flags, key, value, hwcap) = self.entry(middle as usize);
            middle += 1;
            if middle - 1 > left && (!self.valid(key) || cmp(key)? != 0) {
                break;
            }
            if !abi.accepts(flags) || !self.valid(value) {
                continue;
            }
            if self.entry_size == NEW.entry {
                // Which glibc-hwcaps subdirectory or hardware capability the loader
                // takes depends on the CPU: never taken here.
                if (hwcap >> 32) & !0x3ff == HWCAP_EXTENSION >> 32 {
                    continue;
                }
                if best.is_some() {
                    break;
                }
                if hwcap & !HWCAP_TLS != 0 {
                    continue;
                }
            }
            best = Some(value);
            if flags == abi.default_id {
                break;
            }
        }
        Ok(best.and_then(|v| {
            let path = self.string(v);
            (path.len() <= MAX_VALUE).then(|| String::from_utf8_lossy(path).into_owned())
        }))
    }
}

#[cfg(test)]
mod tests;
