//! At most 1 MiB of output per file, whatever the file holds: every string a verdict
//! took from the file is cut to a fixed length and every list to a fixed count (the
//! checks were judged on the whole data before), and a verdict still too large — a
//! universal file whose every slice is full of long names — is cut harder, then loses
//! slice details, each cut said in `notes`.

use super::bytes::clip;
use super::{Check, Facts, Verdict, MAX_LIST, MAX_TEXT};

/// The most a verdict may take as JSON. The report around it (path, sha256, target) and
/// the human rendering (which shows less) stay well under the 1 MiB a file may print.
pub const BUDGET: usize = 512 << 10;
/// The second, harder cut.
const TIGHT_LIST: usize = 8;
const TIGHT_TEXT: usize = 128;
/// Notes kept; the rest are counted.
const MAX_NOTES: usize = 16;

/// Cuts `v` to the output budget, in place.
pub(super) fn bound(v: &mut Verdict) {
    let mut notes = Vec::new();
    let mut cut = v.clone();
    shrink(&mut cut, MAX_LIST, MAX_TEXT, &mut notes);
    if json_len(&cut) <= BUDGET {
        *v = cut;
    } else {
        notes.clear();
        shrink(v, TIGHT_LIST, TIGHT_TEXT, &mut notes);
        notes.push(format!(
            "the verdict was over {} KiB: lists cut to {TIGHT_LIST} entries and strings to {TIGHT_TEXT} bytes",
            BUDGET >> 10
        ));
    }
    let mut dropped = 0;
    while json_len(v) > BUDGET && !v.slices.is_empty() {
        let keep = v.slices.len() / 2;
        dropped += v.slices.len() - keep;
        v.slices.truncate(keep);
    }
    if dropped > 0 {
        notes.push(format!(
            "{dropped} slices not shown: the verdict would be over {} KiB",
            BUDGET >> 10
        ));
    }
    if notes.len() > MAX_NOTES {
        let more = notes.len() - MAX_NOTES + 1;
        notes.truncate(MAX_NOTES - 1);
        notes.push(format!("and {more} more notes"));
    }
    v.notes.extend(notes);
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

fn shrink(v: &mut Verdict, list: usize, text: usize, notes: &mut Vec<String>) {
    shrink_facts(&mut v.facts, "", list, text, notes);
    shrink_checks(&mut v.checks, text);
    for s in &mut v.slices {
        s.arch = clip(&s.arch, text);
        let label = format!("[{}] ", s.arch);
        shrink_facts(&mut s.facts, &label, list, text, notes);
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

fn shrink_facts(f: &mut Facts, label: &str, list: usize, text: usize, notes: &mut Vec<String>) {
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
        let total = a.len();
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
        let total = g.settings.len();
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
