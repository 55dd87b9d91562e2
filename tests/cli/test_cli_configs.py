"""examples/configs: one configuration per example, equal to its settings, each training one tiny step."""
import glob
import importlib.util
import json
import os
import sys

import pytest
import torch

from torch_mimicry.cli import main
from torch_mimicry.cli import config as cfg

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
EXAMPLES = os.path.join(ROOT, "examples")
CONFIGS = os.path.join(EXAMPLES, "configs")
FAMILIES = sorted(os.path.basename(p)[:-len("_example.py")] for p in glob.glob(os.path.join(EXAMPLES, "*_example.py")))
#: Every example script (example_cli.py is their shared code) and the name of its configuration.
ALL = sorted(FAMILIES + [os.path.basename(p)[:-3] for p in glob.glob(os.path.join(EXAMPLES, "*.py"))
                         if not p.endswith(("_example.py", "example_cli.py"))])
sys.path.insert(0, EXAMPLES)  # example_cli, as when a script runs from examples/


def _load_example(name):
    spec = importlib.util.spec_from_file_location(f"cli_example_{name}", os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _config(name):
    return cfg.load_config(os.path.join(CONFIGS, f"{name}.yaml"))


def test_every_example_has_a_config():
    assert len(FAMILIES) >= 8 and {"demo", "ssgan_tutorial"} <= set(ALL)
    shipped = {os.path.basename(p)[:-5] for p in glob.glob(os.path.join(CONFIGS, "*.yaml"))}
    assert set(ALL) <= shipped, sorted(set(ALL) - shipped)


@pytest.mark.parametrize("family", FAMILIES)
def test_family_config_has_the_example_settings(family, monkeypatch):
    module = _load_example(f"{family}_example")
    captured = {}

    def capture(args, hparams, netG, netD, **kwargs):  # the example's run, stopped before training
        captured.update(args=args, hparams=hparams, netG=netG, netD=netD)
        return netG, netD

    monkeypatch.setattr(module.example_cli, "train", capture)
    module.main([])
    args, hp = captured["args"], captured["hparams"]
    c = _config(family)
    module = type(captured["netG"]).__module__  # torch_mimicry.nets.<family>.<family>_32
    assert (c["family"], c["resolution"]) == (module.split(".")[2], 32)
    assert c["dataset"] == {"name": args.dataset, "root": args.dataset_dir}
    assert c["batch_size"] == hp["batch_size"] and c["num_workers"] == args.num_workers
    opt = c["optimizer"]
    assert (opt["type"], opt["lr_D"], opt["lr_G"], tuple(opt["betas"])) == ("Adam", hp["lr_D"], hp["lr_G"],
                                                                            hp["betas"])
    t = c["trainer"]
    assert (t["n_dis"], t["num_steps"], t["lr_decay"], t["log_dir"]) == (hp["n_dis"], hp["num_steps"],
                                                                          hp["lr_decay"], args.log_dir)
    for key in ("amp", "ema_decay", "ema_start"):  # the Trainer options an example sets
        if key in hp:
            value = {"true": True, "false": False}.get(str(hp[key]).lower(), hp[key])
            assert t[key] == value, key
    g_cls, d_cls = cfg.network_classes(c)
    assert g_cls is type(captured["netG"]) and d_cls is type(captured["netD"])
    for role, net in (("generator", captured["netG"]), ("discriminator", captured["netD"])):
        for key, value in c[role].items():
            assert getattr(net, key) == value, (role, key)
    assert c["generator"]["ngf"] == captured["netG"].ngf and c["discriminator"]["ndf"] == captured["netD"].ndf


def test_tutorial_config_names_the_tutorial_classes():
    tutorial = _load_example("ssgan_tutorial")
    args = tutorial.parse_args([])
    c = _config("ssgan_tutorial")
    g_cls, d_cls = cfg.network_classes(c)
    assert (g_cls.__name__, d_cls.__name__) == ("SSGANGenerator", "SSGANDiscriminator")
    assert (c["generator"]["ngf"], c["discriminator"]["ndf"]) == (args.ngf, args.ndf)
    assert (c["batch_size"], c["trainer"]["n_dis"], c["trainer"]["num_steps"]) == (args.batch_size, args.n_dis,
                                                                                    args.num_steps)
    assert "lr_decay" not in c["trainer"] and c["optimizer"]["lr_D"] == 2e-4


def test_quickstart_config_has_the_quickstart_settings():
    if "quickstart" not in ALL:
        pytest.skip("no examples/quickstart.py")
    import inspect
    quickstart = _load_example("quickstart")
    defaults = {k: p.default for k, p in inspect.signature(quickstart.main).parameters.items()}
    c = _config("quickstart")
    assert (c["generator"]["ngf"], c["discriminator"]["ndf"]) == (defaults["ngf"], defaults["ndf"])
    assert (c["trainer"]["num_steps"], c["trainer"]["log_dir"]) == (defaults["num_steps"], defaults["log_dir"])
    source = inspect.getsource(quickstart.main)
    for text in ('name="synthetic"', "batch_size=32", "n_dis=2", 'lr_decay="linear"', "2e-4, betas=(0.0, 0.9)"):
        assert text in source, text  # the settings the configuration copies
    assert (c["dataset"], c["batch_size"], c["trainer"]["n_dis"], c["trainer"]["lr_decay"]) == (
        "synthetic", 32, 2, "linear")


def _tiny(tmp_path, name):
    over = ["trainer.num_steps=1", "trainer.n_dis=1", "batch_size=4", "num_workers=0", "device=cpu",
            "generator.ngf=8", "discriminator.ndf=8", "dataset={name: synthetic, size: 16}"]
    if name == "infomax_gan":
        over.append("discriminator.nrkhs=8")
    argv = ["train", os.path.join(CONFIGS, f"{name}.yaml"), "--log-dir", str(tmp_path / "log")]
    for o in over:
        argv += ["--set", o]
    return argv


@pytest.mark.parametrize("name", ALL)
def test_each_config_trains_one_tiny_step(name, tmp_path, capsys):
    assert main(_tiny(tmp_path, name)) == 0
    log = tmp_path / "log"
    assert (log / "checkpoints" / "netG" / "netG_1_steps.pth").is_file()
    saved = json.load(open(log / "config.json"))
    assert saved["trainer"]["num_steps"] == 1 and saved["generator"]["ngf"] == 8
    params = json.load(open(log / "params.json"))
    assert params["netG"]["ngf"] == 8 and params["batch_size"] == 4


def test_demo_config_reproduces_the_demo_script(tmp_path, capsys):
    demo = _load_example("demo")
    demo.main(["--log_dir", str(tmp_path / "script"), "--num_steps", "2", "--ngf", "8", "--ndf", "8",
               "--batch_size", "4", "--device", "cpu"])
    assert main(["train", os.path.join(CONFIGS, "demo.yaml"), "--log-dir", str(tmp_path / "cli"),
                 "--set", "trainer.num_steps=2", "--set", "generator.ngf=8", "--set", "discriminator.ndf=8",
                 "--set", "batch_size=4", "--set", "device=cpu"]) == 0
    for net in ("netG", "netD"):
        a = torch.load(tmp_path / "script" / "checkpoints" / net / f"{net}_2_steps.pth", weights_only=True)
        b = torch.load(tmp_path / "cli" / "checkpoints" / net / f"{net}_2_steps.pth", weights_only=True)
        for key, value in a["model_state_dict"].items():
            assert torch.equal(value, b["model_state_dict"][key]), (net, key)


@pytest.mark.parametrize("overrides, message", [
    (["bogus=1"], "Unknown configuration key(s) bogus"),
    (["family=nogan"], "Unknown family 'nogan'; choose one of"),
    (["resolution=40"], "has no generator at resolution 40; resolutions: 128, 32, 48, 64"),
    (["optimizer.type=Nope"], "optimizer.type 'Nope' is not a torch.optim optimizer"),
    (["generator.nonsense=3"], "Building the networks failed"),
    (["trainer.bogus_option=1"], "unexpected keyword argument 'bogus_option'"),
    (["trainer.num_steps=0"], "num_steps must be a positive integer"),
    (["dataset=nowhere"], "Unknown dataset"),
])
def test_errors_are_one_line_and_nonzero(overrides, message, tmp_path, capsys):
    argv = ["train", os.path.join(CONFIGS, "sngan.yaml"), "--dry-run", "--log-dir", str(tmp_path / "log"),
            "--set", "device=cpu", "--set", "generator.ngf=8", "--set", "discriminator.ndf=8",
            "--set", "dataset={name: synthetic, size: 16}", "--set", "num_workers=0"]  # never a download
    for o in overrides:
        argv += ["--set", o]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mimicry: error: ") and message in err, err


def test_config_files_and_set_values(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("family: [sngan\n")
    assert main(["train", str(bad)]) == 1
    assert "is not valid YAML (line" in capsys.readouterr().err
    (tmp_path / "list.yaml").write_text("- 1\n")
    assert main(["train", str(tmp_path / "list.yaml")]) == 1
    assert "must hold a mapping" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "missing.yaml")]) == 1
    assert "not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["train"])
    assert e.value.code == 2 and capsys.readouterr().err.count("\n") == 1
    # JSON works as well, and --set reads YAML values
    j = tmp_path / "run.json"
    c = _config("sngan")
    c.pop("_path")
    j.write_text(json.dumps(c))
    c2 = cfg.apply_overrides(cfg.load_config(str(j)), ["optimizer.betas=[0.5, 0.9]", "trainer.lr_decay=null",
                                                     "generator.ngf=16", "dataset.split=test", "new.key=text"])
    assert c2["optimizer"]["betas"] == [0.5, 0.9] and c2["trainer"]["lr_decay"] is None
    assert c2["generator"]["ngf"] == 16 and c2["dataset"]["split"] == "test" and c2["new"] == {"key": "text"}
    with pytest.raises(cfg.ConfigError, match="KEY=VALUE"):
        cfg.apply_overrides(c, ["novalue"])
