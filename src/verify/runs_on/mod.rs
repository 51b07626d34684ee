//! `runs-on.IMAGE`: will the artifact start on a base image, and will the files it reads
//! at run time be there.
//!
//! - `needs`: what a Go binary reads at run time, from its function names;
//! - `libs`: its glibc version needs, and the check against a named image;
//! - `images`: the named-image table (`images.toml`);
//! - `realimage`: the check against a real image's files;
//! - `provides`: what an image's files provide, the one judgement both kinds answer;
//! - `start`: what both checks judge alike before the files are asked.

pub mod images;
pub(crate) mod libs;
pub mod needs;
pub mod provides;
pub mod realimage;
mod start;

use crate::image::{ImageFiles, ImageRef};
use crate::verify::{Check, Facts};

/// `runs-on.IMAGE` for one entry of the profile's list: a real image judged by its files
/// (`files`, read for this target), an image reference that was not read judged
/// `unknown`, else a name from the image table. `runtime` is the binary's runtime needs
/// (`None` for files without a pclntab); `accepted`, those the profile accepts unmet
/// there.
pub fn check(
    image: &str,
    files: Option<&ImageFiles>,
    facts: &Facts,
    goarch: Option<&str>,
    glibc: &libs::GlibcNeeds,
    runtime: Option<&Result<Vec<needs::Need>, String>>,
    accepted: &[String],
) -> Check {
    let artifact = libs::Artifact {
        facts,
        goarch,
        glibc,
        runtime,
    };
    match files {
        Some(files) => realimage::check(image, files, &artifact, accepted),
        None if ImageRef::is_reference(image) => Check::unknown(
            &realimage::check_id(image),
            format!("starts on {image}"),
            format!("the image {image} was not read for this target, so it cannot be judged"),
        ),
        None => libs::runs_on_check(image, &artifact, accepted),
    }
}
