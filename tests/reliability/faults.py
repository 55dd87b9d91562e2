"""Fault injection and the assertions every test of this suite makes.

- :func:`snapshot` / :func:`assert_intact`: every file on disk before a call is still there,
  unchanged and loadable after it, and no temporary file was left behind.
- :class:`Disk`: a disk with a number of free bytes; :meth:`Disk.install` makes the files that
  the library's atomic writers open fail with ENOSPC once it is full (after a partial write,
  as a real disk does), and :meth:`Disk.read_only` makes a folder refuse new files with EACCES
  (``chmod`` does not stop root, who runs these tests in CI).
- :func:`tiny_run`: a tiny SNGAN training setup whose steps are counted, to show that an error
  came before any training step.
"""
import errno
import hashlib
import json
import os
import tempfile

import torch

import torch_mimicry as mmc


def _digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def snapshot(root):
    """``{relative path: sha256}`` of every file under ``root``."""
    root = os.fspath(root)
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            files[os.path.relpath(path, root)] = _digest(path)
    return files


def temporary_files(root):
    """Leftover temporary files of the atomic writers under ``root``."""
    return [os.path.join(folder, n) for folder, _, names in os.walk(os.fspath(root)) for n in names
            if n.endswith(".tmp") or n.endswith(".part")]


def load_any(path):
    """Loads a file by its kind; raises if it is not loadable."""
    if path.endswith(".pth") or path.endswith(".pt"):
        return torch.load(path, map_location="cpu", weights_only=True)
    if path.endswith(".json"):
        with open(path) as f:
            return json.load(f)
    with open(path, "rb") as f:
        return f.read()


#: Files a resumed run rewrites on purpose (the hyperparameters that may change, e.g. num_steps).
UPDATED_ON_RESUME = ("params.json",)


def assert_intact(before, root, loadable=True, updated=UPDATED_ON_RESUME):
    """Every file of ``before`` (a :func:`snapshot`) is under ``root`` with the same content
    (those named in ``updated`` may have new content) and, with ``loadable``, loads; no
    temporary file is left."""
    root = os.fspath(root)
    for rel, digest in before.items():
        path = os.path.join(root, rel)
        assert os.path.isfile(path), f"{rel} disappeared"
        if rel not in updated:
            assert _digest(path) == digest, f"{rel} changed"
        if loadable:
            load_any(path)
    assert not temporary_files(root), temporary_files(root)


class Disk:
    """A disk with ``free`` bytes left, for the files the atomic writers open (``os.fdopen``)."""

    def __init__(self, monkeypatch, free):
        self.free = free
        self.read_only_dirs = []
        self._monkeypatch = monkeypatch

    def install(self):
        real_fdopen = os.fdopen
        real_mkstemp = tempfile.mkstemp
        disk = self

        class FillingFile:
            def __init__(self, f):
                self._f = f

            def write(self, data):
                size = len(data.encode() if isinstance(data, str) else data)
                if size > disk.free:
                    self._f.write(data[:disk.free])  # a torn write, as a real full disk leaves it
                    disk.free = 0
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                disk.free -= size
                return self._f.write(data)

            def __getattr__(self, name):
                return getattr(self._f, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self._f.close()

        def fdopen(fd, *args, **kwargs):
            return FillingFile(real_fdopen(fd, *args, **kwargs))

        def mkstemp(*args, dir=None, **kwargs):
            folder = os.path.abspath(dir or tempfile.gettempdir())
            if any(folder == d or folder.startswith(d + os.sep) for d in disk.read_only_dirs):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.path.join(folder, "tmp"))
            return real_mkstemp(*args, dir=dir, **kwargs)

        self._monkeypatch.setattr(os, "fdopen", fdopen)
        self._monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
        return self

    def read_only(self, folder):
        """New files in ``folder`` (and below) fail with EACCES."""
        self.read_only_dirs.append(os.path.abspath(os.fspath(folder)))
        return self


class StepCounter:
    """Counts calls of a network's ``train_step`` (to show that an error came before any)."""

    def __init__(self, net):
        self.calls = 0
        original = net.train_step

        def train_step(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        net.train_step = train_step


def loader(images, labels=None, batch_size=4):
    """A DataLoader over ``images`` (and ``labels``, default zeros)."""
    if labels is None:
        labels = torch.zeros(images.shape[0], dtype=torch.long)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=batch_size,
                                       shuffle=False)


def real_images(n=8, res=32, channels=3):
    """Float images in [-1, 1]."""
    return torch.rand(n, channels, res, res, generator=torch.Generator().manual_seed(n)) * 2 - 1


def tiny_run(log_dir, dataloader=None, netD=None, netG=None, optD=None, optG=None, num_steps=2, **kwargs):
    """``(trainer, D steps counter, G steps counter)`` of a tiny SNGAN run (widths 8)."""
    torch.manual_seed(0)
    netG = netG if netG is not None else mmc.nets.sngan.SNGANGenerator32(ngf=8)
    netD = netD if netD is not None else mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    optD = optD if optD is not None else torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = optG if optG is not None else torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    dataloader = dataloader if dataloader is not None else loader(real_images())
    for name, value in (("print_steps", 1000), ("vis_steps", 1000), ("log_steps", 1000), ("save_steps", 2),
                        ("seed", 1)):
        kwargs.setdefault(name, value)
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=dataloader,
                                   num_steps=num_steps, log_dir=os.fspath(log_dir), **kwargs)
    return trainer, StepCounter(netD), StepCounter(netG)
