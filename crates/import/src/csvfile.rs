//! Opening the CSV files people hand in (household registers, rosters): trimmed cells, ragged
//! lines allowed, a byte-order mark tolerated, and errors that say which line and what to do.

use std::io::Read;

use crate::error::{ImportError, Result};

/// The CSV reader over a file's bytes, whichever [`Input`](crate::Input) they come from.
pub(crate) type Reader<'a> = csv::Reader<Box<dyn Read + 'a>>;

/// Starts reading CSV from `source` and reads its header. `what` names the file in messages
/// ("register", "roster"); `line` makes the error for a line.
pub(crate) fn open<'a>(
    source: Box<dyn Read + 'a>,
    what: &str,
    line: impl Fn(u64, String) -> ImportError,
) -> Result<(Reader<'a>, Vec<String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(source);
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
