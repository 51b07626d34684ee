//! `runs-on.IMAGE`: will the artifact start on a base image, and will the files it reads
//! at run time be there. `needs` derives what the binary reads; `libs` its libc needs;
//! `images` is the named-image table and `realimage` reads real images; both are judged by
//! one judgement of what an image's files provide.

pub mod images;
pub(crate) mod libs;
pub mod needs;
pub mod provides;
pub mod realimage;
mod start;
