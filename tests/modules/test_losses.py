import math

import pytest
import torch

from torch_mimicry.modules import losses

REAL = torch.tensor([[2.0], [-1.0], [0.5]])
FAKE = torch.tensor([[-0.5], [1.5], [0.0]])


def _sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def _mean(xs):
    return sum(xs) / len(xs)


r = [2.0, -1.0, 0.5]
f = [-0.5, 1.5, 0.0]


def test_minimax_and_ns():
    d = _mean([-math.log(_sig(x)) for x in r]) + _mean([-math.log(1 - _sig(x)) for x in f])
    assert losses.discriminator_loss("gan", REAL, FAKE).item() == pytest.approx(d, rel=1e-6)
    assert losses.discriminator_loss("ns", REAL, FAKE).item() == pytest.approx(d, rel=1e-6)
    # 'gan' and 'ns' generators both minimise -log D(G(z)) (as torch-mimicry 0.1.16 did)
    assert losses.generator_loss("gan", FAKE).item() == pytest.approx(_mean([-math.log(_sig(x)) for x in f]),
                                                                      rel=1e-6)
    assert losses.generator_loss("ns", FAKE).item() == pytest.approx(_mean([-math.log(_sig(x)) for x in f]),
                                                                     rel=1e-6)


def test_positional_argument_order_of_the_original():
    """torch-mimicry 0.1.16 took (output_fake, output_real) for hinge and minimax and
    (output_real, output_fake) for wasserstein; positional calls give the same values here."""
    assert losses.hinge_loss_dis(FAKE, REAL).item() == pytest.approx(
        _mean([max(0, 1 - x) for x in r]) + _mean([max(0, 1 + x) for x in f]), rel=1e-6)
    assert losses.minimax_loss_dis(FAKE, REAL).item() == pytest.approx(
        _mean([-math.log(_sig(x)) for x in r]) + _mean([-math.log(1 - _sig(x)) for x in f]), rel=1e-6)
    assert losses.wasserstein_loss_dis(REAL, FAKE).item() == pytest.approx(_mean(f) - _mean(r), rel=1e-6)
    assert losses.minimax_loss_gen(FAKE, real_label_val=1.0).item() == pytest.approx(
        _mean([-math.log(_sig(x)) for x in f]), rel=1e-6)
    per_sample = losses.minimax_loss_gen(FAKE, reduction="none")  # keyword arguments reach the BCE
    assert per_sample.shape == FAKE.shape


def test_hinge_and_wasserstein():
    d = _mean([max(0, 1 - x) for x in r]) + _mean([max(0, 1 + x) for x in f])
    assert losses.discriminator_loss("hinge", REAL, FAKE).item() == pytest.approx(d, rel=1e-6)
    assert losses.generator_loss("hinge", FAKE).item() == pytest.approx(-_mean(f), rel=1e-6)
    assert losses.discriminator_loss("wasserstein", REAL, FAKE).item() == pytest.approx(_mean(f) - _mean(r), rel=1e-6)
    assert losses.generator_loss("wasserstein", FAKE).item() == pytest.approx(-_mean(f), rel=1e-6)


def test_lsgan():
    d = 0.5 * _mean([(x - 1) ** 2 for x in r]) + 0.5 * _mean([x ** 2 for x in f])
    assert losses.discriminator_loss("lsgan", REAL, FAKE).item() == pytest.approx(d, rel=1e-6)
    assert losses.generator_loss("lsgan", FAKE).item() == pytest.approx(0.5 * _mean([(x - 1) ** 2 for x in f]),
                                                                        rel=1e-6)


def test_relativistic_losses():
    mr, mf = _mean(r), _mean(f)

    def bce(x, target):
        return -math.log(_sig(x)) if target == 1 else -math.log(1 - _sig(x))

    rasgan_d = 0.5 * (_mean([bce(x - mf, 1) for x in r]) + _mean([bce(x - mr, 0) for x in f]))
    rasgan_g = 0.5 * (_mean([bce(x - mr, 1) for x in f]) + _mean([bce(x - mf, 0) for x in r]))
    ralsgan_d = 0.5 * (_mean([(x - mf - 1) ** 2 for x in r]) + _mean([(x - mr + 1) ** 2 for x in f]))
    ralsgan_g = 0.5 * (_mean([(x - mr - 1) ** 2 for x in f]) + _mean([(x - mf + 1) ** 2 for x in r]))
    rahinge_d = 0.5 * (_mean([max(0, 1 - (x - mf)) for x in r]) + _mean([max(0, 1 + (x - mr)) for x in f]))
    rahinge_g = 0.5 * (_mean([max(0, 1 - (x - mr)) for x in f]) + _mean([max(0, 1 + (x - mf)) for x in r]))
    for name, d, g in (("rasgan", rasgan_d, rasgan_g), ("ralsgan", ralsgan_d, ralsgan_g),
                       ("rahinge", rahinge_d, rahinge_g)):
        assert losses.discriminator_loss(name, REAL, FAKE).item() == pytest.approx(d, rel=1e-6), name
        assert losses.generator_loss(name, FAKE, REAL).item() == pytest.approx(g, rel=1e-6), name
        assert losses.is_relativistic(name)
        with pytest.raises(ValueError, match="output_real"):
            losses.generator_loss(name, FAKE)


def test_rpgan_pairs_outputs():
    softplus = lambda x: math.log1p(math.exp(x))  # noqa: E731
    d = _mean([softplus(-(a - b)) for a, b in zip(r, f)])
    g = _mean([softplus(-(b - a)) for a, b in zip(r, f)])
    assert losses.discriminator_loss("rpgan", REAL, FAKE).item() == pytest.approx(d, rel=1e-6)
    assert losses.generator_loss("rpgan", FAKE, REAL).item() == pytest.approx(g, rel=1e-6)
    assert losses.is_relativistic("rpgan")
    with pytest.raises(ValueError, match="output_real"):
        losses.generator_loss("rpgan", FAKE)
    with pytest.raises(ValueError, match="shapes must agree"):
        losses.discriminator_loss("rpgan", REAL, FAKE[:2])


def test_zero_centred_gradient_penalties():
    from torch_mimicry.modules import regularizers
    torch.manual_seed(0)
    w = torch.randn(3 * 4 * 4, requires_grad=True)
    x = torch.randn(5, 3, 4, 4).requires_grad_(True)
    out = torch.tanh(x.flatten(1) @ w)  # D(x_i) = tanh(w . x_i): grad_i = (1 - D^2) w
    expected = ((1 - out.detach() ** 2) ** 2 * (w.detach() ** 2).sum()).mean()
    r1 = regularizers.r1_penalty(out, x, gamma=0.4)
    assert r1.item() == pytest.approx(0.2 * expected.item(), rel=1e-5)
    assert regularizers.r2_penalty(out, x, gamma=2.0).item() == pytest.approx(expected.item(), rel=1e-5)
    r1.backward()  # the double backward reaches the weights
    assert w.grad is not None and torch.isfinite(w.grad).all() and w.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="requires_grad"):
        regularizers.zero_centred_gradient_penalty(out.detach(), x.detach())


def test_unknown_loss_type():
    with pytest.raises(ValueError, match="Unknown loss_type 'foo'.*hinge"):
        losses.discriminator_loss("foo", REAL, FAKE)
