import os

from setuptools import find_packages, setup

here = os.path.dirname(os.path.abspath(__file__))
version = {}
with open(os.path.join(here, "torch_mimicry", "version.py")) as f:
    exec(f.read(), version)
with open(os.path.join(here, "README.md"), encoding="utf-8") as f:
    long_description = f.read()

setup(
    name="torch-mimicry",
    version=version["__version__"],
    description="An object-oriented PyTorch library for reproducible GAN research: standard GANs, "
                "one Trainer, and IS / FID / KID that match the original TensorFlow implementations.",
    long_description=long_description,
    long_description_content_type="text/markdown",
    license="MIT",
    packages=find_packages(include=["torch_mimicry", "torch_mimicry.*"]),
    # PEP 561: type checkers use the package's annotations; the digit classifier's weights (metrics.digits).
    package_data={"torch_mimicry": ["py.typed", "metrics/weights/digit_classifier.pth"]},
    zip_safe=False,
    python_requires=">=3.9",
    install_requires=[
        "torch>=1.13,<3",
        "torchvision>=0.14,<1",
        "numpy>=1.21,<3",
        "scipy>=1.7,<2",
        "tensorboard>=2.10,<3",
        "pillow>=8.0,<14",
        "pyyaml>=5.4,<7",
        "tqdm>=4.60,<5",
    ],
    entry_points={"console_scripts": ["mimicry = torch_mimicry.cli:main"]},
    extras_require={
        "tf": ["tensorflow-cpu>=2.10,<3"],
        # mmc.hub: pretrained networks from the Hugging Face Hub, published as safetensors
        "hub": ["huggingface_hub>=0.23,<3", "safetensors>=0.4,<1"],
        # Trainer(loggers=["wandb"]) / ["mlflow"]
        "wandb": ["wandb>=0.19.10,<1"],
        "mlflow": ["mlflow>=2.16,<4"],
        "lsun": ["lmdb>=1.0"],
        "digits": ["scikit-learn>=1.0"],
        "test": ["pytest>=7"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
        "Typing :: Typed",
    ],
)
