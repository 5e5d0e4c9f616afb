// One access request: what was asked, and the steward's decision: approve as asked or narrower
// (fewer fields, fewer unmasked fields, fewer days), or reject with a reason code. The result is shown
// from the mutation's answer.
import { type FormEvent, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ApiError } from '../../components/ApiError.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useReadyMarker } from '../../components/ready.ts';
import { graphql } from '../../gql/index.ts';
import type { ConsoleAccessRequestFragment, RejectReason } from '../../gql/graphql.ts';
import { useT } from '../../i18n/i18n.tsx';
import stewardT from '../../i18n/steward.ts';
import { Deadline } from './Deadline.tsx';

graphql(`
  fragment ConsoleAccessRequest on AccessRequest {
    id
    datasetId
    ownerDept
    requesterDept
    requestedBy
    purpose
    legalBasis
    durationDays
    fields {
      name
      title
      type
    }
    unmaskedFields
    status
    assignee
    filedAt
    deadline
    deadlineStatus
    workingDaysLeft
    decidedAt
    decidedBy
    decision {
      fields
      unmaskedFields
      durationDays
      note
    }
    rejectReason
    rejectText
    grant {
      id
      fields
      unmaskedFields
      expiresAt
      active
    }
    history {
      at
      actor
      kind
    }
  }
`);

const RequestQuery = graphql(`
  query ConsoleAccessRequest($id: ID!) {
    accessRequest(id: $id) {
      ...ConsoleAccessRequest
    }
  }
`);

const ApproveMutation = graphql(`
  mutation ConsoleApproveAccessRequest($id: ID!, $input: ApproveAccessInput, $key: String) {
    approveAccessRequest(id: $id, input: $input, idempotencyKey: $key) {
      ...ConsoleAccessRequest
    }
  }
`);

const RejectMutation = graphql(`
  mutation ConsoleRejectAccessRequest($id: ID!, $reason: RejectReason!, $text: String!, $key: String) {
    rejectAccessRequest(id: $id, reason: $reason, text: $text, idempotencyKey: $key) {
      ...ConsoleAccessRequest
    }
  }
`);

const REASONS: RejectReason[] = ['NO_LEGAL_BASIS', 'STANDARDS_MISMATCH', 'DATA_NOT_HELD', 'SECURITY', 'OTHER'];

export default function RequestPage() {
  const t = useT(stewardT);
  const { id = '' } = useParams();
  const [{ data, fetching, error }] = useQuery({ query: RequestQuery, variables: { id } });
  const ref = useReadyMarker<HTMLElement>(!fetching && (!!data || !!error));
  const r = data?.accessRequest;
  return (
    <section ref={ref} className="page" aria-labelledby="request-title">
      <p>
        <Link to="/steward/requests">← {t('back')}</Link>
      </p>
      <h1 id="request-title">{t('requestTitle', { id })}</h1>
      <ApiError error={error} />
      {!data && fetching ? <Loading /> : null}
      {r ? <RequestView r={r} /> : null}
    </section>
  );
}

function RequestView({ r }: { r: ConsoleAccessRequestFragment }) {
  const t = useT(stewardT);
  const names = (l: string[]) => (l.length ? l.join(', ') : t('none'));
  return (
    <>
      <dl className="facts">
        <dt>{t('colStatus')}</dt>
        <dd data-status={r.status}>{t(`status${r.status}`)}</dd>
        <dt>{t('deadline')}</dt>
        <dd>
          <Deadline status={r.deadlineStatus} deadline={r.deadline} daysLeft={r.workingDaysLeft} />
        </dd>
        <dt>{t('colDataset')}</dt>
        <dd>{r.datasetId}</dd>
        <dt>{t('colRequester')}</dt>
        <dd>{r.requesterDept}</dd>
        <dt>{t('requestedBy')}</dt>
        <dd>{r.requestedBy}</dd>
        <dt>{t('filedAt')}</dt>
        <dd>{new Date(r.filedAt).toLocaleString()}</dd>
        <dt>{t('purpose')}</dt>
        <dd>{r.purpose}</dd>
        <dt>{t('legalBasis')}</dt>
        <dd>{r.legalBasis}</dd>
        <dt>{t('requestedFields')}</dt>
        <dd>{names(r.fields.map((f) => f.name))}</dd>
        <dt>{t('requestedUnmasked')}</dt>
        <dd>{names(r.unmaskedFields)}</dd>
        <dt>{t('duration')}</dt>
        <dd>{r.durationDays}</dd>
        <dt>{t('colAssignee')}</dt>
        <dd>{r.assignee ?? '—'}</dd>
      </dl>
      {r.status === 'PENDING' ? <Decide r={r} /> : <Outcome r={r} />}
      <h2 id="history-title">{t('history')}</h2>
      <ol aria-labelledby="history-title" className="history">
        {r.history.map((h) => (
          <li key={`${h.at}-${h.kind}`}>
            {new Date(h.at).toLocaleString()} · {h.kind} · {h.actor}
          </li>
        ))}
      </ol>
    </>
  );
}

