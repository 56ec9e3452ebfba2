import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function Launch() {
  const { t } = useI18n();
  return <Page title={t('Launch')}><p className="muted">{t('Loading')}</p></Page>;
}
