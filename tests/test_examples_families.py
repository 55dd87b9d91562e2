"""Runs every family's example script (and the SSGAN tutorial) for one training step at tiny widths
on the procedurally generated ``fake_data`` set, in-process."""
import importlib.util
import json
import os
import sys

import subprocess

import pytest
import torch

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")
FAMILIES = ("sngan", "dcgan", "wgan_gp", "cgan_pd", "ssgan", "infomax_gan", "sagan", "sndcgan", "r3gan")
COMMON_SETTINGS = FAMILIES[:8]  # the families trained with batch 64 for 100K steps
sys.path.insert(0, EXAMPLES)  # as when a script runs from examples/: its example_cli is importable


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name, tmp_path, extra=()):
    log_dir = tmp_path / "log"
    argv = ["--dataset", "fake_data", "--dataset_dir", str(tmp_path / "data"), "--log_dir", str(log_dir),
            "--num_steps", "1", "--batch_size", "4", "--n_dis", "1", "--ngf", "16", "--ndf", "16",
            "--num_workers", "0", "--device", "cpu", *extra]
    netG, netD = _load(name).main(argv)
    assert os.path.isfile(log_dir / "checkpoints" / "netG" / "netG_1_steps.pth")
    return netG, netD


@pytest.mark.parametrize("family", FAMILIES)
def test_family_example_runs_one_step(family, tmp_path):
    extra = ("--nrkhs", "16") if family == "infomax_gan" else ()
    netG, netD = _run(f"{family}_example", tmp_path, extra)
    assert netG.ngf == 16 and netD.ndf == 16


def test_family_examples_use_published_settings():
    hp = {family: _load(f"{family}_example").HPARAMS for family in COMMON_SETTINGS}
    assert hp["ssgan"]["n_dis"] == 2 and hp["wgan_gp"]["n_dis"] == 5 and hp["dcgan"]["betas"] == (0.5, 0.999)
    assert (hp["sagan"]["lr_D"], hp["sagan"]["lr_G"]) == (4e-4, 1e-4)
    assert all(h["batch_size"] == 64 and h["num_steps"] == 100000 for h in hp.values())


def test_ssgan_tutorial_runs_and_rotates_whole_quarters(tmp_path):
    tutorial = _load("ssgan_tutorial")
    images = torch.rand(6, 3, 8, 8)
    rotated, labels = tutorial.rotate_quarters(images)
    assert labels.tolist() == [0, 0, 1, 2, 2, 3]
    for i in range(6):
        assert torch.equal(rotated[i], torch.rot90(images[i], int(labels[i]), dims=(1, 2)))
    netG, netD = _run("ssgan_tutorial", tmp_path)
    logits, rot_logits = netD(netG.generate_images(2))
    assert logits.shape == (2, 1) and rot_logits.shape == (2, 4)


def test_examples_take_the_trainers_scale_options(tmp_path):
    _, _ = _run("sngan_example", tmp_path, ("--amp", "bf16", "--ema_decay", "0.99"))
    assert os.path.isfile(tmp_path / "log" / "checkpoints" / "netG_ema" / "netG_ema_1_steps.pth")


def test_ddp_example_under_torchrun_on_two_cpu_processes(tmp_path):
    repo = os.path.abspath(os.path.join(EXAMPLES, ".."))
    env = dict(os.environ, PYTHONPATH=repo + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           os.path.join(EXAMPLES, "ddp_example.py"), "--dataset", "synthetic", "--device", "cpu", "--num_steps", "2",
           "--batch_size", "4", "--n_dis", "1", "--ngf", "16", "--ndf", "16", "--num_workers", "0",
           "--log_dir", str(tmp_path / "log")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=repo)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    params = json.load(open(tmp_path / "log" / "params.json"))
    assert params["distributed"]["world_size"] == 2 and params["precision"]["dtype"] == "bfloat16"
    assert params["ema"]["decay"] == 0.9999
    assert os.path.isfile(tmp_path / "log" / "checkpoints" / "netG_ema" / "netG_ema_2_steps.pth")


def test_biggan_example_uses_the_reference_cifar_settings_and_takes_augment_and_lecam(tmp_path):
    hp = _load("biggan_example").HPARAMS
    assert (hp["batch_size"], hp["n_dis"], hp["betas"], hp["lr_D"], hp["lr_G"]) == (50, 4, (0.0, 0.999), 2e-4, 2e-4)
    assert (hp["ema_decay"], hp["ema_start"], hp["num_steps"]) == (0.9999, 1000, 125000)
    netG, netD = _run("biggan_example", tmp_path, ("--script_networks", "--augment", "diffaugment", "--lecam", "0.3"))
    assert netG.shared_dim == 0 and not netG.hierarchical and netD.attention_index is None
    params = json.load(open(tmp_path / "log" / "params.json"))
    assert params["augment"]["name"] == "diffaugment" and params["lecam"]["weight"] == 0.3
    assert params["ema"] == {"decay": 0.9999, "start": 1000} and params["optD"]["betas"] == [0.0, 0.999]
