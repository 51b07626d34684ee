//! The profile file `init` writes: pure text from what was found in the module.

use std::path::PathBuf;

/// What `init` found and chose.
#[derive(Debug, Clone)]
pub struct Starter {
    /// The module path of go.mod.
    pub module: String,
    pub profile: String,
    pub targets: Vec<String>,
    /// Packages relative to the module directory (`.`, `./cmd/a`).
    pub packages: Vec<String>,
    /// The go.mod `go` line, when it has one.
    pub go: Option<String>,
    /// The main packages that use cgo (import "C" or import a package that does).
    pub cgo_packages: Vec<String>,
    /// Where the file goes.
    pub path: PathBuf,
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", q.join(", "))
}

/// A table key, bare when TOML allows it.
pub(super) fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        name.to_string()
    } else {
        quote(name)
    }
}

/// The file's text: the profile, then commented keys showing what else exists.
pub fn render(s: &Starter) -> String {
    let table = format!("profile.{}", key(&s.profile));
    let mut out = String::new();
    out.push_str(&format!(
        "# Written by `cargo xbuild-go init` for module {}.\n\
         # `cargo xbuild-go{}` builds and verifies it; every key is in docs/profile.md,\n\
         # and `cargo xbuild-go profiles` shows each resolved value and where it came from.\n\n",
        s.module,
        if s.profile == crate::profile::BUILTIN_PROFILE {
            String::new()
        } else {
            format!(" --profile {}", s.profile)
        }
    ));
    out.push_str(&format!("[{table}]\n"));
    out.push_str(&format!("targets = {}\n", list(&s.targets)));
    if s.packages.len() == 1 {
        out.push_str(&format!("package = {}\n", quote(&s.packages[0])));
    } else {
        out.push_str(&format!("package = {}\n", list(&s.packages)));
    }
    out.push_str("output = \"dist/{name}-{os}-{arch}{variant}{exe}\"\n");
    out.push_str("flags = [\"-trimpath\"]\n");
    if let Some(go) = &s.go {
        out.push_str(&format!(
            "go = {}  # go.mod's go line\n",
            quote(&format!(">={go}"))
        ));
    }
    if s.cgo_packages.is_empty() {
        out.push_str("cgo = false\n");
    } else {
        out.push_str(&format!(
            "cgo = true  # {} use cgo\n\
             cc = \"zig\"  # a C cross compiler for every target (docs/cgo.md)\n",
            s.cgo_packages.join(", ")
        ));
    }
    out.push_str(
        "# ldflags = [\"-s\", \"-w\"]            # the default: no symbol table, no DWARF\n\
         # tags = [\"netgo\", \"osusergo\"]\n\
         # stamp = { \"main.version\" = \"{version}\", \"main.commit\" = \"{short-commit}\" }\n\
         # env = { GOPROXY = \"off\" }\n\
         # pass-env = [\"GOPRIVATE_TOKEN\"]\n\
         # smoke = [\"--version\"]              # run each artifact once (docs/verification.md)\n",
    );
    out.push_str(&format!(
        "\n# [{table}.verify]\n\
         # static = true                      # no interpreter, no shared libraries\n\
         # stripped = true\n\
         # max-size = \"40MiB\"\n\
         # runs-on = [\"distroless/static\"]\n\
         \n# [{table}.target.\"linux/arm64\"]     # settings for one target only\n\
         # cgo = true\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starter() -> Starter {
        Starter {
            module: "example.com/m".into(),
            profile: "golden".into(),
            targets: vec!["linux/amd64".into(), "linux/arm64".into()],
            packages: vec![".".into()],
            go: Some("1.21".into()),
            cgo_packages: vec![],
            path: PathBuf::from("xbuild-go.toml"),
        }
    }

    #[test]
    fn rendered_files_parse_as_toml_with_the_chosen_values() {
        let mut cgo = starter();
        cgo.cgo_packages = vec!["example.com/m".into()];
        let mut odd = starter();
        odd.profile = "my profile".into();
        odd.packages = vec!["./cmd/a".into(), "./cmd/\"b\"".into()];
        odd.go = None;
        for (case, s, want_cgo) in [
            ("plain", starter(), false),
            ("cgo", cgo, true),
            ("odd", odd, false),
        ] {
            let text = render(&s);
            let v: toml::Table =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{case}: {e}\n{text}"));
            let p = &v["profile"][s.profile.as_str()];
            assert_eq!(p["cgo"].as_bool(), Some(want_cgo), "{case}");
            assert_eq!(p["targets"].as_array().map(Vec::len), Some(2), "{case}");
            assert_eq!(
                p.get("go").and_then(|g| g.as_str()),
                s.go.as_ref().map(|g| format!(">={g}")).as_deref(),
                "{case}"
            );
            let pk = match &p["package"] {
                toml::Value::String(one) => vec![one.clone()],
                toml::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
                other => panic!("{case}: package {other:?}"),
            };
            assert_eq!(pk, s.packages, "{case}");
        }
    }
}
