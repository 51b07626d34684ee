//! JSON Lines on stdout: one object per event with a `reason`, as cargo does.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use super::artifact::ArtifactReport;
use crate::sanitize::{escape, redact};
use crate::verify::Verdict;

#[derive(Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub(super) enum Event<'a> {
    BuildStarted {
        profile: &'a str,
        targets: &'a [String],
        go: Option<&'a str>,
    },
    Artifact(Box<Artifact<'a>>),
    CompilerFailed {
        target: &'a str,
        message: &'a str,
        stderr: &'a str,
    },
    /// One line a running `go build` wrote (`omitted`: the count of lines not kept,
    /// when the line stands for them).
    GoOutput {
        target: &'a str,
        stream: &'a str,
        line: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        omitted: Option<usize>,
    },
    /// A configuration, toolchain or I/O failure; `exit` is the code it maps to.
    Error {
        message: &'a str,
        target: Option<&'a str>,
        exit: i32,
        /// What to do next, when the tool knows.
        #[serde(skip_serializing_if = "Option::is_none")]
        help: Option<&'a str>,
    },
    /// A release evidence document written (`--provenance`, `--vsa`, `--sbom`).
    Evidence {
        kind: &'a str,
        path: Cow<'a, str>,
        sha256: &'a str,
        subjects: usize,
    },
    /// `merge` checked its inputs: how many artifacts, from how many runners.
    Merged {
        artifacts: usize,
        runners: usize,
    },
    /// The image of `cargo xbuild-go image`, proven and written.
    Image(Box<super::image::ImageReport>),
    BuildFinished {
        success: bool,
        artifacts: usize,
        rejected: usize,
        failed: usize,
        elapsed_ms: u128,
        /// The remote cache program of the run (the first, when targets differ).
        cache_program: Option<&'a crate::toolchain::cacheprog::Shown>,
    },
}

/// Version of the JSON Lines schema (README, "JSON output").
pub const SCHEMA_VERSION: u32 = 1;

/// An artifact as JSON shows it: paths as text plus their raw bytes when they are not
/// UTF-8, the environment redacted, dropped variables by name and reason.
#[derive(Serialize)]
pub(super) struct Artifact<'a> {
    target: &'a Option<String>,
    profile: &'a Option<String>,
    path: Cow<'a, str>,
    path_bytes: Option<Vec<u8>>,
    delivered: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    discarded: bool,
    rejected_path: Option<Cow<'a, str>>,
    rejected_path_bytes: Option<Vec<u8>>,
    sha256: &'a Option<String>,
    size: u64,
    env: Option<BTreeMap<String, String>>,
    env_dropped: Option<Vec<redact::DroppedShown<'a>>>,
    command: &'a Option<String>,
    verdict: &'a Verdict,
    build_ms: Option<u128>,
    #[serde(skip_serializing_if = "Option::is_none")]
    c_toolchain: Option<&'a crate::toolchain::cc::CToolchain>,
    cache_program: Option<&'a crate::toolchain::cacheprog::Shown>,
}

pub(super) fn artifact(a: &ArtifactReport) -> Artifact<'_> {
    Artifact {
        target: &a.target,
        profile: &a.profile,
        path: escape::lossless(&a.path),
        path_bytes: escape::raw_bytes(&a.path),
        delivered: a.delivered,
        discarded: a.discarded,
        rejected_path: a.rejected_path.as_deref().map(escape::lossless),
        rejected_path_bytes: a.rejected_path.as_deref().and_then(escape::raw_bytes),
        sha256: &a.sha256,
        size: a.size,
        env: a.env.as_ref().map(redact::env),
        env_dropped: a.env_dropped.as_deref().map(redact::dropped),
        command: &a.command,
        verdict: &a.verdict,
        build_ms: a.build_ms,
        c_toolchain: a.c_toolchain.as_ref(),
        cache_program: a.cache_program.as_ref(),
    }
}

#[derive(Serialize)]
struct Line<'a> {
    schema: u32,
    #[serde(flatten)]
    event: &'a Event<'a>,
}

/// One event as a line of JSON (without the newline).
pub(super) fn line(event: &Event) -> String {
    let line = Line {
        schema: SCHEMA_VERSION,
        event,
    };
    serde_json::to_string(&line).unwrap_or_else(|e| {
        serde_json::json!({
            "schema": SCHEMA_VERSION,
            "reason": "error",
            "message": format!("cannot encode an event as JSON: {e}"),
            "target": null,
            "exit": crate::error::Exit::Usage.code(),
        })
        .to_string()
    })
}
