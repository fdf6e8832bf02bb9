#!/usr/bin/env bash
# The AWS credential chain against fake IMDS, container and STS endpoints
# served by tests/aws/fake_endpoints.py: each provider alone, the order
# between them, AssumeRole on top (with external id, and denied), refresh
# before expiry, and no secret in any output.
source "$(dirname "$0")/lib.sh"
BUILD=${SL_BUILD_DIR:-$SRC_DIR/build}
DRV="$BUILD/test_credentials"

start_fake() { # name expires_in -> sets PORT_<name>
  FAKE_EXPIRES_IN=$2 FAKE_CONTAINER_TOKEN="ctok-SECRET-91" \
    $PY "$SRC_DIR/tests/aws/fake_endpoints.py" "$T/$1.log" > "$T/$1.port" &
  echo $! >> "$T/pids"
  for _ in $(seq 100); do grep -q PORT= "$T/$1.port" 2>/dev/null && break; sleep 0.05; done
  eval "PORT_$1=$(sed -n 's/PORT=//p' "$T/$1.port")"
}
trap 'rc=$?; [ -f "$T/pids" ] && kill $(cat "$T/pids") 2>/dev/null; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi' EXIT
start_fake long 3600
start_fake short 10
L=http://127.0.0.1:$PORT_long
S=http://127.0.0.1:$PORT_short

# a clean environment: only what each case sets
clean() {
  env -i PATH="$PATH" HOME="$T/home" AWS_SHARED_CREDENTIALS_FILE="$T/none" \
    AWS_CONFIG_FILE="$T/none" AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:9" \
    AWS_ENDPOINT_URL_STS="$L" "$@"
}
run() { # label, env..., -- args
  local label=$1; shift
  local envs=() ; while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  clean "${envs[@]}" "$DRV" --chain "$@" > "$T/$label.out" 2> "$T/$label.err" || echo "rc=$?" >> "$T/$label.out"
  cat "$T/$label.out"
}
mkdir -p "$T/home"
echo "eyJhbGciOiJSUzI1NiJ9.webid-SECRET-jwt.sig" > "$T/webtoken"
echo "ctok-SECRET-91" > "$T/ctokfile"
cat > "$T/creds" <<'INI'
[prod]
aws_access_key_id = AKIAPROFILE
aws_secret_access_key = profileSECRETvalue
INI

# 1. environment
out=$(run env AWS_ACCESS_KEY_ID=AKIAENV AWS_SECRET_ACCESS_KEY=envSECRETvalue AWS_SESSION_TOKEN=envSESSIONtok --)
expect_eq "$out" "source=environment
access_key=AKIAENV token=yes expires=no" "environment"

# 2. shared files with a profile
out=$(run profile AWS_SHARED_CREDENTIALS_FILE="$T/creds" AWS_PROFILE=prod --)
expect_eq "$out" "source=profile prod
access_key=AKIAPROFILE token=no expires=no" "profile"

