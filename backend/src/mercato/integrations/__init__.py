"""Third-party feeds: delivery weather (Open-Meteo) and a social hashtag feed (Mastodon).

Both have offline fixture providers (the `make run` default) and degrade, never fail, when a real
provider is down (ADR 0033).
"""
