//! Builders of note and attribute-section bytes for the unit tests of both readers, and
//! the check of a malformed case's error.

use crate::verify::format::leb128::SectionError;

/// `v` as four bytes in the given order.
pub fn u32b(v: u32, le: bool) -> [u8; 4] {
    if le {
        v.to_le_bytes()
    } else {
        v.to_be_bytes()
    }
}

/// `v` as ULEB128.
pub fn uleb(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// Zero bytes until `out` ends on `align`.
pub fn pad_to(out: &mut Vec<u8>, align: usize) {
    while out.len() % align != 0 {
        out.push(0);
    }
}

/// A subsection of an attributes section: u32 length (counting itself), NTBS name,
/// content.
pub fn subsection(name: &str, content: &[u8], le: bool) -> Vec<u8> {
    let mut body = name.as_bytes().to_vec();
    body.push(0);
    body.extend_from_slice(content);
    let mut out = u32b((body.len() + 4) as u32, le).to_vec();
    out.extend(body);
    out
}

/// An attributes section: format version `'A'`, then the subsections.
pub fn section(subsections: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![b'A'];
    for s in subsections {
        out.extend_from_slice(s);
    }
    out
}

/// A malformed-input case's error: at `offset`, saying `msg`, naming its offset in hex,
/// and shown as its message.
pub fn assert_malformed(name: &str, err: &SectionError, offset: usize, msg: &str) {
    assert_eq!(err.offset, offset, "case {name}: offset ({})", err.message);
    assert!(
        err.message.contains(msg),
        "case {name}: message {:?} lacks {msg:?}",
        err.message
    );
    assert!(
        err.message.contains(&format!("0x{:x}", err.offset)),
        "case {name}: message {:?} lacks its offset",
        err.message
    );
    assert_eq!(err.to_string(), err.message, "case {name}: Display");
}
