"""The Amazon Connect contact-flow Lambda: who is calling, and what Q in Connect should know.

``events`` validates the contact-flow event, ``caller`` finds the customer behind it,
``session_data`` shapes what the AI agent may see, and ``handler`` answers within the flow's
deadline.
"""
