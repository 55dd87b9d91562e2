"""ADA: adaptive discriminator augmentation (Karras et al. 2020, *Training Generative Adversarial
Networks with Limited Data*).

Transforms (the paper's "bgc" pipeline: pixel blitting, general geometric and colour
transforms), each applied to each image independently with probability ``p``:

* geometric, composed into one affine map per image and resampled bilinearly with reflection
  at the borders: x-flip (half of the selected images), rotation by a random multiple of 90
  degrees, integer translation (uniform, up to 0.125 of the side, rounded to whole pixels),
  isotropic scaling (``2^N(0, 0.2^2)``), rotation (uniform angle; applied before and after the
  anisotropic scaling, each with probability ``1 - sqrt(1 - p)`` so that some rotation happens
  with probability ``p``), anisotropic scaling (``2^N(0, 0.2^2)`` along x, its inverse along y),
  fractional translation (``N(0, 0.125^2)`` of the side);
* colour, composed into one affine map of the RGB values per image: brightness (``+N(0, 0.2^2)``),
  contrast (``x 2^N(0, 0.5^2)``), luma flip (half of the selected images: reflection of the
  component along the grey axis), hue rotation (uniform angle about the grey axis), saturation
  (the component off the grey axis ``x 2^N(0, 1)``).

``p`` adapts: ``r_t = E[sign(D(x_real))]`` is accumulated over the real batches of ``interval``
discriminator steps, then ``p`` moves by ``sign(r_t - target) * (images seen) / (speed_kimg *
1000)``, i.e. it can go from 0 to 1 in ``speed_kimg`` thousand real images (the paper: target 0.6,
every 4 minibatches, 500k images). ``p`` is clipped to [0, 1].

Differences from the paper's implementation: the geometric resampling is plain bilinear with
reflection (the paper upsamples 2x with a wavelet filter first, against aliasing); the output is
clipped to [-1, 1].
"""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from torch_mimicry.augment.base import Augmentation, bernoulli, check_probability
from torch_mimicry.augment.hooks import DiscriminatorCall

#: Transforms of the pipeline, in the order they are composed.
GEOMETRIC = ("xflip", "rotate90", "xint", "scale", "rotate", "aniso", "xfrac")
COLOR = ("brightness", "contrast", "lumaflip", "hue", "saturation")

_GREY = torch.tensor([1.0, 1.0, 1.0]) / math.sqrt(3.0)


def _eye(n: int, size: int, device: Any, dtype: torch.dtype) -> torch.Tensor:
    return torch.eye(size, device=device, dtype=dtype).expand(n, size, size).clone()


def _scale2d(sx: torch.Tensor, sy: torch.Tensor) -> torch.Tensor:
    m = _eye(sx.shape[0], 3, sx.device, sx.dtype)
    m[:, 0, 0], m[:, 1, 1] = sx, sy
    return m


