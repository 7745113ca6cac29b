//! Virtual scrolling: which slice of a long list is on screen. The
//! arithmetic is the list's own ([`crate::app::list::window`]), so a mouse
//! click in the core maps to the row the UI drew there.

pub use crate::app::list::window;
