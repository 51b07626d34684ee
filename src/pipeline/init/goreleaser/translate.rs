//! goreleaser's `builds` (v1 and v2) as profiles: the target matrix with goreleaser's
//! defaults and ignores, flags, templates as placeholders, and a note with YAML path and
//! line for everything that does not translate.

use super::matrix::{level_of, tool_target};
use super::template::{self, Field};
use super::yaml::{Node, Value};

/// Something not translated, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub path: String,
    pub line: usize,
    pub text: String,
    /// Counts for `--strict` (a key of `builds` or the top-level `env`).
    pub strict: bool,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (line {}): {}", self.path, self.line, self.text)
    }
}

/// One goreleaser build as a profile.
#[derive(Debug, Clone, Default)]
pub struct Build {
    pub name: String,
    /// The build's index in `builds`, and its line.
    pub index: usize,
    pub line: usize,
    /// goreleaser's `dir` (where it runs go), and its line, when set.
    pub dir: Option<(String, usize)>,
    pub targets: Vec<String>,
    pub package: String,
    pub output: String,
    pub ldflags: String,
    pub flags: Vec<String>,
    pub tags: Vec<String>,
    pub env: Vec<(String, String)>,
    pub pass_env: Vec<String>,
    pub cgo: Option<bool>,
    /// `mod_timestamp` as the profile's `mtime` template.
    pub mtime: Option<String>,
    /// Per-target settings from `overrides`, keyed by the exact target.
    pub overrides: Vec<(String, Override)>,
}

/// What an entry of `overrides` sets for its target.
#[derive(Debug, Clone, Default)]
pub struct Override {
    pub env: Vec<(String, String)>,
    pub cgo: Option<bool>,
    pub ldflags: Option<String>,
    pub flags: Vec<String>,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Translation {
    pub builds: Vec<Build>,
    pub notes: Vec<Note>,
}

/// translate's Err when the config holds no go build.
pub const NO_GO_BUILDS: &str = "no go builds";

/// goreleaser's default ldflags.
pub const DEFAULT_LDFLAGS: &str = "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser";

const KEYS: &[&str] = &[
    "id",
    "builder",
    "main",
    "dir",
    "binary",
    "goos",
    "goarch",
    "goarm",
    "goamd64",
    "goarm64",
    "go386",
    "gomips",
    "goriscv64",
    "goppc64",
    "targets",
    "ignore",
    "ldflags",
    "flags",
    "tags",
    "asmflags",
    "gcflags",
    "env",
    "overrides",
    "mod_timestamp",
    "skip",
    "disable",
];

struct Cx<'a> {
    notes: &'a mut Vec<Note>,
    project: String,
}

impl Cx<'_> {
    fn note(&mut self, path: &str, line: usize, text: impl Into<String>, strict: bool) {
        let n = Note {
            path: path.to_string(),
            line,
            text: text.into(),
            strict,
        };
        if !self.notes.contains(&n) {
            self.notes.push(n);
        }
    }

    /// A goreleaser template as the tool's placeholders; what has none is left out
    /// and noted.
    fn template(&mut self, s: &str, path: &str, line: usize) -> String {
        self.template_in(s, Field::Value, path, line)
    }

    fn template_in(&mut self, s: &str, field: Field, path: &str, line: usize) -> String {
        let (out, notes) = template::translate(s, field, &self.project);
        for (breaks, n) in notes {
            self.note(path, line + breaks, format!("not translated: {n}"), true);
        }
        out
    }
}

