"""Every Trainer option, and the combinations users switch on together, on every family at a tiny
width, for two generator steps with the real default backends (inductor for compile=True): an
option that breaks on one family fails here.

The full matrix (every option on every family) runs with ``MIMICRY_FULL_MATRIX=1`` (``make
test-all``). ``make test`` runs a slice: every option and combination on one family, and one
option on each other family, chosen by a seed printed in the output (``MIMICRY_MATRIX_SEED``;
by default the day's number, so a rerun on the same day repeats the slice)."""
import datetime
import os
import random
import sys
import warnings

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.augment import ProgressiveAugmentation
from torch_mimicry.training.compilation import CompiledForward
from torch_mimicry.utils.run_layout import RunLayout

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "nets"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "metrics"))
from family_suite import FAMILIES  # noqa: E402
from inception_fixtures import fixture_files  # noqa: E402


def _never_improves(trainer):
    return 1.0


def _eval(ctx):
    return dict(eval_every=1, eval_metric="kid",
                eval_kwargs={"num_samples": 8, "num_subsets": 2, "weights": ctx["weights"], "batch_size": 8})


#: option name -> Trainer keywords (a function of the test context: stand-in Inception weights).
OPTIONS = {
    "n_dis": lambda ctx: dict(n_dis=2),
    "lr_decay": lambda ctx: dict(lr_decay="linear"),
    "seed": lambda ctx: dict(seed=3),
    "keep_last": lambda ctx: dict(keep_last=1, save_steps=1),
    "amp_bf16": lambda ctx: dict(amp="bf16"),
    "amp_true": lambda ctx: dict(amp=True),
    "ema": lambda ctx: dict(ema_decay=0.9, ema_start=1),
    "diffaugment": lambda ctx: dict(augment="diffaugment"),
    "ada": lambda ctx: dict(augment="ada"),
    "pagan": lambda ctx: dict(augment=ProgressiveAugmentation(level=1, criterion=_never_improves)),
    "lecam": lambda ctx: dict(lecam=0.3),
    "channels_last": lambda ctx: dict(channels_last=True),
    "channels_first": lambda ctx: dict(channels_last=False),
    "progress_bar": lambda ctx: dict(progress="bar"),
    "eval": _eval,
    "compile": lambda ctx: dict(compile=True),
    "resume": lambda ctx: dict(),  # trains 1 step, then a new Trainer resumes to 2
    # combinations users run together
    "bf16+augment+ema": lambda ctx: dict(amp="bf16", augment="diffaugment", ema_decay=0.9),
    "compile+bf16": lambda ctx: dict(compile=True, amp="bf16"),
    "eval+ema": lambda ctx: dict(ema_decay=0.9, **_eval(ctx)),
    "ada+lecam+n_dis": lambda ctx: dict(augment="ada", lecam=0.3, n_dis=2),
}
#: Options that compile (long on a CPU: inductor builds C++ kernels).
COMPILING = {"compile", "compile+bf16"}


def _cases():
    families = sorted(FAMILIES)
    if os.environ.get("MIMICRY_FULL_MATRIX") == "1":
        return [(f, o) for f in families for o in OPTIONS], "full matrix"
    seed = int(os.environ.get("MIMICRY_MATRIX_SEED", datetime.date.today().toordinal()))
    rng = random.Random(seed)
    full_family = rng.choice(families)
    cases = [(full_family, o) for o in OPTIONS]
    cheap = [o for o in OPTIONS if o not in COMPILING]
    cases += [(f, rng.choice(cheap)) for f in families if f != full_family]
    return cases, f"MIMICRY_MATRIX_SEED={seed}: every option on {full_family}, one option on each other family"


CASES, SLICE = _cases()
print(f"\n[option matrix] {SLICE}", flush=True)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    return {"weights": fixture_files(tmp_path_factory)["pth"]}


def _trainer(family, kwargs, log_dir, num_steps, netG=None, netD=None):
    fam = FAMILIES[family]
    if netG is None:
        netG, netD = fam.small(32)
    images, labels = fam.real_batch(32, 8)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=4, shuffle=True)
    kwargs = dict(kwargs)
    kwargs.setdefault("save_steps", 2)
    return mmc.training.Trainer(netD, netG, torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9)),
                                torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9)), loader,
                                num_steps=num_steps, log_dir=str(log_dir), vis_steps=100, log_steps=1,
                                print_steps=100, **kwargs)


@pytest.mark.parametrize("family, option", CASES, ids=[f"{f}-{o}" for f, o in CASES])
def test_option_trains_the_family(family, option, ctx, tmp_path):
    kwargs = OPTIONS[option](ctx)
    torch.manual_seed(0)
    if option == "resume":
        first = _trainer(family, kwargs, tmp_path, 1)
        assert first.train() == 1
        trainer = _trainer(family, kwargs, tmp_path, 2)
    else:
        trainer = _trainer(family, kwargs, tmp_path, 2)
    before_d = [p.detach().clone() for p in trainer.netD.parameters()]
    before_g = [p.detach().clone() for p in trainer.netG.parameters()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert trainer.train() == 2
    compile_fallbacks = [str(w.message) for w in caught if "compile=True" in str(w.message)]
    assert not compile_fallbacks, compile_fallbacks  # every family trains compiled
    assert any(not torch.equal(a, b) for a, b in zip(before_d, trainer.netD.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(before_g, trainer.netG.parameters()))
    layout = RunLayout(tmp_path)
    assert layout.complete_steps()[0][0] == 2
    # checkpoints keep the uncompiled networks' keys; the weights are finite
    fresh = type(trainer.netG)(**_kwargs_of(family, trainer.netG))
    ckpt = torch.load(layout.checkpoint_path("netG", 2), weights_only=True)
    assert set(ckpt["model_state_dict"]) == set(fresh.state_dict())
    assert all(torch.isfinite(v).all() for v in ckpt["model_state_dict"].values() if v.is_floating_point())
    params = trainer.params
    if "compile" in option:
        assert isinstance(trainer.netD.__dict__.get("forward"), CompiledForward)
        assert params["compile_status"] == {"netD": "compiled", "netG": "compiled"}
    if "ema" in option:
        assert layout.steps("netG_ema") == [2]
    if "eval" in option:
        assert os.path.isfile(layout.metric_records("kid"))
    if option in ("diffaugment", "ada", "pagan") or "augment" in option:
        assert "augment" in params


def _kwargs_of(family, netG):
    fam = FAMILIES[family]
    kwargs = dict(nz=netG.nz, **fam.g_widths(32))
    if fam.conditional:
        kwargs["num_classes"] = netG.num_classes
    return kwargs
