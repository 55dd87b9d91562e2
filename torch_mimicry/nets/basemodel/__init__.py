from torch_mimicry.nets.basemodel.basemodel import BaseModel, CheckpointError, load_checkpoint_file

__all__ = ["BaseModel", "CheckpointError", "load_checkpoint_file"]
