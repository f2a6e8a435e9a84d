"""bulkhead's decisions against the reference qrexec engine's on the generated corpus
(bench/policy/corpus.py, seed 1: 60 domains, 1,008 policy lines, 20,000 requests, 2,517 single
rules): replayed from the reference's recorded answers (data/oracle_seed1.json.gz), and, when
BULKHEAD_QREXEC_ORACLE names a directory holding the reference's ``qrexec`` package, live."""

from __future__ import annotations

import gzip
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.policy.corpus import generate
from bench.policy_oracle import ours, reference
from bench.policy_oracle.compare import tally

RECORD = pathlib.Path(__file__).parent / "data" / "oracle_seed1.json.gz"
REPO = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def recorded():
    data = json.loads(gzip.decompress(RECORD.read_bytes()))
    corpus = generate(seed=data["seed"], requests=data["requests"])
    assert corpus.fingerprint() == data["corpus"], (
        "bench/policy/corpus.py changed: record again with "
        "python -m bench.policy_oracle --oracle DIR --record " + str(RECORD.relative_to(REPO)))
    return corpus, data


def test_every_recorded_decision_is_identical(recorded, tmp_path):
    corpus, data = recorded
    mine = ours.decide_all(corpus.write_policy_dir(tmp_path / "policy.d"), corpus.system,
                           corpus.requests)
    assert not isinstance(mine, str), mine
    identical, causes, examples = tally(corpus.requests, data["decisions"], mine)
    assert identical == len(corpus.requests) == 20000, (causes, list(examples.values())[:3])


def test_every_rule_is_accepted_or_rejected_as_the_reference_does(recorded):
    corpus, data = recorded
    cases = corpus.acceptance_cases()
    differ = [files for (files, main), theirs in zip(cases, data["acceptance"], strict=True)
              if (ours.accepts(files, main) is None) != theirs]
    assert len(cases) == len(data["acceptance"]) == 2517
    assert not differ, differ[:5]


def test_the_corpus_reaches_every_verdict_and_both_acceptance_outcomes(recorded):
    _, data = recorded
    verdicts = {record["decision"] for record in data["decisions"]}
    assert verdicts == {"allow", "ask", "deny", "error"}
    assert any(record.get("default_target") for record in data["decisions"])
    assert set(data["acceptance"]) == {True, False}


ORACLE = os.environ.get("BULKHEAD_QREXEC_ORACLE")
needs_oracle = pytest.mark.skipif(
    not ORACLE, reason="BULKHEAD_QREXEC_ORACLE (a directory with the reference's qrexec package) "
                       "is not set: the live comparison needs the reference engine")


@needs_oracle
def test_live_comparison_with_the_reference():
    result = subprocess.run(
        [sys.executable, "-m", "bench.policy_oracle", "--oracle",
         os.environ["BULKHEAD_QREXEC_ORACLE"], "--requests", "5000", "--seed", "2"],
        cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identical decisions: 5000 of 5000" in result.stdout


@needs_oracle
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32))
def test_small_random_corpora_decide_as_the_reference(seed):
    parser = reference.load_parser(ORACLE)
    corpus = generate(seed=seed, domains=12, rules=80, requests=300, lines=60)
    with tempfile.TemporaryDirectory() as tmp:
        policy_dir = corpus.write_policy_dir(pathlib.Path(tmp) / "policy.d")
        theirs = reference.decide_all(parser, policy_dir, corpus.system, corpus.requests)
        mine = ours.decide_all(policy_dir, corpus.system, corpus.requests)
    assert not isinstance(theirs, str) and not isinstance(mine, str), (theirs, mine)
    identical, causes, examples = tally(corpus.requests, theirs, mine)
    assert identical == len(corpus.requests), (causes, list(examples.values())[:3])
    for files, main in corpus.acceptance_cases():
        assert (reference.accepts(parser, files, main) is None) == (
            ours.accepts(files, main) is None), files
