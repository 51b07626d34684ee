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

/// What the profile says of the artifact on one `runs-on` image: the runtime needs it
/// accepts unmet there, and where the artifact sits in it (its entry's `path`).
#[derive(Clone, Copy)]
pub struct OnImage<'a> {
    pub accepted: &'a [String],
    pub path: Option<&'a str>,
}

/// `runs-on.IMAGE` for one entry of the profile's list: a real image judged by its files
/// (`files`, read for this target), an image reference that was not read judged
/// `unknown`, else a name from the image table. `runtime` is the binary's runtime needs
/// (`None` for files without a pclntab); `accepted`, those the profile accepts unmet
/// there, and `path` where the artifact sits in it (a real image's `$ORIGIN`).
pub fn check(
    image: &str,
    files: Option<&ImageFiles>,
    facts: &Facts,
    goarch: Option<&str>,
    glibc: &libs::GlibcNeeds,
    runtime: Option<&Result<Vec<needs::Need>, String>>,
    on: OnImage,
) -> Check {
    let OnImage { accepted, path } = on;
    let artifact = libs::Artifact {
        facts,
        goarch,
        glibc,
        runtime,
    };
    match files {
        Some(files) => realimage::check(image, files, &artifact, accepted, path),
        None if ImageRef::is_reference(image) => Check::unknown(
            &realimage::check_id(image),
            format!("starts on {image}"),
            format!("the image {image} was not read for this target, so it cannot be judged"),
        ),
        None => libs::runs_on_check(image, &artifact, accepted),
    }
}
