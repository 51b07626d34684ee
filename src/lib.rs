//! `cargo xbuild-go`: cross-build Go binaries from a named profile in an environment
//! built from scratch, then prove the artifact before it reaches its destination.
//!
//! The data flows one way, and the modules say so:
//! arguments and profile file ([`cli`], [`profile`]) → resolved profile → scrubbed
//! environment and `go build` ([`toolchain`]) → artifact → checks ([`verify`]) →
//! report ([`report`]); release evidence ([`evidence`]) is rendered from the same
//! reports. [`commands`] glues them together; [`pipeline`] holds the build
//! and delivery steps every build command shares.
//!
//! At the bottom, used by every layer above: [`target`] and [`error`]; [`sanitize`]
//! (redaction of host secrets and escaping for each consumer: every printed or written
//! host value passes through it); [`envvars`] (the variable-name facts the scrub,
//! doctor and redaction share); [`digest`] (hex and sha256); [`input`], [`privfs`] and
//! [`suggest`].

pub mod cli;
pub mod commands;
pub mod digest;
pub mod envvars;
pub mod error;
pub mod evidence;
pub mod image;
pub mod input;
pub mod pipeline;
pub mod privfs;
pub mod profile;
pub mod report;
pub mod sanitize;
pub mod suggest;
pub mod target;
pub mod toolchain;
pub mod verify;
