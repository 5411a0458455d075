-- Workers of one bot sharing the inbox keep a chat's updates in order: each stored update names its
-- chat (chat_key, 'chat:<id>' or 'user:<id>'; NULL for updates of no chat), so a worker whose turn
-- comes for a chat first lets earlier updates of that chat, held by another live worker, go
-- (storage/db.py, Database.turn).
ALTER TABLE inbox ADD COLUMN chat_key TEXT;
CREATE INDEX inbox_chat_pending ON inbox(bot_id, chat_key, update_id) WHERE done_at IS NULL;
