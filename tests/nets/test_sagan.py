"""Tests of SAGAN's own terms (torch_mimicry.nets.sagan); the checks every family shares
are in test_families.py."""

import torch

from family_suite import FAMILIES

FAMILY = FAMILIES["sagan"]
_small = FAMILY.small
_warm_up = FAMILY.warm_up


# ---------------------------------------------------------------------------------------------
# Self-attention and spectral norm in both networks


def test_attention_takes_part_once_gamma_is_nonzero():
    netG, netD = _small(32)
    netG.eval()
    _warm_up(netD, 32)
    z, x, y = torch.randn(2, 8), torch.rand(2, 3, 32, 32), torch.tensor([0, 1])
    with torch.no_grad():
        g0, d0 = netG(z, y), netD(x, y)
        netG.attn_block.gamma.fill_(0.7)
        netD.attn_block.gamma.fill_(0.7)
        assert not torch.allclose(g0, netG(z, y)) and not torch.allclose(d0, netD(x, y))


def test_generator_is_spectrally_normalised():
    netG, _ = _small(32)
    keys = netG.state_dict().keys()
    for layer in ("l1", "block2.c1", "block2.c_sc", "c5", "attn_block.theta"):
        assert f"{layer}.weight_orig" in keys


def test_scalar_gamma_of_original_checkpoints_is_converted():
    netG, _ = _small(32)
    state = netG.state_dict()
    state["attn_block.gamma"] = torch.tensor(0.25)
    netG.load_state_dict(netG.convert_state_dict(state))
    assert netG.attn_block.gamma.shape == (1,) and netG.attn_block.gamma.item() == 0.25
