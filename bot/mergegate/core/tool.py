"""The tool's identity, as reports (JSON, SARIF, CycloneDX) and `--version` show it."""

NAME = "mergegate"
VERSION = "0.1.0"
