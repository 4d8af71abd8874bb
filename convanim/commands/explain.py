"""Placeholder until the explain commands land."""

import click


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
