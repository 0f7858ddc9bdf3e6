# SPDX-License-Identifier: Apache-2.0
"""Runs one end-to-end test function: run.py <file> <test_name>.

Exit 0 on success, 1 on failure (with the vagliod log tail), 77 when a
prerequisite is missing (ctest reports the test as skipped).
"""

import importlib.util
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    path, name = sys.argv[1], sys.argv[2]
    spec = importlib.util.spec_from_file_location("suite", path)
    suite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(suite)
    try:
        getattr(suite, name)()
    except harness.SkipTest as e:
        print("SKIPPED:", e)
        return 77
    except Exception:
        traceback.print_exc()
        return 1
    print("PASSED:", name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
