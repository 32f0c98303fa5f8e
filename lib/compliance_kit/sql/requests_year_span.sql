-- The years of the requests table (receipt to the latest event): the calendars must cover
-- them (analysis/requests.py adds room after the last, years_needed).
-- (a year earlier: a receipt early on 1 January UTC is still 31 December west of UTC)
-- Years of UTC days (rq_day: epoch arithmetic, not a calendar lookup per row; the store's
-- timestamps are UTC), of the earliest and latest instants.
-- macros: requests_macros.sql
-- The latest as the greatest of three plain maxima (greatest() skips NULLs on both engines):
-- the same instant as the maximum of a per-row greatest, but a bare min/max of a column is
-- answered from the Parquet footer's statistics without reading the rows (0.4 s CPU less
-- at 10M requests, docs/metrics-requests.md "Where the time goes").
SELECT year(rq_day(min(received_at))) - 1 AS first,
       year(rq_day(greatest(max(received_at), max(id_verified_at), max(completed_at)))) AS last
FROM requests
