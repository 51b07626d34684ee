//! The build pipeline shared by the build commands, one file per step:
//!
//! - [`context`]: `-C`, the module directory ([`gomod`]: go.mod and go.work), the
//!   profile file and the resolved profile; the policy of a target; the `go` requirement.
//! - [`plan`]: each target's destination, child environment and go command, with the
//!   source placeholders ([`stamp`]).
//! - [`build`]: `go build` into a private slot of the output cache ([`outcache`]), the
//!   checks on the in-memory snapshot, the smoke run ([`smoke`]), the rebuild check
//!   ([`repro`]).
//! - [`cache`]: the remote Go build cache program each plan's build uses.
//! - [`deliver`]: where the artifact is delivered: the verified bytes written atomically
//!   to the destination only when every check passes. A rejected or interrupted build
//!   leaves the destination as it was.
//! - [`inspect`]: `verify FILE`, judging a file built elsewhere.
//! - [`evidence`] and [`images`]: the facts release evidence needs, and the real
//!   `runs-on` images.
//! - [`init`]: the starter profile file of `cargo xbuild-go init`.
//! - [`publish`]: the image of `cargo xbuild-go image`, assembled from the verified
//!   artifacts, proven, then written.

pub mod cache;
pub mod deliver;
pub mod evidence;
pub mod images;
pub mod init;
pub mod merge;
pub mod outcache;
pub mod plan;
pub mod publish;
mod repro;
pub mod stamp;

mod build;
mod context;
mod gomod;
mod inspect;
mod smoke;

pub use build::{build_one, BuildOptions, Job};
pub use context::{
    check_requirement, context, policy_for, toolchain_file, work_dir, Context, Request,
};
pub use gomod::GoMod;
pub use inspect::inspect;
pub use plan::{binary_name, import_path, plan, target_env, target_profile, Plan};
pub use smoke::{in_image_check, in_image_id, smoke_checks, InImage, SmokeRequest, Verified};
