"""Card events for the rest of the bank: the card-events table's stream, published to EventBridge.

Every change writes exactly one event item in the transaction that makes it (``store.commit``),
so the table is an outbox: ``detail`` turns a new item into the documented event, ``publisher``
puts the events of one stream batch on the bus in order and says which records to retry, and
``stream`` is the Lambda entry point's body. docs/EVENTS.md is the consumers' side.
"""

from typing import Final

#: Records per invocation (at most ten ``PutEvents`` calls' worth at one event per call).
STREAM_BATCH_SIZE: Final = 100
#: A new mapping starts at the oldest record the stream holds (24 hours), so events committed
#: while the stack was being created are published too.
STREAM_STARTING_POSITION: Final = "TRIM_HORIZON"
