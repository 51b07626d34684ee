//! Inheritance: every `[profile.NAME]` table's `inherits` chain walked once per file
//! (cycles and unknown names refused), and a chain merged into one layer whose
//! values inherited from another profile say so.

use std::collections::{BTreeMap, HashMap};

use toml::Spanned;

use super::layer::{builtin, cli_layer, toml_layer, Layer, TargetKey};
use super::precedence::finish;
use super::{Overrides, Stack, BUILTIN_PROFILE};
use crate::error::usage;
use crate::profile::schema::LayerToml;
use crate::profile::{Location, ProfileFile, ResolvedProfile, Source, Sourced};
use crate::suggest::did_you_mean;

/// Calls `$m!` with the name of every single-valued field of [`Layer`] (all but `env`),
/// so the memo below lists them once.
macro_rules! with_layer_fields {
    ($m:ident) => {
        $m! {
            targets,
            package,
            output,
            mtime,
            cgo,
            cc,
            libc,
            glibc,
            ldflags,
            flags,
            tags,
            rebuild_all,
            pass_env,
            go,
            smoke,
            smoke_required,
            smoke_timeout,
            smoke_isolation,
            static_,
            stripped,
            buildinfo,
            runs_on,
            runs_on_accept,
            runs_on_path,
            accept_needs,
            max_glibc,
            arm_float_abi,
            aarch64_bti,
            max_size,
            image_table,
            image_base,
            image_repository,
            image_tags,
            image_path,
            image_entrypoint,
            image_cmd,
            image_user,
            image_workdir,
            image_env,
            image_labels,
            image_annotations,
            image_ports,
            image_insecure_registries,
            cache_program,
            cache_program_env
        }
    };
}

macro_rules! define_providers {
    ($($f:ident),*) => {
        /// For one profile table: which table of its inheritance chain (itself or an
        /// ancestor) provides each field, and the nearest one that sets `env` keys.
        #[derive(Debug, Clone, Copy, Default)]
        struct Providers {
            $($f: Option<u32>,)*
            env: Option<u32>,
            stamp: Option<u32>,
            tables: Option<u32>,
        }

        impl Providers {
            /// A table's providers from its own layer and its parent's providers.
            fn of(layer: &Layer, me: u32, parent: Option<&Providers>) -> Providers {
                Providers {
                    $($f: if layer.$f.is_some() { Some(me) } else { parent.and_then(|p| p.$f) },)*
                    env: if layer.env.is_empty() { parent.and_then(|p| p.env) } else { Some(me) },
                    stamp: if layer.stamp.is_empty() { parent.and_then(|p| p.stamp) } else { Some(me) },
                    tables: if layer.target_tables.is_empty() {
                        parent.and_then(|p| p.tables)
                    } else {
                        Some(me)
                    },
                }
            }
        }

        impl Resolver<'_> {
            /// The chain of `named` as one layer: each field from the table that provides
            /// it, labelled inherited when that is not `named` itself.
            fn merged(&self, named: u32) -> Layer {
                let p = self.providers[named as usize].unwrap_or_default();
                let pick = |j: u32| self.layers[j as usize].as_ref();
                Layer {
                    $($f: p.$f.and_then(|j| {
                        pick(j)?.$f.clone().map(|v| relabel(v, j != named))
                    }),)*
                    env: self.merged_map(named, p.env, |l| &l.env, |p| p.env),
                    stamp: self.merged_map(named, p.stamp, |l| &l.stamp, |p| p.stamp),
                    target_tables: self.merged_tables(p.tables),
                }
            }
        }
    };
}
with_layer_fields!(define_providers);

/// A value set by a profile, labelled as inherited when another profile asked for it.
fn relabel<T>(mut v: Sourced<T>, inherited: bool) -> Sourced<T> {
    if inherited {
        if let Source::Profile { name, at } = v.source {
            v.source = Source::Inherited { name, at };
        }
    }
    v
}

