#!/usr/bin/env python3
"""A small HTTP proxy in front of moto for what moto cannot do:

- EC2: answers a share of calls with the throttling error AWS sends (HTTP 503,
  code RequestLimitExceeded); moto never throttles. GET /__faults counts them.
- Athena: pages GetQueryResults by MaxResults/NextToken (moto returns every row
  at once), and on request (POST /__athena {"fail": "reason" | null,
  "scanned": bytes}) reports executions as FAILED with that reason, and
  DataScannedInBytes (moto reports 0).
- STS: on request (POST /__deny_assume {"role_arns": [...]}) answers AssumeRole
  of those roles with AWS's AccessDenied (moto lets anyone assume any role, and
  switches account by the role's ARN).
- Another editor of an endpoint policy: on request (POST /__owner_edit
  {"endpoint_id": "vpce-...", "times": n}) the successful DescribeVpcEndpoints
  answers that show the endpoint, up to the n-th since that endpoint was first
  named, are each followed, before the caller gets them, by an edit of the
  owner's own: a Deny statement "OwnerDeny<k>"
  (sqs:PurgeQueue) added to the policy in moto. The caller's next write lands
  after it, as a real concurrent edit between read and write would.

- Reverse DNS, which moto cannot set (no ModifyAddressAttribute): on request
  (POST /__ptr {"ptr": {"eipalloc-...": "mail.example.com."}, "visible": true})
  DescribeAddressesAttribute shows that PtrRecord for those allocations
  (unless "visible" is false: a PTR set after the check), and ReleaseAddress
  of them answers AWS's InvalidAddress.PtrSet.
- An address another account took: on request (POST /__taken {"addresses":
  ["203.0.113.5"]}) AllocateAddress with Address= one of them fails with
  InvalidAddress.NotFound. (AWS documents that such a recovery fails, not the
  code: this one is chosen by hand.)
- A data bucket that refuses writes: on request (POST /__fail_put {"prefix":
  "releases/dt="} or {"prefix": null}) S3 PutObject of keys under that prefix
  answers AccessDenied (403, not retried).

usage: fault_proxy.py LISTEN_PORT UPSTREAM_URL [RATE] [SEED]
"""
import html
import http.client
import json
import http.server
import random
import re
import sys
import threading
import urllib.parse

THROTTLE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
    b"<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
    b"</Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>"
)


