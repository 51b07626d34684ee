//! JUnit XML for CI dashboards: one test case per (artifact, check), and one per
//! target whose `go build` failed. A failed or unknown check is a `<failure>`, a
//! skipped one (a smoke run this host cannot do) `<skipped message="why"/>`, counted in
//! the suite's `skipped`.

use super::artifact::ArtifactReport;
use crate::sanitize::escape::xml;
use crate::verify::Status;

/// Renders the suite. `failures` are (class, case, message) for what produced no
/// artifact: a failed `go build`, or for `verify` a file that is no executable.
pub fn render(
    artifacts: &[ArtifactReport],
    failures_without_artifact: &[(String, String, String)],
) -> String {
    let mut cases = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for a in artifacts {
        // "linux/arm64 dist/app-linux-arm64": unique per artifact, readable per target.
        let class = xml(&format!(
            "{} {}",
            a.target.as_deref().unwrap_or("any"),
            crate::sanitize::escape::lossless(&a.path)
        ));
        for (arch, checks) in a.verdict.check_groups() {
            let prefix = arch.map(|a| format!("[{a}] ")).unwrap_or_default();
            for c in checks {
                tests += 1;
                let name = xml(&format!("{prefix}{}", c.id));
                if let Some(needs) = c.accepted() {
                    cases.push_str(&format!(
                        "    <testcase classname=\"{class}\" name=\"{name}\">\n      <system-out>pass (accepted: {}): {}</system-out>\n    </testcase>\n",
                        xml(needs),
                        xml(c.message.as_deref().unwrap_or(&c.actual))
                    ));
                } else if c.status == Status::Pass {
                    cases.push_str(&format!(
                        "    <testcase classname=\"{class}\" name=\"{name}\"/>\n"
                    ));
                } else if c.status == Status::Skip {
                    skipped += 1;
                    cases.push_str(&format!(
                        "    <testcase classname=\"{class}\" name=\"{name}\">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                        xml(c.message.as_deref().unwrap_or(&c.actual))
                    ));
                } else {
                    failures += 1;
                    let msg = match &c.expected {
                        Some(e) => format!("expected {e}, found {}", c.actual),
                        None => c.actual.clone(),
                    };
                    cases.push_str(&format!(
                        "    <testcase classname=\"{class}\" name=\"{name}\">\n      <failure message=\"{}\" type=\"{:?}\">{}</failure>\n    </testcase>\n",
                        xml(&msg),
                        c.status,
                        xml(c.message.as_deref().unwrap_or(""))
                    ));
                }
            }
        }
    }
    for (class, case, msg) in failures_without_artifact {
        tests += 1;
        failures += 1;
        cases.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\">\n      <failure message=\"{} failed\" type=\"Error\">{}</failure>\n    </testcase>\n",
            xml(class),
            xml(case),
            xml(case),
            xml(msg)
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{tests}\" failures=\"{failures}\">\n  <testsuite name=\"cargo-xbuild-go\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}
