"""The provincial roll-up is the maintained command `dvk-rollup` (dvk_subscriber.rollup, installed with the
platform); this file only runs it, for older instructions that still call `python examples/province_rollup.py`.

    dvk-rollup --bootstrap kafka.tinh.gov.vn:9092 --year 2026 [--json | --xlsx tong-hop.xlsx]
"""
import sys

from dvk_subscriber.rollup import main

if __name__ == "__main__":
    sys.exit(main())
