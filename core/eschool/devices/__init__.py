"""Device tokens: an unattended screen (a kiosk) signed in for one school and one plugin's display only."""
