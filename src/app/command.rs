//! The `:` command palette: parsing, completion candidates and the commands
//! it knows. Views are reachable by name, like k9s's `:pods`.

use super::keymap::View;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Goto(View),
    Theme(String),
    /// `:sort [-]COLUMN`, checked against the current view's columns.
    Sort(String),
    Group(super::alarms::GroupBy),
    Resolved,
    /// `:report [drill|proposal|incident] [md|html]`: of what is selected.
    Report {
        kind: Option<String>,
        format: Option<String>,
    },
    Help,
    Quit,
}

/// `(name, argument hint, description)` for completion and help: every
/// view by name, then the commands.
pub fn commands() -> Vec<(&'static str, &'static str, &'static str)> {
    View::ALL
        .iter()
        .map(|v| (v.command(), "", v.about()))
        .chain(OTHERS.iter().copied())
        .collect()
}

const OTHERS: &[(&str, &str, &str)] = &[
    ("theme", "NAME", "switch colour theme"),
    (
        "sort",
        "[-]COLUMN",
        "sort the view by a column (-age: oldest first)",
    ),
    ("group", "alertname|service|none", "group the alarm table"),
    ("resolved", "", "show / hide resolved alarms"),
    (
        "report",
        "[drill|proposal|incident] [html|md]",
        "a report of what is selected (the drill shown, the scenario, the alarm)",
    ),
    ("help", "", "key help"),
    ("q", "", "quit"),
    ("quit", "", "quit"),
];

pub fn parse(line: &str, themes: &[String]) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(name) = words.next() else {
        return Err("empty command".into());
    };
    let arg = words.next();
    if name == "report" {
        // Up to two words, in either order: a kind and a format.
        let mut kind = None;
        let mut format = None;
        for w in arg.into_iter().chain(words) {
            match w {
                "drill" | "proposal" | "incident" if kind.is_none() => kind = Some(w.to_string()),
                "html" | "md" if format.is_none() => format = Some(w.to_string()),
                other => {
                    return Err(format!(
                        "report: {other:?}? usage: :report [drill|proposal|incident] [html|md]"
                    ));
                }
            }
        }
        return Ok(Command::Report { kind, format });
    }
    let view = View::ALL.iter().find(|v| v.aliases().contains(&name));
    let cmd = match (name, arg) {
        (_, None) if view.is_some() => Command::Goto(*view.unwrap_or(&View::Alarms)),
        ("theme", Some(t)) => match themes.iter().find(|n| n.as_str() == t) {
            Some(n) => Command::Theme(n.clone()),
            None => return Err(format!("unknown theme {t:?}; have {}", themes.join(", "))),
        },
        ("theme", None) => return Err(format!("usage: :theme NAME ({})", themes.join(", "))),
        ("sort", Some(col)) => Command::Sort(col.to_string()),
        ("sort", None) => return Err("usage: :sort [-]COLUMN (S cycles, I reverses)".into()),
        ("group", Some("alertname")) => Command::Group(super::alarms::GroupBy::Alertname),
        ("group", Some("service")) => Command::Group(super::alarms::GroupBy::Service),
        ("group", Some("none")) => Command::Group(super::alarms::GroupBy::None),
        ("group", _) => return Err("usage: :group alertname|service|none".into()),
        ("resolved", None) => Command::Resolved,
        ("help", None) => Command::Help,
        ("q" | "quit" | "q!", None) => Command::Quit,
        (other, _) if commands().iter().any(|(n, _, _)| *n == other) => {
            return Err(format!("{other}: unexpected argument"));
        }
        (other, _) => return Err(format!("unknown command {other:?} (Tab lists commands)")),
    };
    if words.next().is_some() {
        return Err(format!("{name}: too many arguments"));
    }
    Ok(cmd)
}

/// Full command lines that complete what was typed so far; `columns` are
/// the current view's (for `:sort`).
pub fn candidates(line: &str, themes: &[String], columns: &[&str]) -> Vec<String> {
    let trimmed = line.trim_start();
    if let Some((cmd, arg)) = trimmed.split_once(' ') {
        let arg = arg.trim_start();
        let options: Vec<String> = match cmd {
            "theme" => themes.to_vec(),
            // `-COLUMN` reverses: offer those once a `-` is typed.
            "sort" if arg.starts_with('-') => columns.iter().map(|c| format!("-{c}")).collect(),
            "sort" => columns.iter().map(|c| c.to_string()).collect(),
            "group" => ["alertname", "service", "none"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            "report" => ["drill", "proposal", "incident", "html", "md"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            _ => Vec::new(),
        };
        options
            .into_iter()
            .filter(|o| o.starts_with(arg))
            .map(|o| format!("{cmd} {o}"))
            .collect()
    } else {
        commands()
            .iter()
            .filter(|(n, _, _)| n.starts_with(trimmed))
            .map(|(n, hint, _)| {
                // An optional argument (`[…]`) runs without one.
                if hint.is_empty() || (hint.starts_with('[') && hint.ends_with(']')) {
                    n.to_string()
                } else {
                    format!("{n} ")
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn themes() -> Vec<String> {
        vec!["dark".into(), "light".into()]
    }

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            parse("monitor", &themes()),
            Ok(Command::Goto(View::Monitor))
        );
        assert_eq!(
            parse("theme light", &themes()),
            Ok(Command::Theme("light".into()))
        );
        assert!(
            parse("theme neon", &themes())
                .unwrap_err()
                .contains("unknown theme")
        );
        assert!(parse("frobnicate", &themes()).is_err());
        assert_eq!(parse(" q ", &themes()), Ok(Command::Quit));
    }

    #[test]
    fn completes_commands_and_arguments() {
        assert_eq!(candidates("mo", &themes(), &[]), vec!["monitor"]);
        assert_eq!(candidates("theme l", &themes(), &[]), vec!["theme light"]);
        assert_eq!(candidates("th", &themes(), &[]), vec!["theme "]);
        let cols = ["severity", "age"];
        assert_eq!(candidates("sort a", &themes(), &cols), vec!["sort age"]);
        assert_eq!(
            candidates("sort -", &themes(), &cols),
            vec!["sort -severity", "sort -age"]
        );
        assert_eq!(
            parse("sort -age", &themes()),
            Ok(Command::Sort("-age".into()))
        );
    }
}
