import os

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.training import Logger, LRScheduler, MetricLog


def test_metric_log_keeps_values_unrounded():
    log = MetricLog()
    log.add_metric("errD", torch.tensor(0.123456789), group="loss", precision=3)
    log.add_metric("D(x)", 0.5)
    assert log.get_value("errD") == pytest.approx(0.123456789, rel=1e-6)
    assert dict(log.scalars())["errD"] == log.get_value("errD")
    assert log["errD"] == 0.123  # read rounded to its precision, as in torch-mimicry 0.1.16
    assert log.format("errD") == "0.123"
    assert list(log.keys()) == ["errD", "D(x)"]
    assert dict(log.items())["D(x)"] == {"value": 0.5, "group": None, "precision": 4}
    assert log.metrics_dict["errD"]["group"] == "loss"
    assert log.get_group_name("errD") == "loss" and log.get_group_name("D(x)") is None
    assert "errD" in log and len(log) == 2
    assert str(log) == "errD: 0.123, D(x): 0.5000"


def test_metric_log_errors_and_non_finite():
    log = MetricLog()
    with pytest.raises(ValueError, match="must be a scalar"):
        log.add_metric("x", torch.ones(2))
    with pytest.raises(ValueError, match="must be a number"):
        log.add_metric("x", "abc")
    with pytest.raises(KeyError, match="No metric 'y'"):
        log["y"]
    log.add_metric("a", float("nan"))
    log.add_metric("b", 1.0)
    log.add_metric("c", float("inf"))
    assert log.non_finite() == ["a", "c"]


def _optimizers(lr_d=2e-4, lr_g=1e-4):
    p, q = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    return torch.optim.Adam([p], lr_d), torch.optim.Adam([q], lr_g)


def test_linear_decay_reaches_zero_and_logs():
    optD, optG = _optimizers()
    sched = LRScheduler("linear", optD, optG, num_steps=10)
    log = sched.step(MetricLog(), 0)
    assert log.get_value("lr_D") == pytest.approx(2e-4) and log.get_value("lr_G") == pytest.approx(1e-4)
    sched.step(MetricLog(), 5)
    assert optD.param_groups[0]["lr"] == pytest.approx(1e-4)
    assert optG.param_groups[0]["lr"] == pytest.approx(5e-5)
    sched.step(MetricLog(), 10)
    assert optD.param_groups[0]["lr"] == 0.0
    # A new scheduler on the same optimizers starts from the initial rates, not the decayed ones.
    again = LRScheduler("linear", optD, optG, num_steps=20)
    again.step(MetricLog(), 0)
    assert optD.param_groups[0]["lr"] == pytest.approx(2e-4)


def test_constant_schedule_and_errors():
    optD, optG = _optimizers()
    sched = LRScheduler(None, optD, optG, num_steps=10)
    sched.step(MetricLog(), 9)
    assert optD.param_groups[0]["lr"] == pytest.approx(2e-4)
    with pytest.raises(ValueError, match="Unknown lr_decay"):
        LRScheduler("exp", optD, optG, num_steps=10)
    with pytest.raises(NotImplementedError):  # what torch-mimicry 0.1.16 raised
        LRScheduler("exp", optD, optG, num_steps=10)


def test_logger_console_and_images(tmp_path, capsys):
    logger = Logger(str(tmp_path), num_steps=100, dataset_size=10, n_dis=5)
    log = MetricLog()
    log.add_metric("errD", 1.23456, group="loss")
    text = logger.print_log(global_step=3, log_data=log, time_taken=0.5, steps_left=97)
    assert text.splitlines()[0] == "INFO: [Epoch 2/50][Global Step: 3/100] "  # 0.1.16 ends it with a space
    assert "| errD: 1.2346" in text and "(0.5000 sec/idx, ETA 0m48s)" in text
    assert capsys.readouterr().out.strip() == text

    netG = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    netG.train()
    rng = torch.get_rng_state()
    logger.vis_images(netG, global_step=3)
    assert torch.equal(rng, torch.get_rng_state())  # visualising does not change the training RNG
    assert netG.training
    assert os.path.isfile(tmp_path / "images" / "fake_samples_step_3.png")
    assert os.path.isfile(tmp_path / "images" / "fixed_fake_samples_step_3.png")
    noise = torch.load(tmp_path / "images" / "fixed_noise.pth", weights_only=True)
    assert noise.shape == (64, 128)
    assert torch.equal(logger.fixed_noise(netG), noise)  # the same batch at every step and on resume
    logger.write_summaries(log, 3)
    logger.close()

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(tmp_path / "data" / "loss_errD")).Reload()
    [event] = acc.Scalars("loss")
    assert event.step == 3 and event.value == pytest.approx(1.23456)
    images = EventAccumulator(str(tmp_path / "data"), size_guidance={"images": 0}).Reload().Tags()["images"]
    assert set(images) == {"fake_vis", "fixed_fake_vis"}
