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
    /// Toolchain missing or unusable.
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

/// The exit code for an error: the outermost [`Failure`] in its chain decides; anything
/// else (an I/O error while reading a profile, say) is a usage or configuration error.
pub fn exit_for(err: &anyhow::Error) -> Exit {
    err.chain()
        .find_map(|e| e.downcast_ref::<Failure>())
        .map_or(Exit::Usage, |f| f.exit)
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
}
