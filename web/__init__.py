"""The web app (port 8000): the demo shop with the chat widget, and the agent inbox."""