def main():
    port, upstream = int(sys.argv[1]), urllib.parse.urlparse(sys.argv[2])
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else 0.1
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
    lock = threading.Lock()
    stats = {"faulted": 0, "ec2_calls": 0}
    athena = {"fail": None, "scanned": 0}
    denied = set()
    owner_edit = {"endpoint_id": None, "times": 0, "done": 0}
    ptr = {"ptr": {}, "visible": True}
    taken = set()
    fail_put = {"prefix": None}

    def upstream_call(body, auth):
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        conn.request("POST", "/", body=body, headers={
            "Authorization": auth or "", "Content-Type": "application/x-www-form-urlencoded"})
        data = conn.getresponse().read().decode()
        conn.close()
        return data

    def edit_as_owner(endpoint_id, k, auth):
        """Adds the owner's Deny OwnerDeny<k> to the endpoint's policy, in moto."""
        text = upstream_call(urllib.parse.urlencode({
            "Action": "DescribeVpcEndpoints", "Version": "2016-11-15", "VpcEndpointId.1": endpoint_id}), auth)
        m = re.search(r"<policyDocument>(.*?)</policyDocument>", text, re.S)
        policy = json.loads(html.unescape(m.group(1)))
        statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
        statements.append({"Sid": "OwnerDeny%d" % k, "Effect": "Deny", "Principal": "*",
                           "Action": "sqs:PurgeQueue", "Resource": "*"})
        policy["Statement"] = statements
        upstream_call(urllib.parse.urlencode({
            "Action": "ModifyVpcEndpoint", "Version": "2016-11-15", "VpcEndpointId": endpoint_id,
            "PolicyDocument": json.dumps(policy, separators=(",", ":"))}), auth)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, status, body, headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self):
            with lock:
                prefix = fail_put["prefix"]
            # Path-style S3: /<bucket>/<key>.
            key = urllib.parse.unquote(self.path.split("?")[0]).split("/", 2)[-1]
            if prefix is not None and key.startswith(prefix):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                xml = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                       b'<Message>Access Denied</Message><RequestId>0</RequestId></Error>')
                return self._send(403, xml, [("Content-Type", "application/xml")])
            self._forward()

        def _ec2_error(self, status, code, message):
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
                   f'<Code>{code}</Code><Message>{html.escape(message)}</Message>'
                   '</Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>').encode()
            return self._send(status, xml, [("Content-Type", "text/xml")])

        def do_GET(self):
            if self.path == "/__faults":
                with lock:
                    body = ('{"faulted": %d, "ec2_calls": %d}' % (stats["faulted"], stats["ec2_calls"])).encode()
                return self._send(200, body, [("Content-Type", "application/json")])
            self._forward()

        def do_POST(self):
            if self.path == "/__athena":
                length = int(self.headers.get("Content-Length") or 0)
                with lock:
                    athena.update(json.loads(self.rfile.read(length) or b"{}"))
                return self._send(200, b"{}", [("Content-Type", "application/json")])
            if self.path == "/__owner_edit":
                length = int(self.headers.get("Content-Length") or 0)
                with lock:
                    req = json.loads(self.rfile.read(length) or b"{}")
                    if req.get("endpoint_id") != owner_edit["endpoint_id"]:
                        owner_edit["done"] = 0
                    owner_edit.update(req)
                return self._send(200, b"{}", [("Content-Type", "application/json")])
            if self.path in ("/__ptr", "/__taken", "/__fail_put"):
                length = int(self.headers.get("Content-Length") or 0)
                req = json.loads(self.rfile.read(length) or b"{}")
                with lock:
                    if self.path == "/__ptr":
                        ptr["ptr"] = req.get("ptr", {})
                        ptr["visible"] = req.get("visible", True)
                    elif self.path == "/__taken":
                        taken.clear()
                        taken.update(req.get("addresses", []))
                    else:
                        fail_put["prefix"] = req.get("prefix")
                return self._send(200, b"{}", [("Content-Type", "application/json")])
            if self.path == "/__deny_assume":
                length = int(self.headers.get("Content-Length") or 0)
                with lock:
                    denied.clear()
                    denied.update(json.loads(self.rfile.read(length) or b"{}").get("role_arns", []))
                return self._send(200, b"{}", [("Content-Type", "application/json")])
            self._forward()

        def _athena(self, target, request, status, data):
            """Rewrites moto's Athena answers where moto falls short of AWS."""
            if status != 200:
                return data
            doc = json.loads(data)
            if target == "AmazonAthena.GetQueryResults":
                rows = doc["ResultSet"]["Rows"]
                start = int(request.get("NextToken") or 0)
                size = int(request.get("MaxResults") or 1000)
                doc["ResultSet"]["Rows"] = rows[start:start + size]
                if start + size < len(rows):
                    doc["NextToken"] = str(start + size)
            elif target == "AmazonAthena.GetQueryExecution":
                with lock:
                    fail, scanned = athena["fail"], athena["scanned"]
                ex = doc["QueryExecution"]
                ex.setdefault("Statistics", {})["DataScannedInBytes"] = scanned
                if fail:
                    ex["Status"]["State"] = "FAILED"
                    ex["Status"]["StateChangeReason"] = fail
                    ex["Status"]["AthenaError"] = {"ErrorCategory": 2, "ErrorType": 1301, "Retryable": False}
            return json.dumps(doc).encode()

        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            target = self.headers.get("X-Amz-Target") or ""
            # EC2 speaks the query protocol: a form body with Action=...&Version=2016-11-15.
            if b"Version=2016-11-15" in body:
                with lock:
                    stats["ec2_calls"] += 1
                    fault = rng.random() < rate
                    if fault:
                        stats["faulted"] += 1
                if fault:
                    return self._send(503, THROTTLE, [("Content-Type", "text/xml")])
            if b"Version=2016-11-15" in body and (b"Action=ReleaseAddress" in body or b"Action=AllocateAddress" in body):
                form = urllib.parse.parse_qs(body.decode())
                action = form.get("Action", [""])[0]
                with lock:
                    ptr_name = ptr["ptr"].get((form.get("AllocationId") or [""])[0])
                    gone = (form.get("Address") or [""])[0] in taken
                dry = (form.get("DryRun") or ["false"])[0] == "true"
                if action == "ReleaseAddress" and ptr_name:
                    return self._ec2_error(400, "InvalidAddress.PtrSet",
                                           "The address has a reverse DNS record (PTR) set; reset it before releasing")
                if action == "AllocateAddress" and gone and not dry:
                    return self._ec2_error(400, "InvalidAddress.NotFound",
                                           "Address %s not found." % form["Address"][0])
            if b"Action=AssumeRole" in body:
                form = urllib.parse.parse_qs(body.decode())
                arn = (form.get("RoleArn") or [""])[0]
                with lock:
                    deny = arn in denied
                if deny:
                    xml = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                           '<Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:assumed-role/vpcwarden-eip-snapshot/x '
                           f'is not authorized to perform: sts:AssumeRole on resource: {arn}</Message></Error>'
                           '<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>').encode()
                    return self._send(403, xml, [("Content-Type", "text/xml")])
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            if target.startswith("AmazonAthena."):
                data = self._athena(target, json.loads(body or b"{}"), resp.status, data)
            if resp.status == 200 and b"Action=DescribeAddressesAttribute" in body:
                with lock:
                    names = dict(ptr["ptr"]) if ptr["visible"] else {}
                for alloc, name in names.items():
                    item = ("<allocationId>%s</allocationId>" % alloc).encode()
                    data = data.replace(item, item + ("<ptrRecord>%s</ptrRecord>" % html.escape(name)).encode())
            if resp.status == 200 and b"Action=DescribeVpcEndpoints" in body:
                with lock:
                    ep = owner_edit["endpoint_id"]
                    k = None
                    if ep and owner_edit["done"] < owner_edit["times"] and ep.encode() in data:
                        owner_edit["done"] += 1
                        k = owner_edit["done"]
                if k is not None:
                    edit_as_owner(ep, k, self.headers.get("Authorization"))
            keep = [(k, v) for k, v in resp.getheaders() if k.lower() not in ("content-length", "transfer-encoding", "connection")]
            self._send(resp.status, data, keep)
            conn.close()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
