//! Replacing a file so that a reader sees the old content or the new, never half: the content goes
//! to a temporary file in the same folder (same file system, mode 0600 from its creation, so a
//! secret is never readable by others), is synced, and is renamed over the target; on any failure
//! the temporary file is removed. The caches and the config file are both written this way.
//!
//! A process killed between writing and renaming leaves its temporary file, which may hold a
//! token. Such files carry a name no other program uses, and every write (and `logout --all`)
//! sweeps this folder's ones older than a minute: a write in progress takes milliseconds, so
//! nothing that old is still being written.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};

/// Every temporary file starts so: `.ssoenv-tmp-PID-RANDOM.tmp`.
const TEMP_PREFIX: &str = ".ssoenv-tmp-";
/// Older than this, a temporary file of ours is a leftover of a killed process.
const STALE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 0600, whatever the file had (the caches, as botocore writes them).
    Private,
    /// The permissions the file had (0600 for a new one), written through a symbolic link to the
    /// file it names (a config file kept in a dotfiles repository).
    KeepExisting,
}

pub fn write(path: &Path, contents: &[u8], mode: Mode) -> Result<()> {
    write_checked(path, contents, mode, || Ok(()))
}

/// [`write`], with `still_valid` run once the new content is on disk, just before the rename: its
/// error leaves the target as it was. The config edit checks there that nobody changed the file.
pub fn write_checked(
    path: &Path,
    contents: &[u8],
    mode: Mode,
    still_valid: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let target = match fs::symlink_metadata(path) {
        Ok(meta) if mode == Mode::KeepExisting && meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir(&dir)?;
    let existing = match mode {
        Mode::KeepExisting => fs::metadata(&target).ok().map(|m| m.permissions()),
        Mode::Private => None,
    };
    // A clash of names only makes create_new fail, which is reported: no harm beyond that.
    let tmp = dir.join(format!(
        "{TEMP_PREFIX}{}-{:016x}.tmp",
        std::process::id(),
        getrandom::u64().unwrap_or(0)
    ));
    sweep(&dir);
    let mut refused = None;
    let result = (|| -> std::io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(contents)?;
        if let Some(permissions) = existing {
            file.set_permissions(permissions)?;
        }
        file.sync_all()?;
        drop(file);
        if let Err(err) = still_valid() {
            refused = Some(err);
            return Err(std::io::Error::other("refused before the rename"));
        }
        fs::rename(&tmp, &target)?;
        #[cfg(unix)]
        if let Ok(d) = fs::File::open(&dir) {
            // The rename itself survives a crash only once the folder is on disk.
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|err| {
        let _ = fs::remove_file(&tmp);
        refused.unwrap_or_else(|| Error::io(path.display().to_string(), &err))
    })
}

/// Removes the temporary files that killed ssoenv processes left in `dir`. Best effort: one that
/// cannot be removed now is tried again by the next write.
pub fn sweep(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        // Also the names that versions before this one used: `.NAME.ssoenv-PID-N.tmp`.
        let ours = name.starts_with(TEMP_PREFIX)
            || (name.starts_with('.') && name.contains(".ssoenv-") && name.ends_with(".tmp"));
        let stale = entry.metadata().is_ok_and(|m| {
            m.is_file()
                && m.modified()
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > STALE)
        });
        if ours && stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Creates `dir` and its missing parents, 0700 (they will hold tokens).
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|err| Error::io(dir.display().to_string(), &err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_mode_and_writes_through_links() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/.aws/config");
        write(&path, b"[a]\n", Mode::KeepExisting).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "[a]\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
            write(&path, b"[b]\n", Mode::KeepExisting).unwrap();
            assert_eq!(mode(&path), 0o640);

            let real = dir.path().join("dotfiles-config");
            fs::write(&real, "[old]\n").unwrap();
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            write(&link, b"[new]\n", Mode::KeepExisting).unwrap();
            assert!(
                fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(fs::read_to_string(&real).unwrap(), "[new]\n");
        }
        let leftovers = fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "a temporary file was left behind");
    }

    fn plant(dir: &Path, name: &str, age: Duration) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, "secret").unwrap();
        let when = std::time::SystemTime::now() - age;
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(when)
            .unwrap();
        path
    }

    #[test]
    fn a_write_sweeps_stale_temporary_files_and_leaves_fresh_ones() {
        let dir = tempfile::tempdir().unwrap();
        let hour = Duration::from_secs(3600);
        let stale = plant(dir.path(), ".ssoenv-tmp-1-00000000000000ff.tmp", hour);
        let stale_old_style = plant(dir.path(), ".t.json.ssoenv-7-12345.tmp", hour);
        let fresh = plant(
            dir.path(),
            ".ssoenv-tmp-2-00000000000000ee.tmp",
            Duration::ZERO,
        );
        let not_ours = plant(dir.path(), "notes.tmp", hour);
        write(&dir.path().join("t.json"), b"{}", Mode::Private).unwrap();
        assert!(!stale.exists(), "a stale temporary file survived a write");
        assert!(!stale_old_style.exists(), "an old-style one survived");
        assert!(
            fresh.exists(),
            "a temporary file still being written was removed"
        );
        assert!(not_ours.exists(), "a file that is not ssoenv's was removed");
    }

    #[test]
    fn private_mode_forces_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            write(&path, b"new", Mode::Private).unwrap();
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    }
}
