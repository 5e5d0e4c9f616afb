// An event's outcome: a word and its colour (never the colour alone).
import auditorT from '../../i18n/auditor.ts';
import { useT } from '../../i18n/i18n.tsx';

export function Outcome({ outcome }: { outcome: 'allowed' | 'denied' | 'error' }) {
  const t = useT(auditorT);
  return (
    <span className={`chip outcome-${outcome}`} data-outcome={outcome}>
      {t(`outcome${outcome}`)}
    </span>
  );
}

/** A check's result in words: verified, or failed with its reason. */
export function Verdict({
  result,
  okWord = 'verified',
}: {
  result: { ok: true } | { ok: false; reason: string } | null;
  /** What success is called: a fetch is "fetched", a check "verified". */
  okWord?: 'verified' | 'fetched';
}) {
  const t = useT(auditorT);
  if (!result) return <span className="chip">{t('pending')}</span>;
  return result.ok ? (
    <span className="chip verdict-ok" data-result={okWord}>
      ✓ {t(okWord)}
    </span>
  ) : (
    <span className="chip verdict-failed" data-result="failed">
      ✗ {t('failed', { reason: result.reason })}
    </span>
  );
}
