/*
 * msk_iam.h - the SASL/OAUTHBEARER token of Amazon MSK IAM access control.
 *
 * As the AWS MSK IAM SASL signer libraries make it: a GET request to
 * https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect,
 * presigned with SigV4 (service "kafka-cluster", X-Amz-Expires 900, signed
 * header host, payload hash of the empty body, the session token as
 * X-Amz-Security-Token), then a User-Agent query parameter appended after
 * signing; the token is that URL in base64url without '=' padding. Its
 * lifetime ends at the signing time + 900 s, or when the credentials
 * expire if that is sooner.
 *
 * The token is a bearer credential: it is never logged.
 */
#ifndef SL_AWS_MSK_IAM_H
#define SL_AWS_MSK_IAM_H

#include <stdint.h>

#include "aws/sigv4.h"
#include "buf.h"
#include "error.h"

#define SL_MSK_TOKEN_EXPIRES_S 900
#define SL_MSK_USER_AGENT "sluice/" SL_VERSION

/* Token for `region` signed at time_s into token (reset first);
 * *expires_ms (Unix ms) gets its lifetime's end. */
int sl_aws_msk_token(const struct sl_aws_creds *creds, const char *region,
                     int64_t time_s, const char *user_agent,
                     struct sl_buf *token, int64_t *expires_ms,
                     struct sl_error *err);

#endif
