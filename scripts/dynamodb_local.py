#!/usr/bin/env python3
"""Local DynamoDB-compatible server for development and tests (moto).

Usage: python3 scripts/dynamodb_local.py [--host 127.0.0.1] [--port 8001] [--verbose]

--port 0 picks a free port. When the server listens, one line is printed to
stdout:

    READY http://127.0.0.1:PORT

and the server runs until it is killed (SIGINT/SIGTERM). Point the app or
the tests at it with AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:PORT.

The server is deliberately single-threaded: moto's threaded server does not
serialise TransactWriteItems, so concurrent transactions can both pass their
conditions and oversell stock. One request at a time makes every
transaction atomic, as DynamoDB's are. (moto also ignores
ClientRequestToken; the store does not rely on it.)

A cancelled TransactWriteItems leaves every table's stream as it was (see
keep_streams_on_rollback): moto would otherwise publish the cancelled writes
and cut off every reader's iterator.

State lives in memory only and is gone when the process ends.
"""

import argparse
import logging
import os
import signal
import sys


def keep_streams_on_rollback(backend_class) -> None:
    """Makes a cancelled transaction leave the tables' streams as DynamoDB does.

    moto rolls a cancelled TransactWriteItems back by putting deep copies of
    its tables, taken before, in their place. The copy brings a copy of the
    table's stream shard, while the shard iterators handed out before (the
    order processor's) keep the live shard: they get the records of the
    cancelled writes (an order that was never placed) and never a later
    record, which goes to the copy. DynamoDB writes no stream record for a
    cancelled transaction and has one shard throughout, so after a rollback
    the live shard is put back in the table, without the cancelled writes'
    records.
    """
    transact = backend_class.transact_write_items

    def transact_write_items(self, transact_items):
        before = {name: (table.stream_shard, len(table.stream_shard.items))
                  for name, table in self.tables.items() if table.stream_shard is not None}
        try:
            return transact(self, transact_items)
        except Exception:
            for name, (shard, length) in before.items():
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not shard:
                    del shard.items[length:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    backend_class.transact_write_items = transact_write_items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port to bind; 0 picks a free one (default 8001)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args()

    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    try:
        from moto.dynamodb.models import DynamoDBBackend
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server
    except ImportError as exc:
        print(
            f"dynamodb_local: cannot import moto's server ({exc}).\n"
            "Install it with:  python3 -m pip install 'moto[server]'",
            file=sys.stderr,
            flush=True,
        )
        return 2

    # moto signs nothing, but the AWS SDKs of clients need some region and
    # credentials; these defaults only matter to moto's own bookkeeping.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    keep_streams_on_rollback(DynamoDBBackend)

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(args.host, args.port, app, threaded=False, processes=1)
    port = server.socket.getsockname()[1]
    os.environ["MOTO_PORT"] = str(port)

    def stop(signum, frame):  # noqa: ARG001
        # shutdown() would wait for serve_forever in this same thread; exit
        # instead: the state is in memory, nothing to flush.
        server.server_close()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    print(f"READY http://{args.host}:{port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
