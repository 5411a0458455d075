"""The domain, pure: rooms, the models storage returns, who may do what, the states records go
through and the changes allowed between them. No I/O, no Telegram."""
