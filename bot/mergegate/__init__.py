"""MergeGate: a Git-native security gate for pull and merge requests."""

from mergegate.core.tool import VERSION as __version__

__all__ = ["__version__"]
