//! JSON Lines on stdout: one object per event with a `reason`, as cargo does.

use std::io::Write;

use serde::Serialize;

use super::{ArtifactReport, SCHEMA_VERSION};

#[derive(Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub(super) enum Event<'a> {
    BuildStarted {
        profile: &'a str,
        targets: &'a [String],
        go: Option<&'a str>,
    },
    Artifact(&'a ArtifactReport),
    CompilerFailed {
        target: &'a str,
        message: &'a str,
        stderr: &'a str,
    },
    Error {
        message: &'a str,
    },
    BuildFinished {
        success: bool,
        artifacts: usize,
        rejected: usize,
        failed: usize,
        elapsed_ms: u128,
    },
}

#[derive(Serialize)]
struct Line<'a> {
    schema: u32,
    #[serde(flatten)]
    event: &'a Event<'a>,
}

pub(super) fn emit(event: &Event) {
    let line = Line {
        schema: SCHEMA_VERSION,
        event,
    };
    let text = serde_json::to_string(&line).unwrap_or_else(|e| {
        format!("{{\"schema\":{SCHEMA_VERSION},\"reason\":\"error\",\"message\":\"cannot serialise event: {e}\"}}")
    });
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}
