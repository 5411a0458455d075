-- A buy closed below its minimum may be called off (未成团): nothing is owed for it.
ALTER TABLE group_buys ADD COLUMN called_off INTEGER NOT NULL DEFAULT 0;

-- Orders remember how many units a household paid for: when the order changes after paying, the
-- summary shows what is still to pay or to refund until the leader marks it paid again. A paid
-- order that is withdrawn stays at quantity 0 so its refund shows, hence the table is rebuilt with
-- CHECK (quantity >= 0) (SQLite cannot change a CHECK in place).
CREATE TABLE group_buy_orders_new (
    buy_id         INTEGER NOT NULL REFERENCES group_buys(id),
    household_id   INTEGER NOT NULL REFERENCES households(id),
    quantity       INTEGER NOT NULL CHECK (quantity >= 0),
    paid           INTEGER NOT NULL DEFAULT 0,
    updated_by     INTEGER,
    updated_at     TEXT NOT NULL,
    paid_quantity  INTEGER,                     -- units paid for, set when marked paid
    PRIMARY KEY (buy_id, household_id)
);
INSERT INTO group_buy_orders_new(buy_id, household_id, quantity, paid, updated_by, updated_at, paid_quantity)
    SELECT buy_id, household_id, quantity, paid, updated_by, updated_at, CASE WHEN paid = 1 THEN quantity END
    FROM group_buy_orders;
DROP TABLE group_buy_orders;
ALTER TABLE group_buy_orders_new RENAME TO group_buy_orders;
CREATE INDEX group_buy_orders_updated ON group_buy_orders(updated_at);
