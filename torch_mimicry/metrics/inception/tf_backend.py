"""The ``tf`` backend: the original GraphDef run by TensorFlow in a child process.

TensorFlow is never imported in this process (importing it next to PyTorch can crash, and
it reserves GPU memory): :class:`TFInception` starts ``_tf_worker.py`` with the same Python
and exchanges numpy arrays over pipes. Requires ``pip install torch-mimicry[tf]``.
"""
import importlib.util
import io
import os
import struct
import subprocess
import sys
import tempfile
from typing import IO, Optional, Tuple, Union

import numpy as np

__all__ = ["tensorflow_available", "TFInception"]

_WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_tf_worker.py")


def tensorflow_available() -> bool:
    """Whether ``tensorflow`` is installed (checked without importing it)."""
    return importlib.util.find_spec("tensorflow") is not None


class TFInception:
    """Context manager owning one TensorFlow worker process.

    Args:
        graph_path (str): ``classify_image_graph_def.pb``.
        use_gpu (bool): let TensorFlow see the GPUs (default: CPU only).

    ``run(batch)``: uint8 numpy ``[N, 3, H, W]`` -> ``(pool3 [N, 2048], logits [N, 1008])`` float32.
    """

    def __init__(self, graph_path: Union[str, "os.PathLike[str]"], use_gpu: bool = False) -> None:
        if not tensorflow_available():
            raise ImportError("backend='tf' needs TensorFlow: pip install 'torch-mimicry[tf]' "
                              "(or tensorflow-cpu)")
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        if not use_gpu:
            env["CUDA_VISIBLE_DEVICES"] = ""
        self._stderr = tempfile.TemporaryFile()
        self._proc: Optional[subprocess.Popen[bytes]] = subprocess.Popen(
            [sys.executable, _WORKER, os.fspath(graph_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._stderr, env=env)
        kind, payload = self._recv()
        if kind != b"R":
            self.close()
            raise RuntimeError("TensorFlow backend failed to start:\n%s" % self._error_text(payload))

    def _error_text(self, payload: bytes) -> str:
        if payload:
            return payload.decode(errors="replace")
        self._stderr.seek(0)
        return self._stderr.read()[-4000:].decode(errors="replace") or "(worker exited without output)"

    def _pipes(self) -> Tuple[IO[bytes], IO[bytes]]:
        """The worker's ``(stdin, stdout)``; RuntimeError once the worker is closed."""
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise RuntimeError("The TensorFlow worker is closed: run batches inside the `with TFInception(...)` block.")
        return proc.stdin, proc.stdout

    def _recv(self) -> Tuple[bytes, bytes]:
        stdout = self._pipes()[1]
        head = stdout.read(9)
        if len(head) < 9:
            return b"X", b""
        (n,) = struct.unpack("<Q", head[1:])
        return head[:1], stdout.read(n)

    def _send(self, kind: bytes, payload: bytes = b"") -> None:
        stdin = self._pipes()[0]
        stdin.write(kind + struct.pack("<Q", len(payload)))
        stdin.write(payload)
        stdin.flush()

    def run(self, batch: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Runs uint8 images ``[N, H, W, 3]`` through the graph; returns ``(pool3 [N, 2048], logits [N, 1008])`` as numpy arrays."""
        buf = io.BytesIO()
        # uint8 images go through the graph's own resize; float32 ones (already resized to
        # 299, e.g. by the 'clean' protocol) pass it unchanged.
        dtype = np.float32 if np.asarray(batch).dtype == np.float32 else np.uint8
        np.save(buf, np.ascontiguousarray(batch, dtype=dtype), allow_pickle=False)
        try:
            self._send(b"B", buf.getvalue())
        except BrokenPipeError:
            raise RuntimeError("TensorFlow worker died:\n%s" % self._error_text(b"")) from None
        kind, payload = self._recv()
        if kind != b"O":
            raise RuntimeError("TensorFlow backend failed:\n%s" % self._error_text(payload))
        out = np.load(io.BytesIO(payload), allow_pickle=False)
        return out["pool3"], out["logits"]

    def close(self) -> None:
        """Stops the TensorFlow worker process (waits up to 30 s, then kills it); safe to call twice."""
        proc = getattr(self, "_proc", None)
        if proc is None:
            return
        self._proc = None
        try:
            if proc.poll() is None:
                self._send_to(proc, b"Q")
                proc.wait(timeout=30)
        except Exception:
            proc.kill()
            proc.wait()
        finally:
            for stream in (proc.stdin, proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except Exception:
                    pass
            self._stderr.close()

    @staticmethod
    def _send_to(proc: "subprocess.Popen[bytes]", kind: bytes) -> None:
        assert proc.stdin is not None  # started with stdin=PIPE
        proc.stdin.write(kind + struct.pack("<Q", 0))
        proc.stdin.flush()

    def __enter__(self) -> "TFInception":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