/// A string or each string of a list, with its YAML path (`key[i]` in a list) and line.
fn entries(n: &Node, path: &str) -> Vec<(String, String, usize)> {
    match &n.value {
        Value::Str(s) => vec![(s.clone(), path.to_string(), n.line)],
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| {
                it.as_str()
                    .map(|s| (s.to_string(), format!("{path}[{i}]"), it.line))
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl Cx<'_> {
    /// The strings of `n`, templates translated, the empty ones dropped (goreleaser's
    /// templated lists skip them).
    fn items(&mut self, n: &Node, path: &str) -> Vec<String> {
        entries(n, path)
            .into_iter()
            .map(|(s, p, line)| self.template(&s, &p, line))
            .filter(|s| !s.trim().is_empty())
            .collect()
    }

    /// `ldflags`, `flags`/`asmflags`/`gcflags` and `tags` of a build or an override.
    fn go_flags(&mut self, b: &Node, path: &str) -> (Option<String>, Vec<String>, Vec<String>) {
        let ldflags = b
            .get("ldflags")
            .map(|l| self.items(l, &format!("{path}.ldflags")).join(" "));
        let mut flags = Vec::new();
        for (key, flag) in [
            ("flags", ""),
            ("asmflags", "-asmflags="),
            ("gcflags", "-gcflags="),
        ] {
            if let Some(n) = b.get(key) {
                for f in self.items(n, &format!("{path}.{key}")) {
                    flags.push(format!("{flag}{f}"));
                }
            }
        }
        let tags = b
            .get("tags")
            .map(|n| self.items(n, &format!("{path}.tags")))
            .unwrap_or_default();
        (ldflags, flags, tags)
    }
}

/// goreleaser's `skip` as Go's strconv.ParseBool reads it.
fn truthy(n: Option<&Node>) -> bool {
    n.and_then(Node::as_str)
        .is_some_and(|s| matches!(s, "1" | "t" | "T" | "true" | "TRUE" | "True"))
}

/// Translates a goreleaser config. `fallback` names the project when neither
/// `project_name` nor a `release` repository name does (goreleaser then takes the last
/// element of go.mod's module path). Err: no go build at all.
pub fn translate(root: &Node, fallback: &str) -> Result<Translation, String> {
    let mut t = Translation::default();
    // goreleaser's order: project_name, then release.github/gitlab/gitea.name.
    let release_name = ["github", "gitlab", "gitea"].iter().find_map(|f| {
        root.get("release")
            .and_then(|r| r.get(f))
            .and_then(|g| g.get("name"))
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty() && !n.contains("{{"))
    });
    let project = root
        .get("project_name")
        .and_then(Node::as_str)
        .or(release_name)
        .unwrap_or(fallback)
        .to_string();
    let dist = root
        .get("dist")
        .and_then(Node::as_str)
        .map(|d| d.trim_end_matches('/'))
        .filter(|d| !d.is_empty())
        .unwrap_or("dist")
        .to_string();
    if let Value::Map(top) = &root.value {
        let outside: Vec<&str> = top
            .iter()
            .map(|(k, _)| k.as_str())
            // `x-` keys only hold anchors for the rest of the file.
            .filter(|k| !k.starts_with("x-"))
            .filter(|k| {
                !matches!(
                    *k,
                    "builds" | "env" | "project_name" | "version" | "before" | "dist" | "includes"
                )
            })
            .collect();
        if !outside.is_empty() {
            let line = top
                .iter()
                .find(|(k, _)| k == outside[0])
                .map_or(1, |(_, v)| v.line);
            t.notes.push(Note {
                path: outside.join(", "),
                line,
                text: "outside this tool's scope (it builds and verifies; packaging and release are not translated)".into(),
                strict: false,
            });
        }
        if let Some((_, inc)) = top.iter().find(|(k, _)| k == "includes") {
            // goreleaser Pro's includes can hold the builds themselves.
            t.notes.push(Note {
                path: "includes".into(),
                line: inc.line,
                text: "not translated: included files are not read, so builds they hold are not profiles here; \
                       copy them into this file and translate again"
                    .into(),
                strict: true,
            });
        }
        if let Some((_, b)) = top.iter().find(|(k, _)| k == "before") {
            t.notes.push(Note {
                path: "before.hooks".into(),
                line: b.get("hooks").map_or(b.line, |h| h.line),
                text: "not translated: hooks run shell commands; put them in your Makefile".into(),
                strict: false,
            });
        }
    }
    let mut cx = Cx {
        notes: &mut t.notes,
        project: project.clone(),
    };
    let mut global_env: Vec<(String, String, usize)> = Vec::new();
    if let Some(env) = root.get("env") {
        global_env = entries(env, "env");
    }
    // goreleaser builds `builds`, else one default build of `.`.
    // goreleaser refuses a config whose root or `builds` has the wrong shape.
    if !matches!(root.value, Value::Map(_) | Value::Null) {
        return Err(format!(
            "line {}: the config is not a mapping of sections",
            root.line
        ));
    }
    let builds: Vec<Node> = match root.get("builds").map(|b| (&b.value, b.line)) {
        Some((Value::Seq(items), _)) => items.clone(),
        Some((Value::Null, _)) | None => Vec::new(),
        Some((_, line)) => {
            return Err(format!(
                "builds (line {line}): a list of builds (`- id: …`), not a single value"
            ))
        }
    };
    // `builds: []` and `builds:` (null) are no builds too.
    let list: Vec<Node> = if builds.is_empty() {
        vec![Node {
            value: Value::Map(Vec::new()),
            line: 1,
        }]
    } else {
        builds
    };
    for (i, b) in list.iter().enumerate() {
        let path = format!("builds[{i}]");
        if let Some(builder) = b.get("builder").and_then(Node::as_str) {
            if builder != "go" {
                cx.note(
                    &path,
                    b.line,
                    format!("not translated: builder `{builder}` (only go builds are)"),
                    false,
                );
                continue;
            }
        }
        for key in ["skip", "disable"] {
            if let Some(n) = b
                .get(key)
                .filter(|n| n.as_str().is_some_and(|v| v.contains("{{")))
            {
                cx.note(
                    &format!("{path}.{key}"),
                    n.line,
                    format!(
                        "not translated: `{}` is a template; the build is translated as not skipped",
                        n.as_str().unwrap_or("")
                    ),
                    true,
                );
            }
        }
        if let Some((key, n)) = ["skip", "disable"]
            .iter()
            .find_map(|k| b.get(k).filter(|n| truthy(Some(n))).map(|n| (k, n)))
        {
            cx.note(
                &format!("{path}.{key}"),
                n.line,
                "skipped, as goreleaser skips it",
                false,
            );
            continue;
        }
        if let Value::Map(m) = &b.value {
            for (k, v) in m {
                if k == "hooks" {
                    let subs: Vec<(String, usize)> = match &v.value {
                        Value::Map(h) => h
                            .iter()
                            .map(|(hk, hv)| (format!("{path}.hooks.{hk}"), hv.line))
                            .collect(),
                        _ => vec![(format!("{path}.hooks"), v.line)],
                    };
                    for (p, line) in subs {
                        cx.note(
                            &p,
                            line,
                            "not translated: hooks run shell commands; put them in your Makefile",
                            true,
                        );
                    }
                    continue;
                }
                if !KEYS.contains(&k.as_str()) {
                    let why = match k.as_str() {
                        "hooks" => {
                            "hooks run shell commands; put them in your Makefile".to_string()
                        }
                        "gobinary" | "tool" => {
                            "the go binary is chosen with --go or XBUILD_GO_GO".to_string()
                        }
                        "buildmode" => "only the default build mode is supported".to_string(),
                        "no_unique_dist_dir" => {
                            "the output path is the profile's `output`".to_string()
                        }
                        _ => "no equivalent".to_string(),
                    };
                    cx.note(
                        &format!("{path}.{k}"),
                        v.line,
                        format!("not translated: {why}"),
                        true,
                    );
                }
            }
        }
        let name = b
            .get("id")
            .and_then(Node::as_str)
            .map(String::from)
            .unwrap_or_else(|| project.clone());
        let binary = b
            .get("binary")
            .and_then(Node::as_str)
            .map(|s| {
                let line = b.get("binary").map_or(b.line, |n| n.line);
                cx.template_in(s, Field::Path, &format!("{path}.binary"), line)
            })
            .unwrap_or_else(|| {
                // `main: ./cmd/...` without `binary`: goreleaser names each binary
                // after its package, as `{name}` does.
                if b.get("main")
                    .and_then(Node::as_str)
                    .is_some_and(|m| m.ends_with("/..."))
                {
                    "{name}".to_string()
                } else {
                    project.clone()
                }
            });
        let main = b.get("main").and_then(Node::as_str).unwrap_or(".");
        let package = match b.get("dir").and_then(Node::as_str) {
            Some(d) if d != "." => {
                let d = d.trim_start_matches("./").trim_end_matches('/');
                format!("./{d}/{}", main.trim_start_matches("./"))
                    .trim_end_matches("/.")
                    .to_string()
            }
            _ if main == "." || main.starts_with("./") || main.starts_with('/') => main.to_string(),
            _ => format!("./{main}"),
        };
        let mut build = Build {
            name: name.clone(),
            index: i,
            line: b.line,
            dir: b
                .get("dir")
                .and_then(|d| d.as_str().map(|s| (s.to_string(), d.line))),
            package,
            output: format!("{dist}/{name}_{{target}}/{binary}{{exe}}"),
            ..Build::default()
        };
        let (targets, notes) = super::matrix::targets(b, &path);
        for (p, line, text) in notes {
            cx.note(&p, line, text, true);
        }
        build.targets = targets;
        if build.targets.is_empty() {
            cx.note(
                &path,
                b.line,
                "not translated: no target is left (goreleaser builds nothing here); no profile",
                true,
            );
            continue;
        }
        let (ldflags, flags, tags) = cx.go_flags(b, &path);
        build.ldflags = ldflags
            .unwrap_or_else(|| cx.template(DEFAULT_LDFLAGS, &format!("{path}.ldflags"), b.line));
        build.flags = flags;
        build.tags = tags;
        let mut env = global_env.clone();
        if let Some(n) = b.get("env") {
            env.extend(entries(n, &format!("{path}.env")));
        }
        let mut vars = Vars::default();
        for (e, epath, line) in env {
            vars.add(&e, &epath, line, &mut cx);
        }
        build.flags.extend(vars.goflags);
        build.cgo = vars.cgo;
        build.env = vars.env;
        build.pass_env = vars.pass_env;
        if let Some(Value::Seq(ovs)) = b.get("overrides").map(|o| &o.value) {
            for (j, o) in ovs.iter().enumerate() {
                let opath = format!("{path}.overrides[{j}]");
                if let Some((target, ov)) = override_of(o, &opath, &mut cx) {
                    // goreleaser applies the first entry that matches a target.
                    if !build.overrides.iter().any(|(t, _)| t == &target) {
                        build.overrides.push((target, ov));
                    }
                }
            }
        }
        if let Some(n) = b.get("mod_timestamp") {
            let raw = n.as_str().unwrap_or("").trim();
            let inner = raw
                .strip_prefix("{{")
                .and_then(|r| r.strip_suffix("}}"))
                .map(str::trim);
            build.mtime = Some(match inner {
                // Unix seconds of the commit: the tool's {commit-date} is the same instant.
                Some(".CommitTimestamp" | ".CommitDate") => "{commit-date}".to_string(),
                _ => cx.template(raw, &format!("{path}.mod_timestamp"), n.line),
            });
        }
        t.builds.push(build);
    }
    if t.builds.is_empty() {
        // Say why when a build was dropped for a reason of its own.
        return Err(match t.notes.iter().find(|n| n.strict) {
            Some(n) => format!("{NO_GO_BUILDS}: {n}"),
            None => NO_GO_BUILDS.into(),
        });
    }
    // Names must be unique as profiles (goreleaser refuses two builds with one id).
    let mut seen: Vec<String> = Vec::new();
    let mut renamed: Vec<Note> = Vec::new();
    for b in &mut t.builds {
        let base = b.name.clone();
        let mut n = 2;
        while seen.contains(&b.name) {
            b.name = format!("{base}-{n}");
            n += 1;
        }
        if b.name != base {
            renamed.push(Note {
                path: format!("builds[{}].id", b.index),
                line: b.line,
                text: format!(
                    "not translated: a second build with id `{base}` (goreleaser refuses the config); its profile is `{}`",
                    b.name
                ),
                strict: true,
            });
        }
        seen.push(b.name.clone());
    }
    t.notes.extend(renamed);
    Ok(t)
}

/// A build's (or an override's) `env` sorted into what the profile says with it.
#[derive(Default)]
struct Vars {
    env: Vec<(String, String)>,
    pass_env: Vec<String>,
    cgo: Option<bool>,
    /// `GOFLAGS`, which a profile says with `flags`.
    goflags: Vec<String>,
}

impl Vars {
    fn add(&mut self, e: &str, epath: &str, line: usize, cx: &mut Cx) {
        let Some((k, v)) = e.split_once('=') else {
            cx.note(
                epath,
                line,
                format!("not translated: `{e}` is not NAME=VALUE"),
                true,
            );
            return;
        };
        let inner = v
            .trim()
            .trim_start_matches("{{")
            .trim_end_matches("}}")
            .trim();
        if inner == format!(".Env.{k}") {
            if !self.pass_env.iter().any(|p| p == k) {
                self.pass_env.push(k.to_string());
            }
            return;
        }
        let owner = match k {
            "CGO_ENABLED" => match v {
                "0" | "1" => {
                    self.cgo = Some(v == "1");
                    return;
                }
                _ => "`cgo` (true or false)",
            },
            "GOFLAGS" => {
                let v = cx.template(v, epath, line);
                self.goflags.extend(v.split_whitespace().map(String::from));
                return;
            }
            "GOOS" | "GOARCH" | "GOARM" | "GOAMD64" | "GOARM64" | "GO386" | "GOMIPS"
            | "GOMIPS64" | "GOPPC64" | "GORISCV64" => "`targets`",
            "GOTOOLCHAIN" => "`go` (an exact version pins the toolchain)",
            "GOROOT" | "GOENV" => "nothing (the tool's go and scrub set it)",
            _ => {
                let v = cx.template(v, epath, line);
                self.env.retain(|(o, _)| o != k);
                self.env.push((k.to_string(), v));
                return;
            }
        };
        cx.note(
            epath,
            line,
            format!("not translated: `{e}`: a profile says {k} with {owner}"),
            true,
        );
    }
}

/// An entry of `overrides` as the exact target it matches (goreleaser fills a level
/// left out with its default, as for `targets`) and what it sets there.
fn override_of(o: &Node, opath: &str, cx: &mut Cx) -> Option<(String, Override)> {
    let (Some(os), Some(arch)) = (
        o.get("goos").and_then(Node::as_str),
        o.get("goarch").and_then(Node::as_str),
    ) else {
        cx.note(
            opath,
            o.line,
            "not translated: an override without goos and goarch",
            true,
        );
        return None;
    };
    let level = level_of(arch).map(|(key, def)| {
        o.get(key)
            .and_then(Node::as_str)
            .filter(|l| !l.is_empty())
            .unwrap_or(def)
    });
    let Some(target) = tool_target(os, arch, level) else {
        cx.note(
            opath,
            o.line,
            format!("not translated: {os}/{arch} is not a target Go builds"),
            true,
        );
        return None;
    };
    let mut ov = Override::default();
    let mut vars = Vars::default();
    if let Some(e) = o.get("env") {
        for (s, p, line) in entries(e, &format!("{opath}.env")) {
            vars.add(&s, &p, line, cx);
        }
    }
    for p in &vars.pass_env {
        cx.note(
            opath,
            o.line,
            format!("not translated: {p} passed through for one target only; add it to the profile's `pass-env`"),
            true,
        );
    }
    ov.env = vars.env;
    ov.cgo = vars.cgo;
    ov.flags = vars.goflags;
    let (ldflags, flags, tags) = cx.go_flags(o, opath);
    ov.ldflags = ldflags;
    ov.flags.extend(flags);
    ov.tags = tags;
    if let Value::Map(m) = &o.value {
        for (k, v) in m {
            let known = matches!(
                k.as_str(),
                "goos" | "goarch" | "env" | "ldflags" | "flags" | "asmflags" | "gcflags" | "tags"
            ) || level_of(arch).is_some_and(|(key, _)| key == k);
            if !known {
                cx.note(
                    &format!("{opath}.{k}"),
                    v.line,
                    "not translated: an override sets env, ldflags, flags, asmflags, gcflags and tags, and the level of its own arch",
                    true,
                );
            }
        }
    }
    Some((target, ov))
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse;
    use super::*;

    #[test]
    fn defaults_targets_and_ignores_follow_goreleaser() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "defaults",
                "builds:\n  - main: .\n",
                &["darwin/amd64/v1", "darwin/arm64/v8.0", "linux/386/sse2", "linux/amd64/v1", "linux/arm64/v8.0", "windows/386/sse2", "windows/amd64/v1", "windows/arm64/v8.0"],
            ),
            (
                "ignore",
                "builds:\n  - goos: [linux]\n    goarch: [amd64, arm]\n    goarm: [6, 7]\n    ignore:\n      - goos: linux\n        goarch: arm\n        goarm: 7\n",
                &["linux/amd64/v1", "linux/arm/v6"],
            ),
            ("first class", "builds:\n  - targets: [go_first_class]\n", &["darwin/amd64/v1", "darwin/arm64/v8.0", "linux/386/sse2", "linux/amd64/v1", "linux/arm/v6", "linux/arm64/v8.0", "windows/386/sse2", "windows/amd64/v1"]),
            ("targets", "builds:\n  - targets: [linux_amd64_v3, darwin_arm64, linux_arm_7]\n", &["linux/amd64/v3", "darwin/arm64/v8.0", "linux/arm/v7"]),
        ];
        for (case, yaml, want) in cases {
            let t = translate(&parse(yaml).unwrap(), "app").unwrap();
            assert_eq!(t.builds[0].targets, *want, "{case}");
        }
    }

    #[test]
    fn untranslated_keys_are_noted_with_path_and_line() {
        let y = "project_name: tool\nbuilds:\n  - id: cli\n    hooks:\n      pre: make gen\n    ldflags: -X main.v={{.Version}} -X main.x={{.Runtime.Goos}}\narchives:\n  - format: zip\n";
        let t = translate(&parse(y).unwrap(), "dir").unwrap();
        let shown: Vec<String> = t.notes.iter().map(|n| n.to_string()).collect();
        assert!(
            shown
                .iter()
                .any(|n| n.starts_with("builds[0].hooks.pre (line 5)")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|n| n.contains("builds[0].ldflags") && n.contains(".Runtime.Goos")),
            "{shown:?}"
        );
        assert!(
            shown.iter().any(|n| n.starts_with("archives (line 7)")
                && !t
                    .notes
                    .iter()
                    .find(|x| x.path == "archives")
                    .unwrap()
                    .strict),
            "{shown:?}"
        );
        assert_eq!(t.builds[0].name, "cli");
        assert!(
            t.builds[0].ldflags.contains("main.v={version}"),
            "{}",
            t.builds[0].ldflags
        );
        assert!(translate(&parse("builds:\n  - builder: rust\n").unwrap(), "d").is_err());
    }
}
