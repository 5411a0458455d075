-- The daily report counts today's deliveries; without this it would scan every request.
CREATE INDEX med_requests_delivered ON med_requests(delivered_at) WHERE delivered_at IS NOT NULL;
CREATE INDEX group_buys_closed ON group_buys(closed_at) WHERE closed_at IS NOT NULL;
-- The 7-day chart counts orders placed in the window.
CREATE INDEX group_buy_orders_updated ON group_buy_orders(updated_at);
