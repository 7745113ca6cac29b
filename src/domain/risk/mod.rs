//! The failure-mode library (`docs/RISK.md`): what can go wrong with a
//! component, how it shows, how bad it is (severity × occurrence ×
//! detection = the risk priority number), which alarm rules detect it, which
//! contingency plan answers it and which drills exercise it. `validate`
//! says what is wrong with a mode beyond its shape, `coverage` turns the
//! library and the journal's projections into the Risks view's matrix, and
//! `tags` is the projection of the `risk.tagged` rows (historical faults).

pub mod coverage;
pub mod tags;
pub mod validate;

use serde::{Deserialize, Serialize};

/// Where a failure mode lives, COC's fixed list.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    #[default]
    Node,
    Cluster,
    Network,
    DisasterRecovery,
    Container,
    ServiceData,
    Middleware,
    JavaApplication,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Node,
        Category::Cluster,
        Category::Network,
        Category::DisasterRecovery,
        Category::Container,
        Category::ServiceData,
        Category::Middleware,
        Category::JavaApplication,
    ];

    /// The name files and filters use.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Node => "node",
            Category::Cluster => "cluster",
            Category::Network => "network",
            Category::DisasterRecovery => "disaster_recovery",
            Category::Container => "container",
            Category::ServiceData => "service_data",
            Category::Middleware => "middleware",
            Category::JavaApplication => "java_application",
        }
    }

    /// A short label for narrow columns.
    pub fn short(self) -> &'static str {
        match self {
            Category::Node => "node",
            Category::Cluster => "cluster",
            Category::Network => "network",
            Category::DisasterRecovery => "DR",
            Category::Container => "container",
            Category::ServiceData => "data",
            Category::Middleware => "middleware",
            Category::JavaApplication => "java",
        }
    }
}

/// One failure mode as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureMode {
    #[serde(default)]
    pub id: String,
    /// One line for the list; the id when absent.
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub application: String,
    /// The part that fails: a service, a host class, a cloud product.
    #[serde(default)]
    pub component: String,
    #[serde(default)]
    pub category: Category,
    /// What has to be true for it to happen.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// What operators see when it does.
    #[serde(default)]
    pub symptoms: Vec<String>,
    /// What customers lose.
    #[serde(default)]
    pub impact: String,
    /// 1 (harmless) … 10 (customers lose data or money).
    #[serde(default)]
    pub severity: u8,
    /// 1 (almost never) … 10 (every week).
    #[serde(default)]
    pub occurrence: u8,
    /// 1 (caught at once) … 10 (nobody would notice).
    #[serde(default)]
    pub detection: u8,
    /// Alarm filters (the `/` syntax) whose alarms mean it happens.
    #[serde(default)]
    pub detect: Vec<String>,
    /// The contingency plan that answers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Drill scenarios that exercise it.
    #[serde(default)]
    pub drills: Vec<String>,
}

impl FailureMode {
    /// The risk priority number as written: severity × occurrence ×
    /// detection, 1 … 1000.
    pub fn rpn(&self) -> u32 {
        u32::from(self.severity) * u32::from(self.occurrence) * u32::from(self.detection)
    }

    /// The occurrence once `tagged` incidents were seen: each one raises it
    /// by one, up to 10 (what happened says more than what was guessed).
    pub fn observed_occurrence(&self, tagged: usize) -> u8 {
        let raised = usize::from(self.occurrence).saturating_add(tagged).min(10);
        u8::try_from(raised).unwrap_or(10)
    }

    /// The RPN with the observed occurrence.
    pub fn observed_rpn(&self, tagged: usize) -> u32 {
        u32::from(self.severity)
            * u32::from(self.observed_occurrence(tagged))
            * u32::from(self.detection)
    }

    pub fn display_title(&self) -> &str {
        if self.title.trim().is_empty() {
            &self.id
        } else {
            &self.title
        }
    }

    /// Every word `/` free text and `\` search look at.
    pub fn haystack(&self) -> String {
        let mut h = vec![
            self.id.as_str(),
            self.title.as_str(),
            self.application.as_str(),
            self.component.as_str(),
            self.category.as_str(),
            self.impact.as_str(),
        ];
        h.extend(self.conditions.iter().map(String::as_str));
        h.extend(self.symptoms.iter().map(String::as_str));
        h.extend(self.plan.iter().map(String::as_str));
        h.extend(self.drills.iter().map(String::as_str));
        h.join(" ")
    }
}

/// A file of the library: one mode, or several under `modes:`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeFile {
    #[serde(default)]
    pub modes: Vec<FailureMode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpn_and_observed_occurrence() {
        let m = FailureMode {
            severity: 8,
            occurrence: 3,
            detection: 5,
            ..Default::default()
        };
        assert_eq!(m.rpn(), 120);
        assert_eq!(m.observed_occurrence(0), 3);
        assert_eq!(m.observed_occurrence(2), 5);
        assert_eq!(m.observed_occurrence(50), 10);
        assert_eq!(m.observed_rpn(2), 200);
    }

    #[test]
    fn categories_round_trip() {
        for c in Category::ALL {
            let v: Category = serde_json::from_value(serde_json::json!(c.as_str())).unwrap();
            assert_eq!(v, c);
        }
    }
}
