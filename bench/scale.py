"""Benchmark 4, province scale: reporting's read model and reports filled for 5 years (2026-2030, the whole
movement), then the dashboard's GET /progress and the consolidated-report draft timed through gunicorn.

Reporting is deployed per ward, so the province's 150 wards x 60 units are 150 databases like the "ward"
variant below (60 units); the "province" variant puts all 9,000 units in one database, as a province-wide
reporting instance would, to show where the design's limit is."""
from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests
from common import WRK_DONE, Gunicorn, median, percentile, run_wrk, service_env, token
from psycopg.types.json import Jsonb
from wards import FIELDS, TITLES, pg_dsn

from dvk_platform.migrations import upgrade

YEARS = range(2026, 2031)
PERIODS = ("six_month", "annual")
KINDS = ["co_quan"] * 6 + ["cong_an", "quan_su"] + ["mttq_doan_the"] * 6 + ["to_dan_pho"] * 46  # 60 units

SECTIONS = {
    "leadership": "Đảng ủy, UBND phường ban hành kế hoạch, phân công cán bộ phụ trách; đơn vị quán triệt đến từng "
                  "cán bộ, hội viên; lồng ghép nội dung \"Dân vận khéo\" vào sinh hoạt chi bộ, họp tổ dân phố.",
    "effectiveness": "Nhân dân đồng thuận, tự nguyện đóng góp ngày công, kinh phí; tình hình an ninh trật tự ổn định; "
                     "tỷ lệ hồ sơ giải quyết đúng hạn tăng; không có đơn thư vượt cấp.",
    "good_practices": "Tổ chức đối thoại trực tiếp với nhân dân hằng quý; lập nhóm Zalo tổ dân phố để phản ánh kiến nghị, "
                      "giải quyết trong 48 giờ; biểu dương hộ gia đình tiêu biểu.",
    "difficulties": "Một bộ phận người dân còn chưa tích cực tham gia; kinh phí hoạt động hạn chế; cán bộ kiêm nhiệm nhiều việc.",
    "recommendations": "Đề nghị UBND phường hỗ trợ kinh phí duy trì mô hình, tập huấn kỹ năng dân vận cho cán bộ tổ dân phố.",
    "next_direction": "Tiếp tục duy trì, nhân rộng mô hình; đăng ký mô hình mới gắn với chuyển đổi số và chỉnh trang đô thị.",
}


def _unit_rows(wards: int) -> list[tuple[Any, ...]]:
    rows = []
    for ward in range(wards):
        for n, kind in enumerate(KINDS, start=1):
            uid = ward * 100 + n
            name = f"Tổ dân phố {n}" if kind == "to_dan_pho" else f"Đơn vị {n}"
            rows.append((uid, f"p{ward}-u{n}", name if wards == 1 else f"{name} (phường {ward + 1})", kind, True,
                         "2026-01-05T02:00:00.000+00:00"))
    return rows


