"""torch-mimicry 0.1.16's released generators: names, training settings and published scores.

The release listed its checkpoints (``netG.pth``, a ``{'model_state_dict', ...}`` dict of
0.1.16's key layout) in its README as Google Drive links, in two tables:

* **Baselines** (the model zoo): every model trained with Adam, learning rate 2e-4,
  betas (0.0, 0.9), batch size 64, under each dataset's settings, and scored with 3 seeds:
  Inception Score on 50K generated images in 10 splits, FID on 50K real and 50K generated
  images, KID on 50K real and 50K generated images averaged over 10 subsets, all with the
  TensorFlow Inception network of 2015-12-05 (the original IS / FID / KID code);
* **Reproducibility** (``<family>_cifar10_repro``): CIFAR-10 models trained under the settings
  of the papers they reproduce (not listed with the release), with FID at the paper's sample
  sizes and the score the paper reported.

No checksum was published with these files and none is recorded here: the files are not
reachable from the machines this library is tested on, and a hash is only written down after it
was computed from the real file. Loading one therefore needs its SHA-256 from you:
``load_pretrained('sngan_cifar10', sha256='...')`` after checking the downloaded file, or a
local copy with ``path=`` and ``sha256=``. Google Drive may answer an automated download with
a web page; then download it in a browser and pass ``path=``.
"""
from typing import Any, Dict, List, Optional, Tuple

from torch_mimicry.hub.files import FileSpec
from torch_mimicry.hub.zoo import PublishedScore, ZooEntry

__all__ = ["ENTRIES", "RELEASE", "drive_url"]

RELEASE = "torch-mimicry 0.1.16 (README: Baselines | Model Zoo; Lee & Town, Mimicry, CVPR-W AI4CC 2020)"
_REPRO = "torch-mimicry 0.1.16 (README: Reproducibility)"
_IMPLEMENTATION = "torch-mimicry 0.1.16: TensorFlow Inception 2015-12-05 (improved-gan IS, TTUR FID, MMD-GAN KID)"


def drive_url(file_id: str) -> str:
    """The direct-download URL of a Google Drive file id."""
    return f"https://drive.google.com/uc?export=download&id={file_id}"


#: ``{family: (package, class prefix)}``.
_FAMILIES = {"sngan": ("sngan", "SNGAN"), "ssgan": ("ssgan", "SSGAN"), "infomax_gan": ("infomax_gan", "InfoMaxGAN"),
             "wgan_gp": ("wgan_gp", "WGANGP"), "cgan_pd": ("cgan_pd", "CGANPD")}

#: ``{dataset: (resolution, split, num_classes, lr_decay, n_dis, num_steps)}`` (Training Parameters tables).
_SETTINGS: Dict[str, Tuple[int, str, int, Optional[str], int, int]] = {
    "celeba_128": (128, "all", 0, None, 2, 100000),
    "celeba_64": (64, "all", 0, "linear", 5, 100000),
    "lsun_bedroom_128": (128, "train", 0, "linear", 2, 100000),
    "stl10_48": (48, "unlabeled", 0, "linear", 5, 100000),
    "imagenet_128": (128, "train", 1000, None, 5, 450000),
    "imagenet_32": (32, "train", 1000, "linear", 5, 100000),
    "cifar10": (32, "train", 10, "linear", 5, 100000),
    "cifar100": (32, "train", 100, "linear", 5, 100000),
}

