//! What an operator may do at this console, fixed at start; the config and
//! the command line choose it, the core enforces it.

/// Observers watch and handle alarms (ack, notes, ownership) but never
/// inject faults; `--readonly` is stricter still.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Operator,
    Observer,
}
