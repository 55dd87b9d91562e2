"""CPU throughput of the Inception network: torch_mimicry's torch backend vs torch-fidelity.

Pure speed comparison: both networks load the same ``.pth`` (pytorch-fid key layout). Weight
values do not change the speed, so by default a file with random weights is generated with
the test helper; nothing printed here is a metric score.

Usage::

    python benchmarks/bench_inception.py [--weights FILE.pth] [--threads 2] [--images 100]
        [--size 32] [--batch 50] [--rounds 3] [--fidelity-path DIR]

torch-fidelity is optional (``pip install torch-fidelity==0.4.0``, or ``--fidelity-path`` to a
folder it was installed into with ``pip install --no-deps --target``); without it only our
figure is printed. Runs alternate between the two implementations to even out drift.
"""
import argparse
import os
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "metrics"))


def _fidelity_model(path, fidelity_path):
    if fidelity_path:
        sys.path.insert(0, fidelity_path)
    try:
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    except ImportError:
        return None
    import torch_fidelity
    model = FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"],
                                        feature_extractor_weights_path=path)
    model.version = getattr(torch_fidelity, "__version__", "?")
    return model


def _time(fn, images, batch):
    start = time.perf_counter()
    outs = []
    with torch.inference_mode():
        for i in range(0, images.shape[0], batch):
            outs.append(fn(images[i:i + batch]))
    return time.perf_counter() - start, outs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", help="a .pth in the pytorch-fid layout (default: random weights)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--size", type=int, default=32, help="input height/width (resized to 299 by both)")
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--fidelity-path", help="folder holding the torch_fidelity package")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    from torch_mimicry.metrics.inception import get_inception_model
    from torch_mimicry.metrics.inception.features import _exact_float32

    tmp = None
    path = args.weights
    if path is None:
        import inception_fixtures
        tmp = tempfile.TemporaryDirectory()
        path = os.path.join(tmp.name, "random.pth")
        torch.save(inception_fixtures.arrays_to_pth_state_dict(inception_fixtures.build_graphdef(0)[1]), path)
        print("weights: random (speed only; no score is computed)")
    ours = get_inception_model(path, "cpu", torch.float32)
    theirs = _fidelity_model(path, args.fidelity_path)
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (args.images, 3, args.size, args.size), dtype=torch.uint8, generator=gen)
    print("torch %s, %d threads, %d images of %dx%d, batch %d" % (torch.__version__, torch.get_num_threads(),
                                                                  args.images, args.size, args.size, args.batch))

    with _exact_float32():
        _time(ours, images[:2], 2)  # warm-up
        if theirs is not None:
            _time(theirs, images[:2], 2)
        rates = {"torch_mimicry": [], "torch-fidelity": []}
        for r in range(args.rounds):
            t, ours_out = _time(ours, images, args.batch)
            rates["torch_mimicry"].append(args.images / t)
            if theirs is not None:
                t, theirs_out = _time(theirs, images, args.batch)
                rates["torch-fidelity"].append(args.images / t)
            print("round %d: " % r + ", ".join("%s %.2f img/s" % (k, v[-1]) for k, v in rates.items() if v))

    best = {k: max(v) for k, v in rates.items() if v}
    print("best: " + ", ".join("%s %.2f img/s" % kv for kv in best.items()))
    if theirs is not None:
        a = torch.cat([o[0] for o in ours_out])
        b = torch.cat([o[0] for o in theirs_out]).to(a.dtype)
        print("torch-fidelity %s; pool3 max relative difference %.2e (same weights)"
              % (theirs.version, float((a - b).abs().max() / b.abs().max())))
        print("speed ratio torch_mimicry / torch-fidelity: %.2fx" % (best["torch_mimicry"] / best["torch-fidelity"]))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
