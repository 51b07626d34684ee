//! Children that die with the tool, even when it is SIGKILLed.
//!
//! `go build` runs in its own process group (so Ctrl-C reaches all of it). The go
//! process itself gets `PR_SET_PDEATHSIG`, but that does not reach its compilers and
//! linkers. So each group also gets a watchdog: a forked process holding the read end
//! of a pipe whose write end only this process has. When the build ends normally we
//! write one byte and the watchdog exits; when this process dies without writing
//! (SIGKILL included) the kernel closes the pipe, the watchdog reads EOF and kills
//! the whole group with SIGKILL.

use std::ffi::CString;
use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd};

/// Asks the kernel to SIGKILL the calling (child) process when the thread that forked
/// it exits; for use between fork and exec. Returns an error if the parent already
/// died before the request took effect.
pub fn die_with_parent(parent: libc::pid_t) -> std::io::Result<()> {
    // SAFETY: prctl and getppid are async-signal-safe and touch no memory of ours.
    unsafe {
        if libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        ) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
        if libc::getppid() != parent {
            return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
        }
    }
    Ok(())
}

/// A watchdog over one process group; dropping it stands the watchdog down.
#[derive(Debug)]
pub struct Watchdog {
    pid: libc::pid_t,
    tell: Option<OwnedFd>,
}

impl Watchdog {
    /// Forks the watchdog for process group `pgid`.
    pub fn spawn(pgid: libc::pid_t) -> std::io::Result<Watchdog> {
        if pgid <= 0 {
            return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
        }
        // Everything the child needs is made before fork: it may not allocate.
        let devnull = CString::new("/dev/null").map_err(std::io::Error::other)?;
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2 writes two descriptors into the array we pass.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: both descriptors are fresh and owned from here on.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // SAFETY: the child runs only async-signal-safe calls and never returns.
        let pid = unsafe { libc::fork() };
        match pid {
            -1 => Err(std::io::Error::last_os_error()),
            0 => unsafe { watch(read.as_raw_fd(), pgid, devnull.as_ptr()) },
            _ => {
                drop(read);
                Ok(Watchdog {
                    pid,
                    tell: Some(write),
                })
            }
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(w) = self.tell.take() {
            // SAFETY: one byte from a valid buffer to a descriptor we own.
            unsafe {
                libc::write(w.as_raw_fd(), b"x".as_ptr().cast(), 1);
            }
            drop(w);
        }
        let mut status = 0;
        // SAFETY: reaps our own child; it exits as soon as it reads the byte or EOF.
        unsafe {
            while libc::waitpid(self.pid, &mut status, 0) == -1
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
            {}
        }
    }
}

/// The watchdog's whole life, after fork: async-signal-safe calls only.
unsafe fn watch(read: libc::c_int, pgid: libc::pid_t, devnull: *const libc::c_char) -> ! {
    // Its own group, deaf to the terminal's and the CI runner's signals to ours: it must
    // outlive us to do its one job.
    libc::setpgid(0, 0);
    for s in [
        libc::SIGINT,
        libc::SIGTERM,
        libc::SIGHUP,
        libc::SIGQUIT,
        libc::SIGPIPE,
    ] {
        libc::signal(s, libc::SIG_IGN);
    }
    // Hold nothing of ours open (a pipe reader elsewhere would otherwise wait for it).
    libc::dup2(read, 0);
    let null = libc::open(devnull, libc::O_RDWR);
    if null >= 0 {
        libc::dup2(null, 1);
        libc::dup2(null, 2);
    }
    if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
        for fd in 3..4096 {
            libc::close(fd);
        }
    }
    let mut byte = 0u8;
    loop {
        let n = libc::read(0, (&mut byte as *mut u8).cast(), 1);
        if n == 1 {
            libc::_exit(0);
        }
        if n == 0 || *libc::__errno_location() != libc::EINTR {
            break;
        }
    }
    libc::kill(-pgid, libc::SIGKILL);
    libc::_exit(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(pid: i32) -> bool {
        // A zombie still answers kill(0); look at its state instead.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                let state = s
                    .rsplit(')')
                    .next()
                    .and_then(|r| r.split_whitespace().next());
                !matches!(state, Some("Z") | Some("X"))
            })
            .unwrap_or(false)
    }

    #[test]
    fn dropping_stands_the_watchdog_down() {
        use std::os::unix::process::CommandExt as _;
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let dog = Watchdog::spawn(pid).unwrap();
        drop(dog);
        assert!(alive(pid), "a normal end leaves the group alone");
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
