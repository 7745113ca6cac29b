//! Commands as argv, never as shell strings: a command line written in a
//! recipe or a parameter is split into words here (quotes group, nothing
//! else is special: no `$`, no `;`, no globbing), and `{placeholders}` are
//! filled in *per word* afterwards, so a value can never become a second
//! word, a pipe or a redirect.

use std::collections::BTreeMap;

/// Split like a shell would split plain words and quotes, and nothing more.
pub fn split(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err(format!("unclosed ' in {line:?}")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => cur.push(c),
                            None => return Err(format!("trailing \\ in {line:?}")),
                        },
                        Some(c) => cur.push(c),
                        None => return Err(format!("unclosed \" in {line:?}")),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => {
                    in_word = true;
                    cur.push(c)
                }
                None => return Err(format!("trailing \\ in {line:?}")),
            },
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// Replace `{name}` in one word with `vars[name]` (`name`: letters,
/// digits, `_`, `.`). An unknown name is an error (a typo must not run a
/// half-filled command); braces around anything else (JSON bodies) are
/// kept as they are; `{{` and `}}` are a literal `{` and `}`.
pub fn fill(word: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let is_name = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    };
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(t) = tail.strip_prefix("{{") {
            out.push('{');
            rest = t;
        } else if let Some(t) = tail.strip_prefix("}}") {
            out.push('}');
            rest = t;
        } else if let Some(t) = tail.strip_prefix('{')
            && let Some(end) = t.find('}')
            && is_name(&t[..end])
        {
            let name = &t[..end];
            let v = vars
                .get(name)
                .ok_or_else(|| format!("unknown placeholder {{{name}}} in {word:?}"))?;
            out.push_str(v);
            rest = &t[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Split a template line and fill every word.
pub fn render(line: &str, vars: &BTreeMap<String, String>) -> Result<Vec<String>, String> {
    split(line)?.iter().map(|w| fill(w, vars)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_and_quotes_only() {
        assert_eq!(
            split(r#"blade create cpu load --cpu-percent "80" 'a b' c\ d"#).unwrap(),
            vec![
                "blade",
                "create",
                "cpu",
                "load",
                "--cpu-percent",
                "80",
                "a b",
                "c d"
            ]
        );
        assert_eq!(
            split("echo $HOME; rm -rf /").unwrap(),
            vec!["echo", "$HOME;", "rm", "-rf", "/"]
        );
        assert_eq!(split("  ").unwrap(), Vec::<String>::new());
        assert_eq!(split("''").unwrap(), vec![""]);
        assert!(split("'open").is_err());
    }

    #[test]
    fn placeholders_fill_one_word_and_never_split() {
        let mut v = BTreeMap::new();
        v.insert("handle".to_string(), "x; rm -rf / #".to_string());
        v.insert("id".to_string(), "ab12".to_string());
        assert_eq!(
            render("blade destroy {handle}", &v).unwrap(),
            vec!["blade", "destroy", "x; rm -rf / #"]
        );
        assert_eq!(fill("cocpit-{id}", &v).unwrap(), "cocpit-ab12");
        assert_eq!(fill("{{literal}}", &v).unwrap(), "{literal}");
        assert!(
            fill("{nope}", &v)
                .unwrap_err()
                .contains("unknown placeholder")
        );
        assert_eq!(fill("{id", &v).unwrap(), "{id");
        assert_eq!(fill(r#"{"id": "{id}"}"#, &v).unwrap(), r#"{"id": "ab12"}"#);
    }
}
