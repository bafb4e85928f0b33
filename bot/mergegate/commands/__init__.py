"""The subcommands of `mergegate`, one module each with `register(subparsers)`."""
