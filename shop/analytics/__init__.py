"""Conversation analytics for the marketing team: Rasa's event broker publishes every event,
the consumer (`python -m shop.analytics`) keeps what the funnel needs (facts.py, feed.py) and
metrics.py reads the figures from it and from the shop's own tables."""
