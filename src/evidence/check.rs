//! `verify FILE --provenance P`: whether FILE is a subject of P (its sha256 named
//! there), and whether P's recorded target and profile match what FILE is. The results
//! are checks of the file's verdict, so a file not in the provenance fails (exit 1) like
//! any other failed check.

use serde_json::Value;

use crate::target::Target;
use crate::verify::{Check, Facts, Status};

/// A provenance document read and checked for its shape.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// (name, sha256, target, profile) of each subject.
    pub subjects: Vec<SubjectEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectEntry {
    pub name: String,
    pub sha256: String,
    pub target: Option<String>,
    pub profile: Option<String>,
}

/// Parses a provenance statement (`shown` names the file in errors).
pub fn parse(bytes: &[u8], shown: &str) -> Result<Provenance, String> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("{shown}: not a JSON provenance statement: {e}"))?;
    if v["_type"] != super::STATEMENT_TYPE {
        return Err(format!(
            "{shown}: `_type` is not {}: not an in-toto Statement v1",
            super::STATEMENT_TYPE
        ));
    }
    if v["predicateType"] != super::PROVENANCE_TYPE {
        return Err(format!(
            "{shown}: `predicateType` is not {}: not a SLSA provenance v1",
            super::PROVENANCE_TYPE
        ));
    }
    let list = v["subject"]
        .as_array()
        .ok_or_else(|| format!("{shown}: no `subject` list"))?;
    let text = |s: &Value| s.as_str().map(str::to_string);
    let subjects = list
        .iter()
        .filter_map(|s| {
            Some(SubjectEntry {
                name: text(&s["name"]).unwrap_or_default(),
                sha256: text(&s["digest"]["sha256"])?.to_ascii_lowercase(),
                target: text(&s["annotations"]["target"]),
                profile: text(&s["annotations"]["profile"]),
            })
        })
        .collect();
    Ok(Provenance { subjects })
}

/// The provenance checks of one file: `provenance.subject`, `provenance.target` and
/// `provenance.profile`. `matches_target` says whether the file's facts are those of a
/// target (verify's matching); `profile` is `--profile` when given.
pub fn checks(
    p: &Provenance,
    shown: &str,
    sha256: &str,
    facts: &Facts,
    profile: Option<&str>,
    matches_target: &dyn Fn(&Target, &Facts) -> bool,
) -> Vec<Check> {
    let Some(s) = p.subjects.iter().find(|s| s.sha256 == sha256) else {
        return vec![Check {
            id: "provenance.subject".into(),
            status: Status::Fail,
            expected: Some(format!("sha256 {sha256} a subject of {shown}")),
            actual: format!("not among its {} subjects", p.subjects.len()),
            message: Some(
                "the file is not one this provenance describes: it was changed, or the \
                 provenance is of another build"
                    .into(),
            ),
        }];
    };
    let mut out = vec![Check {
        id: "provenance.subject".into(),
        status: Status::Pass,
        expected: Some(format!("sha256 {sha256} a subject of {shown}")),
        actual: format!("subject {}", s.name),
        message: None,
    }];
    out.push(match &s.target {
        None => Check {
            id: "provenance.target".into(),
            status: Status::Unknown,
            expected: Some("the recorded target".into()),
            actual: "no target recorded".into(),
            message: Some(format!(
                "{shown} records no target for subject {}: it was not written by \
                 cargo xbuild-go",
                s.name
            )),
        },
        Some(t) => match Target::parse(t) {
            Err(e) => Check {
                id: "provenance.target".into(),
                status: Status::Fail,
                expected: Some(t.clone()),
                actual: "not a target".into(),
                message: Some(e.to_string()),
            },
            Ok(target) => {
                let ok = matches_target(&target, facts);
                Check {
                    id: "provenance.target".into(),
                    status: if ok { Status::Pass } else { Status::Fail },
                    expected: Some(t.clone()),
                    actual: facts.summary(),
                    message: (!ok).then(|| {
                        format!("the file is not a {t} executable as the provenance records")
                    }),
                }
            }
        },
    });
    out.push(match (profile, &s.profile) {
        (Some(want), Some(got)) => Check {
            id: "provenance.profile".into(),
            status: if want == got {
                Status::Pass
            } else {
                Status::Fail
            },
            expected: Some(want.to_string()),
            actual: got.clone(),
            message: (want != got).then(|| {
                format!("the provenance records profile {got}, not the {want} given with --profile")
            }),
        },
        (Some(want), None) => Check {
            id: "provenance.profile".into(),
            status: Status::Unknown,
            expected: Some(want.to_string()),
            actual: "no profile recorded".into(),
            message: None,
        },
        (None, recorded) => Check {
            id: "provenance.profile".into(),
            status: Status::Pass,
            expected: None,
            actual: recorded.clone().unwrap_or_else(|| "none recorded".into()),
            message: None,
        },
    });
    out
}
