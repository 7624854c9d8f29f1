"""The DynamoDB adapter: tables, item mapping, the store and the translation of its errors.

``tables`` defines the four tables (the app, the scripts and the stack template read it),
``items`` maps domain objects to items and back, ``dynamodb`` is the store the service writes
through, and ``errors`` turns DynamoDB's refusals into the service's conflicts.
"""
