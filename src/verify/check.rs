//! One check of an artifact and its outcome: the unit every verdict, report and
//! evidence document is made of.

use serde::Serialize;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Unknown,
    /// Not done, for a reason of the host (no emulator, a format qemu-user cannot run)
    /// that the profile accepts; never rejects.
    Skip,
}

impl Status {
    /// Whether the check lets the artifact through: `pass` and `skip`.
    pub fn passes(self) -> bool {
        matches!(self, Status::Pass | Status::Skip)
    }
}

/// One check of an artifact. Ids are stable (see the README).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    /// What the profile and target require; `None` when the check only reports.
    pub expected: Option<String>,
    pub actual: String,
    /// Why it failed and the likely fix, or a note on a pass.
    pub message: Option<String>,
}

/// How a passing check says it passed only because the profile accepts some runtime
/// needs unmet: ` (accepted: zoneinfo)` at the end of its `actual`.
const ACCEPTED: &str = " (accepted: ";

impl Check {
    /// This check, passing on `needs` the profile accepts unmet (`accept-needs`), saying
    /// so: `... (accepted: zoneinfo)`.
    pub(crate) fn accepting(mut self, needs: &[&str]) -> Check {
        if !needs.is_empty() {
            self.actual
                .push_str(&format!("{ACCEPTED}{})", needs.join(", ")));
        }
        self
    }

    /// The runtime needs a passing check accepted unmet (`zoneinfo, tmpdir`), when it
    /// did: shown as `pass (accepted: zoneinfo)` in every output.
    pub fn accepted(&self) -> Option<&str> {
        if self.status != Status::Pass {
            return None;
        }
        self.actual.rsplit_once(ACCEPTED)?.1.strip_suffix(')')
    }

    pub(crate) fn judged(
        id: &str,
        ok: bool,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Check {
        Check {
            id: id.to_string(),
            status: if ok { Status::Pass } else { Status::Fail },
            expected: Some(expected.into()),
            actual: actual.into(),
            message: None,
        }
    }

    pub(crate) fn info(id: &str, actual: impl Into<String>) -> Check {
        Check {
            id: id.to_string(),
            status: Status::Pass,
            expected: None,
            actual: actual.into(),
            message: None,
        }
    }

    pub(crate) fn unknown(id: &str, expected: impl Into<String>, why: impl Into<String>) -> Check {
        Check {
            id: id.to_string(),
            status: Status::Unknown,
            expected: Some(expected.into()),
            actual: "unknown".to_string(),
            message: Some(why.into()),
        }
    }

    /// Attaches a hint, shown when the check did not pass.
    pub(crate) fn hint_on_fail(mut self, hint: impl FnOnce() -> String) -> Check {
        if self.status != Status::Pass {
            self.message = Some(hint());
        }
        self
    }

    pub(crate) fn note(mut self, note: impl Into<String>) -> Check {
        self.message = Some(note.into());
        self
    }
}
