"""Test doubles shared by the tiers: in-memory stand-ins that keep the contracts they replace.

``repository``: the card service's storage (``chalicelib.repository.CardRepository``) in memory,
with its conflicts. ``mcp``: a card service with canned answers for the MCP protocol tests.
``connect``: the Connect Lambda's directory, clients with faults below the SDK, and misbehaving
servers.
"""
