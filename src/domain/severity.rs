//! Alarm severity: one ordered scale for Alertmanager's free-form `severity`
//! label and Huawei Cloud COC's `alarmLevel`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Ordered from least to most severe so `max()` and sorting do the right thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Minor,
    Major,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::Major,
        Severity::Minor,
        Severity::Warning,
        Severity::Info,
    ];

    /// Lenient parse: sources spell severities many ways; unknown ones are
    /// treated as warnings rather than dropped, so nothing goes unseen.
    pub fn parse(s: &str) -> Severity {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" | "crit" | "page" | "emergency" | "fatal" | "p1" | "disaster" => {
                Severity::Critical
            }
            "major" | "error" | "high" | "p2" => Severity::Major,
            "minor" | "medium" | "p3" => Severity::Minor,
            "info" | "informational" | "notice" | "none" | "low" | "p5" | "ok" => Severity::Info,
            _ => Severity::Warning,
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Severity::Critical => "CRIT",
            Severity::Major => "MAJ",
            Severity::Minor => "MIN",
            Severity::Warning => "WARN",
            Severity::Info => "INFO",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_lenient_and_ordered() {
        assert_eq!(Severity::parse("Critical"), Severity::Critical);
        assert_eq!(Severity::parse(" major "), Severity::Major);
        assert_eq!(Severity::parse("whatever"), Severity::Warning);
        assert_eq!(Severity::parse("info"), Severity::Info);
        assert!(Severity::Critical > Severity::Major);
        assert!(Severity::Warning > Severity::Info);
    }
}
