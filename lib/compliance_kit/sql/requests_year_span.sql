-- The years of the requests table (receipt to the latest event): the calendars must cover
-- them (analysis/requests.py adds room after the last, years_needed).
-- (a year earlier: a receipt early on 1 January UTC is still 31 December west of UTC)
-- Years of UTC days (rq_day: epoch arithmetic, not a calendar lookup per row; the store's
-- timestamps are UTC), of the earliest and latest instants.
-- macros: requests_macros.sql
SELECT year(rq_day(min(received_at))) - 1 AS first,
       year(rq_day(max(greatest(received_at, coalesce(id_verified_at, received_at),
                                coalesce(completed_at, received_at))))) AS last
FROM requests
