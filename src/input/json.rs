//! Refusing JSON documents with a key twice in one object. serde_json reads such a
//! document last-wins, so two readers of one hostile document (this tool and another
//! verifier) could see two different values; every JSON document read from an image
//! or a provenance file passes [`no_duplicate_keys`] first.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Any JSON value, checked for duplicate keys as it is read, and then dropped.
struct Checked;

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_none<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        let mut seen = BTreeSet::new();
        // Keys as serde_json unescapes them: `"a"` and `"\u0061"` are one key.
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!(
                    "the key `{}` appears twice in one object",
                    key.escape_debug()
                )));
            }
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
    }
}

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Checked, D::Error> {
        d.deserialize_any(CheckedVisitor)
    }
}

/// Checks that no object of the JSON document `bytes` has a key twice. The error names
/// the key and where (line and column); the caller names the document. A document that
/// is no JSON at all is left to the caller's own parser to describe.
pub fn no_duplicate_keys(bytes: &[u8]) -> Result<(), String> {
    match serde_json::from_slice::<Checked>(bytes) {
        Ok(_) => Ok(()),
        Err(e) if e.is_data() => Err(e.to_string()),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_twice_in_any_object_is_refused() {
        for (case, doc, dup) in [
            ("flat", r#"{"a":1,"b":2}"#, None),
            ("top", r#"{"a":1,"a":2}"#, Some("`a`")),
            ("nested", r#"{"x":[{"d":1},{"d":2,"d":3}]}"#, Some("`d`")),
            ("escaped", r#"{"a":1,"\u0061":2}"#, Some("`a`")),
            ("same key in two objects", r#"[{"a":1},{"a":2}]"#, None),
            ("not json", "{", None),
        ] {
            let got = no_duplicate_keys(doc.as_bytes());
            match dup {
                None => assert!(got.is_ok(), "case {case}: {got:?}"),
                Some(k) => {
                    let e = got.unwrap_err();
                    assert!(e.contains(k) && e.contains("twice"), "case {case}: {e}");
                    assert!(e.contains("line 1"), "case {case}: {e}");
                }
            }
        }
    }
}
