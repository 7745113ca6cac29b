//! Reports out of the journal alone (`cocpit report KIND`): the chaos
//! drill proposal, the drill report and the fault handling report, as
//! Markdown or one self-contained HTML file, each stamped with the rows it
//! covers so `cocpit report verify` can rebuild it and say whether the file
//! was edited.

pub mod cli;
pub mod doc;
pub mod kinds;
pub mod monthly;
pub mod svg;
