"""The error a command raises for a usage, policy or configuration problem (exit 2)."""


class UsageError(Exception):
    """Printed as one line on stderr; the command exits 2."""
