"""The claim trie of grid search: coverage and the uncovered points agree with brute force."""

import itertools
import random

from nas_notebook.algorithms._grid_trie import Trie, covers, uncovered


def test_the_claim_trie_agrees_with_brute_force():
    rng = random.Random(0)
    for _ in range(40):
        sizes = [rng.randint(1, 3) for _ in range(rng.randint(0, 4))]
        points = list(itertools.product(*[range(size) for size in sizes]))
        trie = Trie(sizes, lasting=True)
        claims = []
        for _ in range(rng.randint(1, 4)):  # claims arrive in batches, as trials finish
            batch = [
                {axis: rng.randrange(size) for axis, size in enumerate(sizes) if rng.random() < 0.7}
                for _ in range(rng.randint(0, 6))
            ]
            trie.add(batch)
            claims += batch
            expected = [
                p for p in points if not any(all(p[a] == v for a, v in c.items()) for c in claims)
            ]
            assert list(uncovered([trie.root], sizes, memo=trie.covered)) == expected
            assert list(uncovered([trie.root], sizes)) == expected
            assert [p for p in points if not covers([trie.root], p)] == expected
            overlay = Trie(sizes, [{0: 0}] if sizes else [])
            with_overlay = [p for p in expected if not (sizes and p[0] == 0)]
            assert list(uncovered([trie.root, overlay.root], sizes, memo=trie.covered)) == (
                with_overlay
            )
            if sizes:
                fixed = {len(sizes) - 1: 0}
                assert list(uncovered([trie.root], sizes, fixed)) == [
                    p for p in expected if p[-1] == 0
                ]
