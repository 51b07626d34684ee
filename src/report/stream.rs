//! go's output as it is shown while go runs: one line per line go wrote, prefixed
//! with its target when several run (`[linux/arm64] # example.org/app`), secrets masked
//! and control characters escaped ([`Style::clean`]); the count of lines not kept
//! stands in for them.

use super::style::Style;
use crate::toolchain::output::{omitted_line, GoLine};

/// One of go's lines, as the human formats show it (with its newline).
pub fn human(style: &Style, prefix: Option<&str>, line: GoLine) -> String {
    let text = match line {
        GoLine::Line { text, .. } => style.clean(text),
        GoLine::Omitted(n) => omitted_line(n),
    };
    // One line stays one line: a carriage return or newline inside it is escaped.
    let text = text.replace('\n', "\\n");
    match prefix {
        Some(p) => format!("[{}] {text}\n", style.clean_value(p)),
        None => format!("{text}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sanitize::redact::Secrets;
    use crate::toolchain::output::GoStream;

    #[test]
    fn lines_as_shown() {
        let secrets = Secrets::default();
        let style = Style {
            color: true,
            quiet: false,
            verbose: 0,
            secrets: &secrets,
        };
        let line = |text| GoLine::Line {
            stream: GoStream::Stderr,
            text,
        };
        let cases = [
            (
                "one target",
                false,
                line("# example.org/app"),
                "# example.org/app\n",
            ),
            (
                "several",
                true,
                line("# example.org/app"),
                "[linux/arm64] # example.org/app\n",
            ),
            ("escape", false, line("a\x1b[2Jb"), "a\\x1b[2Jb\n"),
            ("tab kept", true, line("\tx"), "[linux/arm64] \tx\n"),
            (
                "url credentials",
                false,
                line("get https://u:pw@h.example/x"),
                "get https://u:***@h.example/x\n",
            ),
            (
                "omitted",
                true,
                GoLine::Omitted(7),
                "[linux/arm64] [… 7 lines of go's output not shown]\n",
            ),
        ];
        for (name, prefixed, l, want) in cases {
            let prefix = prefixed.then_some("linux/arm64");
            assert_eq!(human(&style, prefix, l), want, "case {name}");
        }
    }
}
