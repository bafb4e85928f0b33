"""Scanners: adapters from a Workspace and a Policy to findings."""
