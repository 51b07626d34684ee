//! Ctrl-C, SIGTERM and SIGHUP: one handler records the interrupt and stops every
//! process group the tool is running (go builds and smoke runs), each the way it
//! registered. Low in `toolchain` so `run` (go build) and `smoke` both use it and
//! neither calls the other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

use crate::error::{failure, Exit};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static HANDLER: Once = Once::new();
/// The process groups running now (several go builds with -j, smoke runs), each with
/// how to stop it.
static GROUPS: Mutex<Vec<(libc::pid_t, Stop)>> = Mutex::new(Vec::new());

/// How a process group is stopped at once (on an interrupt, or a smoke run at its
/// deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT to the whole group: a go build, which cleans up and exits.
    Interrupt,
    /// SIGTERM to the group's leader, a reaper that kills its PID namespace's PID 1 and
    /// exits once the namespace is empty.
    AskReaper,
    /// SIGKILL to the whole process group.
    KillGroup,
}

/// Installs the Ctrl-C / SIGTERM / SIGHUP handler (once). It records the interrupt and
/// stops every tracked process group.
pub fn install_interrupt_handler() {
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, Ordering::SeqCst);
            stop_all();
        });
    });
}

/// True once Ctrl-C (or SIGTERM/SIGHUP) arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Exit 130 if interrupted.
pub fn check_interrupted() -> anyhow::Result<()> {
    if interrupted() {
        return Err(failure(Exit::Interrupted, "interrupted"));
    }
    Ok(())
}

/// Stops the process group led by `pgid`, whose leader must be unreaped.
pub fn stop(pgid: libc::pid_t, how: Stop) {
    if pgid <= 0 {
        return;
    }
    // SAFETY: kill(2) touches no memory; the leader is unreaped, so its pid (the
    // group's id) cannot have been reused.
    unsafe {
        match how {
            Stop::Interrupt => libc::kill(-pgid, libc::SIGINT),
            Stop::AskReaper => libc::kill(pgid, libc::SIGTERM),
            Stop::KillGroup => libc::kill(-pgid, libc::SIGKILL),
        };
    }
}

/// Stops every tracked group at once; called by the interrupt handler.
fn stop_all() {
    // The lock is held while signalling: a group is untracked before it is reaped.
    if let Ok(groups) = GROUPS.lock() {
        for (pgid, how) in groups.iter() {
            stop(*pgid, *how);
        }
    }
}

/// Tracks a process group while it runs (`running`), so Ctrl-C and SIGTERM stop it at
/// once (the interrupt handler installed first); stops it now when the interrupt came
/// already. Its leader must stay unreaped while tracked.
pub fn track(pgid: libc::pid_t, how: Stop, running: bool) {
    install_interrupt_handler();
    if let Ok(mut g) = GROUPS.lock() {
        if running {
            g.push((pgid, how));
        } else {
            g.retain(|e| *e != (pgid, how));
        }
    }
    if running && interrupted() {
        stop(pgid, how);
    }
}