def seed_reporting(url: str, wards: int) -> dict[str, int]:
    """Units, their models (2 a year), reports and target figures (both periods a year), commendations."""
    rng = random.Random(wards)
    units = _unit_rows(wards)
    counts = {"units": len(units), "models": 0, "reports": 0, "figures": 0, "commendations": 0}
    now = datetime(2030, 12, 20, 3, 0, tzinfo=UTC)
    with psycopg.connect(pg_dsn(url)) as conn, conn.cursor() as cur:
        with cur.copy("COPY units (unit_id, code, name, kind, active, event_time) FROM STDIN") as copy:
            for row in units:
                copy.write_row(row)
        with cur.copy("COPY registered_models (model_id, unit_id, year, title, field, status, late, status_at, typical, "
                      "rating, inspected_on) FROM STDIN") as copy:
            model_id = 0
            for year in YEARS:
                for uid, *_ in units:
                    for _ in range(2):
                        model_id += 1
                        status = rng.choices(["accepted", "submitted", "returned", "withdrawn"], [85, 8, 4, 3])[0]
                        rating = rng.choice(["tot", "kha", "trung_binh"]) if status == "accepted" else None
                        copy.write_row((model_id, uid, year, f"{rng.choice(TITLES)} ({model_id})", rng.choice(FIELDS),
                                        status, rng.random() < 0.1, f"{year}-02-10T02:00:00+00:00",
                                        rating == "tot" and rng.random() < 0.3, rating,
                                        f"{year}-08-15" if rating else None))
            counts["models"] = model_id
        with cur.copy("COPY unit_reports (unit_id, year, period, status, sections, model_results, due_date, late, "
                      "submitted_at, accepted_at, version, created_at, updated_at) FROM STDIN") as copy:
            for year in YEARS:
                for period in PERIODS:
                    due = date(year, 6, 10) if period == "six_month" else date(year, 11, 15)
                    for uid, *_ in units:
                        status = rng.choices(["accepted", "submitted", "returned", "draft"], [88, 6, 3, 3])[0]
                        on_due = datetime(due.year, due.month, due.day, 2, tzinfo=UTC)
                        sent = None if status == "draft" else on_due - timedelta(days=rng.randint(-3, 10))
                        results = [{"model_id": uid * 10 + k, "title": rng.choice(TITLES), "result": "Đạt kết quả tốt"} for k in range(2)]
                        copy.write_row((uid, year, period, status, Jsonb(SECTIONS), Jsonb(results), due,
                                        bool(sent and sent.date() > due), sent, sent if status == "accepted" else None,
                                        3, now, now))
                        counts["reports"] += 1
        with cur.copy("COPY target_figures (unit_id, year, period, files_received, files_resolved, files_on_time, "
                      "online_files, cashless_payments, survey_responses, satisfied_responses, "
                      "digital_literacy_participants, officials_total, officials_violating, source, version, updated_at) "
                      "FROM STDIN") as copy:
            for year in YEARS:
                for period in PERIODS:
                    for uid, *_ in units:
                        received = rng.randint(50, 400)
                        resolved = received - rng.randint(0, 5)
                        copy.write_row((uid, year, period, received, resolved, resolved - rng.randint(0, 3),
                                        rng.randint(10, 200), rng.randint(5, 150), rng.randint(20, 100),
                                        rng.randint(18, 100) // 1, rng.randint(0, 80), rng.randint(5, 30),
                                        0, "import", 1, now))
                        counts["figures"] += 1
        with cur.copy("COPY commendations (nomination_id, unit_id, year, nominee_kind, person_name, award_name, "
                      "proposed, approved, decision_id, decision_number, decided_on, forwarded, revoked) FROM STDIN") as copy:
            nomination = 0
            for year in YEARS:
                for uid, *_ in units:
                    if rng.random() < 0.08:
                        nomination += 1
                        individual = rng.random() < 0.5
                        copy.write_row((nomination, uid, year, "individual" if individual else "collective",
                                        "Nguyễn Thị Mai" if individual else None, "Giấy khen của Chủ tịch UBND phường",
                                        True, True, nomination, f"{nomination}/QĐ-UBND", f"{year}-12-01", False, False))
            counts["commendations"] = nomination
        conn.commit()
        conn.execute("ANALYZE")
        counts["database_mb"] = round(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20, 1)
    return counts


def _progress_script(path: Path, year: int) -> Path:
    path.write_text(f'''
wrk.method = "GET"
wrk.path = "/progress?year={year}"
wrk.headers["Authorization"] = "Bearer {token("lanh_dao")}"
''' + WRK_DONE)
    return path


