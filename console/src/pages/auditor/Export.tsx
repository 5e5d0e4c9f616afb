// Export a range of the log (NDJSON: leaves, checkpoints, proofs) from the gateway's GET /audit/export
// with the session's token, saved as a file (fetch + Blob). A time range is turned into the seqs of
// its first and last events first (the export route takes seqs).
import { type FormEvent, useEffect, useState } from 'react';
import { useClient } from 'urql';
import { useSession } from '../../auth/session.tsx';
import { ApiError, type ProblemLike, problemsOf } from '../../components/ApiError.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import auditorT from '../../i18n/auditor.ts';
import { useT } from '../../i18n/i18n.tsx';

const RangeQuery = graphql(`
  query ConsoleAuditExportRange($from: DateTime, $to: DateTime) {
    oldest: auditEvents(filter: { from: $from, to: $to }, order: OLDEST_FIRST, first: 1) {
      nodes {
        seq
      }
    }
    newest: auditEvents(filter: { from: $from, to: $to }, order: NEWEST_FIRST, first: 1) {
      nodes {
        seq
      }
    }
  }
`);

type Mode = 'seq' | 'time';
const SEQ = /^[0-9]{1,15}$/;

export default function Export() {
  const t = useT(auditorT);
  const client = useClient();
  const { session } = useSession();
  const [mode, setMode] = useState<Mode>('seq');
  const [form, setForm] = useState({ fromSeq: '', toSeq: '', from: '', to: '' });
  const [problem, setProblem] = useState<ProblemLike | null>(null);
  const [busy, setBusy] = useState(false);
  const [file, setFile] = useState<{ url: string; name: string; size: number; from: string; to: string } | null>(null);
  const ref = useReadyMarker<HTMLElement>(true);
  // The object URL holds the whole file: released when replaced or when the page goes.
  useEffect(() => () => void (file && URL.revokeObjectURL(file.url)), [file]);

  async function range(): Promise<{ fromSeq?: string; toSeq?: string } | ProblemLike> {
    if (mode === 'seq') {
      for (const k of ['fromSeq', 'toSeq'] as const)
        if (form[k] && !SEQ.test(form[k].trim()))
          return { code: 'BAD_USER_INPUT', message: t('badSeq', { field: t(k) }) };
      const [a, b] = [form.fromSeq.trim(), form.toSeq.trim()];
      if (a && b && Number(b) < Number(a)) return { code: 'BAD_USER_INPUT', message: t('seqOrder') };
      return { ...(a ? { fromSeq: a } : {}), ...(b ? { toSeq: b } : {}) };
    }
    const iso: Record<'from' | 'to', string | undefined> = { from: undefined, to: undefined };
    for (const k of ['from', 'to'] as const) {
      if (!form[k]) continue;
      const d = new Date(form[k]);
      if (Number.isNaN(d.getTime())) return { code: 'BAD_USER_INPUT', message: t('badTime', { field: t(`${k}Time`) }) };
      iso[k] = d.toISOString();
    }
    const res = await client.query(RangeQuery, iso, { requestPolicy: 'network-only' }).toPromise();
    if (res.error) return problemsOf(res.error)[0]!;
    const first = res.data?.oldest.nodes[0]?.seq;
    const last = res.data?.newest.nodes[0]?.seq;
    if (first === undefined || last === undefined) return { code: 'NOT_FOUND', message: t('noEventsInRange') };
    return { fromSeq: String(first), toSeq: String(last) };
  }

  async function download(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      const r = await range();
      if ('message' in r) return setProblem(r);
      const res = await fetch(`/audit/export?${new URLSearchParams(r)}`, {
        headers: { authorization: `Bearer ${session?.token ?? ''}`, accept: 'application/x-ndjson' },
      });
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        return setProblem(body?.error ?? { code: `HTTP_${res.status}`, message: res.statusText });
      }
      const blob = await res.blob();
      const name = `govshare-audit-${r.fromSeq ?? 0}-${r.toSeq ?? 'latest'}.ndjson`;
      const url = URL.createObjectURL(blob);
      setFile({ url, name, size: blob.size, from: r.fromSeq ?? '0', to: r.toSeq ?? '…' });
      save(url, name);
    } catch (err) {
      setProblem({ code: 'NETWORK', message: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  const input = (k: keyof typeof form, type: 'number' | 'datetime-local', label: string) => (
    <label>
      {label}
      <input
        type={type}
        name={k}
        min={type === 'number' ? 0 : undefined}
        step={type === 'number' ? 1 : undefined}
        value={form[k]}
        onChange={(e) => setForm({ ...form, [k]: e.target.value })}
      />
    </label>
  );
  return (
    <section ref={ref} className="page" aria-labelledby="export-title" aria-busy={busy}>
      <h1 id="export-title">{t('exportTitle')}</h1>
      <p className="hint">{t('exportIntro')}</p>
      <form className="form" onSubmit={download}>
        <fieldset>
          <legend>{t('rangeBy')}</legend>
          {(['seq', 'time'] as const).map((m) => (
            <label key={m} className="check">
              <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
              {t(m === 'seq' ? 'bySeq' : 'byTime')}
            </label>
          ))}
        </fieldset>
        <div className="filters">
          {mode === 'seq' ? (
            <>
              {input('fromSeq', 'number', t('fromSeq'))}
              {input('toSeq', 'number', t('toSeq'))}
            </>
          ) : (
            <>
              {input('from', 'datetime-local', t('fromTime'))}
              {input('to', 'datetime-local', t('toTime'))}
            </>
          )}
        </div>
        <button type="submit" disabled={busy}>
          {busy ? t('downloading') : t('download')}
        </button>
      </form>
      <ApiError error={problem} />
      {file ? (
        <p role="status" className="outcome" data-downloaded={file.name}>
          {t('downloaded', { name: file.name, size: file.size, from: file.from, to: file.to })}{' '}
          <a href={file.url} download={file.name}>
            {t('again')}
          </a>
        </p>
      ) : null}
    </section>
  );
}

function save(url: string, name: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}
