"""Saving a run's step and resuming from the latest complete one: the Trainer's checkpoints.

A step is saved as the files of the run layout (:mod:`torch_mimicry.utils.run_layout`): netD,
netG (each with its optimizer), the components' own files (the EMA generator), then the
trainer state (``global_step``, each rank's RNG state, the data position, the precision
plugin's and every component's ``state_dict()``), which marks the step complete. Every file is
written atomically; a save that fails (full disk, read-only folder) removes the step's files.

Resuming tries the complete steps latest first: all files of a step are read before any is
applied, and a step whose files are corrupt is reported and skipped for the previous one.
Under distributed training rank 0 chooses the step and every rank restores it.
"""
from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import torch

from torch_mimicry.nets.basemodel import CheckpointError, load_checkpoint_file
from torch_mimicry.training.rng import get_rng_state, seed_everything, set_rng_state
from torch_mimicry.utils.io import SaveError, StrPath, atomic_torch_save
from torch_mimicry.utils.run_layout import NETD, NETG, TRAINER, checkpoint_file_name

if TYPE_CHECKING:
    from torch_mimicry.training.trainer import Trainer

#: A trainer checkpoint's state (``trainer_<step>_steps.pth``).
TrainerState = Dict[str, Any]

__all__ = ["Checkpointing", "TrainerState"]


