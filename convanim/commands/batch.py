"""Placeholder until the batch commands land."""

import click


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
