"""The returning officer's key pair made as they would make it: ``governance election-key``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PUBLIC = re.compile(r"^Public key: (GPK1-\S+)$", re.MULTILINE)
FINGERPRINT = re.compile(r"^Fingerprint: (\S+)$", re.MULTILINE)


def governance_command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``governance`` command as an operator would, in ``cwd``."""
    program = Path(sys.executable).with_name("governance")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERNANCE_")}
    return subprocess.run(
        [str(program), *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@dataclass(frozen=True)
class MadeKey:
    public: str
    fingerprint: str
    files: list[Path]

    def file_text(self, *indexes: int) -> str:
        """The text of the private key file, or of the share files given (1-based)."""
        chosen = [self.files[i - 1] for i in indexes] if indexes else self.files[:1]
        return "".join(path.read_text(encoding="utf-8") for path in chosen)


def make_key(folder: Path, *, trustees: int | None = None, needed: int | None = None) -> MadeKey:
    args = ["election-key", "generate", "--out", "officer.key"]
    if trustees is not None and needed is not None:
        args += ["--trustees", str(trustees), "--needed", str(needed)]
    done = governance_command(*args, cwd=folder)
    assert done.returncode == 0, done.stderr
    public = PUBLIC.search(done.stdout)
    mark = FINGERPRINT.search(done.stdout)
    assert public and mark, done.stdout
    names = (
        [f"officer.key.share-{i}" for i in range(1, trustees + 1)] if trustees else ["officer.key"]
    )
    return MadeKey(public.group(1), mark.group(1), [folder / name for name in names])
