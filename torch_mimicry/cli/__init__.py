"""The ``mimicry`` command line (also ``python -m torch_mimicry.cli``).

::

    mimicry train CONFIG.yaml [--set trainer.num_steps=1000 ...] [--log-dir DIR]
    mimicry evaluate LOG_DIR|NAME --metric fid [--metric kid ...] [--num-samples N] [--dataset NAME | --real-stats FILE]
    mimicry sample LOG_DIR|NAME [--step N] [--num 64] [-o grid.png] [--truncation T]
    mimicry stats DATASET -o stats.npz [--num-samples N] [--resize clean]
    mimicry report LOG_DIR [-o OUT_DIR]
    mimicry zoo [FILTER]

``NAME`` is a pretrained model of the zoo (``mimicry zoo`` lists them; ``--sha256`` / ``--file``
for an entry published without a checksum), or a folder / Hub repository written by
``mmc.hub.save_pretrained``.

Errors are reported on one line (``mimicry: error: ...``) with exit status 2 for a wrong
command line and 1 for anything else; ``--traceback`` shows the full traceback instead.
The commands import the library when they run, so ``--help`` is instant.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, List, NoReturn, Optional

__all__ = ["main", "build_parser", "commands", "config"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"mimicry: error: {message} (see `{self.prog} --help`)\n")


from torch_mimicry.cli import commands, config  # noqa: E402  (stdlib-only imports at module level)


def _add_train(sub: Any) -> None:
    p = sub.add_parser("train", help="train a GAN from a YAML / JSON configuration",
                       description="Train a GAN from a configuration (see examples/configs/). Running it again on "
                                   "the same log folder resumes the run.")
    p.add_argument("config", help="configuration file (.yaml, .yml or .json)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting, e.g. --set trainer.num_steps=1000 --set generator.ngf=64 "
                        "(repeatable; values are read as YAML)")
    p.add_argument("--log-dir", help="shortcut for --set trainer.log_dir=DIR")
    p.add_argument("--dry-run", action="store_true", help="build the networks, data and Trainer, then stop")


def _add_evaluate(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="score the checkpoints of a run (FID, KID, IS, precision/recall, ...)",
                       description="Score generator checkpoints with mmc.metrics.evaluate; records go to "
                                   "LOG_DIR/metrics/<metric>.json with their protocol.")
    p.add_argument("log_dir", help="a run folder, or a pretrained model (a zoo name, a published folder or Hub repo)")
    _add_pretrained_options(p)
    p.add_argument("--zoo-dir", help="for a pretrained model: where its checkpoint and score records are kept "
                                     "(default $MIMICRY_HOME/pretrained/<name>)")
    p.add_argument("--metric", action="append", required=True,
                   help="fid, kid, inception_score, precision_recall, density_coverage or swd (repeatable)")
    p.add_argument("--step", type=int, action="append", help="checkpoint step to score (repeatable; default all)")
    p.add_argument("--range", dest="evaluate_range", metavar="START:END:INTERVAL",
                   help="steps START..END (included) every INTERVAL")
    p.add_argument("--num-samples", type=int, help="samples per set (IS, KID, SWD; FID / P&R: both sets)")
    p.add_argument("--num-real-samples", type=int)
    p.add_argument("--num-fake-samples", type=int)
    p.add_argument("--dataset", help="real images: a dataset name (default: the run's training dataset)")
    p.add_argument("--dataset-root", help="folder of the dataset files")
    p.add_argument("--split", help="dataset split, e.g. train or test")
    p.add_argument("--real-stats", help="reference statistics file (.npz) instead of a dataset")
    p.add_argument("--resize", choices=("tf1", "clean"), default="tf1", help="resize protocol (default tf1)")
    p.add_argument("--num-runs", type=int, default=3, help="seeds per checkpoint (default 3)")
    p.add_argument("--start-seed", type=int, default=0)
    p.add_argument("--k", type=int, help="neighbourhood size of precision/recall (3) or density/coverage (5)")
    p.add_argument("--splits", type=int, help="IS splits (default 10)")
    p.add_argument("--num-subsets", type=int, help="KID subsets (default 10)")
    p.add_argument("--subset-size", type=int, help="KID subset size (default num_samples // num_subsets)")
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--weights", help="Inception weights file (.tgz, .pb or .pth)")
    p.add_argument("--backend", choices=("torch", "tf"), default="torch")
    p.add_argument("--device", help="e.g. cpu or cuda:0 (default: cuda:0 when available)")
    p.add_argument("--config", help="configuration of the run (default: LOG_DIR/config.json)")
    p.add_argument("--overwrite", action="store_true", help="recompute scores that are on record")
    p.add_argument("--quiet", action="store_true", help="print only the summary")


def _add_pretrained_options(p: Any) -> None:
    p.add_argument("--sha256", help="for a zoo entry without a recorded checksum: the SHA-256 of its file")
    p.add_argument("--file", help="for a zoo entry: a local copy of its generator file (checked by SHA-256)")
    p.add_argument("--revision", help="for a Hub repository: the revision (commit hash)")


def _add_sample(sub: Any) -> None:
    p = sub.add_parser("sample", help="write a grid of generated images", description="Write a PNG grid of "
                       "images from a checkpoint of a run, or from a pretrained model.")
    p.add_argument("log_dir", help="a run folder, or a pretrained model (a zoo name, a published folder or Hub repo)")
    _add_pretrained_options(p)
    p.add_argument("--step", type=int, help="checkpoint step (default: the latest)")
    p.add_argument("--num", type=int, default=64, help="number of images (default 64)")
    p.add_argument("-o", "--output", help="PNG file (default LOG_DIR/samples/samples_step_<N>_seed_<S>.png)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--nrow", type=int, help="images per row (default: about square)")
    p.add_argument("--truncation", type=float, help="truncation of the noise, where the family has it")
    p.add_argument("--device", help="e.g. cpu or cuda:0")
    p.add_argument("--config", help="configuration of the run (default: LOG_DIR/config.json)")


def _add_stats(sub: Any) -> None:
    p = sub.add_parser("stats", help="write reference statistics (mu, sigma) of a dataset",
                       description="Write the Inception pool3 statistics of a dataset as a TTUR-compatible .npz "
                                   "(mu, sigma) with its protocol, for evaluate --real-stats.")
    p.add_argument("dataset", help="a dataset name of mmc.datasets.load_dataset, or a folder of images")
    p.add_argument("-o", "--output", required=True, help="output .npz file")
    p.add_argument("--num-samples", type=int, help="images used (default: all)")
    p.add_argument("--dataset-root", help="folder of the dataset files (default ./datasets)")
    p.add_argument("--split", help="dataset split, e.g. train or test")
    p.add_argument("--image-size", type=int, help="image size of a folder of images")
    p.add_argument("--real-seed", type=int, default=0, help="seed choosing the images when not all are used")
    p.add_argument("--resize", choices=("tf1", "clean"), default="tf1")
    p.add_argument("--keep-features", action="store_true",
                   help="store the features too (KID, precision/recall and density/coverage need them)")
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--weights", help="Inception weights file (.tgz, .pb or .pth)")
    p.add_argument("--backend", choices=("torch", "tf"), default="torch")
    p.add_argument("--device")


def _add_report(sub: Any) -> None:
    p = sub.add_parser("report", help="write an HTML report of a run",
                       description="Write a self-contained HTML page (with its PNG images next to it) showing the "
                                   "loss and learning-rate curves, the metric curves with their protocols and the "
                                   "latest image grids of a run.")
    p.add_argument("log_dir")
    p.add_argument("-o", "--output", help="output folder (default LOG_DIR/report)")
    p.add_argument("--png", help="also write a PNG overview of the report to this file")


def _add_zoo(sub: Any) -> None:
    p = sub.add_parser("zoo", help="list the pretrained models of the zoo with their published scores",
                       description="List the pretrained models that `mimicry sample NAME` and `mimicry evaluate NAME` "
                                   "(and mmc.hub.load_pretrained) take.")
    p.add_argument("filter", nargs="?", help="only names containing this text")


def build_parser() -> argparse.ArgumentParser:
    """The ``mimicry`` argument parser."""
    parser = _Parser(prog="mimicry", description="torch_mimicry: train GANs, score them, and report on runs.")
    parser.add_argument("--traceback", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for add in (_add_train, _add_evaluate, _add_sample, _add_stats, _add_report, _add_zoo):
        add(sub)
    return parser


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if isinstance(error, KeyError) and len(error.args) == 1:
        text = f"missing key {error.args[0]!r}"
    return text or type(error).__name__


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(getattr(commands, args.command)(args) or 0)
    except KeyboardInterrupt:
        print("mimicry: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # one line per error, unless asked for the traceback
        if args.traceback:
            raise
        kind = "" if isinstance(e, (ValueError, FileNotFoundError)) else f"{type(e).__name__}: "
        print(f"mimicry: error: {kind}{_one_line(e)}", file=sys.stderr)
        return 1
