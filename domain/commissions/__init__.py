"""Commissions: lines accrued from won deals and statement lines from finance, read back on request
(DOMAIN.md "Commissions and incentives"). Free of any chat concern; handlers/commissions speaks chat."""
