"""Measures the catalogue snapshot's load (a fresh database, then a restart with the same
file), the search over it (p50/p95/p99, top hits as expected), and the import of the whole of
../shared/data into a temporary SQLite knowledge base (records/s, first and repeated).

    python -m bench.catalogue_import          # or: make bench-catalogue
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from knowledge import facts
from knowledge.catalogue import configured_snapshot
from knowledge.importers.command import import_paths
from knowledge.profile import load_profile
from knowledge.store import KnowledgeBase

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
ROUNDS = 50
# What hotline operators type: accented, unaccented, abbreviations, codes, typos. The expected
# top hit, where one is given, is a curated procedure (or an imported one named in full).
QUERIES: List[Tuple[str, Optional[str]]] = [
    ("đăng ký khai sinh", "1.001193"),
    ("dang ky khai sinh", "1.001193"),
    ("dang ky khai sihn", "1.001193"),
    ("đăng ký thường trú", "1.004222"),
    ("dang ky thuong tru", "1.004222"),
    ("dang ky tam tru", "1.004194"),
    ("đăng ký kết hôn", "1.000894"),
    ("dk ket hon", "1.000894"),
    ("xác nhận tình trạng hôn nhân", "1.004873"),
    ("đăng ký khai tử", "1.000656"),
    ("cap lai CCCD", "1.014064"),
    ("cấp lại thẻ căn cước", "1.014064"),
    ("doi GPLX", "3.000347"),
    ("đổi giấy phép lái xe", "3.000347"),
    ("lam ho chieu", "1.001456"),
    ("dang ky HKD", "1.001612"),
    ("chứng thực bản sao", "2.000815"),
    ("chung thuc chu ky", "2.000884"),
    ("nhan cha me con", "1.001022"),
    ("trình báo mất hộ chiếu", "1.010386"),
    ("giay chung nhan so nha", "1.009141"),
    ("1.001193", "1.001193"),
    ("3.000346", "3.000346"),
    ("1.013837", "1.013837"),
    ("2.002322", "2.002322"),
    ("cấp giấy phép xây dựng", None),
    ("chuyển mục đích sử dụng đất nông nghiệp sang đất ở", None),
    ("cap gcn qsdđ lan dau", None),
    ("đăng ký biến động đất đai", None),
    ("phieu LLTP", None),
    ("hỗ trợ doanh nghiệp nhỏ và vừa", None),
    ("thủ tục hải quan hàng xuất khẩu", None),
    ("cấp giấy phép kinh doanh karaoke", None),
    ("tro cap that nghiep", None),
    ("khen thuong", None),
]


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def latencies(run: Callable[[str], object]) -> List[float]:
    """Milliseconds of ROUNDS runs of every query, after one warm-up run each."""
    for query, _ in QUERIES:
        run(query)
    times: List[float] = []
    for _ in range(ROUNDS):
        for query, _ in QUERIES:
            start = time.perf_counter()
            run(query)
            times.append((time.perf_counter() - start) * 1000)
    return times


def describe(name: str, times: List[float]) -> str:
    return (
        f"{name}: p50 {percentile(times, 0.5):.2f} ms, p95 {percentile(times, 0.95):.2f} ms, "
        f"p99 {percentile(times, 0.99):.2f} ms, mean {statistics.fmean(times):.2f} ms "
        f"({len(times)} searches)"
    )


def snapshot_figures() -> None:
    """The shipped snapshot: load at a first start and a restart, index, searches."""
    path = configured_snapshot()
    if path is None:
        print("No catalogue snapshot configured (KNOWLEDGE_SNAPSHOT / the profile's catalogue).")
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'snapshot.db'}"
        start = time.perf_counter()
        knowledge = KnowledgeBase.open(url)
        first_seconds = time.perf_counter() - start
        start = time.perf_counter()
        knowledge = KnowledgeBase.open(url)
        again_seconds = time.perf_counter() - start
        start = time.perf_counter()
        knowledge.reindex()
        index_seconds = time.perf_counter() - start
        expected: Dict[str, str] = {q: code for q, code in QUERIES if code}
        top = {q: knowledge.search(q, limit=1) for q in expected}
        right = sum(1 for q, code in expected.items() if top[q] and top[q][0].code == code)
        search_times = latencies(lambda q: knowledge.search(q, limit=10))
    print(
        f"Snapshot {path.name}: {path.stat().st_size / 1e6:.1f} MB, "
        f"{len(knowledge.index)} procedures"
    )
    print(f"  first start (fresh database, curated files + snapshot, index): {first_seconds:.1f} s")
    print(f"  restart (snapshot already loaded: index only): {again_seconds:.1f} s")
    print(f"  index build alone: {index_seconds:.1f} s")
    print(f"  top hit as expected: {right}/{len(expected)} queries")
    print("  " + describe("search over the snapshot", search_times))


def main() -> int:
    snapshot_figures()
    if not SHARED.is_dir():
        print(f"{SHARED} is not there: nothing to import.")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        knowledge = KnowledgeBase.open(f"sqlite:///{Path(folder) / 'catalogue.db'}", snapshot=False)
        start = time.perf_counter()
        first = import_paths(knowledge, [SHARED], progress=True)
        first_seconds = time.perf_counter() - start
        start = time.perf_counter()
        again = import_paths(knowledge, [SHARED], progress=True)
        again_seconds = time.perf_counter() - start
        start = time.perf_counter()
        knowledge.reindex()
        index_seconds = time.perf_counter() - start
        profile = load_profile()
        expected: Dict[str, str] = {q: code for q, code in QUERIES if code}
        top = {q: knowledge.search(q, limit=1) for q in expected}
        right = sum(1 for q, code in expected.items() if top[q] and top[q][0].code == code)
        search_times = latencies(lambda q: knowledge.search(q, limit=10))
        lookup_times = latencies(lambda q: facts.hits(knowledge, q, profile, limit=10))
    print("\n".join(first.lines()))
    print(
        f"First import: {first.read} records from {first.files} files in {first_seconds:.1f} s "
        f"= {first.read / first_seconds:.0f} records/s"
    )
    print(
        f"Repeated import: {again.outcomes['unchanged']} unchanged, "
        f"{again.outcomes['imported']} imported, in {again_seconds:.1f} s "
        f"= {again.read / again_seconds:.0f} records/s"
    )
    print(f"Search index: {len(knowledge.index)} procedures, rebuilt in {index_seconds:.2f} s")
    for query, code in expected.items():
        if not top[query] or top[query][0].code != code:
            found = top[query][0].code if top[query] else "nothing"
            print(f"  top hit for {query!r}: {found}, expected {code}")
    print(f"Top hit as expected: {right}/{len(expected)} queries")
    print(describe("Search (index)", search_times))
    print(describe("Staff lookup hits (index + database)", lookup_times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
