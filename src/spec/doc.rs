//! Where in a file something is: the parsers' syntax error locations, and a
//! best-effort search for the names semantic errors are about (serde does
//! not keep spans of valid values).

use super::SpecError;

/// A file as read: its display name and text.
pub struct SourceFile {
    pub display: String,
    /// `None`: an optional file that is absent.
    pub text: Option<String>,
}

/// A file's text plus its display name, for parsing it and locating errors.
pub struct Doc<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

impl Doc<'_> {
    /// Error at the first occurrence of `anchors[last]` that follows the
    /// earlier anchors in order (whole words only), e.g. `["CpuHigh",
    /// "paymnets"]` finds the misspelt service inside that rule.
    pub fn invalid(&self, anchors: &[&str], message: String) -> SpecError {
        let (line, column) = self.locate(anchors);
        SpecError::Invalid {
            file: self.file.to_string(),
            line,
            column,
            message,
        }
    }

    pub fn locate(&self, anchors: &[&str]) -> (usize, usize) {
        let mut from = 0;
        let mut found = None;
        for anchor in anchors {
            if let Some(at) = find_word(self.text, anchor, from) {
                found = Some(at);
                from = at + anchor.len();
            }
        }
        found.map_or((0, 0), |at| line_col(self.text, at))
    }

    pub fn parse<T: serde::de::DeserializeOwned + Default>(&self) -> Result<T, SpecError> {
        if self.text.trim().is_empty() {
            return Ok(T::default());
        }
        serde_norway::from_str(self.text).map_err(|e| {
            let full = e.to_string();
            // The location is reported separately, in the file:line:col prefix.
            let message = match full.rfind(" at line ") {
                Some(cut) => full[..cut].to_string(),
                None => full,
            };
            let message = message.strip_prefix(".: ").unwrap_or(&message).to_string();
            let (mut line, mut column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            // serde reports an unknown field at the start of its mapping;
            // point at the field itself when it can be found after that.
            if let (Some(loc), Some(field)) = (e.location(), backticked(&message))
                && message.contains("unknown field")
                && let Some(at) = find_word(self.text, field, loc.index())
            {
                (line, column) = line_col(self.text, at);
            } else if let (Some(loc), Some(value)) = (e.location(), quoted(&message))
                && let Some(at) = self.text.get(loc.index()..).and_then(|t| t.find(value))
            {
                // A bad value (`duration "5x"`): serde points at the start
                // of the mapping holding it; point at the value.
                (line, column) = line_col(self.text, loc.index() + at);
            }
            SpecError::Parse {
                file: self.file.to_string(),
                line,
                column,
                message,
            }
        })
    }
}

impl Doc<'_> {
    /// The text as TOML; errors carry the span's line and column.
    pub fn parse_toml<T: serde::de::DeserializeOwned>(&self) -> Result<T, SpecError> {
        toml::from_str(self.text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |span| {
                line_col(self.text, span.start.min(self.text.len()))
            });
            SpecError::Parse {
                file: self.file.to_string(),
                line,
                column,
                message: e.message().to_string(),
            }
        })
    }
}

fn quoted(s: &str) -> Option<&str> {
    let start = s.find('"')? + 1;
    let len = s[start..].find('"')?;
    (len > 0).then(|| &s[start..start + len])
}

fn backticked(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some(&s[start..start + len])
}

fn find_word(text: &str, word: &str, from: usize) -> Option<usize> {
    if word.is_empty() || from > text.len() {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let mut start = from;
    while let Some(rel) = text.get(start..)?.find(word) {
        let at = start + rel;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            return Some(at);
        }
        start = at + word.len();
    }
    None
}

fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(at, |nl| at - nl - 1) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct ServicesFile {
        #[serde(default)]
        services: Vec<Service>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Service {
        name: String,
        baseline: serde_norway::Value,
        #[serde(default)]
        timeout_ms: f64,
    }
    pub(crate) fn doc(text: &str) -> Doc<'_> {
        Doc {
            file: "x.yaml",
            text,
        }
    }

    #[test]
    fn locate_follows_anchors_in_order() {
        let text = "- name: A\n  services: [b]\n- name: C\n  services: [b]\n";
        assert_eq!(doc(text).locate(&["C", "b"]), (4, 14));
        assert_eq!(doc(text).locate(&["A", "b"]), (2, 14));
        assert_eq!(doc(text).locate(&["nowhere"]), (0, 0));
    }

    #[test]
    fn find_word_skips_partial_matches() {
        assert_eq!(find_word("payments2 payments", "payments", 0), Some(10));
        assert_eq!(find_word("x", "", 0), None);
    }

    #[test]
    fn toml_errors_have_a_line_and_column() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Cfg {
            name: String,
        }
        let err = doc("\nname = 3\n").parse_toml::<Cfg>().unwrap_err();
        assert!(err.to_string().starts_with("x.yaml:2:8: "), "{err}");
        let err = doc("name = \"a\"\nnmae = 1\n")
            .parse_toml::<Cfg>()
            .unwrap_err();
        assert!(err.to_string().starts_with("x.yaml:2:1: "), "{err}");
        assert!(err.to_string().contains("nmae"), "{err}");
    }

    #[test]
    fn unknown_field_points_at_the_field() {
        let text = "services:\n  - name: a\n    baseline: {latency_p99: 1, error_rate: 0, cpu: 1, saturation: 1}\n    timeuot_ms: 5\n";
        let err = doc(text).parse::<ServicesFile>().unwrap_err();
        assert_eq!(
            (err.line(), err.to_string().contains("timeuot_ms")),
            (4, true)
        );
        assert!(err.to_string().starts_with("x.yaml:4:5: "), "{err}");
    }
}
