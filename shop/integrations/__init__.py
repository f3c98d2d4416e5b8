"""What leaves the database: signed webhooks, the CRM (HubSpot) and email by SMTP. A change of
the shop writes its deliveries in its own transaction (events.py, deliveries.py); the outbox
worker (`python -m shop.outbound`) sends them (worker.py) through one sender per kind of target
(webhooks.py, hubspot.py, mail.py), all behind the same interface (senders.py)."""
