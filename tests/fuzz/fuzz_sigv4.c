/*
 * fuzz_sigv4.c - SigV4 signing (src/aws/sigv4.c) and the XML reader of AWS
 * answers (sl_aws_xml_next, sl_aws_error_text in src/aws/http.c) on
 * arbitrary bytes.
 *
 * The input is split at '\n' into method, host, path, then name/value
 * pairs alternating between query and headers; every piece may hold any
 * byte except '\n' and NUL. Signing must succeed or fail cleanly, the
 * header and presigned forms must agree on the signing date, and the same
 * request signed twice must give the same Authorization. The whole input
 * is also read as an S3 answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http.h"
#include "aws/sigv4.h"

#define MAXP 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *f[3 + 4 * MAXP];
    size_t nf = 0;
    char *p = text;
    while (nf < sizeof(f) / sizeof(*f)) {
        f[nf++] = p;
        char *nl = memchr(p, '\n', (size_t)(text + size - p));
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    struct sl_aws_kv q[MAXP], h[MAXP];
    size_t nq = 0, nh = 0;
    for (size_t i = 3; i + 1 < nf; i += 2) {
        if ((i / 2) % 2 && nq < MAXP)
            q[nq++] = (struct sl_aws_kv){f[i], f[i + 1]};
        else if (nh < MAXP && f[i][0])
            h[nh++] = (struct sl_aws_kv){f[i], f[i + 1]};
    }
    struct sl_aws_creds c = {.access_key = "AKIDEXAMPLE",
                             .secret_key = "secret",
                             .session_token = size % 2 ? "tok" : NULL};
    struct sl_sigv4_params sp = {.creds = &c,
                                 .region = "us-east-1",
                                 .service = size % 3 ? "s3" : "kinesis",
                                 .time_s = (int64_t)(size * 7919) % 4102444800,
                                 .s3 = size % 3 != 0};
    struct sl_sigv4_request r = {.method = f[0],
                                 .host = nf > 1 ? f[1] : "h",
                                 .path = nf > 2 ? f[2] : "/",
                                 .query = q,
                                 .nquery = nq,
                                 .headers = h,
                                 .nheaders = nh};
    struct sl_sigv4_out a, b, ps;
    sl_sigv4_out_init(&a);
    sl_sigv4_out_init(&b);
    sl_sigv4_out_init(&ps);
    int ra = sl_sigv4_sign_headers(&sp, &r, &a, NULL);
    int rb = sl_sigv4_sign_headers(&sp, &r, &b, NULL);
    if (ra != rb ||
        (ra == 0 && strcmp((char *)a.auth.data, (char *)b.auth.data) != 0))
        abort(); /* signing is a function of the request */
    if (sl_sigv4_presign(&sp, &r, 3600, &ps, NULL) == 0 && ra == 0 &&
        strcmp(a.amz_date, ps.amz_date) != 0)
        abort();
    sl_sigv4_out_free(&a);
    sl_sigv4_out_free(&b);
    sl_sigv4_out_free(&ps);

    /* the same bytes as an AWS XML answer */
    struct sl_buf v;
    sl_buf_init(&v, 1u << 16);
    size_t pos = 0;
    int n = 0;
    while (n++ < 64 &&
           sl_aws_xml_next((const char *)data, size, &pos, "Key", &v) == 0)
        ;
    sl_buf_free(&v);
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    sl_buf_append(&resp.body, data, size);
    resp.status = 503;
    char msg[256];
    sl_aws_error_text(&resp, msg, sizeof(msg));
    sl_aws_http_resp_free(&resp);
    free(text);
    return 0;
}
