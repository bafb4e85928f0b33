"""Other tools' results read from a change's CI, kept per (repository, head commit, source).

A source is one CI workflow (GitHub: ``workflow:<id>``) or the pipeline (GitLab:
``pipeline``). A run replaces what an earlier run of the same source left for that head; an
older run that arrives late (webhooks and jobs do not keep order) changes nothing. Findings
are stored with `mergegate.core.report.finding_to_dict`: a secrets tool's finding holds its
rule, place and a hash, never the value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import Engine, delete, insert, select, update

from mergegate.core.findings import ScannerError, ScanNote
from mergegate.core.report import finding_from_dict, finding_to_dict
from mergegate.scanners.external import ExternalResult
from mergegate.store.queue import utcnow
from mergegate.store.tables import external_findings, external_results


@dataclass(frozen=True, slots=True)
class RunKey:
    """Which run produced a head's results: a later (run_id, attempt) replaces an earlier."""

    source: str
    run_id: int
    attempt: int
    label: str


class ExternalResultStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def stored_run(self, repo: str, sha: str, source: str) -> tuple[int, int] | None:
        """(run id, attempt) of the run of this source whose results are stored for the head."""
        stored = self._stored(repo, sha, source)
        return None if stored is None else (stored[1], stored[2])

    def has_source(self, repo: str, sha: str, source: str) -> bool:
        """Whether some run of this source stored results for the head."""
        return self._stored(repo, sha, source) is not None

    def _stored(self, repo: str, sha: str, source: str) -> tuple[int, int, int] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(external_results.c.id, external_results.c.run_id,
                       external_results.c.run_attempt)
                .where(external_results.c.repo == repo, external_results.c.sha == sha,
                       external_results.c.source == source)
            ).first()
        return None if row is None else (int(row.id), int(row.run_id), int(row.run_attempt))

    def save(self, repo: str, sha: str, run: RunKey, result: ExternalResult) -> bool:
        """Store the run's results for the head, replacing an earlier run of the same source;
        False (nothing changed) when a newer run of that source is stored already."""
        context = json.dumps({
            "suppressed": result.suppressed,
            "errors": [asdict(e) for e in result.errors],
            "notes": [asdict(n) for n in result.notes],
        }, sort_keys=True)
        values = dict(run_id=run.run_id, run_attempt=run.attempt, label=run.label,
                      context=context, created_at=utcnow())
        with self.engine.begin() as conn:
            row = conn.execute(
                select(external_results.c.id, external_results.c.run_id,
                       external_results.c.run_attempt)
                .where(external_results.c.repo == repo, external_results.c.sha == sha,
                       external_results.c.source == run.source)
                .with_for_update()
            ).first()
            if row is not None:
                if (int(row.run_id), int(row.run_attempt)) > (run.run_id, run.attempt):
                    return False
                result_id = int(row.id)
                conn.execute(delete(external_findings)
                             .where(external_findings.c.result_id == result_id))
                conn.execute(update(external_results)
                             .where(external_results.c.id == result_id).values(**values))
            else:
                inserted = conn.execute(insert(external_results).values(
                    repo=repo, sha=sha, source=run.source, **values))
                result_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
            if result.findings:
                conn.execute(insert(external_findings), [
                    {"result_id": result_id, "fingerprint": f.fingerprint,
                     "data": json.dumps(finding_to_dict(f), sort_keys=True)}
                    for f in result.findings
                ])
        return True

    def results_for(self, repo: str, sha: str) -> ExternalResult:
        """Every source's results for the head, merged (sources in name order)."""
        out = ExternalResult()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(external_results)
                .where(external_results.c.repo == repo, external_results.c.sha == sha)
                .order_by(external_results.c.source)
            ).all()
            for row in rows:
                context = json.loads(row.context or "{}")
                found = conn.execute(
                    select(external_findings.c.data)
                    .where(external_findings.c.result_id == row.id)
                    .order_by(external_findings.c.id)
                ).all()
                out.extend(ExternalResult(
                    findings=[finding_from_dict(json.loads(f.data)) for f in found],
                    suppressed=dict(context.get("suppressed") or {}),
                    errors=[ScannerError(**e) for e in context.get("errors") or []],
                    notes=[ScanNote(**n) for n in context.get("notes") or []],
                ))
        return out

    def heads_with_findings(self, repo: str, fingerprints: Iterable[str]) -> set[str]:
        """Head commits of the repository with a stored external finding of these
        fingerprints (for re-judging when a dismissal of one expires)."""
        wanted = sorted(set(fingerprints))
        if not wanted:
            return set()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(external_results.c.sha).distinct()
                .join(external_findings, external_findings.c.result_id == external_results.c.id)
                .where(external_results.c.repo == repo,
                       external_findings.c.fingerprint.in_(wanted))
            ).all()
        return {str(r.sha) for r in rows}
