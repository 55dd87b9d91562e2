"""R3GAN (Huang et al. 2024): the relativistic pairing loss with R1 and R2 penalties, and a modern
ResNet (grouped convolutions, no normalisation) built from per-resolution plans, at 32 and 64
pixels (any plan of ``PLANS`` through ``R3GANGenerator`` / ``R3GANDiscriminator``)."""
from torch_mimicry.nets.r3gan.r3gan_32 import R3GANDiscriminator32, R3GANGenerator32
from torch_mimicry.nets.r3gan.r3gan_64 import R3GANDiscriminator64, R3GANGenerator64
from torch_mimicry.nets.r3gan.r3gan_base import (PLANS, PRESETS, R3GANDiscriminator, R3GANGenerator, R3GANPlan,
                                                 R3GANPreset, get_plan, preset_schedules)

__all__ = ["PLANS", "PRESETS", "R3GANDiscriminator", "R3GANDiscriminator32", "R3GANDiscriminator64",
           "R3GANGenerator", "R3GANGenerator32", "R3GANGenerator64", "R3GANPlan", "R3GANPreset", "get_plan",
           "preset_schedules"]
