#!/usr/bin/python3
"""Independent checks of a lake written by sluice (integration tests).

  check.py ids LAKE [--field id]      print count, distinct, min, max of ids
                                      in every *.json data file under LAKE
                                      (skips _errors, _sluice_tmp, dot files)
  check.py exactly LAKE N [K]         every id 0..N-1 appears exactly K times
                                      (default 1), and nothing else; exit 1
                                      with the first differences otherwise
  check.py lines DIR                  number of lines of all *.json under DIR
"""
import json
import os
import sys
from collections import Counter


def data_files(root, errors=False):
    for d, dirs, files in os.walk(root):
        parts = os.path.relpath(d, root).split(os.sep)
        if any(p.startswith('_sluice_tmp') for p in parts):
            continue
        if not errors and any(p == '_errors' for p in parts):
            continue
        for f in sorted(files):
            if f.endswith('.json') and not f.startswith('.'):
                yield os.path.join(d, f)


def ids(root, field='id'):
    c = Counter()
    for p in data_files(root):
        with open(p, 'rb') as fh:
            for line in fh:
                rec = json.loads(line)
                c[rec[field]] += 1
    return c


def main():
    cmd = sys.argv[1]
    if cmd == 'ids':
        c = ids(sys.argv[2])
        print(sum(c.values()), len(c), min(c) if c else None,
              max(c) if c else None)
    elif cmd == 'exactly':
        n = int(sys.argv[3])
        k = int(sys.argv[4]) if len(sys.argv) > 4 else 1
        c = ids(sys.argv[2])
        bad = [(i, c.get(i, 0)) for i in range(n) if c.get(i, 0) != k]
        extra = [i for i in c if not (isinstance(i, int) and 0 <= i < n)]
        if bad or extra:
            print('ids not exactly %d times: %d wrong, %d unexpected; first: %s %s'
                  % (k, len(bad), len(extra), bad[:10], extra[:10]))
            sys.exit(1)
        print('ok: %d ids exactly %d times' % (n, k))
    elif cmd == 'lines':
        total = 0
        for p in data_files(sys.argv[2], errors=True):
            with open(p, 'rb') as fh:
                total += sum(1 for _ in fh)
        print(total)
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
