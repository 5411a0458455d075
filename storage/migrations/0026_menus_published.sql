-- What each "/" menu was last published as, per bot, Telegram scope and language (handlers/menus.py):
-- a digest of its command list (a deleted menu has no row). A menu is set again only when it
-- changed, so a start with nothing changed sends none. scope: 'all_group_chats', 'chat:<id>', 'chat_member:<chat>:<user>'
-- (a user id: /purge deletes every row, and the menus are then sent again once).
CREATE TABLE menus_published (
    bot_id    INTEGER NOT NULL,
    scope     TEXT NOT NULL,
    language  TEXT NOT NULL,
    digest    TEXT NOT NULL,
    PRIMARY KEY (bot_id, scope, language)
);
