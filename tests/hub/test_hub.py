"""mmc.hub offline: a Hugging Face cache laid out as huggingface_hub lays it out (HF_HUB_OFFLINE=1)
holding files the tests write; SHA-256 checks; a missing revision; publishing a run and loading it
back; the command line on a zoo name."""
import hashlib
import json
import os
import shutil

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry import hub
from torch_mimicry.cli import main
from torch_mimicry.metrics import records
from torch_mimicry.utils.run_layout import RunLayout

pytest.importorskip("huggingface_hub")
pytest.importorskip("safetensors")

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_checkpoints")
ORIGINAL = os.path.join(FIXTURES, "SNGANGenerator32.pth")  # written by torch-mimicry 0.1.16 (ngf=16, nz=8)
COMMIT = "1" * 40


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def hf_cache(cache_dir, repo_id, commit, files, ref="main"):
    """Lays out ``files`` ({name: local path}) as huggingface_hub's cache does: blobs named by their
    SHA-256, a snapshot folder of the commit with relative links to them, refs/<ref> naming the commit."""
    repo = os.path.join(str(cache_dir), "models--" + repo_id.replace("/", "--"))
    for name, source in files.items():
        blob = os.path.join(repo, "blobs", _sha(source))
        os.makedirs(os.path.dirname(blob), exist_ok=True)
        shutil.copyfile(source, blob)
        link = os.path.join(repo, "snapshots", commit, name)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(blob, os.path.dirname(link)), link)
    os.makedirs(os.path.join(repo, "refs"), exist_ok=True)
    with open(os.path.join(repo, "refs", ref), "w") as f:
        f.write(commit)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    import huggingface_hub.constants
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # read by huggingface_hub at import
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    cache = tmp_path / "hf"
    hf_cache(cache, "mimicry-tests/sngan32", COMMIT, {"netG.pth": ORIGINAL})
    names = []

    def add(name, **spec):
        spec = dict({"filename": "netG.pth", "repo_id": "mimicry-tests/sngan32", "revision": COMMIT,
                     "sha256": _sha(ORIGINAL)}, **spec)
        entry = hub.ZooEntry(name=name, generator="torch_mimicry.nets.sngan:SNGANGenerator32",
                             generator_kwargs={"ngf": 16, "nz": 8}, files={"generator": hub.FileSpec(**spec)},
                             dataset={"name": "synthetic", "resolution": 32}, training={"num_steps": 3},
                             scores=(hub.PublishedScore("swd", 1.0, None, {"num_samples": 8}, "tests"),))
        names.append(name)
        return hub.register(entry)

    yield cache, add
    for name in names:
        hub.unregister(name)


def test_zoo_entry_loads_a_0_1_16_checkpoint_from_the_hub_cache(offline):
    cache, add = offline
    add("sngan_tiny")
    pre = hub.load_pretrained("sngan_tiny", cache_dir=cache)
    io = torch.load(os.path.join(FIXTURES, "SNGANGenerator32_io.pt"), weights_only=True)
    with torch.no_grad():
        out = pre.netG(io["inputs"]["z"])
    assert (out - io["outputs"][0]).abs().max().item() < 1e-4  # 0.1.16's outputs: its key layout converted
    assert not pre.netG.training and pre.netD is None and pre.step == 3
    assert pre.files["generator"].sha256 == _sha(ORIGINAL)
    assert pre.record["files"]["generator"]["source"] == f"hf://mimicry-tests/sngan32@{COMMIT}/netG.pth"
    assert pre.record["scores"][0]["metric"] == "swd" and pre.record["training"] == {"num_steps": 3}


