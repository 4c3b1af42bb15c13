"""Writing a generated project: all files at once, or nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


def write_project(output_dir: str | Path, files: dict[str, str | bytes], overwrite: bool = False) -> Path:
    """Write all files of a project at once: into a scratch folder, then moved into place.

    A failure while writing leaves nothing behind. An existing empty folder is written into; a
    non-empty one is refused unless overwrite=True, which replaces it.
    """
    out = Path(output_dir).resolve()
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{out} exists and is not empty; pass overwrite=True (or --overwrite) to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, content in files.items():
            target = scratch / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
        if out.exists():
            shutil.rmtree(out)
        scratch.rename(out)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return out
