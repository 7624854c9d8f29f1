"""The Chalice edge: proxy events checked, requests parsed, answers and errors shaped.

``proxy_event`` type-checks API Gateway events before Chalice reads them, ``request`` is the
request as this edge sees it, ``headers`` parses ``If-Match`` and ``Idempotency-Key``, ``edge``
turns a route's result or error into the JSON envelope, ``openapi`` documents the routes, and
``bare_event_shim`` is the one place that reaches into Chalice's request handling.
"""
