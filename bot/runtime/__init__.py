"""The runtime around the bot: the composition root (app.py), the CLI, console mode, the local Bot API."""
