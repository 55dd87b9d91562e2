"""Mixed precision, the EMA generator, evaluation during training and compile, through the Trainer."""
import json
import os
import sys
import warnings

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.training import checkpoints as layout
from torch_mimicry.training import precision as precision_module
from torch_mimicry.training.components import TrainerComponent

sys.path.insert(0, os.path.dirname(__file__))
from run_training import build  # noqa: E402


def _same(a, b):
    for (key, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), key


# ---------------------------------------------------------------------------------------------
# Mixed precision
def test_amp_true_as_in_0_1_16_means_bfloat16_on_the_cpu_and_resumes_exactly(tmp_path):
    straight, _, t = build(str(tmp_path / "a"), num_steps=4, amp=True, lr_decay=None)
    t.train()
    params = json.load(open(tmp_path / "a" / "params.json"))
    assert params["precision"] == {"amp": True, "dtype": "bfloat16"}
    build(str(tmp_path / "b"), num_steps=2, amp="bf16", lr_decay=None)[2].train()
    resumed, _, t = build(str(tmp_path / "b"), num_steps=4, amp="bf16", lr_decay=None)
    t.train()
    _same(straight, resumed)
    fp32, _, t = build(str(tmp_path / "c"), num_steps=4, lr_decay=None)
    t.train()
    diff = (fp32.l1.weight - straight.l1.weight).abs().max()
    assert 0 < diff < 1e-2  # bf16 forward passes: close to fp32, not equal


def test_bf16_autocast_reaches_a_users_own_train_step(tmp_path):
    dtypes = []

    class Probe(mmc.nets.sngan.SNGANDiscriminator32):
        def forward(self, x):
            out = super().forward(x)
            dtypes.append(out.dtype)
            return out

    netG, netD = mmc.nets.sngan.SNGANGenerator32(ngf=8), Probe(ndf=8)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.zeros(8, dtype=torch.long))
    trainer = mmc.training.Trainer(netD, netG, torch.optim.Adam(netD.parameters()), torch.optim.Adam(netG.parameters()),
                                   torch.utils.data.DataLoader(data, batch_size=4), num_steps=1,
                                   log_dir=str(tmp_path), amp="bf16", vis_steps=100)
    trainer.train()
    assert dtypes and set(dtypes) == {torch.bfloat16}
    assert all(p.dtype == torch.float32 for p in netD.parameters())  # weights stay float32


def test_amp_may_change_on_resume_and_bad_values_are_refused(tmp_path):
    build(str(tmp_path), num_steps=2)[2].train()
    _, _, t = build(str(tmp_path), num_steps=3, amp="bf16")
    assert t.train() == 3
    with pytest.raises(ValueError, match="amp must be one of False, True, 'fp16' or 'bf16'"):
        build(str(tmp_path / "x"), num_steps=1, amp="half-ish")


def test_fp16_scaler_reaches_train_step_and_is_checkpointed(tmp_path):
    seen = []

    class Recording(mmc.nets.sngan.SNGANGenerator32):
        def train_step(self, *args, scaler=None, **kwargs):
            seen.append(scaler)
            return super().train_step(*args, scaler=scaler, **kwargs)

    torch.manual_seed(0)
    netG, netD = Recording(ngf=8), mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.zeros(8, dtype=torch.long))
    trainer = mmc.training.Trainer(netD, netG, torch.optim.Adam(netD.parameters()), torch.optim.Adam(netG.parameters()),
                                   torch.utils.data.DataLoader(data, batch_size=4), num_steps=2, save_steps=2,
                                   log_dir=str(tmp_path), amp="fp16", vis_steps=100)
    trainer.train()
    assert len(seen) == 2 and isinstance(seen[0], torch.amp.GradScaler) and seen[0] is seen[1]
    state = torch.load(layout.checkpoint_path(str(tmp_path), "trainer", 2), weights_only=True)
    scalers = state["components"]["precision"]["scalers"]
    assert set(scalers) == {"D", "G"} and scalers["G"]["scale"] > 0


class _Overflowing(mmc.nets.sngan.SNGANDiscriminator32):
    """Logits beyond the float range: the loss is infinite (in float16 and float32 alike)."""

    def forward(self, x):
        return super().forward(x) * 1e30 * 1e30


def _fp16_overflow_trainer(tmp_path, amp):
    torch.manual_seed(0)
    netG, netD = mmc.nets.sngan.SNGANGenerator32(ngf=8), _Overflowing(ndf=8)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.zeros(8, dtype=torch.long))
    return mmc.training.Trainer(netD, netG, torch.optim.Adam(netD.parameters()), torch.optim.Adam(netG.parameters()),
                                torch.utils.data.DataLoader(data, batch_size=4), num_steps=10, save_steps=2,
                                log_dir=str(tmp_path), amp=amp, vis_steps=100)


