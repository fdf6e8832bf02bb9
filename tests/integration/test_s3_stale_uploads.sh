#!/usr/bin/env bash
# Which open multipart uploads a replay of the S3 sink aborts
# (sl_s3_abort_stale_uploads, src/sinks/s3.c): only those whose key has
# every match (this checkpoint's part files) AND that the store says were
# initiated at least the minimum age ago. A younger upload may be another
# process replaying the same batch right now (a restarted worker and the
# worker taking its batch over); aborting it would fail its commit. The
# store is a small fake that answers ListMultipartUploads with four
# uploads (s3rver cannot list them) and logs every request.
source "$(dirname "$0")/lib.sh"
export AWS_ACCESS_KEY_ID=AK AWS_SECRET_ACCESS_KEY=SK AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE
export AWS_EC2_METADATA_DISABLED=true
BUILD=${SL_BUILD_DIR:-$SRC_DIR/build}
D="$BUILD/test_s3"

cat > fake.py <<'PY'
import datetime, http.server, sys
now = datetime.datetime.now(datetime.timezone.utc)
def iso(hours_ago):
    t = now - datetime.timedelta(hours=hours_ago)
    return t.strftime('%Y-%m-%dT%H:%M:%S.000Z')
UPLOADS = [  # (key, upload id, hours ago)
    ('lake/part-00000005-aa-00000-cpA.json', 'u-old-ours', 30),
    ('lake/part-00000005-aa-00001-cpA.json', 'u-young-ours', 0),
    ('lake/part-00000005-aa-00000-cpB.json', 'u-old-other-cp', 30),
    ('lake/notes-cpA.txt', 'u-old-not-part', 30),
]
log = open(sys.argv[1], 'a', buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write('GET %s\n' % self.path)
        body = '<?xml version="1.0" encoding="UTF-8"?>\n' \
            '<ListMultipartUploadsResult><Bucket>bkt</Bucket>' + ''.join(
            '<Upload><Key>%s</Key><UploadId>%s</UploadId>'
            '<Initiated>%s</Initiated></Upload>' % (k, u, iso(h))
            for k, u, h in UPLOADS) + '</ListMultipartUploadsResult>'
        b = body.encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_DELETE(self):
        log.write('DELETE %s\n' % self.path)
        self.send_response(204)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print('PORT=%d' % s.server_address[1], flush=True)
s.serve_forever()
PY
$PY fake.py "$T/req.log" > port.txt 2> fake.err &
FAKE=$!
trap 'rc=$?; kill $FAKE 2>/dev/null; wait 2>/dev/null; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi; exit $rc' EXIT
for _ in $(seq 100); do grep -q PORT= port.txt && break; sleep 0.05; done
PORT=$(sed -n 's/PORT=//p' port.txt)
[ -n "$PORT" ] || fail "fake store did not start: $(cat fake.err)"
E=(--endpoint "http://127.0.0.1:$PORT")

# the sink's call: part files of checkpoint cpA, at least 6 h old
out=$("$D" "${E[@]}" abort-stale bkt lake "part-,-cpA." 21600000 2> c1.err) \
  || fail "abort-stale: $(cat c1.err)"
expect_eq "$out" "aborted 1" "stale uploads of cpA"
expect_eq "$(grep -c '^DELETE' req.log)" 1 "one abort"
grep -q '^DELETE /bkt/lake/part-00000005-aa-00000-cpA.json?uploadId=u-old-ours$' req.log \
  || fail "aborted the wrong upload: $(grep DELETE req.log)"
grep -q '^GET /bkt?.*uploads' req.log || fail "no listing: $(cat req.log)"
# without an age limit the young one of cpA goes too (the old behaviour
# for a single process)
: > req.log
out=$("$D" "${E[@]}" abort-stale bkt lake "part-,-cpA." 0 2> c2.err) \
  || fail "abort-stale 0: $(cat c2.err)"
expect_eq "$out" "aborted 2" "all uploads of cpA"
expect_eq "$(grep '^DELETE' req.log | sed 's/.*uploadId=//' | sort | tr '\n' ' ')" \
  "u-old-ours u-young-ours " "aborted ids"
echo "ok: stale uploads"
