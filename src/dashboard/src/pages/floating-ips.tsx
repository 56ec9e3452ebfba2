import { useI18n } from '../i18n.tsx';
import { Page } from '../ui.tsx';

export function FloatingIps() {
  const { t } = useI18n();
  return <Page title={t('FloatingIps')}><p className="muted">{t('Loading')}</p></Page>;
}
