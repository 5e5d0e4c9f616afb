import common from '../i18n/common.ts';
import { useT } from '../i18n/i18n.tsx';

export function Loading() {
  const t = useT(common);
  return (
    <p className="loading" role="status">
      {t('loading')}
    </p>
  );
}
