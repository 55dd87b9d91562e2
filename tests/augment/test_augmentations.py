"""DiffAugment, ADA and PA-GAN as maps of images, and ADA's / PA-GAN's schedules."""
import math

import pytest
import torch

from torch_mimicry.augment import ADA, DiffAugment, ProgressiveAugmentation, make_augmentation
from torch_mimicry.augment import ada as ada_module
from torch_mimicry.augment import diffaugment as da
from torch_mimicry.augment.hooks import DiscriminatorCall
from torch_mimicry.augment.pagan import flip_logits


def _images(n=6, size=16):
    x = torch.rand(n, 3, size, size) * 2 - 1
    x[0, 0, 0, 0], x[0, 1, 0, 0] = 1.0, -1.0  # the extremes of the range
    return x


AUGMENTATIONS = {
    "diffaugment": lambda p: DiffAugment(p=p),
    "diffaugment-translation-cutout": lambda p: DiffAugment("translation,cutout", p=p),
    "ada": lambda p: ADA(p=p),
    "ada-geometric": lambda p: ADA(p=p, color=False),
    "ada-color": lambda p: ADA(p=p, geometric=False),
}


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_augmentation_keeps_range_and_shape_and_is_differentiable(name):
    aug = AUGMENTATIONS[name](1.0)
    x = _images().requires_grad_(True)
    out = aug(x)
    assert out.shape == x.shape
    assert out.min() >= -1 and out.max() <= 1
    assert not torch.equal(out.detach(), x.detach())
    weights = torch.randn_like(out)
    (out * weights).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0 and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_augmentation_is_the_identity_at_probability_0(name):
    x = _images()
    assert torch.equal(AUGMENTATIONS[name](0.0)(x), x)


def test_diffaugment_probability_selects_whole_images():
    torch.manual_seed(1)
    x = _images(n=200)
    out = DiffAugment(p=0.3)(x)
    kept = [torch.equal(out[i], x[i]) for i in range(200)]
    assert 0.55 < sum(kept) / 200 < 0.85


def test_translation_is_a_whole_pixel_shift_filled_with_zero():
    torch.manual_seed(2)
    x = torch.rand(8, 3, 16, 16) + 0.5  # no zeros in the input
    out = da.translation(x, ratio=0.125)
    for i in range(8):
        matches = []
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                shifted = torch.zeros_like(x[i])
                ys, xs = slice(max(0, -dy), 16 - max(0, dy)), slice(max(0, -dx), 16 - max(0, dx))
                ys_src, xs_src = slice(max(0, dy), 16 - max(0, -dy)), slice(max(0, dx), 16 - max(0, -dx))
                shifted[:, ys, xs] = x[i][:, ys_src, xs_src]
                matches.append(torch.equal(out[i], shifted))
        assert sum(matches) == 1


def test_cutout_zeroes_one_square_of_half_the_side():
    torch.manual_seed(3)
    x = torch.rand(16, 3, 16, 16) + 0.5
    out = da.cutout(x, ratio=0.5)
    for i in range(16):
        zero = (out[i] == 0).all(dim=0)
        rows, cols = zero.any(dim=1).nonzero().flatten(), zero.any(dim=0).nonzero().flatten()
        assert 1 <= len(rows) <= 8 and 1 <= len(cols) <= 8
        assert zero.sum() == len(rows) * len(cols)  # a rectangle, clipped by the border
        assert rows.max() - rows.min() + 1 == len(rows) and cols.max() - cols.min() + 1 == len(cols)
        assert torch.equal(out[i][:, ~zero], x[i][:, ~zero])
    assert (out == 0).all(dim=1).sum(dim=(1, 2)).max() == 64  # fully inside: 8 x 8


def test_color_moves_a_flat_grey_image_by_its_brightness_only():
    torch.manual_seed(4)
    x = torch.full((50, 3, 4, 4), 0.1)
    out = da.color(x)  # saturation and contrast scale deviations from means, which are 0 here
    shift = out - x
    assert torch.allclose(shift, shift[:, :1, :1, :1].expand_as(shift), atol=1e-6)
    assert shift.min() >= -0.5 and shift.max() <= 0.5 and shift.std() > 0.2


