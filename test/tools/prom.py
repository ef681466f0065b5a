#!/usr/bin/python3
"""prom.py FILE - parse a Prometheus text exposition with the
prometheus_client package's parser (Debian python3-prometheus-client) and
print what it understood, one line each:

  family NAME TYPE            every metric family
  NAME DEVICE VALUE           every sample (VALUE as an integer)

A parse error is a traceback and exit status 1.
"""
import sys

from prometheus_client.parser import text_string_to_metric_families

with open(sys.argv[1]) as f:
    text = f.read()
for fam in text_string_to_metric_families(text):
    print("family %s %s" % (fam.name, fam.type))
    for s in fam.samples:
        extra = ",".join("%s=%s" % kv for kv in sorted(s.labels.items())
                         if kv[0] != "device")
        print("%s %s %d%s" % (s.name, s.labels.get("device", "-"),
                              int(s.value), " " + extra if extra else ""))
