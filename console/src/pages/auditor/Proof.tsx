// The log's state and one event's inclusion, checked here with WebCrypto (console/src/verify): the
// checkpoint's Ed25519 signature against the published keys, then the event's leaf walked up its
// proof to the signed root. Each step says verified, or failed with the reason; no server verdict.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useLocation, useSearchParams } from 'react-router';
import { type Client, useClient } from 'urql';
import { ApiError, type ProblemLike, problemsOf } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { ConsoleAuditEventBySeqQuery } from '../../gql/graphql.ts';
import auditorT from '../../i18n/auditor.ts';
import { useLang, useT } from '../../i18n/i18n.tsx';
import {
  type ApiAuditEvent,
  CHECKPOINT_JWKS_PATH,
  type CheckpointResult,
  type Ed25519PublicJwk,
  type InclusionResult,
  type VerifiedCheckpoint,
  fetchCheckpointKeys,
  fromBase64,
  jwsKeyId,
  toHex,
  verifyCheckpoint,
  verifyEventInclusion,
} from '../../verify/index.ts';
import { formatTime } from './EventTable.tsx';
import { Outcome, Verdict } from './Outcome.tsx';

const CheckpointQuery = graphql(`
  query ConsoleAuditCheckpoint {
    auditCheckpoint {
      treeSize
      rootHash
      timestamp
      jws
    }
  }
`);

// Asking a proof without a size has the log sign a checkpoint covering the event when none does yet.
const CoverQuery = graphql(`
  query ConsoleAuditCover($seq: Int!) {
    auditInclusionProof(seq: $seq) {
      treeSize
    }
  }
`);

// Every field of the event (console/src/verify's AUDIT_EVENT_LEAF_FIELDS; the browser test checks
// they match): the leaf is rebuilt from exactly what is shown. The API's cursor is the seq
// (contracts/schemas/audit-api.v1.json), so the event after seq − 1, oldest first, is event seq.
const EventQuery = graphql(`
  query ConsoleAuditEventBySeq($after: String, $seq: Int!, $treeSize: Int!) {
    auditEvents(order: OLDEST_FIRST, first: 1, after: $after) {
      nodes {
        seq
        id
        at
        requestId
        actor {
          sub
          dept
          roles
          tokenId
        }
        action
        outcome
        reason
        errorCode
        withholds
        dataset
        datasetVersion
        fields
        maskedFields
        filter
        recordCount
        grantId
        purpose
        grantExpiresAt
        accessRequestId
        subjectKeys
        client
      }
    }
    auditInclusionProof(seq: $seq, treeSize: $treeSize) {
      leafIndex
      treeSize
      proof
      leaf
    }
  }
`);

type Failed = { ok: false; reason: string };
type AuditEventNode = ConsoleAuditEventBySeqQuery['auditEvents']['nodes'][number];

interface LogState {
  keys: { ok: true; keys: Ed25519PublicJwk[] } | Failed;
  /** null: the log has no checkpoint yet. */
  checkpoint: {
    shown: { treeSize: number; rootHash: string; timestamp: string; jws: string };
    result: CheckpointResult;
  } | null;
  refreshed?: boolean;
}

interface EventCheck {
  seq: number;
  event?: AuditEventNode;
  fetched: { ok: true } | Failed;
  inclusion?: InclusionResult;
}

/** Every visit (a new seq, or the same address again) checks afresh, from the keys on. */
export default function ProofPage() {
  return <Proof key={useLocation().key} />;
}

