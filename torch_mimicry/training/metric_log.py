"""MetricLog: the message that collects training metrics as it is passed down the pipeline."""
import math
from collections import OrderedDict

import torch


class MetricLog:
    """An ordered collection of named scalar metrics, each with an optional group.

    Values are stored unrounded as Python floats (tensors are converted with ``.item()``);
    ``precision`` only affects how a value is printed. Metrics of one ``group`` share one
    TensorBoard chart.

    Example::

        log_data = MetricLog()
        log_data.add_metric('errD', 0.52341, group='loss', precision=3)
        log_data['errD']        # 0.52341
        str(log_data)           # 'errD: 0.523'
    """

    def __init__(self, **kwargs):
        self.metrics = OrderedDict()
        for name, value in kwargs.items():
            self.add_metric(name, value)

    def add_metric(self, name, value, group=None, precision=4):
        """Adds (or replaces) metric ``name``.

        Args:
            name (str): metric name, e.g. ``'errD'``.
            value (float or Tensor): a scalar; a one-element tensor is read with ``.item()``.
            group (str): metrics of one group are plotted on one TensorBoard chart.
            precision (int): decimal places when printed.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"A metric name must be a non-empty string, got {name!r}.")
        if isinstance(value, torch.Tensor):
            if value.numel() != 1:
                raise ValueError(f"Metric {name!r} must be a scalar, got a tensor of shape {tuple(value.shape)}.")
            value = value.detach().item()
        try:
            value = float(value)
        except (TypeError, ValueError) as e:
            raise ValueError(f"Metric {name!r} must be a number, got {value!r}.") from e
        self.metrics[name] = {"value": value, "group": group, "precision": int(precision)}

    def get_group_name(self, name):
        """The group of metric ``name`` (None if it has none)."""
        return self.metrics[name]["group"]

    def keys(self):
        """Metric names in insertion order."""
        return self.metrics.keys()

    def items(self):
        """``(name, value)`` pairs in insertion order."""
        return ((name, m["value"]) for name, m in self.metrics.items())

    def values(self):
        """Metric values (floats) in insertion order."""
        return (m["value"] for m in self.metrics.values())

    def non_finite(self):
        """Names of metrics whose value is NaN or infinite."""
        return [name for name, value in self.items() if not math.isfinite(value)]

    def format(self, name):
        """The value of ``name`` rounded to its precision, as a string."""
        m = self.metrics[name]
        return f"{m['value']:.{m['precision']}f}"

    def __getitem__(self, name):
        try:
            return self.metrics[name]["value"]
        except KeyError:
            raise KeyError(f"No metric {name!r}; logged metrics: {list(self.metrics)}") from None

    def __contains__(self, name):
        return name in self.metrics

    def __len__(self):
        return len(self.metrics)

    def __iter__(self):
        return iter(self.metrics)

    def __str__(self):
        return ", ".join(f"{name}: {self.format(name)}" for name in self.metrics)

    def __repr__(self):
        return f"MetricLog({dict(self.items())})"
