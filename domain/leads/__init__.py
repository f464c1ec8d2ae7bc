"""Leads (DOMAIN.md "Leads"): import, eligibility, shark tank / round robin / direct distribution,
one-winner claims, the follow-up SLA with reclaim, and the lead report.

Plain domain code: functions take an `AsyncSession` (the caller's unit of work), the instant `now` and a
`LeadPolicy`, change state with conditional UPDATEs and queue pushes in the same transaction.
"""
