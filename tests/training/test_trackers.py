"""Experiment trackers: W&B (offline) and MLflow (a file store) written by a 2-step training run,
read back from their own files; a resumed run continues the same tracker run; bad settings fail
before training."""
import glob
import json
import os
import struct
import sys

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.training import trackers
from torch_mimicry.utils.run_layout import RunLayout


def _trainer(log_dir, num_steps, loggers):
    torch.manual_seed(0)
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=8, nz=8)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.zeros(8, dtype=torch.long))
    return mmc.training.Trainer(
        netD=netD, netG=netG, optD=torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9)),
        optG=torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9)),
        dataloader=torch.utils.data.DataLoader(data, batch_size=4), num_steps=num_steps, log_dir=str(log_dir),
        device="cpu", save_steps=2, vis_steps=2, log_steps=1, print_steps=10, seed=0, loggers=loggers)


def _wandb_records(path):
    """The protobuf records of a W&B ``.wandb`` file (a LevelDB-style log: 32 KiB blocks, each
    record with a 7-byte header: checksum, length, type FULL / FIRST / MIDDLE / LAST)."""
    from wandb.proto import wandb_internal_pb2
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b":W&B"
    pos, block, chunks = 7, 32768, b""
    while pos + 7 <= len(data):
        if block - pos % block < 7:
            pos += block - pos % block
            continue
        _, length, kind = struct.unpack("<IHB", data[pos:pos + 7])
        pos += 7
        if length == 0 and kind == 0:
            pos += block - pos % block
            continue
        chunks += data[pos:pos + length]
        pos += length
        if kind in (1, 4):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(chunks)
            chunks = b""
            yield record


def _wandb_history(path):
    """``(run id, project, [{key: value} per logged step], {config key: value})`` of an offline W&B
    run file (an image's fields are keys ``<tag>.<field>``)."""
    run_id, project, rows, config = None, None, [], {}
    for record in _wandb_records(path):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run_id, project = record.run.run_id, record.run.project
        elif kind == "history":
            rows.append({item.key or ".".join(item.nested_key): json.loads(item.value_json)
                         for item in record.history.item})
        elif kind == "config":
            config.update({item.key or ".".join(item.nested_key): json.loads(item.value_json)
                           for item in record.config.update})
    return run_id, project, rows, config


