import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function Networks() {
  const { t } = useI18n();
  return <Page title={t('Networks')}><p className="muted">{t('Loading')}</p></Page>;
}
