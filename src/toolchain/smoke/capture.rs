//! A smoke run's output: its stdout and stderr read apart from non-blocking pipes,
//! each capped at [`OUTPUT_CAP`] bytes kept, the rest counted and dropped.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Output kept from each of a smoke run's streams (stdout, stderr); the rest is counted
/// and dropped.
pub const OUTPUT_CAP: usize = 64 << 10;

/// What one stream of a smoke run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// The first [`OUTPUT_CAP`] bytes, as text (invalid UTF-8 replaced).
    pub text: String,
    /// Every byte written, kept or dropped.
    pub bytes: u64,
}

impl Output {
    /// Whether bytes were dropped past the cap.
    pub fn truncated(&self) -> bool {
        self.bytes > OUTPUT_CAP as u64
    }

    /// The first line that is not blank.
    pub fn first_line(&self) -> Option<&str> {
        self.text.lines().find(|l| !l.trim().is_empty())
    }
}

/// A pipe, both ends close-on-exec.
pub(super) fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 writes two new descriptors into the array; we own them after.
    unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok((OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])))
    }
}

/// One stream of the artifact's output: the first [`OUTPUT_CAP`] bytes kept, the rest
/// counted.
pub(super) struct Capture {
    fd: OwnedFd,
    kept: Vec<u8>,
    total: u64,
    eof: bool,
}

impl Capture {
    pub(super) fn new(fd: OwnedFd) -> Capture {
        // SAFETY: fcntl on a descriptor we own.
        unsafe {
            let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        Capture {
            fd,
            kept: Vec::new(),
            total: 0,
            eof: false,
        }
    }

    /// Reads what is there (at most 4 MiB a call, so a flood cannot keep the caller
    /// from its deadline).
    fn read_available(&mut self) {
        let mut buf = [0u8; 65536];
        let mut budget = 4 << 20;
        while budget > 0 && !self.eof {
            // SAFETY: read into a buffer of the length given.
            let n = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast::<libc::c_void>(),
                    buf.len(),
                )
            };
            if n > 0 {
                let n = n as usize;
                let room = OUTPUT_CAP.saturating_sub(self.kept.len());
                self.kept.extend_from_slice(&buf[..n.min(room)]);
                self.total += n as u64;
                budget -= n.min(budget);
                continue;
            }
            if n == 0 {
                self.eof = true;
            } else {
                let e = std::io::Error::last_os_error();
                match e.kind() {
                    std::io::ErrorKind::Interrupted => continue,
                    std::io::ErrorKind::WouldBlock => {}
                    _ => self.eof = true,
                }
            }
            break;
        }
    }

    pub(super) fn finish(self) -> Output {
        Output {
            text: String::from_utf8_lossy(&self.kept).into_owned(),
            bytes: self.total,
        }
    }
}

/// stdout and stderr, read apart.
pub(super) struct Streams {
    pub(super) out: Capture,
    pub(super) err: Capture,
}

impl Streams {
    pub(super) fn eof(&self) -> bool {
        self.out.eof && self.err.eof
    }

    /// Waits up to `wait` for output on either stream and reads what is there.
    pub(super) fn pump(&mut self, wait: Duration) {
        if self.eof() {
            std::thread::sleep(wait);
            return;
        }
        let mut fds = [&self.out, &self.err].map(|c| libc::pollfd {
            // A negative descriptor is ignored by poll: a stream at EOF.
            fd: if c.eof { -1 } else { c.fd.as_raw_fd() },
            events: libc::POLLIN,
            revents: 0,
        });
        // SAFETY: poll on an array of pollfds we own, of the length given.
        unsafe {
            libc::poll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                wait.as_millis().min(1000) as libc::c_int,
            );
        }
        self.out.read_available();
        self.err.read_available();
    }
}
