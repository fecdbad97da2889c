//! Where the output capture goes, the way coreutils-grade tools write files:
//!
//! * a regular file (also reached through symbolic links, which are followed to their
//!   target and kept) is written atomically: a temporary file in the target's directory,
//!   created with mode 0600 and given the target's mode (and owner, when allowed) before it
//!   takes the target's place; data and directory synced; renamed over the target. A target
//!   with several hard links is instead overwritten in place from the finished temporary
//!   file, so every link keeps seeing it (only this copy is not atomic). A new file keeps
//!   mode 0600: decrypted traffic is not made world-readable;
//! * anything else (a character device such as `/dev/null`, a FIFO, a socket, `-` or
//!   `/dev/stdout`) is written directly in one stream, never replaced;
//! * the temporary file is removed on any error, and — through a [`TempWatch`] — when the
//!   process is interrupted (SIGINT, SIGTERM, or killed outright).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Removes a temporary file if the process ends before it is disarmed (see
/// [`watch_and_remove`] for the process the command-line tool uses).
pub trait TempWatch: std::fmt::Debug {
    /// The file was renamed into place or removed by the process itself: do nothing more.
    fn disarm(self: Box<Self>);
}

/// Starts a [`TempWatch`] over a path (or fails, and the file is not created).
pub type Watcher<'a> = &'a dyn Fn(&Path) -> io::Result<Box<dyn TempWatch>>;

/// An output being written.
#[derive(Debug)]
pub struct Output {
    shown: PathBuf,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Atomic {
        target: PathBuf,
        tmp: PathBuf,
        file: BufWriter<File>,
        /// Mode and owner to give the result (of the existing target).
        existing: Option<Box<fs::Metadata>>,
        watch: Option<Box<dyn TempWatch>>,
        done: bool,
    },
    Direct(BufWriter<File>),
    Stdout(BufWriter<io::Stdout>),
}

/// Follows `path` through symbolic links (also dangling ones) to the file it names.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

impl Output {
    /// Opens OUT (`-` is standard output); `watch` guards the temporary file of a regular one.
    pub fn open(path: &Path, watch: Option<Watcher<'_>>) -> io::Result<Self> {
        let shown = path.to_path_buf();
        if path.as_os_str() == "-" {
            return Ok(Self {
                shown,
                kind: Kind::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())),
            });
        }
        if path.as_os_str().is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the output path is empty",
            ));
        }
        // The kernel follows the links (also /proc's, as /dev/stdout is) for what exists.
        let (target, existing) = match fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                ))
            }
            Ok(m) if !m.is_file() => {
                // A device, FIFO or socket: written as it is, never replaced.
                let f = OpenOptions::new().write(true).open(path)?;
                return Ok(Self {
                    shown,
                    kind: Kind::Direct(BufWriter::with_capacity(1 << 16, f)),
                });
            }
            Ok(m) => (fs::canonicalize(path)?, Some(Box::new(m))),
            // A new file, or the missing target of a dangling symlink.
            Err(e) if e.kind() == io::ErrorKind::NotFound => (resolve(path)?, None),
            Err(e) => return Err(e),
        };
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the output path has no file name",
            )
        })?;
        let mut attempt = 0u32;
        let (tmp, file, watch) = loop {
            let tmp = dir.join(format!(
                ".{}.{}-{attempt}.tmp",
                name.to_string_lossy(),
                std::process::id()
            ));
            let watch = watch.map(|w| w(&tmp)).transpose()?;
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)
            {
                Ok(f) => break (tmp, f, watch),
                Err(e) => {
                    if let Some(w) = watch {
                        w.disarm();
                    }
                    if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 {
                        attempt += 1;
                    } else {
                        return Err(e);
                    }
                }
            }
        };
        Ok(Self {
            shown,
            kind: Kind::Atomic {
                target,
                tmp,
                file: BufWriter::with_capacity(1 << 16, file),
                existing,
                watch,
                done: false,
            },
        })
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.shown
    }

    /// Whether the output is a regular file (written atomically, and seekable).
    pub fn is_file(&self) -> bool {
        matches!(self.kind, Kind::Atomic { .. })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut dyn Write {
        match &mut self.kind {
            Kind::Atomic { file, .. } => file,
            Kind::Direct(w) => w,
            Kind::Stdout(w) => w,
        }
    }

    /// Overwrites `bytes` at `at` in a regular-file output (then goes back to its end).
    pub fn patch(&mut self, at: u64, bytes: &[u8]) -> io::Result<()> {
        let Kind::Atomic { file, .. } = &mut self.kind else {
            return Err(io::Error::other("not a regular file"));
        };
        file.flush()?;
        let f = file.get_mut();
        f.seek(SeekFrom::Start(at))?;
        f.write_all(bytes)?;
        f.seek(SeekFrom::End(0))?;
        Ok(())
    }

    /// Finishes the output: flushed (and for a regular file synced and put in place).
    pub fn commit(mut self) -> io::Result<()> {
        match &mut self.kind {
            Kind::Direct(w) => w.flush(),
            Kind::Stdout(w) => w.flush(),
            Kind::Atomic {
                target,
                tmp,
                file,
                existing,
                watch,
                done,
            } => {
                file.flush()?;
                let f = file.get_ref();
                if let Some(m) = existing {
                    f.set_permissions(fs::Permissions::from_mode(m.mode() & 0o7777))?;
                    // Keeping the owner needs privilege; without it the file is the caller's.
                    let _ = std::os::unix::fs::fchown(f, Some(m.uid()), Some(m.gid()));
                }
                f.sync_all()?;
                if existing.as_ref().is_some_and(|m| m.nlink() > 1) {
                    // Hard links: the target's inode is rewritten, from the finished file.
                    let mut src = File::open(&*tmp)?;
                    let mut dst = OpenOptions::new()
                        .write(true)
                        .truncate(true)
                        .open(&*target)?;
                    io::copy(&mut src, &mut dst)?;
                    dst.sync_all()?;
                    fs::remove_file(&*tmp)?;
                } else {
                    fs::rename(&*tmp, &*target)?;
                }
                *done = true;
                if let Some(w) = watch.take() {
                    w.disarm();
                }
                if let Some(dir) = target.parent() {
                    let dir = if dir.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        dir
                    };
                    if let Ok(d) = File::open(dir) {
                        let _ = d.sync_all();
                    }
                }
                Ok(())
            }
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Kind::Atomic {
            tmp, done, watch, ..
        } = &mut self.kind
        {
            if !*done {
                let _ = fs::remove_file(&*tmp);
            }
            if let Some(w) = watch.take() {
                w.disarm();
            }
        }
    }
}

/// The watcher's side: reads `stdin` to its end and removes `path` unless the byte `k` (keep)
/// came first. The tool runs it in a child process of its own process group, its standard
/// input a pipe from the tool: when the tool ends in any way without disarming it (Ctrl-C,
/// `kill`, a crash), the pipe closes and the temporary file goes.
pub fn watch_and_remove(path: &Path, stdin: &mut dyn io::Read) {
    let mut buf = [0u8; 1];
    let keep = loop {
        match stdin.read(&mut buf) {
            Ok(0) => break false,
            Ok(_) => break buf[0] == b'k',
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break false,
        }
    };
    if !keep {
        let _ = fs::remove_file(path);
    }
}
