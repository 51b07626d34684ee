//! The one place where failures become exit codes.
//!
//! Library code returns `anyhow::Error`; where a failure has a specific meaning for the
//! exit code it is wrapped in [`Failure`], which `main` finds anywhere in the chain.

use std::fmt;

/// Exit codes, as SPEC "Output and exit codes" lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Built and verified, or `verify` found nothing wrong.
    Ok = 0,
    /// Verification failed.
    VerifyFailed = 1,
    /// Usage or configuration error.
    Usage = 2,
    /// `go build` failed.
    GoBuild = 3,
    /// Toolchain missing or unusable, or the environment in the way (an output directory
    /// read-only or full).
    Toolchain = 4,
    /// Interrupted by Ctrl-C or a termination signal.
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// Of two outcomes, the one that tells more: interrupted > toolchain > go build >
    /// usage > verification > ok.
    pub fn worse(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Ok => 0,
            Exit::VerifyFailed => 1,
            Exit::Usage => 2,
            Exit::GoBuild => 3,
            Exit::Toolchain => 4,
            Exit::Interrupted => 5,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// An error that decides the exit code.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    /// What to do next, shown as cargo's `help:` line under the error.
    pub help: Option<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// A usage or configuration error (exit 2).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    failure(Exit::Usage, message)
}

/// A failure with the given exit code.
pub fn failure(exit: Exit, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        exit,
        message: message.into(),
        help: None,
    })
}

/// A failure with what to do next (`help: run cargo xbuild-go init`).
pub fn helped(exit: Exit, message: impl Into<String>, help: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        exit,
        message: message.into(),
        help: Some(help.into()),
    })
}

/// The `help:` of an error: the outermost one a [`Failure`] in its chain carries.
pub fn help_of(err: &anyhow::Error) -> Option<&str> {
    err.chain()
        .filter_map(|e| e.downcast_ref::<Failure>())
        .find_map(|f| f.help.as_deref())
}

/// Declares `struct NAME(pub String)`, an error that is its message: it displays as the
/// message and is a [`std::error::Error`].
macro_rules! message_error {
    ($(#[$attr:meta])* $vis:vis struct $name:ident(pub String);) => {
        $(#[$attr])*
        $vis struct $name(pub String);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::error::Error for $name {}
    };
}
pub(crate) use message_error;

/// True for an I/O error the environment causes rather than what the user wrote: a
/// directory not writable (EACCES), a read-only file system (EROFS), a full disk or
/// quota (ENOSPC, EDQUOT). A path through a file (ENOTDIR) and the like are not.
pub fn environmental(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EACCES | libc::EROFS | libc::ENOSPC | libc::EDQUOT)
    )
}

/// A failure writing one of the user's outputs, `message` naming the path and `e`
/// giving the errno's words: exit 4 when the environment is in the way
/// ([`environmental`]), else 2.
pub fn writing(message: impl std::fmt::Display, e: &std::io::Error) -> anyhow::Error {
    let exit = if environmental(e) {
        Exit::Toolchain
    } else {
        Exit::Usage
    };
    failure(exit, format!("{message}: {e}"))
}

/// The exit code for an error: the outermost [`Failure`] in its chain decides; else an
/// I/O error the environment causes ([`environmental`]: a read-only or full output
/// directory) is 4; anything else (a path through a file, say) is a usage or
/// configuration error.
pub fn exit_for(err: &anyhow::Error) -> Exit {
    if let Some(f) = err.chain().find_map(|e| e.downcast_ref::<Failure>()) {
        return f.exit;
    }
    let env = err
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(environmental);
    if env {
        Exit::Toolchain
    } else {
        Exit::Usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn exit_code_survives_context() {
        let err = Err::<(), _>(failure(Exit::Toolchain, "no go"))
            .context("building linux/arm64")
            .unwrap_err();
        assert_eq!(exit_for(&err), Exit::Toolchain);
        assert_eq!(exit_for(&anyhow::anyhow!("plain")), Exit::Usage);
    }

    #[test]
    fn untagged_io_errors_the_environment_causes_are_exit_4() {
        let cases = [
            ("EACCES", libc::EACCES, Exit::Toolchain),
            ("EROFS", libc::EROFS, Exit::Toolchain),
            ("ENOSPC", libc::ENOSPC, Exit::Toolchain),
            ("EDQUOT", libc::EDQUOT, Exit::Toolchain),
            ("ENOTDIR", libc::ENOTDIR, Exit::Usage),
            ("ENOENT", libc::ENOENT, Exit::Usage),
            ("EISDIR", libc::EISDIR, Exit::Usage),
        ];
        for (case, errno, want) in cases {
            let io = || std::io::Error::from_raw_os_error(errno);
            let untagged = Err::<(), _>(io())
                .context("creating a temporary file in `/o`")
                .unwrap_err();
            assert_eq!(exit_for(&untagged), want, "case {case}: untagged");
            let tagged = writing("writing `/o/SUMS`", &io());
            assert_eq!(exit_for(&tagged), want, "case {case}: writing()");
            assert!(
                tagged.to_string().starts_with("writing `/o/SUMS`: "),
                "case {case}: {tagged}"
            );
        }
    }
}
