//! Bounds-checked byte cursor shared by the build-attribute and note parsers: ULEB128, NUL-terminated strings (NTBS), endian-aware `u32` and length-prefixed blocks, with every failure reported at its byte offset.

/// A malformed section: the byte offset (within the whole section) of the item that could
/// not be decoded, and a message that names the item and repeats that offset in hex.
/// Every parser of section contents in `verify` reports its failures with this type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionError {
    /// Offset within the section of the first byte of the item that failed.
    pub offset: usize,
    /// Human-readable description, always containing `0x{offset:x}`.
    pub message: String,
}

impl SectionError {
    /// Builds an error at `offset`.
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> Self {
        SectionError {
            offset,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for SectionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SectionError {}

/// The reader's own name for its errors.
pub(crate) type ReadError = SectionError;

/// A cursor over a window of a section. Offsets reported by the reader (and in its errors) are
/// absolute, i.e. relative to the start of the whole section, also for sub-readers made by
/// [`Reader::take`] and [`Reader::length_prefixed`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

/// Rounds `value` up to a multiple of `align` (a power of two, or 1); `None` on overflow.
pub(crate) fn align_up(value: usize, align: usize) -> Option<usize> {
    if align <= 1 {
        return Some(value);
    }
    let rem = value.checked_rem(align)?;
    if rem == 0 {
        Some(value)
    } else {
        value.checked_add(align.checked_sub(rem)?)
    }
}

impl<'a> Reader<'a> {
    /// A reader over a whole section; offsets start at 0.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            pos: 0,
            base: 0,
        }
    }

    /// Absolute offset (within the section) of the next unread byte.
    pub(crate) fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// Number of unread bytes in this reader's window.
    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// True when every byte of the window has been consumed.
    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    /// Advances by up to `n` bytes (stops at the end of the window).
    pub(crate) fn skip(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.data.len());
    }

    /// Reads `n` raw bytes.
    pub(crate) fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], ReadError> {
        let start = self.offset();
        match self.rest().get(..n) {
            Some(b) => {
                self.pos = self.pos.saturating_add(n);
                Ok(b)
            }
            None => Err(ReadError::new(
                start,
                format!(
                    "{what} at offset 0x{start:x} needs {n} bytes but only {} remain",
                    self.remaining()
                ),
            )),
        }
    }

    /// Splits off the next `n` bytes as a sub-reader (with absolute offsets) and skips them here.
    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<Reader<'a>, ReadError> {
        let base = self.offset();
        let data = self.bytes(n, what)?;
        Ok(Reader { data, pos: 0, base })
    }

    /// Reads one byte.
    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, ReadError> {
        let b = self.bytes(1, what)?;
        Ok(b.first().copied().unwrap_or(0))
    }

    /// Reads a 4-byte unsigned integer in the given byte order.
    pub(crate) fn u32(&mut self, little_endian: bool, what: &str) -> Result<u32, ReadError> {
        let b = self.bytes(4, what)?;
        let mut arr = [0u8; 4];
        arr.copy_from_slice(b);
        Ok(if little_endian {
            u32::from_le_bytes(arr)
        } else {
            u32::from_be_bytes(arr)
        })
    }

    /// Reads an unsigned LEB128 number. Fails if the encoding runs off the end of the window or
    /// encodes a value that does not fit in 64 bits (redundant zero continuation bytes are
    /// accepted, as LLVM does).
    pub(crate) fn uleb128(&mut self, what: &str) -> Result<u64, ReadError> {
        let start = self.offset();
        let mut value: u64 = 0;
        let mut shift: u32 = 0;
        for (i, &byte) in self.rest().iter().enumerate() {
            let slice = u64::from(byte & 0x7f);
            if shift >= 64 {
                if slice != 0 {
                    return Err(overflow(start, what));
                }
            } else {
                let shifted = slice << shift;
                if shifted >> shift != slice {
                    return Err(overflow(start, what));
                }
                value |= shifted;
            }
            if byte & 0x80 == 0 {
                self.skip(i.saturating_add(1));
                return Ok(value);
            }
            shift = shift.saturating_add(7);
        }
        Err(ReadError::new(
            start,
            format!(
                "{what} (ULEB128) at offset 0x{start:x} runs off the end: {} byte(s) without a final byte",
                self.remaining()
            ),
        ))
    }

    /// Reads a NUL-terminated byte string and returns it without the NUL.
    pub(crate) fn ntbs(&mut self, what: &str) -> Result<&'a [u8], ReadError> {
        let start = self.offset();
        let rest = self.rest();
        match rest.iter().position(|&b| b == 0) {
            Some(nul) => {
                self.skip(nul.saturating_add(1));
                Ok(rest.get(..nul).unwrap_or(&[]))
            }
            None => Err(ReadError::new(
                start,
                format!(
                    "{what} at offset 0x{start:x} is not NUL-terminated within the {} remaining byte(s)",
                    rest.len()
                ),
            )),
        }
    }

    /// Reads a block whose `u32` length field is at the current position and counts itself, the
    /// `counted_before` header bytes already consumed just before it (e.g. a 1-byte tag), and the
    /// body. Returns a sub-reader over the body (everything after the length field) and advances
    /// past the whole block. `min_len` is the smallest length that can hold the block's header.
    pub(crate) fn length_prefixed(
        &mut self,
        little_endian: bool,
        counted_before: usize,
        min_len: usize,
        what: &str,
    ) -> Result<Reader<'a>, ReadError> {
        let start = self.offset().saturating_sub(counted_before);
        let available = self.remaining().saturating_add(counted_before);
        let len_field = self.u32(little_endian, &format!("{what} length field"))?;
        let len = usize::try_from(len_field).unwrap_or(usize::MAX);
        if len < min_len {
            return Err(ReadError::new(
                start,
                format!(
                    "{what} at offset 0x{start:x} has length {len_field}, smaller than its {min_len}-byte minimum"
                ),
            ));
        }
        if len > available {
            return Err(ReadError::new(
                start,
                format!(
                    "{what} at offset 0x{start:x} claims {len_field} bytes but only {available} remain"
                ),
            ));
        }
        let body_len = len.saturating_sub(counted_before).saturating_sub(4);
        self.take(body_len, what)
    }
}

