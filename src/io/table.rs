//! Shared CSV machinery: reading a whole file into positioned rows, typed field parsing with
//! errors that name file, line and column, and safe writes so an output is written whole or not
//! at all (temp file + rename for regular files, written through symlinks, written in place on
//! devices and FIFOs, `-` for standard output; see [`write_atomic`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{FileError, InputError};

/// One data row with its 1-based line number in the file.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

/// A CSV file read whole: header names (trimmed, BOM removed) and rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// File name used in error messages.
    pub file: String,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Read a CSV file from disk; `-` reads standard input.
    pub fn read(path: &Path) -> Result<Table, FileError> {
        let bytes = read_input(path)?;
        Ok(Table::parse(&path.display().to_string(), &bytes)?)
    }

    /// Parse CSV bytes (UTF-8, optional BOM, LF or CRLF, quoted fields). Every row must have as
    /// many fields as the header; blank lines are skipped.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Table, InputError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(InputError::new(file, "the file is empty: expected a header row"));
        }
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
        let mut headers: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        let mut record = csv::ByteRecord::new();
        // Line numbers are counted here from byte offsets: csv's own count is off by one on
        // CRLF files.
        let mut counted_to = 0usize;
        let mut line = 1u64;
        let mut line_at = |offset: usize| -> u64 {
            // `+ 1`: on CRLF files a record's offset points at the `\n` ending the previous line.
            let offset = (offset + 1).min(bytes.len());
            if offset > counted_to {
                line += bytes[counted_to..offset].iter().filter(|&&b| b == b'\n').count() as u64;
                counted_to = offset;
            }
            line
        };
        loop {
            let more = reader.read_byte_record(&mut record).map_err(|e| {
                let line = e.position().map(|p| line_at(p.byte() as usize)).unwrap_or(0);
                InputError::at_line(file, line, format!("malformed CSV: {e}"))
            })?;
            if !more {
                break;
            }
            let line = record.position().map(|p| line_at(p.byte() as usize)).unwrap_or(0);
            if record.len() == 1 && record[0].iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let mut fields = Vec::with_capacity(record.len());
            for (i, raw) in record.iter().enumerate() {
                let text = std::str::from_utf8(raw).map_err(|_| {
                    let column = headers
                        .as_ref()
                        .and_then(|h| h.get(i).cloned())
                        .unwrap_or_else(|| format!("{}", i + 1));
                    InputError::at(file, line, column, "expected UTF-8 text, found invalid bytes")
                })?;
                fields.push(text.trim().to_string());
            }
            match &headers {
                None => {
                    let names: Vec<String> =
                        fields.iter().map(|f| f.trim_matches('"').to_string()).collect();
                    for (i, n) in names.iter().enumerate() {
                        if n.is_empty() {
                            return Err(InputError::at_line(
                                file,
                                line,
                                format!("header column {} has no name", i + 1),
                            ));
                        }
                        if names[..i].contains(n) {
                            return Err(InputError::at_line(
                                file,
                                line,
                                format!("header names column {n:?} twice"),
                            ));
                        }
                    }
                    headers = Some(names);
                }
                Some(h) => {
                    if fields.len() != h.len() {
                        return Err(InputError::at_line(
                            file,
                            line,
                            format!(
                                "expected {} fields as in the header, found {}",
                                h.len(),
                                fields.len()
                            ),
                        ));
                    }
                    rows.push(Row { line, fields });
                }
            }
        }
        let headers = headers.ok_or_else(|| InputError::new(file, "the file has no header row"))?;
        Ok(Table { file: file.to_string(), headers, rows })
    }

    /// Index of an optional column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Index of a required column, or an error listing what the file has.
    pub fn require(&self, name: &str) -> Result<usize, InputError> {
        self.column(name).ok_or_else(|| {
            InputError::at_line(
                &self.file,
                1,
                format!(
                    "missing required column {name:?}; the header has {}",
                    self.headers.join(",")
                ),
            )
        })
    }

    /// Reject header names outside `allowed` (a typo must not pass silently).
    pub fn reject_unknown(&self, allowed: &[&str]) -> Result<(), InputError> {
        for h in &self.headers {
            if !allowed.contains(&h.as_str()) {
                return Err(InputError::at(
                    &self.file,
                    1,
                    h.clone(),
                    format!("unknown column; expected some of {}", allowed.join(",")),
                ));
            }
        }
        Ok(())
    }

    /// An error located at a cell.
    pub fn error(&self, row: &Row, col: usize, message: impl Into<String>) -> InputError {
        InputError::at(&self.file, row.line, self.headers[col].clone(), message)
    }

    /// Text of a cell.
    pub fn text<'a>(&self, row: &'a Row, col: usize) -> &'a str {
        &row.fields[col]
    }

    /// A required non-empty text cell.
    pub fn nonempty<'a>(&self, row: &'a Row, col: usize) -> Result<&'a str, InputError> {
        let t = self.text(row, col);
        if t.is_empty() {
            Err(self.error(row, col, "expected a value, found an empty field"))
        } else {
            Ok(t)
        }
    }

    /// A finite number >= 0.
    pub fn non_negative(&self, row: &Row, col: usize) -> Result<f64, InputError> {
        let t = self.text(row, col);
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
            _ => Err(self.error(row, col, format!("expected a number >= 0, found {t:?}"))),
        }
    }

    /// A finite number > 0.
    pub fn positive(&self, row: &Row, col: usize) -> Result<f64, InputError> {
        let t = self.text(row, col);
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
            _ => Err(self.error(row, col, format!("expected a number > 0, found {t:?}"))),
        }
    }

    /// An optional cell: `None` when the column is absent or the field is empty.
    pub fn optional<'a>(&self, row: &'a Row, col: Option<usize>) -> Option<&'a str> {
        col.map(|c| row.fields[c].as_str()).filter(|t| !t.is_empty())
    }
}

