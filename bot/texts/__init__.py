"""Every user-facing text in zh and en (texts.py) and the lookup that picks a language (i18n.py)."""
