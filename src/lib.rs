//! `cargo xbuild-go`: cross-build Go binaries from a named profile in an environment
//! built from scratch, then prove the artifact before it reaches its destination.
//!
//! The data flows one way, and the modules say so:
//! arguments and profile file ([`cli`], [`profile`]) → resolved profile → scrubbed
//! environment and `go build` ([`toolchain`]) → artifact → checks ([`verify`]) →
//! report ([`report`]); release evidence ([`evidence`]) is rendered from the same
//! reports. [`commands`] glues them together; [`pipeline`] holds the build
//! and delivery steps every build command shares.

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
