-- 0019_wecom_on_outbox.sql for PostgreSQL: the same copy, with ON CONFLICT DO NOTHING for SQLite's
-- INSERT OR IGNORE (on a new district database wecom_outbox is empty: this copies nothing).
INSERT INTO outbox(channel, target, key, payload, state, next_at, created_at, sent_at, error)
SELECT 'wecom', robot, 'wecom:' || robot || ':' || key || ':' || part, body,
       CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed IS NOT NULL THEN 'failed' ELSE 'owed' END,
       created_at, created_at, sent_at, failed
FROM wecom_outbox ORDER BY id
ON CONFLICT DO NOTHING;

DROP TABLE wecom_outbox;
