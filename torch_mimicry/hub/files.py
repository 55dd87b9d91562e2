"""Files of pretrained models: where they come from, and their SHA-256 checked before anything reads them.

A :class:`FileSpec` names one file in one of three places:

* a Hugging Face Hub repository at a pinned revision (``repo_id``, ``filename``, ``revision``),
  fetched with ``huggingface_hub.hf_hub_download``: its cache (``$HF_HUB_CACHE``, default
  ``~/.cache/huggingface/hub``), its offline mode (``HF_HUB_OFFLINE=1``: the cache only) and its
  token (``huggingface-cli login`` / ``HF_TOKEN``) apply;
* a URL (``url``), downloaded once into ``$MIMICRY_HOME/hub/downloads/`` (nothing is downloaded
  when ``MIMICRY_OFFLINE`` or ``HF_HUB_OFFLINE`` is set);
* a local file (``path``).

:func:`fetch` returns the local path only after the file's SHA-256 equals the expected one, and
refuses a file without an expected hash. Nothing here runs at import: ``huggingface_hub`` is
imported when a Hub file is first fetched.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import time
import urllib.request
from typing import Any, Dict, Mapping, Optional

from torch_mimicry.utils.errors import CorruptFileError
from torch_mimicry.utils.io import StrPath

__all__ = ["FileSpec", "VerifiedFile", "ChecksumError", "HashRequiredError", "fetch", "file_sha256", "check_sha256",
           "downloads_dir", "is_offline", "require_huggingface_hub", "download_hub_file", "expected_sha256"]

#: Seconds to wait for a server to connect or send the next bytes of a URL download.
DOWNLOAD_TIMEOUT = 30.0

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


class ChecksumError(CorruptFileError):
    """A file's SHA-256 differs from the expected one (a ``ValueError``); it was not loaded."""


class HashRequiredError(ValueError):
    """A file has no expected SHA-256, so it cannot be verified and is not fetched or loaded."""


def check_sha256(value: Any, what: str = "sha256") -> str:
    """``value`` as a lowercase 64-digit hex string; ValueError for anything else."""
    text = str(value).strip().lower() if isinstance(value, str) else ""
    if not _HEX64.match(text):
        raise ValueError(f"{what} must be a SHA-256 digest of 64 hexadecimal digits (as `sha256sum FILE` prints); "
                         f"got {value!r}.")
    return text


