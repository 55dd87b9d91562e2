"""Tests of SN-DCGAN's own terms (torch_mimicry.nets.sndcgan); the checks every family shares
are in test_families.py."""

import torch

from family_suite import FAMILIES
from torch_mimicry.nets import sndcgan

FAMILY = FAMILIES["sndcgan"]


# ---------------------------------------------------------------------------------------------
# The standard CNN of Miyato et al. 2018


def test_default_parameter_counts_by_hand():
    def conv(cin, cout, k):
        return cin * cout * k * k + cout

    g = (128 * 16 * 512 + 16 * 512) + 2 * 512 + conv(512, 256, 4) + 2 * 256 + conv(256, 128, 4) + 2 * 128 \
        + conv(128, 64, 4) + 2 * 64 + conv(64, 3, 3)
    widths = [3, 64, 64, 128, 128, 256, 256, 512]
    d = sum(conv(widths[i], widths[i + 1], 3 if i % 2 == 0 else 4) for i in range(7)) + 16 * 512 + 1
    with torch.device("meta"):
        assert sndcgan.SNDCGANGenerator32().count_params()[0] == g
        assert sndcgan.SNDCGANDiscriminator32().count_params()[0] == d
        assert sndcgan.SNDCGANDiscriminator48().count_params()[0] == d - 16 * 512 + 36 * 512


def test_discriminator_layout():
    netD = sndcgan.SNDCGANDiscriminator32(ndf=32)
    assert [(c.kernel_size[0], c.stride[0]) for c in netD.convs] == [(3, 1), (4, 2)] * 3 + [(3, 1)]
    assert all(hasattr(c, "weight_orig") for c in netD.convs) and hasattr(netD.l_out, "weight_orig")
    assert netD.activation.negative_slope == 0.1
    netG = sndcgan.SNDCGANGenerator48(ngf=32)
    assert netG.generate_images(2).shape == (2, 3, 48, 48)
