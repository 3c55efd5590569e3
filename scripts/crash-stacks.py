#!/usr/bin/env python3
"""Prints the crashing thread's stack from each .NET crash report (createdump's *.crashreport.json) in a folder.

scripts/test.sh runs the tests with DOTNET_DbgEnableMiniDump/DOTNET_EnableCrashReport so that a test host that dies
(a native fault, an unhandled exception on a background thread) leaves a report; without it the log names only the
test that happened to be running.
"""
import glob
import json
import os
import sys

folder = sys.argv[1] if len(sys.argv) > 1 else "."
reports = sorted(glob.glob(os.path.join(folder, "*.crashreport.json")))
for path in reports:
    try:
        with open(path, encoding="utf-8") as f:
            payload = json.load(f).get("payload", {})
    except (OSError, ValueError) as ex:
        print(f"crash report {path}: unreadable ({ex})")
        continue
    print(f"== crash report {os.path.basename(path)}: process {payload.get('process_name', '?')}")
    threads = payload.get("threads", [])
    crashed = [t for t in threads if str(t.get("crashed")).lower() == "true"] or threads[:1]
    for thread in crashed:
        for key in ("managed_exception_type", "managed_exception_hresult", "exception_message"):
            if key in thread:
                print(f"  {key}: {thread[key]}")
        print(f"  thread {thread.get('native_thread_id', '?')} (managed: {thread.get('is_managed', '?')}):")
        for frame in thread.get("stack_frames", [])[:48]:
            name = frame.get("method_name") or frame.get("unmanaged_name") or frame.get("native_image_offset", "")
            module = frame.get("native_module") or frame.get("filename") or "?"
            print(f"    {module}  {frame.get('class_name', '')}{name}")
print(f"crash reports: {len(reports)}")
