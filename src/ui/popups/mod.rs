//! Everything drawn over a view: the forms (inject, note, silence), the
//! questions (confirm), and the help. Each draws one `app::Mode` from the
//! form model it edits, clamped to the frame.

pub mod confirm;
pub mod event;
pub mod help;
pub mod inject;
pub mod note;
pub mod record;
pub mod silence;
pub mod tag;
