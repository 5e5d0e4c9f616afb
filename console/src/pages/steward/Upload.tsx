// Upload a CSV or NDJSON file into one of the department's datasets, with a real progress bar
// (XMLHttpRequest's upload progress: fetch has none for request bodies), to the gateway's streamed
// ingest route with the session's token. The file is applied all or nothing; a refusal's row errors
// are shown as a table.
import { type FormEvent, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { useSession } from '../../auth/session.tsx';
import { ApiError, type ProblemLike } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import { useT } from '../../i18n/i18n.tsx';
import qualityT from '../../i18n/steward-quality.ts';

const UploadDatasetsQuery = graphql(`
  query ConsoleStewardUploadDatasets($dept: String!) {
    datasets(filter: { ownerDept: $dept }, first: 100) {
      nodes {
        id
        title
        recordCount
      }
    }
  }
`);

interface RowError {
  row: number;
  field?: string;
  rule?: string;
  message: string;
}
type Outcome =
  | { kind: 'done'; accepted: number; recordCount: number; mode: string }
  | { kind: 'rows'; errorCount: number; errors: RowError[] }
  | { kind: 'error'; problem: ProblemLike };

/** The content type the route needs, from the file's name (browsers label CSV files inconsistently). */
export function contentTypeOf(name: string, charset: string): string | null {
  const n = name.toLowerCase();
  const base = n.endsWith('.csv')
    ? 'text/csv'
    : n.endsWith('.ndjson') || n.endsWith('.jsonl')
      ? 'application/x-ndjson'
      : null;
  return base && `${base}; charset=${charset}`;
}

function readOutcome(status: number, text: string): Outcome {
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'error', problem: { code: `HTTP ${status}`, message: text.slice(0, 200) } };
  }
  if (status === 200) return { kind: 'done', accepted: body.accepted, recordCount: body.recordCount, mode: body.mode };
  const err = body?.error ?? {};
  const errors = err.details?.errors;
  if (Array.isArray(errors) && errors.length)
    return { kind: 'rows', errorCount: Number(err.details.errorCount ?? errors.length), errors };
  return { kind: 'error', problem: { code: err.code ?? `HTTP ${status}`, message: err.message ?? text.slice(0, 200) } };
}

export default function Upload() {
  const t = useT(qualityT);
  const { session } = useSession();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: UploadDatasetsQuery,
    variables: { dept: session?.dept ?? '' },
    pause: !session,
  });
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));
  const [dataset, setDataset] = useState('');
  const [mode, setMode] = useState<'append' | 'replace'>('append');
  const [charset, setCharset] = useState('utf-8');
  const [progress, setProgress] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const datasets = data?.datasets.nodes ?? [];
  const chosen = dataset || datasets[0]?.id || '';
  const busy = progress !== null && outcome === null;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const file = fileRef.current?.files?.[0];
    if (!file) return setFormError(t('pickFile'));
    const type = contentTypeOf(file.name, charset);
    if (!type) return setFormError(t('unknownType'));
    if (!session || !chosen) return;
    setFormError(null);
    setOutcome(null);
    setProgress(0);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/datasets/${encodeURIComponent(chosen)}/records?mode=${mode}`);
    xhr.setRequestHeader('authorization', `Bearer ${session.token}`);
    xhr.setRequestHeader('content-type', type);
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) setProgress(ev.loaded / ev.total);
    };
    xhr.onload = () => {
      setProgress(1);
      const o = readOutcome(xhr.status, xhr.responseText);
      setOutcome(o);
      if (o.kind === 'done') refetch({ requestPolicy: 'network-only' });
    };
    xhr.onerror = () => setOutcome({ kind: 'error', problem: { code: 'NETWORK', message: 'upload failed' } });
    xhr.send(file);
  };

  return (
    <section ref={ref} className="page" aria-labelledby="upload-title">
      <h1 id="upload-title">{t('uploadTitle')}</h1>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {data && datasets.length === 0 ? <p>{t('noDatasets')}</p> : null}
      {datasets.length > 0 ? (
        <form className="form" onSubmit={onSubmit} noValidate>
          <label>
            {t('uploadDataset')}
            <select value={chosen} onChange={(e) => setDataset(e.target.value)}>
              {datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.title} ({d.id}) · {d.recordCount}
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend>{t('uploadMode')}</legend>
            <label className="check">
              <input type="radio" name="mode" checked={mode === 'append'} onChange={() => setMode('append')} />
              {t('modeAppend')}
            </label>
            <label className="check">
              <input type="radio" name="mode" checked={mode === 'replace'} onChange={() => setMode('replace')} />
              {t('modeReplace')}
            </label>
          </fieldset>
          <label>
            {t('uploadEncoding')}
            <select value={charset} onChange={(e) => setCharset(e.target.value)}>
              <option value="utf-8">{t('encodingUtf8')}</option>
              <option value="gb18030">{t('encodingGb18030')}</option>
            </select>
          </label>
          <label>
            {t('uploadFile')}
            <input ref={fileRef} type="file" accept=".csv,.ndjson,.jsonl,text/csv,application/x-ndjson" />
          </label>
          <p className="note">{t('uploadAllOrNothing')}</p>
          {formError ? (
            <p role="alert" className="api-error">
              {formError}
            </p>
          ) : null}
          <button type="submit" disabled={busy}>
            {t('upload')}
          </button>
          {progress !== null ? (
            <p>
              <label>
                {t('uploadProgress')}
                <progress max={1} value={progress} data-progress={progress} />
              </label>{' '}
              {t('uploading', { p: Math.round(progress * 100) })}
            </p>
          ) : null}
        </form>
      ) : null}
      {outcome?.kind === 'done' ? (
        <p role="status" className="outcome" data-upload="done">
          {t('uploadDone', { accepted: outcome.accepted, mode: outcome.mode, count: outcome.recordCount })}
        </p>
      ) : null}
      {outcome?.kind === 'error' ? <ApiError error={outcome.problem} /> : null}
      {outcome?.kind === 'rows' ? (
        <div data-upload="refused">
          <p role="alert" className="api-error">
            {t('uploadRefused', { n: outcome.errorCount })}
            {outcome.errorCount > outcome.errors.length
              ? ` ${t('uploadRefusedMore', { shown: outcome.errors.length })}`
              : ''}
          </p>
          <table className="list" aria-label={t('uploadRefused', { n: outcome.errorCount })}>
            <thead>
              <tr>
                <th scope="col">{t('colRow')}</th>
                <th scope="col">{t('colField')}</th>
                <th scope="col">{t('colRule')}</th>
                <th scope="col">{t('colMessage')}</th>
              </tr>
            </thead>
            <tbody>
              {outcome.errors.map((r) => (
                <tr key={`${r.row} ${r.field} ${r.rule} ${r.message}`} data-row-error={r.row}>
                  <td className="num">{r.row}</td>
                  <td>{r.field ?? '—'}</td>
                  <td>
                    <code>{r.rule ?? '—'}</code>
                  </td>
                  <td>{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
