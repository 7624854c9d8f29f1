"""MCP for AI agents: tool definitions, JSON-RPC dispatch, AgentCore Gateway adapter, export.

Every tool runs the same ``chalicelib`` service as the REST API; this package only speaks the
protocol. Nothing here is imported by the REST handler's cold path.
"""
