"""Discount codes (below checkout and orders)."""
