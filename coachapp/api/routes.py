"""API routes (filled in by the booking-services work)."""
