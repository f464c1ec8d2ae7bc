"""Onboarding journeys: milestone tracks by partner type, nudges in the partner's own hours, CAM alerts
the day a milestone slips, and the 90-day review (DOMAIN.md "Onboarding"). Free of any chat concern;
handlers/onboarding speaks chat."""
