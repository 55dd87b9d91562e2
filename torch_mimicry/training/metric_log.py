"""MetricLog: the message that collects training metrics as it is passed down the pipeline."""
import math
from collections import OrderedDict
from typing import ItemsView, Iterator, KeysView, List, Optional, Tuple, TypedDict, Union, ValuesView

import torch


class MetricEntry(TypedDict):
    """One metric of a :class:`MetricLog`: its unrounded ``value``, its ``group`` (or None) and its
    ``precision`` (decimal places when printed)."""

    value: float
    group: Optional[str]
    precision: int


class MetricLog:
    """An ordered collection of named scalar metrics, each with an optional group and a precision.

    The interface is that of torch-mimicry 0.1.16: ``log_data[name]`` is the value rounded to
    its precision, and ``items()`` yields ``(name, {'value', 'group', 'precision'})``. Values are
    stored unrounded (tensors are read with ``.item()``): :meth:`get_value` and :meth:`scalars`
    return them, and the Logger writes them to TensorBoard unrounded. Metrics of one ``group``
    share one TensorBoard chart.

    Example::

        log_data = MetricLog()
        log_data.add_metric('errD', 0.52341, group='loss', precision=3)
        log_data['errD']             # 0.523 (rounded, as in 0.1.16)
        log_data.get_value('errD')   # 0.52341
        str(log_data)                # 'errD: 0.523'
    """

    def __init__(self, **kwargs: Union[float, torch.Tensor]) -> None:
        #: ``{name: {'value': float, 'group': str or None, 'precision': int}}`` in insertion order.
        self.metrics_dict: "OrderedDict[str, MetricEntry]" = OrderedDict()
        for name, value in kwargs.items():
            self.add_metric(name, value)

    @property
    def metrics(self) -> "OrderedDict[str, MetricEntry]":
        """The same dict as ``metrics_dict``."""
        return self.metrics_dict

    def add_metric(self, name: str, value: Union[float, torch.Tensor], group: Optional[str] = None,
                   precision: int = 4) -> None:
        """Adds (or replaces) metric ``name``.

        Args:
            name (str): metric name, e.g. ``'errD'``.
            value (float or Tensor): a scalar; a one-element tensor is read with ``.item()``.
            group (str): metrics of one group are plotted on one TensorBoard chart.
            precision (int): decimal places when printed or read with ``log_data[name]``.

        Raises:
            ValueError: an empty name, or a value that is not a number (or a one-element tensor).
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
        self.metrics_dict[name] = {"value": value, "group": group, "precision": int(precision)}

    def get_group_name(self, name: str) -> Optional[str]:
        """The group of metric ``name`` (None if it has none)."""
        return self._entry(name)["group"]

    def get_value(self, name: str) -> float:
        """The unrounded value of metric ``name`` (a float)."""
        return self._entry(name)["value"]

    def keys(self) -> KeysView[str]:
        """Metric names in insertion order."""
        return self.metrics_dict.keys()

    def items(self) -> ItemsView[str, MetricEntry]:
        """``(name, {'value', 'group', 'precision'})`` pairs in insertion order (as 0.1.16)."""
        return self.metrics_dict.items()

    def values(self) -> ValuesView[MetricEntry]:
        """The ``{'value', 'group', 'precision'}`` entries in insertion order."""
        return self.metrics_dict.values()

    def scalars(self) -> List[Tuple[str, float]]:
        """``(name, unrounded value)`` pairs in insertion order."""
        return [(name, m["value"]) for name, m in self.metrics_dict.items()]

    def non_finite(self) -> List[str]:
        """Names of metrics whose value is NaN or infinite."""
        return [name for name, value in self.scalars() if not math.isfinite(value)]

    def format(self, name: str) -> str:
        """The value of ``name`` with its precision's decimal places, as a string."""
        m = self._entry(name)
        return f"{m['value']:.{m['precision']}f}"

    def _entry(self, name: str) -> MetricEntry:
        try:
            return self.metrics_dict[name]
        except KeyError:
            raise KeyError(f"No metric {name!r}; logged metrics: {list(self.metrics_dict)}") from None

    def __getitem__(self, name: str) -> float:
        m = self._entry(name)
        return round(m["value"], m["precision"])

    def __contains__(self, name: object) -> bool:
        return name in self.metrics_dict

    def __len__(self) -> int:
        return len(self.metrics_dict)

    def __iter__(self) -> Iterator[str]:
        return iter(self.metrics_dict)

    def __str__(self) -> str:
        return ", ".join(f"{name}: {self.format(name)}" for name in self.metrics_dict)

    def __repr__(self) -> str:
        return f"MetricLog({dict(self.scalars())})"
