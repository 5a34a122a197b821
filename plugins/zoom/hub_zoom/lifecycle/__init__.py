"""Meeting and webinar lifecycle and registrant sync (events and tickets in, Zoom out)."""