/// The bytes of an input file; `-` reads standard input to its end.
pub fn read_input(path: &Path) -> Result<Vec<u8>, FileError> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .map_err(|e| FileError::io("<stdin>", e))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| FileError::io(path, e))
}

/// Whether CSV writers start their files with a UTF-8 byte-order mark (`--bom`): Excel on
/// Windows reads a CSV without one in the local code page and garbles non-ASCII names.
static CSV_BOM: AtomicBool = AtomicBool::new(false);

/// Turn the byte-order mark of every CSV written afterwards on or off (a process-wide output
/// setting, like a locale; off by default so outputs stay byte-identical to earlier runs).
pub fn set_csv_bom(on: bool) {
    CSV_BOM.store(on, Ordering::Relaxed);
}

/// The byte-order mark CSV writers put first: empty unless [`set_csv_bom`] turned it on.
pub fn csv_bom() -> &'static [u8] {
    if CSV_BOM.load(Ordering::Relaxed) {
        b"\xEF\xBB\xBF"
    } else {
        b""
    }
}

/// Write an output file whole or not at all.
///
/// - `-` writes to standard output.
/// - A symlink is written through: its final target is replaced, the link stays.
/// - A device or FIFO (`/dev/null`, `/dev/stdout`, a named pipe) is written directly, never
///   replaced by a regular file; a write error (disk full on `/dev/full`) is an error.
/// - A regular file (or a new one) is written to a temporary file in the same directory, which
///   is renamed over the target only after `write` succeeded and the data is flushed and synced.
///   On any error the old file (if any) is untouched and no partial file remains.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<(), FileError>
where
    F: FnOnce(&mut dyn Write) -> Result<(), FileError>,
{
    if path.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        write(&mut out)?;
        return out.flush().map_err(|e| FileError::io(path, e));
    }
    let target = resolve_symlinks(path).map_err(|e| FileError::io(path, e))?;
    match std::fs::metadata(&target) {
        Ok(m) if m.is_dir() => {
            Err(FileError::io(path, std::io::Error::other("is a folder; expected a file path")))
        }
        Ok(m) if !m.is_file() => write_in_place(path, &target, write),
        _ => write_replacing(path, &target, write),
    }
}