def test_fp16_overflow_steps_are_skipped_not_fatal_until_too_many_in_a_row(tmp_path, monkeypatch):
    monkeypatch.setattr(precision_module, "MAX_CONSECUTIVE_SKIPS", 3)
    trainer = _fp16_overflow_trainer(tmp_path / "fp16", "fp16")
    with pytest.raises(FloatingPointError, match="overflowed in 3 iterations in a row"):
        trainer.train()
    assert layout.candidate_steps(str(tmp_path / "fp16"))[0] == [2]  # steps 1 and 2 were skipped, not fatal
    with pytest.raises(FloatingPointError, match="Non-finite errD in the discriminator step of global step 1"):
        _fp16_overflow_trainer(tmp_path / "fp32", False).train()


def test_a_train_step_that_ignores_the_scaler_gets_a_warning(tmp_path):
    class Plain(mmc.nets.sngan.SNGANGenerator32):
        def train_step(self, real_batch, netD, optG, log_data, device=None, global_step=None, **kwargs):
            self.zero_grad()
            loss = -netD(self.generate_images(real_batch[0].shape[0], device)).mean()
            loss.backward()
            optG.step()
            log_data.add_metric("errG", loss.detach())
            return log_data

    netG, netD = Plain(ngf=8), mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.zeros(8, dtype=torch.long))
    trainer = mmc.training.Trainer(netD, netG, torch.optim.Adam(netD.parameters()), torch.optim.Adam(netG.parameters()),
                                   torch.utils.data.DataLoader(data, batch_size=4), num_steps=2,
                                   log_dir=str(tmp_path), amp="fp16", vis_steps=100)
    with pytest.warns(UserWarning, match="Plain.train_step does not step its optimizer through the `scaler`"):
        trainer.train()


# ---------------------------------------------------------------------------------------------
# EMA generator
class _RecordG(TrainerComponent):
    name = "record"

    def __init__(self):
        self.weights = []

    def setup(self, trainer):
        self.initial = [p.detach().clone() for p in trainer.netG.parameters()]

    def after_step(self, trainer, phase, log_data):
        if phase == "G":
            self.weights.append([p.detach().clone() for p in trainer.netG.parameters()])


@pytest.mark.parametrize("start", [0, 2])
def test_ema_equals_the_closed_form_over_the_recorded_weights(tmp_path, start):
    rec = _RecordG()
    decay = 0.8
    netG, _, t = build(str(tmp_path), num_steps=5, ema_decay=decay, ema_start=start, components=[rec])
    t.train()
    expected = [w.clone() for w in rec.initial]  # the average starts from the initial generator
    for step, weights in enumerate(rec.weights, start=1):
        for e, w in zip(expected, weights):
            e.copy_(w if step <= start else decay * e + (1 - decay) * w)
    for e, p in zip(expected, t.netG_ema.parameters()):
        torch.testing.assert_close(p, e, rtol=1e-6, atol=1e-7)
    for b_ema, b in zip(t.netG_ema.buffers(), netG.buffers()):  # buffers are copied
        assert torch.equal(b_ema, b)
    assert not torch.equal(t.netG_ema.l1.weight, netG.l1.weight)
    assert os.path.isfile(layout.checkpoint_path(str(tmp_path), "netG_ema", 5))


def test_ema_resumes_exactly_and_may_not_change_on_resume(tmp_path):
    _, _, straight = build(str(tmp_path / "a"), num_steps=4, ema_decay=0.9, lr_decay=None)
    straight.train()
    build(str(tmp_path / "b"), num_steps=2, ema_decay=0.9, lr_decay=None)[2].train()
    _, _, resumed = build(str(tmp_path / "b"), num_steps=4, ema_decay=0.9, lr_decay=None)
    resumed.train()
    _same(straight.netG_ema, resumed.netG_ema)
    with pytest.raises(ValueError, match="'ema.decay' was 0.9 in the saved run and is 0.5 now"):
        build(str(tmp_path / "b"), num_steps=6, ema_decay=0.5, lr_decay=None)
    with pytest.raises(ValueError, match="ema_decay must be None"):
        build(str(tmp_path / "c"), num_steps=6, ema_decay=1.5)