def _drafts(url: str, db_url: str, year: int, times: int, docx: bool) -> list[dict[str, float]]:
    """Phòng VH-XH drafts the year's consolidated report `times` times (each draft removed again), one at a time;
    the first draft's Word document is downloaded too."""
    headers = {"Authorization": f"Bearer {token('vhxh')}"}
    results = []
    with requests.Session() as http:
        for n in range(times):
            period = PERIODS[n % 2]
            started = time.perf_counter()
            answer = http.post(f"{url}/consolidated-reports", json={"year": year, "period": period}, headers=headers, timeout=120)
            seconds = time.perf_counter() - started
            if answer.status_code != 201:
                raise RuntimeError(f"draft failed: {answer.status_code} {answer.text[:500]}")
            entry = {"draft_s": seconds, "bytes": len(answer.content)}
            draft_id = answer.json()["id"]
            if n == 0 and docx:
                started = time.perf_counter()
                document = http.get(f"{url}/consolidated-reports/{draft_id}/document", headers=headers, timeout=120)
                entry["docx_s"] = time.perf_counter() - started
                entry["docx_bytes"] = len(document.content)
                if document.status_code != 200:
                    raise RuntimeError(f"document failed: {document.status_code}")
            with psycopg.connect(pg_dsn(db_url)) as conn:
                conn.execute("DELETE FROM consolidated_reports WHERE id = %s", (draft_id,))
            results.append(entry)
    return results


def run(servers: Any, work: Path, *, variants: dict[str, dict[str, Any]], seconds: float, rounds: int,
        topic_prefix: str) -> dict[str, Any]:
    """variants: name -> {"wards": n, "eight": 8 concurrent readers too, "drafts": drafts per round, "docx": bool}."""
    year = max(YEARS)
    out: dict[str, Any] = {"year": year, "variants": {}}
    webs: dict[str, Gunicorn] = {}
    urls: dict[str, str] = {}
    try:
        for name, plan in variants.items():
            wards = plan["wards"]
            url = servers.databases.create(f"bench_reporting_{name.replace(' ', '_')}")
            upgrade("reporting", url)
            started = time.perf_counter()
            counts = seed_reporting(url, wards)
            counts["seed_s"] = round(time.perf_counter() - started, 1)
            out["variants"][name] = {**plan, "counts": counts, "progress": [], "progress_8": [], "draft_runs": []}
            urls[name] = url
            webs[name] = Gunicorn(f"bench4-reporting-{name.replace(' ', '-')}", "reporting.wsgi:app",
                                  service_env(url, servers.kafka_bootstrap, topic_prefix), work / "logs")
        script = _progress_script(work / "progress.lua", year)
        for web in webs.values():  # warm: imports, pools, PostgreSQL's cache
            run_wrk(web.url, script, 1, 1, threads=1)
        names = list(webs)
        for r in range(rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                v = out["variants"][name]
                v["progress"].append(run_wrk(webs[name].url, script, seconds, 1, threads=1))
                if v["eight"]:  # eight readers at once only where one answer is quick enough to allow it
                    v["progress_8"].append(run_wrk(webs[name].url, script, seconds, 8, threads=2))
                if v["drafts"]:
                    v["draft_runs"] += _drafts(webs[name].url, urls[name], year, v["drafts"], v["docx"] and r == 0)
        for name, web in webs.items():
            v = out["variants"][name]
            v["rss_mb"] = web.worker_rss_mb()
            draft_times = [d["draft_s"] for d in v["draft_runs"]]
            v["summary"] = {
                "progress_p50_ms": median([x["p50_ms"] for x in v["progress"]]),
                "progress_p99_ms": max(x["p99_ms"] for x in v["progress"]),
                "progress_requests": sum(x["ok"] for x in v["progress"]),
                "progress8_p50_ms": median([x["p50_ms"] for x in v["progress_8"]]) if v["progress_8"] else None,
                "progress8_p99_ms": max(x["p99_ms"] for x in v["progress_8"]) if v["progress_8"] else None,
                "progress8_rps": median([x["rps"] for x in v["progress_8"]]) if v["progress_8"] else None,
                "errors": sum(x["status_errors"] + x["socket_errors"] for x in v["progress"] + v["progress_8"]),
                "draft_p50_s": median(draft_times) if draft_times else None,
                "draft_max_s": max(draft_times) if draft_times else None,
                "draft_p99_s": percentile(draft_times, 99) if draft_times else None,
                "draft_count": len(draft_times),
                "docx_s": max((d.get("docx_s", 0) for d in v["draft_runs"]), default=0),
            }
        out["command"] = v["progress"][0]["command"]
    finally:
        for web in webs.values():
            web.stop()
    return out
