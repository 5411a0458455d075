-- A daily notice's repeat is claimed per group and day, not once for the database: several bots
-- each post it to the groups they are in, a group two bots are in gets it once, and two workers of
-- one bot still post it once. The claim is made in the write that owes the post in the outbox. The
-- rows from before (one per notice and day, and one per one-off notice) claimed nothing per group:
-- no notice is repeated again on the day of the upgrade, whose time has passed.
DROP TABLE notice_sends;
CREATE TABLE notice_sends (
    notice_id  INTEGER NOT NULL REFERENCES notices(id),
    chat_id    INTEGER NOT NULL,
    day        TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (notice_id, chat_id, day)
);
