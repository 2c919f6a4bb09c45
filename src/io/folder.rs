//! An output folder replaced as a whole: `shiftcast plan --out DIR` writes every file into a
//! sibling staging folder (`.DIR.partial-PID`) and only then swaps it for DIR, so a run that
//! is killed or runs out of disk leaves the old folder (or none) intact, never old and new
//! files mixed. On Linux the swap is one `renameat2(RENAME_EXCHANGE)`; elsewhere (or on a file
//! system without it) two renames with the old folder parked beside it for an instant.
//!
//! A staging folder left by a killed run is removed by the next run into the same folder once
//! its process is gone. Nothing is ever named `.tmp*`.

use std::path::{Path, PathBuf};

use crate::error::FileError;

/// A staging folder that becomes `target` on [`OutputFolder::commit`], and is removed if
/// dropped before.
#[derive(Debug)]
pub struct OutputFolder {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

/// Check that `out` can be a plan's output folder: a folder or nothing, not a file. Run it
/// before any work, so a mistyped `--out plan.csv` fails at once.
pub fn check_output_folder(out: &Path) -> Result<(), FileError> {
    match std::fs::metadata(out) {
        Ok(m) if !m.is_dir() => Err(FileError::io(
            out,
            std::io::Error::other(
                "exists and is not a folder; --out names the folder the plan writes into",
            ),
        )),
        _ => Ok(()),
    }
}

impl OutputFolder {
    /// Create the staging folder beside `out` (following a symlinked `out` to its target).
    pub fn begin(out: &Path) -> Result<OutputFolder, FileError> {
        check_output_folder(out)?;
        let target = if std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink()) {
            std::fs::canonicalize(out).map_err(|e| FileError::io(out, e))?
        } else {
            out.to_path_buf()
        };
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| FileError::io(&parent, e))?;
        let name = target
            .file_name()
            .ok_or_else(|| FileError::io(out, std::io::Error::other("expected a folder name")))?
            .to_string_lossy()
            .into_owned();
        remove_stale_staging(&parent, &name);
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| FileError::io(&staging, e))?;
        }
        // The staging folder's name means nothing to the user: name their folder.
        std::fs::create_dir(&staging).map_err(|e| FileError::io(out, e))?;
        Ok(OutputFolder { target, staging, committed: false })
    }

    /// The folder to write the files into.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// Put the staged folder in place of the target, and remove the old one.
    pub fn commit(mut self) -> Result<(), FileError> {
        sync_dir(&self.staging);
        if std::fs::symlink_metadata(&self.target).is_err() {
            std::fs::rename(&self.staging, &self.target)
                .map_err(|e| FileError::io(&self.target, e))?;
        } else if exchange(&self.staging, &self.target).is_ok() {
            // The staging path now holds the old folder.
            std::fs::remove_dir_all(&self.staging).map_err(|e| FileError::io(&self.staging, e))?;
        } else {
            let parked = self.staging.with_extension("old");
            std::fs::rename(&self.target, &parked).map_err(|e| FileError::io(&self.target, e))?;
            std::fs::rename(&self.staging, &self.target)
                .map_err(|e| FileError::io(&self.target, e))?;
            std::fs::remove_dir_all(&parked).map_err(|e| FileError::io(&parked, e))?;
        }
        if let Some(parent) = self.target.parent() {
            sync_dir(parent);
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Staging folders of `name` whose process no longer runs (killed runs).
fn remove_stale_staging(parent: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else { continue };
        let pid = rest.trim_end_matches(".old");
        if pid.parse::<u32>().is_ok_and(process_is_gone) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether no process `pid` runs any more (so what it left behind is stale). `false` when that
/// cannot be told: pid 0, a pid beyond the system's range, or a system without `kill(pid, 0)`.
pub fn process_is_gone(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(p) = libc::pid_t::try_from(pid) else { return false };
        if p <= 0 {
            return false;
        }
        // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
        let r = unsafe { libc::kill(p, 0) };
        r != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        false
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths relative to the working directory.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("no atomic exchange here"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_is_replaced_whole_and_nothing_stays_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("plan");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("old.csv"), "old").unwrap();
        let f = OutputFolder::begin(&out).unwrap();
        std::fs::write(f.dir().join("new.csv"), "new").unwrap();
        f.commit().unwrap();
        let names: Vec<_> =
            std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("new.csv")]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Dropped without commit: the old folder stays and the staging folder goes.
        let f = OutputFolder::begin(&out).unwrap();
        std::fs::write(f.dir().join("half.csv"), "x").unwrap();
        drop(f);
        assert!(out.join("new.csv").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        std::fs::write(dir.path().join("file"), "x").unwrap();
        assert!(check_output_folder(&dir.path().join("file")).is_err());
    }
}
