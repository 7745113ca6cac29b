//! Plain data types shared by every layer: alarms, severities, journal events,
//! metrics, filters, and the pure projections that turn events into state.
//! Nothing here touches the terminal, the network, the clock or the disk.

pub mod alarm;
pub mod board;
pub mod drill;
pub mod event;
pub mod experiment;
pub mod fault;
pub mod filter;
pub mod health;
pub mod labels;
pub mod metric;
pub mod plan;
pub mod projection;
pub mod risk;
pub mod role;
pub mod sanitize;
pub mod severity;
pub mod silence;
pub mod stats;
pub mod text;
pub mod timeline;

pub use alarm::{Alarm, AlarmState, ObservedAlarm, fingerprint};
pub use board::AlarmBoard;
pub use event::{Event, EventKind, NewEvent};
pub use metric::{MetricKind, MetricPoint, MetricSnapshot, SeriesMeta};
pub use role::Role;
pub use severity::Severity;
