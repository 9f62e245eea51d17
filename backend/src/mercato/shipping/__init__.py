"""Shipping: shipments of order lines, carrier labels, tracking (webhooks and polling) and rates."""
