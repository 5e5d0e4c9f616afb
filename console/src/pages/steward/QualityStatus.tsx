import { useT } from '../../i18n/i18n.tsx';
import qualityT from '../../i18n/steward-quality.ts';

export type QualityStatusName = 'green' | 'yellow' | 'red';
const KNOWN = ['green', 'yellow', 'red'];

/** A dataset's red/yellow/green, in words as well as colour; "not scored yet" when the API has none. */
export function QualityStatus({ status }: { status: string | null | undefined }) {
  const t = useT(qualityT);
  const s = status && KNOWN.includes(status) ? (status as QualityStatusName) : 'none';
  return (
    <span className={`deadline deadline-${s}`} data-quality-status={s}>
      <span className="dot" aria-hidden="true" />
      {t(`status${s}`)}
    </span>
  );
}