def test_wrong_hash_missing_revision_and_bad_names(offline, tmp_path):
    cache, add = offline
    add("sngan_wrong_hash", sha256="0" * 64)
    with pytest.raises(hub.ChecksumError, match=f"has SHA-256 {_sha(ORIGINAL)}, but 0{{64}} was expected.*not loaded"):
        hub.load_pretrained("sngan_wrong_hash", cache_dir=cache)
    add("sngan_missing_revision", revision="2" * 40)
    with pytest.raises(FileNotFoundError, match=f"not in the Hugging Face cache.*revision '{'2' * 40}'.*HF_HUB_OFFLINE"):
        hub.load_pretrained("sngan_missing_revision", cache_dir=cache)
    with pytest.raises(ValueError, match="pinned to a commit hash"):
        add("sngan_branch", revision="main")
    with pytest.raises(hub.UnknownModelError, match="Did you mean 'sngan_cifar10'"):
        hub.load_pretrained("sngan_cifar")
    with pytest.raises(hub.HashRequiredError, match="no published SHA-256.*sha256="):
        hub.load_pretrained("sngan_cifar10")  # 0.1.16 published no checksums: refused before any download
    with pytest.raises(ValueError, match="publishes no discriminator"):
        hub.load_pretrained("sngan_cifar10", discriminator=True)
    # a local copy of an entry's file instead of its Hub revision, checked against the entry's hash
    pre = hub.load_pretrained("sngan_missing_revision", path=ORIGINAL)
    assert pre.files["generator"].source == os.path.abspath(ORIGINAL)


def test_the_released_entries():
    names = hub.list_pretrained()
    assert {"sngan_cifar10", "cgan_pd_imagenet_32", "infomax_gan_celeba_128", "wgan_gp_stl10_48",
            "dcgan_cifar10_repro"} <= set(names)
    info = hub.pretrained_info("sngan_cifar10")
    fid = [s for s in info["scores"] if s["metric"] == "fid"][0]
    assert (fid["mean"], fid["std"]) == (16.77, 0.04)
    assert fid["protocol"]["num_real_samples"] == 50000 and fid["protocol"]["dataset"] == "cifar10"
    assert info["training"]["n_dis"] == 5 and info["training"]["lr_decay"] == "linear"
    for name in names:  # every class resolves, and its dataset is one load_dataset knows
        entry = hub.get_entry(name)
        from torch_mimicry.hub.artefact import resolve_class
        assert resolve_class(entry.generator) is not None
        assert entry.dataset["name"] in mmc.datasets.DATASET_NAMES
    assert hub.get_entry("cgan_pd_cifar100").generator_kwargs == {"num_classes": 100}


def test_url_source_downloads_once_and_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("MIMICRY_OFFLINE", raising=False)
    spec = hub.FileSpec(filename="netG.pth", url="file://" + os.path.abspath(ORIGINAL), sha256=_sha(ORIGINAL))
    first = hub.fetch(spec)
    assert first.path.startswith(str(tmp_path / "home")) and _sha(first.path) == _sha(ORIGINAL)
    monkeypatch.setenv("MIMICRY_OFFLINE", "1")
    assert hub.fetch(spec).path == first.path  # cached: no download needed
    other = hub.FileSpec(filename="other.pth", url="file:///nonexistent/netG.pth", sha256="3" * 64)
    with pytest.raises(FileNotFoundError, match="downloads are off"):
        hub.fetch(other)
    html = tmp_path / "page.html"
    html.write_text("<!DOCTYPE html><html>confirm</html>")
    monkeypatch.delenv("MIMICRY_OFFLINE")
    with pytest.raises(hub.ChecksumError, match="web page instead of the file"):
        hub.fetch(hub.FileSpec(filename="x.pth", url=html.as_uri(), sha256="4" * 64))


