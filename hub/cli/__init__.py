"""The ``hub`` command line; plugins add their own commands through ``hub_cli_commands``."""
