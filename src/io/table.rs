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
/// - A process killed while writing (SIGKILL, power loss) cannot clean up: its temporary file
///   `.NAME.shiftcast-PID-XXXXXX.partial` stays beside the target. The next write of the same
///   target removes every such file whose process no longer runs (see [`partial_file_prefix`]).
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
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = partial_file_prefix(&name);
    remove_stale_partials(&dir, &prefix);
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{prefix}{}-", std::process::id()))
        .suffix(PARTIAL_SUFFIX)
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

const PARTIAL_SUFFIX: &str = ".partial";

/// The start of the temporary files written for target file `name`: `.NAME.shiftcast-`, then
/// the writer's process id, `-`, random characters and `.partial`. A long name is cut (at a
/// character boundary) so the whole stays within the usual 255-byte limit of a file name.
pub fn partial_file_prefix(name: &str) -> String {
    let mut end = name.len().min(200);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!(".{}.shiftcast-", &name[..end])
}

/// Remove the temporary files `prefix…` in `dir` left by writers that no longer run. Files of
/// running processes (another write of the same target right now) and anything that is not a
/// regular file are left alone; failures are ignored (the write itself goes on).
fn remove_stale_partials(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let Some((pid, _)) = rest.strip_suffix(PARTIAL_SUFFIX).and_then(|r| r.split_once('-'))
        else {
            continue;
        };
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if regular && pid.parse::<u32>().is_ok_and(crate::io::folder::process_is_gone) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
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

/// `s` without surrounding white space, as [`str::trim`], without scanning when the first and
/// last bytes are visible ASCII (the usual field).
pub fn trim_fast(s: &str) -> &str {
    match s.as_bytes() {
        [first, .., last] if visible_ascii(*first) && visible_ascii(*last) => s,
        [only] if visible_ascii(*only) => s,
        _ => s.trim(),
    }
}

fn visible_ascii(b: u8) -> bool {
    (0x21..0x7f).contains(&b)
}

/// A plain decimal number — ASCII digits with at most one `point` between them, at most 15
/// digits (`14`, `198`, `12.25` or `12,25`) — read without the general float parser; `None`
/// for anything else, which the caller then gives to the general parser.
///
/// Exact: a mantissa of at most 15 digits is below 2^53 and 10^k (k ≤ 15) is exact in f64, so
/// `mantissa / 10^k` is one correctly rounded division, the value `str::parse::<f64>` gives
/// (Clinger's fast path, as in the standard library's own parser).
pub fn parse_plain_decimal(b: &[u8], point: u8) -> Option<f64> {
    const POW10: [f64; 16] =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    if !b.first()?.is_ascii_digit() || !b.last()?.is_ascii_digit() {
        return None;
    }
    let mut mantissa = 0u64;
    let mut digits = 0usize;
    let mut decimals: Option<usize> = None;
    for &c in b {
        if c.is_ascii_digit() {
            digits += 1;
            if digits > 15 {
                return None;
            }
            mantissa = mantissa * 10 + u64::from(c - b'0');
            if let Some(d) = decimals.as_mut() {
                *d += 1;
            }
        } else if c == point && decimals.is_none() {
            decimals = Some(0);
        } else {
            return None;
        }
    }
    Some(mantissa as f64 / POW10[decimals.unwrap_or(0)])
}

/// Names read row by row (queues) interned to indices in order of first appearance. The next
/// name is guessed as the one that followed the previous name last time, so files that cycle
/// through their queues, or hold one queue's rows together, find most names with one string
/// comparison and no hashing.
#[derive(Debug, Default)]
pub struct NameIndex {
    names: Vec<String>,
    index: std::collections::HashMap<String, usize>,
    /// Per name, the index of the name that followed it last (`usize::MAX`: none yet).
    next: Vec<usize>,
    last: Option<usize>,
}

impl NameIndex {
    /// The index of `name`, and whether it is new.
    pub fn intern(&mut self, name: &str) -> (usize, bool) {
        let guess = self.last.map(|l| self.next[l]).filter(|&g| g != usize::MAX);
        let (i, new) = match guess {
            Some(g) if self.names[g] == name => (g, false),
            _ => match self.index.get(name) {
                Some(&i) => (i, false),
                None => {
                    self.names.push(name.to_string());
                    self.next.push(usize::MAX);
                    self.index.insert(name.to_string(), self.names.len() - 1);
                    (self.names.len() - 1, true)
                }
            },
        };
        if let Some(l) = self.last {
            self.next[l] = i;
        }
        self.last = Some(i);
        (i, new)
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn into_names(self) -> Vec<String> {
        self.names
    }
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

/// [`fmt_num`] into a reused buffer (cleared first); whole numbers below 1e15 are written
/// without the float formatter (the same text: no decimals to trim).
pub fn fmt_num_into(buf: &mut String, value: f64, decimals: usize) {
    buf.clear();
    if value.fract() == 0.0 && value.abs() < 1e15 {
        if value < 0.0 {
            buf.push('-');
        }
        push_digits(buf, value.abs() as u64, 1);
    } else {
        buf.push_str(&fmt_num(value, decimals));
    }
}

/// Append `value` in decimal, zero-padded to at least `width` digits (the hot loops of the
/// writers, without the formatting machinery).
pub fn push_digits(buf: &mut String, mut value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    while value > 0 || digits.len() - i < width.clamp(1, 20) {
        i -= 1;
        digits[i] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    buf.push_str(std::str::from_utf8(&digits[i..]).expect("ASCII digits"));
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
    fn plain_decimals_read_as_the_general_parser_reads_them() {
        for t in ["0", "14", "198", "12.25", "0.1", "007", "123456789012345", "1.00000000000001"] {
            assert_eq!(parse_plain_decimal(t.as_bytes(), b'.'), t.parse::<f64>().ok(), "{t}");
        }
        assert_eq!(parse_plain_decimal(b"12,25", b','), Some(12.25));
        assert_eq!(parse_plain_decimal(b"0,3", b','), Some(0.3));
        // Not plain: left to the general parser (which accepts some, rejects others).
        for t in ["", "1e3", "-1", "+1", " 1", "1.", ".5", "1.2.3", "1234567890123456", "inf"] {
            assert_eq!(parse_plain_decimal(t.as_bytes(), b'.'), None, "{t}");
        }
        assert_eq!(parse_plain_decimal(b"1.5", b','), None);
    }

    #[test]
    fn names_are_interned_in_order_of_first_appearance() {
        let mut ix = NameIndex::default();
        let seen: Vec<(usize, bool)> =
            ["b", "a", "b", "a", "c", "c", "a"].iter().map(|n| ix.intern(n)).collect();
        assert_eq!(
            seen,
            [(0, true), (1, true), (0, false), (1, false), (2, true), (2, false), (1, false)]
        );
        assert_eq!(ix.names(), ["b", "a", "c"]);
        for t in [" x ", "x", "", " ", "\u{a0}x\u{a0}", "x\t", "\u{b}x"] {
            assert_eq!(trim_fast(t), t.trim(), "{t:?}");
        }
    }

    #[test]
    fn numbers_are_formatted_short_and_stable() {
        assert_eq!(fmt_num(2.50, 3), "2.5");
        assert_eq!(fmt_num(3.0, 2), "3");
        assert_eq!(fmt_num(-0.0001, 2), "0");
        let mut buf = String::new();
        for (v, width, text) in [(0, 1, "0"), (7, 2, "07"), (2025, 4, "2025"), (123, 1, "123")] {
            buf.clear();
            push_digits(&mut buf, v, width);
            assert_eq!(buf, text);
        }
        push_digits(&mut buf, u64::MAX, 1);
        assert!(buf.ends_with(&u64::MAX.to_string()));
        let mut buf = String::from("stale");
        for v in [0.0, -0.0, 14.0, -3.0, 2.5, 1e-7, 999_999_999_999_999.0, 1e15, 1e300, 0.1 + 0.2] {
            fmt_num_into(&mut buf, v, 6);
            assert_eq!(buf, fmt_num(v, 6), "{v}");
        }
    }
}
