-- The inbox: every update Telegram delivers is stored (by its id) before Telegram is told it
-- arrived; done_at is set once the update is handled and its replies are sent or owed below.
CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    payload      TEXT NOT NULL,                 -- the update as Telegram sent it (personal: /purge)
    received_at  TEXT NOT NULL,
    done_at      TEXT
);
CREATE INDEX inbox_pending ON inbox(update_id) WHERE done_at IS NULL;

-- The outbox: what the bot owes a chat, on any channel ('telegram', 'wecom', ...), written before
-- it is sent and marked sent after. ``key`` makes owing idempotent: owing the same key twice
-- owes once. Items of one (channel, target) go out in order.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    target       TEXT NOT NULL,                 -- where: a Telegram chat id, a WeCom group, ...
    key          TEXT NOT NULL UNIQUE,
    payload      TEXT NOT NULL,                 -- JSON, the channel's sender reads it (personal: /purge)
    state        TEXT NOT NULL DEFAULT 'owed' CHECK (state IN ('owed', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      TEXT NOT NULL,                 -- not before (back-off after a failed attempt)
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    result       TEXT,                          -- JSON the sender returned (Telegram: the message)
    error        TEXT                           -- the last failure's kind, never message text
);
CREATE INDEX outbox_owed ON outbox(channel, target, id) WHERE state = 'owed';