def _tiny_run(log_dir):
    torch.manual_seed(0)
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=8, nz=8)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.zeros(8, dtype=torch.long))
    mmc.training.Trainer(netD=netD, netG=netG, optD=torch.optim.Adam(netD.parameters()),
                         optG=torch.optim.Adam(netG.parameters()),
                         dataloader=torch.utils.data.DataLoader(data, batch_size=4), num_steps=2,
                         log_dir=str(log_dir), device="cpu", save_steps=2, vis_steps=10, print_steps=10,
                         ema_decay=0.9, seed=0).train()
    layout = RunLayout(log_dir)
    for generator in ("ema", "raw"):
        protocol = {"metric": "fid", "num_real_samples": 8, "num_fake_samples": 8, "backend": "torch"}
        if generator == "ema":
            protocol["generator"] = "ema"
        records.save_record(layout.metric_records("fid"),
                            records.make_record("fid", 2, protocol, {0: 50.0 if generator == "ema" else 60.0}))
    return layout


def test_save_pretrained_from_a_run_and_load_it_back(tmp_path, offline):
    cache, _ = offline
    layout = _tiny_run(tmp_path / "run")
    out = tmp_path / "published"
    hub.save_pretrained(layout.root, out, which="ema", include_discriminator=True, license="mit")
    manifest = json.loads((out / "mimicry.json").read_text())
    net = manifest["networks"]["generator"]
    assert net["class"] == "torch_mimicry.nets.sngan:SNGANGenerator32" and net["kwargs"] == {"ngf": 8, "nz": 8, "bottom_width": 4, "loss_type": "hinge"}
    assert net["sha256"] == _sha(out / "generator.safetensors")
    assert manifest["training"]["step"] == 2 and manifest["training"]["generator"] == "ema"
    assert [s["mean"] for s in manifest["scores"]] == [50.0]  # the EMA generator's record of step 2 only
    assert json.loads((out / "metrics" / "fid.json").read_text())["records"][0]["protocol"]["generator"] == "ema"
    assert json.loads((out / "params.json").read_text()) == json.loads(open(layout.params_file).read())
    assert os.path.getsize(out / "samples.png") > 1000
    card = (out / "README.md").read_text()
    import yaml
    meta = yaml.safe_load(card.split("---")[1])
    assert meta["library_name"] == "torch-mimicry" and meta["license"] == "mit"
    assert "SNGANGenerator32" in card and "| n_dis | 1 |" in card and "FID" in card and "8 real / 8 generated" in card

    ema = mmc.nets.sngan.SNGANGenerator32(ngf=8, nz=8)
    ema.restore_checkpoint(layout.checkpoint_path("netG_ema", 2))
    ema.eval()
    z = torch.randn(3, 8)
    loaded = hub.from_pretrained(out)
    assert type(loaded) is mmc.nets.sngan.SNGANGenerator32 and not loaded.training
    with torch.no_grad():
        assert torch.equal(loaded(z), ema(z))
    netD = mmc.nets.sngan.SNGANDiscriminator32.from_pretrained(out)  # the class picks the discriminator
    assert isinstance(netD, mmc.nets.sngan.SNGANDiscriminator32)

    # the same folder on the Hub: loaded through the cache, offline
    hf_cache(cache, "owner/sngan-tiny", "a" * 40, {n: str(out / n) for n in ("mimicry.json", "generator.safetensors")})
    pre = hub.load_folder("hf://owner/sngan-tiny", cache_dir=cache)
    assert pre.record["revision"] == "a" * 40 and pre.step == 2
    with torch.no_grad():
        assert torch.equal(pre.netG(z), ema(z))
    entry = hub.entry_from_folder(out, "tiny_published", repo_id="owner/sngan-tiny", revision="a" * 40)
    assert entry.files["generator"].sha256 == net["sha256"] and entry.scores[0].mean == 50.0
    assert hub.ZooEntry.from_json(json.loads(json.dumps(entry.to_json()))) == entry

    # tampered weights, an untrusted class: refused before anything is loaded
    data = bytearray((out / "generator.safetensors").read_bytes())
    data[-1] ^= 1
    (out / "generator.safetensors").write_bytes(bytes(data))
    with pytest.raises(hub.ChecksumError, match="generator.safetensors.*was expected"):
        hub.from_pretrained(out)
    manifest["networks"]["generator"]["class"] = "os:system"
    (out / "mimicry.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="not one of torch_mimicry's"):
        hub.from_pretrained(out)
    with pytest.raises(FileNotFoundError, match="no best checkpoint"):
        hub.save_pretrained(layout.root, tmp_path / "best")


def test_save_pretrained_of_a_network_and_push_to_hub(tmp_path, monkeypatch):
    import huggingface_hub
    netG = mmc.nets.cgan_pd.CGANPDGenerator32(10, 4, 8, 16)  # 0.1.16's positional order
    assert netG.constructor_arguments() == {"num_classes": 10, "bottom_width": 4, "nz": 8, "ngf": 16}
    calls = []

    class FakeApi:
        def __init__(self, token=None):
            pass

        def create_repo(self, repo_id, **kwargs):
            calls.append(("create", repo_id, kwargs["private"]))

        def upload_folder(self, repo_id, folder_path, **kwargs):
            calls.append(("upload", repo_id, sorted(os.listdir(folder_path)),
                          open(os.path.join(folder_path, "README.md")).read()))
            return type("Info", (), {"oid": "b" * 40, "commit_url": "https://example/commit"})()

    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    with pytest.raises(PermissionError, match="Not logged in"):
        netG.push_to_hub("owner/cgan")
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: "token")
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    info = netG.push_to_hub("owner/cgan", private=True, samples=4)
    assert info["commit"] == "b" * 40 and set(info["files"]) == {"generator.safetensors", "samples.png"}
    assert calls[0] == ("create", "owner/cgan", True)
    assert calls[1][2] == ["README.md", "generator.safetensors", "mimicry.json", "samples.png"]
    assert "from_pretrained('owner/cgan')" in calls[1][3]
    out = netG.save_pretrained(tmp_path / "cgan", samples=0)
    loaded = mmc.nets.basemodel.BaseModel.from_pretrained(out)
    assert isinstance(loaded, mmc.nets.cgan_pd.CGANPDGenerator32) and loaded.num_classes == 10
    assert isinstance(mmc.nets.gan.BaseGenerator.from_pretrained(out), mmc.nets.cgan_pd.CGANPDGenerator32)
    with pytest.raises(ValueError, match="holds a .*CGANPDGenerator32, not a SNGANGenerator32"):
        mmc.nets.sngan.SNGANGenerator32.from_pretrained(out)


