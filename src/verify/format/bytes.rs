//! Reading fixed-width integers and strings at file offsets, bounds-checked, for the
//! format readers (ELF, Mach-O, PE). Nothing here allocates or scans more than it is
//! told to: a string is looked for within a stated maximum length.

/// A file's bytes with the byte order of its format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bytes<'a> {
    pub data: &'a [u8],
    pub big: bool,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8], big: bool) -> Bytes<'a> {
        Bytes { data, big }
    }

    /// `len` bytes at `off`, or `None` when they are not all in the file.
    pub fn range(&self, off: u64, len: u64) -> Option<&'a [u8]> {
        let start = usize::try_from(off).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        self.data.get(start..end)
    }

    /// The unsigned integer of `n` (at most 8) bytes at `off`, in the file's byte order.
    pub fn uint(&self, off: u64, n: u64) -> Option<u64> {
        let b = self.range(off, n)?;
        let mut v = 0u64;
        if self.big {
            for &x in b {
                v = (v << 8) | u64::from(x);
            }
        } else {
            for &x in b.iter().rev() {
                v = (v << 8) | u64::from(x);
            }
        }
        Some(v)
    }

    pub fn u16(&self, off: u64) -> Option<u16> {
        self.uint(off, 2).map(|v| v as u16)
    }

    pub fn u32(&self, off: u64) -> Option<u32> {
        self.uint(off, 4).map(|v| v as u32)
    }

    pub fn u64(&self, off: u64) -> Option<u64> {
        self.uint(off, 8)
    }

    /// A 4- or 8-byte word.
    pub fn word(&self, off: u64, wide: bool) -> Option<u64> {
        if wide {
            self.u64(off)
        } else {
            self.u32(off).map(u64::from)
        }
    }
}

/// A NUL-terminated string at the start of `b`, looked for within `max` bytes: the
/// bytes before the NUL, or `None` when there is no NUL within `max` bytes (nor before
/// the end of `b`).
pub(crate) fn cstr(b: &[u8], max: usize) -> Option<&[u8]> {
    let window = &b[..b.len().min(max)];
    window.iter().position(|&c| c == 0).map(|n| &window[..n])
}

/// The NUL-terminated string at the start of `b` as text for a verdict: looked for within
/// `max` bytes; a longer one is shown cut, marked as such.
pub(crate) fn name_text(b: &[u8], max: usize) -> String {
    match cstr(b, max + 1) {
        Some(s) => text(s, max),
        None => {
            let mut t = text(&b[..b.len().min(max)], max);
            t.push_str("…[cut]");
            t
        }
    }
}

/// `s` cut to at most `max` bytes (on a character boundary), with how much was cut
/// said at the end. Every string taken from a file passes through here before it
/// reaches a verdict, so no content can make the output grow without bound.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[{} more bytes]", &s[..end], s.len() - end)
}

/// Bytes from a file as text for a verdict: lossy UTF-8, clipped to `max` bytes.
pub fn text(b: &[u8], max: usize) -> String {
    let cut = &b[..b.len().min(max.saturating_add(4))];
    let s = String::from_utf8_lossy(cut);
    if b.len() > cut.len() {
        let mut end = max.min(s.len());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…[{} more bytes]", &s[..end], b.len() - end)
    } else {
        clip(&s, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_both_orders_and_bounds() {
        let b = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let le = Bytes::new(&b, false);
        let be = Bytes::new(&b, true);
        assert_eq!(le.u16(0), Some(0x0201));
        assert_eq!(be.u16(0), Some(0x0102));
        assert_eq!(le.u32(4), Some(0x0807_0605));
        assert_eq!(be.u64(0), Some(0x0102_0304_0506_0708));
        assert_eq!(le.u32(5), None, "past the end");
        assert_eq!(le.u64(u64::MAX), None, "offset overflow");
        assert_eq!(le.range(2, u64::MAX), None, "length overflow");
        assert_eq!(le.word(0, false), Some(0x0403_0201));
    }

    #[test]
    fn strings_are_bounded() {
        assert_eq!(cstr(b"abc\0def", 16), Some(&b"abc"[..]));
        assert_eq!(cstr(b"abcdef", 16), None, "no NUL before the end");
        assert_eq!(cstr(b"abcdef\0", 3), None, "no NUL within max");
        assert_eq!(cstr(b"\0", 3), Some(&b""[..]));
        assert_eq!(clip("hello", 10), "hello");
        assert_eq!(clip("hello world", 5), "hello…[6 more bytes]");
        assert_eq!(clip("héllo", 2), "h…[5 more bytes]", "char boundary");
        assert_eq!(text(&[b'a'; 100], 4), "aaaa…[96 more bytes]");
        assert_eq!(text(b"ok", 4), "ok");
        assert_eq!(name_text(b"libc.so.6\0", 64), "libc.so.6");
        assert_eq!(name_text(b"abcdefgh", 4), "abcd…[cut]");
    }
}