#: ``(family, dataset, (IS, std), (FID, std), (KID, std), Google Drive id)`` (Results tables).
_BASELINES: List[Tuple[str, str, Tuple[float, float], Tuple[float, float], Tuple[float, float], str]] = [
    ("sngan", "celeba_128", (2.72, 0.01), (12.93, 0.04), (0.0076, 0.0001), "1rYnv2tCADbzljYlnc8Ypy-JTTipJlRyN"),
    ("ssgan", "celeba_128", (2.63, 0.01), (15.18, 0.10), (0.0101, 0.0001), "1Gn4ouslRAHq3D7AP_V-T2x8Wi1S1hTXJ"),
    ("infomax_gan", "celeba_128", (2.84, 0.01), (9.50, 0.04), (0.0063, 0.0001), "1C0jzZmx2uSUvBlQpAo3aRay1l8fB4McU"),
    ("sngan", "celeba_64", (2.68, 0.01), (5.71, 0.02), (0.0033, 0.0001), "1d9pYKKW9Hgi-ylOKwU0UM1ZsmUyD8Bpj"),
    ("ssgan", "celeba_64", (2.67, 0.01), (6.03, 0.04), (0.0036, 0.0001), "1wM23g566VrHTJzC0F7X5MgxgcAzzhbLr"),
    ("infomax_gan", "celeba_64", (2.68, 0.01), (5.71, 0.06), (0.0033, 0.0001), "1bvRvkOgZAuN89sVxfdNS16j6kAyKwN8z"),
    ("sngan", "lsun_bedroom_128", (2.30, 0.01), (25.87, 0.03), (0.0141, 0.0001), "1SrvdLM-5mUVYwEztY-6TVAdTKlNPUA7k"),
    ("ssgan", "lsun_bedroom_128", (2.12, 0.01), (12.02, 0.07), (0.0077, 0.0001), "1uSQHr0PMeCdpWAFPwbn-6YgZX0w0TApu"),
    ("infomax_gan", "lsun_bedroom_128", (2.22, 0.01), (12.13, 0.16), (0.0080, 0.0001),
     "1PNaYmzLb66D-JXdzVimZ-EiNjI7qAwu_"),
    ("wgan_gp", "stl10_48", (8.55, 0.02), (43.01, 0.19), (0.0440, 0.0003), "1-Fw_xzl_D7P05wL7HmSPGtPPiH3zTeG7"),
    ("sngan", "stl10_48", (8.04, 0.07), (39.56, 0.10), (0.0369, 0.0002), "1tVRXDHgUTpBwfGh0RJvdjw2EUOGu-m-A"),
    ("ssgan", "stl10_48", (8.25, 0.06), (37.06, 0.19), (0.0332, 0.0004), "1TBeAhxvxJr3ykKwu4Wgw715D2fAslM-9"),
    ("infomax_gan", "stl10_48", (8.54, 0.12), (35.52, 0.10), (0.0326, 0.0002), "1QHwyvaCqAKyXbkYYzHGNEsDWpBPn05oS"),
    ("sngan", "imagenet_128", (13.05, 0.05), (65.74, 0.31), (0.0663, 0.0004), "1ZmjV9iMFgmthCgOKpMp8vKCIVQh_XPiR"),
    ("ssgan", "imagenet_128", (13.30, 0.03), (62.48, 0.31), (0.0616, 0.0004), "1LIqtrlRd2jOcrwLpzD_ztf7Dc2GZwH8g"),
    ("infomax_gan", "imagenet_128", (13.68, 0.06), (58.91, 0.14), (0.0579, 0.0004), "1kKfMddYe3gP0Y3xOhq0KD3GNjBwe_k9S"),
    ("sngan", "imagenet_32", (8.97, 0.12), (23.04, 0.06), (0.0157, 0.0002), "1LF-tNfbVmHHw8onneOz3V5b-j2ff-Kh2"),
    ("cgan_pd", "imagenet_32", (9.08, 0.17), (21.17, 0.05), (0.0145, 0.0002), "1gHduZDIP9QOr-YgkB3_4p4vU-gjCPnRH"),
    ("ssgan", "imagenet_32", (9.11, 0.12), (21.79, 0.09), (0.0152, 0.0002), "1PzdCYzwg4lZ9r9tPf6I7XItoIu5lHhwy"),
    ("infomax_gan", "imagenet_32", (9.04, 0.10), (20.68, 0.02), (0.0149, 0.0001), "1aKtU9P9eccqSmPZrlMRy2eqmd0BJT0vo"),
    ("wgan_gp", "cifar10", (7.33, 0.02), (22.29, 0.06), (0.0204, 0.0004), "1KL9uDpSZ1Fwzt-4Mke1o88w8ftX01OxR"),
    ("sngan", "cifar10", (7.97, 0.06), (16.77, 0.04), (0.0125, 0.0001), "16TxezS7VBTiuPdQdjDUM0-_rHXqyPrvr"),
    ("cgan_pd", "cifar10", (8.25, 0.13), (10.84, 0.03), (0.0070, 0.0001), "12nGJZjJyi-RJQFj98MlrSqhA_uST2_1n"),
    ("ssgan", "cifar10", (8.17, 0.06), (14.65, 0.04), (0.0101, 0.0002), "1sceT1tUPw2wRVqLcpg1EkWpz8Qa5j_fE"),
    ("infomax_gan", "cifar10", (8.08, 0.08), (15.12, 0.10), (0.0112, 0.0001), "15k7HmwcKBDL0wjpV4XG9AGs-7yzxuFKV"),
    ("sngan", "cifar100", (7.57, 0.11), (22.61, 0.06), (0.0156, 0.0003), "16XtxZd6ARXjfTBuOZml_FpR0WVaWkToA"),
    ("cgan_pd", "cifar100", (8.92, 0.07), (14.16, 0.01), (0.0085, 0.0002), "1wQY5IbqD_CcuVwpGZXfMdWxh7OZHrQxM"),
    ("ssgan", "cifar100", (7.56, 0.07), (22.18, 0.10), (0.0161, 0.0002), "1dkO0mf6S44tvrtqRYtTABmIlZQ0iCmNw"),
    ("infomax_gan", "cifar100", (7.86, 0.10), (18.94, 0.13), (0.0135, 0.0004), "1gkjytt_fdWIKsGOTHruahTQK-SuBds42"),
]

