//! `cargo xbuild-go image`: build and verify every linux target as `build` does, then
//! assemble, prove and write the OCI image of `[profile.NAME.image]`.

use super::build::{exec_with, Stage};
use crate::cli::ImageArgs;
use crate::error::{usage, Exit};
use crate::pipeline::publish::remote::LockMode;
use crate::pipeline::publish::{self, Prepared, Request};
use crate::pipeline::{Context, Plan};
use crate::report::{ArtifactReport, Reporter};
use crate::toolchain::HostEnv;

/// The image step on top of the build.
struct ImageStage {
    request: Request,
    prepared: Option<Prepared>,
}

impl Stage for ImageStage {
    fn select(
        &mut self,
        ctx: &Context,
        plans: Vec<Plan>,
        reporter: &Reporter,
    ) -> anyhow::Result<Vec<Plan>> {
        let (kept, prepared) = publish::prepare(ctx, plans, &self.request, reporter)?;
        self.prepared = Some(prepared);
        Ok(kept)
    }

    fn finish(
        &mut self,
        ctx: &Context,
        built: &[(&Plan, &ArtifactReport)],
        facts: &publish::referrers::BuildFacts<'_>,
        reporter: &Reporter,
    ) -> anyhow::Result<[String; 5]> {
        let prepared = self
            .prepared
            .as_ref()
            .ok_or_else(|| usage("the image was not prepared before the build"))?;
        publish::publish(ctx, prepared, built, facts, reporter)
    }
}

pub fn exec(args: &ImageArgs, host: HostEnv, reporter: &Reporter) -> anyhow::Result<Exit> {
    if args.build.no_verify {
        return Err(usage(
            "--no-verify: an image is made only from verified artifacts; drop --no-verify",
        ));
    }
    let b = &args.build;
    let mut stage = ImageStage {
        request: Request {
            oci_layout: args.oci_layout.clone(),
            oci_archive: args.oci_archive.clone(),
            docker_archive: args
                .docker_archive
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned()),
            check_reproducible: b.check_reproducible,
            smoke: b.smoke.smoke.clone(),
            no_smoke: b.smoke.no_smoke,
            smoke_timeout: b.smoke.smoke_timeout,
            push: args.push.clone(),
            lock: match (args.locked, args.update_lock) {
                (true, _) => LockMode::Locked,
                (_, true) => LockMode::Update,
                _ => LockMode::Default,
            },
            insecure_registries: args.insecure_registry.clone(),
        },
        prepared: None,
    };
    exec_with(b, host, reporter, Some(&mut stage))
}
