"""Output files and folders that are complete or absent, written only where halfstep may write.

DESIGN.md, *What a run reports*: files are written atomically and an existing run folder
is never overwritten unless asked. Everything goes into a hidden staging folder beside
the target; only when all files are written is it renamed to the target. An interrupted
command leaves no half-written folder, and ``--force`` replaces an old folder only after
the new one is complete.

Output folders are owned: every folder :func:`staged_folder` writes carries a marker file
(:data:`MARKER`, JSON ``{"kind": …, "version": …}``), and ``--force`` replaces only a
folder with that marker. :func:`check_output` is the one place that decides whether an
output may be written; it runs before any work starts (the commands call
:func:`check_target` / :func:`check_file_target` first) and again when the output is
written. It refuses, with the folder named and what it holds:

- an empty path, the current folder, a parent of it, the home folder, the filesystem root;
- a target that is, or holds, an input of the command (the scenario, a compared run…);
- an existing target without ``--force``; with ``--force``, a folder halfstep did not write,
  or any folder where a file is wanted (and a file where a folder is wanted);
- a target whose parent cannot be created or written (probed, so it also holds for root).
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
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from model.errors import RunFolderError
from model.version import __version__

__all__ = [
    "MARKER",
    "check_file_target",
    "check_output",
    "check_target",
    "default_folder",
    "folder_kind",
    "json_text",
    "staged_folder",
    "write_atomic",
]

MARKER = ".halfstep"
"""The file that marks a folder as written by halfstep (JSON: ``kind`` and ``version``)."""

PathLike = str | os.PathLike[str]


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


def folder_kind(folder: PathLike) -> str | None:
    """The kind recorded in ``folder``'s marker (``"run"``, ``"plan"``…), or None if halfstep did not write it."""
    try:
        doc = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    kind = doc.get("kind") if isinstance(doc, dict) else None
    return kind if isinstance(kind, str) and kind else None


def _holds(folder: Path, limit: int = 5) -> str:
    """What a folder holds, for a message: 'it holds 3 entries: a, b, c'."""
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError as e:
        return f"it cannot be listed: {e.strerror}"
    if not names:
        return "it is empty"
    shown = ", ".join(names[:limit]) + (", …" if len(names) > limit else "")
    return f"it holds {len(names)} entr{'y' if len(names) == 1 else 'ies'}: {shown}"


def _resolved(path: PathLike) -> Path:
    return Path(os.path.abspath(path)).resolve()


def _check_parent(target: Path) -> None:
    """The target's parent exists or can be created, and is writable: probed, not guessed."""
    ancestor = Path(os.path.abspath(target)).parent
    while not os.path.lexists(ancestor) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise RunFolderError(f"cannot write {target}: {ancestor} is a file, not a folder; choose another --out")
    try:
        probe = tempfile.mkdtemp(prefix=".halfstep-probe-", dir=ancestor)
    except OSError as e:
        raise RunFolderError(
            f"cannot write {target}: no folder can be made in {ancestor} ({e.strerror}); choose another --out"
        ) from None
    os.rmdir(probe)


def check_output(
    target: PathLike, *, force: bool = False, inputs: Iterable[PathLike] = (), folder: bool = True
) -> None:
    """Refuse an output that must not be written, before any work: raises :class:`RunFolderError`.

    ``folder`` says whether the output is a folder (replaced with ``force`` only if it
    carries halfstep's marker) or a file (replaced with ``force`` if it is a file).
    ``inputs`` are the command's input files and folders: never an output, nor inside one.
    """
    text = os.fspath(target)
    if text.strip() in ("", "."):  # a Path("") is "."
        raise RunFolderError("--out '.' (or an empty --out) names the current folder; choose another --out")
    path = Path(text)
    real = _resolved(path)
    cwd = Path.cwd().resolve()
    try:
        home: Path | None = _resolved(Path.home())
    except (RuntimeError, KeyError):  # no home folder known: nothing to protect
        home = None
    if real == cwd:
        raise RunFolderError(f"{path} is the current folder; choose another --out")
    if real in cwd.parents:
        raise RunFolderError(f"{path} is a parent of the current folder; choose another --out")
    if real == home:
        raise RunFolderError(f"{path} is the home folder; choose another --out")
    if real == real.parent:
        raise RunFolderError(f"{path} is the filesystem root; choose another --out")
    for given in inputs:
        source = _resolved(given)
        if source == real:
            raise RunFolderError(f"{path} is an input of this command; choose another --out")
        if real in source.parents:
            raise RunFolderError(f"{path} holds {given}, an input of this command; choose another --out")
    if folder:
        _check_folder(path, force)
    else:
        _check_file(path, force)
    _check_parent(path)


