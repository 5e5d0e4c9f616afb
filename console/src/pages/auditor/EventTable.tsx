// The audit events of one page as a table: every field the log holds, identifiers only as the HMACs the
// API gives (subject keys, filter values); each row links to its inclusion check.
import { Link } from 'react-router';
import { graphql } from '../../gql/index.ts';
import type { ConsoleAuditEventRowFragment } from '../../gql/graphql.ts';
import auditorT from '../../i18n/auditor.ts';
import { useLang, useT } from '../../i18n/i18n.tsx';
import { Outcome } from './Outcome.tsx';

export const EventRowFragment = graphql(`
  fragment ConsoleAuditEventRow on AuditEvent {
    seq
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
    accessRequestId
    subjectKeys
    client
  }
`);

const list = (xs: readonly string[] | null | undefined) => (xs?.length ? xs.join(', ') : null);

export function formatTime(iso: string, lang: string) {
  return new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { hour12: false });
}

export function EventTable({ events, labelledBy }: { events: ConsoleAuditEventRowFragment[]; labelledBy: string }) {
  const t = useT(auditorT);
  const { lang } = useLang();
  const line = (label: string, value: string | number | null | undefined) =>
    value === null || value === undefined || value === '' ? null : (
      <span className="sub">
        {label}: {value}
      </span>
    );
  return (
    <table className="list" aria-labelledby={labelledBy}>
      <thead>
        <tr>
          <th scope="col">{t('colSeq')}</th>
          <th scope="col">{t('colAt')}</th>
          <th scope="col">{t('colActor')}</th>
          <th scope="col">{t('colAction')}</th>
          <th scope="col">{t('colOutcome')}</th>
          <th scope="col">{t('colWhat')}</th>
          <th scope="col">{t('colWhy')}</th>
          <th scope="col">{t('colIds')}</th>
          <th scope="col">
            <span className="sr-only">{t('verify')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.seq} data-seq={e.seq}>
            <td className="num">{e.seq}</td>
            <td>{formatTime(e.at, lang)}</td>
            <td>
              {e.actor.sub}
              <span className="sub">
                {e.actor.dept} · {e.actor.roles.join(', ')}
              </span>
              {line(t('token'), e.actor.tokenId)}
            </td>
            <td>{e.action}</td>
            <td>
              <Outcome outcome={e.outcome} />
              {line(t('reason'), e.reason)}
              {line(t('errorCode'), e.errorCode)}
            </td>
            <td>
              {e.dataset ? `${e.dataset}${e.datasetVersion ? ` v${e.datasetVersion}` : ''}` : '—'}
              {line(t('fields'), list(e.fields))}
              {line(t('masked'), list(e.maskedFields))}
              {line(t('records'), e.recordCount)}
              {e.filter ? line(t('filter'), JSON.stringify(e.filter)) : null}
              {e.subjectKeys?.length ? (
                <span className="sub" title={e.subjectKeys.join('\n')}>
                  {t('subjects', { n: e.subjectKeys.length })}: {e.subjectKeys[0]?.slice(0, 12)}…
                </span>
              ) : null}
            </td>
            <td>
              {line(t('purpose'), e.purpose)}
              {line(t('grant'), e.grantId)}
            </td>
            <td>
              {line(t('requestId'), e.requestId)}
              {line(t('accessRequestId'), e.accessRequestId)}
              {line(t('withholds'), e.withholds)}
              {line(t('client'), e.client)}
            </td>
            <td>
              <Link to={`/audit/proof?seq=${e.seq}`} aria-label={t('verifyEvent', { seq: e.seq })}>
                {t('verify')}
              </Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
