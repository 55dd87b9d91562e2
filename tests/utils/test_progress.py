"""Progress bars: shown only where someone watches; the training progress helper."""
import io

import pytest

from torch_mimicry.training import MetricLog
from torch_mimicry.utils import progress as progress_mod
from torch_mimicry.utils.progress import TrainingProgress, progress, progress_enabled


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_quiet_when_not_on_a_terminal(monkeypatch, capsys):
    monkeypatch.delenv("MIMICRY_PROGRESS", raising=False)
    assert not progress_enabled()  # pytest captures stdout: not a terminal
    bar = progress(range(5), desc="x")
    assert list(bar) == [0, 1, 2, 3, 4] and bar.n == 5 and bar.total == 5
    bar.update(3)
    bar.set_postfix({"a": 1})
    bar.close()
    assert capsys.readouterr() == ("", "")


def test_terminals_environment_and_ranks(monkeypatch):
    monkeypatch.setattr(progress_mod.sys, "stdout", _Tty())
    monkeypatch.setattr(progress_mod.sys, "stderr", _Tty())
    monkeypatch.delenv("MIMICRY_PROGRESS", raising=False)
    assert progress_enabled()
    monkeypatch.setenv("MIMICRY_PROGRESS", "0")
    assert not progress_enabled() and progress_enabled(True)
    monkeypatch.setenv("MIMICRY_PROGRESS", "1")
    monkeypatch.setattr(progress_mod, "_rank", lambda: 1)
    assert not progress_enabled() and not progress_enabled(True)  # never on other ranks


def test_bar_counts_to_its_stream(monkeypatch):
    stream = _Tty()
    bar = progress(total=10, desc="features", unit="img", enabled=True, file=stream, leave=True, mininterval=0)
    bar.update(4)
    bar.update(6)
    bar.close()
    assert "features" in stream.getvalue() and "10/10" in stream.getvalue()


class _Trainer:
    num_steps, global_step = 5, 2


@pytest.mark.parametrize("mode, bar", [("log", False), ("bar", True)])
def test_training_progress(mode, bar, monkeypatch, capsys):
    monkeypatch.setenv("MIMICRY_PROGRESS", "1")
    tp = TrainingProgress(mode, refresh_secs=0)
    assert tp.wants_console_lines is (not bar)
    tp.setup(_Trainer())
    log = MetricLog(errD=0.5, errG=1.25)
    for _ in range(3):
        tp.after_iteration(_Trainer(), log)
    tp.close()
    err = capsys.readouterr().err
    assert ("5/5" in err and "errG=1.25" in err) if bar else err == ""
    with pytest.raises(ValueError, match="progress mode"):
        TrainingProgress("fancy")
