"""Times drain3 0.9.11 on a log file, for examples/bench_patterns.rs.

TemplateMiner with the configuration of drain3's examples/drain3.ini (its generic masks,
sim_th 0.4, depth 4), profiling off. Usage:

    python drain3_bench.py FILE MAX_LINES [ASSIGN_OUT]

Prints one JSON object: {"lines": N, "seconds": S} (mining time only, lines already in memory).
With ASSIGN_OUT, writes each line's cluster id there, one per line.
"""
import json
import os
import sys
import tempfile
import time

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

INI = r"""[MASKING]
masking = [
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "mask_with": "ID"},
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)(\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3})((?=[^A-Za-z0-9])|$)", "mask_with": "IP"},
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "mask_with": "SEQ"},
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "mask_with": "SEQ"},
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "mask_with": "HEX"},
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)([\\-\\+]?\\d+)((?=[^A-Za-z0-9])|$)", "mask_with": "NUM"},
          {"regex_pattern":"(?<=executed cmd )(\".+?\")", "mask_with": "CMD"}
          ]
mask_prefix = <:
mask_suffix = :>

[DRAIN]
sim_th = 0.4
depth = 4
max_children = 100
max_clusters = 1024
extra_delimiters = ["_"]

[PROFILING]
enabled = False
"""


def main():
    path, limit = sys.argv[1], int(sys.argv[2])
    assign = sys.argv[3] if len(sys.argv) > 3 else None
    with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as ini:
        ini.write(INI)
    config = TemplateMinerConfig()
    config.load(ini.name)
    os.unlink(ini.name)
    miner = TemplateMiner(config=config)
    lines = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if len(lines) >= limit:
                break
            lines.append(line.rstrip("\r\n"))
    start = time.perf_counter()
    ids = [miner.add_log_message(line)["cluster_id"] for line in lines]
    seconds = time.perf_counter() - start
    if assign:
        with open(assign, "w") as out:
            out.write("".join(f"{i}\n" for i in ids))
    print(json.dumps({"lines": len(lines), "seconds": seconds}))


if __name__ == "__main__":
    main()
