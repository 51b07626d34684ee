//! `WWW-Authenticate` challenges (RFC 7235): `Bearer realm="…",service="…",scope="…"`
//! or `Basic realm="…"`, several in one header or across headers. Parameter values may
//! be quoted strings holding commas, spaces and backslash escapes
//! (`scope="repository:a:pull,push"`); parameter names are case-insensitive.

use std::collections::BTreeMap;

/// One challenge: the scheme (lower-case) and its parameters (names lower-case; of a
/// name given twice, the first value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    /// The value of parameter `name` (give it lower-case).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// RFC 7230's `tchar`.
fn tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// RFC 7235's `token68` characters (without the trailing `=`s).
fn t68char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~+/".contains(&c)
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn skip_ws_and_commas(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> &str {
        let start = self.i;
        while self.peek().is_some_and(tchar) {
            self.i += 1;
        }
        std::str::from_utf8(&self.b[start..self.i]).unwrap_or_default()
    }

    /// A quoted string after its opening quote; `None` when it is never closed.
    fn quoted(&mut self) -> Option<String> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let escaped = self.peek()?;
                    self.i += 1;
                    out.push(escaped);
                }
                _ => out.push(c),
            }
        }
        None
    }

    /// An `auth-param` (`name = value`) at the cursor, or `None` (cursor unmoved) when
    /// what follows is not one (a new challenge's scheme, say).
    fn param(&mut self) -> Option<(String, String)> {
        let start = self.i;
        let name = self.token().to_ascii_lowercase();
        self.skip_ws();
        if name.is_empty() || self.peek() != Some(b'=') {
            self.i = start;
            return None;
        }
        self.i += 1;
        self.skip_ws();
        let value = if self.peek() == Some(b'"') {
            self.i += 1;
            match self.quoted() {
                Some(v) => v,
                None => {
                    self.i = start;
                    return None;
                }
            }
        } else {
            let v = self.token().to_string();
            if v.is_empty() {
                self.i = start;
                return None;
            }
            v
        };
        Some((name, value))
    }
}

/// Every challenge in `header` (a malformed tail is dropped, never a panic).
pub fn parse(header: &str) -> Vec<Challenge> {
    let mut c = Cursor {
        b: header.as_bytes(),
        i: 0,
    };
    let mut out = Vec::new();
    loop {
        c.skip_ws_and_commas();
        let scheme = c.token().to_ascii_lowercase();
        if scheme.is_empty() {
            break;
        }
        c.skip_ws();
        // A token68 (`Basic dXNlcg==`) directly after the scheme carries no parameter.
        let at = c.i;
        if c.param().is_some() {
            c.i = at;
        } else {
            while c.peek().is_some_and(t68char) {
                c.i += 1;
            }
            while c.peek() == Some(b'=') {
                c.i += 1;
            }
        }
        let mut params = BTreeMap::new();
        loop {
            c.skip_ws();
            match c.param() {
                Some((k, v)) => {
                    params.entry(k).or_insert(v);
                }
                None => break,
            }
            c.skip_ws();
            if c.peek() != Some(b',') {
                break;
            }
            // After the comma: another parameter, or the next challenge's scheme.
            c.skip_ws_and_commas();
        }
        out.push(Challenge { scheme, params });
        // Anything this parser cannot read ends the list.
        match c.peek() {
            Some(b) if tchar(b) || matches!(b, b',' | b' ' | b'\t') => {}
            _ => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(h: &str) -> Challenge {
        let all = parse(h);
        assert_eq!(all.len(), 1, "case {h}: {all:?}");
        all.into_iter().next().unwrap()
    }

    #[test]
    fn bearer_parameters_keep_quoted_commas() {
        let c = one(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull,push""#,
        );
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.param("realm"), Some("https://auth.example/token"));
        assert_eq!(c.param("service"), Some("registry.example"));
        assert_eq!(c.param("scope"), Some("repository:team/app:pull,push"));
    }

    #[test]
    fn forms_seen_in_the_wild() {
        for (h, scheme, params) in [
            (r#"Basic realm="test""#, "basic", vec![("realm", "test")]),
            (
                r#"basic REALM = "a b, c""#,
                "basic",
                vec![("realm", "a b, c")],
            ),
            (
                r#"Bearer realm="r", error="insufficient_scope", scope="repository:x:push""#,
                "bearer",
                vec![
                    ("realm", "r"),
                    ("error", "insufficient_scope"),
                    ("scope", "repository:x:push"),
                ],
            ),
            (
                r#"Bearer realm=r,service=s"#,
                "bearer",
                vec![("realm", "r"), ("service", "s")],
            ),
            (
                r#"Bearer realm="a\"b\\c""#,
                "bearer",
                vec![("realm", r#"a"b\c"#)],
            ),
            ("Basic dXNlcjpwYXNz==", "basic", vec![]),
            ("Negotiate", "negotiate", vec![]),
        ] {
            let c = one(h);
            assert_eq!(c.scheme, scheme, "case {h}");
            let got: Vec<(&str, &str)> = c
                .params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let mut want = params;
            want.sort();
            assert_eq!(got, want, "case {h}");
        }
    }

    #[test]
    fn several_challenges_in_one_header() {
        let all = parse(r#"Basic realm="b", Bearer realm="t",service="s""#);
        let schemes: Vec<&str> = all.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["basic", "bearer"]);
        assert_eq!(all[1].param("service"), Some("s"));
        assert_eq!(all[0].param("realm"), Some("b"));
    }

    #[test]
    fn a_parameter_given_twice_keeps_its_first_value() {
        assert_eq!(
            one(r#"Bearer realm="a", realm="b""#).param("realm"),
            Some("a")
        );
    }

    #[test]
    fn malformed_headers_do_not_panic() {
        for h in [
            "",
            ",,,",
            "Bearer realm=\"never closed",
            "Bearer =x",
            "Bearer realm=",
            "\u{1}\u{2}",
            "Bearer realm=\"é\"",
            "B r=\"\\",
        ] {
            let _ = parse(h);
        }
        assert!(parse("").is_empty());
        assert_eq!(one("Bearer realm=\"é\"").param("realm"), Some("é"));
    }
}
