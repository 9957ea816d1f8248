//! Opening the CSV files people hand in (household registers, rosters): trimmed cells, ragged
//! lines allowed, a byte-order mark tolerated, and errors that say which line and what to do.

use std::fs::File;
use std::path::Path;

use crate::error::{ImportError, Result};

/// Opens a CSV file and reads its header. `what` names the file in messages ("register",
/// "roster"); `whole` makes the error for the file as a whole, `line` the one for a line.
pub(crate) fn open(
    path: &Path,
    file: &str,
    what: &str,
    whole: impl Fn(String) -> ImportError,
    line: impl Fn(u64, String) -> ImportError,
) -> Result<(csv::Reader<File>, Vec<String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .map_err(|e| match e.into_kind() {
            csv::ErrorKind::Io(source) => ImportError::Io {
                file: file.to_string(),
                source,
            },
            other => whole(format!("cannot read the {what}: {other:?}")),
        })?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| line_error(what, &e, &line))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    Ok((reader, headers))
}

/// The error for a line the CSV reader could not read.
pub(crate) fn line_error(
    what: &str,
    error: &csv::Error,
    line: impl Fn(u64, String) -> ImportError,
) -> ImportError {
    let at = error.position().map_or(0, |p| p.line());
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            format!("is not UTF-8 text; save the {what} as UTF-8 CSV (in Excel: \"CSV UTF-8\")")
        }
        csv::ErrorKind::Io(e) => format!("cannot be read: {e}"),
        _ => format!("is not valid CSV ({error}); fix the line"),
    };
    line(at, message)
}
