#!/usr/bin/env python3
"""Sums test results over TRX files for scripts/test.

usage: trx-summary.py PROJECT=TRX_OR_EMPTY:EXIT_CODE ... [SUITE=@PASSED,FAILED,SKIPPED:EXIT_CODE ...]

A SUITE argument carries counts a non-.NET suite (packaging/ci) printed itself.

Prints each project's counts, every skipped test with its reason (loudly), and last the line
`N passed, N failed, N skipped`. A project without a TRX file (it did not build, or its test
host crashed) or whose run exited non-zero without a failed test counts as one failed test.
Exits 1 if anything failed.
"""
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
# dotnet test on Microsoft.Testing.Platform: 0 ok, 8 "zero tests ran" (a project with no tests yet).
OK_EXIT_CODES = {0, 8}


def read(path):
    root = ET.parse(path).getroot()
    counters = root.find("t:ResultSummary/t:Counters", NS)
    attr = counters.attrib if counters is not None else {}
    passed = int(attr.get("passed", 0))
    failed = sum(int(attr.get(k, 0)) for k in ("failed", "error", "timeout", "aborted"))
    skipped = int(attr.get("notExecuted", 0))
    skips = []
    for result in root.iterfind("t:Results/t:UnitTestResult", NS):
        if result.get("outcome") == "NotExecuted":
            message = result.find("t:Output/t:ErrorInfo/t:Message", NS)
            if message is None:
                message = result.find("t:Output/t:StdOut", NS)
            reason = (message.text or "").strip() if message is not None else ""
            skips.append((result.get("testName", "?"), reason or "(no reason given)"))
    return passed, failed, skipped, skips


def main(args):
    total_passed = total_failed = total_skipped = 0
    all_skips = []
    broken = []
    print()
    print(f"{'PROJECT':<32} {'PASSED':>7} {'FAILED':>7} {'SKIPPED':>8}")
    for arg in args:
        project, rest = arg.split("=", 1)
        trx, exit_code = rest.rsplit(":", 1)
        exit_code = int(exit_code)
        if trx.startswith("@"):
            passed, failed, skipped = (int(n) for n in trx[1:].split(","))
            skips = []
            if exit_code != 0 and failed == 0:
                failed = 1
                broken.append(f"{project}: exited {exit_code} with no failed step")
            exit_code = 0
        elif trx and os.path.isfile(trx):
            try:
                passed, failed, skipped, skips = read(trx)
            except ET.ParseError as e:
                passed, failed, skipped, skips = 0, 0, 0, []
                broken.append(f"{project}: unreadable TRX {trx} ({e})")
                failed = 1
        else:
            passed, failed, skipped, skips = 0, 1, 0, []
            broken.append(f"{project}: no test results (did not build, or the test host crashed; exit {exit_code})")
        if exit_code not in OK_EXIT_CODES and failed == 0:
            failed = 1
            broken.append(f"{project}: dotnet test exited {exit_code} with no failed test in its TRX")
        if exit_code == 8:
            print(f"!!! {project}: ran no tests", file=sys.stderr)
        total_passed += passed
        total_failed += failed
        total_skipped += skipped
        all_skips += [(project, name, reason) for name, reason in skips]
        print(f"{project:<32} {passed:>7} {failed:>7} {skipped:>8}")
    print()
    for line in broken:
        print(f"!!! FAILED TO RUN: {line}")
    if all_skips:
        print(f"!!! SKIPPED TESTS ({len(all_skips)}) !!!")
        for project, name, reason in all_skips:
            print(f"!!!   {project}: {name}: {reason}")
        print()
    print(f"{total_passed} passed, {total_failed} failed, {total_skipped} skipped")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
