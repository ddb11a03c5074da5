"""Writing the files lstmviz makes (sessions, exports, traces, trained models): atomically, and
with the permissions a plain write would give. No Qt and no other lstmviz module, so that
io, app and ui can all use it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from lstmviz.errors import LstmvizError


def _umask() -> int:
    """The process' umask, read without changing it where Linux tells it (``os.umask``
    sets it and would race with another thread creating a file meanwhile)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode(path) -> int:
    """The mode a file written at ``path`` should get: the existing file's mode when it is
    replaced, else what ``open(path, "w")`` would give (0o666 less the umask). A temporary
    file from ``mkstemp`` is 0600, which would make every export private."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def check_folder(path) -> Path:
    """The folder ``path`` would be written in; refused in one line where it does not exist
    or this user may not write in it (``write_atomic`` says it; a command asks before the
    work whose result it writes)."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise LstmvizError(f"{path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):  # (root passes: the write itself says it)
        raise LstmvizError(f"{path}: the folder {parent} is not writable; give a file in a "
                           "folder you can write to")
    return parent


def write_atomic(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: temporary file in the same folder, flush,
    fsync, ``os.replace``; the folder is fsynced too where the OS allows it. The file gets
    the permissions a plain write would give it (``new_file_mode``), not mkstemp's 0600."""
    path = Path(path)
    parent = check_folder(path)
    mode = new_file_mode(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as err:  # (named after the file asked for, not the temporary one)
        raise OSError(err.errno, err.strerror, str(path)) from err
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err, OSError) and err.filename == tmp:  # a full disk, say
            raise OSError(err.errno, err.strerror, str(path)) from err
        raise
    try:
        dfd = os.open(parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return path


def not_regular(path) -> str | None:
    """What ``path`` is when it exists and is neither a regular file nor a folder (a named
    pipe, a device, a socket): reading one waited for ever (a pipe with no writer) or read
    without end (/dev/urandom); None otherwise. Every reader of a model or an input file
    asks it before opening."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError, TypeError):
        return None  # (missing, or not a path: the reader says so as before)
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device")
    return f"this is {kind}, not a file; save the data to a file and give its path"


def check_regular(path, label) -> None:
    """``not_regular``'s refusal, one line: "<label>: this is a named pipe (FIFO), not a
    file; ..." (the input, long-input and vocabulary readers, before they open ``path``)."""
    odd = not_regular(path)
    if odd:
        raise LstmvizError(f"{label}: {odd}")


def resolved(path) -> Path | None:
    """``path`` made absolute with its links followed, or None where it cannot be: a path
    from a file (a restored session's model path) may be a loop of links (RuntimeError
    "Symlink loop"), hold a NUL byte (ValueError) or be no text; the folders the dialogs
    start in asked it, and their menu actions failed with a traceback."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError, ValueError, TypeError):
        return None
