"""``python -m torch_mimicry.cli``: the ``mimicry`` command line."""
import sys

from torch_mimicry.cli import main

if __name__ == "__main__":
    sys.exit(main())
