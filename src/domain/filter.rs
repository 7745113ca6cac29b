//! The `/` filter: free text plus Prometheus-style label matchers
//! (`service=payments severity!="info" alertname=~"Disk.*"`), all ANDed.
//! Besides real labels, `alertname`, `severity`, `state`, `source`, `owner`
//! and `acked` (yes/no) can be matched.

use super::alarm::Alarm;
use regex::Regex;

#[derive(Debug, Clone)]
pub enum Op {
    Eq,
    Ne,
    Re(Regex),
    NotRe(Regex),
}

#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub op: Op,
}

impl Matcher {
    pub fn matches_value(&self, v: &str) -> bool {
        match &self.op {
            Op::Eq => v == self.value,
            Op::Ne => v != self.value,
            Op::Re(r) => r.is_match(v),
            Op::NotRe(r) => !r.is_match(v),
        }
    }
}

/// A parsed filter. The empty filter matches everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub text: Vec<String>,
    pub matchers: Vec<Matcher>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Character offset in the input where the problem is.
    pub at: usize,
    pub message: String,
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at column {}: {}", self.at + 1, self.message)
    }
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.matchers.is_empty()
    }

    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        let mut f = Filter {
            source: input.to_string(),
            ..Filter::default()
        };
        for (at, tok) in tokens(input)? {
            match split_matcher(&tok) {
                Some((name, op, value)) => {
                    // Where the value starts in the input (after a quote).
                    let quoted = tok[name.len() + op.len()..].starts_with('"');
                    let value_at = at + name.chars().count() + op.len() + usize::from(quoted);
                    let op = match op {
                        "=" => Op::Eq,
                        "!=" => Op::Ne,
                        "=~" | "!~" => {
                            let re = Regex::new(&format!("^(?:{value})$")).map_err(|e| {
                                let (offset, why) = regex_error(&e);
                                FilterError {
                                    at: value_at + offset.min(value.chars().count()),
                                    message: format!("bad regex {value:?}: {why}"),
                                }
                            })?;
                            if op == "=~" {
                                Op::Re(re)
                            } else {
                                Op::NotRe(re)
                            }
                        }
                        _ => unreachable!("split_matcher only yields known operators"),
                    };
                    f.matchers.push(Matcher {
                        name: name.to_string(),
                        value: value.to_string(),
                        op,
                    });
                }
                None => f.text.push(tok.to_lowercase()),
            }
        }
        Ok(f)
    }

    /// Match with a lookup for matcher names and a haystack for free text.
    pub fn matches_with<'a>(
        &self,
        lookup: impl Fn(&str) -> Option<&'a str>,
        haystack: impl Fn(&str) -> bool,
    ) -> bool {
        self.matchers
            .iter()
            .all(|m| m.matches_value(lookup(&m.name).unwrap_or("")))
            && self.text.iter().all(|t| haystack(t))
    }

    pub fn matches(&self, a: &Alarm) -> bool {
        if self.is_empty() {
            return true;
        }
        self.matches_with(
            |name| match name {
                "alertname" => Some(a.name()),
                "severity" => Some(a.severity().as_str()),
                "state" => Some(if a.is_firing() { "firing" } else { "resolved" }),
                "source" => Some(a.observed.source.as_str()),
                "owner" => a.owner.as_deref(),
                "acked" => Some(if a.is_acked() { "yes" } else { "no" }),
                _ => a.observed.labels.get(name).map(|v| v.as_str()),
            },
            |needle| {
                contains_ci(a.name(), needle)
                    || contains_ci(a.summary(), needle)
                    || contains_ci(a.severity().as_str(), needle)
                    || a.observed.labels.values().any(|v| contains_ci(v, needle))
            },
        )
    }
}

