# S3 helpers for integration tests (sourced after lib.sh): start s3rver
# and the fault/logging proxy on free ports, stop them on exit.
#   start_s3rver BUCKET...   sets S3_PORT, S3_URL
#   start_proxy ARGS...      sets PROXY_PORT, PROXY_URL (log: $T/proxy.log)
# Credentials for s3rver are S3RVER/S3RVER (exported here).
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE
export AWS_EC2_METADATA_DISABLED=true
S3_PIDS=()
s3_cleanup() {
  for p in "${S3_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap 'rc=$?; s3_cleanup; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi' EXIT

start_s3rver() {
  local out
  out=$("$SRC_DIR/tests/peers/s3rver.sh" "$T/s3data" "$@") || fail "s3rver did not start"
  eval "$out"
  S3_PORT=$PORT; S3_PID=$PID; S3_PIDS+=("$PID")
  S3_URL=http://127.0.0.1:$S3_PORT
}

start_proxy() {
  $PY "$SRC_DIR/tests/aws/fault_proxy.py" "$S3_PORT" "$T/proxy.log" "$@" > "$T/proxy.port" 2>> "$T/proxy.err" &
  S3_PIDS+=("$!")
  for _ in $(seq 200); do grep -q PORT= "$T/proxy.port" 2>/dev/null && break; sleep 0.05; done
  PROXY_PORT=$(sed -n 's/PORT=//p' "$T/proxy.port")
  [ -n "$PROXY_PORT" ] || fail "proxy did not start"
  PROXY_URL=http://127.0.0.1:$PROXY_PORT
}

# boto3 against s3rver: $S3PY 'python code using s3' (s3 is a client)
s3py() {
  S3_URL=$S3_URL $PY -c "
import boto3, hashlib, json, os, sys
s3 = boto3.client('s3', endpoint_url=os.environ['S3_URL'],
                  aws_access_key_id='S3RVER', aws_secret_access_key='S3RVER',
                  region_name='us-east-1')
def keys(b, p=''):
    out = []
    for page in s3.get_paginator('list_objects_v2').paginate(Bucket=b, Prefix=p):
        out += [o['Key'] for o in page.get('Contents', [])]
    return out
$1" "${@:2}"
}

# s3_download BUCKET PREFIX DIR: every object under PREFIX into DIR (keys
# relative to PREFIX), read by boto3.
s3_download() {
  s3py '
b, p, d = sys.argv[1], sys.argv[2], sys.argv[3]
for k in keys(b, p):
    rel = k[len(p):].lstrip("/")
    os.makedirs(os.path.dirname(os.path.join(d, rel)) or d, exist_ok=True)
    with open(os.path.join(d, rel), "wb") as f:
        f.write(s3.get_object(Bucket=b, Key=k)["Body"].read())
' "$@"
}
