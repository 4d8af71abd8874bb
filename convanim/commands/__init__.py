"""Commands beyond ``render``; each module has ``register(group)`` adding its commands."""
