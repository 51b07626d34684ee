//! A smoke run inside an image: the same containment as a run on the host ([`super`]),
//! with another root. The root is the image's extracted tree ([`RootFs`]) bound
//! read-only, with a fresh `/proc`, the device nodes of a minimal `/dev`, a tmpfs `/tmp`
//! only where the image has one, and the run's private directory (the artifact's copy,
//! and a static qemu-user's for a foreign architecture) bound read-only at
//! [`PRIVATE_DIR`]. The artifact runs as the image's `User`, with the image's `Env`
//! (plus `PATH` and `HOME` as runtimes add them) in its `WorkingDir`; its `Entrypoint`
//! and `Cmd` are not run: the artifact is.
//!
//! A chroot needs a mount namespace, so there is no fallback: where the namespaces
//! cannot be made, the artifact is not run ([`super::Containment::Refused`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::runner::ImageRunner;
use super::{hand_over, launch, private_dir, sandbox, sealed_copy, Launch, SmokeResult};
use crate::image::rootfs::{RootFs, RunUser, PRIVATE_DIR};

/// Runs a private copy of `artifact` (named `name`) with `args` inside `root` as
/// `user`, contained, for at most `timeout`; at `at` in the root when given (a path
/// [`crate::image::ImageFiles::place`] gave: the copy is bound there), else in
/// [`PRIVATE_DIR`]. Errors only when it cannot be started.
#[allow(clippy::too_many_arguments)]
pub fn run_in_image(
    runner: &ImageRunner,
    root: &RootFs,
    user: &RunUser,
    artifact: &[u8],
    name: &str,
    at: Option<&str>,
    args: &[String],
    timeout: Duration,
) -> anyhow::Result<SmokeResult> {
    use std::os::unix::fs::PermissionsExt as _;
    let private = private_dir("xbuild-go-inimage-")?;
    // Bound at PRIVATE_DIR: the image's user must enter it.
    let work = private.path().join("work");
    std::fs::create_dir(&work)
        .and_then(|()| std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o755)))
        .map_err(|e| anyhow::anyhow!("creating `{}`: {e}", work.display()))?;
    hand_over(&work)?;
    let copy = sealed_copy(&work, name, artifact)?;
    let inside =
        |p: &Path| -> PathBuf { Path::new(PRIVATE_DIR).join(p.strip_prefix(&work).unwrap_or(p)) };
    if let Some(at) = at {
        crate::image::rootfs::mount_point(&root.dir, at).map_err(|e| {
            anyhow::anyhow!("putting the artifact at `{at}` in {}: {e}", root.reference)
        })?;
    }
    let run_path = at.map_or_else(|| inside(&copy), PathBuf::from);
    let (program, mut argv): (PathBuf, Vec<OsString>) = match runner {
        ImageRunner::Native | ImageRunner::Binfmt { .. } => (run_path.clone(), Vec::new()),
        ImageRunner::Qemu { path } => {
            let dir = work.join("qemu");
            std::fs::create_dir(&dir)
                .and_then(|()| {
                    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
                })
                .map_err(|e| anyhow::anyhow!("creating `{}`: {e}", dir.display()))?;
            let bytes = std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("reading `{}`: {e}", path.display()))?;
            let name = path
                .file_name()
                .map_or_else(|| "qemu".to_string(), |n| n.to_string_lossy().into_owned());
            let qemu = sealed_copy(&dir, &name, &bytes)?;
            (inside(&qemu), vec![run_path.clone().into_os_string()])
        }
    };
    argv.extend(args.iter().map(Into::into));
    let new_root = sandbox::NewRoot::image(
        &root.dir,
        &work,
        root.tmp.as_deref(),
        &root.working_dir,
        at.map(|a| (copy.as_path(), a)),
    )
    .map_err(|e| anyhow::anyhow!("preparing the root of {}: {e}", root.reference))?;
    let env = root
        .run_env(user)
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    let result = launch(Launch {
        program,
        argv,
        env,
        cwd: private.path().to_path_buf(),
        new_root,
        // No fallback: without a mount namespace there is no root to run in.
        landlock: Err(0),
        require_isolation: true,
        no_fallback: "a run inside an image needs its own mount namespace",
        ids: Some((user.uid, user.gid)),
        timeout,
    });
    drop(private);
    result
}
