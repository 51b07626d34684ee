//! go's output read line by line as it arrives, from its stdout and its stderr, and
//! bounded: the first [`HEAD`] lines are handed on at once, the last [`TAIL`] when go is
//! done, the ones between only counted, and no line is kept past [`MAX_LINE`] bytes, so
//! a flood cannot exhaust memory.

use std::collections::VecDeque;
use std::io::Read;

/// Lines handed on as they arrive.
pub const HEAD: usize = 200;
/// Lines kept at the end, handed on once go is done.
pub const TAIL: usize = 200;
/// Bytes kept of one line; the rest of it is dropped and said so.
pub const MAX_LINE: usize = 16 * 1024;

/// Which of go's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoStream {
    Stdout,
    Stderr,
}

impl GoStream {
    pub fn name(self) -> &'static str {
        match self {
            GoStream::Stdout => "stdout",
            GoStream::Stderr => "stderr",
        }
    }
}

/// What a running go said: one line (no newline), or how many lines were not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoLine<'a> {
    Line { stream: GoStream, text: &'a str },
    Omitted(usize),
}

/// The lines of one run, bounded.
#[derive(Debug, Default)]
pub struct Bounded {
    head: Vec<(GoStream, String)>,
    tail: VecDeque<(GoStream, String)>,
    omitted: usize,
}

impl Bounded {
    /// Takes one line: handed to `on_line` now while the head has room, else kept in
    /// the tail (whose oldest line is then only counted).
    pub fn push(&mut self, stream: GoStream, text: String, on_line: &dyn Fn(GoLine)) {
        if self.head.len() < HEAD {
            on_line(GoLine::Line {
                stream,
                text: &text,
            });
            self.head.push((stream, text));
            return;
        }
        if self.tail.len() == TAIL {
            self.tail.pop_front();
            self.omitted += 1;
        }
        self.tail.push_back((stream, text));
    }

    /// go is done: the count of lines not kept, then the tail.
    pub fn finish(&self, on_line: &dyn Fn(GoLine)) {
        if self.omitted > 0 {
            on_line(GoLine::Omitted(self.omitted));
        }
        for (stream, text) in &self.tail {
            on_line(GoLine::Line {
                stream: *stream,
                text,
            });
        }
    }

    /// Everything kept, as one text (for error messages and `compiler-failed`).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (_, line) in &self.head {
            out.push_str(line);
            out.push('\n');
        }
        if self.omitted > 0 {
            out.push_str(&omitted_line(self.omitted));
            out.push('\n');
        }
        for (_, line) in &self.tail {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// The line that stands for `n` lines not kept.
pub fn omitted_line(n: usize) -> String {
    format!(
        "[… {n} line{} of go's output not shown]",
        if n == 1 { "" } else { "s" }
    )
}

/// Reads `r` to its end, calling `f` with each line as soon as its newline arrives (a
/// trailing `\r` dropped, invalid UTF-8 replaced, a line longer than [`MAX_LINE`] cut
/// and marked), and with the last line when it has none.
pub fn read_lines(mut r: impl Read, mut f: impl FnMut(String)) -> std::io::Result<()> {
    let mut buf = [0u8; 8192];
    let mut line: Vec<u8> = Vec::new();
    let mut cut = false;
    let mut emit = |line: &mut Vec<u8>, cut: &mut bool| {
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let mut text = String::from_utf8_lossy(line).into_owned();
        if *cut {
            text.push_str(" [… line cut]");
        }
        line.clear();
        *cut = false;
        f(text);
    };
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for part in buf[..n].split_inclusive(|b| *b == b'\n') {
            let (body, ends) = match part.split_last() {
                Some((b'\n', body)) => (body, true),
                _ => (part, false),
            };
            let room = MAX_LINE.saturating_sub(line.len());
            if body.len() > room {
                cut = true;
            }
            line.extend_from_slice(&body[..body.len().min(room)]);
            if ends {
                emit(&mut line, &mut cut);
            }
        }
    }
    if !line.is_empty() || cut {
        emit(&mut line, &mut cut);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn lines_as_read() {
        let cases: &[(&str, &[u8], &[&str])] = &[
            ("empty", b"", &[]),
            ("one with newline", b"a\n", &["a"]),
            ("last without newline", b"a\nb", &["a", "b"]),
            ("crlf", b"a\r\nb\r\n", &["a", "b"]),
            ("empty lines kept", b"\n\nx\n", &["", "", "x"]),
            ("invalid utf-8", b"\xff\n", &["\u{fffd}"]),
        ];
        for (name, input, want) in cases {
            let got = RefCell::new(Vec::new());
            read_lines(*input, |l| got.borrow_mut().push(l)).unwrap();
            assert_eq!(got.into_inner(), *want, "case {name}");
        }
    }

    #[test]
    fn a_long_line_is_cut() {
        let input = vec![b'x'; MAX_LINE * 3];
        let mut got = Vec::new();
        read_lines(&input[..], |l| got.push(l)).unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].ends_with(" [… line cut]"), "{}", &got[0][MAX_LINE..]);
        assert_eq!(got[0].len(), MAX_LINE + " [… line cut]".len());
    }

    #[test]
    fn a_flood_keeps_head_and_tail() {
        for (total, shown_now, omitted) in [
            (3, 3, 0),
            (HEAD, HEAD, 0),
            (HEAD + TAIL, HEAD, 0),
            (HEAD + TAIL + 5, HEAD, 5),
            (100_000, HEAD, 100_000 - HEAD - TAIL),
        ] {
            let now = RefCell::new(0usize);
            let mut b = Bounded::default();
            for i in 0..total {
                b.push(GoStream::Stderr, format!("line {i}"), &|_| {
                    *now.borrow_mut() += 1
                });
            }
            assert_eq!(*now.borrow(), shown_now, "{total} lines: shown at once");
            let later = RefCell::new(Vec::new());
            b.finish(&|l| {
                later.borrow_mut().push(match l {
                    GoLine::Line { text, .. } => text.to_string(),
                    GoLine::Omitted(n) => format!("omitted {n}"),
                })
            });
            let later = later.into_inner();
            if omitted > 0 {
                assert_eq!(later[0], format!("omitted {omitted}"), "{total} lines");
            }
            assert_eq!(
                later.last().cloned(),
                (total > HEAD).then(|| format!("line {}", total - 1)),
                "{total} lines: the last line is kept"
            );
            let text = b.text();
            assert_eq!(
                text.lines().count(),
                total.min(HEAD + TAIL) + usize::from(omitted > 0),
                "{total} lines: text"
            );
        }
    }
}
