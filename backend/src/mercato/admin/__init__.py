"""The shop admin's own API: the dashboard overview and views that compose several modules."""
