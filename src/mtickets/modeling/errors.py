"""The one exception type for bad input: its message names what is wrong and the fix.

Defined here, inside the model code that ``save_pretrained`` copies into a model
directory, so that the model raises it also where mtickets is not installed;
``mtickets.errors`` re-exports this class, which keeps ``except MticketsError`` in the
command line catching the model's errors.
"""


class MticketsError(Exception):
    """A user-facing error. The command line prints its message alone and exits 1."""
