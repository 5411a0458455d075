-- A buy's product specification kept apart from its name (鸡蛋 · 30枚/盒) and its pickup notes.
ALTER TABLE group_buys ADD COLUMN spec TEXT;
ALTER TABLE group_buys ADD COLUMN pickup TEXT;
