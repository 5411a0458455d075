"""``python -m bot.runtime.reference``: print the README's command reference, read from the registry
(``bot.language.registry``) with the catalogue's English texts. ``tests/test_registry.py`` fails when
the README and the registry disagree."""

from bot.language.registry import markdown
from bot.texts.i18n import t


def reference() -> str:
    return markdown(lambda key: t("en", key))


if __name__ == "__main__":
    print(reference())
