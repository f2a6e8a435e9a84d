"""Compare bulkhead's policy decisions with the reference qrexec engine's on a seeded corpus
(bench/policy/corpus.py): every decision field, and acceptance of single rules.

    python -m bench.policy_oracle --oracle /work/oracle              # 20,000 requests, seed 1
    python -m bench.policy_oracle --oracle /work/oracle --record tests/unit/policy/data/...

ORACLE is a directory holding the reference's ``qrexec`` package (not part of bulkhead).
``--record FILE`` writes the corpus's parameters and the reference's decisions (gzipped JSON),
which tests/unit/policy/test_policy_oracle_record.py replays without the oracle.
"""

from __future__ import annotations

import argparse
import gzip
import json
import pathlib
import sys
import tempfile

from bench.policy.corpus import generate

from . import ours, reference
from .compare import tally


def compare_decisions(ref, corpus) -> list[dict] | None:
    """Print the agreement; the reference's records, or None when a side refused the policy."""
    with tempfile.TemporaryDirectory() as tmp:
        policy_dir = corpus.write_policy_dir(pathlib.Path(tmp) / "policy.d")
        theirs = reference.decide_all(ref, policy_dir, corpus.system, corpus.requests)
        mine = ours.decide_all(policy_dir, corpus.system, corpus.requests)
    if isinstance(theirs, str) or isinstance(mine, str):
        print(f"policy refused: reference: {theirs if isinstance(theirs, str) else 'no'}; "
              f"bulkhead: {mine if isinstance(mine, str) else 'no'}")
        return None
    identical, causes, examples = tally(corpus.requests, theirs, mine)
    lines = sum(text.count("\n") for text in corpus.files.values())
    print(f"corpus: {len(corpus.system['domains'])} domains, {lines} policy lines in "
          f"{len(corpus.files)} files, {len(corpus.requests)} requests")
    verdicts = {v: sum(r["decision"] == v for r in theirs)
                for v in ("allow", "ask", "deny", "error")}
    print(f"reference decisions: {verdicts} (error: the reference fails; qrexec denies)")
    print(f"identical decisions: {identical} of {len(corpus.requests)}")
    for key, count in causes.most_common():
        request, their, our = examples[key]
        print(f"  {count:6d}  {key}\n          {request}\n"
              f"          reference {their}\n          bulkhead  {our}")
    return theirs if identical == len(corpus.requests) else None


def compare_acceptance(ref, corpus) -> list[bool] | None:
    """Print how many single rules both accept or both reject; the reference's verdicts."""
    cases = corpus.acceptance_cases()
    verdicts, agree = [], 0
    for files, main_file in cases:
        their_error = reference.accepts(ref, files, main_file)
        our_error = ours.accepts(files, main_file)
        verdicts.append(their_error is None)
        if (their_error is None) == (our_error is None):
            agree += 1
        else:
            print(f"  acceptance differs: {files}: reference {their_error!r}, "
                  f"bulkhead {our_error!r}")
    print(f"single rules accepted/rejected alike: {agree} of {len(cases)} "
          f"({sum(verdicts)} accepted by the reference)")
    return verdicts if agree == len(cases) else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oracle", required=True, help="directory holding the reference's qrexec")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--record", type=pathlib.Path, help="write the reference's decisions here")
    args = parser.parse_args()

    ref = reference.load_parser(args.oracle)
    corpus = generate(seed=args.seed, requests=args.requests)
    print(f"seed {args.seed}, corpus {corpus.fingerprint()}")
    decisions = compare_decisions(ref, corpus)
    acceptance = compare_acceptance(ref, corpus)
    if decisions is None or acceptance is None:
        return 1
    if args.record:
        data = {"seed": args.seed, "requests": args.requests, "corpus": corpus.fingerprint(),
                "decisions": decisions, "acceptance": acceptance}
        args.record.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, separators=(",", ":")).encode()
        args.record.write_bytes(gzip.compress(text, mtime=0))  # same bytes on every run
        print(f"recorded the reference's decisions in {args.record}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