def _check_folder(path: Path, force: bool) -> None:
    if not os.path.lexists(path):
        return
    if not path.is_dir():
        raise RunFolderError(f"{path} exists and is not a folder; choose another --out")
    kind = folder_kind(path)
    if kind is None:
        if force:
            raise RunFolderError(
                f"{path} is not a folder halfstep wrote (no {MARKER} marker; {_holds(path)}); "
                "--force replaces only halfstep's own folders: remove it yourself if it is an old output, "
                "or choose another --out"
            )
        raise RunFolderError(
            f"{path} exists already and is not a folder halfstep wrote ({_holds(path)}); "
            "choose another --out (--force replaces only folders halfstep wrote)"
        )
    if not force:
        raise RunFolderError(
            f"{path} exists already (a halfstep {kind} folder); choose another --out, or pass --force to replace it"
        )


def _check_file(path: Path, force: bool) -> None:
    if path.is_dir():
        raise RunFolderError(f"{path} is a folder ({_holds(path)}); --out must name a file")
    if os.path.lexists(path) and not force:
        raise RunFolderError(f"{path} exists already; choose another --out, or pass --force to replace it")


def check_target(target: PathLike, force: bool, *, inputs: Iterable[PathLike] = ()) -> None:
    """Check an output folder before any work (:func:`check_output`); ``inputs`` are the command's inputs."""
    check_output(target, force=force, inputs=inputs, folder=True)


def check_file_target(target: PathLike, force: bool, *, inputs: Iterable[PathLike] = ()) -> None:
    """Check an output file before any work (:func:`check_output`): never a folder, never an input."""
    check_output(target, force=force, inputs=inputs, folder=False)


@contextlib.contextmanager
def staged_folder(
    target: PathLike, *, kind: str, force: bool = False, inputs: Iterable[PathLike] = ()
) -> Iterator[Path]:
    """Yield a staging folder; on success it becomes ``target``, on error it disappears.

    The folder gets halfstep's marker (:data:`MARKER`) with ``kind`` (``run``, ``plan``,
    ``compare``, ``analysis``). The target is checked (:func:`check_output`) on entry and
    again just before it is replaced; ``inputs`` (files and folders the output is made from)
    are never replaced.
    """
    inputs = tuple(inputs)
    target = Path(target)
    check_target(target, force, inputs=inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes it private; a run folder is as open as any new folder
    try:
        yield stage
        marker = {"kind": kind, "version": __version__}
        write_atomic(stage / MARKER, json.dumps(marker) + "\n")
        check_target(target, force, inputs=inputs)  # it may have changed while the output was made
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if os.path.lexists(target):
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / "x")
        os.replace(stage, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(stage, target)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write a file so that readers see the old content or the new, never a part.

    Text is UTF-8; a ``.csv`` file starts with a byte-order mark, so that a spreadsheet on a
    Chinese-language desktop reads its Chinese names as UTF-8 (``csv`` with
    ``encoding="utf-8-sig"`` and pandas read it as before).
    """
    path = Path(path)
    if isinstance(data, str) and path.suffix.lower() == ".csv" and not data.startswith("\ufeff"):
        data = "\ufeff" + data
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