/// Resolves profiles of one file, each table converted and its inheritance chain walked
/// once however many profiles share it: resolving every profile of a file is linear in
/// its size (2,000 profiles, or a 5,000-deep chain). Iterative, so no depth overflows
/// the stack.
pub struct Resolver<'f> {
    file: Option<&'f ProfileFile>,
    /// `[profile.NAME]` tables, in the file's (sorted) order.
    tables: Vec<(&'f str, &'f Spanned<LayerToml>)>,
    index: HashMap<&'f str, u32>,
    /// Each table as a layer, converted when first needed (its values labelled as the
    /// profile's own).
    layers: Vec<Option<Layer>>,
    /// The table each one inherits from (none: the built-in golden profile).
    parents: Vec<Option<u32>>,
    /// Set once a table's whole chain is known to be valid.
    providers: Vec<Option<Providers>>,
    /// Tables on the chain being walked, to find cycles.
    on_path: Vec<bool>,
    /// `[build]`, converted and checked once.
    build: Option<Option<Layer>>,
}

impl<'f> Resolver<'f> {
    pub fn new(file: Option<&'f ProfileFile>) -> Resolver<'f> {
        let tables: Vec<(&str, &Spanned<LayerToml>)> = file
            .into_iter()
            .flat_map(|f| f.toml.profile.iter().map(|(k, v)| (k.as_str(), v)))
            .collect();
        let n = tables.len();
        Resolver {
            file,
            index: tables
                .iter()
                .enumerate()
                .map(|(i, (name, _))| (*name, i as u32))
                .collect(),
            tables,
            layers: vec![None; n],
            parents: vec![None; n],
            providers: vec![None; n],
            on_path: vec![false; n],
            build: None,
        }
    }

    /// Resolves the named profile from the file (if any), the built-in golden profile
    /// and the command line.
    pub fn resolve(&mut self, name: &str, cli: &Overrides) -> anyhow::Result<ResolvedProfile> {
        let mut layers = vec![cli_layer(cli)];
        if let Some(named) = self.chain(name)? {
            layers.push(self.merged(named));
        }
        if let Some(build) = self.build_layer()? {
            layers.push(build.clone());
        }
        layers.push(builtin());
        let stack = std::sync::Arc::new(Stack {
            layers,
            cli: cli.clone(),
        });
        finish(
            name,
            self.file.map(|f| f.path.clone()),
            &stack.layers,
            cli,
            stack.clone(),
        )
    }

    fn unknown(&self, name: &str, via: Option<Location>) -> anyhow::Error {
        let mut names: Vec<&str> = self.tables.iter().map(|(n, _)| *n).collect();
        if !names.contains(&BUILTIN_PROFILE) {
            names.push(BUILTIN_PROFILE);
        }
        let where_ = match (via, self.file) {
            (Some(at), _) => format!("{at}: "),
            (None, Some(f)) => format!("{}: ", f.path.display()),
            (None, None) => String::new(),
        };
        // The profiles first, the suggestion last: `...; profiles: golden; did you mean
        // `golden`?`, as an unknown target reads.
        let suggestion = did_you_mean(name, names.iter().copied());
        let message = format!(
            "{where_}unknown profile `{name}`; profiles: {}{suggestion}",
            names.join(", ")
        );
        if !suggestion.is_empty() {
            return usage(message);
        }
        let help = match self.file {
            Some(f) => format!(
                "add a `[profile.{name}]` table to {}, or run `cargo xbuild-go profiles` to \
                 list the profiles",
                crate::sanitize::escape::path(&f.path)
            ),
            None => format!(
                "no xbuild-go.toml was found: run `cargo xbuild-go init --profile {name}` to \
                 write one"
            ),
        };
        crate::error::helped(crate::error::Exit::Usage, message, help)
    }

    /// The table of `name` with its whole chain checked, converted and memoized; `None`
    /// for the built-in golden profile when the file has no such table. A name missing
    /// from the file is fine only for golden.
    fn chain(&mut self, name: &str) -> anyhow::Result<Option<u32>> {
        let Some(&start) = self.index.get(name) else {
            if name == BUILTIN_PROFILE {
                return Ok(None);
            }
            return Err(self.unknown(name, None));
        };
        if self.providers[start as usize].is_some() {
            return Ok(Some(start));
        }
        let mut path = Vec::new();
        let walked = self.walk(start, &mut path);
        for &i in &path {
            self.on_path[i as usize] = false;
        }
        walked?;
        let Some(file) = self.file else {
            return Ok(None);
        };
        // Convert named first, as the chain reads, so the first error is the nearest.
        for &i in &path {
            if self.layers[i as usize].is_none() {
                let name = self.tables[i as usize].0;
                let layer = toml_layer(file, self.tables[i as usize].1.get_ref(), &|at| {
                    Source::Profile {
                        name: name.to_string(),
                        at,
                    }
                })?;
                self.layers[i as usize] = Some(layer);
            }
        }
        for &i in path.iter().rev() {
            let parent = self.parents[i as usize].and_then(|p| self.providers[p as usize]);
            if let Some(layer) = &self.layers[i as usize] {
                self.providers[i as usize] = Some(Providers::of(layer, i, parent.as_ref()));
            }
        }
        Ok(Some(start))
    }

    /// Follows `inherits` from `start` until the built-in profile or a table already
    /// resolved, pushing every table passed; errors on an unknown name or a cycle.
    fn walk(&mut self, start: u32, path: &mut Vec<u32>) -> anyhow::Result<()> {
        let mut current = start;
        let mut via: Option<Location> = None;
        loop {
            if self.on_path[current as usize] {
                let cycle: Vec<&str> = path
                    .iter()
                    .chain([&current])
                    .map(|&i| self.tables[i as usize].0)
                    .collect();
                let at = via.map(|l| format!("{l}: ")).unwrap_or_default();
                return Err(usage(format!(
                    "{at}profile inheritance cycle: {}",
                    cycle.join(" -> ")
                )));
            }
            self.on_path[current as usize] = true;
            path.push(current);
            let Some(parent) = &self.tables[current as usize].1.get_ref().inherits else {
                return Ok(());
            };
            let at = self.file.map(|f| f.location(parent.span().start));
            match self.index.get(parent.get_ref().as_str()) {
                Some(&p) => {
                    self.parents[current as usize] = Some(p);
                    if self.providers[p as usize].is_some() {
                        return Ok(());
                    }
                    current = p;
                    via = at;
                }
                None if parent.get_ref() == BUILTIN_PROFILE => return Ok(()),
                None => return Err(self.unknown(parent.get_ref(), at)),
            }
        }
    }

    /// The tables of a chain that hold something, nearest first, from the nearest one
    /// (`next`) on; only such tables are visited.
    fn holders(&self, mut next: Option<u32>, next_of: fn(&Providers) -> Option<u32>) -> Vec<u32> {
        let mut holders = Vec::new();
        while let Some(j) = next {
            holders.push(j);
            next = self.parents[j as usize]
                .and_then(|p| self.providers[p as usize])
                .and_then(|p| next_of(&p));
        }
        holders
    }

    /// `env` (or `stamp`) of the chain of `named`, merged key by key with nearer tables
    /// winning.
    fn merged_map(
        &self,
        named: u32,
        next: Option<u32>,
        get: fn(&Layer) -> &BTreeMap<String, Sourced<String>>,
        next_of: fn(&Providers) -> Option<u32>,
    ) -> BTreeMap<String, Sourced<String>> {
        let mut map = BTreeMap::new();
        for &j in self.holders(next, next_of).iter().rev() {
            for (k, v) in self.layers[j as usize].iter().flat_map(get) {
                map.insert(k.clone(), relabel(v.clone(), j != named));
            }
        }
        map
    }

    /// Every per-target table of the chain, the nearest profile's first.
    fn merged_tables(&self, next: Option<u32>) -> Vec<(TargetKey, Layer)> {
        self.holders(next, |p| p.tables)
            .iter()
            .flat_map(|&j| {
                self.layers[j as usize]
                    .iter()
                    .flat_map(|l| l.target_tables.clone())
            })
            .collect()
    }

    /// `[build]` as a layer; `inherits` is not allowed there.
    fn build_layer(&mut self) -> anyhow::Result<Option<&Layer>> {
        if self.build.is_none() {
            let layer = match self.file.and_then(|f| Some((f, f.toml.build.as_ref()?))) {
                None => None,
                Some((f, build)) => {
                    if let Some(inh) = &build.get_ref().inherits {
                        return Err(usage(format!(
                            "{}: `inherits` is not allowed in [build]; [build] applies to every profile",
                            f.location(inh.span().start)
                        )));
                    }
                    Some(toml_layer(f, build.get_ref(), &Source::Build)?)
                }
            };
            self.build = Some(layer);
        }
        Ok(self.build.as_ref().and_then(Option::as_ref))
    }
}
