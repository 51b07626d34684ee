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
    /// (name, digests, target, profile) of each subject.
    pub subjects: Vec<SubjectEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectEntry {
    pub name: String,
    /// Its DigestSet: algorithm → lowercase hex, every algorithm as written.
    pub digests: std::collections::BTreeMap<String, String>,
    pub target: Option<String>,
    pub profile: Option<String>,
}

/// The largest provenance document `verify --provenance` reads (64 MiB).
pub const MAX_PROVENANCE: u64 = 64 << 20;

/// The digest algorithms of a subject's DigestSet this tool checks; a subject naming
/// any other is refused, never taken as matching.
pub const DIGEST_ALGORITHMS: &[&str] = &["sha256", "sha512"];

/// Parses a provenance statement (`shown` names the file in errors).
pub fn parse(bytes: &[u8], shown: &str) -> Result<Provenance, String> {
    crate::input::json::no_duplicate_keys(bytes)
        .map_err(|e| format!("{shown}: refused: {e} (a reader could take either value)"))?;
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
            let digests = s["digest"]
                .as_object()?
                .iter()
                .map(|(alg, v)| {
                    let v = v.as_str().unwrap_or_default().to_ascii_lowercase();
                    (alg.clone(), v)
                })
                .collect();
            Some(SubjectEntry {
                name: text(&s["name"]).unwrap_or_default(),
                digests,
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
///
/// A subject is the file when every digest of its DigestSet in an algorithm of
/// [`DIGEST_ALGORITHMS`] equals the file's (`file_digest` gives the file's hex digest by
/// algorithm) and it has at least one; a subject that also names another algorithm is
/// refused (a failed check naming it): an unchecked digest is never taken as matching.
pub fn checks(
    p: &Provenance,
    shown: &str,
    file_digest: &dyn Fn(&str) -> Option<String>,
    facts: &Facts,
    profile: Option<&str>,
    matches_target: &dyn Fn(&Target, &Facts) -> bool,
) -> Vec<Check> {
    let sha256 = file_digest("sha256").unwrap_or_default();
    let matches = |s: &SubjectEntry| {
        let mut known = s
            .digests
            .iter()
            .filter(|(alg, _)| DIGEST_ALGORITHMS.contains(&alg.as_str()))
            .peekable();
        known.peek().is_some()
            && known.all(|(alg, v)| file_digest(alg).is_some_and(|have| have == *v))
    };
    let found = p.subjects.iter().find(|s| matches(s));
    if let Some(s) = found {
        let unknown: Vec<&str> = s
            .digests
            .keys()
            .map(String::as_str)
            .filter(|alg| !DIGEST_ALGORITHMS.contains(alg))
            .collect();
        if !unknown.is_empty() {
            return vec![Check {
                id: "provenance.subject".into(),
                status: Status::Fail,
                expected: Some(format!("sha256 {sha256} a subject of {shown}")),
                actual: format!(
                    "subject {} also names digest algorithm {}",
                    s.name,
                    unknown.join(", ")
                ),
                message: Some(format!(
                    "refused: {} is not an algorithm this tool checks ({}), and an unchecked \
                     digest is never taken as matching",
                    unknown.join(", "),
                    DIGEST_ALGORITHMS.join(", ")
                )),
            }];
        }
    }
    let Some(s) = found else {
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
