"""Writing results safely: every file appears whole or not at all.

Each file is written to a temporary name in the same folder, flushed to disk,
then renamed over its final name (an atomic step on POSIX file systems). A
run folder is complete when its ``manifest.json`` exists: it is removed
before a run writes anything and written last.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jinmyaku.errors import InputError


def umask() -> int:
    """The process's umask, read without changing it.

    Linux reports it in ``/proc/self/status`` (``Umask:``, since 4.7). Elsewhere
    the permissions a new file gets are the answer: a file created with mode
    0o777 has mode ``0o777 & ~umask``. (``os.umask`` can only be read by setting
    it, which races with other threads creating files meanwhile.)
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return _umask_by_probe()


def _umask_by_probe() -> int:
    """The umask from the mode a new file gets (where /proc is not there)."""
    folder = tempfile.mkdtemp(prefix=".umask-")
    try:
        probe = os.path.join(folder, "probe")
        os.close(os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o777))
        return 0o777 & ~os.stat(probe).st_mode
    finally:
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, "probe"))
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def prepare_folder(out: Path) -> None:
    """Create ``out`` if needed and check it can be written; InputError if not."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=".probe-", delete=True)
        probe.close()
    except OSError as e:
        raise InputError(f"{out}: cannot write results there ({e.strerror or e}). "
                         f"Choose a writable folder with --out.") from None


def atomic_write(path: Path, write: Callable[[Path], None], mode: int | None = None) -> None:
    """Call ``write(tmp)`` then move tmp over ``path`` in one step.

    The file gets ``mode`` (e.g. 0o600 for personal data, readable by its owner only)
    before it appears under its name, else what the umask gives a new file.

    The temporary file is ``.NAME.PID-RANDOM.tmp`` beside ``path``. One left by a
    process that no longer lives (killed by SIGKILL, say, which no clean-up can
    catch) is removed the next time ``path`` is written.
    """
    remove_stale_temps(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-",
                                    suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~umask() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove the temporary files of :func:`atomic_write` for ``path`` whose writer
    process is gone; return them. Files of living processes, or of other names, stay."""
    prefix = f".{path.name}."
    gone = []
    try:
        candidates = [p for p in path.parent.iterdir()
                      if p.name.startswith(prefix) and p.name.endswith(".tmp")]
    except OSError:
        return gone
    for p in candidates:
        pid, dash, _ = p.name[len(prefix):].partition("-")
        if not dash or not pid.isdigit() or _alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            p.unlink()
            gone.append(p)
    return gone


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def write_text(path: Path, text: str, mode: int | None = None) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    if mode is None:
        atomic_write(path, write)
    else:
        atomic_write(path, write, mode=mode)


# Parquet settings of every results file: equal tables give equal bytes.
PARQUET = {"compression": "zstd", "use_dictionary": True, "write_statistics": True}
ROW_GROUP = 1 << 20  # rows per row group (pyarrow's default, fixed here)


def write_parquet(path: Path, table: pa.Table) -> None:
    """Parquet with fixed settings, so equal tables give equal bytes."""
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, row_group_size=ROW_GROUP,
                                                  **PARQUET))


def parquet_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    """A writer with the settings of :func:`write_parquet`: row groups of ``ROW_GROUP``
    rows written one by one give the bytes ``write_parquet`` gives for the whole table."""
    return pq.ParquetWriter(path, schema, **PARQUET)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(out: Path, files: list[str], extra: dict) -> None:
    manifest = {**extra, "files": {name: sha256(out / name) for name in files}}
    write_text(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def read_manifest(folder: Path, what: str = "run folder",
                  required: tuple[str, ...] = ()) -> dict:
    """The manifest of a complete results folder, after checking every file it lists.

    InputError, naming the folder and the file, when ``folder`` is not a folder,
    has no ``manifest.json`` (incomplete: a run writes it last) or an unreadable
    one, lacks a file the manifest lists or one of ``required``, or holds a file
    whose SHA-256 differs from the manifest's (damaged or changed since).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such {what} (not a folder).")
    path = folder / "manifest.json"
    if not path.is_file():
        raise InputError(f"{folder}: not a complete {what}: it has no manifest.json (a run "
                         f"writes it last, so the run was interrupted or this is another "
                         f"folder).")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: cannot be read as a manifest ({e}); the {what} is "
                         f"damaged.") from None
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict):
        raise InputError(f"{path}: has no list of files with their checksums; the {what} "
                         f"is damaged.")
    for name in required:
        if name not in listed:
            raise InputError(f"{folder}: not a complete {what}: its manifest does not list "
                             f"{name}.")
    for name, digest in sorted(listed.items()):
        file = folder / name
        if not file.is_file():
            raise InputError(f"{file}: missing; the manifest lists it, so the {what} is "
                             f"incomplete.")
        try:
            actual = sha256(file)
        except OSError as e:
            raise InputError(f"{file}: cannot be read ({e.strerror or e}).") from None
        if actual != digest:
            raise InputError(f"{file}: damaged or changed since the run (its SHA-256 differs "
                             f"from the one in manifest.json); run it again to rebuild the "
                             f"{what}.")
    return manifest


def available_memory() -> int | None:
    """Memory a run may use now (bytes), or None if unknown: the system's
    ``MemAvailable`` (Linux; else free physical pages), capped by the room left
    under this process's cgroup memory limit when there is one (a container's
    limit, which ``MemAvailable`` does not see)."""
    system = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    system = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if system is None:
        try:
            system = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            system = None
    room = cgroup_room()
    if room is None:
        return system
    return room if system is None else min(system, room)


NO_LIMIT = 1 << 60  # cgroup v1 writes "no limit" as a huge number


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if text == "max":
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _stat_value(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def cgroup_room(root: Path = Path("/sys/fs/cgroup"),
                membership: Path = Path("/proc/self/cgroup")) -> int | None:
    """Bytes left under this process's cgroup memory limit (limit − usage + reclaimable
    file cache), or None when there is no limit or no cgroup to read (v1 or v2)."""
    try:
        lines = membership.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        rel = path.lstrip("/")
        if controllers == "" and (root / "cgroup.controllers").exists():  # v2
            for folder in (root / rel, root):
                limit = _read_int(folder / "memory.max")
                used = _read_int(folder / "memory.current")
                if limit is not None and used is not None:
                    cache = _stat_value(folder / "memory.stat", "inactive_file")
                    return max(0, limit - used + cache)
        elif "memory" in controllers.split(","):  # v1
            for folder in (root / "memory" / rel, root / "memory"):
                limit = _read_int(folder / "memory.limit_in_bytes")
                used = _read_int(folder / "memory.usage_in_bytes")
                if limit is not None and used is not None:
                    if limit >= NO_LIMIT:
                        return None
                    cache = _stat_value(folder / "memory.stat", "total_inactive_file")
                    return max(0, limit - used + cache)
    return None
