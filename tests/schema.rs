//! The JSON Lines schema: every line the tool prints for builds (delivered, rejected,
//! failed, universal) and verify validates against schema/events-v1.json, and the
//! schema rejects what it must.

mod util;

use util::*;

#[test]
fn every_line_validates() {
    let (schemas, idx) = events_schema();
    let p = Project::copy_of("hello");
    let mut lines = Vec::new();
    for args in [
        &[
            "--target",
            "linux/arm64,windows/amd64,darwin/arm64",
            "-o",
            "dist/{name}-{os}-{arch}",
            // run.smoke: pass (or skip without qemu) for linux, skip for the others.
            "--smoke",
            "--version",
            "--message-format",
            "json",
        ][..],
        &["-o", "bad", "--ldflags", "", "--message-format", "json"][..],
        // go's own lines (-x prints them even from the cache): go-output events.
        &["--message-format", "json", "--", "-x"][..],
        &[
            "verify",
            "dist/hello-linux-arm64",
            "--message-format",
            "json",
        ][..],
        &["verify", "go.mod", "--message-format", "json"][..],
        // Release evidence: one `evidence` line per document, the build's own files too.
        &[
            "--checksums",
            "ev/SHA256SUMS",
            "--junit",
            "ev/junit.xml",
            "--message-format",
            "json",
        ][..],
        &[
            "verify",
            "dist/hello-linux-arm64",
            "--emit-provenance",
            "ev/provenance.json",
            "--vsa",
            "ev/vsa.json",
            "--sbom",
            "ev/sbom",
            "--message-format",
            "json",
        ][..],
    ] {
        let r = run(p.path(), args);
        lines.extend(r.json());
    }
    lines.extend(run(p.path(), &["doctor", "--message-format", "json"]).json());
    p.file(
        "xbuild-go.toml",
        "[profile.golden.verify]\nruns-on = [\"alpine:3.20\", \"debian:12-slim\"]\n",
    );
    lines.extend(run(p.path(), &["-o", "imgs", "--message-format", "json"]).json());
    let b = Project::copy_of("broken");
    lines.extend(run(b.path(), &["--message-format", "json"]).json());
    // Runtime needs: netuser looks users up and resolves names.
    let n = Project::copy_of("netuser");
    let needs = run(n.path(), &["--message-format", "json"]).json();
    assert!(
        needs.iter().any(|l| l["verdict"]["facts"]["runtime"]
            .as_array()
            .is_some_and(|r| r.iter().any(|n| n["need"] == "passwd"))),
        "netuser shows no passwd need: {needs:#?}"
    );
    lines.extend(needs);
    // A remote cache program (a shell one that knows only `close`): `cache_program` on
    // the artifact and build-finished lines.
    let c = Project::copy_of("hello");
    c.file(
        "cacher.sh",
        "#!/bin/sh\necho '{\"ID\":0,\"KnownCommands\":[\"close\"]}'\n\
         while IFS= read -r l; do id=$(printf '%s' \"$l\" | sed -n 's/.*\"ID\":\\([0-9]*\\).*/\\1/p'); \
         [ -n \"$id\" ] && echo \"{\\\"ID\\\":$id}\"; case \"$l\" in *close*) exit 0;; esac; done\n",
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        let perm = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(c.path().join("cacher.sh"), perm).unwrap();
    }
    let cached = run(
        c.path(),
        &["--cache-program", "./cacher.sh", "--message-format", "json"],
    );
    let cached = cached.json();
    assert!(
        cached
            .iter()
            .any(|l| l["reason"] == "build-finished" && l["cache_program"]["name"] == "cacher.sh"),
        "a build with a cache program names it: {cached:#?}"
    );
    lines.extend(cached);
    // Errors: before the build, and for one target in the middle of a run.
    lines.extend(
        run(
            p.path(),
            &["--profile", "nosuch", "--message-format", "json"],
        )
        .json(),
    );
    std::fs::create_dir_all(p.path().join("mid")).unwrap();
    std::fs::write(p.path().join("mid/amd64"), "in the way\n").unwrap();
    lines.extend(
        run(
            p.path(),
            &[
                "--target",
                "linux/arm64,linux/amd64",
                "-o",
                "mid/{arch}/app",
                "--message-format",
                "json",
            ],
        )
        .json(),
    );
    // A file name that is not UTF-8: path_bytes.
    {
        use std::os::unix::ffi::OsStrExt;
        let odd = std::ffi::OsStr::from_bytes(b"odd-\xff");
        std::fs::copy(p.path().join("dist/hello-linux-arm64"), p.path().join(odd)).unwrap();
        let out = std::process::Command::new(bin())
            .arg("verify")
            .arg(odd)
            .args(["--message-format", "json"])
            .current_dir(p.path())
            .env_clear()
            .envs(base_env())
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert!(v["path_bytes"].is_array(), "{v}");
        lines.push(v);
    }
    let reasons: std::collections::BTreeSet<String> = lines
        .iter()
        .map(|l| l["reason"].as_str().unwrap().to_string())
        .collect();
    for want in [
        "build-started",
        "artifact",
        "build-finished",
        "compiler-failed",
        "go-output",
        "error",
        "evidence",
    ] {
        assert!(
            reasons.contains(want),
            "no {want} line was produced: {reasons:?}"
        );
    }
    let skipped = lines.iter().any(|l| {
        l["verdict"]["checks"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["status"] == "skip"))
    });
    assert!(skipped, "a skipped run.smoke is among the lines validated");
    for line in &lines {
        if let Err(e) = schemas.validate(line, idx) {
            panic!("line does not validate: {e:#}\n{line}");
        }
    }
}

#[test]
fn the_schema_rejects_a_facts_object_with_a_missing_or_extra_key() {
    let (schemas, idx) = events_schema();
    let p = Project::copy_of("hello");
    let r = run(p.path(), &["--message-format", "json"]);
    let mut art = r.artifacts().remove(0);
    assert!(schemas.validate(&art, idx).is_ok());
    let mut leaky = art.clone();
    leaky["env_dropped"] =
        serde_json::json!([{"name": "A", "value": "secret", "from": "host", "reason": "r"}]);
    assert!(
        schemas.validate(&leaky, idx).is_err(),
        "a dropped variable's value accepted"
    );
    art["verdict"]["facts"]["extra"] = serde_json::json!(1);
    assert!(schemas.validate(&art, idx).is_err(), "extra key accepted");
    art["verdict"]["facts"]
        .as_object_mut()
        .unwrap()
        .remove("extra");
    art["verdict"]["facts"]
        .as_object_mut()
        .unwrap()
        .remove("glibc_max");
    assert!(schemas.validate(&art, idx).is_err(), "missing key accepted");
    let mut bad = serde_json::json!({"schema": 2, "reason": "error", "message": "x"});
    assert!(schemas.validate(&bad, idx).is_err(), "schema 2 accepted");
    bad["schema"] = serde_json::json!(1);
    assert!(schemas.validate(&bad, idx).is_ok());
}
