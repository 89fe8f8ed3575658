"""Output files and folders that are complete or absent: staged, then renamed into place.

DESIGN.md, *What a run reports*: files are written atomically and an existing run folder
is never overwritten unless asked. Everything goes into a hidden staging folder beside
the target; only when all files are written is it renamed to the target. An interrupted
command leaves no half-written folder, and ``--force`` replaces an old folder only after
the new one is complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from model.errors import RunFolderError

__all__ = ["default_folder", "json_text", "staged_folder", "write_atomic"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def default_folder(kind: str, scenario_stem: str, root: str | Path = "runs") -> Path:
    """A new folder name like ``runs/run-baseline-20261123-101500`` (never an existing one)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    stem = re.sub(r"[^\w.-]+", "_", scenario_stem, flags=re.UNICODE)
    base = Path(root) / f"{kind}-{stem}-{stamp}"
    path, i = base, 1
    while path.exists():
        i += 1
        path = base.with_name(f"{base.name}-{i}")
    return path


def check_target(target: Path, force: bool) -> None:
    """Refuse an existing target unless ``force``; refuse a file where a folder should be."""
    if target.exists() and not target.is_dir():
        raise RunFolderError(f"{target} exists and is not a folder; choose another --out")
    if target.exists() and not force:
        raise RunFolderError(f"{target} exists already; choose another --out, or pass --force to replace it")


@contextlib.contextmanager
def staged_folder(target: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a staging folder; on success it becomes ``target``, on error it disappears."""
    target = Path(target)
    check_target(target, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes it private; a run folder is as open as any new folder
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / "x")
        os.replace(stage, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(stage, target)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write a file so that readers see the old content or the new, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes it private; the file is as open as any new file
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


def json_text(doc: Any) -> str:
    """The project's JSON: indented, UTF-8 characters kept, NaN and infinities (undefined) written as null."""
    return json.dumps(_clean(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
