"""Runs in a fresh virtual environment where only the built wheel (and its dependencies) is
installed, from a folder outside the checkout: import, a two-step training run on the embedded
``synthetic`` dataset, resuming it to a third step, restoring a checkpoint into a new network,
and ``evaluate`` with stand-in Inception weights made here (random weights in the pytorch-fid
layout, built with torchvision's Inception v3; the score only shows that the pipeline runs).

Usage (``tests/packaging/wheel_check.py`` does this): ``<venv>/bin/python -I installed_smoke.py``.
"""
import json
import math
import os
import sys
import tempfile
import time
import warnings


def main():
    start = time.time()
    import torch
    import torchvision

    import torch_mimicry as mmc

    here = os.path.dirname(os.path.abspath(mmc.__file__))
    assert os.sep + "site-packages" + os.sep in here, f"torch_mimicry imported from {here}, not an installed wheel"
    assert os.path.isfile(os.path.join(here, "py.typed")), "the wheel lacks the py.typed marker"
    assert "tensorflow" not in sys.modules, "importing torch_mimicry imported TensorFlow"
    print(f"import: torch_mimicry {mmc.__version__} from {here} (torch {torch.__version__})")

    work = tempfile.mkdtemp(prefix="smoke_", dir=os.getcwd())  # wheel_check.py runs it in its own temporary folder
    os.environ["MIMICRY_HOME"] = os.path.join(work, "home")  # no cache outside this folder
    os.environ["MIMICRY_OFFLINE"] = "1"  # never download
    log_dir = os.path.join(work, "log")
    torch.manual_seed(0)

    def trainer(num_steps):
        dataset = mmc.datasets.load_dataset(root=None, name="synthetic", size=64)
        loader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=True)
        netG = mmc.nets.sngan.SNGANGenerator32(ngf=16)
        netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=16)
        optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
        optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
        return mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=loader,
                                    num_steps=num_steps, n_dis=1, log_dir=log_dir, device="cpu"), netG

    t, _ = trainer(2)
    t.train()
    ckpt = os.path.join(log_dir, "checkpoints", "netG", "netG_2_steps.pth")
    assert os.path.isfile(ckpt), f"no checkpoint at {ckpt}"
    with open(os.path.join(log_dir, "params.json")) as f:
        assert json.load(f)["num_steps"] == 2
    t, netG_trained = trainer(3)  # resumes at step 2
    t.train()
    print(f"train: 2 steps, resumed to 3, checkpoints in {os.path.dirname(ckpt)}")

    netG = mmc.nets.sngan.SNGANGenerator32(ngf=16)
    step = netG.restore_checkpoint(os.path.join(log_dir, "checkpoints", "netG", "netG_3_steps.pth"))
    assert step == 3, step
    for (name, a), b in zip(netG.state_dict().items(), netG_trained.state_dict().values()):
        assert torch.equal(a, b), f"restored {name} differs from the trained network's"
    print("restore: netG_3_steps.pth equals the trained generator")

    stand_in = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False, num_classes=1008)
    for module in stand_in.modules():  # batch-norm statistics of one random batch: features of order 1
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None
    with torch.no_grad():
        stand_in.train()(torch.rand(2, 3, 299, 299) * 2 - 1)
    weights = os.path.join(work, "stand_in_inception.pth")
    torch.save(stand_in.state_dict(), weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # FID from 4 samples is biased; expected here
        scores = mmc.metrics.evaluate(metric="fid", netG=netG, log_dir=log_dir, evaluate_step=3, num_runs=1,
                                      num_real_samples=4, num_fake_samples=4, dataset="synthetic",
                                      weights=weights, batch_size=4, device="cpu")
    assert list(scores) == [3] and len(scores[3]) == 1 and math.isfinite(scores[3][0]), scores
    with open(os.path.join(log_dir, "metrics", "fid.json")) as f:
        record = json.load(f)["records"][0]
    assert record["step"] == 3 and record["library_version"] == mmc.__version__, record
    print(f"evaluate: FID recorded in {os.path.join(log_dir, 'metrics', 'fid.json')} "
          "(stand-in random Inception weights: not a real score)")
    print(f"installed wheel OK in {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