# 3. web identity through STS
out=$(run webid AWS_WEB_IDENTITY_TOKEN_FILE="$T/webtoken" AWS_ROLE_ARN=arn:aws:iam::111122223333:role/web AWS_ROLE_SESSION_NAME=sess1 --)
expect_eq "$out" "source=web identity
access_key=ASIAWEBID1 token=yes expires=yes" "web identity"
got=$($PY -c '
import json,sys
l=[json.loads(x) for x in open(sys.argv[1])]
f=[x["form"] for x in l if x["method"]=="POST"][-1]
print(f["Action"], f["RoleArn"], f["RoleSessionName"], f["web_token_len"], f["Version"])' "$T/long.log")
expect_eq "$got" "AssumeRoleWithWebIdentity arn:aws:iam::111122223333:role/web sess1 41 2011-06-15" "web identity request"

# 4. container credentials (full URI, token from env and from a file)
out=$(run container AWS_CONTAINER_CREDENTIALS_FULL_URI="$L/container/creds" AWS_CONTAINER_AUTHORIZATION_TOKEN=ctok-SECRET-91 --)
expect_eq "$out" "source=container
access_key=ASIACONTAINER2 token=yes expires=yes" "container"
out=$(run container2 AWS_CONTAINER_CREDENTIALS_FULL_URI="$L/container/creds" AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$T/ctokfile" --)
expect_eq "$out" "source=container
access_key=ASIACONTAINER3 token=yes expires=yes" "container token file"
out=$(run container3 AWS_CONTAINER_CREDENTIALS_FULL_URI="$L/container/creds" AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong --)
expect_eq "$out" "rc=1" "container with a wrong token"
grep -q "container credentials endpoint http://127.0.0.1:$PORT_long/container/creds answered HTTP 403" "$T/container3.err" \
  || fail "container 403 message: $(cat "$T/container3.err")"

# 5. IMDSv2
out=$(run imds AWS_EC2_METADATA_SERVICE_ENDPOINT="$L" --)
expect_eq "$out" "source=instance metadata
access_key=ASIAIMDS4 token=yes expires=yes" "imds"
got=$($PY -c '
import json,sys
l=[json.loads(x) for x in open(sys.argv[1])][-3:]
print(" ".join("%s:%s:%s:%s" % (x["method"], x["path"], x["imds_ttl"], x["imds_token_ok"]) for x in l))' "$T/long.log")
expect_eq "$got" "PUT:/latest/api/token:21600:False GET:/latest/meta-data/iam/security-credentials/:None:True GET:/latest/meta-data/iam/security-credentials/fake-role:None:True" "imds requests"
out=$(run imds_off AWS_EC2_METADATA_SERVICE_ENDPOINT="$L" AWS_EC2_METADATA_DISABLED=true --)
expect_eq "$out" "rc=1" "imds disabled"

# 6. order: environment > files > web identity > container > IMDS
out=$(run order1 AWS_ACCESS_KEY_ID=AKIAENV AWS_SECRET_ACCESS_KEY=envSECRETvalue AWS_SHARED_CREDENTIALS_FILE="$T/creds" AWS_PROFILE=prod AWS_WEB_IDENTITY_TOKEN_FILE="$T/webtoken" AWS_ROLE_ARN=arn:aws:iam::1:role/w AWS_CONTAINER_CREDENTIALS_FULL_URI="$L/container/c" AWS_EC2_METADATA_SERVICE_ENDPOINT="$L" -- | head -1)
expect_eq "$out" "source=environment" "order env"
out=$(run order2 AWS_SHARED_CREDENTIALS_FILE="$T/creds" AWS_PROFILE=prod AWS_WEB_IDENTITY_TOKEN_FILE="$T/webtoken" AWS_ROLE_ARN=arn:aws:iam::1:role/w AWS_CONTAINER_CREDENTIALS_FULL_URI="$L/container/c" AWS_EC2_METADATA_SERVICE_ENDPOINT="$L" -- | head -1)
expect_eq "$out" "source=profile prod" "order profile"
out=$(run order3 AWS_WEB_IDENTITY_TOKEN_FILE="$T/webtoken" AWS_ROLE_ARN=arn:aws:iam::1:role/w AWS_CONTAINER_CREDENTIALS_FULL_URI="$L/container/c" AWS_CONTAINER_AUTHORIZATION_TOKEN=ctok-SECRET-91 AWS_EC2_METADATA_SERVICE_ENDPOINT="$L" -- | head -1)
expect_eq "$out" "source=web identity" "order web identity"
out=$(run order4 AWS_CONTAINER_CREDENTIALS_FULL_URI="$L/container/c" AWS_CONTAINER_AUTHORIZATION_TOKEN=ctok-SECRET-91 AWS_EC2_METADATA_SERVICE_ENDPOINT="$L" -- | head -1)
expect_eq "$out" "source=container" "order container"

# 7. AssumeRole on top of the chain, signed with the chain's keys
out=$(run assume AWS_ACCESS_KEY_ID=AKIAENV AWS_SECRET_ACCESS_KEY=envSECRETvalue -- --role arn:aws:iam::444455556666:role/cross --external-id ext-42 --session-name etl)
expect_eq "$out" "source=environment + assume role
access_key=ASIAASSUMED7 token=yes expires=yes" "assume role"
got=$($PY -c '
import json,sys
l=[json.loads(x) for x in open(sys.argv[1])]
x=[x for x in l if x["method"]=="POST"][-1]; f=x["form"]
print(f["Action"], f["RoleArn"], f["RoleSessionName"], f["ExternalId"], f["DurationSeconds"], x["authorization"].split(",")[0])' "$T/long.log")
expect_eq "$got" "AssumeRole arn:aws:iam::444455556666:role/cross etl ext-42 3600 AWS4-HMAC-SHA256 Credential=AKIAENV/$(date -u +%Y%m%d)/us-east-1/sts/aws4_request" "assume role request"
out=$(run denied AWS_ACCESS_KEY_ID=AKIAENV AWS_SECRET_ACCESS_KEY=envSECRETvalue -- --role arn:aws:iam::1:role/denied)
expect_eq "$out" "rc=1" "denied role"
grep -q "AssumeRole at http://127.0.0.1:$PORT_long failed: HTTP 403 AccessDenied: not allowed to assume this role" "$T/denied.err" \
  || fail "denied message: $(cat "$T/denied.err")"

# 8. refresh before expiry: credentials valid 10 s, margin 300 s -> each
# get fetches again; valid 3600 s -> the same credentials are reused
out=$(run refresh AWS_CONTAINER_CREDENTIALS_FULL_URI="$S/container/c" AWS_CONTAINER_AUTHORIZATION_TOKEN=ctok-SECRET-91 -- --gets 3)
expect_eq "$out" "source=container
access_key=ASIACONTAINER2 token=yes expires=yes
access_key=ASIACONTAINER3 token=yes expires=yes
access_key=ASIACONTAINER4 token=yes expires=yes" "refresh"
n0=$(grep -c container "$T/long.log")
out=$(run norefresh AWS_CONTAINER_CREDENTIALS_FULL_URI="$L/container/c" AWS_CONTAINER_AUTHORIZATION_TOKEN=ctok-SECRET-91 -- --gets 3 | sort -u | wc -l)
expect_eq "$out" 2 "no refresh while valid"
expect_eq "$(grep -c container "$T/long.log")" $((n0 + 1)) "one container fetch"
out=$(run refresh_role AWS_CONTAINER_CREDENTIALS_FULL_URI="$S/container/c" AWS_CONTAINER_AUTHORIZATION_TOKEN=ctok-SECRET-91 AWS_ENDPOINT_URL_STS="$S" -- --role arn:aws:iam::1:role/r --gets 2 | tail -2 | cut -d' ' -f1)
# (short server: container 5 + assumed 6 at creation, then 7+8, 9+10)
expect_eq "$out" "access_key=ASIAASSUMED8
access_key=ASIAASSUMED10" "assumed role refreshed"

# 9. no secret anywhere in what sluice printed
for s in fakeSECRETkey fakeSESSIONtoken imds-session-token-SECRET ctok-SECRET webid-SECRET envSECRETvalue envSESSIONtok profileSECRETvalue; do
  if grep -rl -- "$s" "$T"/*.out "$T"/*.err; then fail "secret '$s' appears in output"; fi
done
echo "ok: credential chain"
