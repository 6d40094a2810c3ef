"""Bundles on disk: ``models/<version>/bundle.joblib`` + ``manifest.json``, ``models/CURRENT``.

Saving writes the bundle, hashes it, and records the hash, the data
fingerprint, parameters, library versions and metrics in the manifest. The
``CURRENT`` pointer is replaced atomically (write a temporary file, fsync,
``os.replace``). Loading checks the hash and the library versions first and
refuses a corrupt, truncated or foreign file with a clear error.

The bundle is a pickle, and unpickling runs code: the hash beside it catches
corruption, not tampering (whoever can write the folder can write both). So the
manifest is signed with the secret key (HMAC-SHA256 over its canonical JSON,
which holds the bundle's hash), and a signature that does not verify refuses the
bundle before anything is unpickled. ``require_signature`` (everywhere but
development) refuses an unsigned one too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import joblib
import lightgbm
import numpy as np
import pandas as pd
import scipy
import sklearn

from matcher import __version__
from matcher.extras import MissingExtra, require
from matcher.ranker import FEATURES, PairModel

BUNDLE_FILE = "bundle.joblib"
MANIFEST_FILE = "manifest.json"
CURRENT_FILE = "CURRENT"
FORMAT = "jobmatch-bundle/5"  # raise whenever the pickled model's internals change


class BundleError(RuntimeError):
    """A bundle that cannot be used: missing, corrupt, truncated or from other libraries."""


def library_versions() -> dict[str, str]:
    return {
        "jobmatch": __version__,
        "scikit-learn": sklearn.__version__,
        "lightgbm": lightgbm.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "joblib": joblib.__version__,
    }


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(*frames: pd.DataFrame) -> str:
    """A short hash of the training tables, so a manifest says what data it saw."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def _write_atomic(path: Path, content: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as tmp:
        tmp.write(content)
        tmp.flush()
        os.fsync(tmp.fileno())
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)


@dataclass
class Loaded:
    """A loaded bundle: the model and its manifest."""

    model: PairModel
    manifest: dict
    path: Path

    @property
    def version(self) -> str:
        return str(self.manifest["version"])


SIGNATURE = "signature"


def signature(manifest: dict, key: str) -> str:
    """The HMAC-SHA256 of the manifest (all but its signature), as canonical JSON, under ``key``."""
    body = {name: value for name, value in manifest.items() if name != SIGNATURE}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def save(
    model: PairModel, model_dir: str | Path, manifest: dict, *, key: str | None = None, make_current: bool = True
) -> Path:
    """Write a new version folder and (by default) point CURRENT at it; returns the folder.

    With ``key`` (the service's secret key) the manifest is signed."""
    root = Path(model_dir)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = root / version
    folder.mkdir(parents=True, exist_ok=False)
    bundle_path = folder / BUNDLE_FILE
    joblib.dump(model, bundle_path, compress=3)
    full = {
        "format": FORMAT,
        "version": version,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        "bundle_sha256": sha256(bundle_path),
        "features": list(FEATURES),
        **manifest,
    }
    full = json.loads(json.dumps(full, default=str))  # as it will read back, so that the signature is over that
    if key is not None:
        full[SIGNATURE] = signature(full, key)
    _write_atomic(folder / MANIFEST_FILE, json.dumps(full, ensure_ascii=False, indent=2))
    if make_current:
        _write_atomic(root / CURRENT_FILE, version + "\n")
    return folder


def current_path(model_dir: str | Path) -> Path:
    """The folder CURRENT names, or a BundleError saying how to train one."""
    root = Path(model_dir)
    pointer = root / CURRENT_FILE
    if not pointer.is_file():
        raise BundleError(f"no trained bundle in {root}: run `jobmatch train --data DIR --model-dir {root}` first")
    return root / pointer.read_text(encoding="utf-8").strip()


def load(path: str | Path, *, key: str | None = None, require_signature: bool = False) -> Loaded:
    """Load a bundle folder (or its bundle file), verifying signature, hash and library versions, in that order,
    before anything is unpickled.

    A signed manifest is checked with ``key``; ``require_signature`` refuses a bundle whose signature is missing
    or cannot be checked (no key)."""
    path = Path(path)
    folder = path.parent if path.is_file() else path
    manifest_path, bundle_path = folder / MANIFEST_FILE, folder / BUNDLE_FILE
    if not manifest_path.is_file() or not bundle_path.is_file():
        raise BundleError(f"{folder} is not a jobmatch bundle (needs {BUNDLE_FILE} and {MANIFEST_FILE})")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{manifest_path} is unreadable: {exc}") from exc
    if not isinstance(manifest, dict):
        raise BundleError(f"{manifest_path} is not a manifest")
    _check_signature(folder, manifest, key, require_signature)
    if manifest.get("format") != FORMAT:
        raise BundleError(f"{folder} has format {manifest.get('format')!r}, expected {FORMAT!r}")
    actual = sha256(bundle_path)
    if actual != manifest.get("bundle_sha256"):
        raise BundleError(
            f"{bundle_path} does not match its manifest (sha256 {actual[:12]}… vs "
            f"{str(manifest.get('bundle_sha256'))[:12]}…): the file is corrupt or truncated; retrain or restore it"
        )
    recorded, running = manifest.get("libraries", {}), library_versions()
    mismatched = [f"{k} {recorded.get(k)} (running {v})" for k, v in running.items()
                  if k != "jobmatch" and recorded.get(k) != v]  # fmt: skip
    if mismatched:
        raise BundleError(f"{folder} was built with other library versions: {', '.join(mismatched)}; retrain it")
    if manifest.get("features") != list(FEATURES):
        raise BundleError(f"{folder} was built by another jobmatch version (its pair features differ); retrain it")
    try:
        model = joblib.load(bundle_path)
    except Exception as exc:  # joblib raises many kinds on a foreign or damaged pickle
        raise BundleError(f"{bundle_path} could not be loaded: {exc}") from exc
    if not isinstance(model, PairModel):
        raise BundleError(f"{bundle_path} holds a {type(model).__name__}, not a jobmatch model")
    if model.analyzer == "kiwi":
        try:
            require("kiwipiepy", "kiwi", f"{folder} (trained with --analyzer kiwi)")
        except MissingExtra as exc:
            raise BundleError(str(exc)) from exc
    return Loaded(model, manifest, folder)


def _check_signature(folder: Path, manifest: dict, key: str | None, required: bool) -> None:
    signed = manifest.get(SIGNATURE)
    if signed is None or key is None:
        if required:
            why = "is not signed" if signed is None else "is signed but no key was given to check it"
            raise BundleError(
                f"{folder} {why}; outside development only bundles signed with JOBMATCH_SECRET_KEY are loaded "
                "(retrain it with the service's key set)"
            )
        return
    if not hmac.compare_digest(str(signed), signature(manifest, key)):
        raise BundleError(
            f"{folder}: the manifest's signature does not match: it was changed after training, or signed with "
            "another JOBMATCH_SECRET_KEY; it is not loaded (retrain it)"
        )


def load_current(model_dir: str | Path, *, key: str | None = None, require_signature: bool = False) -> Loaded:
    return load(current_path(model_dir), key=key, require_signature=require_signature)
