"""The domain, pure: rooms, the models storage returns, who may do what. No I/O, no Telegram."""
