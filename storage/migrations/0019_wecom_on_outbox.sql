-- WeCom moves onto the generic outbox (channel 'wecom', target: the robot's name, never its URL):
-- what wecom_outbox still held is copied in its order, keyed as WeCom owes it now
-- (wecom:<robot>:<key>:<part>), then wecom_outbox goes. wecom_bad_keys stays.
INSERT OR IGNORE INTO outbox(channel, target, key, payload, state, next_at, created_at, sent_at, error)
SELECT 'wecom', robot, 'wecom:' || robot || ':' || key || ':' || part, body,
       CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed IS NOT NULL THEN 'failed' ELSE 'owed' END,
       created_at, created_at, sent_at, failed
FROM wecom_outbox ORDER BY id;

DROP TABLE wecom_outbox;
