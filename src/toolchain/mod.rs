//! The Go toolchain: finding `go` and its version, the `go env -w` file, the child
//! environment, the C toolchain of cgo builds (cross gcc, zig), and running
//! `go build`. The only module that spawns processes.
//!
//! The room in layers, each file importing only those below it:
//! - [`locate`] (find `go`, other tools on PATH, cross compilers, qemu) and [`probe`]
//!   (run a found tool to learn about it, bounded), with [`interrupt`] (Ctrl-C and the
//!   process groups it stops), [`hostenv`], [`watchdog`], [`goenv`] and [`vcs`];
//! - [`go`] (ask go for its version, targets, main packages);
//! - [`zig`], then [`cc`] (the C toolchain of a cgo build), then [`childenv`] (the
//!   scrubbed environment of a build);
//! - [`cacheprog`] (the remote cache program: resolved, wrapped, its handshake);
//! - [`output`] (go's lines as they arrive, bounded), [`run`] (`go build` in its own process group) and [`smoke`] (contained smoke runs);
//! - [`doctor`] on top: it only judges what the others find.

pub mod cacheprog;
pub mod cc;
pub mod childenv;
pub mod doctor;
pub mod go;
pub mod goenv;
pub mod hostenv;
pub mod interrupt;
pub mod locate;
pub mod output;
pub mod probe;
pub mod run;
pub mod smoke;
pub mod vcs;
pub mod watchdog;
pub mod zig;

pub use childenv::{child_env, ChildEnv, GoEnvFile};
pub use go::{
    dist_list, go_output, list_main_packages, list_module_mains, DistTarget, MainPackage,
};
pub use hostenv::{host_env, HostEnv};
pub use locate::{locate, Go, GoFrom};

/// Reads the `go env -w` file named by the host environment, if it exists.
pub fn read_goenv(host: &HostEnv) -> GoEnvFile {
    let path = goenv::path(host);
    let text = path.as_ref().and_then(|p| std::fs::read_to_string(p).ok());
    GoEnvFile { path, text }
}
