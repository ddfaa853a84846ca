#!/usr/bin/env python3
"""A local stand-in for the Amazon MWAA control plane (moto has none).

Speaks MWAA's restJson1 protocol for the two operations vpcwarden calls, as
the botocore model (mwaa/2020-07-01) describes them:
  GET /environments?MaxResults=&NextToken=  -> {"Environments": [names], "NextToken"?}
  GET /environments/{Name}                  -> {"Environment": {...PascalCase...}}
  errors: header x-amzn-ErrorType, body {"message": ...}
          (ResourceNotFoundException 404, ValidationException 400)
Environments are kept per (account, region), as in AWS: the region is the
SigV4 credential scope's; the account is the caller's, which the stand-in
asks moto's STS (GetCallerIdentity with the caller's own Authorization
header), so credentials from sts:AssumeRole reach the role's account.

Test control (not MWAA):
  PUT    /__env/{account}/{region}/{Name}  body: an Environment (PascalCase); CreatedAt defaults to now
  DELETE /__env/{account}/{region}/{Name}
  PUT    /__fail/{account}/{region}/{Name}  GetEnvironment of it answers InternalServerException (500)
                                           until DELETE /__fail/... (a failure that outlasts any retry)
  GET    /__calls                          -> {"ListEnvironments": n, "GetEnvironment": n}
  POST   /__calls/reset

usage: mwaa_standin.py LISTEN_PORT MOTO_URL
"""
import http.client
import http.server
import json
import re
import sys
import threading
import time
import urllib.parse

NAME = re.compile(r"^[a-zA-Z][0-9a-zA-Z\-_]{0,79}$")


def main():
    port, moto = int(sys.argv[1]), urllib.parse.urlparse(sys.argv[2])
    lock = threading.Lock()
    envs = {}  # (account, region) -> {name: env}
    calls = {"ListEnvironments": 0, "GetEnvironment": 0}
    failing = set()  # (account, region, name)
    accounts = {}  # access key id -> account

    def caller_account(auth):
        m = re.search(r"Credential=([^/]+)/", auth or "")
        key = m.group(1) if m else ""
        with lock:
            if key in accounts:
                return accounts[key]
        conn = http.client.HTTPConnection(moto.hostname, moto.port, timeout=10)
        body = "Action=GetCallerIdentity&Version=2011-06-15"
        conn.request("POST", "/", body=body, headers={
            "Authorization": (auth or "").replace("/airflow/", "/sts/"),
            "Content-Type": "application/x-www-form-urlencoded"})
        text = conn.getresponse().read().decode()
        m = re.search(r"<Account>(\d{12})</Account>", text)
        account = m.group(1) if m else "123456789012"
        with lock:
            accounts[key] = account
        return account

    def region_of(auth):
        m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", auth or "")
        return m.group(1) if m else "us-east-1"

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, error=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-amzn-RequestId", "standin-%d" % time.time_ns())
            if error:
                self.send_header("x-amzn-ErrorType", error)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(n) or b"{}")

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            if url.path == "/__calls":
                with lock:
                    return self.reply(200, dict(calls))
            auth = self.headers.get("Authorization")
            scope = (caller_account(auth), region_of(auth))
            if url.path == "/environments":
                q = urllib.parse.parse_qs(url.query)
                size = int(q.get("MaxResults", ["25"])[0])
                if not 1 <= size <= 25:
                    return self.reply(400, {"message": "MaxResults must be 1-25"}, "ValidationException")
                start = int(q.get("NextToken", ["0"])[0])
                with lock:
                    calls["ListEnvironments"] += 1
                    names = sorted(envs.get(scope, {}))
                out = {"Environments": names[start:start + size]}
                if start + size < len(names):
                    out["NextToken"] = str(start + size)
                return self.reply(200, out)
            m = re.match(r"^/environments/([^/]+)$", url.path)
            if m:
                name = urllib.parse.unquote(m.group(1))
                if not NAME.match(name):
                    return self.reply(400, {"message": "1 validation error detected: Value at 'name' failed to satisfy constraint"}, "ValidationException")
                with lock:
                    calls["GetEnvironment"] += 1
                    env = envs.get(scope, {}).get(name)
                    broken = (scope[0], scope[1], name) in failing
                if broken:
                    return self.reply(500, {"message": "Internal server error (stand-in fault)"}, "InternalServerException")
                if env is None:
                    return self.reply(404, {"message": "Environment %s not found" % name}, "ResourceNotFoundException")
                return self.reply(200, {"Environment": env})
            self.reply(404, {"message": "unknown path " + url.path}, "UnknownOperationException")

        def do_PUT(self):
            f = re.match(r"^/__fail/(\d{12})/([a-z0-9-]+)/([^/]+)$", self.path)
            if f:
                with lock:
                    failing.add(f.groups())
                return self.reply(200, {})
            m = re.match(r"^/__env/(\d{12})/([a-z0-9-]+)/([^/]+)$", self.path)
            if not m:
                return self.reply(404, {"message": "unknown path"})
            account, region, name = m.groups()
            env = self.body()
            env.setdefault("Name", name)
            env.setdefault("Arn", "arn:aws:airflow:%s:%s:environment/%s" % (region, account, name))
            env.setdefault("CreatedAt", int(time.time()))
            with lock:
                envs.setdefault((account, region), {})[name] = env
            self.reply(200, {"Environment": env})

        def do_DELETE(self):
            f = re.match(r"^/__fail/(\d{12})/([a-z0-9-]+)/([^/]+)$", self.path)
            if f:
                with lock:
                    failing.discard(f.groups())
                return self.reply(200, {})
            m = re.match(r"^/__env/(\d{12})/([a-z0-9-]+)/([^/]+)$", self.path)
            if not m:
                return self.reply(404, {"message": "unknown path"})
            account, region, name = m.groups()
            with lock:
                envs.get((account, region), {}).pop(name, None)
            self.reply(200, {})

        def do_POST(self):
            if self.path == "/__calls/reset":
                with lock:
                    for k in calls:
                        calls[k] = 0
                return self.reply(200, {})
            self.reply(404, {"message": "unknown path"})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