/// One line out of a regex error, and where in the pattern it is.
/// `regex` reports a syntax error on several lines (the pattern, a caret
/// line, the reason); the filter shows one line, and the pattern it checks
/// is wrapped as `^(?:…)$`, so the caret is four columns off.
fn regex_error(e: &regex::Error) -> (usize, String) {
    let text = e.to_string();
    let lines: Vec<&str> = text.lines().collect();
    let why = lines
        .iter()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .or_else(|| lines.last().map(|l| l.trim()))
        .unwrap_or("invalid")
        .to_string();
    let offset = match (lines.get(1), lines.get(2)) {
        (Some(pattern), Some(carets)) if carets.trim_start().starts_with('^') => {
            let indent = pattern.len() - pattern.trim_start().len();
            let caret = carets.len() - carets.trim_start().len();
            caret.saturating_sub(indent + "^(?:".len())
        }
        _ => 0,
    };
    (offset, why)
}

/// `needle` is already lower-case.
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() {
        hay.as_bytes()
            .windows(needle.len().max(1))
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
            || needle.is_empty()
    } else {
        hay.to_lowercase().contains(needle)
    }
}

fn split_matcher(tok: &str) -> Option<(&str, &'static str, String)> {
    let name_end = tok.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))?;
    if name_end == 0 {
        return None;
    }
    let (name, rest) = tok.split_at(name_end);
    let (op, value) = ["=~", "!~", "!=", "="]
        .into_iter()
        .find_map(|op| rest.strip_prefix(op).map(|v| (op, v)))?;
    Some((name, op, unquote(value)))
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        v[1..v.len() - 1].replace("\\\"", "\"")
    } else {
        v.to_string()
    }
}

/// Split on whitespace outside double quotes, remembering where each token starts.
fn tokens(input: &str) -> Result<Vec<(usize, String)>, FilterError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut quote_at: Option<usize> = None;
    let mut escaped = false;
    for (i, c) in input.chars().enumerate() {
        if quote_at.is_some() {
            cur.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quote_at = None;
            }
        } else if c.is_whitespace() {
            if !cur.is_empty() {
                out.push((start, std::mem::take(&mut cur)));
            }
        } else {
            if cur.is_empty() {
                start = i;
            }
            if c == '"' {
                quote_at = Some(i);
            }
            cur.push(c);
        }
    }
    if let Some(at) = quote_at {
        return Err(FilterError {
            at,
            message: "unterminated quote".into(),
        });
    }
    if !cur.is_empty() {
        out.push((start, cur));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_matchers_and_text() {
        let f = Filter::parse(r#"alertname=~"Disk.*" severity!="info" payments slow"#).unwrap();
        assert_eq!(f.matchers.len(), 2);
        assert_eq!(f.text, vec!["payments", "slow"]);
        assert!(matches!(f.matchers[0].op, Op::Re(_)));
        assert!(f.matchers[0].matches_value("DiskFull"));
        assert!(!f.matchers[0].matches_value("xDiskFull"));
        assert!(f.matchers[1].matches_value("critical"));
        assert!(!f.matchers[1].matches_value("info"));
    }

    #[test]
    fn quoted_values_keep_spaces() {
        let f = Filter::parse(r#"summary="two words""#).unwrap();
        assert_eq!(f.matchers[0].value, "two words");
    }

    #[test]
    fn errors_say_where() {
        let e = Filter::parse(r#"ok name=~"(" "#).unwrap_err();
        // The `(` itself, not the start of the token.
        assert_eq!(e.at, 10, "{e}");
        assert!(!e.to_string().contains('\n'), "one line: {e}");
        assert_eq!(
            e.to_string(),
            r#"at column 11: bad regex "(": unclosed group"#
        );
        let e = Filter::parse(r#"alertname=~ab[c"#).unwrap_err();
        assert_eq!(e.at, 13, "{e}");
        let e = Filter::parse(r#"x="open"#).unwrap_err();
        assert!(e.message.contains("unterminated"));
    }

    #[test]
    fn case_insensitive_text() {
        assert!(contains_ci("PaymentsLatency", "latency"));
        assert!(!contains_ci("Payments", "checkout"));
    }
}
