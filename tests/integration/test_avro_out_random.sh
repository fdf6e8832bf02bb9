#!/usr/bin/env bash
# sink.format: avro, by property, with an independent reader: 60 random
# sluice schemas (every scalar type but binary, arrays, maps, structs,
# nesting to depth 3, nullable anywhere) and random JSON rows go through a
# JSON -> Avro job each (random codec and block size); python3-avro reads
# every file and each value must equal what the JSON said.
source "$(dirname "$0")/lib.sh"

$PY - <<'PY'
import datetime, decimal, json, os, random
random.seed(20261125)
SCALARS = ['boolean', 'int', 'bigint', 'float', 'double', 'string', 'date',
           'timestamp', 'decimal']

def gen_type(depth):
    k = random.randrange(13 if depth < 3 else 9)
    if k < 9:
        t = SCALARS[k]
        if t == 'decimal':
            p = random.randint(1, 18)
            return ('decimal', p, random.randint(0, p))
        return (t,)
    if k < 11:
        return ('array', gen_type(depth + 1))
    if k == 11:
        return ('map', gen_type(depth + 1))
    return ('struct', [('f%d' % i, gen_type(depth + 1), random.random() < .5)
                       for i in range(random.randint(1, 4))])

def hive(t):
    if t[0] == 'decimal':
        return 'decimal(%d,%d)' % (t[1], t[2])
    if t[0] == 'array':
        return 'array<%s>' % hive(t[1])
    if t[0] == 'map':
        return 'map<string,%s>' % hive(t[1])
    if t[0] == 'struct':
        return 'struct<%s>' % ','.join('%s:%s' % (n, hive(c)) for n, c, _ in t[1])
    return t[0]

def gen_value(t, nullable):
    """(JSON value, value python3-avro should read)."""
    if nullable and random.random() < .2:
        return None, None
    k = t[0]
    if k == 'boolean':
        v = random.random() < .5
        return v, v
    if k == 'int':
        v = random.randint(-2**31, 2**31 - 1)
        return v, v
    if k == 'bigint':
        v = random.randint(-2**62, 2**62)
        return v, v
    if k == 'float':
        v = random.randint(-10**6, 10**6) / 4
        return v, v
    if k == 'double':
        v = random.randint(-10**12, 10**12) / 1024
        return v, v
    if k == 'string':
        v = ''.join(random.choice('ab\u00e9\u2713 "\\') for _ in range(random.randrange(6)))
        return v, v
    if k == 'date':
        d = datetime.date(1970, 1, 1) + datetime.timedelta(days=random.randint(-20000, 30000))
        return d.isoformat(), d
    if k == 'timestamp':
        us = random.randint(-10**15, 4 * 10**15)
        dt = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=us)
        return dt.strftime('%Y-%m-%dT%H:%M:%S.%fZ'), dt
    if k == 'decimal':
        p, s = t[1], t[2]
        unscaled = random.randint(-(10**p - 1), 10**p - 1)
        d = decimal.Decimal(unscaled).scaleb(-s)
        return str(d), d
    if k == 'array':
        pairs = [gen_value(t[1], True) for _ in range(random.randrange(4))]
        return [a for a, _ in pairs], [b for _, b in pairs]
    if k == 'map':
        pairs = {'k%d' % i: gen_value(t[1], True) for i in range(random.randrange(4))}
        return {k2: a for k2, (a, _) in pairs.items()}, {k2: b for k2, (_, b) in pairs.items()}
    if k == 'struct':
        js, av = {}, {}
        for n, c, nl in t[1]:
            a, b = gen_value(c, nl)
            js[n] = a
            av[n] = b
        return js, av
    raise ValueError(k)

os.makedirs('cases', exist_ok=True)
for case in range(60):
    cols = [('c%d' % i, gen_type(1), random.random() < .5) for i in range(random.randint(1, 6))]
    rows_js, rows_av = [], []
    for r in range(random.randrange(1, 40)):
        js, av = {'id': r}, {'id': r}
        for n, t, nl in cols:
            a, b = gen_value(t, nl)
            js[n] = a
            av[n] = b
        rows_js.append(js)
        rows_av.append(av)
    d = 'cases/%d' % case
    os.makedirs(d + '/in')
    with open(d + '/in/rows.json', 'w') as f:
        for r in rows_js:
            f.write(json.dumps(r) + '\n')
    codec = random.choice(['null', 'deflate', 'snappy', 'zstandard'])
    with open(d + '/job.yaml', 'w') as f:
        f.write('name: random-%d\nwindow: 5s\ncheckpoint: ./%s/cp\n' % (case, d))
        f.write('source:\n  type: file\n  path: ./%s/in/*.json\n  format: json\n  schema:\n' % d)
        f.write('    - {name: id, type: bigint, nullable: false}\n')
        for n, t, nl in cols:
            f.write('    - {name: %s, type: "%s", nullable: %s}\n' % (n, hive(t), 'true' if nl else 'false'))
        f.write('sink:\n  type: file\n  path: ./%s/lake\n  format: avro\n'
                '  compression: "%s"\n  avro_block_bytes: %d\n'
                'dead_letter: {path: ./%s/errors}\n' % (d, codec, random.choice([64, 512, 1 << 20]), d))
    with open(d + '/expect.repr', 'w') as f:
        f.write(repr(rows_av))
PY

for d in cases/*/; do
  "$SLUICE" run "$d/job.yaml" --until-idle 2> "$d/run.log" || { cat "$d/run.log"; fail "$d"; }
done

$PY - <<'PY'
import datetime, decimal, glob, os
import avro.datafile, avro.io
UTC = datetime.timezone.utc
def norm(v):
    if isinstance(v, datetime.datetime):
        return v.astimezone(UTC)
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    return v
n = 0
for d in sorted(glob.glob('cases/*/')):
    want = eval(open(d + 'expect.repr').read(), {'datetime': datetime, 'Decimal': decimal.Decimal})
    files = glob.glob(d + 'lake/*.avro')
    assert len(files) == 1, (d, files, open(d + 'run.log').read()[-500:])
    got = [norm(r) for r in avro.datafile.DataFileReader(open(files[0], 'rb'), avro.io.DatumReader())]
    want = [norm(r) for r in want]
    assert len(got) == len(want), (d, len(got), len(want))
    for g, w in zip(got, want):
        assert g == w, (d, {k: (g.get(k), w.get(k)) for k in w if g.get(k) != w.get(k)})
    n += len(got)
print('ok: 60 random schemas, %d rows read back by python3-avro' % n)
PY
echo "avro random output ok"
