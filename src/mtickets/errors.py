"""The one exception type for bad input: its message names what is wrong and the fix."""


class MticketsError(Exception):
    """A user-facing error. The command line prints its message alone and exits 1."""