/// The final target of a chain of symlinks (which need not exist yet); `path` itself when it
/// is not a symlink.
fn resolve_symlinks(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// A device or FIFO: open it for writing (no create, no truncate) and write straight in.
fn write_in_place<F>(path: &Path, target: &Path, write: F) -> Result<(), FileError>
where
    F: FnOnce(&mut dyn Write) -> Result<(), FileError>,
{
    let file =
        std::fs::OpenOptions::new().write(true).open(target).map_err(|e| FileError::io(path, e))?;
    let mut buf = std::io::BufWriter::new(file);
    write(&mut buf)?;
    buf.flush().map_err(|e| FileError::io(path, e))
}

fn write_replacing<F>(path: &Path, target: &Path, write: F) -> Result<(), FileError>
where
    F: FnOnce(&mut dyn Write) -> Result<(), FileError>,
{
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        let why = if dir.exists() {
            format!("{} is not a folder", dir.display())
        } else {
            format!("the folder {} does not exist", dir.display())
        };
        return Err(FileError::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, why)));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".shiftcast-")
        .suffix(".partial")
        .tempfile_in(&dir)
        .map_err(|e| FileError::io(path, without_temp_path(e)))?;
    {
        let mut buf = std::io::BufWriter::new(tmp.as_file_mut());
        write(&mut buf)?;
        buf.flush().map_err(|e| FileError::io(path, e))?;
    }
    // A temp file is created owner-only (0600); the output gets the permissions of the file it
    // replaces, or the usual 0644 of a new file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let permissions = std::fs::metadata(target)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
        tmp.as_file().set_permissions(permissions).map_err(|e| FileError::io(path, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| FileError::io(path, e))?;
    tmp.persist(target).map_err(|e| FileError::io(path, e.error))?;
    Ok(())
}

/// tempfile's error names its own random temporary path (`.shiftcast-R8ByuV.partial`), which
/// means nothing to the user: keep only the cause, the caller names the user's path.
fn without_temp_path(e: std::io::Error) -> std::io::Error {
    let kind = e.kind();
    if e.get_ref().is_none() {
        return e;
    }
    let text = e.into_inner().map(|inner| inner.to_string()).unwrap_or_default();
    // tempfile's PathError reads "<cause> at path <temp path>" and hides the cause's own type.
    let cause = text.split(" at path ").next().unwrap_or_default();
    std::io::Error::new(kind, cause.to_string())
}

/// Write CSV rows atomically: a header and records of string fields.
pub fn write_csv_atomic<I, R>(path: &Path, header: &[&str], rows: I) -> Result<(), FileError>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    write_atomic(path, |w| {
        w.write_all(csv_bom()).map_err(|e| FileError::io(path, e))?;
        let mut out = csv::Writer::from_writer(w);
        let io_err = |e: csv::Error| FileError::io(path, std::io::Error::other(e.to_string()));
        out.write_record(header).map_err(io_err)?;
        for r in rows {
            out.write_record(r).map_err(io_err)?;
        }
        out.flush().map_err(|e| FileError::io(path, e))?;
        Ok(())
    })
}

/// Format a number for CSV output: at most `decimals` decimals, trailing zeros trimmed, so
/// files are short, stable and byte-identical across runs.
pub fn fmt_num(value: f64, decimals: usize) -> String {
    let s = format!("{value:.decimals$}");
    let s =
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_and_quotes_are_read() {
        let t = Table::parse("x.csv", b"\xEF\xBB\xBFa,b\r\n\"1,5\",2\r\n").unwrap();
        assert_eq!(t.headers, vec!["a", "b"]);
        assert_eq!(t.rows[0].fields, vec!["1,5", "2"]);
        assert_eq!(t.rows[0].line, 2);
    }

    #[test]
    fn bad_number_names_line_and_column() {
        let t = Table::parse("h.csv", b"a,b\n1,2\n3,-4\n").unwrap();
        let e = t.non_negative(&t.rows[1], 1).unwrap_err();
        assert_eq!(e.to_string(), "h.csv line 3, column b: expected a number >= 0, found \"-4\"");
    }

    #[test]
    fn ragged_rows_empty_files_and_invalid_utf8_are_errors() {
        assert!(Table::parse("x.csv", b"a,b\n1\n").unwrap_err().to_string().contains("line 2"));
        assert!(Table::parse("x.csv", b"").unwrap_err().to_string().contains("empty"));
        let e = Table::parse("x.csv", b"a,b\n1,\xff\n").unwrap_err();
        assert_eq!(e.column.as_deref(), Some("b"));
    }

    #[test]
    fn failed_atomic_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let r = write_atomic(&path, |w| {
            w.write_all(b"partial").unwrap();
            Err(FileError::Input(InputError::new("x", "boom")))
        });
        assert!(r.is_err());
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn numbers_are_formatted_short_and_stable() {
        assert_eq!(fmt_num(2.50, 3), "2.5");
        assert_eq!(fmt_num(3.0, 2), "3");
        assert_eq!(fmt_num(-0.0001, 2), "0");
    }
}
