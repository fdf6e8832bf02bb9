#!/usr/bin/python3
"""Produce JSON test records to a Kafka topic with python3-confluent-kafka,
an independent client (sluice's tests check what sluice reads against it).

  kafka_produce.py BOOTSTRAP TOPIC FIRST COUNT [options]

Record i (FIRST <= i < FIRST+COUNT) is {"id": i, "v": "<filler>"} with key
"k<i>" (so records spread over partitions by the key hash).
  --compression C   Kafka batch compression: none gzip snappy lz4 zstd
  --rate R          about R records/s (0: as fast as possible)
  --ts-base MS      record i gets timestamp MS + i*1000
  --partition P     send every record to partition P
  --poison I        record I is the bytes 'not json{' instead
  --pad N           filler length (default 20)
  --headers         add headers h1=<i>, h2=x
"""
import argparse
import json
import sys
import time

from confluent_kafka import Producer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('bootstrap')
    ap.add_argument('topic')
    ap.add_argument('first', type=int)
    ap.add_argument('count', type=int)
    ap.add_argument('--compression', default='none')
    ap.add_argument('--rate', type=float, default=0)
    ap.add_argument('--ts-base', type=int, default=None)
    ap.add_argument('--partition', type=int, default=None)
    ap.add_argument('--poison', type=int, action='append', default=[])
    ap.add_argument('--pad', type=int, default=20)
    ap.add_argument('--headers', action='store_true')
    a = ap.parse_args()
    p = Producer({'bootstrap.servers': a.bootstrap,
                  'compression.type': a.compression,
                  'enable.idempotence': True,
                  'linger.ms': 20,
                  'message.timeout.ms': 300000,
                  'queue.buffering.max.messages': 1000000})
    failed = []

    def report(err, msg):
        if err is not None:
            failed.append(str(err))

    t0 = time.time()
    for i in range(a.first, a.first + a.count):
        if i in a.poison:
            value = b'not json{'
        else:
            value = json.dumps({'id': i, 'v': 'x' * (a.pad + i % 7)},
                               separators=(',', ':')).encode()
        kw = {'key': ('k%d' % i).encode(), 'value': value,
              'on_delivery': report}
        if a.ts_base is not None:
            kw['timestamp'] = a.ts_base + i * 1000
        if a.partition is not None:
            kw['partition'] = a.partition
        if a.headers:
            kw['headers'] = [('h1', str(i).encode()), ('h2', b'x')]
        while True:
            try:
                p.produce(a.topic, **kw)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
        if a.rate > 0:
            ahead = (i - a.first + 1) / a.rate - (time.time() - t0)
            if ahead > 0:
                time.sleep(ahead)
    left = p.flush(300)
    if left or failed:
        print('produce: %d not delivered, errors: %s' % (left, failed[:3]),
              file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