def file_sha256(path: StrPath) -> str:
    """SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def downloads_dir() -> str:
    """``$MIMICRY_HOME/hub/downloads``: files fetched from URLs, one folder per SHA-256."""
    from torch_mimicry.metrics.inception.weights import mimicry_home
    return os.path.join(mimicry_home(), "hub", "downloads")


def is_offline() -> bool:
    """True when ``MIMICRY_OFFLINE`` or ``HF_HUB_OFFLINE`` is set (to anything but ``0`` / empty)."""
    return any(os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
               for name in ("MIMICRY_OFFLINE", "HF_HUB_OFFLINE"))


def require_huggingface_hub(purpose: str = "Files on the Hugging Face Hub") -> Any:
    """The ``huggingface_hub`` module, or an ImportError saying how to install it."""
    try:
        import huggingface_hub
    except ImportError as e:
        raise ImportError(f"{purpose} need the huggingface_hub package ({e}): pip install 'torch-mimicry[hub]'.") \
            from None
    return huggingface_hub


@dataclasses.dataclass(frozen=True)
class FileSpec:
    """Where one file of a pretrained model is, and the SHA-256 it must have.

    Exactly one of ``repo_id`` (with ``revision``), ``url`` or ``path`` is given.

    Args:
        filename (str): the file's name (its path inside a Hub repository).
        sha256 (str): the expected SHA-256 (64 hex digits); None when nobody published one, and
            then the file must be given a hash to be fetched (``load_pretrained(..., sha256=...)``).
        repo_id (str): a Hugging Face Hub repository, ``owner/name``.
        revision (str): the repository's commit (40 hex digits) or, outside the zoo, a branch or tag.
        url (str): an ``http(s)://`` or ``file://`` URL.
        path (str): a local file.
        format (str): ``'checkpoint'`` (a ``{'model_state_dict': ...}`` file of this library or of
            torch-mimicry 0.1.16, read with ``torch.load(weights_only=True)``) or ``'safetensors'``.
    """

    filename: str
    sha256: Optional[str] = None
    repo_id: Optional[str] = None
    revision: Optional[str] = None
    url: Optional[str] = None
    path: Optional[str] = None
    format: str = "checkpoint"

    def __post_init__(self) -> None:
        given = [n for n in ("repo_id", "url", "path") if getattr(self, n)]
        if len(given) != 1:
            raise ValueError(f"A FileSpec names exactly one of repo_id, url or path; got {given or 'none'}.")
        if self.format not in ("checkpoint", "safetensors"):
            raise ValueError(f"FileSpec format must be 'checkpoint' or 'safetensors'; got {self.format!r}.")
        if self.sha256 is not None:
            object.__setattr__(self, "sha256", check_sha256(self.sha256, f"The sha256 of {self.filename!r}"))
        if self.repo_id and self.revision is None:
            raise ValueError(f"The Hub file {self.repo_id}/{self.filename} needs a revision (a commit hash pins it).")

    @property
    def pinned(self) -> bool:
        """True for a URL, a local path, or a Hub file at a commit hash (not a branch or tag)."""
        return not self.repo_id or bool(self.revision and _COMMIT.match(self.revision))

    def describe(self) -> str:
        """Where the file is, in words (``hf://owner/name@rev/file``, the URL or the path)."""
        if self.repo_id:
            return f"hf://{self.repo_id}@{self.revision}/{self.filename}"
        return str(self.url or self.path)

    def to_json(self) -> Dict[str, Any]:
        """The spec as a JSON object (the fields that are set)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "FileSpec":
        """The inverse of :meth:`to_json`."""
        return cls(**dict(data))


@dataclasses.dataclass(frozen=True)
class VerifiedFile:
    """A local file whose SHA-256 was checked: ``path``, ``sha256``, and the ``source`` it came from."""

    path: str
    sha256: str
    source: str


def _verify(path: str, expected: str, source: str, fix: str) -> VerifiedFile:
    actual = file_sha256(path)
    if actual != expected:
        raise ChecksumError(f"{source} ({path}) has SHA-256 {actual}, but {expected} was expected: the file is "
                            f"corrupt or incomplete, was replaced, or the expected hash is wrong. It was not "
                            f"loaded. {fix}", path)
    return VerifiedFile(path=path, sha256=actual, source=source)


def download_hub_file(spec: FileSpec, cache_dir: Optional[StrPath] = None, force_download: bool = False) -> str:
    """The local path of a Hub file (``huggingface_hub.hf_hub_download``: its cache, its offline
    mode), not yet checked; the Hub's errors become clear FileNotFoundErrors."""
    hub = require_huggingface_hub()
    from huggingface_hub import errors
    where, force = spec.describe(), force_download
    try:
        path = hub.hf_hub_download(spec.repo_id, spec.filename, revision=spec.revision,
                                   cache_dir=os.fspath(cache_dir) if cache_dir is not None else None,
                                   force_download=force)
    except errors.LocalEntryNotFoundError:
        cache = os.fspath(cache_dir) if cache_dir is not None else hub.constants.HF_HUB_CACHE
        raise FileNotFoundError(
            f"{where} is not in the Hugging Face cache ({cache}) and cannot be downloaded "
            f"({'HF_HUB_OFFLINE is set' if hub.constants.HF_HUB_OFFLINE else 'the Hub cannot be reached'}): revision "
            f"{spec.revision!r} of {spec.repo_id} is missing there. Download it once with network access (unset "
            f"HF_HUB_OFFLINE), or copy the cache from a machine that has it.") from None
    except errors.RevisionNotFoundError:
        raise FileNotFoundError(f"{spec.repo_id} has no revision {spec.revision!r} on the Hub; check the commit "
                                "hash, branch or tag.") from None
    except errors.RepositoryNotFoundError:
        raise FileNotFoundError(f"The Hub repository {spec.repo_id!r} does not exist or is private (log in with "
                                "`huggingface-cli login` or HF_TOKEN for a private one).") from None
    except errors.EntryNotFoundError:
        raise FileNotFoundError(f"{spec.repo_id} at revision {spec.revision!r} has no file {spec.filename!r}.") \
            from None
    return str(path)


def _fetch_hub(spec: FileSpec, expected: str, cache_dir: Optional[StrPath], force: bool) -> VerifiedFile:
    path = download_hub_file(spec, cache_dir, force)
    return _verify(path, expected, spec.describe(), "Fetch it again with force_download=True, or delete it from the Hugging "
                                          "Face cache (`huggingface-cli delete-cache`).")


def _looks_like_html(path: str) -> bool:
    with open(path, "rb") as f:
        head = f.read(512).lstrip().lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")


def _fetch_url(spec: FileSpec, expected: str, force: bool) -> VerifiedFile:
    assert spec.url is not None
    target = os.path.join(downloads_dir(), expected[:16], os.path.basename(spec.filename))
    fix = f"Delete {target} and fetch it again, or download the file yourself and pass its path."
    if os.path.isfile(target) and not force:
        return _verify(target, expected, spec.url, fix)
    if is_offline():
        raise FileNotFoundError(f"{spec.url} is not in the download cache ({target}) and downloads are off "
                                "(MIMICRY_OFFLINE or HF_HUB_OFFLINE is set): download it with network access, or "
                                "pass the path of a copy.")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    part = f"{target}.{os.getpid()}.part"
    start = time.monotonic()
    try:
        with urllib.request.urlopen(spec.url, timeout=DOWNLOAD_TIMEOUT) as response, open(part, "wb") as out:
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
        if _looks_like_html(part):
            raise ChecksumError(
                f"{spec.url} returned a web page instead of the file (a host such as Google Drive may ask for a "
                "confirmation or refuse automated downloads): download it in a browser and pass its path "
                "(path=..., `--file`).", part)
        verified = _verify(part, expected, spec.url, "The download was removed; check the URL and the hash.")
        os.replace(part, target)
    except OSError as e:
        raise ConnectionError(f"Downloading {spec.url} failed after {time.monotonic() - start:.0f} s "
                              f"({type(e).__name__}: {e}); download it yourself and pass its path.") from None
    finally:
        if os.path.exists(part):
            os.remove(part)
    return VerifiedFile(path=target, sha256=verified.sha256, source=spec.url)


def expected_sha256(spec: FileSpec, sha256: Optional[str] = None, what: str = "the file") -> str:
    """The SHA-256 ``spec``'s file must have: ``sha256`` when given, else ``spec.sha256``.

    Raises:
        HashRequiredError: neither is known.
    """
    expected = check_sha256(sha256, "sha256") if sha256 is not None else spec.sha256
    if expected is None:
        raise HashRequiredError(
            f"{what} ({spec.describe()}) has no published SHA-256, so it cannot be verified and is not loaded. "
            "Download it, check it, and give its hash (load_pretrained(..., sha256='<64 hex digits>'), or "
            "`--sha256` on the command line); with a copy of your own also pass its path (path=..., `--file`).")
    return expected


def fetch(spec: FileSpec, sha256: Optional[str] = None, cache_dir: Optional[StrPath] = None,
          force_download: bool = False, what: str = "the file") -> VerifiedFile:
    """The local, verified copy of ``spec``'s file (see the module docstring).

    Args:
        spec (FileSpec): the file.
        sha256 (str): the expected SHA-256, instead of ``spec.sha256`` (needed when it has none).
        cache_dir (str): the Hugging Face cache folder, instead of ``$HF_HUB_CACHE``.
        force_download (bool): fetch again even when a copy is cached.
        what (str): the file, in words, for error messages.

    Raises:
        HashRequiredError: no expected SHA-256 (neither ``sha256`` nor ``spec.sha256``); raised
            before anything is downloaded.
        ChecksumError: the file's SHA-256 differs (nothing is loaded; a download is removed).
        FileNotFoundError: no such file, revision or repository, or offline and not cached.
        ImportError: a Hub file without the huggingface_hub package.
    """
    expected = expected_sha256(spec, sha256, what)
    if spec.repo_id:
        return _fetch_hub(spec, expected, cache_dir, force_download)
    if spec.url:
        return _fetch_url(spec, expected, force_download)
    path = os.path.abspath(os.path.expanduser(str(spec.path)))
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what}: no file at {path!r}.")
    return _verify(path, expected, path, "Check that it is the file the hash belongs to.")
