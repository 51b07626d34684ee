//! What an artifact is judged against: the policy, from a resolved profile and target
//! (or none, to report only).

use super::go::gocheck::GoExpect;
use super::kind::{self, Kind};
use crate::profile::{BtiPolicy, FloatAbi, GoRequirement, ResolvedProfile};
use crate::target::Target;

/// What an artifact is judged against. Without a target and policy, `verify` only
/// reports what it finds.
#[derive(Debug, Clone)]
pub struct Policy {
    pub target: Option<Target>,
    /// Require no PT_INTERP and no DT_NEEDED.
    pub require_static: bool,
    /// Require no `.symtab` and no debug sections.
    pub require_stripped: bool,
    pub arm_float_abi: FloatAbi,
    pub aarch64_bti: BtiPolicy,
    pub max_size: Option<u64>,
    /// Highest GLIBC_x.y a dynamic artifact may need.
    pub max_glibc: Option<String>,
    /// Base images it must start on: names from the image table, or image references
    /// (`oci:DIR[:TAG]`, ...) whose files are in `images`.
    pub runs_on: Vec<String>,
    /// The real images of `runs_on`, read for this policy's target, by the entry as
    /// written. An image reference missing here is judged `unknown`, never passed.
    pub images: std::collections::BTreeMap<String, std::sync::Arc<crate::image::ImageFiles>>,
    /// Runtime needs (`zoneinfo`, ...) accepted as unmet on every `runs-on` image: the
    /// check passes, saying which it accepted.
    pub accept_needs: Vec<String>,
    /// Runtime needs accepted on one `runs-on` image, by the entry as written.
    pub accept_needs_on: std::collections::BTreeMap<String, Vec<String>>,
    /// Where the artifact sits in a `runs-on` image (absolute), by the entry as written:
    /// its directory is `$ORIGIN` there.
    pub path_on: std::collections::BTreeMap<String, String>,
    /// What Go must have recorded in the build info (`buildinfo = true` with a target).
    pub expect_go: Option<GoExpect>,
    /// Whether a file without Go build info is rejected (builds, and `verify` with a
    /// profile) or only reported (`verify --target` on any file).
    pub require_go: bool,
    /// The profile's `go` requirement, for `go.version`.
    pub go_requirement: Option<GoRequirement>,
    /// The kind of file it must be (`elf.type`, `macho.filetype`, `pe.characteristics`),
    /// from the profile's `-buildmode`; `None` reports the type without judging it.
    pub kind: Option<Kind>,
}

impl Policy {
    /// The runtime needs accepted as unmet on `image`: every image's and its own.
    pub fn accepted_on(&self, image: &str) -> Vec<String> {
        let mut all = self.accept_needs.clone();
        for n in self.accept_needs_on.get(image).into_iter().flatten() {
            if !all.contains(n) {
                all.push(n.clone());
            }
        }
        all
    }

    /// Judge nothing; report facts only.
    pub fn report_only() -> Policy {
        Policy {
            target: None,
            require_static: false,
            require_stripped: false,
            arm_float_abi: FloatAbi::Any,
            aarch64_bti: BtiPolicy::Any,
            max_size: None,
            max_glibc: None,
            runs_on: Vec::new(),
            images: Default::default(),
            accept_needs: Vec::new(),
            accept_needs_on: Default::default(),
            path_on: Default::default(),
            expect_go: None,
            require_go: false,
            go_requirement: None,
            kind: None,
        }
    }

    /// Judge only that the file is an executable; report everything else (`verify FILE`
    /// without a target or profile).
    pub fn any_executable() -> Policy {
        Policy {
            kind: Some(Kind::Executable),
            ..Policy::report_only()
        }
    }

    /// The policy of a resolved profile for one of its targets.
    pub fn from_profile(profile: &ResolvedProfile, target: Option<&Target>) -> Policy {
        let v = &profile.verify;
        Policy {
            target: target.cloned(),
            require_static: v.static_.value,
            require_stripped: v.stripped.value,
            arm_float_abi: v.arm_float_abi.value,
            aarch64_bti: v.aarch64_bti.value,
            max_size: v.max_size.value,
            max_glibc: v.max_glibc.value.clone(),
            runs_on: v.runs_on.value.clone(),
            images: Default::default(),
            accept_needs: v.accept_needs.value.clone(),
            accept_needs_on: v.runs_on_accept.value.clone(),
            path_on: v.runs_on_path.value.clone(),
            expect_go: target
                .filter(|_| v.buildinfo.value)
                .map(|t| expected_go_build(profile, t)),
            require_go: v.buildinfo.value,
            go_requirement: profile.go.value.clone(),
            // A buildmode this tool does not take is refused (exit 2) before any build or
            // verification (`kind_of`); were one to get here, an executable is required.
            kind: Some(kind_of(profile).unwrap_or(Kind::Executable)),
        }
    }
}

/// The kind of file a profile's build makes, from the last `-buildmode` in its `flags`
/// and extra go arguments; otherwise why this tool does not take it (archives), naming
/// where the buildmode was set.
pub fn kind_of(profile: &ResolvedProfile) -> Result<Kind, String> {
    Kind::of_buildmode(&kind::buildmode(
        profile.flags.value.iter().chain(&profile.go_args),
    ))
    .map_err(|e| {
        let in_args = profile
            .go_args
            .iter()
            .any(|a| a.trim_start_matches('-').starts_with("buildmode"));
        if in_args {
            format!("the go build arguments after `--`: {e}")
        } else {
            format!("flags ({}): {e}", profile.flags.source)
        }
    })
}

impl Policy {
    /// The same policy for another architecture of the same OS (a slice of a universal
    /// file): the target and the recorded settings Go must show follow the arch.
    pub fn for_arch(&self, goarch: Option<&str>) -> Policy {
        let mut p = self.clone();
        let Some(t) = &self.target else { return p };
        if Some(t.goarch()) == goarch {
            return p;
        }
        p.target = goarch.and_then(|a| Target::parse(&format!("{}/{a}", t.goos())).ok());
        match (&p.target, &mut p.expect_go) {
            (Some(nt), Some(e)) => {
                e.goarch = nt.goarch().to_string();
                e.level = nt.level().map(|(k, v)| (k.to_string(), v.to_string()));
            }
            (None, e) => *e = None,
            _ => {}
        }
        p
    }
}

/// What Go records for a build of this profile and target.
fn expected_go_build(p: &ResolvedProfile, t: &Target) -> GoExpect {
    let args: Vec<&String> = p.flags.value.iter().chain(&p.go_args).collect();
    let trimpath = args
        .iter()
        .any(|a| *a == "-trimpath" || *a == "-trimpath=true" || *a == "--trimpath");
    let buildmode = kind::buildmode(args.iter().copied());
    GoExpect {
        goos: t.goos().to_string(),
        goarch: t.goarch().to_string(),
        level: t.level().map(|(k, v)| (k.to_string(), v.to_string())),
        cgo: p.cgo.value,
        trimpath,
        tags: p.tags.value.clone(),
        buildmode,
        ldflags: p.ldflags.value.clone(),
    }
}
