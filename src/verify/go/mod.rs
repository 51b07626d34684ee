//! What Go leaves in its binaries, read from the parsed formats: the build info
//! (`go version -m`), the pclntab (function names), and the checks of both against the
//! profile.

pub mod buildinfo;
pub mod gocheck;
pub mod pclntab;
