"""Logging and metrics of the service and the workers."""