def _translate2d(tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
    m = _eye(tx.shape[0], 3, tx.device, tx.dtype)
    m[:, 0, 2], m[:, 1, 2] = tx, ty
    return m


def _rotate2d(theta: torch.Tensor) -> torch.Tensor:
    m = _eye(theta.shape[0], 3, theta.device, theta.dtype)
    c, s = torch.cos(theta), torch.sin(theta)
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = c, -s, s, c
    return m


def _where(chosen: torch.Tensor, value: torch.Tensor, default: float) -> torch.Tensor:
    return torch.where(chosen, value, torch.full_like(value, default))


def geometric_matrices(n: int, p: float, size: Sequence[int], device: Any,
                       dtype: torch.dtype = torch.float32) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-image 3x3 maps (pixel units, origin at the image centre) and which images got one.

    Args:
        n (int): images. p (float): probability of each transform. size (tuple): ``(H, W)``.

    Returns:
        tuple: ``(matrices [n, 3, 3], selected [n] bool)``.
    """
    h, w = size
    m = _eye(n, 3, device, dtype)
    any_chosen = torch.zeros(n, dtype=torch.bool, device=device)

    def draw(prob: float = p) -> torch.Tensor:
        chosen = bernoulli(n, prob, device)
        nonlocal any_chosen
        any_chosen = any_chosen | chosen
        return chosen

    chosen = draw()
    flip = chosen & (torch.rand(n, device=device) < 0.5)
    m = m @ _scale2d(1 - 2 * flip.to(dtype), torch.ones(n, device=device, dtype=dtype))
    chosen = draw()
    quarter = _where(chosen, torch.randint(0, 4, (n,), device=device).to(dtype), 0.0)
    m = m @ _rotate2d(quarter * (math.pi / 2))
    chosen = draw()
    t = (torch.rand(n, 2, device=device, dtype=dtype) * 2 - 1) * 0.125
    m = m @ _translate2d(_where(chosen, torch.round(t[:, 0] * w), 0.0), _where(chosen, torch.round(t[:, 1] * h), 0.0))
    chosen = draw()
    s = _where(chosen, torch.exp2(torch.randn(n, device=device, dtype=dtype) * 0.2), 1.0)
    m = m @ _scale2d(s, s)
    p_rot = 1 - math.sqrt(max(0.0, 1 - p))
    chosen = draw(p_rot)
    m = m @ _rotate2d(_where(chosen, (torch.rand(n, device=device, dtype=dtype) * 2 - 1) * math.pi, 0.0))
    chosen = draw()
    s = _where(chosen, torch.exp2(torch.randn(n, device=device, dtype=dtype) * 0.2), 1.0)
    m = m @ _scale2d(s, 1 / s)
    chosen = draw(p_rot)
    m = m @ _rotate2d(_where(chosen, (torch.rand(n, device=device, dtype=dtype) * 2 - 1) * math.pi, 0.0))
    chosen = draw()
    t = torch.randn(n, 2, device=device, dtype=dtype) * 0.125
    m = m @ _translate2d(_where(chosen, t[:, 0] * w, 0.0), _where(chosen, t[:, 1] * h, 0.0))
    return m, any_chosen


def color_matrices(n: int, p: float, device: Any,
                   dtype: torch.dtype = torch.float32) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-image 4x4 affine maps of homogeneous RGB values and which images got one.

    Returns:
        tuple: ``(matrices [n, 4, 4], selected [n] bool)``.
    """
    c = _eye(n, 4, device, dtype)
    v = torch.cat([_GREY.to(device, dtype), torch.zeros(1, device=device, dtype=dtype)])
    vv = torch.outer(v, v)
    eye4 = torch.eye(4, device=device, dtype=dtype)
    any_chosen = torch.zeros(n, dtype=torch.bool, device=device)

    chosen = bernoulli(n, p, device)
    any_chosen |= chosen
    b = _where(chosen, torch.randn(n, device=device, dtype=dtype) * 0.2, 0.0)
    step = _eye(n, 4, device, dtype)
    step[:, :3, 3] = b[:, None]
    c = step @ c
    chosen = bernoulli(n, p, device)
    any_chosen |= chosen
    k = _where(chosen, torch.exp2(torch.randn(n, device=device, dtype=dtype) * 0.5), 1.0)
    step = _eye(n, 4, device, dtype)
    step[:, 0, 0], step[:, 1, 1], step[:, 2, 2] = k, k, k
    c = step @ c
    chosen = bernoulli(n, p, device)
    any_chosen |= chosen
    flip = (chosen & (torch.rand(n, device=device) < 0.5)).to(dtype)
    c = (eye4 - 2 * vv * flip[:, None, None]) @ c
    chosen = bernoulli(n, p, device)
    any_chosen |= chosen
    theta = _where(chosen, (torch.rand(n, device=device, dtype=dtype) * 2 - 1) * math.pi, 0.0)
    c = _rotation_about_grey(theta, v) @ c
    chosen = bernoulli(n, p, device)
    any_chosen |= chosen
    s = _where(chosen, torch.exp2(torch.randn(n, device=device, dtype=dtype) * 1.0), 1.0)
    c = (vv + (eye4 - vv) * s[:, None, None]) @ c
    return c, any_chosen


def _rotation_about_grey(theta: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Rodrigues rotation by ``theta`` [n] about the unit axis ``v`` (4-vector, last entry 0)."""
    n = theta.shape[0]
    a = v[:3]
    cross = torch.zeros(3, 3, device=v.device, dtype=v.dtype)
    cross[0, 1], cross[0, 2], cross[1, 0], cross[1, 2], cross[2, 0], cross[2, 1] = -a[2], a[1], a[2], -a[0], -a[1], a[0]
    cos, sin = torch.cos(theta)[:, None, None], torch.sin(theta)[:, None, None]
    r3 = torch.eye(3, device=v.device, dtype=v.dtype) * cos + cross * sin + torch.outer(a, a) * (1 - cos)
    r = _eye(n, 4, v.device, v.dtype)
    r[:, :3, :3] = r3
    return r


def apply_geometric(x: torch.Tensor, matrices: torch.Tensor) -> torch.Tensor:
    """Resamples ``x`` [N, C, H, W] at ``matrices`` (output pixel -> input pixel, centred pixel
    units), bilinearly, reflecting at the borders."""
    n, _, h, w = x.shape
    to_norm = torch.diag(torch.tensor([2.0 / w, 2.0 / h, 1.0], device=x.device, dtype=x.dtype))
    from_norm = torch.diag(torch.tensor([w / 2.0, h / 2.0, 1.0], device=x.device, dtype=x.dtype))
    theta = (to_norm @ matrices.to(x.dtype) @ from_norm)[:, :2, :]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def apply_color(x: torch.Tensor, matrices: torch.Tensor) -> torch.Tensor:
    """Applies per-image 4x4 affine colour maps to the RGB channels of ``x`` [N, 3, H, W]."""
    if x.shape[1] != 3:
        raise ValueError(f"ADA's colour transforms need RGB images (3 channels), got {x.shape[1]}; "
                         "use ADA(color=False).")
    m = matrices.to(x.dtype)
    flat = x.reshape(x.shape[0], 3, -1)
    return (m[:, :3, :3] @ flat + m[:, :3, 3:]).reshape(x.shape)


class ADA(Augmentation):
    """Adaptive discriminator augmentation with the adjustment of ``p`` by ``r_t``.

    Args:
        p (float): initial probability (0).
        target (float): target of ``r_t = E[sign(D(x_real))]`` (0.6).
        interval (int): discriminator steps between adjustments of ``p`` (4).
        speed_kimg (float): thousands of real images over which ``p`` can go from 0 to 1 (500).
        adaptive (bool): adjust ``p`` (True) or keep it fixed.
        geometric (bool), color (bool): use the geometric / colour transforms.

    State (``state_dict``): ``p`` and the partial sums of the current interval.
    """

    name = "ada"

    def __init__(self, p: float = 0.0, target: float = 0.6, interval: int = 4, speed_kimg: float = 500,
                 adaptive: bool = True, geometric: bool = True, color: bool = True) -> None:
        self.p = self.p_init = check_probability("p", p)
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not -1.0 <= target <= 1.0:
            raise ValueError(f"target must be a number in [-1, 1] (a target of E[sign(D(x_real))]), got {target!r}.")
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"interval must be a positive int (discriminator steps), got {interval!r}.")
        if not isinstance(speed_kimg, (int, float)) or not speed_kimg > 0:
            raise ValueError(f"speed_kimg must be a positive number, got {speed_kimg!r}.")
        if not (geometric or color):
            raise ValueError("ADA needs geometric=True, color=True or both.")
        self.target, self.interval, self.speed_kimg = float(target), interval, float(speed_kimg)
        self.adaptive, self.geometric, self.color = bool(adaptive), bool(geometric), bool(color)
        self._sign_sum, self._count, self._steps = 0.0, 0, 0
        self._step_sum, self._step_count = 0.0, 0
        self.last_rt: Optional[float] = None
        #: ``f(sign_sum, count) -> (sign_sum, count)`` summed over the processes of a distributed run
        #: (set by the Trainer), so that every process adapts ``p`` alike.
        self.reduce_sum: Optional[Callable[[float, int], Tuple[float, int]]] = None

    # -- the augmentation -------------------------------------------------------------------------
    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """The augmented images ``[N, C, H, W]`` in ``[-1, 1]`` (the input itself at probability 0)."""
        if self.p == 0.0:
            return x
        n = x.shape[0]
        out = x
        if self.geometric:
            m, chosen = geometric_matrices(n, self.p, x.shape[2:], x.device)
            if bool(chosen.any()):
                out = torch.where(chosen.view(-1, 1, 1, 1), apply_geometric(out, m), out)
        if self.color:
            m, chosen = color_matrices(n, self.p, x.device)
            if bool(chosen.any()):
                out = torch.where(chosen.view(-1, 1, 1, 1), apply_color(out, m), out)
        return out.clamp(-1.0, 1.0)

    # -- the adjustment of p ---------------------------------------------------------------------
    def observe_real(self, logits: torch.Tensor) -> None:
        """Adds the signs of the discriminator's outputs on a real batch to the current step."""
        out = logits.detach()
        self._step_sum += float(torch.sign(out).sum())
        self._step_count += out.numel()

    def discriminator_step_done(self) -> None:
        """Counts one discriminator step; every ``interval`` steps, adjusts ``p`` by ``r_t``."""
        step_sum, step_count = self._step_sum, self._step_count
        if self.reduce_sum is not None:
            step_sum, step_count = self.reduce_sum(step_sum, step_count)
        self._sign_sum += step_sum
        self._count += int(step_count)
        self._step_sum, self._step_count = 0.0, 0
        self._steps += 1
        if self._steps < self.interval:
            return
        if self._count > 0:
            rt = self._sign_sum / self._count
            self.last_rt = rt
            if self.adaptive:
                sign = (rt > self.target) - (rt < self.target)
                self.p = min(1.0, max(0.0, self.p + sign * self._count / (self.speed_kimg * 1000)))
        self._sign_sum, self._count, self._steps = 0.0, 0, 0

    def observe(self, logits: torch.Tensor, call: DiscriminatorCall) -> None:
        if call.phase == "D":
            real = call.select(logits, "real")  # the whole output, or the real rows of a concatenation
            if real is not None:
                self.observe_real(real)

    def end_step(self, phase: str, global_step: int) -> None:
        if phase == "D":
            self.discriminator_step_done()

    # -- state --------------------------------------------------------------------------------------
    def hparams(self) -> Dict[str, Any]:
        """The settings, as recorded in the run's params.json."""
        return {"p_init": self.p_init, "target": self.target,
                "interval": self.interval, "speed_kimg": self.speed_kimg, "adaptive": self.adaptive,
                "geometric": self.geometric, "color": self.color}

    def state_dict(self) -> Dict[str, Any]:
        """The state that changes during training (saved in the checkpoints)."""
        return {"p": self.p, "sign_sum": self._sign_sum, "count": self._count, "steps": self._steps,
                "last_rt": self.last_rt}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Restores a ``state_dict()``."""
        self.p = check_probability("p", state["p"])
        self._sign_sum, self._count, self._steps = float(state["sign_sum"]), int(state["count"]), int(state["steps"])
        self.last_rt = state.get("last_rt")

    def metrics(self) -> Dict[str, float]:
        """Values to log, ``{name: float}``."""
        values = {"ada_p": self.p}
        if self.last_rt is not None:
            values["ada_rt"] = self.last_rt
        return values