#: ``(family, class, (FID, std), reported score, n_real, n_fake, Google Drive id)`` (Reproducibility table).
_REPRODUCTIONS: List[Tuple[str, str, Tuple[float, float], str, int, int, str]] = [
    ("dcgan", "torch_mimicry.nets.dcgan:DCGANGeneratorCIFAR", (28.95, 0.42), "28.12 (Kurach et al., 2019)",
     10000, 10000, "1IOcgdkVFScASEpBftWLxhwhhAPRgwSDt"),
    ("wgan_gp", "torch_mimicry.nets.wgan_gp:WGANGPGenerator32", (26.08, 0.12), "29.3 (Heusel et al., 2017, at 53K "
     "steps; the release notes 23.13 ± 0.13 when trained to 100K steps)", 50000, 50000,
     "1HVBlp2cK_hT0J_5cRqp_JOvysJjBPrrj"),
    ("sngan", "torch_mimicry.nets.sngan:SNGANGenerator32", (23.90, 0.20), "21.7 ± 0.21 (Miyato et al., 2018)",
     10000, 5000, "1aLbds1EGFoWZZF2y1l8mvPCvnb7AGHh7"),
    ("cgan_pd", "torch_mimicry.nets.cgan_pd:CGANPDGenerator32", (17.84, 0.17), "17.5 (Miyato & Koyama, 2018)",
     10000, 5000, "1v26E7mIk8PqIg5ldE-iQNMQ2AYQ36iGM"),
    ("ssgan", "torch_mimicry.nets.ssgan:SSGANGenerator32", (17.61, 0.14), "17.88 ± 0.64 (Chen et al., 2019)",
     10000, 10000, "1lgOk4lC0-p4PoXvju9m5p0lOGoZDWELe"),
    ("infomax_gan", "torch_mimicry.nets.infomax_gan:InfoMaxGANGenerator32", (17.14, 0.20),
     "17.14 ± 0.20 (Lee et al., 2019)", 50000, 10000, "1hgoN6Nx59j_JuaCup2rBPC4koih9qZ1y"),
]


def _file(file_id: str) -> Dict[str, FileSpec]:
    return {"generator": FileSpec(filename="netG.pth", url=drive_url(file_id), sha256=None, format="checkpoint")}


def _baseline(family: str, dataset: str, iscore: Tuple[float, float], fid: Tuple[float, float],
              kid: Tuple[float, float], file_id: str) -> ZooEntry:
    res, split, classes, decay, n_dis, steps = _SETTINGS[dataset]
    package, prefix = _FAMILIES[family]
    kwargs: Dict[str, Any] = {"num_classes": classes} if family == "cgan_pd" else {}
    common = {"num_runs": 3, "backend": "tf", "implementation": _IMPLEMENTATION}
    real = {"dataset": dataset, "split": split}
    scores = (
        PublishedScore("inception_score", iscore[0], iscore[1], dict(common, num_samples=50000, splits=10), RELEASE,
                       steps),
        PublishedScore("fid", fid[0], fid[1], dict(common, num_real_samples=50000, num_fake_samples=50000, **real),
                       RELEASE, steps),
        PublishedScore("kid", kid[0], kid[1], dict(common, num_samples=50000, num_subsets=10, **real), RELEASE, steps),
    )
    notes = "Generator only (no discriminator was released)."
    if dataset == "lsun_bedroom_128":
        notes += (" The README's training table gives linear decay for LSUN-Bedroom, the paper's Table 3 no decay; "
                  "the README's is recorded.")
    return ZooEntry(
        name=f"{family}_{dataset}", generator=f"torch_mimicry.nets.{package}:{prefix}Generator{res}",
        generator_kwargs=kwargs, files=_file(file_id),
        dataset={"name": dataset, "split": split, "resolution": res},
        training={"num_steps": steps, "batch_size": 64, "n_dis": n_dis, "optimizer": "Adam", "lr_D": 2e-4,
                  "lr_G": 2e-4, "betas": [0.0, 0.9], "lr_decay": decay},
        scores=scores, published=RELEASE, notes=notes)


def _reproduction(family: str, cls: str, fid: Tuple[float, float], reported: str, n_real: int, n_fake: int,
                  file_id: str) -> ZooEntry:
    notes = ("Trained under the settings of the paper it reproduces (not listed with the release). "
             f"Reported score: FID {reported}. Generator only.")
    if family == "dcgan":
        notes += (" DCGANGeneratorCIFAR ends in a sigmoid (images in [0, 1]); the metrics expect [-1, 1], so "
                  "map 2 * x - 1 before scoring.")
    protocol = {"num_real_samples": n_real, "num_fake_samples": n_fake, "dataset": "cifar10", "num_runs": 3,
                "backend": "tf", "implementation": _IMPLEMENTATION}
    return ZooEntry(
        name=f"{family}_cifar10_repro", generator=cls, generator_kwargs={"num_classes": 10} if family == "cgan_pd" else {},
        files=_file(file_id), dataset={"name": "cifar10", "resolution": 32},
        training={"settings": "those of the reproduced paper (not listed with the release)"},
        scores=(PublishedScore("fid", fid[0], fid[1], protocol, _REPRO),), published=_REPRO, notes=notes)


#: The zoo entries of torch-mimicry 0.1.16's release.
ENTRIES: Tuple[ZooEntry, ...] = tuple(_baseline(*row) for row in _BASELINES) + tuple(
    _reproduction(*row) for row in _REPRODUCTIONS)
