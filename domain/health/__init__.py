"""Program health: compliance (certifications and agreements with expiry), tier evaluation, the partner
health score, and program announcements (DOMAIN.md "Program health, compliance and announcements")."""
