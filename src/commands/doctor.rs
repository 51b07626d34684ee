//! `cargo xbuild-go doctor`: toolchain and environment health.

use crate::cli::DoctorArgs;
use crate::error::Exit;
use crate::toolchain::HostEnv;

pub fn exec(_args: &DoctorArgs, _host: HostEnv) -> anyhow::Result<Exit> {
    Err(crate::error::usage("doctor is being written"))
}
