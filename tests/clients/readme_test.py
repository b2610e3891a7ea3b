"""The README's handler excerpts are quoted from the tested files in docs/clients/, verbatim.

    python3 readme_test.py
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FILES = ["docs/clients/drf/erralert_drf.py", "docs/clients/nest/erralert.filter.ts",
         "docs/clients/spring/ErralertReporter.java"]

readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
section = readme.split("## Handing errors to erralert from your app", 1)[1].split("\n## ", 1)[0]
sources = {f: open(os.path.join(ROOT, f), encoding="utf-8").read() for f in FILES}
blocks = re.findall(r"```\w+\n(.*?)```", section, re.S)
excerpts = [b for b in blocks if b.count("\n") > 2]  # the one-line install blocks are not quotes
failed = [b for b in excerpts if not any(b in text for text in sources.values())]
quoted = {f for f, text in sources.items() if any(b in text for b in excerpts)}
for b in failed:
    print("FAIL: README excerpt not found verbatim in docs/clients/:\n" + b)
for f in sorted(set(FILES) - quoted):
    print(f"FAIL: the README quotes nothing from {f}")
if failed or quoted != set(FILES):
    sys.exit(1)
print(f"{len(excerpts)} README excerpts found verbatim in {len(FILES)} client files")
