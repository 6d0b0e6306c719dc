"""Commands of the monitor CLI (registered by monitor.cli)."""

commands: list = []
