"""Under ``torchrun --max-restarts=1``, a rank killed mid-run makes every rank resume from the
last complete checkpoint, and the final weights equal those of an uninterrupted run."""
import os
import signal
import subprocess
import sys

import torch

from torch_mimicry.training import checkpoints as layout

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(HERE, "restart_worker.py")


def torchrun(log_dir, out, *args):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "--max-restarts=1",
           "--monitor-interval=0.1", WORKER, str(log_dir), "5", "--out", str(out), *args]
    # a session of its own, so that on a timeout the workers go too, not only torchrun
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stdout[-3000:] + stderr[-5000:]
    return [torch.load(os.path.join(out, f"rank{r}.pt"), weights_only=True) for r in range(2)], stdout


def test_killed_rank_restarts_from_the_last_complete_checkpoint(tmp_path):
    (s0, s1), _ = torchrun(tmp_path / "straight", tmp_path / "out_straight")
    (r0, r1), out = torchrun(tmp_path / "killed", tmp_path / "out_killed", "--kill-at", "3")
    assert r0["attempt"] == r1["attempt"] == 1  # the group was restarted once
    assert "Resuming from step 2" in out  # checkpoints at 2 and 4: step 3 died before its own
    assert r0["global_step"] == r1["global_step"] == 5
    assert layout.candidate_steps(str(tmp_path / "killed"))[0] == [5, 4, 2]
    for name in ("netG", "netD"):
        for key, value in s0[name].items():
            assert torch.equal(value, s1[name][key]), (name, key)  # ranks agree
            assert torch.equal(value, r0[name][key]), (name, key)  # equal to the uninterrupted run
            assert torch.equal(value, r1[name][key]), (name, key)