def test_unknown_policy_and_bad_probability_are_refused():
    with pytest.raises(ValueError, match="Unknown DiffAugment policy"):
        DiffAugment("color,flip")
    with pytest.raises(ValueError, match="probability"):
        DiffAugment(p=1.5)
    with pytest.raises(ValueError, match=r"\[N, C, H, W\]"):
        DiffAugment()(torch.rand(3, 16, 16))
    with pytest.raises(ValueError, match="Unknown augmentation"):
        make_augmentation("mixup")
    assert isinstance(make_augmentation("ADA"), ADA)
    assert isinstance(make_augmentation("PA-GAN"), ProgressiveAugmentation)
    from torch_mimicry.augment import PAGAN
    assert PAGAN is ProgressiveAugmentation
    assert isinstance(make_augmentation("Diff_Augment"), DiffAugment)


# ---------------------------------------------------------------------------------------------
# ADA's transforms


def test_ada_identity_matrices_resample_exactly_and_integer_shifts_move_pixels():
    x = torch.rand(2, 3, 8, 8)
    eye = torch.eye(3).expand(2, 3, 3)
    assert torch.allclose(ada_module.apply_geometric(x, eye), x, atol=1e-6)
    shift = eye.clone()
    shift[:, 0, 2] = 1.0  # output pixel (r, c) reads input pixel (r, c + 1)
    out = ada_module.apply_geometric(x, shift)
    assert torch.allclose(out[..., :-1], x[..., 1:], atol=1e-6)
    flip = torch.diag(torch.tensor([-1.0, 1.0, 1.0])).expand(2, 3, 3)
    assert torch.allclose(ada_module.apply_geometric(x, flip), x.flip(-1), atol=1e-6)


