"""Trains the digit classifier of ``torch_mimicry.metrics.digits`` and writes its weights.

    python tools/train_digit_classifier.py                       # check: retrain, compare with the shipped file
    python tools/train_digit_classifier.py --output new.pth      # write the weights elsewhere

From seed 0, on the CPU with one thread: the ``train`` split of ``digits`` (1,438 images,
``load_dataset(None, 'digits', split='train')``), 20 epochs of Adam (lr 1e-3, batch 64,
cross-entropy), each image shifted by a random translation of -2..2 pixels in x and y (borders
filled with -1, the background) drawn from one ``torch.Generator`` seeded with the seed, batches
in an order drawn from the same generator. Prints the held-out accuracy on the ``test`` split
(359 images), the training time and the SHA-256 of the file, and whether it equals the shipped
file (``DIGIT_CLASSIFIER_SHA256``): the shipped weights are what this script writes.
"""
import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch_mimicry as mmc  # noqa: E402
from torch_mimicry.metrics import digits as dm  # noqa: E402


def split_tensors(split):
    """``(images float32 [N, 3, 32, 32] in [-1, 1], labels int64 [N])`` of a ``digits`` split."""
    ds = mmc.datasets.load_dataset(None, "digits", split=split)
    images = torch.stack([ds[i][0] for i in range(len(ds))])
    labels = torch.tensor([ds[i][1] for i in range(len(ds))], dtype=torch.int64)
    return images, labels


def translate(x, gen, max_shift=2):
    """Each image of ``x`` [N, C, H, W] shifted by its own random (dy, dx) in [-max_shift, max_shift]."""
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4, value=-1.0)
    shifts = torch.randint(0, 2 * max_shift + 1, (n, 2), generator=gen)
    return torch.stack([padded[i, :, dy:dy + h, dx:dx + w] for i, (dy, dx) in enumerate(shifts.tolist())])


def accuracy(net, images, labels):
    with torch.no_grad():
        return float((net(images).argmax(dim=1) == labels).double().mean())


def train(seed=0, epochs=20, batch_size=64, lr=1e-3):
    """The trained :class:`DigitClassifier` (eval mode) and the training time in seconds."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    images, labels = split_tensors("train")
    torch.manual_seed(seed)
    net = dm.DigitClassifier()
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    start = time.perf_counter()
    for _ in range(epochs):
        net.train()
        order = torch.randperm(images.shape[0], generator=gen)
        for b in range(0, len(order), batch_size):
            idx = order[b:b + batch_size]
            loss = F.cross_entropy(net(translate(images[idx], gen)), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    net.eval()
    return net, time.perf_counter() - start


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=None, help="where to write the weights (default: a temporary file, "
                                                       "compared with the shipped one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    net, seconds = train(seed=args.seed, epochs=args.epochs)
    test_images, test_labels = split_tensors("test")
    acc = accuracy(net, test_images, test_labels)
    with tempfile.TemporaryDirectory() as tmp:
        # torch.save names the archive's folder after the file, so the bytes depend on the name.
        path = os.path.join(tmp, os.path.basename(dm.DIGIT_CLASSIFIER_FILE))
        torch.save(net.state_dict(), path)
        digest = sha256(path)
        if args.output:
            os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
            shutil.copyfile(path, args.output)
    params = sum(p.numel() for p in net.parameters())
    print(f"DigitClassifier: {params} parameters; trained in {seconds:.1f} s (1 thread, seed {args.seed}, "
          f"{args.epochs} epochs)")
    print(f"held-out accuracy (digits test split, {len(test_labels)} images): {acc:.4f} "
          f"({round(acc * len(test_labels))}/{len(test_labels)})")
    print(f"sha256: {digest}")
    print("equals the shipped weights" if digest == dm.DIGIT_CLASSIFIER_SHA256 else
          f"differs from the shipped weights ({dm.DIGIT_CLASSIFIER_SHA256})")
    return acc, digest


if __name__ == "__main__":
    main()
