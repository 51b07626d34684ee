//! At most 1 MiB of output per file, whatever the file holds: every string a verdict
//! took from the file is cut to a fixed length and every list to a fixed count (the
//! checks were judged on the whole data before), and a verdict still too large — a
//! universal file whose every slice is full of long names — is cut harder, then loses
//! slice details, each cut said in `notes`.

use crate::verify::check::Check;
use crate::verify::format::bytes::clip;
use crate::verify::format::{MAX_LIST, MAX_TEXT};
use crate::verify::verdict::{Facts, Verdict};

/// The most a verdict may take as JSON. The report around it (path, sha256, target) and
/// the human rendering (which shows less) stay well under the 1 MiB a file may print.
pub const BUDGET: usize = 512 << 10;
/// The second, harder cut.
const TIGHT_LIST: usize = 8;
const TIGHT_TEXT: usize = 128;
/// Notes kept; the rest are counted.
const MAX_NOTES: usize = 16;

/// Cuts `v` to the output budget, in place.
pub(crate) fn bound(v: &mut Verdict) {
    // The common case, cheaply: every string and list already small, and even escaped
    // six times over the verdict is under budget. Nothing to cut or count.
    if small(v) {
        return;
    }
    let totals = Totals::of(v);
    let mut notes = Vec::new();
    shrink(v, MAX_LIST, MAX_TEXT, &totals, &mut notes);
    if json_len(v) > BUDGET {
        notes.clear();
        shrink(v, TIGHT_LIST, TIGHT_TEXT, &totals, &mut notes);
        // Said first: the notes on single lists that follow may be cut short.
        notes.insert(
            0,
            format!(
                "the verdict was over {} KiB: lists cut to {TIGHT_LIST} entries and strings to {TIGHT_TEXT} bytes",
                BUDGET >> 10
            ),
        );
    }
    let mut dropped = 0;
    while json_len(v) > BUDGET && !v.slices.is_empty() {
        let keep = v.slices.len() / 2;
        dropped += v.slices.len() - keep;
        v.slices.truncate(keep);
    }
    if dropped > 0 {
        notes.insert(
            0,
            format!(
                "{dropped} slices not shown: the verdict would be over {} KiB",
                BUDGET >> 10
            ),
        );
    }
    if notes.len() > MAX_NOTES {
        let more = notes.len() - MAX_NOTES + 1;
        notes.truncate(MAX_NOTES - 1);
        notes.push(format!("and {more} more notes"));
    }
    v.notes.extend(notes);
}

/// Whether no string is over [`MAX_TEXT`], no list over [`MAX_LIST`], no library was
/// left unlisted, and the whole is far under [`BUDGET`] even if every byte were escaped.
fn small(v: &Verdict) -> bool {
    fn facts_size(f: &Facts) -> Option<usize> {
        let mut n = f.machine.len() + f.kind.len();
        let mut s = |t: &str| -> Option<()> { (t.len() <= MAX_TEXT).then(|| n += t.len() + 16) };
        s(&f.machine)?;
        s(&f.kind)?;
        s(f.interpreter.as_deref().unwrap_or(""))?;
        s(f.glibc_max.as_deref().unwrap_or(""))?;
        if f.needed.len() > MAX_LIST || f.needed_omitted > 0 {
            return None;
        }
        for x in &f.needed {
            s(x)?;
        }
        if let Some(a) = &f.arm_attributes {
            if a.len() > MAX_LIST {
                return None;
            }
            for (k, v) in a {
                s(k)?;
                s(v)?;
            }
        }
        if let Some(g) = &f.go {
            if g.settings.len() > MAX_LIST {
                return None;
            }
            s(&g.version)?;
            s(&g.path)?;
            let mut m = g.main.as_ref();
            while let Some(module) = m {
                s(&module.path)?;
                s(&module.version)?;
                s(&module.sum)?;
                m = module.replace.as_deref();
            }
            for (k, v) in &g.settings {
                s(k)?;
                s(v)?;
            }
        }
        Some(n + 512)
    }
    fn checks_size(checks: &[Check]) -> Option<usize> {
        let mut n = 0;
        for c in checks {
            for t in [
                Some(c.id.as_str()),
                Some(c.actual.as_str()),
                c.expected.as_deref(),
                c.message.as_deref(),
            ]
            .into_iter()
            .flatten()
            {
                if t.len() > MAX_TEXT {
                    return None;
                }
                n += t.len() + 16;
            }
        }
        Some(n + 64 * checks.len())
    }
    let mut total = 0;
    for (f, c) in std::iter::once((&v.facts, &v.checks[..]))
        .chain(v.slices.iter().map(|s| (&s.facts, &s.checks[..])))
    {
        match (facts_size(f), checks_size(c)) {
            (Some(a), Some(b)) => total += a + b,
            _ => return false,
        }
    }
    // JSON escapes a byte into at most six (\u00XX).
    total * 6 <= BUDGET
}