function Proof() {
  const t = useT(auditorT);
  const { lang } = useLang();
  const client = useClient();
  const [params, setParams] = useSearchParams();
  const seqParam = params.get('seq');
  const seq = seqParam !== null && /^[0-9]{1,15}$/.test(seqParam) ? Number(seqParam) : null;
  const [seqInput, setSeqInput] = useState(seqParam ?? '');
  const [state, setState] = useState<LogState | null>(null);
  const [check, setCheck] = useState<EventCheck | null>(null);
  const [apiError, setApiError] = useState<ProblemLike[] | null>(null);
  const [busy, setBusy] = useState(false);

  const readLog = useCallback(async (): Promise<LogState | null> => {
    const [keys, cp] = await Promise.all([
      fetchCheckpointKeys(fetch, location.origin),
      client.query(CheckpointQuery, {}, { requestPolicy: 'network-only' }).toPromise(),
    ]);
    if (cp.error) {
      setApiError(problemsOf(cp.error));
      return null;
    }
    const shown = cp.data?.auditCheckpoint;
    if (!shown) return { keys, checkpoint: null };
    const result: CheckpointResult = keys.ok ? await verifyCheckpoint(shown, keys.keys) : keys;
    return { keys, checkpoint: { shown, result } };
  }, [client]);

  useEffect(() => {
    let live = true;
    setBusy(true);
    setCheck(null);
    (async () => {
      let log = await readLog();
      if (!live || !log) return;
      if (seq !== null && log.checkpoint?.result.ok && seq >= log.checkpoint.result.treeSize) {
        const cover = await client.query(CoverQuery, { seq }, { requestPolicy: 'network-only' }).toPromise();
        if (!live) return;
        if (!cover.error) log = { ...((await readLog()) ?? log), refreshed: true };
      }
      if (!live) return;
      setState(log);
      const verified = log.checkpoint?.result;
      if (seq === null || !verified?.ok) return;
      setCheck(await checkEvent(client, seq, verified, t('noSuchEvent', { seq })));
    })()
      .catch((err: Error) => live && setApiError([{ code: 'CONSOLE_ERROR', message: err.message }]))
      .finally(() => live && setBusy(false));
    return () => {
      live = false;
    };
  }, [readLog, seq, client, t]);

  function choose(e: FormEvent) {
    e.preventDefault();
    const v = seqInput.trim();
    setParams(/^[0-9]{1,15}$/.test(v) ? { seq: v } : {});
  }

  const ready = !busy && (!!state || !!apiError);
  const ref = useReadyMarker<HTMLElement>(ready);
  const cp = state?.checkpoint;
  const signed = cp?.result.ok ? cp.result : null;
  const keyOf = (kid: string) => (state?.keys.ok ? state.keys.keys.find((k) => k.kid === kid) : undefined);
  const shownKid = signed?.keyId ?? (cp ? (jwsKeyId(cp.shown.jws) ?? undefined) : undefined);

  return (
    <section ref={ref} className="page" aria-labelledby="proof-title" aria-busy={busy}>
      <h1 id="proof-title">{t('proofTitle')}</h1>
      <p className="hint">{t('proofIntro')}</p>
      <ApiError
        error={apiError ? { code: apiError[0]?.code, message: apiError.map((p) => p.message).join('; ') } : null}
      />
      {!state && !apiError ? <Loading /> : null}
      {state ? (
        <>
          <h2 id="checkpoint-title">{t('checkpointTitle')}</h2>
          {state.refreshed ? <p className="note">{t('refreshed')}</p> : null}
          <ol className="steps" aria-labelledby="checkpoint-title">
            <li data-step="keys">
              {t('stepKeys')}: <Verdict result={state.keys.ok ? { ok: true } : state.keys} okWord="fetched" />
              <span className="sub">{t('keysFrom', { path: CHECKPOINT_JWKS_PATH })}</span>
            </li>
            {cp ? (
              <li data-step="signature">
                {t('stepSignature')}:{' '}
                <Verdict result={cp.result.ok ? { ok: true } : { ok: false, reason: cp.result.reason }} />
              </li>
            ) : null}
          </ol>
          {cp ? (
            <dl className="facts" data-checkpoint>
              <dt>{t('treeSize')}</dt>
              <dd data-field="treeSize">{signed?.treeSize ?? cp.shown.treeSize}</dd>
              <dt>{t('rootHash')}</dt>
              <dd>
                <code className="hash" data-field="rootHash">
                  {toHex(signed?.rootHash ?? fromBase64(cp.shown.rootHash) ?? new Uint8Array())}
                </code>
              </dd>
              <dt>{t('signedAt')}</dt>
              <dd>{formatTime(signed?.timestamp ?? cp.shown.timestamp, lang)}</dd>
              <dt>{t('keyId')}</dt>
              <dd>
                <code data-field="keyId">{shownKid ?? '—'}</code>
              </dd>
              <dt>{t('publicKey')}</dt>
              <dd>
                <code className="hash" data-field="publicKey">
                  {(shownKid && keyOf(shownKid)?.x) || '—'}
                </code>
              </dd>
            </dl>
          ) : (
            <p>{t('noCheckpoint')}</p>
          )}
          <p className="note">{t('compareKey')}</p>

          <h2 id="choose-title">{t('chooseEvent')}</h2>
          <form className="filters" onSubmit={choose} aria-labelledby="choose-title">
            <label>
              {t('seq')}
              <input
                type="number"
                min={0}
                step={1}
                inputMode="numeric"
                value={seqInput}
                onChange={(e) => setSeqInput(e.target.value)}
              />
            </label>
            <button type="submit" disabled={!signed}>
              {t('check')}
            </button>
          </form>
          {check ? (
            <ol className="steps" aria-label={t('chooseEvent')} data-event-check={check.seq}>
              <li data-step="event">
                {t('stepEvent')}: <Verdict result={check.fetched} okWord="fetched" />
                {check.event ? (
                  <span className="sub">
                    {t('eventShown', {
                      seq: check.event.seq,
                      action: check.event.action,
                      outcome: t(`outcome${check.event.outcome}`),
                      at: formatTime(check.event.at, lang),
                    })}{' '}
                    <Outcome outcome={check.event.outcome} /> {check.event.actor.sub} · {check.event.actor.dept}
                    {check.event.dataset ? ` · ${check.event.dataset}` : ''}
                  </span>
                ) : null}
              </li>
              {check.inclusion ? (
                <li data-step="inclusion">
                  {t('stepInclusion')}: <Verdict result={check.inclusion} />
                  {check.inclusion.ok ? (
                    <>
                      <span className="sub">
                        {t('provenTo', { seq: check.seq, n: check.inclusion.treeSize, kid: check.inclusion.keyId })}
                      </span>
                      <span className="sub">
                        {t('leafHash')}: <code className="hash">{check.inclusion.leafHash}</code>
                      </span>
                    </>
                  ) : null}
                </li>
              ) : null}
            </ol>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

/** Fetches event `seq` and its proof to the verified checkpoint's size, and checks it here. */
async function checkEvent(
  client: Client,
  seq: number,
  cp: VerifiedCheckpoint,
  noSuchEvent: string,
): Promise<EventCheck> {
  const res = await client
    .query(
      EventQuery,
      { after: seq > 0 ? String(seq - 1) : null, seq, treeSize: cp.treeSize },
      { requestPolicy: 'network-only' },
    )
    .toPromise();
  if (res.error) {
    const reason = problemsOf(res.error)
      .map((p) => (p.code ? `${p.code}: ${p.message}` : p.message))
      .join('; ');
    return { seq, fetched: { ok: false, reason } };
  }
  const event = res.data?.auditEvents.nodes[0];
  const proof = res.data?.auditInclusionProof;
  if (!event || event.seq !== seq || !proof) return { seq, fetched: { ok: false, reason: noSuchEvent } };
  const inclusion = await verifyEventInclusion(event as unknown as ApiAuditEvent, proof, cp);
  return { seq, event, fetched: { ok: true }, inclusion };
}
