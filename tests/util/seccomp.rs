//! A seccomp filter that refuses the tool namespaces, as container runtimes' default
//! profiles do, for tests of the smoke run's fallbacks.

use std::os::unix::process::CommandExt as _;
use std::process::Command;

/// A seccomp filter on the tool that makes unshare(2) fail with EPERM, as container
/// runtimes' default profiles do: the kernel refuses it namespaces. With `but_user`,
/// unshare with CLONE_NEWUSER is let through (a root without CAP_SYS_ADMIN whose kernel
/// allows user namespaces).
pub fn refuse_unshare(cmd: &mut Command, but_user: bool) {
    let user = if but_user {
        libc::CLONE_NEWUSER as u32
    } else {
        0
    };
    // SAFETY: prctl with a BPF program on the stack; async-signal-safe, no allocation.
    unsafe {
        cmd.pre_exec(move || {
            const LD: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
            const JEQ: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
            const JSET: u16 = 0x45; // BPF_JMP | BPF_JSET | BPF_K
            const RET: u16 = 0x06; // BPF_RET | BPF_K
            const ALLOW: u32 = 0x7fff_0000;
            const ERRNO: u32 = 0x0005_0000;
            let op = |code: u16, jt: u8, jf: u8, k: u32| libc::sock_filter { code, jt, jf, k };
            let mut prog = [
                op(LD, 0, 0, 0), // seccomp_data.nr
                op(JEQ, 0, 3, libc::SYS_unshare as u32),
                op(LD, 0, 0, 16), // the low half of args[0], the flags
                op(JSET, 1, 0, user),
                op(RET, 0, 0, ERRNO | libc::EPERM as u32),
                op(RET, 0, 0, ALLOW),
            ];
            let fprog = libc::sock_fprog {
                len: prog.len() as u16,
                filter: prog.as_mut_ptr(),
            };
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &fprog as *const libc::sock_fprog,
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
