"""What the tests share, and the bench too: a seeded shop database, trackers, stand-ins for
Rasa and the Graph API, the servers started for real, the web app."""