class Checkpointing:
    """The checkpoints of one Trainer's run (see the module docstring).

    Args:
        trainer (Trainer): the run whose networks, optimizers, data stream, precision plugin and
            components are saved and restored.
    """

    def __init__(self, trainer: "Trainer") -> None:
        self.trainer = trainer

    @property
    def extra_names(self) -> Tuple[str, ...]:
        """Names of the checkpoint files the components add to a step."""
        return tuple(name for c in self.trainer.components for name in c.checkpoint_names())

    def complete_steps(self) -> List[int]:
        """The steps that can be resumed from, latest first."""
        return self.trainer.layout.complete_steps(self.extra_names)[0]

    # -- saving ----------------------------------------------------------------------------------
    def _state(self, rank_states: List[Dict[str, Any]]) -> TrainerState:
        t = self.trainer
        components = {str(c.name): c.state_dict() for c in t.components}
        components[t.precision.name] = t.precision.state_dict()
        return {"global_step": t.global_step, "rng": rank_states[0]["rng"], "ranks": rank_states,
                "data": t.stream.state_dict(), "components": components}

    def save(self) -> None:
        """Writes the current step (rank 0; every rank must call it), then prunes old steps."""
        t = self.trainer
        step, layout = t.global_step, t.layout
        rank_states = t.strategy.gather({"rng": get_rng_state(), "epoch_rng": t.stream.state_dict()["epoch_rng"]})
        if t.is_main_process:
            try:
                t.netD.save_checkpoint(layout.checkpoint_dir(NETD), step, t.optD, name=checkpoint_file_name(NETD, step))
                t.netG.save_checkpoint(layout.checkpoint_dir(NETG), step, t.optG, name=checkpoint_file_name(NETG, step))
                for component in t.components:
                    component.save(t, step)
                atomic_torch_save(self._state(rank_states), layout.checkpoint_path(TRAINER, step),
                                  what=f"trainer state of step {step}")
            except SaveError:  # full disk, read-only folder: no incomplete step stays behind
                layout.remove_step(step, self.extra_names)
                raise
            if t.keep_last is not None:
                for old in self.complete_steps()[t.keep_last:]:
                    layout.remove_step(old, self.extra_names)
        t.strategy.barrier()

    # -- resuming ---------------------------------------------------------------------------------
    def _restore(self, netD_file: StrPath, netG_file: StrPath,
                 trainer_file: Optional[str]) -> Tuple[int, Optional[TrainerState]]:
        """Loads all three files first, then applies them; raises CheckpointError if any is unreadable."""
        t = self.trainer
        d = load_checkpoint_file(netD_file)
        g = load_checkpoint_file(netG_file)
        state = None
        if trainer_file is not None:
            if not os.path.isfile(trainer_file):
                raise CheckpointError(f"Trainer state {trainer_file!r} is missing.")
            try:
                state = torch.load(trainer_file, map_location="cpu", weights_only=True)
            except Exception as e:  # noqa: BLE001  (any failure to read means a corrupt file)
                raise CheckpointError(f"Trainer state {trainer_file!r} cannot be read ({e}).") from e
        if d.get("global_step") != g.get("global_step"):
            raise ValueError(f"The generator checkpoint is at step {g.get('global_step')} and the discriminator "
                             f"checkpoint at step {d.get('global_step')}: resume from files of the same step.")
        t.netD.restore_checkpoint(netD_file, t.optD)
        t.netG.restore_checkpoint(netG_file, t.optG)
        step = int(g["global_step"])
        if state is not None:
            for component in t.components:
                component.restore(t, step)
        return step, state

    def _from_files(self, netD_file: StrPath, netG_file: StrPath) -> Tuple[int, Optional[TrainerState]]:
        step, state = self._restore(netD_file, netG_file, None)
        trainer_file = self.trainer.layout.checkpoint_path(TRAINER, step)
        if os.path.isfile(trainer_file):
            state = torch.load(trainer_file, map_location="cpu", weights_only=True)
            for component in self.trainer.components:
                component.restore(self.trainer, step)
        return step, state

    def _latest(self, only_step: Optional[int] = None) -> Tuple[int, Optional[TrainerState]]:
        """Restores the latest complete checkpoint (or ``only_step``); ``(step, state)`` or ``(0, None)``."""
        layout = self.trainer.layout
        steps, with_state = layout.complete_steps(self.extra_names)
        if only_step is not None:
            steps = [only_step]
        failures: List[str] = []
        for step in steps:
            netD_file, netG_file = (layout.checkpoint_path(n, step) for n in (NETD, NETG))
            trainer_file = layout.checkpoint_path(TRAINER, step) if with_state else None
            try:
                _, state = self._restore(netD_file, netG_file, trainer_file)
            except CheckpointError as e:
                if only_step is not None:
                    raise
                failures.append(f"step {step}: {e}")
                print(f"WARNING: checkpoint of step {step} is unusable: {e} Falling back to the previous one.",
                      flush=True)
                continue
            if not with_state:
                warnings.warn(f"Resuming from step {step} without trainer state (RNG and data position): the run "
                              "continues, but not exactly as an uninterrupted one would.")
            return step, state
        if steps:
            raise CheckpointError(f"No usable checkpoint in {layout.root!r}: every saved step failed to load ("
                                  + "; ".join(failures) + "). Move the checkpoints folder away to start afresh.")
        return 0, None

    def resume(self) -> Tuple[int, Optional[TrainerState]]:
        """Restores the checkpoint to continue from, if any (on every rank the step rank 0 chose);
        returns ``(step, trainer state or None)``, ``(0, None)`` for a new run."""
        t = self.trainer
        if t.netG_ckpt_file is not None and t.netD_ckpt_file is not None:  # both or neither
            return self._from_files(t.netD_ckpt_file, t.netG_ckpt_file)
        if not t.strategy.active:
            return self._latest()
        chosen = self._latest()[0] if t.is_main_process else None
        chosen = t.strategy.broadcast(chosen)
        if not chosen:
            return 0, None
        if not t.is_main_process:
            self._latest(only_step=chosen)
        path = t.layout.checkpoint_path(TRAINER, chosen)
        state = torch.load(path, map_location="cpu", weights_only=True) if os.path.isfile(path) else None
        return chosen, state

    def apply_state(self, state: TrainerState) -> None:
        """Data position, RNG state and the states of the precision plugin and the components, for this rank."""
        t = self.trainer
        ranks = state.get("ranks") or [{"rng": state.get("rng"), "epoch_rng": state.get("epoch_rng")}]
        mine = ranks[t.rank] if t.rank < len(ranks) else None
        data = dict(state.get("data") or {"batches_in_epoch": state.get("batches_in_epoch", 0)})
        data["epoch_rng"] = mine["epoch_rng"] if mine is not None else None
        t.stream.load_state_dict(data)
        if mine is not None and mine.get("rng") is not None:
            set_rng_state(mine["rng"])
        else:  # more ranks than the run that saved: a seed of this rank's own
            seed_everything((t.seed or 0) * 1_000_003 + t.global_step * 7_919 + t.rank)
        saved = state.get("components") or {}
        t.precision.load_state_dict(saved.get(t.precision.name))
        for component in t.components:
            component.load_state_dict(saved.get(component.name))
