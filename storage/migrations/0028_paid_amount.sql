-- An order remembers the money paid, not only the units: a price changed with #改团 after a
-- household paid shows what it still owes or is owed back, instead of counting its payment at the
-- new price. Orders paid before this migration are taken as paid at the buy's current price.
ALTER TABLE group_buy_orders ADD COLUMN paid_fen INTEGER;
UPDATE group_buy_orders SET paid_fen = paid_quantity * (SELECT price_fen FROM group_buys WHERE group_buys.id = group_buy_orders.buy_id)
    WHERE paid = 1;
