//! `cargo xbuild-go`: cross-build Go binaries from a named profile in an environment
//! built from scratch, then prove the artifact before it reaches its destination.
//!
//! The data flows one way: arguments and profile file → resolved profile → scrubbed
//! environment → `go build` → artifact → checks → report → delivery → evidence. The
//! modules are layers, bottom first; a module imports only its own layer and those
//! below it, and no two files import each other (`tests/house.rs` reads every
//! `crate::`, `super::` and `use` path and fails on a layer broken or a cycle):
//!
//! 1. [`target`] (the per-target facts table) and [`error`] (exit codes), with the
//!    neutral helpers every layer uses: [`sanitize`] (redaction of host secrets and
//!    escaping for each consumer: every printed or written host value passes through
//!    it), [`envvars`] (the variable-name facts the scrub, doctor and redaction share),
//!    [`digest`] (hex and sha256), [`date`] (RFC 3339 dates), [`input`] (data files
//!    read safely, JSON without duplicate keys), [`privfs`] (the caches' private files)
//!    and [`suggest`].
//! 2. [`profile`]: the TOML schema, discovery, inheritance, precedence with provenance.
//! 3. [`image`] (real images read into a bounded file index), [`verify`] (pure
//!    functions from bytes to checks: format readers parse, extractors use the parsed
//!    form, one judgement of what an image provides) and [`assemble`] (the image users
//!    ship: a base read through `image`, one layer of binaries, the config and
//!    annotations, assembled in memory and written as an OCI layout, oci-archive or
//!    docker-archive).
//! 4. [`toolchain`] and [`registry`], the layer that talks to the outside world:
//!    `toolchain` spawns the tools (locate and probe at its bottom, then go, the C
//!    toolchains, smoke runs, and doctor on top); `registry` is the OCI distribution
//!    client (references, credentials and their helpers, Basic and Bearer auth, pull
//!    and push of manifests and blobs, referrers) on one HTTP stack.
//! 5. [`report`]: the one Report type and its renderers.
//! 6. [`evidence`]: provenance, VSA and SBOM documents rendered from the reports.
//! 7. [`pipeline`]: plan → build into the output cache → verify → smoke → deliver.
//! 8. [`commands`] and [`cli`]: one file per subcommand, glue from arguments to the
//!    library.
//!
//! docs/architecture.md says the same at more length, with how one build flows.

pub mod assemble;
pub mod cli;
pub mod commands;
pub mod date;
pub mod digest;
pub mod envvars;
pub mod error;
pub mod evidence;
pub mod image;
pub mod input;
pub mod pipeline;
pub mod privfs;
pub mod profile;
pub mod registry;
pub mod report;
pub mod sanitize;
pub mod suggest;
pub mod target;
pub mod toolchain;
pub mod verify;