fn overflow(start: usize, what: &str) -> ReadError {
    ReadError::new(
        start,
        format!("{what} (ULEB128) at offset 0x{start:x} overflows 64 bits"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uleb128_table() {
        let ok: &[(&str, &[u8], u64, usize)] = &[
            ("zero", &[0x00], 0, 1),
            ("one byte max", &[0x7f], 127, 1),
            ("two bytes", &[0x80, 0x01], 128, 2),
            ("dwarf example 624485", &[0xe5, 0x8e, 0x26], 624_485, 3),
            ("trailing data untouched", &[0x05, 0xff], 5, 1),
            (
                "u64::MAX",
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
                u64::MAX,
                10,
            ),
            (
                "redundant zero padding past 64 bits",
                &[
                    0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
                ],
                1,
                12,
            ),
        ];
        for (name, bytes, want, used) in ok {
            let mut r = Reader::new(bytes);
            assert_eq!(r.uleb128("v"), Ok(*want), "case {name}");
            assert_eq!(r.offset(), *used, "case {name}: bytes consumed");
        }
        let bad: &[(&str, &[u8], &str)] = &[
            ("empty", &[], "runs off the end"),
            ("unterminated", &[0x80], "runs off the end"),
            ("unterminated long", &[0xff, 0xff, 0xff], "runs off the end"),
            (
                "65th bit set",
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
                "overflows 64 bits",
            ),
            (
                "bits past 70",
                &[
                    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
                ],
                "overflows 64 bits",
            ),
        ];
        for (name, bytes, msg) in bad {
            let err = Reader::new(bytes).uleb128("thing").expect_err(name);
            assert_eq!(err.offset, 0, "case {name}");
            assert!(err.message.contains(msg), "case {name}: {}", err.message);
            assert!(err.message.contains("0x0"), "case {name}: {}", err.message);
        }
    }

    #[test]
    fn ntbs_and_ints() {
        let mut r = Reader::new(b"ab\0\0x");
        assert_eq!(r.ntbs("s"), Ok(&b"ab"[..]), "case first string");
        assert_eq!(r.ntbs("s"), Ok(&b""[..]), "case empty string");
        let err = r.ntbs("s").expect_err("case unterminated");
        assert_eq!(err.offset, 4, "case unterminated offset");

        let mut r = Reader::new(&[1, 2, 3, 4, 1, 2, 3, 4, 9]);
        assert_eq!(r.u32(true, "le"), Ok(0x0403_0201), "case u32 le");
        assert_eq!(r.u32(false, "be"), Ok(0x0102_0304), "case u32 be");
        let err = r.u32(true, "short").expect_err("case u32 truncated");
        assert_eq!(err.offset, 8, "case u32 truncated offset");
        assert!(err.message.contains("only 1 remain"), "{}", err.message);
    }

    #[test]
    fn length_prefixed_and_offsets() {
        // 'X', then a block of length 6 (4 length bytes + 2 body bytes), then 1 spare byte.
        let data = [b'X', 6, 0, 0, 0, 0xaa, 0xbb, 0xcc];
        let mut r = Reader::new(&data);
        r.skip(1);
        let mut body = r
            .length_prefixed(true, 0, 4, "block")
            .expect("case valid block");
        assert_eq!(body.offset(), 5, "case body starts after the length");
        assert_eq!(body.u8("b"), Ok(0xaa), "case body byte 0");
        assert_eq!(body.u8("b"), Ok(0xbb), "case body byte 1");
        assert!(body.is_empty(), "case body exhausted");
        assert_eq!(r.offset(), 7, "case outer advanced past block");

        let cases: &[(&str, &[u8], usize, &str)] = &[
            ("length 0", &[0, 0, 0, 0], 0, "has length 0"),
            ("too small", &[3, 0, 0, 0], 0, "has length 3"),
            (
                "past end",
                &[0, 0x10, 0, 0, 1],
                0,
                "claims 4096 bytes but only 5 remain",
            ),
            (
                "truncated length",
                &[1, 0],
                0,
                "needs 4 bytes but only 2 remain",
            ),
        ];
        for (name, bytes, off, msg) in cases {
            let err = Reader::new(bytes)
                .length_prefixed(true, 0, 4, "block")
                .expect_err(name);
            assert_eq!(err.offset, *off, "case {name}");
            assert!(err.message.contains(msg), "case {name}: {}", err.message);
        }
    }

    #[test]
    fn align_up_table() {
        let cases = [
            ("already aligned", 8, 8, Some(8)),
            ("round up", 9, 8, Some(16)),
            ("align 4", 13, 4, Some(16)),
            ("align 1", 13, 1, Some(13)),
            ("overflow", usize::MAX, 8, None),
        ];
        for (name, v, a, want) in cases {
            assert_eq!(align_up(v, a), want, "case {name}");
        }
    }
}