def test_components_used_before_setup_say_so():
    from torch_mimicry.training.ema import EMAGenerator
    from torch_mimicry.training.evaluator import PeriodicEvaluator
    with pytest.raises(RuntimeError, match=r"EMAGenerator.setup\(trainer\), which has not run"):
        EMAGenerator(0.9).update(torch.nn.Linear(2, 2), step=1)
    with pytest.raises(RuntimeError, match=r"PeriodicEvaluator.setup\(trainer\), which has not run"):
        PeriodicEvaluator(5).protocol(None)


def test_sharding_needs_a_dataloader():
    from torch_mimicry.training.data import shard_dataloader
    batches = [(torch.zeros(2, 3, 4, 4), torch.zeros(2, dtype=torch.long))]
    with pytest.raises(ValueError, match="shards a torch.utils.data.DataLoader, got list"):
        shard_dataloader(batches, rank=0, world_size=2)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(8.0)), batch_size=2)
    shard = shard_dataloader(loader, rank=1, world_size=2)
    assert [b[0].tolist() for b in shard] == [[1.0, 3.0], [5.0, 7.0]]


def test_missing_ema_file_makes_the_step_incomplete(tmp_path):
    build(str(tmp_path), num_steps=4, save_steps=2, ema_decay=0.9)[2].train()
    os.remove(layout.checkpoint_path(str(tmp_path), "netG_ema", 4))
    _, _, t = build(str(tmp_path), num_steps=4, save_steps=2, ema_decay=0.9)
    assert t.train() == 4
    assert layout.candidate_steps(str(tmp_path), ("netG_ema",))[0] == [4, 2]  # step 4 trained again


# ---------------------------------------------------------------------------------------------
# Evaluation during training (stand-in features, scripted scores)
@pytest.fixture
def scripted_scores(monkeypatch):
    from torch_mimicry.metrics import evaluation
    scores = {}
    calls = []

    def fake_init(self, metric, kwargs):
        self.metric, self.kwargs = metric, kwargs

    def fake_score(self, netG, seed, device):
        calls.append((len(calls), netG))
        return scores[len(calls)], None

    monkeypatch.setattr(evaluation._Job, "__init__", fake_init)
    monkeypatch.setattr(evaluation._Job, "protocol", lambda self: {"metric": self.metric, "n": 1})
    monkeypatch.setattr(evaluation._Job, "score", fake_score)
    return scores, calls


def test_scores_at_the_right_steps_best_checkpoint_and_resume_keeps_it(tmp_path, scripted_scores):
    scores, calls = scripted_scores
    scores.update({1: 5.0, 2: 3.0, 3: 4.0, 4: 3.5})
    log_dir = str(tmp_path)
    _, _, t = build(log_dir, num_steps=4, eval_every=2, ema_decay=0.9, save_steps=4)
    t.train()
    assert [c[1] is t.netG_ema for c in calls] == [True, True]  # the EMA generator is scored
    best = json.load(open(os.path.join(log_dir, "checkpoints", "best", "best.json")))
    assert (best["step"], best["score"], best["generator"]) == (4, 3.0, "ema")
    assert sorted(os.listdir(os.path.join(log_dir, "checkpoints", "best"))) == \
        ["best.json", "netD_4_steps.pth", "netG_4_steps.pth", "netG_ema_4_steps.pth"]
    records = json.load(open(os.path.join(log_dir, "metrics", "fid.json")))["records"]
    assert [(r["step"], r["mean"], r["protocol"]["generator"]) for r in records] == [(2, 5.0, "ema"), (4, 3.0, "ema")]
    _, _, t = build(log_dir, num_steps=8, eval_every=2, ema_decay=0.9, save_steps=4)
    t.train()
    best = json.load(open(os.path.join(log_dir, "checkpoints", "best", "best.json")))
    assert (best["step"], best["score"]) == (4, 3.0)  # 4.0 and 3.5 at steps 6, 8 are worse
    restored = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    assert restored.restore_checkpoint(os.path.join(log_dir, "checkpoints", "best", "netG_ema_4_steps.pth")) == 4
    assert [(h["step"], h["score"]) for h in t.evaluator.history] == [(2, 5.0), (4, 3.0), (6, 4.0), (8, 3.5)]


def test_missing_inception_weights_are_reported_before_training(tmp_path, monkeypatch):
    monkeypatch.setenv("MIMICRY_OFFLINE", "1")
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MIMICRY_INCEPTION_WEIGHTS", raising=False)
    _, netD, t = build(str(tmp_path / "log"), num_steps=3, eval_every=1, eval_kwargs={"num_samples": 10})
    steps = []
    original = netD.train_step
    netD.train_step = lambda *a, **k: steps.append(1) or original(*a, **k)
    with pytest.raises(FileNotFoundError, match="Inception"):
        t.train()
    assert steps == [] and not os.path.isdir(tmp_path / "log" / "checkpoints")