def test_command_line_on_a_pretrained_name(offline, tmp_path, capsys):
    cache, add = offline
    add("sngan_cli")
    import huggingface_hub.constants
    os.environ["HF_HUB_CACHE"] = str(cache)
    try:
        original = huggingface_hub.constants.HF_HUB_CACHE
        huggingface_hub.constants.HF_HUB_CACHE = str(cache)
        out = tmp_path / "grid.png"
        assert main(["sample", "sngan_cli", "--num", "4", "-o", str(out), "--device", "cpu"]) == 0
        assert os.path.getsize(out) > 100
        assert main(["evaluate", "sngan_cli", "--metric", "swd", "--num-runs", "1", "--device", "cpu",
                     "--zoo-dir", str(tmp_path / "zoo"), "--quiet"]) == 0
    finally:
        huggingface_hub.constants.HF_HUB_CACHE = original
        del os.environ["HF_HUB_CACHE"]
    text = capsys.readouterr().out
    assert "swd step 3:" in text and "swd published: 1.0 (8 samples; tests)" in text
    [record] = records.load_records(RunLayout(tmp_path / "zoo").metric_records("swd"))
    assert record["step"] == 3 and record["protocol"]["num_fake_samples"] == 8  # the published sample count
    assert main(["sample", "sngan_cfar10"]) == 1
    assert "Did you mean 'sngan_cifar10'" in capsys.readouterr().err
