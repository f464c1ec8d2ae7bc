"""Support tickets (DOMAIN.md "Support tickets"): opened from any chat, worked by the support team,
held to the program's SLAs with reminders, escalation and the partner's confirmation.

`lifecycle` changes a ticket (one conditional UPDATE per change) and publishes events; `notifications`
says who hears of each; `sla` computes due times in business time; `sweeps` find what is due;
`services` is what handlers call.
"""
