"""Child process running the original Inception GraphDef with TensorFlow.

Run as a script (``python _tf_worker.py GRAPH.pb``), never imported by the library, so that
TensorFlow never shares a process with PyTorch. Needs only numpy and TensorFlow.

Protocol on stdin/stdout, every message ``kind (1 byte) + length (8 bytes, little endian) +
payload``:

* worker -> parent at start: ``R`` (ready, empty) or ``E`` (error, UTF-8 text);
* parent -> worker: ``B`` + ``np.save`` bytes of uint8 ``[N, 3, H, W]``; ``Q`` to quit;
* worker -> parent: ``O`` + ``np.savez`` bytes with float32 ``pool3 [N, 2048]`` and
  ``logits [N, 1008]`` (``pool_3`` reshaped, times ``softmax/weights``, no bias), or ``E``.
"""
import io
import os
import struct
import sys
import traceback
from typing import IO, Tuple


def _send(out: IO[bytes], kind: bytes, payload: bytes = b"") -> None:
    out.write(kind + struct.pack("<Q", len(payload)))
    out.write(payload)
    out.flush()


def _recv(inp: IO[bytes]) -> Tuple[bytes, bytes]:
    head = inp.read(9)
    if len(head) < 9:
        return b"Q", b""
    (n,) = struct.unpack("<Q", head[1:])
    data = inp.read(n)
    if len(data) != n:
        return b"Q", b""
    return head[:1], data


def main(graph_path: str) -> int:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything TensorFlow prints goes to stderr, keeping stdout for the protocol
    inp = os.fdopen(os.dup(0), "rb")
    try:
        import numpy as np
        import tensorflow as tf

        tf1 = tf.compat.v1
        graph = tf1.Graph()
        with graph.as_default():
            graph_def = tf1.GraphDef()
            with open(graph_path, "rb") as f:
                graph_def.ParseFromString(f.read())
            images = tf1.placeholder(tf.float32, [None, None, None, 3], name="mimicry_images")
            # Feeding the output of ExpandDims (the float image after Cast) skips the JPEG decoder
            # and its batch size of 1; the graph's Resize/Sub/Mul then see the whole batch.
            pool3, weights = tf1.import_graph_def(graph_def, input_map={"ExpandDims:0": images},
                                                  return_elements=["pool_3:0", "softmax/weights:0"],
                                                  name="inception")
            features = tf1.reshape(pool3, [-1, 2048])
            logits = tf1.matmul(features, weights)
        config = tf1.ConfigProto()
        config.gpu_options.allow_growth = True
        sess = tf1.Session(graph=graph, config=config)
    except BaseException:
        _send(out, b"E", traceback.format_exc().encode())
        return 1
    _send(out, b"R")
    while True:
        kind, data = _recv(inp)
        if kind != b"B":
            break
        try:
            batch = np.load(io.BytesIO(data), allow_pickle=False)
            nhwc = np.ascontiguousarray(batch.transpose(0, 2, 3, 1)).astype(np.float32)
            p, l = sess.run([features, logits], feed_dict={images: nhwc})
            buf = io.BytesIO()
            np.savez(buf, pool3=p.astype(np.float32), logits=l.astype(np.float32))
            _send(out, b"O", buf.getvalue())
        except BaseException:
            _send(out, b"E", traceback.format_exc().encode())
    sess.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
