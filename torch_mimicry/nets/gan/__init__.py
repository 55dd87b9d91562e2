"""Base classes for GAN generators and discriminators."""
from torch_mimicry.nets.gan.cgan import BaseConditionalDiscriminator, BaseConditionalGenerator
from torch_mimicry.nets.gan.gan import BaseDiscriminator, BaseGenerator

__all__ = ["BaseConditionalDiscriminator", "BaseConditionalGenerator", "BaseDiscriminator", "BaseGenerator"]
