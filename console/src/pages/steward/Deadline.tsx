import type { DeadlineStatus } from '../../gql/graphql.ts';
import { useT } from '../../i18n/i18n.tsx';
import stewardT from '../../i18n/steward.ts';

/** The deadline's red/yellow/green, in words as well as colour (colour alone says nothing to some). */
export function Deadline({
  status,
  deadline,
  daysLeft,
}: {
  status: DeadlineStatus;
  deadline: string;
  daysLeft: number | null | undefined;
}) {
  const t = useT(stewardT);
  const days =
    daysLeft == null
      ? ''
      : daysLeft < 0
        ? t('daysOver', { d: Math.abs(Math.round(daysLeft * 10) / 10) })
        : t('daysLeft', { d: Math.round(daysLeft * 10) / 10 });
  return (
    <span className={`deadline deadline-${status.toLowerCase()}`} data-deadline-status={status}>
      <span className="dot" aria-hidden="true" />
      {t(`deadline${status}`)}
      {days ? ` · ${days}` : ''}
      <span className="sub">{new Date(deadline).toLocaleString()}</span>
    </span>
  );
}
