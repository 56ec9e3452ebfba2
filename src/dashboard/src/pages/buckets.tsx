import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function Buckets() {
  const { t } = useI18n();
  return <Page title={t('Buckets')}><p className="muted">{t('Loading')}</p></Page>;
}
