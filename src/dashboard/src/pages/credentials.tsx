import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function Credentials() {
  const { t } = useI18n();
  return <Page title={t('Credentials')}><p className="muted">{t('Loading')}</p></Page>;
}