/// The lengths of the lists a cut shortens, before any cut, to say how many there were.
struct Totals {
    /// (build settings, ARM attributes) of the lead verdict, then of each slice.
    lists: Vec<(usize, usize)>,
}

impl Totals {
    fn of(v: &Verdict) -> Totals {
        let of = |f: &Facts| {
            (
                f.go.as_ref().map_or(0, |g| g.settings.len()),
                f.arm_attributes.as_ref().map_or(0, |a| a.len()),
            )
        };
        Totals {
            lists: std::iter::once(of(&v.facts))
                .chain(v.slices.iter().map(|s| of(&s.facts)))
                .collect(),
        }
    }
}

/// The verdict's size as JSON.
pub fn json_len(v: &Verdict) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    match serde_json::to_writer(&mut c, v) {
        Ok(()) => c.0,
        Err(_) => usize::MAX,
    }
}

fn shrink(v: &mut Verdict, list: usize, text: usize, totals: &Totals, notes: &mut Vec<String>) {
    let total = |i: usize| totals.lists.get(i).copied().unwrap_or((0, 0));
    shrink_facts(&mut v.facts, "", list, text, total(0), notes);
    shrink_checks(&mut v.checks, text);
    for (i, s) in v.slices.iter_mut().enumerate() {
        s.arch = clip(&s.arch, text);
        let label = format!("[{}] ", s.arch);
        shrink_facts(&mut s.facts, &label, list, text, total(i + 1), notes);
        shrink_checks(&mut s.checks, text);
    }
}

fn shrink_checks(checks: &mut [Check], text: usize) {
    for c in checks {
        c.id = clip(&c.id, text);
        c.actual = clip(&c.actual, text);
        if let Some(e) = &mut c.expected {
            *e = clip(e, text);
        }
        if let Some(m) = &mut c.message {
            *m = clip(m, text);
        }
    }
}

