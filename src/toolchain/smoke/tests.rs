//! Unit tests of the smoke run's containment description.

use super::*;

#[test]
fn the_containment_says_what_kept_the_artifact_in() {
    for (c, want, isolated, ran) in [
        (
            Containment::Namespaces { user: false },
            "PID, mount and network namespaces",
            true,
            true,
        ),
        (
            Containment::Namespaces { user: true },
            "user, PID, mount and network namespaces",
            true,
            true,
        ),
        (
            Containment::Landlock {
                why: "unshare: Operation not permitted".into(),
            },
            "process group and Landlock only: unshare: Operation not permitted",
            false,
            true,
        ),
        (
            Containment::Refused {
                why: "unshare: EPERM; Landlock: ENOSYS".into(),
            },
            "not isolated: unshare: EPERM; Landlock: ENOSYS",
            false,
            false,
        ),
    ] {
        assert_eq!(c.describe(), want);
        assert_eq!(c.is_isolated(), isolated, "{want}");
        assert_eq!(c.ran(), ran, "{want}");
    }
}
