"""What the shop sends first: the rules (rules.py), the outbox written with the change that
causes a message (outbox.py) and the worker that sends due messages through Rasa (worker.py;
`python -m shop.outbound`)."""