def test_ada_colour_transforms_act_about_the_grey_axis():
    grey = torch.full((1, 3, 2, 2), 0.3)
    v = torch.cat([torch.ones(3) / math.sqrt(3), torch.zeros(1)])
    lumaflip = (torch.eye(4) - 2 * torch.outer(v, v))[None]
    assert torch.allclose(ada_module.apply_color(grey, lumaflip), -grey, atol=1e-6)
    hue = ada_module._rotation_about_grey(torch.tensor([1.3]), v)
    assert torch.allclose(ada_module.apply_color(grey, hue), grey, atol=1e-6)
    colour = torch.tensor([0.5, -0.2, 0.1]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    rotated = ada_module.apply_color(colour, hue)
    assert not torch.allclose(rotated, colour, atol=1e-3)
    assert torch.allclose(rotated.mean(dim=1), colour.mean(dim=1), atol=1e-6)  # luma kept
    assert torch.allclose(rotated.norm(dim=1), colour.norm(dim=1), atol=1e-6)  # a rotation


def test_ada_probability_of_each_transform():
    torch.manual_seed(5)
    m, chosen = ada_module.color_matrices(4000, 0.2, "cpu")
    # five transforms, each with probability 0.2: some transform for 1 - 0.8^5 of the images
    assert chosen.float().mean().item() == pytest.approx(1 - 0.8 ** 5, abs=0.03)
    assert torch.equal(m[~chosen], torch.eye(4).expand(int((~chosen).sum()), 4, 4))
    m, chosen = ada_module.geometric_matrices(4000, 0.0, (8, 8), "cpu")
    assert not chosen.any() and torch.equal(m, torch.eye(3).expand(4000, 3, 3))


def _real_call():
    return DiscriminatorCall("D", "real", 0, 8)


@pytest.mark.parametrize("sign, start, rises", [(1.0, 0.0, True), (-1.0, 0.5, False)])
def test_ada_p_rises_when_the_discriminator_overfits_and_falls_otherwise(sign, start, rises):
    ada = ADA(p=start, interval=4, speed_kimg=1)  # one image moves p by 1/1000
    ps = [ada.p]
    for step in range(12):
        for _ in range(2):  # two real calls per discriminator step, 8 images each
            ada.observe(torch.full((8, 1), sign * 3.0), _real_call())
        ada.observe(torch.full((8, 1), 5.0), DiscriminatorCall("D", "fake", 0, 8))  # fakes do not count
        ada.observe(torch.full((8, 1), 5.0), DiscriminatorCall("G", "real", 0, 8))  # nor the generator's step
        ada.end_step("D", step)
        ps.append(ada.p)
    # p changes once every 4 discriminator steps, by 64 images / 1000
    assert ps[1:4] == [start] * 3
    expected = [min(1.0, max(0.0, start + (1 if rises else -1) * 0.064 * k)) for k in (1, 2, 3)]
    assert ps[4] == pytest.approx(expected[0]) and ps[8] == pytest.approx(expected[1])
    assert ps[12] == pytest.approx(expected[2])
    assert ada.last_rt == sign
    assert ada.metrics()["ada_p"] == ada.p


def test_ada_r_t_at_the_target_keeps_p_and_state_round_trips():
    ada = ADA(p=0.3, interval=2, speed_kimg=1, target=0.5)
    for _ in range(2):
        ada.observe(torch.tensor([[1.0], [1.0], [1.0], [-1.0]]), _real_call())  # r_t = 0.5
        ada.end_step("D", 0)
    assert ada.p == 0.3
    ada.observe(torch.ones(4, 1), _real_call())
    ada.end_step("D", 1)  # half an interval: the partial sums are state
    other = ADA(p=0.3, interval=2, speed_kimg=1, target=0.5)
    other.load_state_dict(ada.state_dict())
    for a in (ada, other):
        a.observe(torch.ones(4, 1), _real_call())
        a.end_step("D", 2)
    assert ada.p == other.p == pytest.approx(0.308)  # r_t = 1 over 8 images


# ---------------------------------------------------------------------------------------------
# PA-GAN


def test_pagan_bits_parity_and_label_flips():
    pa = ProgressiveAugmentation(level=3, label_flip="negate")
    torch.manual_seed(6)
    bits, odd = pa.draw_bits(500, "cpu")
    assert bits.shape == (500, 3) and set(bits.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(odd, bits.sum(dim=1).remainder(2) == 1)
    assert 0.4 < odd.float().mean() < 0.6
    logits = torch.randn(500, 1)
    flipped = flip_logits(logits, odd, "negate")
    assert torch.equal(flipped[odd], -logits[odd]) and torch.equal(flipped[~odd], logits[~odd])
    assert torch.equal(flip_logits(logits, odd, "one_minus")[odd], 1 - logits[odd])
    x = _images()
    assert torch.equal(pa(x), x)


def test_pagan_level_goes_up_when_the_criterion_stops_improving():
    pa = ProgressiveAugmentation(tolerance=0.05, max_level=2)
    # needs the current value and two previous ones at the same level
    assert [pa.record_score(v) for v in (1.0, 0.9)] == [False, False]
    assert not pa.record_score(0.8)    # 0.8 is 0.15 below the mean 0.95 of the previous two (> 5%)
    assert not pa.record_score(0.79)   # 0.06 below 0.85 (> 0.0425)
    assert pa.record_score(0.78)       # 0.015 below 0.795 (< 0.03975): level 1
    assert pa.level == 1 and pa.history == []
    assert [pa.record_score(v) for v in (0.7, 0.72, 0.75)] == [False, False, True]  # worse: level 2
    assert [pa.record_score(v) for v in (0.7, 0.72, 0.75)] == [False, False, False]  # max_level reached
    assert pa.level == 2 and pa.metrics() == {"pa_level": 2}
    assert [pa.is_check_step(s) for s in (0, 9999, 10000, 20000)] == [False, False, True, True]
