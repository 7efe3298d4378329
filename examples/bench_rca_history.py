#!/usr/bin/env python3
"""Builds a git repository from the successive releases of a real PyPI package, one commit each.

Each release's wheel (pure Python) is downloaded from PyPI, its `.py` files replace the previous
release's, and the commit is dated at the release's upload time, so the history moves at the pace
a real project ships. `examples/bench_rca/main.rs` then generates its cases from that history:

    python3 examples/bench_rca_history.py --package requests --releases 30 /tmp/requests-history
    cargo run --release --example bench_rca -- --repo /tmp/requests-history --files '*.py'

Only the standard library is used; PyPI is the one host contacted.
"""

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import urllib.request
import zipfile

PYPI = "https://pypi.org/pypi/{}/json"


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def releases(package, count):
    """The last `count` final releases that have a pure-Python wheel, oldest first."""
    meta = json.loads(fetch(PYPI.format(package)))
    found = []
    for version, files in meta["releases"].items():
        if any(c.isalpha() for c in version.replace(".post", "")):
            continue  # pre-releases: a, b, rc, dev
        wheels = [
            f
            for f in files
            if f["packagetype"] == "bdist_wheel"
            and f["filename"].endswith("-none-any.whl")
            and not f.get("yanked")
        ]
        if wheels:
            found.append((wheels[0]["upload_time_iso_8601"], version, wheels[0]["url"]))
    found.sort()
    return found[-count:]


def git(repo, *args, env=None):
    subprocess.run(["git", "-C", repo, *args], check=True, env=env, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="requests")
    parser.add_argument("--releases", type=int, default=30)
    parser.add_argument("dir")
    args = parser.parse_args()
    if os.path.exists(args.dir):
        sys.exit(f"{args.dir} exists; give a new directory")
    picked = releases(args.package, args.releases)
    if len(picked) < 2:
        sys.exit(f"{args.package} has fewer than two releases with a pure-Python wheel")
    os.makedirs(args.dir)
    git(args.dir, "init", "-q", "-b", "main")
    git(args.dir, "config", "user.name", "Release")
    git(args.dir, "config", "user.email", "release@example.com")
    for uploaded, version, url in picked:
        for entry in os.listdir(args.dir):
            path = os.path.join(args.dir, entry)
            if entry == ".git":
                continue
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
        with zipfile.ZipFile(io.BytesIO(fetch(url))) as wheel:
            for name in wheel.namelist():
                top = name.split("/")[0]
                if name.endswith(".py") and not top.endswith((".dist-info", ".data")):
                    target = os.path.join(args.dir, name)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "wb") as out:
                        out.write(wheel.read(name))
        env = dict(os.environ, GIT_AUTHOR_DATE=uploaded, GIT_COMMITTER_DATE=uploaded)
        git(args.dir, "add", "-A")
        git(args.dir, "commit", "-q", "--allow-empty", "-m", f"{args.package} {version}", env=env)
        print(f"{uploaded}  {args.package} {version}")


if __name__ == "__main__":
    main()
