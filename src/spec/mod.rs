//! One loader for every file users write — the demo scenario, plans and
//! drill scenarios and failure modes: YAML or TOML into typed structs
//! (unknown fields refused by the structs' serde attributes), with errors
//! that say `file:line:column: why`, and one walk over the embedded texts
//! and the configured directories for every catalog ([`each_source`]).

mod doc;
pub mod drills;
pub mod plans;
pub mod risk;

pub use doc::{Doc, SourceFile};

use std::fmt;
use std::path::Path;

/// Why a file could not be loaded. `Display` gives `file:line:column: why`,
/// the shape editors and `cocpit check` understand.
#[derive(Debug)]
pub enum SpecError {
    Io {
        path: String,
        source: std::io::Error,
    },
    /// Syntax or shape (wrong type, unknown field, missing field).
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Well-formed text that does not make a consistent whole (an unknown
    /// service, a bad regex). The location is a best effort: the first place
    /// the offending name or key appears after its owner's name.
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
}

impl SpecError {
    pub fn file(&self) -> &str {
        match self {
            SpecError::Io { path, .. } => path,
            SpecError::Parse { file, .. } | SpecError::Invalid { file, .. } => file,
        }
    }

    /// 1-based line, 0 when unknown.
    pub fn line(&self) -> usize {
        match self {
            SpecError::Io { .. } => 0,
            SpecError::Parse { line, .. } | SpecError::Invalid { line, .. } => *line,
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::Io { path, source } => write!(f, "{path}: {source}"),
            SpecError::Parse {
                file,
                line,
                column,
                message,
            }
            | SpecError::Invalid {
                file,
                line,
                column,
                message,
            } => {
                if *line == 0 {
                    write!(f, "{file}: {message}")
                } else {
                    write!(f, "{file}:{line}:{column}: {message}")
                }
            }
        }
    }
}

impl std::error::Error for SpecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpecError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Read a file a user wrote; `None` when it is absent and `optional`.
pub fn read(path: &Path, optional: bool) -> Result<SourceFile, SpecError> {
    let display = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(SourceFile {
            display,
            text: Some(text),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && optional => Ok(SourceFile {
            display,
            text: None,
        }),
        Err(source) => Err(SpecError::Io {
            path: display,
            source,
        }),
    }
}

/// Validation problems as located errors, in line order; a problem whose
/// words are not found points at the file's first line rather than nowhere.
pub fn locate(
    doc: &Doc<'_>,
    problems: Vec<crate::domain::plan::validate::Problem>,
) -> Vec<SpecError> {
    let mut errors: Vec<SpecError> = problems
        .into_iter()
        .map(|p| {
            let anchors: Vec<&str> = p.anchors.iter().map(String::as_str).collect();
            let e = doc.invalid(&anchors, p.message.clone());
            if e.line() == 0 {
                SpecError::Invalid {
                    file: doc.file.to_string(),
                    line: 1,
                    column: 1,
                    message: p.message,
                }
            } else {
                e
            }
        })
        .collect();
    errors.sort_by_key(|e| e.line());
    errors
}

/// Every text a catalog loads, with its origin: the embedded ones
/// (`embedded:NAME`, when `use_embedded`), then each directory's files
/// with one of `exts` in name order. Files that cannot be read are errors;
/// the rest go to `each`.
pub fn each_source(
    embedded: &[(&str, &str)],
    exts: &[&str],
    use_embedded: bool,
    dirs: &[std::path::PathBuf],
    errors: &mut Vec<SpecError>,
    mut each: impl FnMut(&str, &str),
) {
    if use_embedded {
        for (name, text) in embedded {
            each(&format!("embedded:{name}"), text);
        }
    }
    for dir in dirs {
        match plans::files_with(dir, exts) {
            Ok(files) => {
                for f in files {
                    match read(&f, false) {
                        Ok(file) => each(&file.display, file.text.as_deref().unwrap_or("")),
                        Err(e) => errors.push(e),
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
}
