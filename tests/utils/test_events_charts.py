"""TensorBoard scalars read without TensorFlow; charts as SVG and on images."""
import os
import struct
import xml.etree.ElementTree as ET

import numpy as np
from PIL import Image
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

from torch_mimicry.utils.charts import LineChart, Series, nice_ticks
from torch_mimicry.utils.events import read_scalars


def _write(path, events):
    """An event file in the TFRecord layout: [length][masked CRC32C of it][data][masked CRC32C of data]."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        for step, tag, value in events:
            e = event_pb2.Event(step=step, summary=summary_pb2.Summary(
                value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]))
            data = e.SerializeToString()
            header = struct.pack("<Q", len(data))
            f.write(header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data)))


def test_read_scalars_groups_resumed_runs_and_truncation(tmp_path):
    data = tmp_path / "data"
    _write(str(data / "events.out.tfevents.100.host.1.0"), [(1, "errX", 1.0), (2, "errX", 2.0)])
    _write(str(data / "loss_errD" / "events.out.tfevents.100.host.1.1"), [(1, "loss", 0.5), (2, "loss", 0.25)])
    # a resumed run: a later file rewrites step 2 and continues
    _write(str(data / "loss_errD" / "events.out.tfevents.200.host.2.1"), [(2, "loss", 0.3), (3, "loss", 0.2)])
    later = str(data / "events.out.tfevents.300.host.3.0")
    _write(later, [(3, "errX", 3.0), (4, "errX", 4.0)])
    with open(later, "r+b") as f:  # cut inside the last record
        f.truncate(os.path.getsize(later) - 5)
    s = read_scalars(str(data))
    assert s[(None, "errX")] == [(1, 1.0), (2, 2.0), (3, 3.0)]
    assert s[("loss", "errD")] == [(1, 0.5), (2, 0.30000001192092896), (3, 0.20000000298023224)]
    assert read_scalars(str(tmp_path / "none")) == {}


def test_ticks_and_charts(tmp_path):
    assert nice_ticks(0, 1, 5) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(3, 3) and nice_ticks(-7.3, 12.1, 4) == [-5.0, 0.0, 5.0, 10.0]
    chart = LineChart("FID <over> steps", [Series("a & b", [0, 10, 20], [30.0, 20.0, 15.0], [29, 19, 14],
                                                  [31, 21, 16]), Series("c", [5], [1e-4])])
    svg = ET.fromstring(chart.svg())
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "FID <over> steps" in texts and "a & b" in texts
    assert len(list(svg.iter("{http://www.w3.org/2000/svg}polygon"))) == 1  # the ± band
    image = Image.new("RGB", (600, 320), "white")
    chart.draw(image, (20, 10))
    pixels = np.asarray(image).reshape(-1, 3)
    assert image.getpixel((10, 5)) == (255, 255, 255) and len(np.unique(pixels, axis=0)) > 10


def test_tensorboard_logs_without_importing_tensorflow(tmp_path):
    """TensorFlow is installed in the test environment; writing and reading TensorBoard logs must not
    load it into the training process (it is slow to import and kept out of torch's process)."""
    import subprocess
    import sys
    code = ("import sys\n"
            "from torch_mimicry.training.logger import Logger\n"
            "from torch_mimicry.utils.events import read_scalars\n"
            f"logger = Logger({str(tmp_path)!r}, num_steps=1, dataset_size=1)\n"
            "logger.writer.add_scalar('errX', 1.5, global_step=1)\n"
            "logger.close()\n"
            f"assert read_scalars({str(tmp_path / 'data')!r}) == {{(None, 'errX'): [(1, 1.5)]}}\n"
            "print('tensorflow' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
