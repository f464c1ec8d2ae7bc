"""One partner and one internal article: what the audience tests show and hide."""

PARTNER_ARTICLE = """---
id: escalation-for-partners
title: How escalations work for partners
tags: [escalation, ticket]
audience: partner
---
When a ticket is urgent, ask for an escalation in the ticket; support answers within one business hour.
"""

INTERNAL_ARTICLE = """---
id: agent-escalation-runbook
title: Agent runbook for escalating tickets to engineering
tags: [escalation, ticket, engineering]
audience: internal
---
Escalate a ticket to engineering by paging the on-call engineer through the INTERNAL-BRIDGE-7731 hotline.
"""
