//! What host text becomes before it leaves the process: secrets redacted
//! ([`redact`]), then escaped for its consumer ([`escape`]: a terminal, a CI log,
//! JSON, XML, `sha256sum -c`). The bottom layer every printed or written host value
//! passes through; the child environment's builder (`toolchain`) and the report layer
//! both use it, and it uses nothing above [`crate::envvars`].

pub mod escape;
pub mod redact;