fn shrink_facts(
    f: &mut Facts,
    label: &str,
    list: usize,
    text: usize,
    (settings_total, attributes_total): (usize, usize),
    notes: &mut Vec<String>,
) {
    f.machine = clip(&f.machine, text);
    f.kind = clip(&f.kind, text);
    if let Some(i) = &mut f.interpreter {
        *i = clip(i, text);
    }
    if let Some(g) = &mut f.glibc_max {
        *g = clip(g, text);
    }
    if f.needed.len() > list {
        f.needed_omitted += f.needed.len() - list;
        f.needed.truncate(list);
    }
    for n in &mut f.needed {
        *n = clip(n, text);
    }
    if f.needed_omitted > 0 {
        notes.push(format!(
            "{label}needed: {} of {} libraries listed",
            f.needed.len(),
            f.needed.len() + f.needed_omitted
        ));
    }
    if let Some(a) = &mut f.arm_attributes {
        let total = attributes_total.max(a.len());
        let kept: std::collections::BTreeMap<String, String> = std::mem::take(a)
            .into_iter()
            .take(list)
            .map(|(k, v)| (clip(&k, text), clip(&v, text)))
            .collect();
        if total > kept.len() {
            notes.push(format!(
                "{label}arm_attributes: {} of {total} shown",
                kept.len()
            ));
        }
        *a = kept;
    }
    if let Some(g) = &mut f.go {
        g.version = clip(&g.version, text);
        g.path = clip(&g.path, text);
        let mut m = g.main.as_mut();
        while let Some(module) = m {
            module.path = clip(&module.path, text);
            module.version = clip(&module.version, text);
            module.sum = clip(&module.sum, text);
            m = module.replace.as_deref_mut();
        }
        let total = settings_total.max(g.settings.len());
        if total > list
            || g.settings
                .iter()
                .any(|(k, v)| k.len() > text || v.len() > text)
        {
            g.settings = std::mem::take(&mut g.settings)
                .into_iter()
                .take(list)
                .map(|(k, v)| (clip(&k, text), clip(&v, text)))
                .collect();
            if total > g.settings.len() {
                notes.push(format!(
                    "{label}go.settings: {} of {total} build settings shown",
                    g.settings.len()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{GoFacts, Slice, Status};

    fn facts(needed: usize, name_len: usize, settings: usize) -> Facts {
        Facts {
            format: "macho",
            class: None,
            endian: "little",
            e_machine: 0x0100_000c,
            machine: "arm64".into(),
            osabi: None,
            kind: "exec".into(),
            e_flags: Some(0),
            interpreter: None,
            needed: (0..needed)
                .map(|i| format!("{i}{}", "n".repeat(name_len)))
                .collect(),
            needed_omitted: 0,
            static_: false,
            search: Default::default(),
            stripped: true,
            glibc_max: None,
            arm_attributes: None,
            gnu_properties: Vec::new(),
            go: Some(GoFacts {
                version: "go1.26.8".into(),
                path: "example.com/x".into(),
                main: None,
                settings: (0..settings)
                    .map(|i| (format!("K{i:05}"), "v".repeat(name_len)))
                    .collect(),
                deps: Vec::new(),
            }),
            runtime: None,
        }
    }

    fn check(actual: String) -> Check {
        Check {
            id: "link.static".into(),
            status: Status::Fail,
            expected: Some("only system dylibs".into()),
            actual,
            message: None,
        }
    }

    #[test]
    fn a_real_sized_verdict_is_left_alone() {
        let mut v = Verdict::new(facts(3, 20, 12), vec![check("needs a, b, c".into())]);
        let before = format!("{v:?}");
        bound(&mut v);
        assert_eq!(format!("{v:?}"), before);
        assert!(v.notes.is_empty());
    }

    #[test]
    fn long_lists_and_strings_are_cut_with_a_note() {
        let mut v = Verdict::new(facts(100, 2000, 500), vec![check("x".repeat(1 << 20))]);
        bound(&mut v);
        assert_eq!(v.facts.needed.len(), MAX_LIST);
        assert_eq!(v.facts.needed_omitted, 100 - MAX_LIST);
        assert!(v.facts.needed.iter().all(|n| n.len() < MAX_TEXT + 32));
        assert!(v.checks[0].actual.len() < MAX_TEXT + 32);
        let notes = v.notes.join("\n");
        assert!(
            notes.contains("needed: 64 of 100 libraries listed"),
            "{notes}"
        );
        assert!(
            notes.contains("go.settings: 64 of 500 build settings shown"),
            "{notes}"
        );
        assert!(json_len(&v) <= BUDGET);
    }

    #[test]
    fn sixty_four_full_slices_fit_the_budget() {
        let mut v = Verdict::new(facts(100, 2000, 500), vec![check("y".repeat(5000))]);
        v.slices = (0..63)
            .map(|i| Slice {
                arch: format!("cputype {i}"),
                facts: facts(100, 2000, 500),
                checks: vec![check("z".repeat(5000)); 8],
            })
            .collect();
        assert!(json_len(&v) > 8 * BUDGET, "the input is far over budget");
        bound(&mut v);
        assert!(json_len(&v) <= BUDGET, "{} bytes", json_len(&v));
        assert!(
            v.notes.iter().any(|n| n.contains("lists cut to 8")),
            "{:?}",
            v.notes
        );
        assert!(v.notes.len() <= MAX_NOTES);
    }
}
