-- The daily report reads only a request's household besides the column it searches by: with it in
-- the index the report never visits the table (at 1M records those random visits were most of its
-- time). Each replaces the narrower index it extends.
DROP INDEX med_requests_created;
CREATE INDEX med_requests_created ON med_requests(created_at, household_id);
DROP INDEX med_requests_status;
CREATE INDEX med_requests_status ON med_requests(status, urgent, household_id);
DROP INDEX med_requests_delivered;
CREATE INDEX med_requests_delivered ON med_requests(delivered_at, household_id) WHERE delivered_at IS NOT NULL;
-- The 7-day chart reads households in building order and each one's records of the week by one
-- seek: no sort of the week's records.
CREATE INDEX med_requests_household_created ON med_requests(household_id, created_at);
DROP INDEX group_buy_orders_updated;
CREATE INDEX group_buy_orders_household_updated ON group_buy_orders(household_id, updated_at);
