//! Reading untrusted data files safely: [`file`](mod@file) opens a file without following a
//! symlink or blocking on a FIFO, refuses anything but a regular file and reads at most
//! a bound; [`json`] refuses JSON documents with duplicate keys (which serde_json would
//! read last-wins). Neutral helpers: `image`, `evidence` and `commands` all reach them.

pub mod file;
pub mod json;