def test_bad_evaluation_arguments_are_refused_at_construction(tmp_path):
    with pytest.raises(ValueError, match="eval_every must be a positive int"):
        build(str(tmp_path), num_steps=1, eval_every=0)
    with pytest.raises(ValueError, match="Unknown eval_metric 'fidd'"):
        build(str(tmp_path), num_steps=1, eval_every=1, eval_metric="fidd")


def test_evaluate_scores_the_ema_checkpoints_by_default_and_records_it(tmp_path, monkeypatch):
    from torch_mimicry.metrics import evaluation, features
    monkeypatch.setattr(features, "weights_hash", lambda weights=None: "0" * 64)
    monkeypatch.setattr(features, "extract", lambda batches, **kw: (
        torch.cat([b.double().flatten(1)[:, :4] for b in batches]), torch.zeros(0, 1008, dtype=torch.float64)))
    log_dir = str(tmp_path)
    netG, _, t = build(log_dir, num_steps=2, save_steps=2, ema_decay=0.5)
    t.train()
    restored = []
    real = torch.utils.data.TensorDataset(torch.rand(20, 3, 32, 32) * 2 - 1, torch.zeros(20, dtype=torch.long))
    original = netG.restore_checkpoint
    netG.restore_checkpoint = lambda path, optimizer=None: restored.append(os.path.basename(path)) or original(path)
    kwargs = dict(metric="fid", netG=netG, log_dir=log_dir, num_samples=10, dataset=real, dataset_key="r",
                  num_runs=1, cache_dir=str(tmp_path / "cache"), verbose=False)
    evaluation.evaluate(**kwargs)
    evaluation.evaluate(use_ema=False, **kwargs)
    assert restored == ["netG_ema_2_steps.pth", "netG_2_steps.pth"]
    records = json.load(open(os.path.join(log_dir, "metrics", "fid.json")))["records"]
    assert sorted(r["protocol"].get("generator", "raw") for r in records) == ["ema", "raw"]
    with pytest.raises(FileNotFoundError, match="use_ema=True but"):
        evaluation.evaluate(use_ema=True, **dict(kwargs, log_dir=str(tmp_path / "none")))


# ---------------------------------------------------------------------------------------------
# compile
def test_compile_runs_the_networks_compiled_and_keeps_checkpoint_keys(tmp_path):
    from torch_mimicry.training.compilation import CompiledForward
    netG, netD, t = build(str(tmp_path), num_steps=2, save_steps=2, compile={"backend": "eager"})
    t.train()
    assert isinstance(netD.__dict__.get("forward"), CompiledForward) and t.compilation.status == {
        "netD": "compiled", "netG": "compiled"}
    ckpt = torch.load(layout.checkpoint_path(str(tmp_path), "netG", 2), weights_only=True)
    assert set(ckpt["model_state_dict"]) == set(mmc.nets.sngan.SNGANGenerator32(ngf=8).state_dict())


def test_compile_falls_back_with_a_message_where_unsupported(tmp_path, monkeypatch):
    import torch._dynamo
    monkeypatch.setattr(torch._dynamo, "is_dynamo_supported", lambda: False)
    netG, netD, t = build(str(tmp_path), num_steps=1, compile=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert t.train() == 1
    assert any("torch.compile is not supported" in str(w.message) for w in caught)
    assert "forward" not in netD.__dict__ and t.params["compile_status"]["netD"].startswith("eager")


# ---------------------------------------------------------------------------------------------
# progress display
def test_progress_bar_replaces_the_console_lines_and_log_keeps_them(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MIMICRY_PROGRESS", "1")  # a bar even without a terminal
    build(str(tmp_path / "bar"), num_steps=2, progress="bar")[2].train()
    captured = capsys.readouterr()
    assert "[Global Step:" not in captured.out and "training" in captured.err and "2/2" in captured.err
    build(str(tmp_path / "log"), num_steps=2)[2].train()
    assert "[Global Step: 2/2]" in capsys.readouterr().out
    build(str(tmp_path / "bar"), num_steps=3, progress="log")[2].train()  # may change on resume
    with pytest.raises(ValueError, match="progress mode must be one of"):
        build(str(tmp_path / "x"), num_steps=1, progress="fancy")
