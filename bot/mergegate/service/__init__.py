"""Forge-agnostic orchestration: the gate for a change, commands, deployments, policy reloads."""
