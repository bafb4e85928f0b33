"""MergeGate: a Git-native security gate for pull and merge requests."""

__version__ = "0.1.0"
