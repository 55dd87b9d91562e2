"""Feature extraction split across two gloo processes gives the single-process results."""
import os
import socket
import warnings

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from torch_mimicry.metrics import distributed, evaluate
from torch_mimicry.metrics import features as features_mod
from torch_mimicry.metrics.evaluation import generated_features
from torch_mimicry.metrics.real_stats import dataset_identity, real_features

from test_evaluate import ImageSet, TinyGenerator, stand_in_extract


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _work(log_dir, cache_dir):
    """What both the distributed workers and the single process compute."""
    warnings.filterwarnings("ignore", message="FID from", category=UserWarning)
    features_mod.extract = stand_in_extract
    features_mod.weights_hash = lambda weights=None: "stand-in-hash"
    torch.manual_seed(0)
    net = TinyGenerator()
    ds = ImageSet()
    out = {
        "fake": generated_features(net, 23, seed=1, batch_size=5),      # 5 batches: 2 + 3
        "tiny": generated_features(net, 4, seed=1, batch_size=5),       # 1 batch: rank 1 has none
        "real": real_features(ds, dataset_identity(ds, ds), 37, weights_id="h", batch_size=4, use_cache=False),
        "fid": evaluate("fid", net, log_dir, evaluate_step=10, num_runs=2, num_real_samples=40,
                        num_fake_samples=33, dataset=ds, batch_size=10, cache_dir=cache_dir, verbose=False),
        "kid": evaluate("kid", net, log_dir, evaluate_step=10, num_runs=1, num_samples=40, num_subsets=4,
                        dataset=ds, batch_size=10, cache_dir=cache_dir, verbose=False),
    }
    return out


def _worker(rank, world, port, log_dir, cache_dir, result_file):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        torch.set_num_threads(1)
        out = _work(log_dir, cache_dir)
        rows = distributed.all_gather_rows(torch.full((rank + 1, 2), float(rank), dtype=torch.float64))
        out["gathered"] = rows
        torch.save(out, f"{result_file}.{rank}")
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _make_log_dir(path):
    ckpt_dir = os.path.join(path, "checkpoints", "netG")
    os.makedirs(ckpt_dir)
    torch.manual_seed(10)
    net = TinyGenerator()
    torch.save({"model_state_dict": net.state_dict(), "optimizer_state_dict": None, "global_step": 10},
               os.path.join(ckpt_dir, "netG_10_steps.pth"))
    return path


def test_shard_batches_cover_all_items_in_order():
    for n, bs, world in [(23, 5, 2), (4, 5, 2), (100, 7, 3), (0, 5, 2)]:
        parts = [distributed.shard_batches(n, bs, r, world) for r in range(world)]
        flat = [i for p in parts for (a, b) in p for i in range(a, b)]
        assert flat == list(range(n))


@pytest.mark.parametrize("num_items, batch_size", [(0, 5), (4, 0)])
def test_extract_batches_refuses_empty_work(num_items, batch_size):
    with pytest.raises(ValueError, match="num_items >= 1 and batch_size >= 1"):
        distributed.extract_batches(num_items, batch_size, lambda a, b: torch.zeros(b - a, 3),
                                    lambda batches: (torch.zeros(0, 2), torch.zeros(0, 1)))


def test_two_gloo_processes_match_one_process(tmp_path, monkeypatch):
    result_file = str(tmp_path / "result")
    dist_log = _make_log_dir(str(tmp_path / "dist_log"))
    mp.spawn(_worker, args=(2, _free_port(), dist_log, str(tmp_path / "dist_cache"), result_file), nprocs=2,
             join=True)
    r0 = torch.load(result_file + ".0", weights_only=False)
    r1 = torch.load(result_file + ".1", weights_only=False)

    monkeypatch.setattr(features_mod, "extract", features_mod.extract)  # restored after _work replaces it
    monkeypatch.setattr(features_mod, "weights_hash", features_mod.weights_hash)
    single = _work(_make_log_dir(str(tmp_path / "single_log")), str(tmp_path / "single_cache"))

    for key in ("fake", "tiny"):
        for a, b, c in zip(r0[key], r1[key], single[key]):
            # equal up to BLAS rounding (thread counts and matrix shapes differ)
            torch.testing.assert_close(a, c, rtol=1e-12, atol=1e-12)
            assert torch.equal(a, b)
    torch.testing.assert_close(r0["real"], single["real"], rtol=1e-12, atol=1e-12)
    assert torch.equal(r0["real"], r1["real"])
    for key in ("fid", "kid"):
        assert r0[key] == r1[key]
        for step in single[key]:
            assert r0[key][step] == pytest.approx(single[key][step], rel=1e-9)
    expected_rows = torch.tensor([[0.0, 0.0], [1.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    assert torch.equal(r0["gathered"], expected_rows)
    # only rank 0 wrote the record and the real feature cache
    assert os.path.exists(os.path.join(dist_log, "metrics", "fid.json"))
    assert len(os.listdir(tmp_path / "dist_cache")) == 1
