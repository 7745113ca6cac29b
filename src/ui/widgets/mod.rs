//! Small reusable pieces the views share: text fitting, formats, the text
//! sparkline, clamped popup rectangles and the virtual-scroll window.

pub mod columns;
pub mod format;
pub mod popup;
pub mod spark;
pub mod text;
pub mod window;