function Outcome({ r }: { r: ConsoleAccessRequestFragment }) {
  const t = useT(stewardT);
  const names = (l: string[]) => (l.length ? l.join(', ') : t('none'));
  return (
    <div className="outcome" role="status" data-outcome={r.status}>
      <p>
        <strong>{t('decided', { status: t(`status${r.status}`) })}</strong>
      </p>
      {r.grant ? (
        <p>
          {t('grantLine', {
            id: r.grant.id,
            fields: names(r.grant.fields),
            unmasked: names(r.grant.unmaskedFields),
            at: new Date(r.grant.expiresAt).toLocaleDateString(),
          })}
        </p>
      ) : null}
      {r.rejectReason ? (
        <p>{t('rejectLine', { reason: t(`reason${r.rejectReason}`), text: r.rejectText ?? '' })}</p>
      ) : null}
    </div>
  );
}

function Decide({ r }: { r: ConsoleAccessRequestFragment }) {
  const t = useT(stewardT);
  const requested = r.fields.map((f) => f.name);
  const [fields, setFields] = useState<string[]>(requested);
  const [unmasked, setUnmasked] = useState<string[]>(r.unmaskedFields);
  const [days, setDays] = useState(r.durationDays);
  const [note, setNote] = useState('');
  const [reason, setReason] = useState<RejectReason>('NO_LEGAL_BASIS');
  const [text, setText] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  // One key per decision: a retried submit (a lost answer) is not applied twice.
  const key = useMemo(() => crypto.randomUUID(), []);
  const [approved, approve] = useMutation(ApproveMutation);
  const [rejected, reject] = useMutation(RejectMutation);
  const busy = approved.fetching || rejected.fetching;
  const toggle = (list: string[], name: string, on: boolean) =>
    on ? [...list, name].filter((n, i, a) => a.indexOf(n) === i) : list.filter((n) => n !== name);

  function onApprove(e: FormEvent) {
    e.preventDefault();
    if (!fields.length) return setLocalError(t('pickOneField'));
    setLocalError(null);
    void approve({
      id: r.id,
      key,
      input: {
        fields,
        unmaskedFields: unmasked.filter((u) => fields.includes(u)),
        durationDays: days,
        ...(note ? { note } : {}),
      },
    });
  }
  function onReject(e: FormEvent) {
    e.preventDefault();
    void reject({ id: r.id, key, reason, text });
  }

  const result = approved.data?.approveAccessRequest ?? rejected.data?.rejectAccessRequest;
  if (result) return <Outcome r={result} />;
  return (
    <div className="decide">
      <ApiError
        error={
          approved.error ?? rejected.error ?? (localError ? { code: 'BAD_USER_INPUT', message: localError } : null)
        }
      />
      <form onSubmit={onApprove} className="form" aria-labelledby="approve-title">
        <h2 id="approve-title">{t('approveTitle')}</h2>
        <fieldset>
          <legend>{t('approveFields')}</legend>
          {requested.map((name) => (
            <label key={name} className="check">
              <input
                type="checkbox"
                name="field"
                value={name}
                checked={fields.includes(name)}
                onChange={(e) => setFields(toggle(fields, name, e.target.checked))}
              />
              {name}
            </label>
          ))}
        </fieldset>
        {r.unmaskedFields.length ? (
          <fieldset>
            <legend>{t('approveUnmasked')}</legend>
            {r.unmaskedFields.map((name) => (
              <label key={name} className="check">
                <input
                  type="checkbox"
                  name="unmasked"
                  value={name}
                  checked={unmasked.includes(name)}
                  disabled={!fields.includes(name)}
                  onChange={(e) => setUnmasked(toggle(unmasked, name, e.target.checked))}
                />
                {name}
              </label>
            ))}
          </fieldset>
        ) : null}
        <label>
          {t('approveDuration', { max: r.durationDays })}
          <input
            type="number"
            name="durationDays"
            min={1}
            max={r.durationDays}
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
            required
          />
        </label>
        <label>
          {t('note')}
          <input name="note" value={note} onChange={(e) => setNote(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          {t('approve')}
        </button>
      </form>
      <form onSubmit={onReject} className="form" aria-labelledby="reject-title">
        <h2 id="reject-title">{t('rejectTitle')}</h2>
        <label>
          {t('reason')}
          <select name="reason" value={reason} onChange={(e) => setReason(e.target.value as RejectReason)}>
            {REASONS.map((x) => (
              <option key={x} value={x}>
                {t(`reason${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('reasonText')}
          <textarea name="rejectText" value={text} onChange={(e) => setText(e.target.value)} required rows={3} />
        </label>
        <button type="submit" disabled={busy}>
          {t('reject')}
        </button>
      </form>
    </div>
  );
}