def test_wandb_offline_run_and_resume(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    monkeypatch.delenv("WANDB_MODE", raising=False)
    log_dir = tmp_path / "run"
    tracker = trackers.WandbTracker(project="mimicry-tests", mode="offline")
    _trainer(log_dir, 2, ["tensorboard", tracker]).train()
    state = json.loads((log_dir / "trackers" / "wandb.json").read_text())
    assert state["project"] == "mimicry-tests" and state["mode"] == "offline"
    _trainer(log_dir, 4, ["tensorboard", trackers.WandbTracker(mode="offline")]).train()  # resumes at step 2
    import wandb
    wandb.teardown()  # W&B's service process writes the offline files; they are complete when it stops
    files = sorted(glob.glob(str(log_dir / "trackers" / "wandb" / "offline-run-*" / "run-*.wandb")))
    assert len(files) == 2
    runs = [_wandb_history(f) for f in files]
    assert {r[0] for r in runs} == {state["run_id"]}  # the same W&B run, continued
    assert {r[1] for r in runs} == {"mimicry-tests"}  # the project recorded with the run id is kept
    steps = [[row["_step"] for row in r[2] if "loss/errD" in row] for r in runs]
    assert steps == [[1, 2], [3, 4]]  # the resumed run appends the later steps
    first = runs[0][2][0]
    assert isinstance(first["loss/errD"], float) and "lr/lr_D" in first and "prob/D(x)" in first
    images = [row for r in runs for row in r[2] if "fake_vis._type" in row]
    assert [row["_step"] for row in images] == [2, 4] and images[0]["fake_vis.width"] == 274  # 8 x 8 grids of 32 px
    config = runs[0][3]
    assert config["n_dis"] == 1 and config["optD.lr"] == 2e-4  # the hyperparameters of params.json
    assert os.path.isdir(log_dir / "data")  # TensorBoard alongside


def test_mlflow_file_store_run_and_resume(tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 asks for it with a folder store
    uri = (tmp_path / "mlruns").as_uri()
    log_dir = tmp_path / "run"
    _trainer(log_dir, 2, [trackers.MLflowTracker(tracking_uri=uri, experiment="tests")]).train()
    assert not os.path.isdir(log_dir / "data")  # TensorBoard was not asked for
    run_id = json.loads((log_dir / "trackers" / "mlflow.json").read_text())["run_id"]
    _trainer(log_dir, 4, [trackers.MLflowTracker(tracking_uri=uri, experiment="tests")]).train()
    assert json.loads((log_dir / "trackers" / "mlflow.json").read_text())["run_id"] == run_id

    from mlflow.tracking import MlflowClient
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("tests")
    [run] = client.search_runs([experiment.experiment_id])  # one run, not two
    assert run.info.run_id == run_id and run.info.status == "FINISHED"
    assert run.info.run_name == "run"
    history = client.get_metric_history(run_id, "loss/errD")
    assert [m.step for m in history] == [1, 2, 3, 4]
    assert all(isinstance(m.value, float) for m in history)
    assert "prob/D_G_z__" in run.data.metrics  # D(G(z)) in MLflow's characters
    assert run.data.params["n_dis"] == "1" and run.data.params["optD.class"] == "Adam"
    assert json.loads(run.data.params["optD.betas"]) == [0.0, 0.9]


def test_metric_records_reach_the_trackers(tmp_path):
    class Recording(trackers.Tracker):
        name = "recording"

        def __init__(self):
            self.calls = []

        def start(self, layout, params):
            self.calls.append(("start", layout.root, sorted(params)))

        def log_scalars(self, scalars, step, groups=None):
            self.calls.append(("scalars", step, dict(scalars)))

        def log_record(self, record):
            self.calls.append(("record", record["metric"], record["step"]))

        def finish(self):
            self.calls.append(("finish",))

    tracker = Recording()
    logger = mmc.training.Logger(str(tmp_path), num_steps=4, dataset_size=2, trackers=[tracker])
    (tmp_path / "params.json").write_text(json.dumps({"n_dis": 5, "optD": {"lr": 2e-4}}))
    log = mmc.training.MetricLog()
    log.add_metric("errD", 0.5, group="loss")
    logger.write_summaries(log, 1)
    logger.log_record({"metric": "fid", "step": 1, "mean": 30.0, "protocol": {}})
    logger.close()
    logger.log_scalars({"eval/fid": 29.0}, 2)  # after close: the tracker starts again (its run continues)
    assert tracker.calls == [("start", str(tmp_path), ["n_dis", "optD"]), ("scalars", 1, {"errD": 0.5}),
                             ("record", "fid", 1), ("finish",), ("start", str(tmp_path), ["n_dis", "optD"]),
                             ("scalars", 2, {"eval/fid": 29.0})]
    assert not os.path.isdir(tmp_path / "data")  # TensorBoard only when asked for


def test_bad_logger_settings_fail_before_training(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="Unknown logger 'wandbb'.*Did you mean 'wandb'"):
        _trainer(tmp_path, 2, ["tensorboard", "wandbb"])
    with pytest.raises(ValueError, match="given more than once"):
        _trainer(tmp_path, 2, ["tensorboard", "TensorBoard"])
    with pytest.raises(TypeError, match="Tracker objects"):
        _trainer(tmp_path, 2, [object()])
    # the package missing
    monkeypatch.setitem(sys.modules, "wandb", None)
    monkeypatch.setitem(sys.modules, "mlflow", None)
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    with pytest.raises(trackers.TrackerUnavailableError, match=r"pip install 'torch-mimicry\[wandb\]'"):
        _trainer(tmp_path, 2, ["wandb"])
    with pytest.raises(ImportError, match=r"pip install 'torch-mimicry\[mlflow\]'"):
        _trainer(tmp_path, 2, ["mlflow"])
    assert not RunLayout(tmp_path).is_run()


def test_wandb_not_logged_in(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    for name in ("WANDB_API_KEY", "WANDB_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    with pytest.raises(trackers.TrackerLoginError, match="wandb login.*WANDB_API_KEY.*offline"):
        _trainer(tmp_path, 2, ["wandb"])
    (tmp_path / "netrc").write_text("machine api.wandb.ai\n  login user\n  password abc\n")
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    trackers.WandbTracker().check()  # a key in the netrc file: logged in
    with pytest.raises(ValueError, match="mode must be one of"):
        trackers.WandbTracker(mode="sometimes").check()


def test_mlflow_store_refused_and_server_unreachable(tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    with pytest.raises(trackers.TrackerError, match="cannot use the tracking store"):
        trackers.MLflowTracker(tracking_uri=(tmp_path / "mlruns").as_uri()).check()
    with pytest.raises(trackers.TrackerError, match="cannot be reached|cannot be used"):
        trackers.MLflowTracker(tracking_uri="http://127.0.0.1:9").check()  # nothing listens on port 9


def test_only_rank_0_uses_trackers(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)  # would fail the check on rank 0
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.distributed, "get_rank", lambda group=None: 1)
    logger = mmc.training.Logger(str(tmp_path), num_steps=2, dataset_size=1, trackers=["tensorboard", "wandb"])
    assert logger.trackers == []
    logger.log_scalars({"errD": 1.0}, 1)
    logger.close()
    assert not os.path.exists(tmp_path / "data") and not os.path.exists(tmp_path / "trackers")
    monkeypatch.setattr(torch.distributed, "get_rank", lambda group=None: 0)
    with pytest.raises(trackers.TrackerUnavailableError):
        mmc.training.Logger(str(tmp_path), num_steps=2, dataset_size=1, trackers=["wandb"])
