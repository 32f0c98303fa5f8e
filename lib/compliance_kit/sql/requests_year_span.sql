-- The years of the requests table (receipt to the latest event): the calendars must cover
-- them (analysis/requests.py adds room after the last, years_needed).
SELECT min(year(received_at)) AS first,
       max(year(greatest(received_at, coalesce(id_verified_at, received_at),
                         coalesce(completed_at, received_at)))) AS last
FROM requests
