"""The Chalice edge: proxy events checked, requests parsed, answers and errors shaped.

``proxy_event`` type-checks API Gateway events before Chalice reads them, ``request`` is the
request as this edge sees it, ``headers`` parses ``If-Match`` and ``Idempotency-Key``, ``edge``
runs each route's operation (``operations``: what it takes and answers) and turns its result or
error into the JSON envelope, ``http_errors`` holds the refusals only HTTP has, ``openapi``
documents the registered routes, and ``bare_event_shim`` is the one place that depends on
Chalice's request handling.
"""
