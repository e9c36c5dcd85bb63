"""The one exception type for bad input: its message names what is wrong and the fix.

The class lives in ``mtickets.modeling.errors`` (model code that works without mtickets
raises it too); importing it from here loads neither torch nor transformers.
"""

from mtickets.modeling.errors import MticketsError

__all__ = ["MticketsError"]
