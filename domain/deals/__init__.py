"""Deal registration: the form's rules, conflict detection, the CAM's decision, protection and outcomes
(DOMAIN.md "Deal registration"). Free of any chat concern; handlers/deals speaks chat."""
