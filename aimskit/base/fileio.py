"""Atomic file writes: a temporary file in the same folder, then a rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def inside(folder: Path, path: Path) -> bool:
    """Whether ``path``, with every symbolic link followed, is in ``folder`` (an engagement reads only
    its own files: a link to a file elsewhere is refused, and nothing of that file is ever quoted)."""
    if _plainly_inside(os.fspath(folder), os.fspath(path)):
        return True
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except (OSError, RuntimeError):  # a link loop, or no permission to follow it
        return False


def _plainly_inside(folder: str, path: str) -> bool:
    """``path`` is ``folder`` joined with plain names (no ``..``) none of which is a link: then it is in
    ``folder`` whatever ``folder`` resolves to (one ``lstat`` per name below the folder, where
    resolving both paths costs one per name from the root; an engagement has a profile per system)."""
    prefix = os.path.join(folder, "")
    if not path.startswith(prefix):
        return False
    names = path[len(prefix) :].split(os.sep)
    if not names or any(n in ("", ".", "..") for n in names):
        return False
    current = folder
    try:
        for n in names:
            current = os.path.join(current, n)
            if os.path.islink(current):
                return False
    except OSError:  # pragma: no cover - islink reports errors as False
        return False
    return True


OUTSIDE_MESSAGE = (
    "is a link to a file outside the engagement folder; it is not read (copy the file into the folder instead)"
)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
