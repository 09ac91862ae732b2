#!/usr/bin/env python3
"""Regenerates the synthetic response fixtures in this folder (the moto-*.http files are captured
from moto_server 5.2.5 and are not regenerated). Deterministic: run it and `git diff` shows nothing.

Shapes follow what Lambda sends (header names and order as seen from the service, request ids as
UUIDs, `X-Amz-Log-Result` as the base64 of the last 4 KB of the log)."""
import base64, os

HERE = os.path.dirname(os.path.abspath(__file__))
DATE = "Wed, 27 Nov 2024 10:15:42 GMT"
RID = "6f3a7c1e-2b1d-4c8e-9a57-1f0e2d3c4b5a"
TRACE = "root=1-6746f1ee-3b7c1f2a5d6e4f0a1b2c3d4e;parent=5a6b7c8d9e0f1a2b;sampled=0;lineage=1:2e3f4a5b:0"


def write(name, head_lines, body=b""):
    data = ("\r\n".join(head_lines) + "\r\n\r\n").encode() + body
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def lambda_head(status, body_len, extra=(), version="$LATEST"):
    lines = [status, f"Date: {DATE}", "Content-Type: application/json", f"Content-Length: {body_len}",
             "Connection: keep-alive", f"x-amzn-RequestId: {RID}", "x-amzn-Remapped-Content-Length: 0"]
    if version:
        lines.append(f"X-Amz-Executed-Version: {version}")
    lines += list(extra)
    lines.append(f"X-Amzn-Trace-Id: {TRACE}")
    return lines


def log_text(size):
    lines = [f"START RequestId: {RID} Version: $LATEST\n"]
    i = 0
    while sum(map(len, lines)) < size:
        lines.append(f"2024-11-27T10:15:42.{i % 1000:03d}Z\t{RID}\tINFO\tprocessed record {i}: "
                     f"temperature=21.{i % 10}C humidity={40 + i % 17}% status=ok\n")
        i += 1
    tail = (f"END RequestId: {RID}\nREPORT RequestId: {RID}\tDuration: 12.34 ms\t"
            "Billed Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 68 MB\t\n")
    text = "".join(lines)
    # Lambda returns the *last* 4 KB: cut from the front.
    return (text + tail)[-size:].encode()


payload = b'{"statusCode":200,"body":"{\\"ok\\":true}"}'
write("lambda-200-small.http", lambda_head("HTTP/1.1 200 OK", len(payload)), payload)

for name, size in (("lambda-200-log-3k.http", 2130), ("lambda-200-log-4k.http", 4096)):
    log = log_text(size)
    b64 = base64.b64encode(log).decode()
    write(name, lambda_head("HTTP/1.1 200 OK", len(payload), [f"X-Amz-Log-Result: {b64}"]), payload)
    with open(os.path.join(HERE, name.replace(".http", ".log")), "wb") as f:
        f.write(log)

write("lambda-202-event.http",
      ["HTTP/1.1 202 Accepted", f"Date: {DATE}", "Content-Length: 0", "Connection: keep-alive",
       f"x-amzn-RequestId: {RID}", f"X-Amzn-Trace-Id: {TRACE}"])
write("lambda-204-dryrun.http",
      ["HTTP/1.1 204 No Content", f"Date: {DATE}", "Connection: keep-alive", f"x-amzn-RequestId: {RID}"])

err = (b'{"errorMessage":"division by zero","errorType":"ZeroDivisionError","requestId":"'
       + RID.encode() + b'","stackTrace":["  File \\"/var/task/app.py\\", line 3, in handler\\n'
       b'    return 1 / 0\\n"]}')
write("lambda-200-unhandled.http",
      lambda_head("HTTP/1.1 200 OK", len(err), ["X-Amz-Function-Error: Unhandled"], version="7"), err)

nf = b'{"Message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope","Type":"User"}'
write("lambda-404-resource-not-found.http",
      ["HTTP/1.1 404 Not Found", f"Date: {DATE}", "Content-Type: application/json",
       f"Content-Length: {len(nf)}", "Connection: keep-alive", f"x-amzn-RequestId: {RID}",
       "x-amzn-ErrorType: ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/"],
      nf)

tm = b'{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}'
write("lambda-429-throttled.http",
      ["HTTP/1.1 429 Too Many Requests", f"Date: {DATE}", "Content-Type: application/json",
       f"Content-Length: {len(tm)}", "Connection: keep-alive", f"x-amzn-RequestId: {RID}",
       "Retry-After: 2", "x-amzn-ErrorType: TooManyRequestsException"], tm)

se = (b'{"__type":"com.amazonaws.lambda#ServiceException",'
      b'"message":"Lambda encountered an internal error: \\"retry\\" \\u00e9\\n"}')
write("lambda-500-service-exception.http",
      ["HTTP/1.1 500 Internal Server Error", f"Date: {DATE}", "Content-Type: application/json",
       f"Content-Length: {len(se)}", "Connection: close", f"x-amzn-RequestId: {RID}"], se)

sig = (b'{"message":"The request signature we calculated does not match the signature you provided. '
       b'Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}')
write("lambda-403-invalid-signature.http",
      ["HTTP/1.1 403 Forbidden", f"Date: {DATE}", "Content-Type: application/json",
       f"Content-Length: {len(sig)}", "Connection: keep-alive", f"x-amzn-RequestId: {RID}",
       "x-amzn-ErrorType: InvalidSignatureException"], sig)

html = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")
write("proxy-502-html.http",
      ["HTTP/1.1 502 Bad Gateway", "Server: awselb/2.0", f"Date: {DATE}", "Content-Type: text/html",
       f"Content-Length: {len(html)}", "Connection: keep-alive"], html)

chunks = [b'{"items":[1,2,3],', b'"next":null,', b'"note":"' + b"x" * 300 + b'"}']
body = b""
for i, c in enumerate(chunks):
    ext = ";name=value" if i == 1 else ""
    body += f"{len(c):x}{ext}\r\n".encode() + c + b"\r\n"
body += b"0\r\nX-Checksum: abc123\r\nX-Other: 1\r\n\r\n"
write("lambda-200-chunked.http",
      ["HTTP/1.1 200 OK", f"Date: {DATE}", "Content-Type: application/json", "Transfer-Encoding: chunked",
       "Connection: keep-alive", f"x-amzn-RequestId: {RID}", "X-Amz-Executed-Version: 3"], body)

small = open(os.path.join(HERE, "lambda-200-small.http"), "rb").read()
with open(os.path.join(HERE, "lambda-200-after-100-continue.http"), "wb") as f:
    f.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\nX-Amz-Function-Error: Ignored\r\n\r\n" + small)

write("http10-until-close.http",
      ["HTTP/1.0 200 OK", f"Date: {DATE}", "Content-Type: application/json", f"x-amzn-RequestId: {RID}"],
      b'{"streamed":"until the peer closes"}')

write("lambda-200-ows.http",
      ["HTTP/1.1 200 OK", f"date:   {DATE} \t ", "CONTENT-LENGTH: 2", f"X-AMZN-REQUESTID:\t{RID}\t",
       "x-amz-executed-version: 1\t \t \t  ", "x-amz-function-error:Handled"], b"{}")
