"""Networks: the base classes and every GAN family."""
from torch_mimicry.nets import basemodel, gan, sngan

__all__ = ["basemodel", "gan", "sngan"]
