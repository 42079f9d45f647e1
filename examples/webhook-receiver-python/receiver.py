#!/usr/bin/env python3
"""A KooGallery webhook receiver in Python, standard library only (Python 3.8+).

It shows the whole contract a seller's endpoint implements (README: "Connecting your SaaS with a
webhook"): verify the signature over the exact body bytes, treat the event id as the idempotency
key, create/renew/freeze/unfreeze/release/upgrade the tenant, answer 2xx (with the buyer's access
for instance.provision), or 409/422 with a refusal code.

Settings (environment):
  WEBHOOK_SECRET            the function's PROVISIONER_WEBHOOK_SECRET (required)
  WEBHOOK_PREVIOUS_SECRET   the secret before a rotation (optional)
  HOST, PORT                where to listen (default 127.0.0.1:8080; PORT=0 picks a free port)
  SOLD_OUT_SKUS             comma-separated skuCodes refused with 000106 (to try a refusal)

Tenants live in memory here; a real receiver keeps them (and the answers by event id) in its
database. Run: WEBHOOK_SECRET=... python3 receiver.py
"""

import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300  # the signed t may be 5 minutes away from now, either way
MAX_BODY_BYTES = 1024 * 1024


def verify(header, raw_body, keys, now=None):
    """True when one v1= in the X-KooGallery-Signature header is HMAC-SHA256(key, "<t>.<body>")."""
    parts = [p.strip().split("=", 1) for p in (header or "").split(",") if "=" in p]
    t = next((v for k, v in parts if k == "t"), "")
    if not t.isdigit() or abs((now or time.time()) - int(t)) > TOLERANCE_SECONDS:
        return False
    macs = [hmac.new(k.encode(), t.encode() + b"." + raw_body, hashlib.sha256).hexdigest() for k in keys]
    return any(k == "v1" and hmac.compare_digest(v, m) for k, v in parts for m in macs)


class Tenants:
    """The seller's side: one tenant per instanceId, each event applied once (by its id)."""

    def __init__(self, sold_out_skus):
        self.lock = threading.Lock()
        self.tenants = {}
        self.answers = {}  # event id -> (status, body): a retry gets the first answer again
        self.sold_out = sold_out_skus

    def handle(self, event):
        with self.lock:
            if event["type"] == "instance.check_change":
                # A question about the present: answered afresh every time, never replayed.
                return self.apply(event["type"], event.get("data") or {})
            if event["id"] in self.answers:
                return self.answers[event["id"]]
            answer = self.apply(event["type"], event.get("data") or {})
            if answer[0] < 500:  # a failure is not remembered: the retry tries again
                self.answers[event["id"]] = answer
            return answer

    def apply(self, kind, data):
        instance_id = data.get("instanceId")
        tenant = self.tenants.get(instance_id)
        if kind == "instance.provision":
            if data.get("skuCode") in self.sold_out:
                return 422, {"resultCode": "000106", "resultMsg": "sold out in this region"}
            if tenant is None:
                tenant = {
                    "status": "active",
                    "userName": "admin-" + instance_id.replace("-", "")[:8],
                    "password": secrets.token_urlsafe(15),
                    "skuCode": data.get("skuCode"),
                    "expireTime": data.get("expireTime"),
                }
                self.tenants[instance_id] = tenant
            slug = instance_id.replace("-", "")[:12]
            return 200, {
                "frontEndUrl": "https://%s.tenants.example.com/" % slug,
                "adminUrl": "https://%s.tenants.example.com/admin" % slug,
                "userName": tenant["userName"],
                "password": tenant["password"],
                "memo": "created by the Python example receiver",
            }
        if tenant is None:
            # Unknown instance: nothing to do, and nothing KooGallery should retry.
            return 200, {}
        if kind == "instance.check_change":
            if data.get("skuCode") in self.sold_out:
                return 422, {"resultCode": "000100", "resultMsg": "no capacity for that plan"}
            return 200, {}
        if kind in ("instance.renew", "instance.upgrade"):
            for field in ("expireTime", "skuCode", "productId"):
                if data.get(field) is not None:
                    tenant[field] = data[field]
        elif kind == "instance.freeze":
            tenant["status"] = "frozen"
        elif kind == "instance.unfreeze":
            tenant["status"] = "active"
        elif kind == "instance.release":
            tenant["status"] = "released"
        return 200, {}


def make_handler(keys, tenants):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                return self.answer(413, {"error": "body too large"}, "refused: body too large")
            raw = self.rfile.read(length)
            if not verify(self.headers.get("X-KooGallery-Signature"), raw, keys):
                return self.answer(401, {"error": "bad signature"}, "refused: bad signature")
            try:
                event = json.loads(raw)
                kind, event_id = event["type"], event["id"]
            except (ValueError, KeyError, TypeError):
                return self.answer(400, {"error": "not an event"}, "refused: not an event")
            status, body = tenants.handle(event)
            verdict = "accepted" if status < 300 else "refused %s" % body.get("resultCode", status)
            instance_id = (event.get("data") or {}).get("instanceId")
            self.answer(status, body, "%s %s %s instance %s" % (verdict, kind, event_id, instance_id))

        def answer(self, status, body, verdict):
            text = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)
            # One line per delivery; never the secret, the signature or the credentials.
            print(verdict, flush=True)

        def log_message(self, format, *args):
            pass  # the verdict line above replaces the default access log

    return Handler


def main():
    keys = [k for k in (os.environ.get("WEBHOOK_SECRET"), os.environ.get("WEBHOOK_PREVIOUS_SECRET")) if k]
    if not keys:
        sys.exit("WEBHOOK_SECRET is required: the function's PROVISIONER_WEBHOOK_SECRET")
    sold_out = {s.strip() for s in os.environ.get("SOLD_OUT_SKUS", "").split(",") if s.strip()}
    host = os.environ.get("HOST", "127.0.0.1")
    server = ThreadingHTTPServer((host, int(os.environ.get("PORT", "8080"))), make_handler(keys, Tenants(sold_out)))
    print("listening on http://%s:%d/" % (host, server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
